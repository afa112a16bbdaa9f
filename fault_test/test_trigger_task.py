"""Faults while the New Issue trigger runs and between calls of the Monitor Issues task, through `bin/komand_sentry
run` and the orchestrator's trigger_start / task_start messages, against the loopback Sentry (fault_test.server):
its issue listing is an IssueBook (Sentry's query, sort=new and value:offset cursors), faults are scripted on it.

Covered: a 429 and 5xx between polls, a dropped connection and a timeout, a token revoked and restored, a page
boundary inside a group of issues of equal firstSeen, a state of an older version; and for each, that every new
issue is emitted once, none twice, and no canary secret appears in anything the plugin printed."""

import json
import time
from datetime import datetime, timedelta, timezone
from typing import List

import pytest

from fault_test import server as fs
from fault_test.util import CANARY_MARKS, CANARY_TOKEN, connection
from integration_test.util import EventSink, PluginTrigger, run_task, trigger_message

ISSUES = "/api/0/projects/example-org/pump-station/issues/"
INPUTS = {"organization_slug": "example-org", "project_slug": "pump-station"}
INTERVAL = 5
WAIT = 60  # seconds for events to arrive


def now_us() -> int:
    return fs.to_us(datetime.now(timezone.utc))


@pytest.fixture
def sentry():
    server = fs.FaultServer()
    book = fs.IssueBook()
    server.always(ISSUES, fs.issue_listing(book))
    server.book = book
    yield server
    server.stop()


@pytest.fixture
def sink():
    sink = EventSink()
    yield sink
    sink.stop()


def start(sentry, sink, tmp_path, trigger_id="fault-trigger", **inputs) -> PluginTrigger:
    message = trigger_message(dict(INPUTS, interval=INTERVAL, **inputs), connection(sentry.url), sink.url, trigger_id)
    return PluginTrigger(tmp_path, message).start()


def listings(sentry) -> List[fs.Request]:
    return sentry.requests_to(ISSUES)


def wait_for_listings(sentry, count: int, trigger: PluginTrigger, timeout: float = 60) -> List[fs.Request]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = listings(sentry)
        if len(found) >= count:
            return found
        assert trigger.alive, trigger.log()[-3000:]
        time.sleep(0.05)
    pytest.fail(f"{len(listings(sentry))} listings of {count} within {timeout} s:\n{trigger.log()[-3000:]}")


def assert_each_once(sink, expected: List[str]) -> None:
    ids = [issue["id"] for issue in sink.issues()]
    assert len(ids) == len(set(ids)), f"emitted more than once: {sorted(i for i in ids if ids.count(i) > 1)}"
    assert sorted(ids, key=int) == sorted(expected, key=int), f"missing {set(expected) - set(ids)}"


def assert_no_canary(text: str) -> None:
    lowered = text.lower()
    assert CANARY_TOKEN.lower() not in lowered and not any(mark in lowered for mark in CANARY_MARKS)


def stop(trigger: PluginTrigger) -> None:
    took = trigger.stop()
    assert took < 5, f"{took:.1f} s to end after the shutdown flag"
    assert_no_canary(trigger.log())


# The trigger ---------------------------------------------------------------------------------------------------


def test_a_429_between_polls_waits_what_sentry_asks_then_goes_on(sentry, sink, tmp_path):
    trigger = start(sentry, sink, tmp_path)
    try:
        wait_for_listings(sentry, 1, trigger)
        sentry.script(ISSUES, fs.rate_limited({"Retry-After": "12"}))  # more than Max Retry Wait (5 s)
        ids = sentry.book.add(now_us(), 3, step_us=1000)
        limited, after = wait_for_listings(sentry, 3, trigger, timeout=40)[1:3]
        sink.wait_for(3, WAIT, trigger)
    finally:
        stop(trigger)
    assert after.at - limited.at >= 11.5, f"the next poll came {after.at - limited.at:.1f} s after the 429"
    assert after.at - limited.at < 12 + INTERVAL + 3
    assert "rate-limiting" in trigger.log()
    assert_each_once(sink, ids)


@pytest.mark.parametrize(
    "name, faults",
    [
        ("5xx", [fs.sentry_error(503)] * 4),
        ("dropped_connection", [fs.close()] * 4),
        ("timeout", [fs.hang()] * 4),
    ],
)
def test_a_failed_poll_is_logged_and_the_next_one_goes_on(sentry, sink, tmp_path, name, faults):
    trigger = start(sentry, sink, tmp_path)
    try:
        wait_for_listings(sentry, 1, trigger)
        sentry.script(ISSUES, *faults)
        ids = sentry.book.add(now_us(), 4, step_us=1000)
        sink.wait_for(4, WAIT, trigger)
        time.sleep(INTERVAL + 1)
    finally:
        stop(trigger)
    assert len(listings(sentry)) >= 1 + len(faults) + 1
    assert "The poll failed" in trigger.log()
    assert_each_once(sink, ids)


def test_a_revoked_token_is_an_error_and_a_restored_one_resumes(sentry, sink, tmp_path):
    trigger = start(sentry, sink, tmp_path)
    try:
        wait_for_listings(sentry, 1, trigger)
        first = sentry.book.add(now_us(), 1)
        sink.wait_for(1, WAIT, trigger)
        sentry.book.refuse = 401
        during = sentry.book.add(now_us(), 5, step_us=1000)
        refused = len(listings(sentry))
        wait_for_listings(sentry, refused + 2, trigger, timeout=30)  # two polls refused, the trigger still alive
        sentry.book.refuse = None
        sink.wait_for(6, WAIT, trigger)
    finally:
        stop(trigger)
    log = trigger.log()
    assert "[error" in log and "Sentry refused the poll (HTTP 401)" in log and "refused the auth token" in log
    assert_each_once(sink, first + during)


def test_a_page_boundary_inside_issues_of_equal_first_seen(sentry, sink, tmp_path):
    trigger = start(sentry, sink, tmp_path)
    try:
        wait_for_listings(sentry, 1, trigger)
        moment = now_us()
        ids = sentry.book.add(moment, 150) + sentry.book.add(moment + 10_000, 40, step_us=100)  # 40 newer
        sink.wait_for(190, WAIT, trigger)
        time.sleep(INTERVAL + 1)
    finally:
        stop(trigger)
    cursors = [request.param("cursor") for request in listings(sentry) if request.param("cursor")]
    assert f"{-(-moment // 1000)}:60:0" in cursors, cursors  # the second page starts inside the group
    assert_each_once(sink, ids)


def test_a_state_of_an_older_version_starts_from_now(sentry, sink, tmp_path):
    old = sentry.book.add(now_us() - 3_600_000_000, 20, step_us=1000)
    trigger = PluginTrigger(
        tmp_path, trigger_message(dict(INPUTS, interval=INTERVAL), connection(sentry.url), sink.url, "older")
    )
    (trigger.cache_dir / "older.json").write_text(json.dumps({"last_poll": "2020-01-01T00:00:00Z", "seen": [1, 2]}))
    trigger.start()
    try:
        wait_for_listings(sentry, 1, trigger)
        new = sentry.book.add(now_us(), 2, step_us=1000)
        sink.wait_for(2, WAIT, trigger)
        time.sleep(INTERVAL + 1)
    finally:
        stop(trigger)
    assert "The saved state cannot be used" in trigger.log()
    assert_each_once(sink, new)
    assert not set(old) & {issue["id"] for issue in sink.issues()}
    assert trigger.state("older")["version"] == 1


def test_every_request_carries_the_bound_and_asks_for_pages_sentry_serves(sentry, sink, tmp_path):
    trigger = start(sentry, sink, tmp_path, query="is:unresolved")
    try:
        wait_for_listings(sentry, 1, trigger)
        sentry.book.add(now_us(), 120, step_us=1000)
        sink.wait_for(120, WAIT, trigger)
    finally:
        stop(trigger)
    for request in listings(sentry):
        assert request.param("sort") == "new" and int(request.param("limit")) <= 100
        assert request.param("query").startswith("is:unresolved firstSeen:>=")
        assert request.headers["authorization"] == f"Bearer {CANARY_TOKEN}"


# The task ------------------------------------------------------------------------------------------------------


def call(sentry, state, custom_config=None) -> dict:
    reply = run_task(INPUTS, connection(sentry.url), state, custom_config)
    assert_no_canary(json.dumps(reply))
    return reply


def test_task_429_saves_the_reset_time_and_skips_until_it(sentry):
    ids = sentry.book.add(now_us() - 60_000_000, 3, step_us=1000)
    sentry.script(ISSUES, fs.rate_limited({"Retry-After": "8"}))
    limited = call(sentry, {})
    assert (limited["status"], limited["status_code"], limited["has_more_pages"]) == ("ok", 429, True)
    assert limited["output"] == [] and "rate-limiting" in limited["exception"]["cause"]
    reset = limited["state"]["rate_limit_reset_epoch"]
    assert 7 <= reset - time.time() <= 10
    requests = len(listings(sentry))
    skipped = call(sentry, limited["state"])
    assert (skipped["status_code"], len(listings(sentry))) == (429, requests)
    time.sleep(max(0.0, reset - time.time()) + 1)
    resumed = call(sentry, skipped["state"])
    assert (resumed["status_code"], sorted(issue["id"] for issue in resumed["output"])) == (200, ids)


@pytest.mark.parametrize("status", [500, 503])
def test_task_server_error_returns_its_status_and_keeps_the_state(sentry, status):
    sentry.book.add(now_us() - 60_000_000, 2, step_us=1000)
    first = call(sentry, {})
    more = sentry.book.add(now_us(), 2, step_us=1000)
    sentry.script(ISSUES, *[fs.sentry_error(status)] * 4)
    failed = call(sentry, first["state"])
    assert (failed["status_code"], failed["output"], failed["has_more_pages"]) == (status, [], False)
    assert failed["state"] == first["state"] and failed["exception"]["cause"]
    after = call(sentry, failed["state"])
    assert sorted(issue["id"] for issue in after["output"]) == more


def test_task_revoked_token_returns_the_cause_and_a_restored_one_resumes(sentry):
    first = call(sentry, {})
    ids = sentry.book.add(now_us(), 2, step_us=1000)
    sentry.book.refuse = 403
    refused = call(sentry, first["state"])
    assert (refused["status_code"], refused["output"]) == (403, [])
    assert "not allowed" in refused["exception"]["cause"] and refused["exception"]["assistance"]
    sentry.book.refuse = None
    resumed = call(sentry, refused["state"])
    assert sorted(issue["id"] for issue in resumed["output"]) == ids


def test_task_page_boundary_inside_issues_of_equal_first_seen(sentry):
    moment = now_us() - 600_000_000
    ids = sentry.book.add(moment - 10_000, 30, step_us=10) + sentry.book.add(moment, 190)
    state, collected, calls = {}, [], 0
    while True:
        reply = call(sentry, state)
        calls += 1
        collected += [issue["id"] for issue in reply["output"]]
        state = reply["state"]
        if not reply["has_more_pages"]:
            break
        assert calls < 10
    assert calls == 3
    assert sorted(collected, key=int) == ids and len(collected) == len(set(collected))


def test_task_state_of_an_older_version_starts_a_fresh_look_back(sentry):
    old = sentry.book.add(fs.to_us(datetime.now(timezone.utc) - timedelta(hours=30)), 5, step_us=1000)
    recent = sentry.book.add(now_us() - 3_600_000_000, 3, step_us=1000)
    reply = call(sentry, {"last_collection_timestamp": "2020-01-01T00:00:00Z", "next_page_link": "https://x/"})
    assert reply["status_code"] == 200
    assert sorted(issue["id"] for issue in reply["output"]) == recent
    assert not set(old) & {issue["id"] for issue in reply["output"]}
