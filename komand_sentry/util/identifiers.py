"""Identifiers checked before they reach a URL, so that no input can address another resource.

Slugs and issue IDs become parts of a URL path. Percent-encoding alone does not protect a path (HTTP clients
normalise '..', servers decode '%2F'), so only the alphabets Sentry itself uses are let through, over the whole
value (fullmatch: '$' alone lets a final '\n' by).

A cursor is different: it is opaque (Sentry's look like 1764378000000:100:0, a Sentry-compatible server's may be
base64 with '=' padding) and it only ever becomes a query parameter value, which requests percent-encodes whole
('&', '=', '+', '/', '%' included). So a cursor is checked for its length and for control characters, not its
alphabet.
"""

import re
from typing import Optional

from komand_sentry.util.errors import input_error

_SLUG = re.compile(r"^[a-z0-9_\-]{1,100}$")
_NUMERIC_ID = re.compile(r"^[0-9]{1,20}$")
_SHORT_ID = re.compile(r"^[A-Za-z0-9_\-]{1,100}-[A-Za-z0-9]{1,20}$")
MAX_CURSOR_CHARS = 1000


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
    problem = cursor_problem(value)
    if problem:
        raise input_error(
            input_name,
            f"{_shown(value)} is not a cursor: {problem}",
            "Give the Next Cursor of an earlier listing unchanged, or leave it empty.",
        )
    return value


def cursor_problem(value) -> Optional[str]:
    """Why `value` cannot be sent as a cursor, or None when it can (the same rule for a cursor a server gives, so
    that every Next Cursor the plugin returns is accepted when it comes back)."""
    if not isinstance(value, str):
        return "it is not text"
    if len(value) > MAX_CURSOR_CHARS:
        return f"it is longer than {MAX_CURSOR_CHARS} characters"
    if not value.strip():
        return "it is only spaces"
    if not value.isprintable():  # control, format and line-separator characters, lone surrogates
        return "it holds control or invisible characters"
    return None


def check_limit(input_name: str, value: Optional[int]) -> Optional[int]:
    if value is None or value == 0:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise input_error(input_name, f"{value!r} is not a positive number", "Give a positive limit, or 0 for all.")
    return value


EVENT_KEYWORDS = ("latest", "oldest", "recommended")
MAX_TEXT_CHARS = 100_000
_EVENT_ID = re.compile(r"[0-9a-f]{32}")


def check_event_id(input_name: str, value: Optional[str]) -> str:
    """'latest' (also for an empty value), 'oldest', 'recommended', or 32 hexadecimal digits (a UUID's dashes are
    dropped): only these reach a URL, since some servers read a number there as a database row."""
    text = (value or "latest").strip().lower() if isinstance(value, str) or value is None else None
    if text in EVENT_KEYWORDS:
        return text
    text = text.replace("-", "") if text is not None and len(text) == 36 else text
    if text is None or not _EVENT_ID.fullmatch(text):
        raise input_error(
            input_name,
            f"{_shown(value)} is neither latest, oldest, recommended nor an event ID",
            "Give latest, oldest or recommended, or the event's ID of 32 hexadecimal characters.",
        )
    return text


def check_text(input_name: str, value: Optional[str]) -> str:
    if not isinstance(value, str) or not value.strip():
        raise input_error(input_name, "it is empty", "Give the text of the comment.")
    if len(value) > MAX_TEXT_CHARS:
        raise input_error(input_name, f"it is longer than {MAX_TEXT_CHARS:,} characters", "Shorten the text.")
    return value


def _shown(value) -> str:
    """The value as an error may show it: short, printable, never a credential (slugs and ids are not secret)."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "...'"
