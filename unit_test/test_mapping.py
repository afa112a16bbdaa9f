import unittest

import jsonschema
from parameterized import parameterized

from komand_sentry.actions.list_issue_events.schema import ListIssueEventsOutput
from komand_sentry.actions.list_project_issues.schema import ListProjectIssuesOutput
from komand_sentry.actions.update_issue.schema import UpdateIssueOutput
from komand_sentry.util.api import Page
from komand_sentry.util.mapping import conform, conform_output, event_from_sentry, issue_from_sentry, page_output

ISSUES = ListProjectIssuesOutput.schema
EVENTS = ListIssueEventsOutput.schema
ISSUE = UpdateIssueOutput.schema


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
        self.assertEqual(conform({"n": "4", "s": 5, "x": None}, self.NODE, {}), {"n": 4, "s": "5", "x": None})

    def test_inline_object_not_a_dict(self):
        self.assertEqual(conform_output({"o": "text"}, {"properties": {"o": self.NODE}}), {})

    def test_untyped_node_passes_anything(self):
        self.assertEqual(conform([1, "a"], {"title": "anything"}, {}), [1, "a"])

    def test_output_not_a_dict(self):
        self.assertEqual(conform_output(["not", "an", "object"], ISSUES), {})
