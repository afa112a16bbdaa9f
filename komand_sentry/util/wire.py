"""Under the Transport: a whole-request deadline, bounded answer headers, what a failure means (docs/design/)."""

import contextlib
import http.client
import io
import math
import socket
import threading
import time
import types
from typing import Optional

import requests
import urllib3
from insightconnect_plugin_runtime.exceptions import PluginException

from komand_sentry.util.answers import unusable_answer
from komand_sentry.util.errors import Preset, preset_error, redact

REQUEST_TIMEOUTS = 3  # one attempt may take 3 x Timeout in all
STEP_TIMEOUTS = 20  # a step may take 20 x Timeout + Max Retry Wait in all
MAX_HEADER_LINES = 100  # the status line and header lines of an answer, 1xx answers before it included
MAX_HEADER_BYTES = 64 * 1024
_RETRY_NOTE = "{cause} Retrying in {wait:.1f} s"
_HEADERS_TOO_LONG = f"its status line and headers are longer than {MAX_HEADER_LINES} lines or {MAX_HEADER_BYTES} bytes"
CHECK_THE_URL = "Verify the connection URL or the DSN."
_PROMPT_SERVER_OR_LONGER_TIMEOUT = (
    "Verify that the connection URL (or the DSN) points at a Sentry server that answers promptly, or set a longer "
    f"Timeout in the connection for a slow one (a request may take {REQUEST_TIMEOUTS} x Timeout, a step "
    f"{STEP_TIMEOUTS} x Timeout + Max Retry Wait)."
)
_BROKEN = (requests.exceptions.ConnectionError, urllib3.exceptions.ProtocolError, urllib3.exceptions.SSLError)


_WIRE = threading.local()  # .deadline: time.monotonic() by which this thread's request must be done


@contextlib.contextmanager
def deadline(seconds: float):
    """The connections of DeadlineAdapter's pools, used inside, must be done with the request within `seconds`."""
    _WIRE.deadline = time.monotonic() + seconds
    try:
        yield
    finally:
        _WIRE.deadline = math.inf


class TransientFault(Exception):
    """A fault worth another attempt: `error` is reported if none succeeds, `note` logged ({cause}, {wait})."""

    def __init__(self, error: PluginException, immediate=False, note=_RETRY_NOTE, wait=0.0, rate_limited=False):
        self.error, self.immediate, self.note, self.wait, self.rate_limited = error, immediate, note, wait, rate_limited


class AnswerHeadersTooLarge(http.client.HTTPException):
    """An answer's status line and headers went past MAX_HEADER_LINES or MAX_HEADER_BYTES."""


class IdleConnectionClosed(http.client.RemoteDisconnected):
    """The server had closed a kept-alive connection: the request was never answered on it."""


def _left(wanted: float) -> float:
    """`wanted` seconds, or fewer when the request's deadline is nearer; a socket timeout once it has passed."""
    left = getattr(_WIRE, "deadline", math.inf) - time.monotonic()
    if left <= 0:
        raise socket.timeout("the request's deadline passed")
    return min(wanted, left)


class _DeadlineReader(io.RawIOBase):
    """The socket's bytes (through the file object http.client would use), each read given the time left."""

    def __init__(self, sock):
        super().__init__()
        self._sock, self._idle, self._raw = sock, sock.gettimeout(), sock.makefile("rb", buffering=0)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        self._sock.settimeout(_left(self._idle))
        return self._raw.readinto(buffer)

    def close(self) -> None:
        self._raw.close()
        super().close()


class _AnswerFile(io.BufferedReader):
    """The answer's bytes, buffered; while `heading`, its status line and header lines are counted."""

    heading, lines, size = True, 0, 0

    def readline(self, limit: int = -1) -> bytes:
        line = super().readline(limit)
        if self.heading:
            self.lines, self.size = self.lines + 1, self.size + len(line)
            if self.lines > MAX_HEADER_LINES or self.size > MAX_HEADER_BYTES:
                raise AnswerHeadersTooLarge(_HEADERS_TOO_LONG)
        return line


class _DeadlineResponse(http.client.HTTPResponse):
    def __init__(self, sock, debuglevel=0, method=None, url=None):
        self._file = _AnswerFile(_DeadlineReader(sock))
        super().__init__(types.SimpleNamespace(makefile=lambda _mode: self._file), debuglevel, method, url)

    def begin(self):
        super().begin()
        self._file.heading = False  # the body's chunk-size lines are no header lines


class _DeadlineConnection:
    """urllib3's connection, held to the request's deadline; a kept-alive one that the server closed told apart."""

    response_class = _DeadlineResponse
    _answers = 0  # answers read on this socket

    def _new_conn(self):
        sock = super()._new_conn()
        sock.settimeout(_left(self.timeout))  # the TLS handshake: what is left
        self._answers = 0
        return sock

    def send(self, data):
        if self.sock is None:
            self.connect()
        self.sock.settimeout(_left(self.timeout))
        super().send(data)

    def getresponse(self):
        try:
            response = super().getresponse()
        except (ConnectionResetError, BrokenPipeError) as error:  # RemoteDisconnected is a ConnectionResetError
            if self._answers:
                raise IdleConnectionClosed(str(error)) from error
            raise
        self._answers += 1
        return response


def _deadline_pool(pool_class):
    connection = type(pool_class.ConnectionCls.__name__, (_DeadlineConnection, pool_class.ConnectionCls), {})
    return type(pool_class.__name__, (pool_class,), {"ConnectionCls": connection})


_POOLS = {scheme: _deadline_pool(pool) for scheme, pool in urllib3.poolmanager.pool_classes_by_scheme.items()}


class DeadlineAdapter(requests.adapters.HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOLS

    def proxy_manager_for(self, proxy, **kwargs):
        manager = super().proxy_manager_for(proxy, **kwargs)
        if type(manager) is urllib3.ProxyManager:  # a SOCKS manager has pools of its own
            manager.pool_classes_by_scheme = _POOLS
        return manager


# What a failed request means ----------------------------------------------------------------------------------


def request_error(error: Exception, what: str, timeout: float, reading: bool):
    """The TransientFault to retry, or the PluginException to report, for a failure before the attempt's deadline."""
    if caused_by(error, (AnswerHeadersTooLarge, http.client.LineTooLong)):
        return unusable_answer(what, _HEADERS_TOO_LONG, reason(error))
    if isinstance(error, requests.exceptions.SSLError) and not reading:
        return failure(
            f"The TLS connection for {what} failed: the server's certificate could not be verified.",
            "Use a URL whose certificate is trusted, or turn off Verify TLS in the connection for a test instance "
            "with a self-signed certificate.",
            error,
        )
    if caused_by(error, (requests.exceptions.Timeout, urllib3.exceptions.ReadTimeoutError)):
        data = f"{what}: the answer stopped arriving" if reading else f"{what} took longer than {timeout:g} s"
        return TransientFault(PluginException(preset=Preset.TIMEOUT, data=data))
    if isinstance(error, (requests.exceptions.ContentDecodingError, urllib3.exceptions.DecodeError)):
        return unusable_answer(what, "its compressed body could not be decoded", reason(error))
    if isinstance(error, _BROKEN):
        return _connection_fault(error, what, reading)
    cause = f"The URL for {what} is not valid, or no request could be made from it."
    return failure(cause, CHECK_THE_URL, error)


def _connection_fault(error: Exception, what: str, reading: bool) -> TransientFault:
    if reading:
        data = f"{what}: the connection broke while reading the answer ({reason(error)})"
        return TransientFault(PluginException(preset=Preset.CONNECTION_ERROR, data=data))
    fault = TransientFault(PluginException(preset=Preset.CONNECTION_ERROR, data=f"{what}: {reason(error)}"), True)
    if caused_by(error, http.client.RemoteDisconnected):
        fault.error.cause = "Failed to connect to the server: it closed the connection without answering."
        fault.note = "Sentry closed the connection without answering. Retrying in {wait:.1f} s"
    if caused_by(error, IdleConnectionClosed):
        fault.note = "Sentry had closed the idle kept-alive connection; sending again on a new one"
    return fault


def timed_out(what: str, elapsed: float, step_limit: Optional[float]) -> PluginException:
    cause = f"{what} timed out: its answer had not arrived whole after {elapsed:.1f} s, the most one request may take."
    if step_limit is not None:
        cause = f"{what} timed out: the step used up its time limit of {step_limit:.0f} s."
    data = f"{what}: the answer did not arrive in time (cut off after {elapsed:.1f} s)"
    return preset_error(Preset.TIMEOUT, data, cause, _PROMPT_SERVER_OR_LONGER_TIMEOUT)


def failure(cause: str, assistance: str, error: Optional[Exception] = None) -> PluginException:
    return PluginException(cause=cause, assistance=assistance, data=reason(error) if error else None)


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
    """The innermost reason of a requests error, without the URL (which may hold a DSN's keys), redacted."""
    while error.__cause__ is not None or error.__context__ is not None:
        error = error.__cause__ or error.__context__
    return redact(str(error))[:300]
