"""Retries and rate limits in detail: the bounds on attempts and waiting, each rate-limit header, and the
guarantee that a retried event or update is the same request every time (no loss, no duplicate)."""

import time

from fault_test import server as fs
from fault_test.batch import Cases
from fault_test.targets import EVENT, ISSUE, TARGETS, event_ids
from fault_test.util import active_time, assert_error, assert_ok, connection, dsn, record, run_plugin

ISSUES = TARGETS["list_project_issues"]
EVENTS = TARGETS["list_issue_events"]
UPDATE = TARGETS["update_issue"]
ENVELOPE, STORE = "/api/1/envelope/", "/api/1/store/"
TABLE = "retries and rate limits"
cases = Cases()


def _run(target, server, **conn):
    return run_plugin(target.action, target.make_input(server.port), connection(server.url, **conn), target.command)


def _submit(server, event=None, endpoint="envelope", **conn):
    event_input = {"message": "Workflow step failed", "level": "error"} if event is None else event
    return run_plugin(
        "submit_event",
        {"dsn": dsn(server.port), "event_json": event_input, "endpoint": endpoint},
        connection(server.url, **conn),
    )


@cases
def http_500_502_504_then_success_uses_every_attempt(server):
    server.script(EVENTS.path, fs.sentry_error(500), fs.sentry_error(502), fs.sentry_error(504), EVENTS.ok())
    run = _run(EVENTS, server, max_retry_wait=5)
    record(TABLE, "list_issue_events: 500, 502, 504, then 200", run, server.count)
    assert_ok(run)
    assert server.count == 4
    assert [e["eventID"] for e in run.output["events"]] == [EVENT["eventID"]]


@cases
def persistent_500_stops_after_four_attempts(server):
    server.always(ISSUES.path, fs.sentry_error(500))
    run = _run(ISSUES, server, max_retry_wait=10)  # waiting would allow more; the attempt cap stops it
    record(TABLE, "list_project_issues: persistent 500, Max Retry Wait 10", run, server.count)
    assert_error(run, "HTTP 500")
    assert server.count == 4


@cases
def max_retry_wait_0_means_one_attempt(server):
    server.always(UPDATE.path, fs.sentry_error(503))
    run = _run(UPDATE, server, max_retry_wait=0)
    record(TABLE, "update_issue: persistent 503, Max Retry Wait 0", run, server.count)
    assert_error(run, "unavailable", "HTTP 503")
    assert server.count == 1


@cases
def http_429_retry_after_http_date(server):
    when = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 1))
    server.script(ISSUES.path, fs.rate_limited({"Retry-After": when}), ISSUES.ok())
    run = _run(ISSUES, server)
    record(TABLE, "list_project_issues: 429 Retry-After as an HTTP date (+1 s), then 200", run, server.count)
    assert_ok(run)
    assert server.count == 2


@cases
def http_429_rate_limit_reset_soon_then_success(server):
    reset = int(time.time()) + 1
    server.script(EVENTS.path, fs.rate_limited({"X-Sentry-Rate-Limit-Reset": str(reset)}), EVENTS.ok())
    run = _run(EVENTS, server)
    record(TABLE, "list_issue_events: 429 X-Sentry-Rate-Limit-Reset now+1, then 200", run, server.count)
    assert_ok(run)
    assert server.count == 2
    assert server.requests[1].wall >= reset - 0.05  # it waited for the reset time


@cases
def http_429_rate_limit_reset_far_says_when(server):
    server.always(UPDATE.path, fs.rate_limited({"X-Sentry-Rate-Limit-Reset": str(int(time.time()) + 300)}))
    run = _run(UPDATE, server)
    record(TABLE, "update_issue: 429 X-Sentry-Rate-Limit-Reset now+300", run, server.count)
    assert_error(run, "rate-limiting", "HTTP 429")
    assert any(f"after {s} seconds" in run.assistance for s in range(295, 302)), run.assistance
    assert server.count == 1


@cases
def http_429_without_any_header_means_60_seconds(server):
    server.always(ISSUES.path, fs.rate_limited())
    run = _run(ISSUES, server)
    record(TABLE, "list_project_issues: 429 with no rate-limit header", run, server.count)
    assert_error(run, "HTTP 429", assistance_words=("after 60 seconds",))
    assert server.count == 1


@cases
def persistent_429_is_bounded_by_max_retry_wait(server):
    server.always(EVENTS.path, fs.rate_limited({"Retry-After": "1"}))
    run = _run(EVENTS, server, max_retry_wait=2)
    record(TABLE, "list_issue_events: 429 Retry-After 1 every time, Max Retry Wait 2", run, server.count)
    assert_error(run, "HTTP 429", assistance_words=("after 1 seconds",))
    assert server.count == 3  # waits 1 + 1 fit in 2 s; a third would not
    assert active_time(run, server) < 2 + 2.0  # the waits, and 2 s to print the reply and exit


@cases
def connection_test_429_then_success(server):
    target = TARGETS["connection_test"]
    server.script(target.path, fs.rate_limited({"X-Sentry-Rate-Limit-Reset": str(int(time.time()) + 1)}), target.ok())
    run = _run(target, server)
    record(TABLE, "connection test: 429 X-Sentry-Rate-Limit-Reset now+1, then 200", run, server.count)
    assert_ok(run)
    assert server.count == 2


# Ingestion --------------------------------------------------------------------------------------------------


@cases
def ingest_rate_limits_header_short_wait_then_accepted(server):
    server.script(ENVELOPE, fs.rate_limited({"X-Sentry-Rate-Limits": "1:error;default:key"}), fs.event_accepted())
    run = _submit(server)
    record(TABLE, "submit_event: 429 X-Sentry-Rate-Limits 1:error;default:key, then 200", run, server.count)
    assert_ok(run)
    ids = event_ids(server.requests)
    assert len(ids) == 2 and len(set(ids)) == 1 and run.output["id"] == ids[0]


@cases
def ingest_rate_limits_header_longest_event_entry_counts(server):
    limits = "5:transaction:key, 120:default;error;security:organization"
    server.always(ENVELOPE, fs.rate_limited({"X-Sentry-Rate-Limits": limits, "Retry-After": "1"}))
    run = _submit(server)
    record(TABLE, "submit_event: 429 X-Sentry-Rate-Limits 120 s for errors (Retry-After 1)", run, server.count)
    assert_error(run, "HTTP 429", assistance_words=("after 120 seconds",))
    assert server.count == 1


@cases
def ingest_retry_after_then_accepted(server):
    server.script(ENVELOPE, fs.rate_limited({"Retry-After": "1"}), fs.event_accepted())
    run = _submit(server)
    record(TABLE, "submit_event: 429 Retry-After 1, then 200", run, server.count)
    assert_ok(run)
    assert server.count == 2


@cases
def event_resent_after_5xx_and_reset_keeps_its_event_id(server):
    """No event_id in the input: the one the plugin makes is made once, and every attempt carries it."""
    server.script(ENVELOPE, fs.sentry_error(503), fs.reset_mid_body(), fs.short_body(), fs.event_accepted())
    run = _submit(server)
    record(TABLE, "submit_event: 503, reset, short body, then 200 (generated event_id)", run, server.count)
    assert_ok(run)
    assert server.count == 4
    ids = event_ids(server.requests)
    assert len(set(ids)) == 1 and run.output["id"] == ids[0]
    assert len({r.body for r in server.requests}) == 1  # the very same bytes
    assert all(r.headers.get("content-encoding") == "gzip" for r in server.requests)


@cases
def given_event_id_is_kept_across_attempts(server):
    server.script(ENVELOPE, fs.close(), fs.sentry_error(502), fs.event_accepted())
    run = _submit(server, {"event_id": "FC6D8C0C-43FC-4630-AD85-0EE518F1B9D0", "message": "given id"})
    record(TABLE, "submit_event: closed, 502, then 200 (given event_id)", run, server.count)
    assert_ok(run)
    assert event_ids(server.requests) == ["fc6d8c0c43fc4630ad850ee518f1b9d0"] * 3
    assert run.output["id"] == "fc6d8c0c43fc4630ad850ee518f1b9d0"


@cases
def store_fallback_after_retries_sends_the_same_event(server):
    """Auto: the envelope endpoint is missing (404), the store endpoint fails once (503), then takes it."""
    server.script(ENVELOPE, fs.sentry_error(404))
    server.script(STORE, fs.sentry_error(503), fs.event_accepted())
    run = _submit(server, endpoint="auto")
    record(TABLE, "submit_event auto: envelope 404, store 503, store 200", run, server.count)
    assert_ok(run)
    assert run.output["endpoint"] == "store"
    assert [r.path for r in server.requests] == [ENVELOPE, STORE, STORE]
    ids = event_ids(server.requests)
    assert len(set(ids)) == 1 and run.output["id"] == ids[0]


@cases
def persistent_503_on_ingestion_never_falls_back_to_store(server):
    server.always(ENVELOPE, fs.sentry_error(503))
    run = _submit(server, endpoint="auto", max_retry_wait=2)
    record(TABLE, "submit_event auto: envelope 503 every time, Max Retry Wait 2", run, server.count)
    assert_error(run, "unavailable", "HTTP 503")
    assert [r.path for r in server.requests] == [ENVELOPE] * 3


@cases
def update_resent_after_a_reset_is_the_same_update(server):
    server.script(UPDATE.path, fs.reset_mid_body(), fs.sentry_error(500), fs.json_reply(dict(ISSUE, status="ignored")))
    run = run_plugin(
        "update_issue",
        {"issue_id": "42", "status": "ignored", "statusDetails": {"ignoreCount": 100, "ignoreWindow": 60}},
        connection(server.url),
    )
    record(TABLE, "update_issue: reset, 500, then 200", run, server.count)
    assert_ok(run)
    bodies = [r.json() for r in server.requests]
    assert len(bodies) == 3 and all(b == bodies[0] for b in bodies)
    assert bodies[0] == {"status": "ignored", "statusDetails": {"ignoreCount": 100, "ignoreWindow": 60}}


played, test_case = cases.fixture(), cases.test()
