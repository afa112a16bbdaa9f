"""Identifiers checked before they reach a URL, so that no input can address another resource."""

import re
from typing import Optional

from komand_sentry.util.errors import input_error

_ISSUE_ID = re.compile(r"[0-9]{1,20}|[A-Za-z0-9_\-]{1,100}-[A-Za-z0-9]{1,20}")  # numeric or short ID
_SLUG_HELP = "Give the slug as in Sentry's address bar, such as my-org: lowercase letters, digits, '-' and '_'."
_ISSUE_ID_HELP = "Give the issue's numeric ID (for example 612424900) or its short ID (for example BACKEND-1A)."


def _refused(input_name: str, value, what: str, assistance: str):
    shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "...'"  # none of them is a secret
    return input_error(input_name, f"{shown} is {what}", assistance)


def check_slug(input_name: str, value: str) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[a-z0-9_\-]{1,100}", value):  # not even a final '\n'
        raise _refused(input_name, value, "not a Sentry slug", _SLUG_HELP)
    return value


def check_issue_id(input_name: str, value: str) -> str:
    value = value.strip() if isinstance(value, str) else value
    if not isinstance(value, str) or not _ISSUE_ID.fullmatch(value):
        raise _refused(input_name, value, "not a Sentry issue ID", _ISSUE_ID_HELP)
    return value


def is_short_id(issue_id: str) -> bool:
    return not re.fullmatch(r"[0-9]{1,20}", issue_id)


def check_cursor(input_name: str, value: Optional[str]) -> Optional[str]:
    problem = None if value in (None, "") else cursor_problem(value)
    if problem:
        assistance = "Give the Next Cursor of an earlier listing unchanged, or leave it empty."
        raise _refused(input_name, value, f"not a cursor: {problem}", assistance)
    return value or None


def cursor_problem(value) -> Optional[str]:
    """Why `value` cannot be sent as a cursor, or None; the same rule for a cursor a server gives."""
    if not isinstance(value, str):
        return "it is not text"
    if len(value) > 1000:
        return "it is longer than 1000 characters"
    if not value.strip():
        return "it is only spaces"
    return None if value.isprintable() else "it holds control or invisible characters"  # lone surrogates too


def check_limit(input_name: str, value: Optional[int]) -> Optional[int]:
    if value is None or value == 0:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise input_error(input_name, f"{value!r} is not a positive number", "Give a positive limit, or 0 for all.")
    return value


def check_event_id(input_name: str, value: Optional[str]) -> str:
    """A keyword ('latest' when empty) or 32 hexadecimal digits: some servers read a number there as a database row."""
    text = (value or "latest").strip().lower() if value is None or isinstance(value, str) else ""
    text = text.replace("-", "") if len(text) == 36 else text
    if text in ("latest", "oldest", "recommended") or re.fullmatch(r"[0-9a-f]{32}", text):
        return text
    assistance = "Give latest, oldest or recommended, or the event's ID of 32 hexadecimal characters."
    raise _refused(input_name, value, "neither latest, oldest, recommended nor an event ID", assistance)


def check_text(input_name: str, value: Optional[str]) -> str:
    if not isinstance(value, str) or not value.strip():
        raise input_error(input_name, "it is empty", "Give the text of the comment.")
    if len(value) > 100_000:
        raise input_error(input_name, "it is longer than 100,000 characters", "Shorten the text.")
    return value
