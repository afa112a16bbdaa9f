"""What no server on this machine serves: sentry.io's organization lookup and region hosts, and the legacy fallback.

With the connection URL https://sentry.io and an organization, the plugin first GETs
/api/0/organizations/{org}/ on sentry.io, then sends the issue requests to the host of `links.regionUrl`, looking
it up once per organization and connection; a regionUrl that is not https under sentry.io is not trusted (the token
never goes there, the requests stay on sentry.io); a self-hosted URL means no lookup. After a 404 on an
organization-scoped path the legacy path is tried once: if it answers, the connection uses legacy from then on; if
it also 404s, the step reports not found.
"""

import pytest
from insightconnect_plugin_runtime.exceptions import PluginException

from komand_sentry.actions.list_issue_events.action import ListIssueEvents
from komand_sentry.actions.list_project_issues.action import ListProjectIssues
from komand_sentry.actions.update_issue.action import UpdateIssue
from contract_test.util import (
    ABSENT,
    LEGACY_LIST_ISSUE_EVENTS,
    LEGACY_UPDATE_ISSUE,
    LIST_ISSUE_EVENTS,
    LIST_PROJECT_ISSUES,
    RETRIEVE_ORGANIZATION,
    TOKEN,
    UPDATE_ISSUE,
    FakeSentry,
    connect,
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
    assert keys(fake) == [scoped, legacy]
    assert fake.requests[0].path.startswith("/api/0/organizations/acme/issues/")
    assert fake.requests[1].path.startswith("/api/0/issues/")
    assert fake.requests[0].body == fake.requests[1].body and fake.requests[0].query == fake.requests[1].query
    assert connection.api.legacy_routes_only
    fake.requests.clear()
    run_action(action, connection, params)
    run_action(other, connection, other_params)
    assert keys(fake) == [legacy, other_legacy]


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
    connection, fake = connect(SENTRY9, "acme", FakeSentry(scoped_routes=False))
    with pytest.raises(PluginException) as failure:
        run_action(action, connection, params)
    assert failure.value.preset == PluginException.Preset.NOT_FOUND and "HTTP 404" in failure.value.data
    assert "/api/0/organizations/acme/issues/999/" in failure.value.data  # names the request the user asked for
    assert [match(r).key.split(" ")[1].startswith("/api/0/organizations/") for r in fake.requests] == [True, False]
    assert not connection.api.legacy_routes_only
    fake.requests.clear()
    with pytest.raises(PluginException):
        run_action(action, connection, params)
    assert [r.path.startswith("/api/0/organizations/") for r in fake.requests] == [True, False]  # tried once per step


@pytest.mark.parametrize("params", [
    {"issue_id": "BACKEND-1A"},
    {"issue_id": "BACKEND-1A", "status": "resolved"},
    {"issue_id": ISSUE, "status": "ignored", "substatus": "archived_forever"},
], ids=["events-short-id", "update-short-id", "update-substatus"])
def test_what_only_the_organization_scoped_paths_serve_never_falls_back(params):
    action = ListIssueEvents if "status" not in params else UpdateIssue
    connection, fake = connect(SENTRY9, "acme", FakeSentry(scoped_routes=False))
    with pytest.raises(PluginException) as failure:
        run_action(action, connection, params)
    assert "404" in failure.value.data
    assert len(fake.requests) == 1 and fake.requests[0].path.startswith("/api/0/organizations/acme/issues/")
    assert not connection.api.legacy_routes_only


@pytest.mark.parametrize("params,words", [
    ({"issue_id": "BACKEND-1A"}, "short ID"),
    ({"issue_id": "BACKEND-1A", "status": "resolved"}, "short ID"),
    ({"issue_id": ISSUE, "status": "ignored", "substatus": "archived_forever"}, "substatus"),
], ids=["events-short-id", "update-short-id", "update-substatus"])
def test_once_the_server_is_known_to_have_legacy_paths_only_a_short_id_or_substatus_is_refused_unsent(params, words):
    action = ListIssueEvents if "status" not in params else UpdateIssue
    connection, fake = connect(SENTRY9, "acme", FakeSentry(scoped_routes=False))
    run_action(ListIssueEvents, connection, {"issue_id": ISSUE, "limit": 1})
    fake.requests.clear()
    with pytest.raises(PluginException) as failure:
        run_action(action, connection, params)
    assert words in failure.value.cause and "older Sentry" in failure.value.cause
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
