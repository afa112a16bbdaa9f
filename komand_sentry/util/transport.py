"""One HTTP request to Sentry, with bounded time, bounded retries and no redirects.

Every request this plugin makes is idempotent (GET, PUT, and event POSTs that carry their own event_id),
so transient faults (5xx, dropped or reset connections, timeouts, truncated bodies) are retried with
backoff; a 429 waits for the time Sentry asks for. All waiting together stays within `max_retry_wait`
seconds, and each attempt within the connection and read timeouts, so a step always ends.
"""

import email.utils
import random
import time
from dataclasses import dataclass
from typing import Callable, Iterable, Optional
from urllib.parse import urlsplit

import requests
import urllib3
from insightconnect_plugin_runtime.exceptions import PluginException

from komand_sentry.util.errors import Preset, http_error, rate_limited, redact, sentry_detail

MAX_ATTEMPTS = 4  # first try + 3 retries of a transient fault
MAX_RATE_LIMIT_WAITS = 5
MAX_RESPONSE_BYTES = 32 * 1024 * 1024
DEFAULT_RATE_LIMIT_WAIT = 60.0  # what Sentry means by a 429 that names no time
READ_CHUNK = 256 * 1024


class TransientFault(Exception):
    """A fault worth another attempt; `error` is what the step reports if no attempt succeeds."""

    def __init__(self, error: PluginException, immediate: bool = False):
        super().__init__(str(error))
        self.error = error
        self.immediate = immediate


@dataclass
class Settings:
    timeout: float = 30.0
    max_retry_wait: float = 60.0
    verify_tls: bool = True


class Transport:
    def __init__(
        self,
        session: requests.Session,
        settings: Settings,
        logger,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.session = session
        self.settings = settings
        self.logger = logger
        self._sleep = sleep
        self._clock = clock

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
        what = f"{method} {urlsplit(url).path}"
        rate_limit_wait = rate_limit_wait or web_api_rate_limit_wait
        waited, attempt, rate_limit_waits = 0.0, 0, 0
        while True:
            attempt += 1
            try:
                response = self._send_once(method, url, what, secrets, **kwargs)
            except TransientFault as fault:
                if attempt >= MAX_ATTEMPTS:
                    raise fault.error
                wait = 0.0 if fault.immediate and attempt == 1 else backoff(attempt)
                if waited + wait > self.settings.max_retry_wait:
                    raise fault.error
                self.logger.info(f"{what}: {fault.error.cause} Retrying in {wait:.1f} s (attempt {attempt + 1}).")
                waited += self._wait(wait)
                continue
            if response.status_code == 429:
                wait = rate_limit_wait(response)
                if wait is None:
                    wait = DEFAULT_RATE_LIMIT_WAIT
                rate_limit_waits += 1
                if rate_limit_waits > MAX_RATE_LIMIT_WAITS or waited + wait > self.settings.max_retry_wait:
                    detail = sentry_detail(response, secrets)  # Sentry's words: which limit, how many requests
                    raise rate_limited(what, wait, f"HTTP 429 from {what}" + (f": {detail}" if detail else ""))
                self.logger.info(f"{what}: rate-limited by Sentry; waiting {wait:.1f} s as it asks.")
                waited += self._wait(wait)
                attempt = 0
                continue
            if response.status_code >= 500:
                error = http_error(response.status_code, what, sentry_detail(response, secrets))
                if attempt >= MAX_ATTEMPTS:
                    raise error
                wait = max(backoff(attempt), _retry_after(response) or 0.0)
                if waited + wait > self.settings.max_retry_wait:
                    raise error
                self.logger.info(f"{what}: HTTP {response.status_code}; retrying in {wait:.1f} s.")
                waited += self._wait(wait)
                continue
            return response

    def _wait(self, seconds: float) -> float:
        if seconds > 0:
            self._sleep(seconds)
        return seconds

    def _send_once(self, method, url, what, secrets, **kwargs) -> requests.Response:
        timeout = self.settings.timeout
        started = self._clock()
        try:
            response = self.session.request(
                method,
                url,
                timeout=(timeout, timeout),
                allow_redirects=False,
                stream=True,
                verify=self.settings.verify_tls,
                **kwargs,
            )
        except requests.exceptions.SSLError as error:
            raise PluginException(
                cause=f"The TLS connection for {what} failed: the server's certificate could not be verified.",
                assistance="Use a URL whose certificate is trusted, or turn off Verify TLS in the connection for a "
                "test instance with a self-signed certificate.",
                data=redact(_reason(error), secrets),
            )
        except requests.exceptions.Timeout:
            raise TransientFault(PluginException(preset=Preset.TIMEOUT, data=f"{what} took longer than {timeout} s"))
        except requests.exceptions.InvalidURL as error:
            raise PluginException(
                cause=f"The URL for {what} is not valid.",
                assistance="Verify the connection URL or the DSN.",
                data=redact(_reason(error), secrets),
            )
        except (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError) as error:
            raise TransientFault(
                PluginException(preset=Preset.CONNECTION_ERROR, data=f"{what}: {redact(_reason(error), secrets)}"),
                immediate=True,  # a kept-alive connection the server dropped: a fresh one usually works at once
            )
        if 300 <= response.status_code < 400:
            response.close()
            raise redirect_error(response, what)
        self._read_body(response, what, started)
        return response

    def _read_body(self, response: requests.Response, what: str, started: float):
        """Read the whole body within the size bound and a deadline, so a slow or endless body cannot hang a step."""
        deadline = started + 3 * self.settings.timeout
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > MAX_RESPONSE_BYTES:
            response.close()
            raise too_large(what)
        chunks, size = [], 0
        try:
            for chunk in _arriving(response):
                size += len(chunk)
                if size > MAX_RESPONSE_BYTES:
                    raise too_large(what)
                chunks.append(chunk)
                if self._clock() > deadline:
                    raise TransientFault(
                        PluginException(preset=Preset.TIMEOUT, data=f"{what}: the answer did not arrive in time")
                    )
        except (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError) as error:
            raise TransientFault(
                PluginException(
                    preset=Preset.CONNECTION_ERROR, data=f"{what}: the connection broke while reading the answer"
                )
            ) from error
        except requests.exceptions.Timeout:
            raise TransientFault(PluginException(preset=Preset.TIMEOUT, data=f"{what}: the answer stopped arriving"))
        except requests.exceptions.ContentDecodingError as error:
            raise PluginException(
                cause=f"Sentry's answer to {what} cannot be used: its compressed body could not be decoded.",
                assistance="Verify that the connection URL (or the DSN) points at a Sentry server, not a proxy that "
                "alters its answers, and try again.",
                data=_reason(error),
            )
        finally:
            response.close()
        response._content = b"".join(chunks)


def _arriving(response: requests.Response):
    """The decoded body in the pieces the socket delivers. `iter_content` blocks until a whole READ_CHUNK has
    arrived, so a body trickling in a byte at a time (never idle for a full read timeout) would never reach the
    deadline check; `read1` returns what has arrived. urllib3's errors become the ones `iter_content` raises,
    except that a read that times out stays a timeout."""
    if not isinstance(response.raw, urllib3.response.BaseHTTPResponse):  # a body made in memory (tests)
        yield from response.iter_content(READ_CHUNK)
        return
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
    """Seconds Sentry's Web API asks us to wait: Retry-After, else X-Sentry-Rate-Limit-Reset (epoch seconds)."""
    wait = _retry_after(response)
    if wait is not None:
        return wait
    reset = response.headers.get("X-Sentry-Rate-Limit-Reset", "").strip()
    try:
        return max(0.0, float(reset) - time.time())
    except ValueError:
        return None


def _retry_after(response: requests.Response) -> Optional[float]:
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def redirect_error(response: requests.Response, what: str) -> PluginException:
    target = urlsplit(response.headers.get("Location", ""))
    where = f"{target.scheme}://{target.netloc.rsplit('@', 1)[-1]}" if target.netloc else "another address"
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


def _reason(error: Exception) -> str:
    """The innermost reason of a requests error, without the URL (which may hold a DSN's keys)."""
    reason = error
    while reason.__cause__ is not None or reason.__context__ is not None:
        reason = reason.__cause__ or reason.__context__
    text = str(reason)
    return text[:300]
