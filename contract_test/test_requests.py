"""Every request the plugin can make to the Web API matches an operation of Sentry's OpenAPI document (or one of
the two legacy operations of operations.json): path, method, query parameters (booleans as 1/0, `cursor` on
paginated operations, page sizes within 100, ids declared integer as digits) and the update's body fields.

The requests are the ones requests puts on the wire (a transport adapter records them), made by the real
actions on a real Connection, for each route (legacy, organization-scoped, sentry.io regions, the fallback of a
server without organization-scoped routes, after it was learnt) and each optional input with and without each of
its values; then every combination of the list actions' inputs on one route.
"""

import itertools
import json

import pytest

from komand_sentry.actions.list_issue_events.action import ListIssueEvents
from komand_sentry.actions.list_project_issues.action import ListProjectIssues
from komand_sentry.actions.update_issue.action import UpdateIssue
from contract_test.scenarios import (
    EVENT_VARIANTS,
    ISSUE,
    ISSUE_ROUTES,
    ORG,
    PROJECT_ROUTES,
    PROJECT_VARIANTS,
    SAAS,
    SELF_HOSTED,
    SENTRY9,
    UPDATE_VARIANTS,
    Route,
    delta_answer,
    event_params,
    expected_failure,
    perform,
    project_params,
    update_params,
)
from contract_test.util import (
    LEGACY_LIST_ISSUE_EVENTS,
    LEGACY_UPDATE_ISSUE,
    LIST_ISSUE_EVENTS,
    LIST_PROJECT_ISSUES,
    RETRIEVE_ISSUE,
    RETRIEVE_ORGANIZATION,
    TOKEN,
    UPDATE_ISSUE,
    UNDOCUMENTED_STABLE,
    ContractViolation,
    connect,
    match,
)


def matched_keys(route: Route, requests_made) -> list:
    """The operation of each request (all must match), with the route's host and token checked."""
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
    return [key for key in keys if key != RETRIEVE_ORGANIZATION]


def assert_pages_follow_the_link_header(requests_made, size_param: str, first_cursor=None):
    """Each page after the first sends the same parameters with the cursor of the Link header before it."""
    first = dict(requests_made[0].query)
    assert first.get("cursor") == first_cursor
    for number, request in enumerate(requests_made[1:], start=1):
        query = dict(request.query)
        start = int((first_cursor or "0:0:0").split(":")[1])
        offset = start + sum(int(dict(r.query)[size_param]) for r in requests_made[:number])
        assert query.pop("cursor") == f"0:{offset}:0"  # the cursor of the fake's Link header
        assert {k: v for k, v in query.items() if k != size_param} == {
            k: v for k, v in first.items() if k not in (size_param, "cursor")
        }


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
    assert query["limit"] == str(min(100, params.get("limit") or 100))
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


def expected_event_keys(route: Route, count: int) -> list:
    if route.kind == "legacy":
        return [LEGACY_LIST_ISSUE_EVENTS] * count
    if route.kind == "fallback":
        return [LIST_ISSUE_EVENTS] + [LEGACY_LIST_ISSUE_EVENTS] * (count - 1)
    return [LIST_ISSUE_EVENTS] * count


@pytest.mark.parametrize("variant", list(EVENT_VARIANTS))
@pytest.mark.parametrize("route", ISSUE_ROUTES, ids=lambda route: route.id)
def test_list_issue_events(route, variant):
    params = event_params(variant)
    outcome = perform(ListIssueEvents, route, params)
    for request in outcome.warm_up:
        assert match(request).key in (LIST_ISSUE_EVENTS, LEGACY_LIST_ISSUE_EVENTS)
    failure = expected_failure(route, params)
    keys = matched_keys(route, outcome.requests)
    if failure:
        words, sent = failure
        assert outcome.error is not None and words in f"{outcome.error.cause} {outcome.error.data}"
        assert len(keys) == sent
        return
    assert outcome.error is None, outcome.error
    assert keys == expected_event_keys(route, len(keys))
    listing = outcome.requests[-(len(keys) - (1 if route.kind == "fallback" else 0)) :]
    query = dict(listing[0].query)
    assert query.get("full") == ("1" if params.get("full") else None)
    assert query["per_page"] == str(min(100, params.get("limit") or 100))
    assert_pages_follow_the_link_header(listing, "per_page", params.get("cursor") or None)
    if route.kind == "fallback":
        assert outcome.requests[-len(listing) - 1].query == listing[0].query  # the same first page, scoped


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
            assert keys == expected_event_keys(route, len(keys)), (route.id, params)
            combinations += 1
    assert combinations == len(ISSUE_ROUTES) * 3 * 3 * 2


# Update Issue ----------------------------------------------------------------------------------------------------


def expected_update_keys(route: Route, read_back: bool) -> list:
    if route.kind == "legacy":
        return [LEGACY_UPDATE_ISSUE]
    if route.kind == "fallback":
        return [UPDATE_ISSUE, LEGACY_UPDATE_ISSUE]
    return [UPDATE_ISSUE, RETRIEVE_ISSUE] if read_back else [UPDATE_ISSUE]


@pytest.mark.parametrize("variant", list(UPDATE_VARIANTS))
@pytest.mark.parametrize("route", ISSUE_ROUTES, ids=lambda route: route.id)
def test_update_issue(route, variant):
    params = update_params(variant)
    read_back = variant == "answer-without-id-read-back"
    outcome = perform(UpdateIssue, route, params, **({"put_answer": delta_answer} if read_back else {}))
    failure = expected_failure(route, params)
    keys = matched_keys(route, outcome.requests)
    if failure:
        words, sent = failure
        assert outcome.error is not None and words in f"{outcome.error.cause} {outcome.error.data}"
        assert len(keys) == sent
        return
    assert outcome.error is None, outcome.error
    assert keys == expected_update_keys(route, read_back)
    bodies = [request.json() for request in outcome.requests if request.method == "PUT"]
    expected = {key: value for key, value in params.items() if key not in ("issue_id", "organization_slug")}
    if not expected.get("substatus"):
        expected.pop("substatus", None)
    details = {k: v for k, v in expected.pop("statusDetails", {}).items() if v not in ("", None)}
    if details:
        expected["statusDetails"] = details
    assert all(body == expected for body in bodies), (bodies, expected)
    reads = [request for request in outcome.requests if request.method == "GET" and request.path.endswith(f"/{ISSUE}/")]
    expected_reads = [f"/api/0/organizations/{ORG}/issues/{ISSUE}/"] if keys[-1] == RETRIEVE_ISSUE else []
    assert [r.path for r in reads] == expected_reads


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
        RETRIEVE_ORGANIZATION,
    }
