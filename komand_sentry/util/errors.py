"""PluginExceptions a workflow author can act on, built from Sentry's answers.

Nothing here may carry a credential: every text that comes from outside passes through `redact`.
"""

import json
from typing import Iterable, Optional

from insightconnect_plugin_runtime.exceptions import PluginException

from komand_sentry.util.answers import parse_json

Preset = PluginException.Preset
MAX_DETAIL_CHARS = 500
MAX_BODY_READ = 64 * 1024  # enough for any JSON error of Sentry's; only the detail is shown


_KNOWN_SECRETS: set = set()  # every token and DSN key this process was given; never shown, whatever the connection


def remember_secret(*secrets: Optional[str]) -> None:
    """Make `redact` hide these values from now on (a token, a DSN's keys)."""
    _KNOWN_SECRETS.update(secret for secret in secrets if secret)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with every known secret (and `secrets`) replaced, longest first so that no part of one is left."""
    for secret in sorted(_KNOWN_SECRETS.union(secret for secret in secrets if secret), key=len, reverse=True):
        if secret:
            text = text.replace(secret, "********")
    return text


def input_error(input_name: str, problem: str, assistance: str) -> PluginException:
    return PluginException(cause=f"Invalid input '{input_name}': {problem}.", assistance=assistance)


def sentry_detail(response, secrets: Iterable[str] = ()) -> str:
    """Sentry's own words about a failed request: `detail`, `error`, field errors or the start of the body;
    redacted before it is cut, so that no part of a secret survives the cut."""
    text = _body_text(response)
    body = _json_or_none(text)
    if isinstance(body, str):  # Sentry 9 sometimes sends its JSON error as a JSON string
        body = _json_or_none(body) or body
    if isinstance(body, dict):
        detail = body.get("detail", body.get("error"))
        if detail is None:
            detail = body  # DRF field errors: {"status": ["..."]}
        text = detail if isinstance(detail, str) else json.dumps(detail, sort_keys=True)
    elif body is not None:
        text = body if isinstance(body, str) else json.dumps(body)
    header = response.headers.get("X-Sentry-Error")
    if header and header not in text:
        text = f"{header}. {text}" if text else header
    text = redact(" ".join(text.split()), secrets)
    return text if len(text) <= MAX_DETAIL_CHARS else text[:MAX_DETAIL_CHARS] + "..."


def _json_or_none(text: str):
    try:
        return parse_json(text.encode("utf-8"))
    except ValueError:
        return None


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


_TOKEN_ANSWERS = {
    401: (Preset.API_KEY, "Sentry refused the auth token (HTTP 401).", None),
    403: (
        Preset.UNAUTHORIZED,
        "The auth token is not allowed to do this (HTTP 403).",
        "Give the token the scope the action needs (event:read to list and read, event:write to update and "
        "comment) and membership of the organization, then try again.",
    ),
}
_DSN_ANSWERS = {
    401: (
        Preset.API_KEY,
        "Sentry refused the DSN's key (HTTP 401).",
        "Verify the DSN: copy it again from the project's Client Keys (DSN) settings.",
    ),
    403: (
        Preset.UNAUTHORIZED,
        "Sentry rejected the event for this DSN (HTTP 403): the key or project is unknown, disabled or not allowed "
        "to send events.",
        "Verify the DSN's key and project ID in the project's Client Keys (DSN) settings.",
    ),
}
_ANSWERS = {
    404: (
        Preset.NOT_FOUND,
        "Sentry has no such resource (HTTP 404).",
        "Verify the organization, project and issue identifiers, and that the connection URL points at the Sentry "
        "host (and region) that holds them.",
    ),
    413: (
        Preset.BAD_REQUEST,
        "Sentry refused the request as too large (HTTP 413).",
        "Send a smaller event (at most 1 MiB).",
    ),
}


def http_error(status: int, what: str, detail: str, scope: str = "token") -> PluginException:
    """The PluginException for a failed HTTP answer. `what` names the request, e.g. 'GET /api/0/issues/1/events/'."""
    data = f"HTTP {status} from {what}" + (f": {detail}" if detail else "")
    if status == 429:
        return rate_limited(what, None, data)
    known = (_DSN_ANSWERS if scope == "dsn" else _TOKEN_ANSWERS).get(status) or _ANSWERS.get(status)
    if known is None:
        known = _by_class(status)
    preset, cause, assistance = known
    return preset_error(preset, data, cause, assistance)


def _by_class(status: int):
    if 400 <= status < 500:
        return Preset.BAD_REQUEST, f"Sentry could not process the request (HTTP {status}).", None
    if status in (502, 503, 504):
        return Preset.SERVICE_UNAVAILABLE, f"Sentry is unavailable (HTTP {status}).", None
    return Preset.SERVER_ERROR, f"Sentry failed with a server error (HTTP {status}).", None


def rate_limited(what: str, retry_after: Optional[float], data: str = "") -> PluginException:
    when = f"after {int(retry_after + 0.999)} seconds" if retry_after is not None else "later"
    return preset_error(
        Preset.RATE_LIMIT,
        data or f"HTTP 429 from {what}",
        "Sentry is rate-limiting these requests (HTTP 429).",
        f"Try again {when}, or raise the connection's Max Retry Wait so that the step waits for it.",
    )
