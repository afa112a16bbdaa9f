"""PluginExceptions a workflow author can act on, built from Sentry's answers.

Nothing here may carry a credential: every text that comes from outside passes through `redact`.
"""

import json
from typing import Iterable, Optional

from insightconnect_plugin_runtime.exceptions import PluginException

Preset = PluginException.Preset
MAX_DETAIL_CHARS = 500
MAX_BODY_READ = 64 * 1024  # enough for any JSON error of Sentry's; only the detail is shown


_KNOWN_SECRETS: set = set()  # every token and DSN key this process was given; never shown, whatever the connection


def remember_secret(*secrets: Optional[str]) -> None:
    """Make `redact` hide these values from now on (a token, a DSN's keys)."""
    _KNOWN_SECRETS.update(secret for secret in secrets if secret)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with every known secret (and `secrets`) replaced, longest first so that no part of one is left."""
    for secret in sorted(_KNOWN_SECRETS.union(secrets), key=len, reverse=True):
        if secret:
            text = text.replace(secret, "********")
    return text


def input_error(input_name: str, problem: str, assistance: str) -> PluginException:
    return PluginException(cause=f"Invalid input '{input_name}': {problem}.", assistance=assistance)


def sentry_detail(response, secrets: Iterable[str] = ()) -> str:
    """Sentry's own words about a failed request: `detail`, `error`, field errors or the start of the body."""
    text = _body_text(response)
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    if isinstance(body, dict):
        detail = body.get("detail", body.get("error"))
        if detail is None:
            detail = body  # DRF field errors: {"status": ["..."]}
        text = detail if isinstance(detail, str) else json.dumps(detail, sort_keys=True)
    elif body is not None:
        text = json.dumps(body)
    header = response.headers.get("X-Sentry-Error")
    if header and header not in text:
        text = f"{header}. {text}" if text else header
    text = " ".join(text.split())
    if len(text) > MAX_DETAIL_CHARS:
        text = text[:MAX_DETAIL_CHARS] + "..."
    return redact(text, secrets)


def _body_text(response) -> str:
    try:
        content = response.content or b""
    except Exception:  # a body that cannot be read says nothing more than the status
        return ""
    return content[:MAX_BODY_READ].decode("utf-8", errors="replace")


def preset_error(preset: str, data: str, cause: Optional[str] = None, assistance: Optional[str] = None):
    """A PluginException of the runtime's preset (so callers can tell kinds apart), worded for this plugin."""
    error = PluginException(preset=preset, data=data)
    error.cause = cause or error.cause
    error.assistance = assistance or error.assistance
    return error


def http_error(status: int, what: str, detail: str, scope: str = "token") -> PluginException:
    """The PluginException for a failed HTTP answer. `what` names the request, e.g. 'GET /api/0/issues/1/events/'."""
    data = f"HTTP {status} from {what}" + (f": {detail}" if detail else "")
    if status == 401:
        if scope == "dsn":
            return preset_error(
                Preset.API_KEY,
                data,
                "Sentry refused the DSN's key (HTTP 401).",
                "Verify the DSN: copy it again from the project's Client Keys (DSN) settings.",
            )
        return preset_error(Preset.API_KEY, data, "Sentry refused the auth token (HTTP 401).")
    if status == 403:
        if scope == "dsn":
            return preset_error(
                Preset.UNAUTHORIZED,
                data,
                "Sentry rejected the event for this DSN (HTTP 403): the key or project is unknown, disabled "
                "or not allowed to send events.",
                "Verify the DSN's key and project ID in the project's Client Keys (DSN) settings.",
            )
        return preset_error(
            Preset.UNAUTHORIZED,
            data,
            "The auth token is not allowed to do this (HTTP 403).",
            "Give the token the scope the action needs (event:read to list, event:write to update) "
            "and membership of the organization, then try again.",
        )
    if status == 404:
        return preset_error(
            Preset.NOT_FOUND,
            data,
            "Sentry has no such resource (HTTP 404).",
            "Verify the organization, project and issue identifiers, and that the connection URL points at "
            "the Sentry host (and region) that holds them.",
        )
    if status == 429:
        return rate_limited(what, None, data)
    if status == 413:
        return preset_error(
            Preset.BAD_REQUEST,
            data,
            "Sentry refused the request as too large (HTTP 413).",
            "Send a smaller event (at most 1 MiB).",
        )
    if 400 <= status < 500:
        return preset_error(Preset.BAD_REQUEST, data, f"Sentry could not process the request (HTTP {status}).")
    if status in (502, 503, 504):
        return preset_error(Preset.SERVICE_UNAVAILABLE, data, f"Sentry is unavailable (HTTP {status}).")
    return preset_error(Preset.SERVER_ERROR, data, f"Sentry failed with a server error (HTTP {status}).")


def rate_limited(what: str, retry_after: Optional[float], data: str = "") -> PluginException:
    when = f"after {int(retry_after + 0.999)} seconds" if retry_after is not None else "later"
    return preset_error(
        Preset.RATE_LIMIT,
        data or f"HTTP 429 from {what}",
        "Sentry is rate-limiting these requests (HTTP 429).",
        f"Try again {when}, or raise the connection's Max Retry Wait so that the step waits for it.",
    )
