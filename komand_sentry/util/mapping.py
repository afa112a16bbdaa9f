"""Sentry's answers shaped to the spec's types, driven by the action's own output schema.

Declared fields get the declared type (null is dropped, '42' becomes 42 where an integer is declared, an
integer id becomes '42' where a string is declared); fields the types do not declare pass through unchanged,
so that nothing a workflow may need is lost.

A schema is turned into a shaper (a function per schema node) before the walk, so that a listing of 10,000 items
decides what each node means once, not once per item.
"""

import json
from typing import Any, Callable, Dict

_DROP = object()
Shaper = Callable[[Any], Any]


def conform(value: Any, node: dict, definitions: dict) -> Any:
    """`value` shaped to the schema `node`, or _DROP when nothing of the declared type can be made of it."""
    return _shaper(node, _References(definitions))(value)


def conform_output(output: dict, schema: dict) -> dict:
    shaped = _object_shaper(schema, _References(schema.get("definitions", {})))(output)
    return shaped if shaped is not _DROP else {}


class _References:
    """The shapers of the schema's definitions, each made on first use (a reference to a definition that is
    missing fails only when a value reaches it, and a definition may refer to itself)."""

    def __init__(self, definitions: dict):
        self.definitions = definitions
        self.shapers: Dict[str, Shaper] = {}

    def shaper(self, ref: str) -> Shaper:
        name = ref.rsplit("/", 1)[-1]

        def shape(value):
            if value is None:
                return _DROP
            shaper = self.shapers.get(name)
            if shaper is None:
                shaper = self.shapers[name] = _object_shaper(self.definitions[name], self)
            return shaper(value)

        return shape


def _shaper(node: dict, references: _References) -> Shaper:
    ref = node.get("$ref")
    if ref:
        return references.shaper(ref)
    kind = node.get("type")
    if kind == "string":
        return _string
    if kind == "integer":
        return _integer
    if kind == "boolean":
        return _boolean
    if kind == "array":
        return _array_shaper(_shaper(node.get("items", {}), references))
    if kind == "object":
        return _object_shaper(node, references) if "properties" in node else _free_object
    return _anything


def _object_shaper(node: dict, references: _References) -> Shaper:
    fields = {key: _shaper(sub, references) for key, sub in node.get("properties", {}).items()}

    def shape(value):
        if not isinstance(value, dict):
            return _DROP
        shaped = {}
        for key, item in value.items():
            field = fields.get(key)
            if field is not None:
                item = field(item)
                if item is _DROP:
                    continue
            shaped[key] = item
        return shaped

    return shape


def _array_shaper(item_shaper: Shaper) -> Shaper:
    def shape(value):
        if not isinstance(value, list):
            return _DROP
        shaped = (item_shaper(item) for item in value)
        return [item for item in shaped if item is not _DROP]

    return shape


def _string(value: Any) -> Any:
    if isinstance(value, str):
        return value
    if value is None:
        return _DROP
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value, sort_keys=True)


def _integer(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return _DROP
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return _DROP


def _boolean(value: Any) -> Any:
    return value if isinstance(value, bool) else _DROP


def _free_object(value: Any) -> Any:
    if value is None:
        return _DROP
    return value if isinstance(value, dict) else {"value": value}


def _anything(value: Any) -> Any:
    return _DROP if value is None else value


def issue_from_sentry(issue: dict) -> dict:
    """An Issue as Sentry sends it, before conforming: annotations of Sentry 9 are plain strings."""
    annotations = issue.get("annotations")
    if isinstance(annotations, list) and any(isinstance(item, str) for item in annotations):
        issue = dict(issue)
        issue["annotations"] = [{"displayName": a} if isinstance(a, str) else a for a in annotations]
    if isinstance(issue.get("assignedTo"), str):  # not sent by any Sentry we know; keep it rather than drop it
        issue = dict(issue, assignedTo={"name": issue["assignedTo"]})
    return issue


def event_from_sentry(event: dict) -> dict:
    """An Event as Sentry sends it, before conforming: the type's groupId is Sentry's groupID."""
    if "groupId" not in event and event.get("groupID") is not None:
        event = dict(event, groupId=event["groupID"])
    return event


def page_output(page, list_name: str, from_sentry, schema: dict) -> dict:
    """A list action's output: the items, whether more remain and where to continue."""
    output = {list_name: [from_sentry(item) for item in page.items], "has_more": page.has_more}
    if page.next_cursor:
        output["next_cursor"] = page.next_cursor
    return conform_output(output, schema)
