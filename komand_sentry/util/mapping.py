"""Sentry's answers shaped to the spec's types by a walk over the action's own output schema.

Declared fields get the declared type (null is dropped, '42' becomes 42 where an integer is declared, an integer
id becomes '42' where a string is declared); a declared field that nothing of its type can be made of (text that is
not a number where an integer is declared, NaN or an infinity anywhere a type is declared) is dropped, never an
error. Fields the types do not declare pass through unchanged, so that nothing a workflow may need is lost.

The walk follows a table of each object node's fields made once per schema (`_Fields`): a listing of 10,000 items
would otherwise resolve the same `$ref`s and types 10,000 times (half as slow again).
"""

import json
import math
import re
from typing import Any, Callable, Dict, Tuple

_DROP = object()
_REF_PREFIX = "#/definitions/"
# ASCII digits only ('²'.isdigit() is true) and few enough for int() (which refuses more than 4,300 digits)
_INTEGER_TEXT = re.compile(r"\s*-?[0-9]{1,30}\s*")

Field = Tuple[Callable[[Any, Any], Any], Any]  # (shape, what it shapes to: an object's fields, an array's item)
_TABLES: Dict[int, Tuple[dict, Dict[str, Field]]] = {}  # id(schema) -> (the schema, kept alive; its fields)


def conform_output(output: dict, schema: dict) -> dict:
    known = _TABLES.get(id(schema))
    if known is None:
        known = _TABLES[id(schema)] = (schema, _Fields(schema).root)
    shaped = _object(output, known[1])
    return shaped if shaped is not _DROP else {}


class _Fields:
    """A schema's object nodes as {property: Field}; a definition's table is made once and shared by every `$ref`
    to it (made empty first, then filled, so that a definition may refer to itself)."""

    def __init__(self, schema: dict):
        self.definitions = schema.get("definitions", {})
        self.named: Dict[str, Dict[str, Field]] = {}
        self.root = self.of(schema)

    def of(self, node: dict) -> Dict[str, Field]:
        return {key: self.field(sub) for key, sub in node.get("properties", {}).items()}

    def field(self, node: dict) -> Field:
        ref = node.get("$ref")
        if ref is not None:
            return _object, self.definition(ref[len(_REF_PREFIX) :])
        kind = node.get("type")
        if kind == "array":
            return _array, self.field(node.get("items", {}))
        if kind == "object" and "properties" in node:
            return _object, self.of(node)
        return _SCALARS.get(kind, _anything), None

    def definition(self, name: str) -> Dict[str, Field]:
        fields = self.named.get(name)
        if fields is None:
            fields = self.named[name] = {}
            fields.update(self.of(self.definitions[name]))
        return fields


def _object(value: Any, fields: Dict[str, Field]) -> Any:
    if not isinstance(value, dict):
        return _DROP
    shaped = {}
    for key, item in value.items():
        field = fields.get(key)
        if field is not None:
            if item is None:
                continue
            shape, sub = field
            item = shape(item, sub)
            if item is _DROP:
                continue
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
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(value) if math.isfinite(value) else _DROP
    try:
        return json.dumps(value, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        return _DROP


def _integer(value: Any, _sub=None) -> Any:
    if isinstance(value, bool):
        return _DROP
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else _DROP  # is_integer() is false for NaN and the infinities
    if isinstance(value, str) and _INTEGER_TEXT.fullmatch(value):
        return int(value)
    return _DROP


def _number(value: Any, _sub=None) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return _DROP
    return value if not isinstance(value, float) or math.isfinite(value) else _DROP


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
        issue = dict(issue)
        issue["annotations"] = [{"displayName": a} if isinstance(a, str) else a for a in annotations]
    if isinstance(issue.get("assignedTo"), str):  # not sent by any Sentry we know; keep it rather than drop it
        issue = dict(issue, assignedTo={"name": issue["assignedTo"]})
    return issue


def event_from_sentry(event: dict) -> dict:
    """An Event as Sentry sends it, before conforming: the type's groupId is Sentry's groupID."""
    if not isinstance(event, dict):
        return event
    if "groupId" not in event and event.get("groupID") is not None:
        event = dict(event, groupId=event["groupID"])
    return event


def comment_from_sentry(activity: dict) -> dict:
    """A Comment from the activity Sentry answers for a note (Sentry 9.1.2 and today's Sentry alike):
    `{"id", "type": "note", "data": {"text"}, "dateCreated", "user"}`; the text moves up from `data`. A note made by
    an integration has no user (null, which conforming drops)."""
    if not isinstance(activity, dict):
        return activity
    data = activity.get("data")
    if "text" not in activity and isinstance(data, dict) and "text" in data:
        activity = dict(activity, text=data["text"])
    return activity


def page_output(page, list_name: str, from_sentry, schema: dict) -> dict:
    """A list action's output: the items, whether more remain and where to continue."""
    output = {list_name: [from_sentry(item) for item in page.items], "has_more": page.has_more}
    if page.next_cursor:
        output["next_cursor"] = page.next_cursor
    return conform_output(output, schema)
