"""Assignees by name or team and short IDs in every action that takes an issue, against a real Sentry 9.1.2
through `bin/komand_sentry run`: #team-slug resolved to the team (read back as the issue's assignee), the other forms
Sentry resolves itself, an unknown team and Sentry's "Unknown actor input" explained; short IDs resolved through
GET /api/0/organizations/{org}/shortids/{short_id}/ in Update Issue and List Issue Events."""

import pytest

from integration_test.util import (
    Sentry9Workflow,
    expect_error,
    expect_ok,
    refused_before_any_request,
    run_step,
    unique,
)


@pytest.fixture(scope="module")
def s9(sentry9) -> Sentry9Workflow:
    return Sentry9Workflow(sentry9.env, sentry9.run_id)


@pytest.fixture(scope="module")
def team(s9) -> dict:
    """The team scripts/sentry9.sh makes (testteam), as Sentry's own teams endpoint gives it."""
    (found,) = [team for team in s9.teams() if team["slug"] == "testteam"]
    return found


@pytest.fixture(scope="module")
def user(s9) -> dict:
    (member,) = [m for m in s9.get_json(f"/api/0/organizations/{s9.org}/members/") if m["email"] == s9.user_email]
    return member["user"]


def _update(s9, issue_id, **inputs) -> dict:
    inputs = dict({"issue_id": issue_id, "organization_slug": s9.org}, **inputs)
    return expect_ok(run_step("update_issue", inputs, s9.connection()))["issue"]


def test_team_slug_becomes_the_assignee(s9, team):
    issue = s9.new_issue(unique("assign-team"))
    output = _update(s9, issue.id, assignedTo=f"#{team['slug']}")
    assert s9.issue(issue.id)["assignedTo"] == {"type": "team", "id": team["id"], "name": team["name"]}
    assert output["assignedTo"]["id"] == team["id"]


@pytest.mark.parametrize("form", ["team-id", "user-id", "numeric", "email"])
def test_forms_sentry_resolves(s9, team, user, form):
    value = {"team-id": f"team:{team['id']}", "user-id": f"user:{user['id']}", "numeric": user["id"]}.get(
        form, s9.user_email
    )
    issue = s9.new_issue(unique(f"assign-{form}"))
    _update(s9, issue.id, assignedTo=value)
    assigned = s9.issue(issue.id)["assignedTo"]
    expected_id = team["id"] if form == "team-id" else user["id"]
    assert assigned["type"] == ("team" if form == "team-id" else "user") and assigned["id"] == expected_id


def test_unassign_after_a_team(s9, team):
    issue = s9.new_issue(unique("assign-unassign"))
    _update(s9, issue.id, assignedTo=f"#{team['slug']}")
    _update(s9, issue.id, assignedTo="")
    assert s9.issue(issue.id)["assignedTo"] is None


def test_unknown_team(s9):
    issue = s9.new_issue(unique("assign-unknown-team"))
    reply = run_step(
        "update_issue",
        {"issue_id": issue.id, "organization_slug": s9.org, "assignedTo": "#no-such-team"},
        s9.connection(),
    )
    exception = expect_error(reply, secrets=[s9.token])
    assert "assignedTo" in exception["cause"] and "#no-such-team" in exception["cause"]
    assert "team:" in exception["assistance"] and "#" in exception["assistance"]
    assert s9.issue(issue.id)["assignedTo"] is None


@pytest.mark.parametrize("action", ["update_issue", "bulk_update_issues"])
def test_actor_sentry_cannot_resolve(s9, action):
    issue = s9.new_issue(unique("assign-unknown-actor"))
    inputs = {"organization_slug": s9.org, "assignedTo": "nobody-here@example.com"}
    if action == "update_issue":
        inputs["issue_id"] = issue.id
    else:
        inputs.update(project_slug=s9.project, issue_ids=[issue.id])
    exception = expect_error(run_step(action, inputs, s9.connection()), secrets=[s9.token])
    assert "assignedTo" in exception["cause"] and "nobody-here@example.com" in exception["cause"]
    assert "user:" in exception["assistance"] and "team:" in exception["assistance"]
    assert s9.issue(issue.id)["assignedTo"] is None


def test_team_slug_needs_an_organization(s9):
    inputs = {"issue_id": "1", "assignedTo": "#testteam"}
    exception = refused_before_any_request("update_issue", inputs, s9.connection(), secrets=[s9.token])
    assert "assignedTo" in exception["cause"]


def test_update_issue_by_short_id(s9):
    issue = s9.new_issue(unique("short-update"))
    output = _update(s9, issue.short_id, status="resolved", isBookmarked=True)
    stored = s9.issue(issue.id)
    assert stored["status"] == "resolved" and stored["isBookmarked"] is True
    assert output["id"] == issue.id and output["shortId"] == issue.short_id


def test_list_issue_events_by_short_id(s9):
    issue = s9.new_issue(unique("short-events"), events=3)
    reply = run_step("list_issue_events", {"issue_id": issue.short_id}, s9.connection(organization_slug=s9.org))
    events = expect_ok(reply)["events"]
    assert sorted(event["eventID"] for event in events) == sorted(issue.event_ids)
    assert {event["groupId"] for event in events} == {issue.id}


def test_short_id_of_another_project_prefix_is_not_found(s9):
    reply = run_step(
        "update_issue", {"issue_id": "NOPROJECT-1", "organization_slug": s9.org, "status": "resolved"}, s9.connection()
    )
    exception = expect_error(reply, secrets=[s9.token])
    assert "404" in exception["cause"] + exception.get("data", "")


OTHER_INPUTS = {"update_issue": {"status": "resolved"}, "add_issue_comment": {"text": "a comment"}}


@pytest.mark.parametrize("action", ["get_issue", "update_issue", "list_issue_events", "add_issue_comment"])
def test_short_id_without_organization_is_refused(s9, action):
    inputs = dict({"issue_id": "TESTPROJECT-1"}, **OTHER_INPUTS.get(action, {}))
    exception = refused_before_any_request(action, inputs, s9.connection(), secrets=[s9.token])
    assert "issue_id" in exception["cause"] and "Organization Slug" in exception["assistance"]
