"""Every request the plugin can make to the Web API matches an operation of Sentry's OpenAPI document (or one of
the legacy or hand-written operations of operations.json): path, method, query parameters (booleans as 1/0,
`cursor` on paginated operations, page sizes within 100 under both names, ids declared integer as digits) and the
body fields.

The requests are the ones requests puts on the wire (a transport adapter records them), made by the real
actions on a real Connection, for each route (legacy, organization-scoped, sentry.io regions, the fallback of a
server without organization-scoped routes, after it was learnt) and each optional input with and without each of
its values; then every combination of the list actions' inputs on one route. Each sequence is exact: a short ID is
resolved within the organization first, and a legacy route with an organization named acts only after the issue
was read and its project found among the organization's.
"""

import itertools
import json

import pytest

from komand_sentry.actions.bulk_update_issues.action import BulkUpdateIssues
from komand_sentry.actions.get_issue_event.action import GetIssueEvent
from komand_sentry.actions.list_issue_events.action import ListIssueEvents
from komand_sentry.actions.list_project_issues.action import ListProjectIssues
from komand_sentry.actions.update_issue.action import UpdateIssue
from contract_test.scenarios import (
    EVENT_VARIANTS,
    ISSUE,
    ISSUE_ROUTES,
    ORG,
    PROJECT,
    PROJECT_ROUTES,
    PROJECT_VARIANTS,
    SAAS,
    SELF_HOSTED,
    SENTRY9,
    UPDATE_VARIANTS,
    Route,
    confirmation,
    delta_answer,
    event_params,
    expected_failure,
    perform,
    project_params,
    resolution,
    update_params,
)
from contract_test.util import (
    ADD_ISSUE_NOTE,
    BULK_UPDATE_ORGANIZATION_ISSUES,
    BULK_UPDATE_PROJECT_ISSUES,
    LEGACY_ADD_ISSUE_NOTE,
    LEGACY_LATEST_EVENT,
    LEGACY_LIST_ISSUE_EVENTS,
    LEGACY_LIST_ISSUE_NOTES,
    LEGACY_OLDEST_EVENT,
    LEGACY_RETRIEVE_ISSUE,
    LEGACY_UPDATE_ISSUE,
    LIST_ISSUE_EVENTS,
    LIST_ISSUE_NOTES,
    LIST_ORGANIZATION_ISSUES,
    LIST_ORGANIZATION_PROJECTS,
    LIST_ORGANIZATION_TEAMS,
    LIST_PROJECT_ISSUES,
    PAGE_SIZE_NAMES,
    RESOLVE_SHORT_ID,
    RETRIEVE_ISSUE,
    RETRIEVE_ISSUE_EVENT,
    default_issue,
    RETRIEVE_ORGANIZATION,
    RETRIEVE_PROJECT_EVENT,
    TOKEN,
    UPDATE_ISSUE,
    UNDOCUMENTED_STABLE,
    ContractViolation,
    connect,
    match,
    teams,
)


def matched_keys(route: Route, requests_made) -> list:
    """The operation of each request (all must match), with the route's host and token checked."""
    return [key for _, key in matched(route, requests_made)]


def matched(route: Route, requests_made) -> list:
    """(request, operation key) of each request but the region lookup (all must match), host and token checked."""
    keys = []
    for request in requests_made:
        keys.append(match(request).key)
        assert request.headers.get("Authorization") == f"Bearer {TOKEN}", str(request)
        if keys[-1] == RETRIEVE_ORGANIZATION:
            assert route.lookup and request.origin == SAAS, f"{request}: a region lookup off sentry.io"
        else:
            assert request.origin == route.issue_host, f"{request}: expected on {route.issue_host}"
    lookups = keys.count(RETRIEVE_ORGANIZATION)
    assert lookups == (1 if route.lookup else 0)
    if lookups:
        assert keys[0] == RETRIEVE_ORGANIZATION and requests_made[0].path == f"/api/0/organizations/{ORG}/"
    return [(request, key) for request, key in zip(requests_made, keys) if key != RETRIEVE_ORGANIZATION]


def assert_pages_follow_the_link_header(requests_made, size_param: str, first_cursor=None):
    """Each page after the first sends the same parameters with the cursor of the Link header before it; every page
    gives its size under both names Sentry's endpoints read (limit, per_page), alike."""
    first = dict(requests_made[0].query)
    assert first.get("cursor") == first_cursor
    assert all(dict(r.query)["limit"] == dict(r.query)["per_page"] for r in requests_made), "the two page sizes differ"
    for number, request in enumerate(requests_made[1:], start=1):
        query = dict(request.query)
        start = int((first_cursor or "0:0:0").split(":")[1])
        offset = start + sum(int(dict(r.query)[size_param]) for r in requests_made[:number])
        assert query.pop("cursor") == f"0:{offset}:0"  # the cursor of the fake's Link header
        assert {k: v for k, v in query.items() if k not in PAGE_SIZE_NAMES} == {
            k: v for k, v in first.items() if k not in PAGE_SIZE_NAMES + ("cursor",)
        }


def assert_issue_paths_name_the_numeric_id(requests_made):
    """Every request about the issue names it by its numeric ID (a short ID was resolved before)."""
    for request in requests_made:
        if "/issues/" in request.path and not request.path.endswith("/issues/"):
            assert request.path.split("/issues/")[1].split("/")[0] == ISSUE, str(request)


# List Project Issues ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("variant", list(PROJECT_VARIANTS))
@pytest.mark.parametrize("route", PROJECT_ROUTES, ids=lambda route: route.id)
def test_list_project_issues(route, variant):
    params = project_params(variant)
    outcome = perform(ListProjectIssues, route, params)
    assert outcome.error is None, outcome.error
    keys = matched_keys(route, outcome.requests)
    assert keys and set(keys) == {LIST_PROJECT_ISSUES}
    listing = [r for r in outcome.requests if match(r).key == LIST_PROJECT_ISSUES]
    assert all(r.path == f"/api/0/projects/{ORG}/backend/issues/" for r in listing)
    query = dict(listing[0].query)
    assert query.get("query") == params.get("query")
    assert query.get("statsPeriod") == params.get("statsPeriod")
    assert query.get("shortIdLookup") == {True: "1", False: "0", None: None}[params.get("shortIdLookup")]
    assert query["limit"] == query["per_page"] == str(min(100, params.get("limit") or 100))
    assert_pages_follow_the_link_header(listing, "limit", params.get("cursor") or None)


def test_list_project_issues_every_combination_of_inputs():
    """query x statsPeriod x shortIdLookup x limit x cursor, each absent or with each kind of value."""
    route = PROJECT_ROUTES[2]  # region-us
    options = {
        "query": [None, "", "is:unresolved level:error"],
        "statsPeriod": [None, "", "24h", "14d"],
        "shortIdLookup": [None, True, False],
        "limit": [None, 5, 250],
        "cursor": [None, "1700000000000:100:0"],
    }
    combinations = 0
    for values in itertools.product(*options.values()):
        params = {"organization_slug": ORG, "project_slug": "backend"}
        params.update({name: value for name, value in zip(options, values) if value is not None})
        outcome = perform(ListProjectIssues, route, params)
        assert outcome.error is None, (params, outcome.error)
        assert set(matched_keys(route, outcome.requests)) == {LIST_PROJECT_ISSUES}, params
        combinations += 1
    assert combinations == 3 * 4 * 3 * 3 * 2


# List Issue Events -----------------------------------------------------------------------------------------------


def expected_event_keys(route: Route, params: dict, pages: int) -> list:
    """The short-ID resolution, the scoped first page of a fallback, the confirmation on a legacy route, then the
    pages of the route the server has."""
    prefix = resolution(route, params)
    if route.kind == "scoped":
        return prefix + [LIST_ISSUE_EVENTS] * pages
    scoped = [LIST_ISSUE_EVENTS] if route.kind == "fallback" else []
    return prefix + scoped + confirmation(route, params) + [LEGACY_LIST_ISSUE_EVENTS] * pages


def pages_of(route: Route, keys: list) -> int:
    return keys.count(LIST_ISSUE_EVENTS if route.kind == "scoped" else LEGACY_LIST_ISSUE_EVENTS)


@pytest.mark.parametrize("variant", list(EVENT_VARIANTS))
@pytest.mark.parametrize("route", ISSUE_ROUTES, ids=lambda route: route.id)
def test_list_issue_events(route, variant):
    params = event_params(variant)
    outcome = perform(ListIssueEvents, route, params)
    for request in outcome.warm_up:
        assert match(request).key in (
            LIST_ISSUE_EVENTS,
            LEGACY_LIST_ISSUE_EVENTS,
            LEGACY_RETRIEVE_ISSUE,
            LIST_ORGANIZATION_PROJECTS,
        )
    failure = expected_failure(route, params)
    pairs = matched(route, outcome.requests)
    keys = [key for _, key in pairs]
    if failure:
        words, sent = failure
        assert outcome.error is not None and words in f"{outcome.error.cause} {outcome.error.data}"
        assert len(keys) == sent
        return
    assert outcome.error is None, outcome.error
    assert pages_of(route, keys) >= 1 and keys == expected_event_keys(route, params, pages_of(route, keys))
    assert_issue_paths_name_the_numeric_id(outcome.requests)
    page_key = LIST_ISSUE_EVENTS if route.kind == "scoped" else LEGACY_LIST_ISSUE_EVENTS
    listing = [request for request, key in pairs if key == page_key]
    query = dict(listing[0].query)
    assert query.get("full") == ("1" if params.get("full") else None)
    assert query["per_page"] == query["limit"] == str(min(100, params.get("limit") or 100))
    assert_pages_follow_the_link_header(listing, "per_page", params.get("cursor") or None)
    if route.kind == "fallback":
        scoped = [request for request, key in pairs if key == LIST_ISSUE_EVENTS]
        assert [r.query for r in scoped] == [listing[0].query]  # the same first page, scoped


def test_list_issue_events_every_combination_of_inputs_on_every_route():
    options = {"full": [None, True, False], "limit": [None, 5, 250], "cursor": [None, "0:100:0"]}
    combinations = 0
    for route in ISSUE_ROUTES:
        for values in itertools.product(*options.values()):
            params = {"issue_id": ISSUE}
            params.update({name: value for name, value in zip(options, values) if value is not None})
            outcome = perform(ListIssueEvents, route, params)
            assert outcome.error is None, (route.id, params, outcome.error)
            keys = matched_keys(route, outcome.requests)
            assert keys == expected_event_keys(route, params, max(1, pages_of(route, keys))), (route.id, params)
            combinations += 1
    assert combinations == len(ISSUE_ROUTES) * 3 * 3 * 2


# Update Issue ----------------------------------------------------------------------------------------------------


def expected_update_keys(route: Route, params: dict, read_back: bool) -> list:
    """The short-ID resolution, the team lookup of a #team-slug assignee, the scoped PUT (a fallback's answers "no
    such route"), the confirmation before any legacy PUT, the PUT, and the read-back of an answer without the issue."""
    prefix = resolution(route, params)
    if str(params.get("assignedTo", "")).startswith("#"):
        prefix.append(LIST_ORGANIZATION_TEAMS)
    if route.kind == "scoped":
        return prefix + [UPDATE_ISSUE] + ([RETRIEVE_ISSUE] if read_back else [])
    scoped = [UPDATE_ISSUE] if route.kind == "fallback" else []
    return (
        prefix
        + scoped
        + confirmation(route, params)
        + [LEGACY_UPDATE_ISSUE]
        + ([LEGACY_RETRIEVE_ISSUE] if read_back else [])
    )


def expected_body(params: dict) -> dict:
    expected = {key: value for key, value in params.items() if key not in ("issue_id", "organization_slug")}
    if not expected.get("substatus"):
        expected.pop("substatus", None)
    details = {k: v for k, v in expected.pop("statusDetails", {}).items() if v not in ("", None)}
    if details:
        expected["statusDetails"] = details
    if str(expected.get("assignedTo", "")).startswith("#"):
        (team,) = [team for team in teams() if team["slug"] == expected["assignedTo"][1:]]
        expected["assignedTo"] = f"team:{team['id']}"
    return expected


@pytest.mark.parametrize("variant", list(UPDATE_VARIANTS))
@pytest.mark.parametrize("route", ISSUE_ROUTES, ids=lambda route: route.id)
def test_update_issue(route, variant):
    params = update_params(variant)
    read_back = variant == "answer-without-id-read-back"
    outcome = perform(UpdateIssue, route, params, **({"put_answer": delta_answer} if read_back else {}))
    failure = expected_failure(route, params)
    pairs = matched(route, outcome.requests)
    keys = [key for _, key in pairs]
    if failure:
        words, sent = failure
        assert outcome.error is not None and words in f"{outcome.error.cause} {outcome.error.data}"
        assert len(keys) == sent
        return
    assert outcome.error is None, outcome.error
    assert keys == expected_update_keys(route, params, read_back)
    assert_issue_paths_name_the_numeric_id(outcome.requests)
    bodies = [request.json() for request in outcome.requests if request.method == "PUT"]
    assert bodies and all(body == expected_body(params) for body in bodies), (bodies, expected_body(params))
    reads = [request.path for request, key in pairs if key in (RETRIEVE_ISSUE, LEGACY_RETRIEVE_ISSUE)]
    paths = {
        RETRIEVE_ISSUE: f"/api/0/organizations/{ORG}/issues/{ISSUE}/",
        LEGACY_RETRIEVE_ISSUE: f"/api/0/issues/{ISSUE}/",
    }
    assert reads == [paths[key] for key in keys if key in paths]


# Connection test -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url,organization,root",
    [
        (None, None, SAAS),
        (SAAS + "/api/0/", "acme", SAAS),
        ("https://de.sentry.io", None, "https://de.sentry.io"),
        (SELF_HOSTED, "acme", SELF_HOSTED),
        (SENTRY9 + "/api/0", None, SENTRY9),
    ],
    ids=["default-url", "sentry.io-api-form-with-org", "region-host", "self-hosted", "sentry9"],
)
def test_the_connection_test_asks_the_undocumented_but_stable_api_root_only(url, organization, root):
    connection, fake = connect(url, organization)
    assert connection.test() == {"success": True}
    (request,) = fake.requests  # no region lookup: the root answers on every host
    assert (request.method, request.origin, request.path) == ("GET", root, "/api/0/")
    assert request.query == [] and request.body is None
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    with pytest.raises(ContractViolation, match="no operation"):
        match(request)
    assert f"{request.method} {request.path}" in UNDOCUMENTED_STABLE


def test_every_request_body_is_compact_json_of_the_changes_only():
    outcome = perform(UpdateIssue, ISSUE_ROUTES[4], update_params("everything"))
    (put,) = [r for r in outcome.requests if r.method == "PUT"]
    assert put.headers["Content-Type"] == "application/json"
    assert json.loads(put.body) == {
        "status": "ignored",
        "statusDetails": {"ignoreCount": 100, "ignoreWindow": 60},
        "substatus": "archived_until_condition_met",
        "assignedTo": "team:2",
        "hasSeen": True,
        "isBookmarked": False,
        "isSubscribed": True,
        "isPublic": False,
    }


def test_the_requests_reach_every_operation_behind_the_actions_and_no_other():
    from contract_test.scenarios import catalog

    assert set(catalog().values()) == {
        LIST_PROJECT_ISSUES,
        LIST_ISSUE_EVENTS,
        LEGACY_LIST_ISSUE_EVENTS,
        UPDATE_ISSUE,
        LEGACY_UPDATE_ISSUE,
        RETRIEVE_ISSUE,
        LEGACY_RETRIEVE_ISSUE,
        RETRIEVE_ORGANIZATION,
        # a short ID, the membership of an issue on a legacy route, #team-slug assignees
        RESOLVE_SHORT_ID,
        LIST_ORGANIZATION_PROJECTS,
        LIST_ORGANIZATION_TEAMS,
        # Get Issue Event: by keyword or ID where scoped; latest/oldest, or the project's event by ID, on legacy
        RETRIEVE_ISSUE_EVENT,
        LEGACY_LATEST_EVENT,
        LEGACY_OLDEST_EVENT,
        RETRIEVE_PROJECT_EVENT,
        # comments (hand-written operations: in no published document)
        LIST_ISSUE_NOTES,
        ADD_ISSUE_NOTE,
        LEGACY_LIST_ISSUE_NOTES,
        LEGACY_ADD_ISSUE_NOTE,
        # Bulk Update Issues: the query resolved by listing, then the IDs updated
        LIST_ORGANIZATION_ISSUES,
        BULK_UPDATE_ORGANIZATION_ISSUES,
        BULK_UPDATE_PROJECT_ISSUES,
    }


# Cases the catalog leaves out: each is a request the client makes that the contract does not allow -------------


@pytest.mark.parametrize("project", [PROJECT, None], ids=["project", "organization"])
@pytest.mark.parametrize("filters", [True, False], ids=["listing-filters-id", "listing-ignores-id-as-sentry-does"])
def test_bulk_update_by_ids_sends_only_parameters_the_listings_declare(project, filters):
    """Issue IDs are confirmed before the update. Neither issue listing declares `id` (nor does Sentry read it
    there: project_group_index.py get() ignores it, organization_group_index.py reads `group`), so confirming the
    IDs through a listing filtered by `id` is outside the contract: each issue is read instead."""
    route = PROJECT_ROUTES[0]
    params = {"issue_ids": ["1", "2", "3"], "status": "resolved", "project_slug": project}
    issue = dict(default_issue(), project=dict(default_issue()["project"], slug=PROJECT))
    outcome = perform(
        BulkUpdateIssues,
        route,
        {k: v for k, v in params.items() if v},
        listing_filters_id=filters,
        known_issues=("1", "2", "3"),
        issue=issue,
    )
    assert outcome.error is None, outcome.error
    keys = matched_keys(route, outcome.requests)
    assert keys[-1] == (BULK_UPDATE_PROJECT_ISSUES if project else BULK_UPDATE_ORGANIZATION_ISSUES)
    assert not any(name == "id" for request in outcome.requests if request.method == "GET" for name, _ in request.query)
    (put,) = [request for request in outcome.requests if request.method == "PUT"]
    assert [value for name, value in put.query if name == "id"] == ["1", "2", "3"]


def test_get_issue_event_with_an_environment_on_sentry9_sends_only_parameters_the_legacy_routes_declare():
    """The legacy latest/oldest operations declare no `environment` (and Sentry 9.1.2 validates the name but does
    not apply it without snuba: models/group.py get_latest_event_for_environments), so the environment must be
    refused or checked by the plugin, not sent there."""
    route = [route for route in ISSUE_ROUTES if route.kind == "fallback"][0]
    params = {"issue_id": ISSUE, "event_id": "latest", "environment": "production"}
    outcome = perform(GetIssueEvent, route, params)
    matched_keys(route, outcome.requests)  # every request is an instance of an operation
    assert outcome.error is not None or outcome.output["event"]["groupId"] == ISSUE
