"""The common faults of an HTTP service, against the steps (four actions and the connection test): every
fault against every step, except a few variants played against the steps they differ on.

Each row scripts the fault on the one path the step uses, runs the step through `bin/komand_sentry`, and
asserts the status, rc, cause and assistance, and the EXACT number of requests the server received.

Retry arithmetic (komand_sentry/util/transport.py): at most 4 attempts; backoff 0.5 s, 1 s, 2 s (+<10 %
jitter) between them, the first retry after a dropped connection immediate; all waiting within Max Retry
Wait. So with Max Retry Wait 2 s a persistent 5xx gets 3 attempts (0.5 + 1 <= 2 < 0.5 + 1 + 2) and a
connection closed every time gets 3 (0 + 1 <= 2 < 0 + 1 + 2).
"""

from dataclasses import dataclass, field
from typing import Callable, Dict, Optional, Tuple

import pytest

from fault_test import server as fs
from fault_test.batch import play_selected
from fault_test.targets import TARGETS, Target, event_ids
from fault_test.util import CANARY_TOKEN, TIMEOUT, active_time, assert_error, assert_ok, connection, record, run_plugin

SLACK = 2.0  # seconds for the plugin to print its reply and exit once its step has ended


@dataclass
class Fault:
    name: str
    behaviours: Callable[[Target], list]  # queued on the step's path
    requests: int
    ok: bool = False
    always: Optional[Callable[[Target], fs.Behaviour]] = None  # once the queue is used up
    cause: Tuple[str, ...] = ()
    assistance: Tuple[str, ...] = ()
    by_scope: Dict[str, Tuple[Tuple[str, ...], Tuple[str, ...]]] = field(default_factory=dict)  # dsn: (cause, help)
    conn: dict = field(default_factory=dict)
    within: Optional[float] = None  # most seconds from the first request to the plugin's exit
    redirect: bool = False
    targets: Tuple[str, ...] = tuple(TARGETS)  # the steps it is played against


HTML = "<!DOCTYPE html><html><head><title>Sign in</title></head><body>" + "<p>Sign in.</p>" * 40 + "</body></html>"

FAULTS = [
    Fault("503_503_then_ok", lambda t: [fs.sentry_error(503), fs.sentry_error(503), t.ok()], 3, ok=True),
    Fault(
        "persistent_500",
        lambda t: [],
        3,
        always=lambda t: fs.sentry_error(500, "Internal Error"),
        cause=("server error", "HTTP 500"),
        conn={"max_retry_wait": 2},
    ),
    Fault(
        "html_502_persistent",
        lambda t: [],
        3,
        always=lambda t: fs.reply(502, HTML, content_type="text/html"),
        cause=("unavailable", "HTTP 502"),
        assistance=("try again",),
        conn={"max_retry_wait": 2},
        targets=("list_project_issues", "submit_event"),
    ),
    Fault(
        "404_never_retried",
        lambda t: [fs.sentry_error(404, "The requested resource does not exist")],
        1,
        cause=("no such resource", "HTTP 404"),
        assistance=("verify",),
        by_scope={"dsn": (("envelope endpoint", "HTTP 404"), ("Endpoint to auto",))},
    ),
    Fault(
        "401_never_retried",
        lambda t: [fs.sentry_error(401, "Invalid token")],
        1,
        cause=("refused the auth token", "HTTP 401"),
        by_scope={"dsn": (("refused the DSN's key", "HTTP 401"), ("DSN",))},
    ),
    Fault(
        "400_never_retried",
        lambda t: [fs.json_reply({"status": ["Invalid value"]}, 400)],
        1,
        cause=("could not process", "HTTP 400"),
        targets=("update_issue", "submit_event"),
    ),
    Fault(
        "429_retry_after_1_then_ok",
        lambda t: [fs.rate_limited({"Retry-After": "1"}), t.ok()],
        2,
        ok=True,
    ),
    Fault(
        "429_retry_after_30_over_max_wait",
        lambda t: [fs.rate_limited({"Retry-After": "30"}), t.ok()],
        1,
        cause=("rate-limiting", "HTTP 429"),
        assistance=("after 30 seconds", "Max Retry Wait"),
    ),
    Fault("reset_mid_body_then_ok", lambda t: [fs.reset_mid_body(), t.ok()], 2, ok=True),
    Fault(
        "content_length_short_then_ok",
        lambda t: [fs.short_body(), t.ok()],
        2,
        ok=True,
        targets=("list_issue_events", "submit_event"),
    ),
    Fault("closed_before_answer_then_ok", lambda t: [fs.close(), t.ok()], 2, ok=True),
    Fault(
        "closed_before_answer_persistent",
        lambda t: [],
        3,
        always=lambda t: fs.close(),
        cause=("failed to connect",),
        conn={"max_retry_wait": 2},
        targets=("list_project_issues", "submit_event"),
    ),
    Fault(
        "html_200_login_page",
        lambda t: [fs.reply(200, HTML, content_type="text/html")],
        1,
        cause=("cannot be used", "not JSON"),
        assistance=("not a proxy or login page",),
        by_scope={"dsn": (("did not confirm an event ID",), ("DSN", "proxy"))},
    ),
    Fault(
        "valid_length_cut_json",
        lambda t: [fs.reply(200, '{"id": "42", "status": "resol', content_type="application/json")],
        1,
        cause=("cannot be used", "not JSON"),
        by_scope={"dsn": (("did not confirm an event ID",), ("DSN", "proxy"))},
        targets=("list_issue_events", "update_issue", "submit_event"),
    ),
    Fault(
        "no_answer_within_timeout",
        lambda t: [fs.hang()],
        1,
        cause=("timed out",),
        conn={"max_retry_wait": 0},
        within=TIMEOUT + SLACK,
    ),
    Fault(
        "redirect_302_to_other_port",
        lambda t: [],  # scripted in the test: it needs the other server's address
        1,
        cause=("redirect", "HTTP 302"),
        assistance=("does not follow redirects",),
        redirect=True,
    ),
]


@dataclass
class Observed:
    run: object
    received: list  # requests to the step's path
    total: int  # requests to any path
    elsewhere_requests: int
    elsewhere_connections: int
    elsewhere_port: int
    active: Optional[float]  # seconds from the first request to the plugin's exit


def play(target: Target, fault: Fault) -> Observed:
    server, elsewhere = fs.FaultServer(), fs.FaultServer()
    try:
        if fault.redirect:
            server.script(target.path, fs.redirect(f"{elsewhere.url}{target.path}"))
        server.script(target.path, *fault.behaviours(target))
        if fault.always:
            server.always(target.path, fault.always(target))
        conn = connection(server.url, **fault.conn)
        run = run_plugin(target.action, target.make_input(server.port), conn, target.command)
        received = server.requests_to(target.path)
        record("faults", f"{target.name} / {fault.name}", run, len(received))
        active = active_time(run, server) if server.requests else None
        return Observed(run, received, server.count, elsewhere.count, elsewhere.connections, elsewhere.port, active)
    finally:
        server.stop()
        elsewhere.stop()


@pytest.fixture(scope="module")
def matrix(request):
    return play_selected(request, "test_fault", play)


CASES = [(TARGETS[name], fault) for fault in FAULTS for name in fault.targets]


@pytest.mark.parametrize("target,fault", CASES, ids=[f"{t.name}-{f.name}" for t, f in CASES])
def test_fault(matrix, request, target: Target, fault: Fault):
    seen = matrix[request.node.callspec.id].get()
    run, received = seen.run, seen.received

    assert seen.total == len(received) == fault.requests, (
        f"expected {fault.requests} requests, the server got {len(received)} to {target.path} "
        f"and {seen.total} in all; " + run.describe()
    )
    assert all(r.method == target.method for r in received)
    if fault.ok:
        assert_ok(run)
        assert target.check_output(run.output), run.output
    else:
        cause, assistance = fault.by_scope.get(target.scope, (fault.cause, fault.assistance))
        assert_error(run, *cause, assistance_words=assistance)
    if fault.within is not None:
        assert seen.active < fault.within, f"the step took {seen.active:.1f} s after its first request"
    if fault.redirect:
        assert seen.elsewhere_requests == 0 and seen.elsewhere_connections == 0, "the redirect was followed"
        assert f"127.0.0.1:{seen.elsewhere_port}" in run.cause  # says where Sentry tried to send it
    if target.scope == "token":
        assert all(r.headers.get("authorization") == f"Bearer {CANARY_TOKEN}" for r in received)
    if target.scope == "dsn" and received:
        # every attempt carried the same event: same event_id, same bytes (no duplicate can be made)
        assert len(set(event_ids(received))) == 1, event_ids(received)
        assert len({r.body for r in received}) == 1
        if fault.ok:
            assert run.output["id"] == event_ids(received)[0]
