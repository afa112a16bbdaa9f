"""One HTTP request to Sentry, with bounded time, bounded retries and no redirects.

Every request this plugin makes is idempotent (GET, PUT, and event POSTs that carry their own event_id), so
transient faults (5xx, dropped or reset connections, timeouts, truncated bodies) are retried with backoff; a 429
waits for the time Sentry asks for. With T the connection's Timeout and W its Max Retry Wait:

- one attempt (connecting, sending, the status line, the headers and the body together) ends within
  REQUEST_TIMEOUTS x T, and a server silent for T ends it at once. The deadline is kept on the socket itself
  (komand_sentry/util/wire.py gives every read and write only the time left), so a server that trickles bytes
  cannot stretch it, in run mode and in http mode's worker threads alike (no signals, no watchdog);
- a step (every request inside `Transport.step()`: attempts, retry waits and pages) waits at most W in all and
  ends within STEP_TIMEOUTS x T + W; a request outside `step()` is a step of its own. A retry is made only when
  its wait fits in what is left of W and leaves at least T of the step's time;
- at most MAX_ATTEMPTS attempts after transient faults and MAX_RATE_LIMIT_WAITS waits for 429s per request;
- an answer's status line and headers: at most wire.MAX_HEADER_LINES lines and wire.MAX_HEADER_BYTES bytes; its
  body at most MAX_RESPONSE_BYTES.
"""

import contextlib
import functools
import io
import math
import random
import time
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Callable, Iterable, Optional
from urllib.parse import urlsplit

import requests
import urllib3
from insightconnect_plugin_runtime.exceptions import PluginException

from komand_sentry.util import wire
from komand_sentry.util.errors import http_error, rate_limited, redact, sentry_detail
from komand_sentry.util.hosts import HostError, check_url
from komand_sentry.util.wire import REQUEST_TIMEOUTS, STEP_TIMEOUTS, TransientFault

MAX_ATTEMPTS = 4  # first try + 3 retries of a transient fault
MAX_RATE_LIMIT_WAITS = 5
MAX_RESPONSE_BYTES = 32 * 1024 * 1024
DEFAULT_RATE_LIMIT_WAIT = 60.0  # what Sentry means by a 429 that names no time
MAX_TOLD_WAIT = 30 * 24 * 3600.0  # a longer wait is told as "later", not as a number of seconds
READ_CHUNK = 256 * 1024
_RFC_RETRY_AFTER = urllib3.util.Retry(0)
_RFC_RETRY_AFTER.retry_after_max = math.inf  # urllib3 caps the wait at 6 h; the step decides what is too long
_STEP: ContextVar = ContextVar("komand_sentry_step", default=None)


@dataclass
class Settings:
    timeout: float = 30.0
    max_retry_wait: float = 60.0
    verify_tls: bool = True


@dataclass
class StepBudget:
    deadline: float  # on the Transport's clock
    limit: float  # seconds the whole step may take
    waited: float = 0.0


@dataclass
class _Retry:
    error: PluginException  # what the step reports if it may not retry
    wait: float
    note: str  # what the retry log says
    for_rate_limit: bool = False


def one_step(operation):
    """A client operation (of an object with a `transport`) is one step: its requests share one step budget."""

    @functools.wraps(operation)
    def run(self, *args, **kwargs):
        with self.transport.step():
            return operation(self, *args, **kwargs)

    return run


class Transport:
    def __init__(
        self,
        session: requests.Session,
        settings: Settings,
        logger,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.session, self.settings, self.logger = session, settings, logger
        self._sleep, self._clock = sleep, clock
        for prefix in ("https://", "http://"):  # requests' own adapter, not one a test mounted
            if type(session.get_adapter(prefix)) is requests.adapters.HTTPAdapter:
                session.mount(prefix, wire.DeadlineAdapter())

    @contextlib.contextmanager
    def step(self):
        """Every request inside shares one step's time limit and waiting budget (an enclosing step's, if any)."""
        if _STEP.get() is not None:
            yield _STEP.get()
            return
        limit = STEP_TIMEOUTS * self.settings.timeout + self.settings.max_retry_wait
        token = _STEP.set(StepBudget(self._clock() + limit, limit))
        try:
            yield _STEP.get()
        finally:
            _STEP.reset(token)

    def request(
        self,
        method: str,
        url: str,
        secrets: Iterable[str] = (),
        rate_limit_wait: Callable[[requests.Response], Optional[float]] = None,
        **kwargs,
    ) -> requests.Response:
        """Send until Sentry gives a definite answer; return it (any status but 429/5xx) or raise PluginException."""
        secrets = tuple(secrets)
        what = f"{method} {self._destination(method, url)}"
        with self.step() as budget:
            attempts = rate_limit_waits = 0
            while True:
                attempts += 1
                outcome = self._attempt(method, url, what, secrets, rate_limit_wait, attempts, kwargs)
                if isinstance(outcome, requests.Response):
                    return outcome
                if outcome.for_rate_limit:
                    attempts, rate_limit_waits = 0, rate_limit_waits + 1
                if attempts >= MAX_ATTEMPTS or rate_limit_waits > MAX_RATE_LIMIT_WAITS:
                    raise outcome.error
                self._wait_or_fail(budget, outcome, what, attempts + 1)

    def _destination(self, method: str, url: str) -> str:
        """The URL's path, once its host is one that every URL parser on the way reads alike."""
        try:
            return check_url(url, allow_underscore=True).path
        except HostError as problem:
            raise PluginException(
                cause=f"The URL for {method} is not valid: {problem}.",
                assistance="Verify the connection URL or the DSN.",
            )

    def _attempt(self, method, url, what, secrets, rate_limit_wait, attempt: int, kwargs):
        """One attempt: the answer to return, or the _Retry that says what to wait and what to report."""
        try:
            response = self._send_once(method, url, what, secrets, **kwargs)
        except TransientFault as fault:
            wait = 0.0 if fault.immediate and attempt == 1 else backoff(attempt)
            note = (fault.note or "{cause} Retrying in {wait:.1f} s").format(cause=fault.error.cause, wait=wait)
            return _Retry(fault.error, wait, note)
        if response.status_code == 429:
            wait = (rate_limit_wait or web_api_rate_limit_wait)(response)
            wait = DEFAULT_RATE_LIMIT_WAIT if wait is None else wait
            detail = sentry_detail(response, secrets)  # Sentry's words: which limit, how many requests
            told = wait if wait <= MAX_TOLD_WAIT else None
            error = rate_limited(what, told, f"HTTP 429 from {what}" + (f": {detail}" if detail else ""))
            return _Retry(error, wait, f"rate-limited by Sentry; waiting {wait:.1f} s as it asks", True)
        if response.status_code >= 500:
            wait = max(backoff(attempt), retry_after(response) or 0.0)
            error = http_error(response.status_code, what, sentry_detail(response, secrets))
            return _Retry(error, wait, f"HTTP {response.status_code}; retrying in {wait:.1f} s")
        return response

    def _wait_or_fail(self, budget: StepBudget, retry: _Retry, what: str, next_attempt: int) -> None:
        """Wait for the next attempt when the wait fits in what is left of Max Retry Wait and leaves at least one
        Timeout of the step's time; otherwise the step ends with the fault's error."""
        left = budget.deadline - self._clock() - retry.wait
        if budget.waited + retry.wait > self.settings.max_retry_wait or left < self.settings.timeout:
            raise retry.error
        self.logger.info(f"{what}: {retry.note} (attempt {next_attempt}).")
        if retry.wait > 0:
            self._sleep(retry.wait)
        budget.waited += retry.wait

    def _send_once(self, method, url, what, secrets, **kwargs) -> requests.Response:
        budget, timeout = _STEP.get(), self.settings.timeout
        started = self._clock()
        whole = min(REQUEST_TIMEOUTS * timeout, budget.deadline - started)
        if whole <= 0:
            raise wire.timed_out(what, budget.limit, budget.limit)
        try:
            response = self.session.request(
                method,
                url,
                timeout=wire.RequestTimeout(min(timeout, whole), min(timeout, whole), whole),
                allow_redirects=False,
                stream=True,
                verify=self.settings.verify_tls,
                hooks={"response": lambda answer, **_: _refuse_redirect(answer, what, secrets)},
                **kwargs,
            )
        except requests.exceptions.RequestException as error:
            raise wire.request_error(error, what, secrets, self._timing(started, whole, budget))
        self._read_body(response, what, secrets, started, whole)
        return response

    def _timing(self, started: float, whole: float, budget: StepBudget) -> wire.Timing:
        cut_by_step = whole < REQUEST_TIMEOUTS * self.settings.timeout
        return wire.Timing(self._clock() - started, self.settings.timeout, budget.limit if cut_by_step else None)

    def _read_body(self, response: requests.Response, what: str, secrets: tuple, started: float, whole: float):
        """Read the whole body within the size bound and the attempt's deadline, then serve it from memory."""
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > MAX_RESPONSE_BYTES:
            response.close()
            raise too_large(what)
        body = io.BytesIO()
        try:
            for chunk in _arriving(response):
                if body.tell() + len(chunk) > MAX_RESPONSE_BYTES:
                    raise too_large(what)
                body.write(chunk)
                if self._clock() > started + whole:  # the socket keeps the deadline; this, a body made in memory
                    raise requests.exceptions.ReadTimeout(wire.RequestDeadlineExceeded())
        except requests.exceptions.RequestException as error:
            raise wire.request_error(error, what, secrets, self._timing(started, whole, _STEP.get()), reading=True)
        finally:
            response.close()
        body.seek(0)
        response.raw = urllib3.response.HTTPResponse(body, status=response.status_code, preload_content=False)


def _arriving(response: requests.Response):
    """The decoded body in the pieces the socket delivers: `read1` returns what has arrived, where `iter_content`
    would wait for a whole READ_CHUNK. urllib3's errors become requests' own, as `iter_content` raises them."""
    try:
        while True:
            chunk = response.raw.read1(READ_CHUNK, decode_content=True)
            if not chunk:
                return
            yield chunk
    except urllib3.exceptions.ProtocolError as error:
        raise requests.exceptions.ChunkedEncodingError(error)
    except urllib3.exceptions.DecodeError as error:
        raise requests.exceptions.ContentDecodingError(error)
    except urllib3.exceptions.ReadTimeoutError as error:
        raise requests.exceptions.ReadTimeout(error)
    except urllib3.exceptions.SSLError as error:
        raise requests.exceptions.SSLError(error)


def backoff(attempt: int) -> float:
    """0.5 s, 1 s, 2 s ... with a little jitter so that parallel steps do not retry in step."""
    return 0.5 * (2 ** (attempt - 1)) * (1 + random.random() * 0.1)  # nosec B311 - jitter, not security


def web_api_rate_limit_wait(response: requests.Response) -> Optional[float]:
    """Seconds Sentry's Web API asks us to wait: Retry-After, else X-Sentry-Rate-Limit-Reset (epoch seconds).
    An endless wait (inf) is a wait too long; a value that is no number (nan, words) is no wait named."""
    wait = retry_after(response)
    if wait is not None:
        return wait
    reset = header_seconds(response.headers.get("X-Sentry-Rate-Limit-Reset", ""))
    return None if reset is None else max(0.0, reset - time.time())


def retry_after(response: requests.Response) -> Optional[float]:
    """Retry-After as RFC 9110 defines it (whole seconds or an HTTP date), read by urllib3; None if absent or
    unreadable (fractions, 'inf' and other forms the RFC does not have)."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        seconds = _RFC_RETRY_AFTER.parse_retry_after(value)
    except (urllib3.exceptions.InvalidHeader, ValueError, OverflowError):  # ValueError: over 4,300 digits
        return None
    try:
        return float(seconds)
    except OverflowError:  # more whole seconds than a float holds: a wait without end
        return math.inf


def header_seconds(text: str) -> Optional[float]:
    """A number of seconds from a header: inf for one too large to hold, None for no number (or nan)."""
    try:
        seconds = float(text.strip())
    except ValueError:
        return None
    return None if math.isnan(seconds) else seconds


def _refuse_redirect(response: requests.Response, what: str, secrets: tuple) -> requests.Response:
    """A response hook: it runs before requests reads the Location (even unfollowed, which fails on a bad URL)."""
    if 300 <= response.status_code < 400:
        response.close()
        raise redirect_error(response, what, secrets)
    return response


def redirect_error(response: requests.Response, what: str, secrets: Iterable[str] = ()) -> PluginException:
    """Where Sentry redirects to: its scheme and host only, any credential in them hidden."""
    try:
        target = urlsplit(response.headers.get("Location", ""))
        where = f"{target.scheme}://{target.netloc.rsplit('@', 1)[-1]}" if target.netloc else "another address"
    except ValueError:
        where = "an address that is not a valid URL"
    where = redact(where[:200], secrets)
    return PluginException(
        cause=f"Sentry answered {what} with a redirect (HTTP {response.status_code}) to {where}.",
        assistance="The plugin does not follow redirects, so that credentials are never sent to another address. "
        "Set the connection URL (or the DSN) to the address Sentry really serves, for example with https.",
    )


def too_large(what: str) -> PluginException:
    return PluginException(
        cause=f"The answer to {what} is larger than {MAX_RESPONSE_BYTES // (1024 * 1024)} MiB.",
        assistance="Ask for smaller pages (a lower Limit) or summaries instead of full event bodies.",
    )
