"""Sentry's JSON answers decoded without surprises: strict JSON only (no NaN or Infinity, which are not JSON and
would make the step's own output invalid), and nesting too deep to decode is an error, not a crash."""

import json
from typing import Optional

from insightconnect_plugin_runtime.exceptions import PluginException


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def parse_json(content: Optional[bytes]):
    """The decoded body; raises ValueError for anything that is not strict JSON (RecursionError included)."""
    try:
        return json.loads(content or b"", parse_constant=_refuse_constant)
    except RecursionError:
        raise ValueError("the JSON is nested too deeply")


def decode_answer(content: Optional[bytes], what: str):
    """The decoded body of a successful answer, or a PluginException naming the request."""
    try:
        return parse_json(content)
    except ValueError:
        raise unusable_answer(what, "it is not JSON")


def unusable_answer(what: str, problem: str) -> PluginException:
    return PluginException(
        cause=f"Sentry's answer to {what} cannot be used: {problem}.",
        assistance="Verify that the connection URL points at a Sentry server (not a proxy or login page) and try again.",
    )
