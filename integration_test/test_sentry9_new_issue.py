"""The New Issue trigger against a real Sentry 9.1.2, through `bin/komand_sentry run` with the orchestrator's
trigger_start message: the runtime's Http dispatcher posts each event to a loopback sink (or --debug writes them to
stdout), the state lives in the trigger's state file, and the orchestrator's shutdown flag ends it.

Each test watches issues of its own: they carry the tag `watch:<marker>`, and the trigger's query asks for it."""

import time
import uuid
from collections import Counter
from typing import List

import pytest

from integration_test.util import (
    EventSink,
    LogTail,
    PluginTrigger,
    stdout_messages,
    trigger_message,
    unique,
)
from komand_sentry.triggers.new_issue import NewIssue

EMIT_TIMEOUT = 120  # seconds for the events of a burst to arrive


@pytest.fixture
def sink():
    sink = EventSink()
    yield sink
    sink.stop()


def watched_event(sentry9, marker: str, batch: str, number: int) -> dict:
    fingerprint = f"{marker}-{batch}-{number}"
    return {
        "message": f"itest {marker} {batch} #{number}",
        "level": "error",
        "tags": sentry9.tags(fingerprint, watch=marker, batch=batch),
        "fingerprint": [fingerprint],
    }


def watched_issues(sentry9, marker: str, count: int, batch: str = None, workers: int = 8) -> List[str]:
    """`count` new issues (a fingerprint each) tagged watch:<marker> and batch:<batch>; their IDs, oldest first."""
    batch = batch or uuid.uuid4().hex[:8]
    sentry9.store_many([watched_event(sentry9, marker, batch, n) for n in range(count)], workers=workers)
    issues = sentry9.issues(f"batch:{batch}")
    assert len(issues) == count, f"{len(issues)} issues found for {count} fingerprints"
    return [issue["id"] for issue in sorted(issues, key=lambda issue: issue["firstSeen"])]


def start(sentry9, sink, tmp_path, marker, trigger_id=None, interval=5, debug=False, name="trigger"):
    inputs = sentry9.list_inputs(query=f"is:unresolved watch:{marker}", interval=interval)
    message = trigger_message(inputs, sentry9.connection(), sink.url if sink else "http://127.0.0.1:9/", trigger_id)
    return PluginTrigger(tmp_path, message, debug=debug, name=name).start()


def polls(log: LogTail, marker: str) -> List[str]:
    return [line for line in log.lines() if "/issues/?" in line and marker in line]


def wait_for_polls(log: LogTail, marker: str, count: int, timeout: float, trigger: PluginTrigger) -> List[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = polls(log, marker)
        if len(found) >= count:
            return found
        assert trigger.alive, trigger.log()[-3000:]
        time.sleep(0.1)
    pytest.fail(
        f"{len(polls(log, marker))} polls of {count} reached Sentry within {timeout} s:\n{trigger.log()[-3000:]}"
    )


def assert_each_once(issues: List[dict], expected: List[str]) -> None:
    ids = [issue["id"] for issue in issues]
    twice = [issue_id for issue_id, count in Counter(ids).items() if count > 1]
    assert not twice, f"emitted more than once: {twice}"
    assert set(ids) == set(expected), f"missing {set(expected) - set(ids)}, unexpected {set(ids) - set(expected)}"


def test_more_than_a_page_of_new_issues_each_emitted_once_and_no_old_one(sentry9, sink, tmp_path):
    marker = unique("watch")
    old_batch = uuid.uuid4().hex[:8]
    old = watched_issues(sentry9, marker, 3, batch=old_batch)
    log = LogTail(sentry9.web_log)
    # Sentry 9.1.2 here takes about a third of a second per new issue: 110 of them fit between two polls 90 s apart
    trigger = start(sentry9, sink, tmp_path, marker, trigger_id=unique("trigger"), interval=90)
    try:
        wait_for_polls(log, marker, 1, 60, trigger)
        created = time.monotonic()
        burst = watched_issues(sentry9, marker, 110)
        sentry9.store(watched_event(sentry9, marker, old_batch, 0))  # a new event of an old issue
        assert time.monotonic() - created < 80, "the burst took longer than an interval to create"
        assert len(polls(log, marker)) == 1, "a poll came in the middle of the burst"
        issues = sink.wait_for(110, EMIT_TIMEOUT, trigger)
        time.sleep(2)
        issues = sink.issues()
        assert_each_once(issues, burst)
        assert not set(old) & {issue["id"] for issue in issues}, "an issue first seen before the start was emitted"
        first_seen = [issue["firstSeen"] for issue in issues]
        assert first_seen == sorted(first_seen), "a burst is emitted oldest first"
        paged = [line for line in polls(log, marker) if "cursor=" in line]
        assert paged, "the burst did not need a second page: it was not more than a page between two polls"
        for message in sink.messages():
            NewIssue().output.validate(message["body"]["output"])
            assert message["type"] == "trigger_event" and message["body"]["meta"]["triggerId"]
    finally:
        took = trigger.stop()
    assert took < 5, f"the trigger took {took:.1f} s to end after its shutdown flag"
    assert sentry9.token not in trigger.log() + trigger.stdout()


def test_an_idle_poll_is_one_request(sentry9, sink, tmp_path):
    marker = unique("idle")
    log = LogTail(sentry9.web_log)
    trigger = start(sentry9, sink, tmp_path, marker, interval=5)
    try:
        wait_for_polls(log, marker, 1, 60, trigger)
        watched_issues(sentry9, marker, 2)
        sink.wait_for(2, EMIT_TIMEOUT, trigger)
        before = len(polls(log, marker))
        time.sleep(11.5)
        idle = polls(log, marker)[before:]
    finally:
        trigger.stop()
    assert 2 <= len(idle) <= 3, idle
    assert not [line for line in idle if "cursor=" in line], idle
    assert len(sink.issues()) == 2


def test_killed_and_started_again_with_the_same_trigger_id_loses_nothing_and_repeats_nothing(sentry9, tmp_path):
    marker, trigger_id = unique("restart"), unique("trigger")
    before_start = watched_issues(sentry9, marker, 2)
    sinks = [EventSink(), EventSink()]
    try:
        log = LogTail(sentry9.web_log)
        first = start(sentry9, sinks[0], tmp_path, marker, trigger_id=trigger_id, name="first")
        wait_for_polls(log, marker, 1, 60, first)
        while_running = watched_issues(sentry9, marker, 3)
        sinks[0].wait_for(3, EMIT_TIMEOUT, first)
        time.sleep(1)
        first.kill()
        saved = first.state(trigger_id)
        while_down = watched_issues(sentry9, marker, 110)
        second = start(sentry9, sinks[1], tmp_path, marker, trigger_id=trigger_id, name="second")
        sinks[1].wait_for(110, EMIT_TIMEOUT, second)
        after_restart = watched_issues(sentry9, marker, 2)
        sinks[1].wait_for(112, EMIT_TIMEOUT, second)
        time.sleep(6)
        second.stop()
        emitted = sinks[0].issues() + sinks[1].issues()
    finally:
        for sink in sinks:
            sink.stop()
    assert not set(before_start) & {issue["id"] for issue in emitted}
    assert_each_once(emitted, while_running + while_down + after_restart)
    assert {issue["id"] for issue in sinks[0].issues()} == set(while_running)
    assert set(saved["seen"]) >= {issue["id"] for issue in sinks[0].issues()}
    assert saved["project"] == f"{sentry9.org}/{sentry9.project}"


def test_without_a_trigger_id_it_runs_stateless_from_now(sentry9, sink, tmp_path):
    marker = unique("stateless")
    watched_issues(sentry9, marker, 2)
    log = LogTail(sentry9.web_log)
    trigger = start(sentry9, sink, tmp_path, marker)
    try:
        wait_for_polls(log, marker, 1, 60, trigger)
        new = watched_issues(sentry9, marker, 2)
        sink.wait_for(2, EMIT_TIMEOUT, trigger)
        time.sleep(6)
    finally:
        trigger.stop()
    assert_each_once(sink.issues(), new)
    assert not list(trigger.cache_dir.iterdir()), "a stateless trigger wrote a state file"
    assert "will not be stateful" in trigger.log()


def test_debug_writes_the_events_to_stdout(sentry9, tmp_path):
    marker = unique("debug")
    log = LogTail(sentry9.web_log)
    trigger = start(sentry9, None, tmp_path, marker, debug=True)
    try:
        wait_for_polls(log, marker, 1, 60, trigger)
        new = watched_issues(sentry9, marker, 3)
        deadline = time.monotonic() + EMIT_TIMEOUT
        while time.monotonic() < deadline and trigger.stdout().count('"trigger_event"') < 3:
            time.sleep(0.2)
    finally:
        trigger.stop()
    events = [m for m in stdout_messages(trigger.stdout()) if m["body"].get("output")]
    assert [event["body"]["output"]["issue"]["id"] for event in events] == new
