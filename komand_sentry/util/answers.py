"""Sentry's JSON answers, strict JSON only: no NaN or Infinity, and nesting too deep to decode is an error."""

import json
from typing import Optional, Union

from insightconnect_plugin_runtime.exceptions import PluginException

_NOT_SENTRY = (
    "Verify that the connection URL or DSN points at a Sentry server (not a proxy or login page) and try again."
)
NOT_JSON = object()  # what json_or gives for a body that is not JSON, when asked


def json_or(content: Optional[Union[bytes, str]], default=None):
    """The decoded body, or `default` for anything that is not strict JSON (nested too deeply included)."""
    try:
        return json.loads(content or b"", parse_constant=int)  # int('NaN'), int('Infinity'): ValueError
    except (ValueError, RecursionError):
        return default


def unusable_answer(what: str, problem: str, data: Optional[str] = None) -> PluginException:
    cause = f"Sentry's answer to {what} cannot be used: {problem}."
    return PluginException(cause=cause, assistance=_NOT_SENTRY, data=data)
