"""The event payload as Sentry wants it: a valid event_id, a UTC timestamp, a known level, within 1 MiB."""

import copy
import json
import re
import uuid
from datetime import datetime, timezone

from komand_sentry.util.errors import input_error

MAX_EVENT_BYTES = 1024 * 1024
MAX_EVENT_DEPTH = 100  # Relay refuses JSON nested beyond 128 levels; Python's own recursion stops near 1000
LEVELS = ("fatal", "error", "warning", "info", "debug")
_LEVEL_HELP = f"Use one of {', '.join(LEVELS)}."
_EVENT_ID_HELP = "Leave event_id out to have one generated, or give a UUID such as 'fc6d8c0c43fc4630ad850ee518f1b9d0'."
_TIMESTAMP_HELP = "Give a date such as '2026-11-29T14:03:00Z' or '2026-11-29T15:03:00+01:00'."
_SIZE_HELP = "Shorten the event: trim long messages, extra data, breadcrumbs or stack frames."
_DEPTH_HELP = "Flatten the event: put deeply nested data in a string (for example as JSON text in extra)."


def normalise_event(event_json: dict, sdk_name: str, sdk_version: str) -> dict:
    if not isinstance(event_json, dict):
        raise input_error("event_json", "it is not a JSON object", "Give the event as a JSON object.")
    check_depth(event_json)
    event = copy.deepcopy(event_json)
    event["event_id"] = normalise_event_id(event.get("event_id"))
    for name, normalise in (("timestamp", normalise_timestamp), ("level", normalise_level)):
        if event.get(name) in (None, ""):
            event.pop(name, None)
        else:
            event[name] = normalise(event[name])
    for name in ("exception", "breadcrumbs", "threads"):
        if isinstance(event.get(name), list):  # the seed's list form; current servers want {"values": [...]}
            event[name] = {"values": event[name]}
    event.setdefault("platform", "other")
    event.setdefault("sdk", {"name": sdk_name, "version": sdk_version})
    size = len(encode_event(event))  # the bytes sent, not an ASCII-escaped form that counts 'é' as 6
    if size > MAX_EVENT_BYTES:
        problem = f"the event is {size} bytes, more than Sentry's limit of {MAX_EVENT_BYTES} bytes (1 MiB)"
        raise input_error("event_json", problem, _SIZE_HELP)
    return event


def normalise_event_id(value) -> str:
    if value is None or value == "":
        return uuid.uuid4().hex
    text = value.strip().lower() if isinstance(value, str) else ""
    if not re.fullmatch(r"[0-9a-f]{8}(-?)[0-9a-f]{4}\1[0-9a-f]{4}\1[0-9a-f]{4}\1[0-9a-f]{12}", text):  # dashed or not
        raise input_error("event_json.event_id", "it is not 32 hexadecimal characters (a UUID)", _EVENT_ID_HELP)
    return text.replace("-", "")


def normalise_timestamp(value) -> str:
    """ISO 8601 with or without an offset (no offset means UTC), sent as UTC with a 'Z'."""
    try:
        when = datetime.fromisoformat(value.strip().replace("z", "Z").replace("Z", "+00:00"))
        when = when.replace(tzinfo=when.tzinfo or timezone.utc).astimezone(timezone.utc)
    except (AttributeError, ValueError):
        raise input_error("event_json.timestamp", "it is not an ISO 8601 date", _TIMESTAMP_HELP)
    except OverflowError:  # the offset moves it before year 1 or after year 9999
        raise input_error("event_json.timestamp", "it is out of range", "Give a date between the years 1 and 9999.")
    return when.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"  # isoformat: a 4-digit year


def normalise_level(value) -> str:
    level = value.strip().lower() if isinstance(value, str) else None
    level = "warning" if level == "warn" else level
    if level not in LEVELS:
        raise input_error("event_json.level", f"{str(value)[:40]!r} is not a Sentry level", _LEVEL_HELP)
    return level


def check_depth(event: dict) -> None:
    """Refuse an event nested deeper than MAX_EVENT_DEPTH, walked without recursion (a RecursionError names nothing)."""
    pending = [(event, 1)]
    while pending:
        value, depth = pending.pop()
        if depth > MAX_EVENT_DEPTH:
            problem = f"it is nested more than {MAX_EVENT_DEPTH} levels deep, more than Sentry accepts"
            raise input_error("event_json", problem, _DEPTH_HELP)
        children = value.values() if isinstance(value, dict) else value
        pending.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))


def encode_event(event: dict) -> bytes:
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
