"""Update Issue against a real Sentry 9.1.2: every status, the four flags, the assignee; each change read back
from Sentry's own API. Most cases give Organization Slug: Sentry 9.1.2 has no organization-scoped issue routes
(404), so they also prove the fallback to the legacy path (shown on its own at the end)."""

from datetime import datetime, timedelta, timezone

import pytest

from integration_test.util import LogTail, expect_ok, run_step, unique

FLAGS = ["hasSeen", "isBookmarked", "isSubscribed", "isPublic"]


def _update(sentry9, issue_id, organization=True, **changes) -> dict:
    inputs = dict(changes, issue_id=issue_id)
    if organization:
        inputs["organization_slug"] = sentry9.org
    reply = run_step("update_issue", inputs, sentry9.connection())
    issue = expect_ok(reply)["issue"]
    assert issue["id"] == issue_id
    if organization:
        assert "no organization-scoped issue routes" in reply.stdout, "the legacy fallback was not taken"
    return issue


@pytest.mark.parametrize("status", ["resolved", "resolvedInNextRelease", "unresolved", "ignored"])
def test_update_issue_status(sentry9, status):
    marker = unique(f"status-{status}")
    # resolvedInNextRelease needs a release in the project (Sentry 9.1.2 answers 500 otherwise)
    issue = sentry9.new_issue(marker, release=f"itest-{marker}")
    if status == "unresolved":
        sentry9.resolve([issue.id])
        assert sentry9.issue(issue.id)["status"] == "resolved"
    else:
        assert sentry9.issue(issue.id)["status"] == "unresolved"

    output = _update(sentry9, issue.id, status=status)

    stored = sentry9.issue(issue.id)
    if status == "resolvedInNextRelease":
        assert stored["status"] == "resolved" and stored["statusDetails"]["inNextRelease"] is True
    else:
        assert stored["status"] == status
    assert output["status"] == stored["status"]
    assert output["statusDetails"].get("inNextRelease") == stored["statusDetails"].get("inNextRelease")


def test_update_issue_ignored_for_a_duration(sentry9):
    issue = sentry9.new_issue()
    before = datetime.now(timezone.utc)
    _update(sentry9, issue.id, status="ignored", statusDetails={"ignoreDuration": 30})
    stored = sentry9.issue(issue.id)
    assert stored["status"] == "ignored"
    until = datetime.fromisoformat(stored["statusDetails"]["ignoreUntil"].replace("Z", "+00:00"))
    assert timedelta(minutes=29) < until - before < timedelta(minutes=31)


@pytest.mark.parametrize("flag", FLAGS)
def test_update_issue_flag_set_true_then_back_to_false(sentry9, flag):
    issue = sentry9.new_issue()
    # start from false (a new issue is already subscribed), so that setting true is a real change
    assert sentry9.request("PUT", f"/api/0/issues/{issue.id}/", json={flag: False}).status_code == 200
    assert sentry9.issue(issue.id)[flag] is False
    for value in (True, False):
        output = _update(sentry9, issue.id, organization=False, **{flag: value})
        stored = sentry9.issue(issue.id)
        assert stored[flag] is value, f"{flag} is {stored[flag]} in Sentry after setting it to {value}"
        assert output[flag] is value
        if flag == "isPublic":
            assert (stored["shareId"] is not None) is value  # a public issue has a share


def test_update_issue_assign_by_email_then_unassign(sentry9):
    issue = sentry9.new_issue()
    assert sentry9.issue(issue.id)["assignedTo"] is None

    output = _update(sentry9, issue.id, assignedTo=sentry9.user_email)
    assigned = sentry9.issue(issue.id)["assignedTo"]
    assert assigned is not None and assigned["email"] == sentry9.user_email and assigned["type"] == "user"
    assert output["assignedTo"]["email"] == sentry9.user_email

    output = _update(sentry9, issue.id, assignedTo="")
    assert sentry9.issue(issue.id)["assignedTo"] is None
    assert "assignedTo" not in output  # null is dropped from the output


def test_update_issue_several_fields_in_one_step(sentry9):
    issue = sentry9.new_issue()
    _update(sentry9, issue.id, status="resolved", isBookmarked=True, hasSeen=True, assignedTo=sentry9.user_email)
    stored = sentry9.issue(issue.id)
    assert stored["status"] == "resolved" and stored["isBookmarked"] is True and stored["hasSeen"] is True
    assert stored["assignedTo"]["email"] == sentry9.user_email
    assert stored["isPublic"] is False  # what was not given is left alone


@pytest.mark.parametrize("where", ["action", "connection"])
@pytest.mark.parametrize("action", ["list_issue_events", "update_issue"])
def test_organization_slug_falls_back_to_legacy_issue_routes(sentry9, action, where):
    """Sentry 9.1.2 answers the organization-scoped route with 404; the plugin then uses /api/0/issues/{id}/."""
    issue = sentry9.new_issue()
    inputs = {"issue_id": issue.id}
    extra = {}
    if where == "action":
        inputs["organization_slug"] = sentry9.org
    else:
        extra["organization_slug"] = sentry9.org
    if action == "update_issue":
        inputs["isBookmarked"] = True
    method, suffix = ("PUT", "") if action == "update_issue" else ("GET", "events/")
    log = LogTail(sentry9.web_log)

    reply = run_step(action, inputs, sentry9.connection(**extra))

    output = expect_ok(reply)
    assert "no organization-scoped issue routes" in reply.stdout
    assert log.wait_for(f'"{method} /api/0/organizations/{sentry9.org}/issues/{issue.id}/{suffix}', '" 404 ')
    assert log.wait_for(f'"{method} /api/0/issues/{issue.id}/{suffix}', '" 200 ')
    if action == "update_issue":
        assert sentry9.issue(issue.id)["isBookmarked"] is True and output["issue"]["isBookmarked"] is True
    else:
        assert [event["eventID"] for event in output["events"]] == issue.event_ids
