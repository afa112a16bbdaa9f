"""One HTTP request to Sentry, with bounded time, bounded retries and no redirects: docs/design/transport.md."""

import contextlib
import functools
import io
import math
import random
import sys
import time
from contextvars import ContextVar
from typing import NamedTuple, Optional
from urllib.parse import urlsplit

import requests
import urllib3
from insightconnect_plugin_runtime.exceptions import PluginException

from komand_sentry.util import wire
from komand_sentry.util.errors import http_error, rate_limited, redact, sentry_detail
from komand_sentry.util.hosts import HostError, check_url
from komand_sentry.util.wire import REQUEST_TIMEOUTS, STEP_TIMEOUTS, TransientFault

MAX_ATTEMPTS = 4  # first try + 3 retries of a transient fault
MAX_RESPONSE_BYTES = 32 * 1024 * 1024
_RFC_RETRY_AFTER = urllib3.util.Retry(0)
_RFC_RETRY_AFTER.retry_after_max = math.inf  # urllib3 caps the wait at 6 h; the step decides what is too long
_STEP: ContextVar = ContextVar("komand_sentry_step", default=None)


class Settings(NamedTuple):
    timeout: float = 30.0
    max_retry_wait: float = 60.0
    verify_tls: bool = True


class StepBudget:
    def __init__(self, deadline: float, limit: float):  # deadline: on the Transport's clock; limit: in seconds
        self.deadline, self.limit, self.waited = deadline, limit, 0.0


def one_step(operation):
    """A client operation (of an object with a `transport`) is one step: its requests share one step budget."""

    @functools.wraps(operation)
    def run(self, *args, **kwargs):
        with self.transport.step():
            return operation(self, *args, **kwargs)

    return run


class Transport:
    def __init__(self, session: requests.Session, settings: Settings, logger, sleep=time.sleep, clock=time.monotonic):
        self.session, self.settings, self.logger, self._sleep, self._clock = session, settings, logger, sleep, clock
        for prefix in ("https://", "http://"):  # requests' own adapter, not one a test mounted
            if type(session.get_adapter(prefix)) is requests.adapters.HTTPAdapter:
                session.mount(prefix, wire.DeadlineAdapter())

    @contextlib.contextmanager
    def step(self):
        """Every request inside shares one step's time limit and waiting budget (an enclosing step's, if any)."""
        limit = STEP_TIMEOUTS * self.settings.timeout + self.settings.max_retry_wait
        budget = _STEP.get() or StepBudget(self._clock() + limit, limit)
        token = _STEP.set(budget)
        try:
            yield budget
        finally:
            _STEP.reset(token)

    def request(self, method: str, url: str, rate_limit_wait=None, **kwargs):
        """Sentry's definite answer (any status but 429/5xx), else a PluginException (secrets: errors.redact)."""
        try:
            what = f"{method} {check_url(url, allow_underscore=True).path}"  # a host every URL parser reads alike
        except HostError as problem:
            raise wire.failure(f"The URL for {method} is not valid: {problem}.", wire.CHECK_THE_URL)
        with self.step() as budget:
            attempts = rate_limit_waits = 0
            while True:
                attempts += 1
                try:
                    return self._attempt(method, url, what, rate_limit_wait, attempts, kwargs)
                except TransientFault as fault:
                    if fault.rate_limited:
                        attempts, rate_limit_waits = 0, rate_limit_waits + 1
                    if attempts >= MAX_ATTEMPTS or rate_limit_waits > 5:
                        raise fault.error from None
                    self._wait_or_fail(budget, fault, what, attempts + 1)

    def _attempt(self, method, url, what, rate_limit_wait, attempt: int, kwargs) -> requests.Response:
        try:
            response = self._send_once(method, url, what, **kwargs)
        except TransientFault as fault:
            fault.wait = 0.0 if fault.immediate and attempt == 1 else backoff(attempt)
            raise
        if response.status_code == 429:
            raise _rate_limit_fault(response, what, (rate_limit_wait or web_api_rate_limit_wait)(response))
        if response.status_code >= 500:
            error = http_error(response.status_code, what, sentry_detail(response))
            wait = max(backoff(attempt), retry_after(response) or 0.0)
            raise TransientFault(error, note=f"HTTP {response.status_code}; retrying in {{wait:.1f}} s", wait=wait)
        return response

    def _wait_or_fail(self, budget: StepBudget, fault: TransientFault, what: str, next_attempt: int) -> None:
        """Wait if the wait fits in what is left of Max Retry Wait and leaves the step a Timeout; else fail."""
        left = budget.deadline - self._clock() - fault.wait
        if budget.waited + fault.wait > self.settings.max_retry_wait or left < self.settings.timeout:
            raise fault.error from None
        note = fault.note.format(cause=fault.error.cause, wait=fault.wait)
        self.logger.info(f"{what}: {note} (attempt {next_attempt}).")
        if fault.wait > 0:
            self._sleep(fault.wait)
        budget.waited += fault.wait

    def _send_once(self, method, url, what, **kwargs) -> requests.Response:
        budget, timeout, started = _STEP.get(), self.settings.timeout, self._clock()
        whole = min(REQUEST_TIMEOUTS * timeout, budget.deadline - started)
        if whole <= 0:
            raise wire.timed_out(what, budget.limit, budget.limit)
        hooks = {"response": lambda answer, **_: _refuse_redirect(answer, what)}
        options = {"allow_redirects": False, "stream": True, "verify": self.settings.verify_tls, "hooks": hooks}
        response = None
        try:
            with wire.deadline(whole):
                response = self.session.request(method, url, timeout=(min(timeout, whole),) * 2, **options, **kwargs)
                self._read_body(response, what, started + whole)
        except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError) as error:
            elapsed = self._clock() - started
            if elapsed > whole - 0.05:  # the attempt's time is up (or as good as)
                step_limit = budget.limit if whole < REQUEST_TIMEOUTS * timeout else None  # the step cut the attempt
                raise TransientFault(wire.timed_out(what, elapsed, step_limit))
            raise wire.request_error(error, what, timeout, reading=response is not None)
        return response

    def _read_body(self, response: requests.Response, what: str, deadline: float) -> None:
        body = io.BytesIO()
        try:
            if (response.raw.length_remaining or 0) > MAX_RESPONSE_BYTES:  # the Content-Length urllib3 read
                raise too_large(what)
            for chunk in response.raw.stream(256 * 1024, decode_content=True):
                if body.tell() + len(chunk) > MAX_RESPONSE_BYTES:
                    raise too_large(what)
                body.write(chunk)
                if self._clock() > deadline:  # the socket keeps the deadline; this, a body made in memory
                    raise requests.exceptions.ReadTimeout("the request's deadline passed")
        finally:
            response.close()
        body.seek(0)
        response.raw = urllib3.response.HTTPResponse(body, status=response.status_code, preload_content=False)


def _rate_limit_fault(response: requests.Response, what: str, wait: Optional[float]) -> TransientFault:
    wait = 60.0 if wait is None else wait  # what Sentry means by a 429 that names no time
    detail = sentry_detail(response)  # Sentry's words: which limit, how many requests
    told = wait if wait <= 30 * 24 * 3600 else None  # a longer wait is told as "later", not in seconds
    error = rate_limited(what, told, f"HTTP 429 from {what}" + (f": {detail}" if detail else ""))
    note = "rate-limited by Sentry; waiting {wait:.1f} s as it asks"
    return TransientFault(error, note=note, wait=wait, rate_limited=True)


def backoff(attempt: int) -> float:
    return 0.5 * (2 ** (attempt - 1)) * (1 + random.random() * 0.1)  # nosec B311 - jitter: parallel steps drift apart


def web_api_rate_limit_wait(response: requests.Response) -> Optional[float]:
    """Seconds Sentry's Web API asks us to wait: Retry-After, else X-Sentry-Rate-Limit-Reset (epoch seconds)."""
    wait = retry_after(response)
    if wait is not None:
        return wait
    reset = header_seconds(response.headers.get("X-Sentry-Rate-Limit-Reset", ""))
    return None if reset is None else max(0.0, reset - time.time())


def retry_after(response: requests.Response) -> Optional[float]:
    """Retry-After as RFC 9110 has it (urllib3 reads it): inf past a float's range, None if absent or no RFC form."""
    value = response.headers.get("Retry-After", "").strip()
    try:
        seconds = _RFC_RETRY_AFTER.parse_retry_after(value) if value else None
    except (urllib3.exceptions.InvalidHeader, ValueError, OverflowError):  # ValueError: over 4,300 digits
        return None
    return None if seconds is None else math.inf if seconds > sys.float_info.max else float(seconds)


def header_seconds(text: str) -> Optional[float]:
    """A number of seconds from a header: inf for one too large to hold, None for no number (or nan)."""
    try:
        seconds = float(text.strip())
    except ValueError:
        return None
    return None if math.isnan(seconds) else seconds


def _refuse_redirect(response: requests.Response, what: str) -> requests.Response:
    """A hook, run before requests reads the Location: a redirect's error names only its scheme and host."""
    if not 300 <= response.status_code < 400:
        return response
    response.close()
    try:
        target = urlsplit(response.headers.get("Location", ""))
        where = f"{target.scheme}://{target.netloc.rsplit('@', 1)[-1]}" if target.netloc else "another address"
    except ValueError:
        where = "an address that is not a valid URL"
    raise wire.failure(
        f"Sentry answered {what} with a redirect (HTTP {response.status_code}) to {redact(where)[:200]}.",
        "The plugin does not follow redirects, so that credentials are never sent to another address. "
        "Set the connection URL (or the DSN) to the address Sentry really serves, for example with https.",
    )


def too_large(what: str) -> PluginException:
    cause = f"The answer to {what} is larger than {MAX_RESPONSE_BYTES // (1024 * 1024)} MiB."
    return wire.failure(cause, "Ask for smaller pages (a lower Limit) or summaries instead of full event bodies.")
