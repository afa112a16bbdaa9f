"""Where the document and the plugin's spec types disagree, pinned: a new disagreement (a new document) fails here
and is looked at. Each one is handled by the plugin's mapping (asserted in test_responses.py): nulls of declared
fields are dropped, groupID is also given as groupId, plain-text annotations become objects, entries that are not
objects are dropped; fields the spec does not declare pass through unchanged.

The inputs agree with what the document accepts: every value an input's enum allows is a value the request
parameter or body field accepts, and the update's status details have the document's fields and types."""

import pytest

from komand_sentry.actions.list_issue_events.action import ListIssueEvents
from komand_sentry.actions.list_project_issues.action import ListProjectIssues
from komand_sentry.actions.update_issue.action import UpdateIssue
from contract_test.util import (
    LIST_ISSUE_EVENTS,
    LIST_PROJECT_ISSUES,
    RETRIEVE_ISSUE,
    RETRIEVE_ISSUE_EVENT,
    UPDATE_ISSUE,
    _described_values,
    operation,
    response_schema,
)

SOURCES = {
    "Issue": [
        ("projectIssues (deprecated)", LIST_PROJECT_ISSUES, True),
        ("updateOrganizationIssue", UPDATE_ISSUE, False),
        ("getOrganizationIssue", RETRIEVE_ISSUE, False),
    ],
    "Event": [
        ("listOrganizationIssueEvents", LIST_ISSUE_EVENTS, True),
        ("getOrganizationIssueEvent (a full event)", RETRIEVE_ISSUE_EVENT, False),
    ],
}
RENAMED = {"groupId": "groupID"}  # the spec's name: Sentry's name


def doc_kind(node: dict) -> str:
    for key in ("allOf", "oneOf", "anyOf"):
        if key in node:
            return "|".join(sorted({doc_kind(sub) for sub in node[key]}))
    kind = node.get("type")
    if kind == "array":
        return "[]" + doc_kind(node.get("items", {}))
    if kind is None:
        return "object" if "properties" in node else "any"
    return kind


def spec_kind(node: dict) -> str:
    if "$ref" in node:
        return "object"
    if node.get("type") == "array":
        return "[]" + spec_kind(node.get("items", {}))
    return node["type"]


def disagreements(type_name: str, definitions: dict) -> set:
    found = set()
    for source, key, listed in SOURCES[type_name]:
        schema = response_schema(key)
        schema = schema["items"] if listed else schema
        found |= _compare(source, type_name, definitions[type_name], schema, definitions)
    return found


def _compare(source: str, path: str, spec: dict, doc: dict, definitions: dict) -> set:
    found = set()
    documented = doc.get("properties", {})
    for name, declared in spec["properties"].items():
        doc_name = RENAMED.get(name, name)
        where = f"{path}.{name}"
        if doc_name not in documented:
            found.add((source, where, "absent", spec_kind(declared)))
            continue
        node = documented[doc_name]
        if doc_name != name:
            found.add((source, where, f"named {doc_name}", spec_kind(declared)))
        if node.get("nullable"):
            found.add((source, where, "nullable", spec_kind(declared)))
        if doc_kind(node) != spec_kind(declared):
            found.add((source, where, doc_kind(node), spec_kind(declared)))
        if "$ref" in declared and "properties" in node:
            nested = definitions[declared["$ref"].rsplit("/", 1)[-1]]
            found |= _compare(source, where, nested, node, definitions)
        elif "$ref" in declared.get("items", {}) and "properties" in node.get("items", {}):
            nested = definitions[declared["items"]["$ref"].rsplit("/", 1)[-1]]
            found |= _compare(source, where + "[]", nested, node["items"], definitions)
    return found


NULLABLE_ISSUE_FIELDS = ("assignedTo", "logger", "shareId", "subscriptionDetails")
NULLABLE_CURRENT_ISSUE_FIELDS = NULLABLE_ISSUE_FIELDS + ("culprit", "firstSeen", "lastSeen")
ISSUE_KINDS = {"assignedTo": "object", "subscriptionDetails": "object"}  # the others: string
NULLABLE_USER_FIELDS = ("email", "id", "ip_address", "name", "username")

EXPECTED_ISSUE = {
    ("projectIssues (deprecated)", "Issue.annotations", "[]string", "[]object"),
    *{
        ("projectIssues (deprecated)", f"Issue.{field}", "nullable", ISSUE_KINDS.get(field, "string"))
        for field in NULLABLE_ISSUE_FIELDS
    },
    ("updateOrganizationIssue", "Issue.stats", "absent", "object"),
    *{
        (source, f"Issue.{field}", "nullable", ISSUE_KINDS.get(field, "string"))
        for source in ("updateOrganizationIssue", "getOrganizationIssue")
        for field in NULLABLE_CURRENT_ISSUE_FIELDS
    },
}

LIST = "listOrganizationIssueEvents"
FULL = "getOrganizationIssueEvent (a full event)"
EXPECTED_EVENT = {
    *{
        (LIST, f"Event.{field}", "absent", kind)
        for field, kind in (
            ("sdk", "object"),
            ("errors", "[]object"),
            ("dist", "string"),
            ("contexts", "object"),
            ("fingerprint", "[]string"),
            ("dateReceived", "string"),
            ("size", "integer"),
            ("type", "string"),
            ("packages", "object"),
            ("context", "object"),
            ("entries", "[]object"),
        )
    },
    (LIST, "Event.platform", "nullable", "string"),
    (FULL, "Event.fingerprint", "absent", "[]string"),
    (FULL, "Event.entries", "[]any", "[]object"),
    *{(FULL, f"Event.{field}", "nullable", kind) for field, kind in (
        ("sdk", "object"), ("dist", "string"), ("contexts", "object"), ("dateReceived", "string"), ("size", "integer"),
        ("message", "string"), ("context", "object"),
    )},
    *{(source, "Event.groupId", "named groupID", "string") for source in (LIST, FULL)},
    *{(source, "Event.groupId", "nullable", "string") for source in (LIST, FULL)},
    *{(source, "Event.user", "nullable", "object") for source in (LIST, FULL)},
    *{(src, f"Event.user.{field}", "nullable", "string") for src in (LIST, FULL) for field in NULLABLE_USER_FIELDS},
}


def test_where_the_answers_disagree_with_the_spec_issue_type():
    definitions = UpdateIssue().output.schema["definitions"]
    assert definitions == ListProjectIssues().output.schema["definitions"]
    assert disagreements("Issue", definitions) == EXPECTED_ISSUE


def test_where_the_answers_disagree_with_the_spec_event_type():
    assert disagreements("Event", ListIssueEvents().output.schema["definitions"]) == EXPECTED_EVENT


def test_the_document_declares_status_details_in_commit_an_object_in_the_update_and_a_string_in_its_answer():
    body = operation(UPDATE_ISSUE)["requestBody"]["properties"]["statusDetails"]["allOf"][0]["properties"]["inCommit"]
    assert body["allOf"][0]["type"] == "object" and body["allOf"][0]["required"] == ["commit", "repository"]
    assert response_schema(UPDATE_ISSUE)["properties"]["statusDetails"]["properties"]["inCommit"] == {"type": "string"}
    spec = UpdateIssue().input.schema["definitions"]["StatusDetails"]["properties"]["inCommit"]
    assert spec["type"] == "object"  # the spec follows the update (what the plugin sends)
    assert UpdateIssue().output.schema["definitions"]["Issue"]["properties"]["statusDetails"]["type"] == "object"


def _parameter(key: str, name: str) -> dict:
    (found,) = [p for p in operation(key)["parameters"] if p["name"] == name]
    return found


def test_the_inputs_of_list_project_issues_are_values_its_parameters_accept():
    inputs = ListProjectIssues().input.schema["properties"]
    described = _described_values(_parameter(LIST_PROJECT_ISSUES, "statsPeriod")["description"])
    assert sorted(inputs["statsPeriod"]["enum"]) == sorted(described) == ["", "14d", "24h"]
    assert inputs["shortIdLookup"]["type"] == _parameter(LIST_PROJECT_ISSUES, "shortIdLookup")["schema"]["type"]
    assert inputs["query"]["type"] == _parameter(LIST_PROJECT_ISSUES, "query")["schema"]["type"] == "string"
    assert inputs["limit"]["type"] == _parameter(LIST_PROJECT_ISSUES, "limit")["schema"]["type"] == "integer"


@pytest.mark.parametrize(
    "name", ["status", "substatus", "assignedTo", "hasSeen", "isBookmarked", "isSubscribed", "isPublic"]
)
def test_each_update_input_is_a_body_field_of_the_same_type_and_values(name):
    inputs = UpdateIssue().input.schema["properties"]
    body = operation(UPDATE_ISSUE)["requestBody"]["properties"][name]
    assert inputs[name]["type"] == body["type"]
    if "enum" in inputs[name]:
        assert set(inputs[name]["enum"]) - {""} <= set(body["enum"])


def test_the_status_details_type_has_the_fields_and_types_of_the_documented_update():
    spec = UpdateIssue().input.schema["definitions"]["StatusDetails"]["properties"]
    body = operation(UPDATE_ISSUE)["requestBody"]["properties"]["statusDetails"]["allOf"][0]["properties"]
    assert set(spec) == set(body)
    for name, declared in spec.items():
        assert declared["type"] == doc_kind(body[name]), name
