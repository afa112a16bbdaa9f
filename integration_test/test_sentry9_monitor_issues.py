"""The Monitor Issues task against a real Sentry 9.1.2, through `bin/komand_sentry run` with the orchestrator's
task_start message, called again and again with the state it returned: the reply carries the output (the list of
issues itself), the state, has_more_pages and status_code."""

import uuid
from collections import Counter
from datetime import datetime, timedelta, timezone
from typing import List, Tuple

import jsonschema

from integration_test.test_sentry9_new_issue import watched_issues
from integration_test.util import run_task, unique
from komand_sentry.tasks.monitor_issues import MonitorIssues

MAX_CALLS = 30


def collect(sentry9, state, custom_config=None, connection=None) -> Tuple[List[dict], dict, List[dict]]:
    """Calls until has_more_pages is false: every issue returned, the last state, and every reply."""
    issues, replies = [], []
    for _ in range(MAX_CALLS):
        reply = run_task(sentry9.list_inputs(), connection or sentry9.connection(), state, custom_config)
        replies.append(reply)
        assert reply["status"] == "ok", reply
        assert reply["status_code"] == 200, reply
        issues += reply["output"]
        state = reply["state"]
        if not reply["has_more_pages"]:
            return issues, state, replies
    raise AssertionError(f"has_more_pages stayed true for {MAX_CALLS} calls")


def check_output(issues: List[dict]) -> None:
    schema = MonitorIssues().output.schema
    jsonschema.validate(issues, schema)
    item = {"$ref": "#/definitions/Issue", "definitions": schema["definitions"]}
    for issue in issues:
        jsonschema.validate(issue, item)


def test_each_new_issue_exactly_once_across_calls_and_the_backlog_ends(sentry9):
    marker = unique("collect")
    start = datetime.now(timezone.utc) - timedelta(seconds=1)
    lookback = {"lookback": start.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"}
    first = watched_issues(sentry9, marker, 230)
    issues, state, replies = collect(sentry9, {}, lookback)
    assert len(replies) >= 3, "230 issues came in fewer than three calls: a call is not bounded to a page"
    assert all(len(reply["output"]) <= 100 for reply in replies)
    assert [reply["has_more_pages"] for reply in replies][-1] is False
    assert all(reply["has_more_pages"] for reply in replies[:-1])
    later = watched_issues(sentry9, marker, 7)
    more, state, _ = collect(sentry9, state, lookback)
    idle = run_task(sentry9.list_inputs(), sentry9.connection(), state, lookback)
    ids = [issue["id"] for issue in issues + more]
    twice = [issue_id for issue_id, count in Counter(ids).items() if count > 1]
    assert not twice, f"collected more than once: {twice}"
    assert set(first) <= {issue["id"] for issue in issues}
    assert set(later) <= {issue["id"] for issue in more}
    assert all(issue["firstSeen"] >= lookback["lookback"][:19] for issue in issues + more)
    assert (idle["output"], idle["has_more_pages"], idle["status_code"]) == ([], False, 200)
    check_output(issues + more)
    assert len(state["seen"]) <= 99 and state["version"] == 1


def test_a_revoked_token_returns_the_error_object_and_the_state_resumes(sentry9):
    marker = unique("revoked")
    start = datetime.now(timezone.utc) - timedelta(seconds=1)
    lookback = {"lookback": start.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"}
    _, state, _ = collect(sentry9, {}, lookback)
    ids = watched_issues(sentry9, marker, 3)
    refused = run_task(sentry9.list_inputs(), sentry9.connection(token="sntrys_" + uuid.uuid4().hex), state, lookback)
    assert (refused["output"], refused["status_code"], refused["has_more_pages"]) == ([], 401, False), refused
    assert "refused the auth token" in refused["exception"]["cause"], refused
    assert refused["exception"]["assistance"]
    assert refused["state"] == state
    issues, _, _ = collect(sentry9, refused["state"], lookback)
    assert set(ids) <= {issue["id"] for issue in issues}


def test_an_older_or_broken_state_starts_a_fresh_look_back(sentry9):
    marker = unique("oldstate")
    start = datetime.now(timezone.utc) - timedelta(seconds=1)
    lookback = {"lookback": start.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"}
    ids = watched_issues(sentry9, marker, 2)
    for state in ({"last_collection_timestamp": "2020-01-01T00:00:00Z"}, {"version": 1, "horizon": 5}):
        issues, new_state, _ = collect(sentry9, state, lookback)
        assert set(ids) <= {issue["id"] for issue in issues}
        assert new_state["version"] == 1
