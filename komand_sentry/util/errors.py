"""PluginExceptions a workflow author can act on, with every secret redacted."""

import json
from typing import Optional

from insightconnect_plugin_runtime.exceptions import PluginException

from komand_sentry.util.answers import json_or

Preset = PluginException.Preset
MAX_DETAIL_CHARS = 500
_KNOWN_SECRETS: set = set()  # every token and DSN key this process was given; never shown, whatever the connection


def remember_secret(*secrets: Optional[str]) -> None:
    _KNOWN_SECRETS.update(filter(None, secrets))


def redact(text: str) -> str:
    """`text` with every known secret hidden, longest first so that no part of one is left."""
    for secret in sorted(_KNOWN_SECRETS, key=len, reverse=True):
        text = text.replace(secret, "********")
    return text


def shown(text: str, most: int) -> str:
    """A server-made value as an error may quote it: every known secret hidden before the cut, so none shows."""
    text = redact(text)
    return text if len(text) <= most else text[:most] + "..."


def input_error(input_name: str, problem: str, assistance: str) -> PluginException:
    return PluginException(cause=f"Invalid input '{input_name}': {problem}.", assistance=assistance)


def preset_error(preset: str, data: str, cause: Optional[str] = None, assistance: Optional[str] = None):
    """A PluginException of the runtime's preset (so callers can tell kinds apart), worded for this plugin."""
    error = PluginException(preset=preset, data=data)
    error.cause, error.assistance = cause or error.cause, assistance or error.assistance
    return error


def sentry_detail(response) -> str:
    """Sentry's own words about a failed request, redacted before it is cut so that no part of a secret survives."""
    text = _said(response)
    header = response.headers.get("X-Sentry-Error")
    if header and header not in text:
        text = f"{header}. {text}" if text else header
    return shown(" ".join(text.split()), MAX_DETAIL_CHARS)


def _said(response) -> str:
    """`detail`, `error`, DRF field errors ({"status": ["..."]}) or the body itself, as text."""
    try:
        text = (response.content or b"")[: 64 * 1024].decode("utf-8", errors="replace")  # any JSON error of Sentry's
    except Exception:  # a body that cannot be read says nothing more than the status
        return ""
    body = json_or(text)
    if isinstance(body, str):  # Sentry 9 sometimes sends its JSON error as a JSON string
        body = json_or(body) or body
    if isinstance(body, dict):
        detail = body.get("detail", body.get("error"))
        return detail if isinstance(detail, str) else json.dumps(body if detail is None else detail, sort_keys=True)
    return text if body is None else body if isinstance(body, str) else json.dumps(body)


_TOKEN_SCOPES = "Give the token event:read (to read) or event:write (to change) and organization membership."
_CHECK_IDENTIFIERS = "Verify the organization, project and issue, and that the connection URL is their Sentry host."
_COPY_DSN = "Verify the DSN: copy it again from the project's Client Keys (DSN) settings."
_SMALLER_EVENT = "Send a smaller event (at most 1 MiB)."
_RATE_LIMITED = "Sentry is rate-limiting these requests (HTTP 429)."
_UNAVAILABLE = (Preset.SERVICE_UNAVAILABLE, "Sentry is unavailable (HTTP {status}).", None)
_ANSWERS = {  # (scope, status) -> (preset, cause, assistance); scope None: whatever the credential
    ("token", 401): (Preset.API_KEY, "Sentry refused the auth token (HTTP 401).", None),
    ("token", 403): (Preset.UNAUTHORIZED, "The auth token is not allowed to do this (HTTP 403).", _TOKEN_SCOPES),
    ("dsn", 401): (Preset.API_KEY, "Sentry refused the DSN's key (HTTP 401).", _COPY_DSN),
    ("dsn", 403): (
        Preset.UNAUTHORIZED,
        "Sentry rejected the event for this DSN (HTTP 403): its key or project is unknown, disabled or not allowed.",
        "Verify the DSN's key and project ID in the project's Client Keys (DSN) settings.",
    ),
    (None, 404): (Preset.NOT_FOUND, "Sentry has no such resource (HTTP 404).", _CHECK_IDENTIFIERS),
    (None, 413): (Preset.BAD_REQUEST, "Sentry refused the request as too large (HTTP 413).", _SMALLER_EVENT),
    (None, 4): (Preset.BAD_REQUEST, "Sentry could not process the request (HTTP {status}).", None),
    (None, 5): (Preset.SERVER_ERROR, "Sentry failed with a server error (HTTP {status}).", None),
    **dict.fromkeys([(None, 502), (None, 503), (None, 504)], _UNAVAILABLE),
}


def http_error(status: int, what: str, detail: str, scope: str = "token") -> PluginException:
    """The PluginException for a failed HTTP answer. `what` names the request, e.g. 'GET /api/0/issues/1/events/'."""
    data = f"HTTP {status} from {what}" + (f": {detail}" if detail else "")
    if status == 429:
        return rate_limited(what, None, data)
    found = _ANSWERS.get((scope, status)) or _ANSWERS.get((None, status))
    preset, cause, assistance = found or _ANSWERS[None, 4 if 400 <= status < 500 else 5]
    return preset_error(preset, data, cause.format(status=status), assistance)


def rate_limited(what: str, retry_after: Optional[float], data: str = "") -> PluginException:
    """The rate-limit PluginException; its `retry_after` is the wait Sentry asked for, in seconds (None: unknown)."""
    when = f"after {int(retry_after + 0.999)} seconds" if retry_after is not None else "later"
    assistance = f"Try again {when}, or set a higher Max Retry Wait in the connection so that the step waits for it."
    error = preset_error(Preset.RATE_LIMIT, data or f"HTTP 429 from {what}", _RATE_LIMITED, assistance)
    error.retry_after = retry_after
    return error
