"""PluginExceptions a workflow author can act on, built from Sentry's answers.

Nothing here may carry a credential: every text that comes from outside passes through `redact`.
"""

import json
from typing import Iterable, Optional

from insightconnect_plugin_runtime.exceptions import PluginException

Preset = PluginException.Preset
MAX_DETAIL_CHARS = 500


def redact(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret and len(secret) >= 4:
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
    return content[:4096].decode("utf-8", errors="replace")


def http_error(
    status: int, what: str, detail: str, retry_after: Optional[float] = None, scope: str = "token"
) -> PluginException:
    """The PluginException for a failed HTTP answer. `what` names the request, e.g. 'GET /api/0/issues/1/events/'."""
    data = f"HTTP {status} from {what}" + (f": {detail}" if detail else "")
    if status == 401:
        if scope == "dsn":
            return PluginException(
                cause="Sentry refused the DSN's key (HTTP 401).",
                assistance="Verify the DSN: copy it again from the project's Client Keys (DSN) settings.",
                data=data,
            )
        return PluginException(preset=Preset.API_KEY, data=data)
    if status == 403:
        if scope == "dsn":
            return PluginException(
                cause="Sentry rejected the event for this DSN (HTTP 403): the key or project is unknown, disabled "
                "or not allowed to send events.",
                assistance="Verify the DSN's key and project ID in the project's Client Keys (DSN) settings.",
                data=data,
            )
        return PluginException(
            cause="The auth token is not allowed to do this (HTTP 403).",
            assistance="Give the token the scope the action needs (event:read to list, event:write to update) "
            "and membership of the organization, then try again.",
            data=data,
        )
    if status == 404:
        return PluginException(
            cause="Sentry has no such resource (HTTP 404).",
            assistance="Verify the organization, project and issue identifiers, and that the connection URL points at "
            "the Sentry host (and region) that holds them.",
            data=data,
        )
    if status == 429:
        return rate_limited(what, retry_after, data)
    if status == 413:
        return PluginException(
            cause="Sentry refused the request as too large (HTTP 413).",
            assistance="Send a smaller event (at most 1 MiB).",
            data=data,
        )
    if 400 <= status < 500:
        return PluginException(preset=Preset.BAD_REQUEST, data=data)
    if status in (502, 503, 504):
        return PluginException(preset=Preset.SERVICE_UNAVAILABLE, data=data)
    return PluginException(preset=Preset.SERVER_ERROR, data=data)


def rate_limited(what: str, retry_after: Optional[float], data: str = "") -> PluginException:
    when = f"after {int(retry_after + 0.999)} seconds" if retry_after is not None else "later"
    return PluginException(
        cause="Sentry is rate-limiting these requests (HTTP 429).",
        assistance=f"Try again {when}, or raise the connection's Max Retry Wait so that the step waits for it.",
        data=data or f"HTTP 429 from {what}",
    )
