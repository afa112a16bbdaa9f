"""Sentry's answers shaped to the spec's types by the action's own output schema."""

import json
import math
import re
from typing import Any, Callable, Dict, Tuple

_DROP = object()
_INTEGER_TEXT = re.compile(r"\s*-?[0-9]{1,30}\s*")  # ASCII digits ('²'.isdigit()), few enough for int()
Field = Tuple[Callable[[Any, Any], Any], Any]  # (shape, what it shapes to: an object's fields, an array's item)
_TABLES: Dict[int, Tuple[dict, Dict[str, Field]]] = {}  # id(schema) -> (the schema, kept alive; its fields)


def conform_output(output: dict, schema: dict) -> dict:
    known = _TABLES.get(id(schema))
    if known is None:
        known = _TABLES[id(schema)] = (schema, _fields(schema))
    shaped = _object(output, known[1])
    return shaped if shaped is not _DROP else {}


def _fields(schema: dict) -> Dict[str, Field]:
    """The schema's object nodes as {property: Field}."""
    definitions, named = schema.get("definitions", {}), {}

    def of(node: dict) -> Dict[str, Field]:
        return {key: field(sub) for key, sub in node.get("properties", {}).items()}

    def field(node: dict) -> Field:
        if "$ref" in node:  # a definition is made once: it may refer to itself
            name = node["$ref"].rpartition("/")[2]
            if name not in named:
                named[name] = {}
                named[name].update(of(definitions[name]))
            return _object, named[name]
        kind = node.get("type")
        if kind == "array":
            return _array, field(node.get("items", {}))
        if kind == "object" and "properties" in node:
            return _object, of(node)
        return _SCALARS.get(kind, _anything), None

    return of(schema)


def _object(value: Any, fields: Dict[str, Field]) -> Any:
    if not isinstance(value, dict):
        return _DROP
    shaped = {}
    for key, item in value.items():
        field = fields.get(key)
        if field is not None:
            item = _DROP if item is None else field[0](item, field[1])
        if item is not _DROP:
            shaped[key] = item
    return shaped


def _array(value: Any, item_field: Field) -> Any:
    if not isinstance(value, list):
        return _DROP
    shape, sub = item_field
    shaped = (shape(item, sub) for item in value if item is not None)
    return [item for item in shaped if item is not _DROP]


def _string(value: Any, _sub=None) -> Any:
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, sort_keys=True, allow_nan=False)  # true, 42, 1.5, {"a": 1}; never NaN
    except (TypeError, ValueError, RecursionError):
        return _DROP


def _integer(value: Any, _sub=None) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():  # is_integer() is false for NaN and the infinities
        return int(value)
    return int(value) if isinstance(value, str) and _INTEGER_TEXT.fullmatch(value) else _DROP


def _number(value: Any, _sub=None) -> Any:
    finite = isinstance(value, int) or isinstance(value, float) and math.isfinite(value)
    return value if finite and not isinstance(value, bool) else _DROP


def _boolean(value: Any, _sub=None) -> Any:
    return value if isinstance(value, bool) else _DROP


def _free_object(value: Any, _sub=None) -> Any:
    return value if isinstance(value, dict) else {"value": value}


def _anything(value: Any, _sub=None) -> Any:
    return value


_SCALARS = {"string": _string, "integer": _integer, "number": _number, "boolean": _boolean, "object": _free_object}


def issue_from_sentry(issue: dict) -> dict:
    """An Issue as Sentry sends it, before conforming: annotations of Sentry 9 are plain strings."""
    if not isinstance(issue, dict):
        return issue  # not an issue: conforming drops it
    annotations = issue.get("annotations")
    if isinstance(annotations, list) and any(isinstance(item, str) for item in annotations):
        issue = dict(issue, annotations=[{"displayName": a} if isinstance(a, str) else a for a in annotations])
    if isinstance(issue.get("assignedTo"), str):  # not sent by any Sentry we know; keep it rather than drop it
        issue = dict(issue, assignedTo={"name": issue["assignedTo"]})
    return issue


def event_from_sentry(event: dict) -> dict:
    """An Event as Sentry sends it, before conforming: the type's groupId is Sentry's groupID."""
    if isinstance(event, dict) and "groupId" not in event and event.get("groupID") is not None:
        return dict(event, groupId=event["groupID"])
    return event


def comment_from_sentry(activity: dict) -> dict:
    """A Comment from the note activity Sentry answers (9.1.2 and today's alike): the text moves up from `data`."""
    data = activity.get("data") if isinstance(activity, dict) else None
    if isinstance(data, dict) and "text" in data and "text" not in activity:
        return dict(activity, text=data["text"])
    return activity


def page_output(page, list_name: str, from_sentry, schema: dict) -> dict:
    output = {list_name: [from_sentry(item) for item in page.items], "has_more": page.has_more}
    return conform_output(dict(output, next_cursor=page.next_cursor), schema)  # conforming drops a None
