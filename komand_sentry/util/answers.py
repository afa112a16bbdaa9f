"""Sentry's JSON answers, strict JSON only: no NaN or Infinity, and nesting too deep to decode is an error."""

import json
from typing import Optional, Union

from insightconnect_plugin_runtime.exceptions import PluginException

NOT_JSON = object()  # what json_or gives for a body that is not JSON, when asked


def json_or(content: Optional[Union[bytes, str]], default=None):
    """The decoded body, or `default` for anything that is not strict JSON (nested too deeply included)."""
    try:
        return json.loads(content or b"", parse_constant=int)  # int('NaN'), int('Infinity'): ValueError
    except (ValueError, RecursionError):
        return default


def decode_answer(content: Optional[bytes], what: str):
    body = json_or(content, NOT_JSON)
    if body is NOT_JSON:
        raise unusable_answer(what, "it is not JSON")
    return body


def unusable_answer(what: str, problem: str, data: Optional[str] = None) -> PluginException:
    return PluginException(
        cause=f"Sentry's answer to {what} cannot be used: {problem}.",
        assistance="Verify that the connection URL or DSN points at a Sentry server (not a proxy or login page) and "
        "try again.",
        data=data,
    )
