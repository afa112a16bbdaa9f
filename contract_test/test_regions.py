"""What no server on this machine serves: sentry.io's organization lookup and region hosts, and the legacy fallback.

With the connection URL https://sentry.io and an organization, the plugin first GETs
/api/0/organizations/{org}/ on sentry.io, then sends the issue requests to the host of `links.regionUrl`, looking
it up once per organization and connection; a regionUrl that is not https under sentry.io is not trusted (the token
never goes there, the requests stay on sentry.io); a self-hosted URL means no lookup. After an organization-scoped
issue route answers "no such route" (an empty or HTML 404, or a 2xx that is not JSON) the legacy route is used, but
only once the issue is known to be the organization's: read from the legacy route, its project must be one of the
organization's projects (listed once per connection), else the step fails and nothing is changed; a short ID
resolved within the organization proves it already. Once the legacy route has answered, the connection uses legacy
from then on; when the issue is not there either, the step reports not found.
"""

import pytest
from insightconnect_plugin_runtime.exceptions import PluginException

from komand_sentry.actions.add_issue_comment.action import AddIssueComment
from komand_sentry.actions.get_issue.action import GetIssue
from komand_sentry.actions.get_issue_event.action import GetIssueEvent
from komand_sentry.actions.list_issue_comments.action import ListIssueComments
from komand_sentry.actions.list_issue_events.action import ListIssueEvents
from komand_sentry.actions.list_project_issues.action import ListProjectIssues
from komand_sentry.actions.update_issue.action import UpdateIssue
from contract_test.util import (
    ABSENT,
    LEGACY_LIST_ISSUE_EVENTS,
    LEGACY_RETRIEVE_ISSUE,
    LEGACY_UPDATE_ISSUE,
    LIST_ISSUE_EVENTS,
    LIST_ORGANIZATION_PROJECTS,
    LIST_PROJECT_ISSUES,
    RESOLVE_SHORT_ID,
    RETRIEVE_ORGANIZATION,
    RETRIEVE_PROJECT_EVENT,
    TOKEN,
    UPDATE_ISSUE,
    FakeSentry,
    connect,
    default_issue,
    default_project,
    match,
    run,
)

ISSUE = "612424900"


def every_action(connection, organization=None):
    """The three Web API actions, organization given in the action when `organization` is."""
    org = {"organization_slug": organization} if organization else {}
    run_action(ListProjectIssues, connection, {"organization_slug": organization or "acme", "project_slug": "backend"})
    run_action(ListIssueEvents, connection, dict({"issue_id": ISSUE, "limit": 5}, **org))
    run_action(UpdateIssue, connection, dict({"issue_id": ISSUE, "status": "resolved"}, **org))


def run_action(action_class, connection, params):
    return run(action_class, connection, params, check_output=False)


def keys(fake) -> list:
    return [match(request).key for request in fake.requests]


@pytest.mark.parametrize(
    "url,region,host",
    [
        ("https://sentry.io", "https://us.sentry.io", "https://us.sentry.io"),
        ("https://sentry.io", "https://de.sentry.io", "https://de.sentry.io"),
        ("https://sentry.io/api/0/", "https://de.sentry.io", "https://de.sentry.io"),
        ("https://sentry.io", "https://de.sentry.io/", "https://de.sentry.io"),
        ("https://sentry.io", "https://us.sentry.io/api/0/", "https://us.sentry.io"),
    ],
    ids=["us", "de", "api-form-url-de", "region-with-slash", "region-with-a-path"],
)
@pytest.mark.parametrize("where", ["org-in-connection", "org-in-action"])
def test_the_organization_is_looked_up_on_sentry_io_once_then_every_issue_request_goes_to_its_region(
    url, region, host, where
):
    fake = FakeSentry(regions={"acme": region})
    connection, fake = connect(url, "acme" if where == "org-in-connection" else None, fake)
    every_action(connection, "acme" if where == "org-in-action" else None)
    every_action(connection, "acme" if where == "org-in-action" else None)  # a second round: the region is cached
    lookup, *rest = fake.requests
    assert (lookup.method, lookup.origin, lookup.path) == ("GET", "https://sentry.io", "/api/0/organizations/acme/")
    assert lookup.query == [] and lookup.body is None
    assert match(lookup).key == RETRIEVE_ORGANIZATION
    assert len(rest) == 6 and {request.origin for request in rest} == {host}
    assert keys(fake)[1:4] == [LIST_PROJECT_ISSUES, LIST_ISSUE_EVENTS, UPDATE_ISSUE]
    assert all(request.headers["Authorization"] == f"Bearer {TOKEN}" for request in fake.requests)


def test_each_organization_is_looked_up_once_per_connection():
    fake = FakeSentry(regions={"acme": "https://us.sentry.io", "globex": "https://de.sentry.io"})
    connection, fake = connect("https://sentry.io", fake=fake)
    for _ in range(3):
        for organization in ("acme", "globex"):
            run_action(ListIssueEvents, connection, {"issue_id": ISSUE, "organization_slug": organization, "limit": 1})
    lookups = [(r.origin, r.path) for r in fake.organization_lookups()]
    assert lookups == [
        ("https://sentry.io", "/api/0/organizations/acme/"),
        ("https://sentry.io", "/api/0/organizations/globex/"),
    ]
    events = [r for r in fake.requests if r.path.endswith("/events/")]
    assert [r.origin for r in events] == ["https://us.sentry.io", "https://de.sentry.io"] * 3
    # a new connection (another step's) looks up again
    connection, fake = connect("https://sentry.io", fake=FakeSentry(regions={"acme": "https://us.sentry.io"}))
    run_action(ListIssueEvents, connection, {"issue_id": ISSUE, "organization_slug": "acme", "limit": 1})
    assert len(fake.organization_lookups()) == 1


UNTRUSTED = {
    "http": "http://us.sentry.io",
    "another-domain": "https://sentry.example.com",
    "sentry.io-as-a-prefix": "https://sentry.io.evil.example",
    "sentry.io-as-a-suffix-without-dot": "https://evilsentry.io",
    "credentials-in-url": "https://user:pass@us.sentry.io",
    "not-a-url": "us.sentry.io",
    "empty": "",
    "null": None,
    "a-number": 42,
    "an-object": {"url": "https://us.sentry.io"},
    "missing": ABSENT,
    "ftp": "ftp://us.sentry.io",
}


@pytest.mark.parametrize("region", list(UNTRUSTED.values()), ids=list(UNTRUSTED))
def test_a_region_url_that_is_not_https_under_sentry_io_is_not_trusted(region):
    connection, fake = connect("https://sentry.io", "acme", FakeSentry(regions={"acme": region}))
    every_action(connection)
    assert {request.origin for request in fake.requests} == {"https://sentry.io"}
    assert keys(fake) == [RETRIEVE_ORGANIZATION, LIST_PROJECT_ISSUES, LIST_ISSUE_EVENTS, UPDATE_ISSUE]
    assert len(fake.organization_lookups()) == 1  # the untrusted answer is remembered too


@pytest.mark.parametrize(
    "url,host",
    [
        ("https://sentry.example.com", "https://sentry.example.com"),
        ("https://sentry.example.com/api/0/", "https://sentry.example.com"),
        ("http://10.0.0.5:9000", "http://10.0.0.5:9000"),
        ("https://de.sentry.io", "https://de.sentry.io"),
        ("https://us.sentry.io/api/0", "https://us.sentry.io"),
        ("https://acme.sentry.io", "https://acme.sentry.io"),
    ],
    ids=[
        "self-hosted",
        "self-hosted-api-form",
        "self-hosted-ip-port",
        "region-host-de",
        "region-host-us-api-form",
        "organization-host",
    ],
)
def test_no_lookup_off_sentry_io_itself(url, host):
    connection, fake = connect(url, "acme", FakeSentry(regions={"acme": "https://de.sentry.io"}))
    every_action(connection)
    assert fake.organization_lookups() == []
    assert {request.origin for request in fake.requests} == {host}
    assert keys(fake) == [LIST_PROJECT_ISSUES, LIST_ISSUE_EVENTS, UPDATE_ISSUE]


def test_without_an_organization_the_legacy_paths_on_sentry_io_need_no_lookup():
    connection, fake = connect("https://sentry.io", fake=FakeSentry(regions={"acme": "https://de.sentry.io"}))
    run_action(ListIssueEvents, connection, {"issue_id": ISSUE})
    run_action(UpdateIssue, connection, {"issue_id": ISSUE, "isPublic": True})
    assert keys(fake) == [LEGACY_LIST_ISSUE_EVENTS, LEGACY_UPDATE_ISSUE]
    assert {request.origin for request in fake.requests} == {"https://sentry.io"}


def test_a_failed_lookup_fails_the_step_and_sends_nothing_else():
    fake = FakeSentry()
    original = fake.answer
    fake.answer = lambda request: (
        (404, {"detail": "The requested resource does not exist"}, {})
        if request.path == "/api/0/organizations/acme/"
        else original(request)
    )
    connection, fake = connect("https://sentry.io", "acme", fake)
    with pytest.raises(PluginException) as failure:
        run_action(ListIssueEvents, connection, {"issue_id": ISSUE})
    assert "404" in failure.value.data
    assert [r.path for r in fake.requests] == ["/api/0/organizations/acme/"]


# The legacy fallback ---------------------------------------------------------------------------------------------

SENTRY9 = "http://sentry9.local:9000"


@pytest.mark.parametrize("first", ["events", "update"])
def test_after_a_404_on_the_organization_scoped_path_the_legacy_path_answers_and_is_used_from_then_on(first):
    connection, fake = connect(SENTRY9, "acme", FakeSentry(scoped_routes=False))
    steps = [
        (ListIssueEvents, {"issue_id": ISSUE, "limit": 1}, LIST_ISSUE_EVENTS, LEGACY_LIST_ISSUE_EVENTS),
        (UpdateIssue, {"issue_id": ISSUE, "hasSeen": True}, UPDATE_ISSUE, LEGACY_UPDATE_ISSUE),
    ]
    if first == "update":
        steps.reverse()
    (action, params, scoped, legacy), (other, other_params, _, other_legacy) = steps
    run_action(action, connection, params)
    # the issue is read and its project found among the organization's before the legacy route acts
    assert keys(fake) == [scoped, LEGACY_RETRIEVE_ISSUE, LIST_ORGANIZATION_PROJECTS, legacy]
    assert fake.requests[0].path.startswith("/api/0/organizations/acme/issues/")
    assert fake.requests[1].path == f"/api/0/issues/{ISSUE}/" and fake.requests[-1].path.startswith("/api/0/issues/")
    assert fake.requests[0].body == fake.requests[-1].body and fake.requests[0].query == fake.requests[-1].query
    assert connection.api.legacy_routes_only
    fake.requests.clear()
    run_action(action, connection, params)
    run_action(other, connection, other_params)
    # each step reads its issue again; the organization's projects are listed once per connection
    assert keys(fake) == [LEGACY_RETRIEVE_ISSUE, legacy, LEGACY_RETRIEVE_ISSUE, other_legacy]


NOT_THERE = [
    (ListIssueEvents, {"issue_id": "999"}),
    (UpdateIssue, {"issue_id": "999", "status": "resolved"}),
]


@pytest.mark.parametrize("action,params", NOT_THERE, ids=["events", "update"])
def test_a_404_from_an_existing_scoped_endpoint_is_not_found_and_never_tries_the_unscoped_path(action, params):
    """Sentry's JSON 404 proves the organization-scoped route exists: the issue is not in that organization, and
    the unscoped path (which could reach an issue of another organization) is not tried."""
    connection, fake = connect("https://sentry.example.com", "acme", FakeSentry())
    with pytest.raises(PluginException) as failure:
        run_action(action, connection, params)
    assert failure.value.preset == PluginException.Preset.NOT_FOUND and "HTTP 404" in failure.value.data
    assert "/api/0/organizations/acme/issues/999/" in failure.value.data  # names the request the user asked for
    assert [r.path.startswith("/api/0/organizations/") for r in fake.requests] == [True]
    assert not connection.api.legacy_routes_only


@pytest.mark.parametrize("action,params", NOT_THERE, ids=["events", "update"])
def test_when_the_legacy_path_also_404s_the_step_reports_not_found_and_keeps_the_scoped_paths(action, params):
    """The issue read that confirms it on the legacy route finds no issue: not found, and nothing else is sent (no
    listing of the organization's projects, no PUT)."""
    connection, fake = connect(SENTRY9, "acme", FakeSentry(scoped_routes=False))
    with pytest.raises(PluginException) as failure:
        run_action(action, connection, params)
    assert failure.value.preset == PluginException.Preset.NOT_FOUND and "HTTP 404" in failure.value.data
    assert "/api/0/issues/999/" in failure.value.data  # names the request that found no issue
    scoped = UPDATE_ISSUE if action is UpdateIssue else LIST_ISSUE_EVENTS
    assert keys(fake) == [scoped, LEGACY_RETRIEVE_ISSUE]
    assert fake.requests[1].path == "/api/0/issues/999/"
    assert not connection.api.legacy_routes_only
    fake.requests.clear()
    with pytest.raises(PluginException):
        run_action(action, connection, params)
    assert keys(fake) == [scoped, LEGACY_RETRIEVE_ISSUE]  # tried once per step


def test_substatus_never_falls_back_to_the_legacy_update():
    connection, fake = connect(SENTRY9, "acme", FakeSentry(scoped_routes=False))
    with pytest.raises(PluginException) as failure:
        run_action(UpdateIssue, connection, {"issue_id": ISSUE, "status": "ignored", "substatus": "archived_forever"})
    assert "substatus" in failure.value.cause and "older Sentry" in failure.value.cause
    assert keys(fake) == [UPDATE_ISSUE] and fake.requests[0].path == f"/api/0/organizations/acme/issues/{ISSUE}/"
    assert not connection.api.legacy_routes_only


@pytest.mark.parametrize(
    "action,params,legacy",
    [
        (ListIssueEvents, {"issue_id": "BACKEND-1A"}, LEGACY_LIST_ISSUE_EVENTS),
        (UpdateIssue, {"issue_id": "backend-1a", "status": "resolved"}, LEGACY_UPDATE_ISSUE),
    ],
    ids=["events-short-id", "update-short-id-lower-case"],
)
def test_a_short_id_is_resolved_within_the_organization_then_its_numeric_id_falls_back_unconfirmed(
    action, params, legacy
):
    """The organization's short-ID lookup proves the issue is the organization's: the legacy route takes its
    numeric ID without reading the issue or listing the projects."""
    connection, fake = connect(SENTRY9, "acme", FakeSentry(scoped_routes=False))
    run_action(action, connection, params)
    scoped = UPDATE_ISSUE if action is UpdateIssue else LIST_ISSUE_EVENTS
    assert keys(fake) == [RESOLVE_SHORT_ID, scoped, legacy]
    assert fake.requests[0].path == f"/api/0/organizations/acme/shortids/{params['issue_id']}/"
    assert [r.path.split("/issues/")[1].split("/")[0] for r in fake.requests[1:]] == [ISSUE, ISSUE]
    assert connection.api.legacy_routes_only


@pytest.mark.parametrize(
    "params",
    [{"issue_id": "BACKEND-1A"}, {"issue_id": "BACKEND-1A", "status": "resolved"}],
    ids=["events-short-id", "update-short-id"],
)
def test_once_the_server_is_known_to_have_legacy_paths_only_a_short_id_is_resolved_then_used_on_them(params):
    action = ListIssueEvents if "status" not in params else UpdateIssue
    connection, fake = connect(SENTRY9, "acme", FakeSentry(scoped_routes=False))
    run_action(ListIssueEvents, connection, {"issue_id": ISSUE, "limit": 1})
    fake.requests.clear()
    run_action(action, connection, params)
    legacy = LEGACY_UPDATE_ISSUE if action is UpdateIssue else LEGACY_LIST_ISSUE_EVENTS
    assert keys(fake) == [RESOLVE_SHORT_ID, legacy]


def test_once_the_server_is_known_to_have_legacy_paths_only_substatus_is_refused_unsent():
    connection, fake = connect(SENTRY9, "acme", FakeSentry(scoped_routes=False))
    run_action(ListIssueEvents, connection, {"issue_id": ISSUE, "limit": 1})
    fake.requests.clear()
    with pytest.raises(PluginException) as failure:
        run_action(UpdateIssue, connection, {"issue_id": ISSUE, "status": "ignored", "substatus": "archived_forever"})
    assert "substatus" in failure.value.cause and "older Sentry" in failure.value.cause
    assert fake.requests == []


def test_without_an_organization_substatus_is_refused_unsent():
    connection, fake = connect("https://sentry.io", fake=FakeSentry())
    with pytest.raises(PluginException) as failure:
        run_action(UpdateIssue, connection, {"issue_id": ISSUE, "status": "ignored", "substatus": "archived_forever"})
    assert "substatus" in failure.value.cause and "Organization Slug" in failure.value.assistance
    assert fake.requests == []


def test_on_sentry_io_a_404_on_the_region_is_not_found_without_an_unscoped_attempt():
    connection, fake = connect("https://sentry.io", "acme", FakeSentry(regions={"acme": "https://de.sentry.io"}))
    with pytest.raises(PluginException) as failure:
        run_action(ListIssueEvents, connection, {"issue_id": "999"})
    assert "HTTP 404" in failure.value.data
    assert [(r.origin, match(r).key) for r in fake.requests] == [
        ("https://sentry.io", RETRIEVE_ORGANIZATION),
        ("https://de.sentry.io", LIST_ISSUE_EVENTS),
    ]
    assert not connection.api.legacy_routes_only


# The membership of an issue, confirmed before a legacy route acts on it -----------------------------------------

CATCH_ALLS = {
    "empty-404": (404, b"", {}),
    "html-404": (404, b"<!DOCTYPE html><html><body><h1>Not Found</h1></body></html>", {"Content-Type": "text/html"}),
    "html-200": (
        200,
        b"<!doctype html><html><head><title>Sentry</title></head><body><div id=blk_router></div></body></html>",
        {"Content-Type": "text/html; charset=utf-8"},
    ),
}
EVENT_ID = "9fac2ceed9344f2bbfdd1fdacb0ed9b1"
ISSUE_STEPS = {
    "update": (UpdateIssue, {"issue_id": ISSUE, "status": "resolved"}),
    "add-comment": (AddIssueComment, {"issue_id": ISSUE, "text": "Escalated"}),
    "get-issue": (GetIssue, {"issue_id": ISSUE}),
    "list-events": (ListIssueEvents, {"issue_id": ISSUE}),
    "list-comments": (ListIssueComments, {"issue_id": ISSUE}),
    "event-latest": (GetIssueEvent, {"issue_id": ISSUE, "event_id": "latest"}),
    "event-by-id": (GetIssueEvent, {"issue_id": ISSUE, "event_id": EVENT_ID}),
}


def another_project(number: str = "77") -> dict:
    return dict(default_project(default_issue()), id=number, slug=f"elsewhere-{number}", name=f"Elsewhere {number}")


@pytest.mark.parametrize("catch_all", list(CATCH_ALLS.values()), ids=list(CATCH_ALLS))
@pytest.mark.parametrize("step", list(ISSUE_STEPS), ids=list(ISSUE_STEPS))
def test_after_a_route_less_answer_an_issue_of_another_organization_is_not_acted_on(step, catch_all):
    """The scoped route answers "no such route"; the legacy route's issue belongs to a project the organization does
    not have: the step fails, and after the issue read and the projects listing nothing is sent (no PUT, no POST)."""
    action, params = ISSUE_STEPS[step]
    fake = FakeSentry(scoped_routes=False, catch_all=catch_all, projects=[another_project()])
    connection, fake = connect(SENTRY9, "acme", fake)
    with pytest.raises(PluginException) as failure:
        run_action(action, connection, params)
    assert f"Issue {ISSUE} does not belong to the organization 'acme'" in failure.value.cause
    scoped, *rest = fake.requests
    assert scoped.path.startswith(f"/api/0/organizations/acme/issues/{ISSUE}/")
    assert [(r.method, match(r).key) for r in rest] == [
        ("GET", LEGACY_RETRIEVE_ISSUE),
        ("GET", LIST_ORGANIZATION_PROJECTS),
    ]
    assert not [r for r in fake.requests if r.method in ("PUT", "POST") and r.path.startswith("/api/0/issues/")]
    assert not connection.api.legacy_routes_only


@pytest.mark.parametrize("catch_all", list(CATCH_ALLS.values()), ids=list(CATCH_ALLS))
@pytest.mark.parametrize("step", list(ISSUE_STEPS), ids=list(ISSUE_STEPS))
def test_after_a_route_less_answer_an_issue_of_the_organization_is_acted_on_through_the_legacy_route(step, catch_all):
    action, params = ISSUE_STEPS[step]
    fake = FakeSentry(scoped_routes=False, catch_all=catch_all)
    connection, fake = connect(SENTRY9, "acme", fake)
    run_action(action, connection, params)
    found = keys(fake)
    assert found[1:3] == [LEGACY_RETRIEVE_ISSUE, LIST_ORGANIZATION_PROJECTS]
    if step == "event-by-id":  # an event by ID is the project's event there (its groupID checked by the client)
        assert found[3:] == [RETRIEVE_PROJECT_EVENT]
        return
    assert found[3:] and all(match(r).origin.startswith("operations.json") for r in fake.requests[3:])
    assert connection.api.legacy_routes_only


def test_the_projects_are_listed_page_by_page_until_the_issues_project_is_found():
    projects = [another_project(str(n)) for n in range(100, 250)] + [default_project(default_issue())]
    connection, fake = connect(SENTRY9, "acme", FakeSentry(scoped_routes=False, projects=projects))
    run_action(UpdateIssue, connection, {"issue_id": ISSUE, "isBookmarked": True})
    assert keys(fake) == [
        UPDATE_ISSUE,
        LEGACY_RETRIEVE_ISSUE,
        LIST_ORGANIZATION_PROJECTS,
        LIST_ORGANIZATION_PROJECTS,
        LEGACY_UPDATE_ISSUE,
    ]
    assert [dict(r.query).get("cursor") for r in fake.requests[2:4]] == [None, "0:100:0"]


def test_the_projects_kept_are_listed_again_once_for_an_issue_of_a_project_not_among_them():
    """The projects are kept for the connection; an issue of a project not among them lists them again (a project
    created since), and only then is it refused."""
    fake = FakeSentry(scoped_routes=False)
    connection, fake = connect(SENTRY9, "acme", fake)
    run_action(GetIssue, connection, {"issue_id": ISSUE})
    newer = another_project("88")
    fake.projects.append(newer)
    fake.issue = dict(fake.issue, project={key: newer[key] for key in ("id", "slug", "name")})
    fake.requests.clear()
    run_action(GetIssue, connection, {"issue_id": ISSUE})
    assert keys(fake) == [LEGACY_RETRIEVE_ISSUE, LIST_ORGANIZATION_PROJECTS, LEGACY_RETRIEVE_ISSUE]
    fake.issue = dict(fake.issue, project={"id": "99", "slug": "not-ours", "name": "Not ours"})
    fake.requests.clear()
    with pytest.raises(PluginException) as failure:
        run_action(UpdateIssue, connection, {"issue_id": ISSUE, "status": "resolved"})
    assert "does not belong to the organization" in failure.value.cause
    assert keys(fake) == [LEGACY_RETRIEVE_ISSUE, LIST_ORGANIZATION_PROJECTS]


def test_without_an_organization_the_legacy_routes_act_unconfirmed():
    """With no organization named there is nothing to confirm: an issue ID is global on the legacy routes."""
    fake = FakeSentry(scoped_routes=False, projects=[another_project()])
    connection, fake = connect(SENTRY9, fake=fake)
    run_action(UpdateIssue, connection, {"issue_id": ISSUE, "status": "resolved"})
    assert keys(fake) == [LEGACY_UPDATE_ISSUE]
