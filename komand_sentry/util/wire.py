"""The socket under the Transport: a whole-request deadline and bounded answer headers, and what a failed send
means (a fault to retry, or the error to report).

requests' timeout is per socket operation, so a server that sends a byte every half second never trips it. Here
every connect, send and read is given only the time left before the request's deadline (the socket's timeout
shrinks as it runs out), and a read past it raises RequestDeadlineExceeded. That holds in any thread (http mode's
workers too), needs no signal and no watchdog, and leaves requests and urllib3 doing everything else.

The Transport passes the deadline as `RequestTimeout(connect, read, whole)`; DeadlineAdapter (mounted on the
Transport's session) turns `whole` into a deadline for the connections of that one request.
"""

import http.client
import io
import socket
import threading
import time
import types
from dataclasses import dataclass
from typing import Iterable, Optional

import requests
import urllib3
from insightconnect_plugin_runtime.exceptions import PluginException

from komand_sentry.util.errors import Preset, preset_error, redact

REQUEST_TIMEOUTS = 3  # one attempt may take 3 x Timeout in all
STEP_TIMEOUTS = 20  # a step may take 20 x Timeout + Max Retry Wait in all
MAX_HEADER_LINES = 100  # the status line and header lines of an answer, 1xx answers before it included
MAX_HEADER_BYTES = 64 * 1024
_WIRE = threading.local()  # .deadline: time.monotonic() by which this thread's request must be done
_CUT = 0.05  # a socket timeout this close to the deadline is the deadline
_HEADERS_TOO_LONG = f"its status line and headers are longer than {MAX_HEADER_LINES} lines or {MAX_HEADER_BYTES} bytes"


class TransientFault(Exception):
    """A fault worth another attempt; `error` is what the step reports if no attempt succeeds, `note` what the
    retry log says ('{cause}' and '{wait}' filled in)."""

    def __init__(self, error: PluginException, immediate: bool = False, note: Optional[str] = None):
        super().__init__(str(error))
        self.error, self.immediate, self.note = error, immediate, note


class RequestDeadlineExceeded(socket.timeout):
    """The request's deadline passed while the socket waited."""


class AnswerHeadersTooLarge(http.client.HTTPException):
    """An answer's status line and headers went past MAX_HEADER_LINES or MAX_HEADER_BYTES."""


class IdleConnectionClosed(http.client.RemoteDisconnected):
    """The server had closed a kept-alive connection: the request was never answered on it."""


class RequestTimeout(tuple):
    """(connect, read) as requests takes a timeout, and `whole`: the seconds the entire request may take."""

    def __new__(cls, connect: float, read: float, whole: float):
        timeout = super().__new__(cls, (connect, read))
        timeout.whole = whole
        return timeout


def _left(deadline: Optional[float], wanted: Optional[float]) -> Optional[float]:
    """`wanted` seconds, or fewer when the deadline is nearer; RequestDeadlineExceeded once it has passed."""
    if deadline is None:
        return wanted
    left = deadline - time.monotonic()
    if left <= 0:
        raise RequestDeadlineExceeded("the request's deadline passed")
    return left if wanted is None else min(wanted, left)


class _DeadlineReader(io.RawIOBase):
    """The socket's bytes (through the file object http.client would use), each read given the time left."""

    def __init__(self, sock, deadline: Optional[float]):
        super().__init__()
        self._sock, self._deadline, self._idle = sock, deadline, sock.gettimeout()
        self._raw = sock.makefile("rb", buffering=0)

    def readable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._raw.fileno()

    def readinto(self, buffer) -> int:
        self._sock.settimeout(_left(self._deadline, self._idle))
        try:
            return self._raw.readinto(buffer)
        except socket.timeout:
            if self._deadline is not None and self._deadline - time.monotonic() < _CUT:
                raise RequestDeadlineExceeded("the request's deadline passed") from None
            raise

    def close(self) -> None:
        self._raw.close()
        super().close()


class _HeaderBudget:
    """The answer's file while its status line and headers are read, counting what http.client reads."""

    def __init__(self, file):
        self._file, self._lines, self._bytes = file, 0, 0

    def readline(self, limit: int = -1) -> bytes:
        line = self._file.readline(limit)
        self._lines, self._bytes = self._lines + 1, self._bytes + len(line)
        if self._lines > MAX_HEADER_LINES or self._bytes > MAX_HEADER_BYTES:
            raise AnswerHeadersTooLarge(f"more than {MAX_HEADER_LINES} lines or {MAX_HEADER_BYTES} bytes")
        return line

    def __getattr__(self, name):
        return getattr(self._file, name)


class _DeadlineResponse(http.client.HTTPResponse):
    def __init__(self, sock, debuglevel=0, method=None, url=None):
        file = io.BufferedReader(_DeadlineReader(sock, getattr(_WIRE, "deadline", None)))
        super().__init__(types.SimpleNamespace(makefile=lambda _mode: file), debuglevel, method, url)

    def begin(self):
        file = self.fp
        self.fp = _HeaderBudget(file)
        try:
            super().begin()
        finally:
            if isinstance(self.fp, _HeaderBudget):
                self.fp = file


class _DeadlineConnection:
    """urllib3's connection with connect and every send held to the request's deadline, its answers read
    through _DeadlineResponse, and a reused connection that the server had closed told apart."""

    response_class = _DeadlineResponse
    _answers = 0  # answers read on this socket

    def _new_conn(self):
        self.timeout = _left(getattr(_WIRE, "deadline", None), self.timeout)
        sock = super()._new_conn()
        sock.settimeout(_left(getattr(_WIRE, "deadline", None), self.timeout))  # the TLS handshake: what is left
        self._answers = 0
        return sock

    def send(self, data):
        if self.sock is None:
            self.connect()
        self.sock.settimeout(_left(getattr(_WIRE, "deadline", None), self.timeout))
        super().send(data)

    def getresponse(self):
        try:
            response = super().getresponse()
        except (ConnectionResetError, BrokenPipeError) as error:  # RemoteDisconnected is a ConnectionResetError
            if self._answers and not isinstance(error, IdleConnectionClosed):
                raise IdleConnectionClosed(str(error)) from error
            raise
        self._answers += 1
        return response


class _HTTPConnection(_DeadlineConnection, urllib3.connection.HTTPConnection):
    pass


class _HTTPSConnection(_DeadlineConnection, urllib3.connection.HTTPSConnection):
    pass


class _HTTPPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


_POOLS = {"http": _HTTPPool, "https": _HTTPSPool}


class DeadlineAdapter(requests.adapters.HTTPAdapter):
    """requests' adapter whose connections keep the deadline of a RequestTimeout (a plain timeout: none)."""

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOLS

    def proxy_manager_for(self, proxy, **kwargs):
        manager = super().proxy_manager_for(proxy, **kwargs)
        if type(manager) is urllib3.ProxyManager:  # a SOCKS manager has pools of its own
            manager.pool_classes_by_scheme = _POOLS
        return manager

    def send(self, request, stream=False, timeout=None, **kwargs):
        previous, whole = getattr(_WIRE, "deadline", None), getattr(timeout, "whole", None)
        _WIRE.deadline = None if whole is None else time.monotonic() + whole
        try:
            return super().send(request, stream=stream, timeout=timeout, **kwargs)
        finally:
            _WIRE.deadline = previous


# What a failed request means ----------------------------------------------------------------------------------


@dataclass
class Timing:
    elapsed: float  # seconds the attempt ran
    timeout: float  # the connection's Timeout
    step_limit: Optional[float]  # the step's time limit, when it (not the request's own deadline) cut the attempt


def request_error(error: Exception, what: str, secrets: Iterable[str], timing: Timing, reading: bool = False):
    """The TransientFault to retry, or the PluginException to report, for a send (or a body read) that failed."""
    if caused_by(error, RequestDeadlineExceeded):
        return TransientFault(timed_out(what, timing.elapsed, timing.step_limit))
    if caused_by(error, (AnswerHeadersTooLarge, http.client.LineTooLong)):
        return unusable(what, _HEADERS_TOO_LONG, error, secrets)
    if isinstance(error, requests.exceptions.SSLError) and not reading:
        return PluginException(
            cause=f"The TLS connection for {what} failed: the server's certificate could not be verified.",
            assistance="Use a URL whose certificate is trusted, or turn off Verify TLS in the connection for a "
            "test instance with a self-signed certificate.",
            data=redact(reason(error), secrets),
        )
    if isinstance(error, requests.exceptions.Timeout):
        data = f"{what}: the answer stopped arriving" if reading else f"{what} took longer than {timing.timeout:g} s"
        return TransientFault(PluginException(preset=Preset.TIMEOUT, data=data))
    if isinstance(error, requests.exceptions.ContentDecodingError):
        return unusable(what, "its compressed body could not be decoded", error, secrets)
    if isinstance(error, (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError)):
        return _connection_fault(error, what, secrets, reading)
    return PluginException(
        cause=f"The URL for {what} is not valid, or no request could be made from it.",
        assistance="Verify the connection URL or the DSN.",
        data=redact(reason(error), secrets),
    )


def _connection_fault(error: Exception, what: str, secrets: Iterable[str], reading: bool) -> TransientFault:
    said = redact(reason(error), secrets)
    if reading:
        data = f"{what}: the connection broke while reading the answer ({said})"
        return TransientFault(PluginException(preset=Preset.CONNECTION_ERROR, data=data))
    failed, note = PluginException(preset=Preset.CONNECTION_ERROR, data=f"{what}: {said}"), None
    if caused_by(error, http.client.RemoteDisconnected):
        failed.cause = "Failed to connect to the server: it closed the connection without answering."
        note = "Sentry closed the connection without answering. Retrying in {wait:.1f} s"
    if caused_by(error, IdleConnectionClosed):
        note = "Sentry had closed the idle kept-alive connection; sending again on a new one"
    return TransientFault(failed, True, note)


def timed_out(what: str, elapsed: float, step_limit: Optional[float]) -> PluginException:
    cause = f"{what} timed out: its answer had not arrived whole after {elapsed:.1f} s, the most one request may take."
    if step_limit is not None:
        cause = f"{what} timed out: the step used up its time limit of {step_limit:.0f} s."
    return preset_error(
        Preset.TIMEOUT,
        f"{what}: the answer did not arrive in time (cut off after {elapsed:.1f} s)",
        cause,
        "Verify that the connection URL (or the DSN) points at a Sentry server that answers promptly, or raise the "
        f"connection's Timeout for a slow one (a request may take {REQUEST_TIMEOUTS} x Timeout, a step "
        f"{STEP_TIMEOUTS} x Timeout + Max Retry Wait).",
    )


def unusable(what: str, problem: str, error: Exception, secrets: Iterable[str]) -> PluginException:
    return PluginException(
        cause=f"Sentry's answer to {what} cannot be used: {problem}.",
        assistance="Verify that the connection URL (or the DSN) points at a Sentry server, not a proxy that "
        "alters its answers, and try again.",
        data=redact(reason(error), secrets),
    )


def caused_by(error: BaseException, kinds) -> bool:
    """Whether an exception of `kinds` is in the chain of `error` (requests and urllib3 also wrap them in args)."""
    pending, seen = [error], set()
    while pending:
        current = pending.pop()
        if isinstance(current, kinds):
            return True
        seen.add(id(current))
        linked = (current.__cause__, current.__context__, *current.args)
        pending.extend(e for e in linked if isinstance(e, BaseException) and id(e) not in seen)
    return False


def reason(error: Exception) -> str:
    """The innermost reason of a requests error, without the URL (which may hold a DSN's keys)."""
    while error.__cause__ is not None or error.__context__ is not None:
        error = error.__cause__ or error.__context__
    return str(error)[:300]
