"""Sentry's answers shaped to the spec's types, driven by the action's own output schema.

Declared fields get the declared type (null is dropped, '42' becomes 42 where an integer is declared, an
integer id becomes '42' where a string is declared); fields the types do not declare pass through unchanged,
so that nothing a workflow may need is lost.
"""

import json
from typing import Any

_DROP = object()


def conform(value: Any, node: dict, definitions: dict) -> Any:
    """`value` shaped to the schema `node`, or _DROP when nothing of the declared type can be made of it."""
    if value is None:
        return _DROP
    ref = node.get("$ref")
    if ref:
        return _conform_object(value, definitions[ref.rsplit("/", 1)[-1]], definitions)
    kind = node.get("type")
    if kind == "string":
        return _as_string(value)
    if kind == "integer":
        return _as_integer(value)
    if kind == "boolean":
        return value if isinstance(value, bool) else _DROP
    if kind == "array":
        if not isinstance(value, list):
            return _DROP
        items = node.get("items", {})
        shaped = (conform(item, items, definitions) for item in value)
        return [item for item in shaped if item is not _DROP]
    if kind == "object":
        if "properties" in node:
            return _conform_object(value, node, definitions)
        return value if isinstance(value, dict) else {"value": value}
    return value


def conform_output(output: dict, schema: dict) -> dict:
    shaped = _conform_object(output, schema, schema.get("definitions", {}))
    return shaped if shaped is not _DROP else {}


def _conform_object(value: Any, node: dict, definitions: dict) -> Any:
    if not isinstance(value, dict):
        return _DROP
    declared = node.get("properties", {})
    shaped = {}
    for key, item in value.items():
        if key in declared:
            item = conform(item, declared[key], definitions)
            if item is _DROP:
                continue
        shaped[key] = item
    return shaped


def _as_string(value: Any) -> Any:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value, sort_keys=True)


def _as_integer(value: Any) -> Any:
    if isinstance(value, bool):
        return _DROP
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return _DROP


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
