"""Bulk Update Issues against a real Sentry 9.1.2 through `bin/komand_sentry run`: 250 issues (one fingerprint each)
resolved by their IDs in one step, then reopened by a query, each result read back from Sentry's own listing; short
IDs and a #team assignee; "nothing matched" (Sentry's 204) a success; no update without IDs or a query."""

import pytest

from komand_sentry.util.version import CLIENT_NAME

from integration_test.util import (
    LogTail,
    Sentry9Workflow,
    expect_error,
    expect_ok,
    refused_before_any_request,
    run_step,
    unique,
)

PLUGIN_AGENT = f'"{CLIENT_NAME}"'  # how the plugin's requests end in web.log
N_ISSUES = 250


@pytest.fixture(scope="module")
def s9(sentry9) -> Sentry9Workflow:
    return Sentry9Workflow(sentry9.env, sentry9.run_id)


@pytest.fixture(scope="module")
def many(s9):
    marker = "bulk-standing-250"  # the same issues every run (see Sentry9Workflow.standing_issues)
    ids = s9.standing_issues(marker, N_ISSUES)
    yield marker, ids
    s9.resolve(ids)


def _bulk(s9, **inputs) -> dict:
    return expect_ok(run_step("bulk_update_issues", dict({"organization_slug": s9.org}, **inputs), s9.connection()))


def _ids(s9, query: str) -> set:
    return {issue["id"] for issue in s9.issues(query)}


def _plugin_lines(log: LogTail, method: str, *fragments: str) -> list:
    """The plugin's requests of this method in the log since `log` began, holding every fragment (other test runs
    may use the same server at the same time: the fragments single out this test's requests)."""
    return [
        line
        for line in log.lines()
        if PLUGIN_AGENT in line and f'"{method} ' in line and all(fragment in line for fragment in fragments)
    ]


def _bulk_paths(s9) -> tuple:
    return (f"/api/0/projects/{s9.org}/{s9.project}/issues/", f"/api/0/organizations/{s9.org}/issues/")


def test_250_issues_resolved_by_id_then_reopened_by_query(s9, many):
    marker, ids = many
    control = s9.new_issue(unique("bulk-control"))
    s9.resolve([control.id])
    assert _ids(s9, f"itest:{marker} is:unresolved") == set(ids)

    log = LogTail(s9.web_log)
    output = _bulk(s9, project_slug=s9.project, issue_ids=ids, status="resolved")
    assert sorted(output["issue_ids"]) == sorted(ids)
    assert output["changes"]["status"] == "resolved"
    assert _ids(s9, f"itest:{marker} is:resolved") == set(ids)
    assert _ids(s9, f"itest:{marker} is:unresolved") == set()
    puts = _plugin_lines(log, "PUT", f"id={ids[0]}&")
    assert len(puts) == 1 and '" 200 ' in puts[0], puts  # 250 IDs: one request of Sentry's bulk update

    log = LogTail(s9.web_log)
    output = _bulk(s9, project_slug=s9.project, query=f"itest:{marker} is:resolved", status="unresolved")
    assert sorted(output["issue_ids"]) == sorted(ids)
    assert _ids(s9, f"itest:{marker} is:unresolved") == set(ids)
    assert s9.issue(control.id)["status"] == "resolved"  # an issue the query does not match is left alone
    assert _plugin_lines(log, "PUT", marker) == [], "the query reached the update"
    assert len(_plugin_lines(log, "PUT", f"id={ids[0]}&")) == 1


def test_short_ids_and_a_team_assignee(s9):
    marker = unique("bulk-team")
    ids = s9.new_issues(marker, 3)
    short_ids = [s9.issue(issue_id)["shortId"] for issue_id in ids]
    (team,) = [team for team in s9.teams() if team["slug"] == "testteam"]
    output = _bulk(s9, project_slug=s9.project, issue_ids=short_ids, assignedTo=f"#{team['slug']}")
    assert sorted(output["issue_ids"]) == sorted(ids)
    for issue_id in ids:
        assigned = s9.issue(issue_id)["assignedTo"]
        assert assigned == {"type": "team", "id": team["id"], "name": team["name"]}, assigned


def test_nothing_matched_is_a_success(s9):
    log = LogTail(s9.web_log)
    output = _bulk(s9, project_slug=s9.project, issue_ids=["987654321", "987654322"], status="resolved")
    assert output["issue_ids"] == []
    assert all('" 204 ' in line for line in _plugin_lines(log, "PUT", "id=987654321"))


def test_query_matching_nothing_updates_nothing(s9):
    log = LogTail(s9.web_log)
    output = _bulk(s9, project_slug=s9.project, query=f"itest:{unique('nothing')}", status="resolved")
    assert output["issue_ids"] == []
    unbounded = [
        line
        for line in _plugin_lines(log, "PUT")
        if any(path in line for path in _bulk_paths(s9)) and "id=" not in line
    ]
    assert unbounded == [], "an update without IDs was sent for a query that matched nothing"


def test_without_a_project_updates_or_asks_for_one(s9):
    """Sentry 9.1.2 updates in bulk through the project; without one the step either works or says to give it."""
    marker = unique("bulk-org")
    ids = s9.new_issues(marker, 2)
    reply = run_step(
        "bulk_update_issues", {"organization_slug": s9.org, "issue_ids": ids, "isBookmarked": True}, s9.connection()
    )
    if reply.status == "ok":
        assert sorted(reply.output["issue_ids"]) == sorted(ids)
        assert all(s9.issue(issue_id)["isBookmarked"] for issue_id in ids)
    else:
        exception = expect_error(reply, secrets=[s9.token])
        assert "project" in (exception["cause"] + exception["assistance"]).lower(), exception


@pytest.mark.parametrize(
    "inputs",
    [
        {"status": "resolved"},
        {"issue_ids": [], "status": "resolved"},
        {"issue_ids": ["1"]},
        {"issue_ids": ["1/2"], "status": "resolved"},
    ],
    ids=["neither-ids-nor-query", "empty-ids", "no-change", "bad-id"],
)
def test_refused_before_any_request(s9, inputs):
    inputs = dict({"organization_slug": s9.org, "project_slug": s9.project}, **inputs)
    exception = refused_before_any_request("bulk_update_issues", inputs, s9.connection(), secrets=[s9.token])
    assert exception["cause"].startswith("Invalid input '")
