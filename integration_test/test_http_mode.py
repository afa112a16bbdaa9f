"""The same Sentry 9.1.2 checks through the plugin's http mode (`bin/komand_sentry http`, one server for this
module): POST /api/v1/actions/<name> and /api/v1/connection/test; 200 on success, 400 on a PluginException.
The runtime keeps one connection (and so one HTTP session) per connection JSON across requests, so steps in a
row also meet Sentry 9.1.2's habit of resetting a kept-alive connection after a PUT or POST."""

import uuid

import pytest

from integration_test.util import entry, expect_error, expect_ok, tag_map, unique


def test_http_connection_test_with_a_good_token(sentry9, plugin_http):
    reply = plugin_http.connection_test(sentry9.connection())
    assert expect_ok(reply, code=200) == {"success": True}


def test_http_connection_test_with_a_bad_token(sentry9, plugin_http):
    bad_token = uuid.uuid4().hex * 2
    reply = plugin_http.connection_test(sentry9.connection(token=bad_token))
    exception = expect_error(reply, code=400, secrets=[bad_token])
    assert "HTTP 401" in exception["data"]


@pytest.mark.parametrize("dsn_kind", ["no_secret", "with_secret"])
def test_http_submit_event(sentry9, plugin_http, dsn_kind):
    marker = unique("http-submit")
    dsn = sentry9.dsn if dsn_kind == "no_secret" else sentry9.dsn_secret
    event_json = {
        "message": f"http {marker}",
        "level": "fatal",
        "tags": sentry9.tags(marker),
        "fingerprint": [marker],
        "exception": [{"type": "RuntimeError", "value": f"http {marker}", "module": "workflow"}],
    }
    output = expect_ok(plugin_http.run("submit_event", {"dsn": dsn, "event_json": event_json}, sentry9.connection()),
                       code=200)
    assert output["endpoint"] == "store"
    stored = sentry9.event(output["id"])
    assert stored["message"] == f"http {marker}" and tag_map(stored)["level"] == "fatal"
    assert tag_map(stored)["itest"] == marker
    values = entry(stored, "exception")["values"]
    listed_exception = (values[0]["type"], values[0]["value"], values[0]["module"])
    assert listed_exception == ("RuntimeError", f"http {marker}", "workflow")


def test_http_list_project_issues(sentry9, plugin_http):
    marker = unique("http-list")
    issues = [sentry9.new_issue(f"{marker}-{n}", tags=sentry9.tags(marker)) for n in range(3)]
    inputs = sentry9.list_inputs(query=f"itest:{marker}", statsPeriod="14d", limit=2)
    first = expect_ok(plugin_http.run("list_project_issues", inputs, sentry9.connection()), code=200)
    assert len(first["issues"]) == 2 and first["has_more"] is True
    rest = expect_ok(
        plugin_http.run("list_project_issues", dict(inputs, cursor=first["next_cursor"]), sentry9.connection()),
        code=200,
    )
    assert rest["has_more"] is False
    listed = [issue["id"] for issue in first["issues"] + rest["issues"]]
    assert sorted(listed) == sorted(issue.id for issue in issues)
    assert all("14d" in issue["stats"] for issue in first["issues"])


def test_http_list_issue_events(sentry9, plugin_http):
    issue = sentry9.new_issue(events=3)
    inputs = {"issue_id": issue.id, "organization_slug": sentry9.org}
    output = expect_ok(plugin_http.run("list_issue_events", inputs, sentry9.connection()), code=200)
    assert sorted(event["eventID"] for event in output["events"]) == sorted(issue.event_ids)
    assert output["has_more"] is False


def test_http_update_issue_several_steps_in_a_row(sentry9, plugin_http):
    issue = sentry9.new_issue()
    connection = sentry9.connection()
    steps = [
        ({"status": "resolved"}, lambda stored: stored["status"] == "resolved"),
        ({"isBookmarked": True, "organization_slug": sentry9.org}, lambda stored: stored["isBookmarked"] is True),
        ({"assignedTo": sentry9.user_email}, lambda stored: stored["assignedTo"]["email"] == sentry9.user_email),
        ({"status": "unresolved", "assignedTo": ""},
         lambda stored: stored["status"] == "unresolved" and stored["assignedTo"] is None),
        ({"status": "ignored"}, lambda stored: stored["status"] == "ignored"),
    ]
    for changes, check in steps:
        output = expect_ok(plugin_http.run("update_issue", dict(changes, issue_id=issue.id), connection), code=200)
        assert output["issue"]["id"] == issue.id
        stored = sentry9.issue(issue.id)
        assert check(stored), f"{changes} is not in Sentry: {stored['status']} {stored['assignedTo']}"
    # and a read on the same session after all those PUTs
    events = expect_ok(plugin_http.run("list_issue_events", {"issue_id": issue.id}, connection), code=200)
    assert [event["eventID"] for event in events["events"]] == issue.event_ids


def test_http_unknown_issue_is_a_400_with_a_clear_cause(sentry9, plugin_http):
    reply = plugin_http.run("list_issue_events", {"issue_id": "987654321987"}, sentry9.connection())
    exception = expect_error(reply, code=400, secrets=[sentry9.token])
    assert exception["cause"] == "Sentry has no such resource (HTTP 404)."
    assert "/api/0/issues/987654321987/events/" in exception["data"]


def test_http_read_only_token_update_is_a_400_with_a_clear_cause(sentry9, plugin_http):
    issue = sentry9.new_issue()
    reply = plugin_http.run(
        "update_issue", {"issue_id": issue.id, "status": "resolved"}, sentry9.connection(token=sentry9.readonly_token)
    )
    exception = expect_error(reply, code=400, secrets=[sentry9.readonly_token])
    assert exception["cause"] == "The auth token is not allowed to do this (HTTP 403)."
    assert sentry9.issue(issue.id)["status"] == "unresolved"


def test_http_bad_token_list_is_a_400_with_a_clear_cause(sentry9, plugin_http):
    bad_token = uuid.uuid4().hex * 2
    reply = plugin_http.run("list_project_issues", sentry9.list_inputs(), sentry9.connection(token=bad_token))
    exception = expect_error(reply, code=400, secrets=[bad_token])
    assert exception["cause"] == "Sentry refused the auth token (HTTP 401)."
