"""Identifiers that become parts of a URL path, checked so that no input can address another resource.

Percent-encoding alone does not protect a path (HTTP clients normalise '..', servers decode '%2F'), so only
the alphabets Sentry itself uses are let through, over the whole value (fullmatch: '$' alone lets a final '\n' by).
"""

import re
from typing import Optional

from komand_sentry.util.errors import input_error

_SLUG = re.compile(r"^[a-z0-9_\-]{1,100}$")
_NUMERIC_ID = re.compile(r"^[0-9]{1,20}$")
_SHORT_ID = re.compile(r"^[A-Za-z0-9_\-]{1,100}-[A-Za-z0-9]{1,20}$")
_CURSOR = re.compile(r"^[0-9A-Za-z.:_\-]{1,200}$")


def check_slug(input_name: str, value: str) -> str:
    if not isinstance(value, str) or not _SLUG.fullmatch(value):
        raise input_error(
            input_name,
            f"{_shown(value)} is not a Sentry slug",
            "A slug has only lowercase letters, digits, '-' and '_' (at most 100), as in the address bar of Sentry, "
            "for example my-org or backend-api.",
        )
    return value


def check_issue_id(input_name: str, value: str) -> str:
    value = value.strip() if isinstance(value, str) else value
    if not isinstance(value, str) or not (_NUMERIC_ID.fullmatch(value) or _SHORT_ID.fullmatch(value)):
        raise input_error(
            input_name,
            f"{_shown(value)} is not a Sentry issue ID",
            "Give the issue's numeric ID (for example 612424900) or its short ID (for example BACKEND-1A).",
        )
    return value


def is_short_id(issue_id: str) -> bool:
    return not _NUMERIC_ID.fullmatch(issue_id)


def check_cursor(input_name: str, value: Optional[str]) -> Optional[str]:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _CURSOR.fullmatch(value):
        raise input_error(
            input_name,
            f"{_shown(value)} is not a Sentry cursor",
            "Give the Next Cursor of an earlier listing unchanged (for example 0:100:0), or leave it empty.",
        )
    return value


def check_limit(input_name: str, value: Optional[int]) -> Optional[int]:
    if value is None or value == 0:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise input_error(input_name, f"{value!r} is not a positive number", "Give a positive limit, or 0 for all.")
    return value


def _shown(value) -> str:
    """The value as an error may show it: short, printable, never a credential (slugs and ids are not secret)."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "...'"
