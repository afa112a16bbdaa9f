"""The connection test, both forms of the connection URL, and the errors a real Sentry 9.1.2 gives, each of which
must end the step with a clear PluginException (exit code 1) that repeats no credential."""

import uuid

import pytest

from integration_test.util import connection_test, expect_error, expect_ok, run_step, unique

URL_FORMS = ["root", "api_form"]


def _url(sentry9, form):
    return {"root": sentry9.url, "api_form": f"{sentry9.url}/api/0/"}[form]


@pytest.mark.parametrize("url_form", URL_FORMS)
def test_connection_test_with_a_good_token(sentry9, url_form):
    reply = connection_test(sentry9.connection(url=_url(sentry9, url_form)))
    assert expect_ok(reply) == {"success": True}


def test_connection_test_with_a_bad_token(sentry9):
    bad_token = uuid.uuid4().hex * 2
    reply = connection_test(sentry9.connection(token=bad_token))
    exception = expect_error(reply, secrets=[bad_token, sentry9.token])
    assert "token" in exception["cause"].lower() or "api key" in exception["cause"].lower(), exception
    assert "HTTP 401" in exception["data"] and "Invalid token" in exception["data"], exception  # Sentry's own words
    assert "Connection test failed" in reply.body["error"]


@pytest.mark.parametrize("url_form", URL_FORMS)
@pytest.mark.parametrize("action", ["list_project_issues", "list_issue_events", "update_issue"])
def test_each_action_with_each_url_form(sentry9, url_form, action):
    marker = unique("url")
    issue = sentry9.new_issue(marker)
    inputs = {
        "list_project_issues": sentry9.list_inputs(query=f"itest:{marker}"),
        "list_issue_events": {"issue_id": issue.id},
        "update_issue": {"issue_id": issue.id, "isBookmarked": True},
    }[action]
    output = expect_ok(run_step(action, inputs, sentry9.connection(url=_url(sentry9, url_form))))
    if action == "list_project_issues":
        assert [found["id"] for found in output["issues"]] == [issue.id]
    elif action == "list_issue_events":
        assert [event["eventID"] for event in output["events"]] == issue.event_ids
    else:
        assert output["issue"]["isBookmarked"] is True and sentry9.issue(issue.id)["isBookmarked"] is True


NOT_FOUND_CASES = {
    "unknown_organization": lambda s: (
        "list_project_issues", {"organization_slug": unique("nosuchorg"), "project_slug": s.project}),
    "unknown_project": lambda s: (
        "list_project_issues", {"organization_slug": s.org, "project_slug": unique("nosuchproject")}),
    "unknown_issue_events": lambda s: ("list_issue_events", {"issue_id": "987654321987"}),
    "unknown_issue_events_with_organization": lambda s: (
        "list_issue_events", {"issue_id": "987654321987", "organization_slug": s.org}),
    "unknown_issue_update": lambda s: ("update_issue", {"issue_id": "987654321987", "status": "resolved"}),
    "unknown_issue_update_with_organization": lambda s: (
        "update_issue", {"issue_id": "987654321987", "status": "resolved", "organization_slug": s.org}),
}


@pytest.mark.parametrize("case", list(NOT_FOUND_CASES))
def test_not_found_ends_the_step_with_a_clear_error(sentry9, case):
    action, inputs = NOT_FOUND_CASES[case](sentry9)
    exception = expect_error(run_step(action, inputs, sentry9.connection()), secrets=[sentry9.token])
    assert exception["cause"] == "Sentry has no such resource (HTTP 404)."
    assert "organization, project and issue" in exception["assistance"]
    assert exception["data"].startswith("HTTP 404 from ")
    if "organization_slug" not in inputs or action == "list_project_issues":
        # Sentry's own words; with an organization the answer reported is the organization-scoped route's,
        # which on Sentry 9.1.2 is a bare HTML 404 page (the legacy route's 404 confirmed the issue is unknown)
        assert "The requested resource does not exist" in exception["data"]
    named = inputs.get("project_slug") if case == "unknown_project" else inputs.get("issue_id")
    if case == "unknown_organization":
        named = inputs["organization_slug"]
    assert named in exception["data"]  # the request that failed is named


@pytest.mark.parametrize(
    "action", ["list_project_issues", "list_issue_events", "update_issue"]
)
def test_bad_token_ends_the_step_with_a_clear_error(sentry9, action):
    bad_token = uuid.uuid4().hex * 2
    inputs = {
        "list_project_issues": sentry9.list_inputs(),
        "list_issue_events": {"issue_id": "1"},
        "update_issue": {"issue_id": "1", "status": "resolved"},
    }[action]
    reply = run_step(action, inputs, sentry9.connection(token=bad_token))
    exception = expect_error(reply, secrets=[bad_token])
    assert exception["cause"] == "Sentry refused the auth token (HTTP 401)."
    assert exception["data"].startswith("HTTP 401 from ") and "Invalid token" in exception["data"]


def test_read_only_token_cannot_update_an_issue(sentry9):
    issue = sentry9.new_issue()
    reply = run_step(
        "update_issue",
        {"issue_id": issue.id, "status": "resolved", "isBookmarked": True},
        sentry9.connection(token=sentry9.readonly_token),
    )
    exception = expect_error(reply, secrets=[sentry9.readonly_token, sentry9.token])
    assert exception["cause"] == "The auth token is not allowed to do this (HTTP 403)."
    assert "event:write" in exception["assistance"]
    assert f"HTTP 403 from PUT /api/0/issues/{issue.id}/" in exception["data"]
    stored = sentry9.issue(issue.id)
    assert stored["status"] == "unresolved" and stored["isBookmarked"] is False  # nothing changed


def test_read_only_token_can_list(sentry9):
    marker = unique("readonly")
    issue = sentry9.new_issue(marker)
    connection = sentry9.connection(token=sentry9.readonly_token)
    issues = expect_ok(run_step("list_project_issues", sentry9.list_inputs(query=f"itest:{marker}"), connection))
    assert [found["id"] for found in issues["issues"]] == [issue.id]
    events = expect_ok(run_step("list_issue_events", {"issue_id": issue.id}, connection))
    assert [event["eventID"] for event in events["events"]] == issue.event_ids
