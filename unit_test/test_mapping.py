import unittest

import json
import math

import jsonschema
from parameterized import parameterized

from komand_sentry.actions.add_issue_comment.schema import AddIssueCommentOutput
from komand_sentry.actions.list_issue_comments.schema import ListIssueCommentsOutput
from komand_sentry.actions.list_issue_events.schema import ListIssueEventsOutput
from komand_sentry.actions.list_project_issues.schema import ListProjectIssuesOutput
from komand_sentry.actions.update_issue.schema import UpdateIssueOutput
from komand_sentry.util.api import Page
from komand_sentry.util.mapping import (
    comment_from_sentry,
    conform_output,
    event_from_sentry,
    issue_from_sentry,
    page_output,
)

ISSUES = ListProjectIssuesOutput.schema
EVENTS = ListIssueEventsOutput.schema
ISSUE = UpdateIssueOutput.schema
COMMENT = AddIssueCommentOutput.schema
COMMENTS = ListIssueCommentsOutput.schema


def one_issue(issue: dict) -> dict:
    output = conform_output({"issue": issue_from_sentry(issue)}, ISSUE)
    jsonschema.validate(output, ISSUE)
    return output.get("issue")


def one_event(event: dict) -> dict:
    output = page_output(Page([event], False, None), "events", event_from_sentry, EVENTS)
    jsonschema.validate(output, EVENTS)
    return output["events"][0]


class TestDeclaredTypes(unittest.TestCase):
    @parameterized.expand(
        [
            ("string_kept", "count", "150", "150"),
            ("integer_to_string", "count", 150, "150"),
            ("float_to_string", "count", 1.5, "1.5"),
            ("boolean_to_string", "id", True, "true"),
            ("object_to_string", "title", {"a": 1}, '{"a": 1}'),
            ("integer_kept", "userCount", 12, 12),
            ("digits_to_integer", "userCount", "12", 12),
            ("negative_digits", "numComments", "-3", -3),
            ("whole_float_to_integer", "userCount", 12.0, 12),
            ("boolean_kept", "hasSeen", False, False),
            (
                "object_kept",
                "statusDetails",
                {"inNextRelease": True, "actor": None},
                {"inNextRelease": True, "actor": None},
            ),
            ("object_from_scalar", "stats", [[1, 2]], {"value": [[1, 2]]}),
        ]
    )
    def test_converted(self, _name, key, value, expected):
        self.assertEqual(one_issue({key: value})[key], expected)

    @parameterized.expand(
        [
            ("null", "title", None),
            ("null_object", "assignedTo", None),
            ("null_date", "lastSeen", None),
            ("text_as_integer", "userCount", "many"),
            ("fraction_as_integer", "userCount", 2.5),
            ("boolean_as_integer", "userCount", True),
            ("text_as_boolean", "hasSeen", "true"),
            ("number_as_boolean", "isPublic", 0),
            ("object_as_list", "annotations", {"displayName": "x"}),
        ]
    )
    def test_dropped(self, _name, key, value):
        self.assertNotIn(key, one_issue({"id": "1", key: value}))

    def test_undeclared_kept_as_is(self):
        issue = one_issue(
            {
                "id": "1",
                "substatus": None,
                "priority": "high",
                "seerFixabilityScore": 0.25,
                "activity": [{"user": None}],
            }
        )
        self.assertEqual(
            issue,
            {
                "id": "1",
                "substatus": None,
                "priority": "high",
                "seerFixabilityScore": 0.25,
                "activity": [{"user": None}],
            },
        )

    def test_empty_string_kept(self):
        self.assertEqual(one_issue({"culprit": ""})["culprit"], "")


class TestIssueShapes(unittest.TestCase):
    def test_string_annotations_of_sentry_9(self):
        self.assertEqual(
            one_issue({"annotations": ["SEC-10", {"displayName": "PUMP-1", "url": "https://jira.example.com/PUMP-1"}]})[
                "annotations"
            ],
            [{"displayName": "SEC-10"}, {"displayName": "PUMP-1", "url": "https://jira.example.com/PUMP-1"}],
        )

    def test_null_annotation_dropped(self):
        self.assertEqual(
            one_issue({"annotations": [None, {"displayName": "x"}]})["annotations"], [{"displayName": "x"}]
        )

    def test_assigned_to_object(self):
        assigned = {"type": "team", "id": "7", "name": "pump-oncall"}
        self.assertEqual(one_issue({"assignedTo": assigned})["assignedTo"], assigned)

    def test_assigned_to_string(self):
        self.assertEqual(one_issue({"assignedTo": "jane"})["assignedTo"], {"name": "jane"})

    def test_input_not_changed(self):
        issue = {"annotations": ["SEC-10"], "assignedTo": "jane"}
        one_issue(issue)
        self.assertEqual(issue, {"annotations": ["SEC-10"], "assignedTo": "jane"})


class TestEventShapes(unittest.TestCase):
    def test_group_id(self):
        event = one_event({"groupID": "12"})
        self.assertEqual((event["groupId"], event["groupID"]), ("12", "12"))

    def test_numeric_group_id(self):
        self.assertEqual(one_event({"groupID": 12})["groupId"], "12")

    def test_group_id_already_there(self):
        self.assertEqual(one_event({"groupID": "12", "groupId": "13"})["groupId"], "13")

    def test_null_group_id(self):
        self.assertNotIn("groupId", one_event({"groupID": None}))

    def test_user(self):
        self.assertNotIn("user", one_event({"user": None}))
        self.assertEqual(
            one_event({"user": {"id": 7, "email": None, "username": "op", "geo": {"city": "Oslo"}}})["user"],
            {"id": "7", "username": "op", "geo": {"city": "Oslo"}},
        )

    def test_tags(self):
        self.assertEqual(
            one_event(
                {
                    "tags": [
                        {"key": "level", "value": "error"},
                        None,
                        {"key": "n", "value": 3},
                        {"key": "v", "value": None},
                    ]
                }
            )["tags"],
            [{"key": "level", "value": "error"}, {"key": "n", "value": "3"}, {"key": "v"}],
        )

    def test_entries_and_fingerprint(self):
        event = one_event(
            {
                "entries": [{"type": "message", "data": {"formatted": "m"}}, {"type": "debugmeta", "data": None}],
                "fingerprint": ["a", 1],
            }
        )
        self.assertEqual(event["entries"], [{"type": "message", "data": {"formatted": "m"}}, {"type": "debugmeta"}])
        self.assertEqual(event["fingerprint"], ["a", "1"])


class TestHostileValues(unittest.TestCase):
    """Values a broken or hostile server may send where a type is declared: dropped, never an exception."""

    @parameterized.expand(
        [
            ("superscript_two", "\u00b2"),
            ("arabic_indic_digits", "\u0663\u0664"),
            ("double_minus", "--1"),
            ("minus_only", "-"),
            ("five_thousand_digits", "9" * 5000),
            ("thirty_one_digits", "1" * 31),
            ("nan", math.nan),
            ("infinity", math.inf),
            ("minus_infinity", -math.inf),
            ("list", [1]),
            ("object", {"n": 1}),
        ]
    )
    def test_integer_dropped(self, _name, value):
        self.assertNotIn("userCount", one_issue({"id": "1", "userCount": value}))

    @parameterized.expand([("padded", " 12 ", 12), ("thirty_digits", "9" * 30, int("9" * 30)), ("negative", "-0", 0)])
    def test_integer_text_kept(self, _name, value, expected):
        self.assertEqual(one_issue({"id": "1", "userCount": value})["userCount"], expected)

    def test_big_whole_float_is_an_integer(self):
        self.assertEqual(one_issue({"id": "1", "userCount": 1e20})["userCount"], 10**20)

    @parameterized.expand([("nan", math.nan), ("infinity", math.inf)])
    def test_non_finite_float_dropped_from_a_string(self, _name, value):
        self.assertNotIn("count", one_issue({"id": "1", "count": value}))

    def test_object_with_nan_dropped_from_a_string(self):
        self.assertNotIn("title", one_issue({"id": "1", "title": {"x": math.nan}}))

    def test_output_is_strict_json(self):
        issue = one_issue({"id": "1", "userCount": math.nan, "count": math.inf, "numComments": "\u00b2"})
        self.assertEqual(json.loads(json.dumps(issue, allow_nan=False)), {"id": "1"})

    def test_deeply_nested_undeclared_value_passes_unwalked(self):
        deep = []
        for _ in range(5000):
            deep = [deep]
        self.assertIs(one_issue({"id": "1", "nested": deep})["nested"], deep)

    def test_deeply_nested_value_where_a_string_is_declared_is_dropped(self):
        deep = []
        for _ in range(5000):
            deep = [deep]
        self.assertNotIn("title", conform_output({"issue": {"title": deep}}, ISSUE)["issue"])

    @parameterized.expand([("integer", 1), ("null", None), ("text", "x"), ("list", []), ("boolean", True)])
    def test_item_that_is_not_an_object_is_dropped(self, _name, item):
        for list_name, from_sentry, schema in (
            ("issues", issue_from_sentry, ISSUES),
            ("events", event_from_sentry, EVENTS),
            ("comments", comment_from_sentry, COMMENTS),
        ):
            output = page_output(Page([item, {"id": "2"}], False, None), list_name, from_sentry, schema)
            self.assertEqual(output[list_name], [{"id": "2"}])


class TestComments(unittest.TestCase):
    SENTRY_9 = {
        "id": "12",
        "type": "note",
        "data": {"text": "Escalated to **on-call**"},
        "dateCreated": "2026-11-28T10:00:00.123Z",
        "user": {
            "id": "1",
            "name": "Jane Operator",
            "email": "jane@example.com",
            "username": "jane",
            "avatarUrl": "https://secure.gravatar.com/avatar/x",
            "isActive": True,
            "dateJoined": "2026-01-01T00:00:00Z",
        },
    }

    def shaped(self, activity: dict) -> dict:
        output = conform_output({"comment": comment_from_sentry(activity)}, COMMENT)
        jsonschema.validate(output, COMMENT)
        return output["comment"]

    def test_sentry_9_activity(self):
        comment = self.shaped(self.SENTRY_9)
        self.assertEqual(comment["id"], "12")
        self.assertEqual(comment["text"], "Escalated to **on-call**")
        self.assertEqual(comment["dateCreated"], "2026-11-28T10:00:00.123Z")
        self.assertEqual(
            {key: comment["user"][key] for key in ("id", "name", "email", "username")},
            {"id": "1", "name": "Jane Operator", "email": "jane@example.com", "username": "jane"},
        )

    def test_undeclared_fields_pass_through(self):
        comment = self.shaped(self.SENTRY_9)
        self.assertEqual((comment["type"], comment["data"]), ("note", {"text": "Escalated to **on-call**"}))

    def test_todays_note_with_numeric_ids(self):
        today = dict(self.SENTRY_9, id=12, user=dict(self.SENTRY_9["user"], id=1), sentry_app=None)
        comment = self.shaped(today)
        self.assertEqual((comment["id"], comment["user"]["id"]), ("12", "1"))

    @parameterized.expand([("null_user", {"user": None}), ("no_user", {})])
    def test_note_of_an_integration_has_no_user(self, _name, patch):
        activity = {key: value for key, value in self.SENTRY_9.items() if key != "user"}
        self.assertNotIn("user", self.shaped(dict(activity, **patch)))

    def test_text_already_at_the_top_is_kept(self):
        self.assertEqual(self.shaped(dict(self.SENTRY_9, text="top"))["text"], "top")

    @parameterized.expand([("data_null", None), ("data_text", "plain"), ("text_null", {"text": None})])
    def test_no_usable_text(self, _name, data):
        self.assertNotIn("text", self.shaped(dict(self.SENTRY_9, data=data)))

    def test_input_not_changed(self):
        activity = json.loads(json.dumps(self.SENTRY_9))
        self.shaped(activity)
        self.assertEqual(activity, self.SENTRY_9)

    def test_list_of_comments(self):
        output = conform_output({"comments": [comment_from_sentry(self.SENTRY_9), None]}, COMMENTS)
        jsonschema.validate(output, COMMENTS)
        self.assertEqual([comment["text"] for comment in output["comments"]], ["Escalated to **on-call**"])


class TestPageOutput(unittest.TestCase):
    def test_more(self):
        output = page_output(Page([{"id": "1"}], True, "0:100:0"), "issues", issue_from_sentry, ISSUES)
        self.assertEqual(output, {"issues": [{"id": "1"}], "has_more": True, "next_cursor": "0:100:0"})

    def test_last(self):
        output = page_output(Page([], False, None), "issues", issue_from_sentry, ISSUES)
        self.assertEqual(output, {"issues": [], "has_more": False})


class TestSchemaNodes(unittest.TestCase):
    NODE = {"type": "object", "properties": {"n": {"type": "integer"}, "s": {"type": "string"}}}

    def test_inline_object(self):
        self.assertEqual(
            conform_output({"o": {"n": "4", "s": 5, "x": None}}, {"properties": {"o": self.NODE}}),
            {"o": {"n": 4, "s": "5", "x": None}},
        )

    def test_inline_object_not_a_dict(self):
        self.assertEqual(conform_output({"o": "text"}, {"properties": {"o": self.NODE}}), {})

    def test_untyped_node_passes_anything(self):
        self.assertEqual(conform_output({"a": [1, "a"]}, {"properties": {"a": {"title": "x"}}}), {"a": [1, "a"]})

    def test_number_node(self):
        schema = {"properties": {"x": {"type": "number"}, "y": {"type": "number"}, "z": {"type": "number"}}}
        self.assertEqual(conform_output({"x": 1.5, "y": math.inf, "z": "2"}, schema), {"x": 1.5})

    def test_definition_that_refers_to_itself(self):
        schema = {
            "properties": {"node": {"$ref": "#/definitions/Node"}},
            "definitions": {
                "Node": {
                    "type": "object",
                    "properties": {"n": {"type": "integer"}, "child": {"$ref": "#/definitions/Node"}},
                }
            },
        }
        output = conform_output({"node": {"n": "1", "child": {"n": "2", "child": {"n": "x"}}}}, schema)
        self.assertEqual(output, {"node": {"n": 1, "child": {"n": 2, "child": {}}}})

    def test_schema_reused_gives_the_same_shapes(self):
        schema = {"properties": {"n": {"type": "integer"}}}
        self.assertEqual(conform_output({"n": "1"}, schema), {"n": 1})
        self.assertEqual(conform_output({"n": "x"}, schema), {})

    def test_output_not_a_dict(self):
        self.assertEqual(conform_output(["not", "an", "object"], ISSUES), {})
