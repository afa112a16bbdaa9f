"""List Issue Events against a real Sentry 9.1.2: an issue with many events (one fingerprint), listed whole and
in pages. Sentry 9.1.2 stores every event of an issue only up to its 50th (beyond that it samples: the count
goes up but only some events are kept), so the issue has N_EVENTS <= 50."""

from collections import Counter

import pytest

from integration_test.util import Issue, entry, expect_ok, run_step, tag_map, unique

N_EVENTS = 45


@pytest.fixture(scope="module")
def busy_issue(sentry9) -> Issue:
    issue = sentry9.new_issue(unique("events"), events=N_EVENTS)
    assert sentry9.issue(issue.id)["count"] == str(N_EVENTS), "the set-up did not group every event into one issue"
    assert len(sentry9.issue_events(issue.id)) == N_EVENTS, "Sentry did not keep every event"
    return issue


def _list(sentry9, **inputs) -> dict:
    return expect_ok(run_step("list_issue_events", inputs, sentry9.connection()))


def test_list_issue_events_returns_every_event_of_the_issue(sentry9, busy_issue):
    output = _list(sentry9, issue_id=busy_issue.id)
    ids = [event["eventID"] for event in output["events"]]
    assert not [event_id for event_id, count in Counter(ids).items() if count > 1], "events listed twice"
    assert set(ids) == set(busy_issue.event_ids)
    assert len(ids) == N_EVENTS == len(sentry9.issue_events(busy_issue.id))
    assert output["has_more"] is False and "next_cursor" not in output
    assert {event["groupId"] for event in output["events"]} == {busy_issue.id}


def test_list_issue_events_limit_and_cursor_continue_without_gaps(sentry9, busy_issue):
    pages, cursor = [], None
    for _ in range(10):
        inputs = {"issue_id": busy_issue.id, "limit": 20}
        if cursor:
            inputs["cursor"] = cursor
        output = _list(sentry9, **inputs)
        pages.append([event["eventID"] for event in output["events"]])
        if not output["has_more"]:
            break
        cursor = output["next_cursor"]
    assert [len(page) for page in pages] == [20, 20, 5]
    everything = [event_id for page in pages for event_id in page]
    assert len(set(everything)) == len(everything) == N_EVENTS
    assert set(everything) == set(busy_issue.event_ids)


def test_list_issue_events_full_bodies(sentry9, busy_issue):
    output = _list(sentry9, issue_id=busy_issue.id, full=True, limit=3)
    assert len(output["events"]) == 3 and output["has_more"] is True
    for event in output["events"]:
        assert entry(event, "message")["formatted"].startswith("itest events-")
        assert tag_map(event)["itest_run"] == sentry9.run_id and tag_map(event)["level"] == "error"
        assert event["dateCreated"] and event["groupId"] == busy_issue.id
