"""Bounds: time (silent, stalled and trickling answers), size (50 MB pages, gzip bombs, memory), redirects and TLS.

Time bounds are computed from the connection settings and the transport's constants: an attempt waits at most
`timeout` for a silent server (connect and read timeouts) and at most 3 x `timeout` for a body that keeps
arriving; at most 4 attempts; all waiting between attempts within `max_retry_wait`. They are checked on the
step's own time, from the first request the server received to the plugin's exit (+ SLACK to print the reply
and exit), because a loaded machine stretches the start of a Python process, not the step; the whole wall time
gets STARTUP more.
"""

from fault_test import server as fs
from fault_test.batch import Cases
from fault_test.targets import TARGETS
from fault_test.util import active_time, assert_error, assert_ok, connection, dsn, record, run_plugin

TABLE = "time, size, redirects and TLS"
cases = Cases()
ISSUES = TARGETS["list_project_issues"]
EVENTS = TARGETS["list_issue_events"]
SLACK = 2.0
STARTUP = 15.0
MAX_ATTEMPTS = 4  # komand_sentry.util.transport.MAX_ATTEMPTS
MB = 1000 * 1000
MIB = 1024 * 1024


def _run(target, server, extra=None, **conn):
    inputs = dict(target.make_input(server.port), **(extra or {}))
    return run_plugin(target.action, inputs, connection(server.url, **conn))


def _bound(timeout: float, max_retry_wait: float, per_attempt: float = 1.0) -> float:
    """The most a step may take once its first request is out: every attempt at its longest, every wait."""
    return MAX_ATTEMPTS * per_attempt * timeout + max_retry_wait + SLACK


def _assert_within(run, server, bound: float) -> None:
    active = active_time(run, server)
    assert active < bound, f"the step took {active:.1f} s after its first request, more than {bound} s"
    assert run.wall < bound + STARTUP, f"the step took {run.wall:.1f} s in all"


# Time -------------------------------------------------------------------------------------------------------


@cases(target=[ISSUES, TARGETS["update_issue"], TARGETS["submit_event"]])
def server_that_never_answers_ends_within_the_bound(server, target):
    server.always(target.path, fs.hang())
    run = _run(target, server, timeout=1, max_retry_wait=3)
    bound = _bound(1, 3)
    record(TABLE, f"{target.name}: never answers (timeout 1, Max Retry Wait 3)", run, server.count, f"bound {bound} s")
    assert_error(run, "timed out")
    assert server.count == 3  # waits 0.5 + 1 fit in 3 s, a third wait (2 s) would not
    _assert_within(run, server, bound)


@cases
def slow_answer_within_timeout_succeeds(server):
    server.script(ISSUES.path, fs.delayed(0.5, ISSUES.ok()))
    run = _run(ISSUES, server, timeout=2)
    record(TABLE, "list_project_issues: answers after 0.5 s (timeout 2)", run, server.count)
    assert_ok(run)
    assert server.count == 1


@cases
def answer_slower_than_timeout_is_retried(server):
    server.script(ISSUES.path, fs.delayed(2.5, ISSUES.ok()), ISSUES.ok())
    run = _run(ISSUES, server, timeout=1)
    record(TABLE, "list_project_issues: first answer after 2.5 s (timeout 1), then at once", run, server.count)
    assert_ok(run)
    assert server.count == 2


@cases
def body_that_stalls_is_a_timeout(server):
    server.always(EVENTS.path, fs.stall_mid_body())
    run = _run(EVENTS, server, timeout=1, max_retry_wait=0)
    record(TABLE, "list_issue_events: body stalls half-way (timeout 1)", run, server.count)
    assert_error(run, "timed out")
    assert "stopped arriving" in run.data
    assert server.count == 1
    _assert_within(run, server, 1 + SLACK)


@cases
def body_that_trickles_forever_hits_the_deadline(server):
    """One byte every 0.3 s: never idle for a whole read timeout, never complete. The body deadline
    (3 x timeout from the start of the attempt) ends it."""
    server.always(ISSUES.path, fs.trickle_body(0.3))
    run = _run(ISSUES, server, timeout=1, max_retry_wait=0)
    record(TABLE, "list_project_issues: body trickles 1 byte / 0.3 s (timeout 1)", run, server.count)
    assert_error(run, "timed out")
    assert "did not arrive in time" in run.data
    assert server.count == 1
    _assert_within(run, server, 3 * 1 + SLACK)


@cases
def trickling_body_bound_applies_to_every_attempt(server):
    server.always(ISSUES.path, fs.trickle_body(0.3))
    run = _run(ISSUES, server, timeout=1, max_retry_wait=1)
    bound = _bound(1, 1, per_attempt=3 + 1)
    case = "list_project_issues: trickling body (timeout 1, Max Retry Wait 1)"
    record(TABLE, case, run, server.count, f"bound {bound} s")
    assert_error(run, "timed out")
    assert server.count == 2  # a 0.5 s wait fits in 1 s, the next (1 s) would not
    _assert_within(run, server, bound)


# Size -------------------------------------------------------------------------------------------------------


def _baseline_rss(server) -> int:
    server.script("/api/0/", TARGETS["connection_test"].ok())
    run = run_plugin(ISSUES.action, ISSUES.make_input(server.port), connection(server.url), "test")
    assert_ok(run)
    return run.max_rss_kb


BIG_PAGES = [
    ("declared_content_length", lambda: fs.big_body(50 * MB)),
    ("chunked", lambda: fs.big_body(50 * MB, chunked=True)),
    ("undeclared_until_close", lambda: fs.big_body(50 * MB, declare=False)),
    ("gzip_bomb", lambda: fs.gzip_bomb(50 * MB)),
]


@cases(variant=BIG_PAGES)
def page_of_50_mb_is_refused_in_bounded_memory(server, variant):
    name, behaviour = variant
    baseline = _baseline_rss(server)
    server.always(EVENTS.path, behaviour())
    run = _run(EVENTS, server, {"full": True}, timeout=5, max_retry_wait=0)
    grew = (run.max_rss_kb - baseline) / 1024
    requests = len(server.requests_to(EVENTS.path))
    record(TABLE, f"list_issue_events: 50 MB page ({name})", run, requests, f"peak RSS +{grew:.0f} MiB")
    assert_error(run, "larger than 32 MiB", assistance_words=("Limit",))
    assert len(server.requests_to(EVENTS.path)) == 1
    # the 50 MB page is never held whole: at most the 32 MiB bound and the decoding buffers around it
    assert grew < 96, f"peak RSS grew by {grew:.0f} MiB (baseline {baseline / 1024:.0f} MiB)"


@cases
def gzip_answer_is_decoded(server):
    server.script(ISSUES.path, fs.gzip_reply([{"id": "42", "title": "compressed"}]))
    run = _run(ISSUES, server)
    record(TABLE, "list_project_issues: gzip-encoded answer", run, server.count)
    assert_ok(run)
    assert run.output["issues"] == [{"id": "42", "title": "compressed"}]


@cases
def corrupt_gzip_is_a_clear_error(server):
    corrupt = fs.reply(200, b"\x1f\x8b not really gzip", {"Content-Encoding": "gzip"}, "application/json")
    server.always(ISSUES.path, corrupt)
    run = _run(ISSUES, server)
    record(TABLE, "list_project_issues: corrupt gzip body", run, server.count)
    assert_error(run, "could not be decoded", assistance_words=("proxy",))
    assert server.count == 1


# Redirects --------------------------------------------------------------------------------------------------


@cases(status=[301, 303, 307, 308])
def no_redirect_is_followed(server, elsewhere, status):
    target = TARGETS["update_issue"]
    server.always(target.path, fs.redirect(f"{elsewhere.url}{target.path}", status))
    run = _run(target, server)
    record(TABLE, f"update_issue: {status} to another port", run, server.count, f"{elsewhere.count} requests there")
    assert_error(run, "redirect", f"HTTP {status}", assistance_words=("credentials",))
    assert server.count == 1
    assert elsewhere.count == 0 and elsewhere.connections == 0


@cases
def redirect_with_credentials_in_location_does_not_echo_them(server, elsewhere):
    target = TARGETS["submit_event"]
    server.always(target.path, fs.redirect(f"http://user:hunter2secret@127.0.0.1:{elsewhere.port}/api/1/envelope/"))
    run = _run(target, server)
    record(TABLE, "submit_event: 302 to a URL with credentials", run, server.count)
    assert_error(run, "redirect")
    assert "hunter2secret" not in run.stdout + run.stderr
    assert elsewhere.count == 0 and elsewhere.connections == 0


# TLS --------------------------------------------------------------------------------------------------------


@cases
def self_signed_certificate_is_refused_by_default(tls_server):
    tls_server.always(ISSUES.path, ISSUES.ok())
    run = _run(ISSUES, tls_server)
    record(TABLE, "list_project_issues: self-signed HTTPS, Verify TLS default", run, tls_server.count)
    assert_error(run, "TLS", "certificate could not be verified", assistance_words=("Verify TLS",))
    assert tls_server.count == 0 and tls_server.handshake_failures >= 1


@cases
def self_signed_certificate_accepted_with_verify_tls_false(tls_server):
    tls_server.always(ISSUES.path, ISSUES.ok())
    run = _run(ISSUES, tls_server, verify_tls=False)
    record(TABLE, "list_project_issues: self-signed HTTPS, Verify TLS false", run, tls_server.count)
    assert_ok(run)
    assert "verification is off" in run.log
    assert tls_server.count == 1 and tls_server.requests[0].headers["authorization"].startswith("Bearer ")


@cases
def submit_event_to_self_signed_https(tls_server):
    body = {"dsn": dsn(tls_server.port, scheme="https"), "event_json": {"message": "tls"}, "endpoint": "envelope"}
    tls_server.always("/api/1/envelope/", fs.event_accepted())
    refused = run_plugin("submit_event", body, connection(tls_server.url))
    accepted = run_plugin("submit_event", body, connection(tls_server.url, verify_tls=False))
    record(TABLE, "submit_event: self-signed HTTPS DSN, Verify TLS default", refused, 0)
    record(TABLE, "submit_event: self-signed HTTPS DSN, Verify TLS false", accepted, tls_server.count)
    assert_error(refused, "TLS", "certificate")
    assert_ok(accepted)
    assert "verification is off" in accepted.log
    assert tls_server.count == 1


@cases
def connection_test_over_self_signed_https(tls_server):
    target = TARGETS["connection_test"]
    tls_server.always(target.path, target.ok())
    refused = run_plugin(target.action, target.make_input(0), connection(tls_server.url), "test")
    record(TABLE, "connection test: self-signed HTTPS, Verify TLS default", refused, tls_server.count)
    assert_error(refused, "TLS")
    assert tls_server.count == 0


played, test_case = cases.fixture(), cases.test()
