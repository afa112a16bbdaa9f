"""Whole-request deadlines: a server that trickles its status line, its headers or its body (never silent for a whole
Timeout, never done), or that sends header lines without end, cannot hold a step, on the Web API and on ingestion,
in run mode and in http mode.

The bounds are the transport's (komand_sentry/util/transport.py): one attempt ends within REQUEST_TIMEOUTS x
Timeout (connect, status line, headers and body together); a request within MAX_ATTEMPTS attempts and Max Retry
Wait of waiting; a step within STEP_TIMEOUTS x Timeout + Max Retry Wait. Each case is held to the tightest bound
that applies, on the step's own time (from its first request to its exit, + SLACK to print the reply), and the
plugin process is killed at that bound + STARTUP, so that a step that would hang fails fast instead.
"""

import json
import os
import re
import signal
import socket
import subprocess  # nosec B404 - runs the plugin under test
import time

import requests

from fault_test import server as fs
from fault_test.batch import Cases
from fault_test.targets import TARGETS
from fault_test.util import (
    CANARY_MARKS,
    PLUGIN,
    PYTHON,
    ROOT,
    active_time,
    assert_error,
    assert_ok,
    connection,
    message,
    record,
    run_plugin,
)
from komand_sentry.util.transport import MAX_ATTEMPTS, REQUEST_TIMEOUTS, STEP_TIMEOUTS

TABLE = "whole-request deadlines"
SLACK = 3.0  # to print the reply and exit, on a loaded 2-CPU machine running four plugin processes at once
STARTUP = 15.0
TRICKLE = 0.5  # seconds between bytes: never idle for the 1 s Timeout
EVENTS, SUBMIT = TARGETS["list_issue_events"], TARGETS["submit_event"]
cases = Cases()


# Hostile answers ----------------------------------------------------------------------------------------------


def _trickle(ex: fs.Exchange, start: bytes, then: bytes) -> bool:
    """`start` at once, then `then` one byte per TRICKLE seconds, over and over, until the client goes."""
    try:
        ex.send(start)
        position = 0
        while ex.sleep(TRICKLE):
            ex.send(then[position : position + 1])
            position = (position + 1) % len(then)
    except OSError:
        pass
    return False


def trickled_status_line(ex: fs.Exchange) -> bool:
    return _trickle(ex, b"", b"HTTP/1.1 200 OK OK OK OK OK OK OK OK OK OK OK OK OK OK OK OK OK OK OK OK")


def trickled_headers(ex: fs.Exchange) -> bool:
    return _trickle(ex, b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n", b"X-Slow: and-slower\r\n")


def endless_headers(ex: fs.Exchange) -> bool:
    """Header lines as fast as the client takes them, without end."""
    try:
        ex.send(b"HTTP/1.1 200 OK\r\n")
        number = 0
        while not ex.server.stopping.is_set():
            number += 1
            ex.send(b"X-Filler-%d: %s\r\n" % (number, b"f" * 40))
    except OSError:
        pass
    return False


def trickled_body(ex: fs.Exchange) -> bool:
    return _trickle(ex, b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n[", b" ")


HOSTILE = [
    ("trickled_status_line", trickled_status_line),
    ("trickled_headers", trickled_headers),
    ("trickled_body", trickled_body),
]


def _bound(timeout: float, max_retry_wait: float, attempts: int) -> float:
    """The most the step may take after its first request: `attempts` whole attempts and every wait."""
    per_request = attempts * REQUEST_TIMEOUTS * timeout + max_retry_wait
    return min(per_request, STEP_TIMEOUTS * timeout + max_retry_wait) + SLACK


def _run(target, server, bound: float, **conn):
    return run_plugin(
        target.action, target.make_input(server.port), connection(server.url, **conn), limit=bound + STARTUP
    )


# One attempt (Max Retry Wait 0) -------------------------------------------------------------------------------


@cases(target_and_fault=[(f"{t.name}-{name}", t, b) for t in (EVENTS, SUBMIT) for name, b in HOSTILE])
def trickle_is_cut_at_the_request_deadline(server, target_and_fault):
    case, target, behaviour = target_and_fault
    server.always(target.path, behaviour)
    bound = _bound(1, 0, attempts=1)
    run = _run(target, server, bound, timeout=1, max_retry_wait=0)
    active = active_time(run, server)
    record(TABLE, f"{case} (timeout 1, Max Retry Wait 0)", run, server.count, f"{active:.1f} s, bound {bound} s")
    assert_error(run, "timed out", "the most one request may take")
    cut_after = float(re.search(r"cut off after ([0-9.]+) s", run.data).group(1))  # the step's own figure
    assert REQUEST_TIMEOUTS * 1 <= cut_after < REQUEST_TIMEOUTS * 1 + 0.2, run.data
    assert target.path in run.cause
    assert server.count == 1
    assert REQUEST_TIMEOUTS * 1 - 0.2 < active < bound, f"{active:.1f} s"


@cases(target=[EVENTS, SUBMIT])
def endless_headers_are_refused_at_once(server, target):
    server.always(target.path, endless_headers)
    bound = _bound(1, 5, attempts=1)
    run = _run(target, server, bound, timeout=1, max_retry_wait=5)
    active = active_time(run, server)
    record(TABLE, f"{target.name}: endless header lines", run, server.count, f"{active:.1f} s")
    assert_error(
        run, "cannot be used", "status line and headers are longer than 100 lines", assistance_words=("proxy",)
    )
    assert "connect" not in run.cause.lower()
    assert server.count == 1  # not a transient fault: never retried
    assert active < 1 + SLACK


# Retries within the step's bound ------------------------------------------------------------------------------


@cases(target=[EVENTS, SUBMIT])
def trickled_status_line_retried_within_the_bound(server, target):
    """Timeout 1, Max Retry Wait 5: every attempt cut at 3 s, retried after 0.5, 1 and 2 s (3.5 <= 5), 4 attempts."""
    server.always(target.path, trickled_status_line)
    bound = _bound(1, 5, attempts=MAX_ATTEMPTS)
    run = _run(target, server, bound, timeout=1, max_retry_wait=5)
    active = active_time(run, server)
    record(
        TABLE,
        f"{target.name}: trickled status line (timeout 1, Max Retry Wait 5)",
        run,
        server.count,
        f"{active:.1f} s, bound {bound} s",
    )
    assert_error(run, "timed out")
    assert server.count == MAX_ATTEMPTS
    assert active < bound, f"{active:.1f} s"
    assert run.log.count("Retrying in") == MAX_ATTEMPTS - 1


def steady_answer(ex: fs.Exchange) -> bool:
    """A whole answer sent in eight parts over about 2 s (under 3 x Timeout 1, never idle for 1 s)."""
    body = json.dumps([{"id": "1", "eventID": "fc6d8c0c43fc4630ad850ee518f1b9d0", "groupID": "42"}]).encode()
    answer = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
    part = len(answer) // 8 + 1
    for start in range(0, len(answer), part):
        ex.send(answer[start : start + part])
        ex.sleep(0.25)
    return False


# http mode ----------------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _HttpMode:
    """`bin/komand_sentry http` with one worker and one thread, so that a step holding it would hold them all."""

    def __init__(self, workdir):
        self.port, self.workdir = _free_port(), workdir
        config = {"bind": f"127.0.0.1:{self.port}", "workers": 1, "threads": 1, "worker_class": "sync"}
        (workdir / "gunicorn.json").write_text(json.dumps(config))
        env = dict(os.environ, PYTHONPATH=str(ROOT), GUNICORN_CONFIG_FILE="gunicorn.json")
        self.log = open(workdir / "http.log", "wb")
        self.process = subprocess.Popen(  # nosec B603 - fixed command line
            [str(PYTHON), str(PLUGIN), "http", "--port", str(self.port)],
            cwd=workdir,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                if requests.get(f"http://127.0.0.1:{self.port}/api/v1/status", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                time.sleep(0.2)
        raise AssertionError(f"http mode did not start: {(workdir / 'http.log').read_text()[-2000:]}")

    def run(self, target, server, timeout: float):
        body = message(target.action, target.make_input(server.port), connection(server.url, max_retry_wait=0))
        url = f"http://127.0.0.1:{self.port}/api/v1/actions/{target.action}"
        return requests.post(url, data=json.dumps(body), timeout=timeout)

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)  # the session this test started, by its id
            self.process.wait(timeout=10)
        self.log.close()


def test_http_mode_trickle_ends_and_frees_the_worker(tmp_path):
    server, http = fs.FaultServer(), _HttpMode(tmp_path)
    try:
        for target in (EVENTS, SUBMIT):
            server.always(target.path, trickled_headers)
            started = time.monotonic()
            reply = http.run(target, server, timeout=_bound(1, 0, 1) + STARTUP)
            took = time.monotonic() - started
            body = reply.json()["body"]
            assert body["status"] == "error", reply.text
            assert "timed out" in body["exception"]["cause"] and "cut off after 3." in body["exception"]["data"]
            assert took < _bound(1, 0, 1), f"{target.name} took {took:.1f} s in http mode"
        server.always(EVENTS.path, steady_answer)  # the one worker thread is free for the next step, and an
        reply = http.run(EVENTS, server, timeout=10)  # answer that keeps within the deadline is a good one
        assert reply.json()["body"]["status"] == "ok", reply.text
        assert [event["groupId"] for event in reply.json()["body"]["output"]["events"]] == ["42"]
    finally:
        http.stop()
        server.stop()
    everything = (reply.text + (tmp_path / "http.log").read_text(errors="replace")).lower()
    assert not any(mark in everything for mark in CANARY_MARKS), "a canary secret in http mode's output"


played, test_case = cases.fixture(), cases.test()
