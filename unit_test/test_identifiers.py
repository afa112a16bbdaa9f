import unittest

from insightconnect_plugin_runtime.exceptions import PluginException
from parameterized import parameterized

from komand_sentry.actions.list_issue_events import ListIssueEvents
from komand_sentry.actions.list_project_issues import ListProjectIssues
from komand_sentry.actions.update_issue import UpdateIssue
from komand_sentry.util.identifiers import check_cursor, check_issue_id, check_limit, check_slug
from unit_test.util import FakeSentry, connect, connection_params, reply, run_action

# Values that would address another resource, or smuggle something, if they reached a URL
BAD_SLUGS = [
    ("slash", "example-org/other"),
    ("dot_dot", ".."),
    ("dot", "."),
    ("dot_dot_slash", "../admin"),
    ("question_mark", "example-org?query=1"),
    ("hash", "example-org#x"),
    ("encoded_slash", "example-org%2Fother"),
    ("encoded_dot_dot", "%2e%2e"),
    ("encoded_dot_dot_upper", "%2E%2E"),
    ("space", "example org"),
    ("trailing_newline", "example-org\n"),
    ("leading_space", " example-org"),
    ("tab", "example\torg"),
    ("nul", "example\x00org"),
    ("crlf", "example-org\r\nX-Injected: 1"),
    ("unicode", "exämple-org"),
    ("fullwidth", "ｅｘａｍｐｌｅ"),
    ("right_to_left_mark", "example\u200forg"),
    ("ten_thousand", "a" * 10000),
    ("uppercase", "Example-Org"),
    ("backslash", "example\\org"),
    ("semicolon", "example;org"),
    ("ampersand", "example&org"),
]
BAD_ISSUE_IDS = [
    ("slash", "4506790000/../1"),
    ("dot_dot", ".."),
    ("question_mark", "4506790000?status=resolved"),
    ("hash", "4506790000#x"),
    ("encoded_slash", "4506790000%2F1"),
    ("encoded_dot_dot", "%2e%2e"),
    ("inner_space", "4506 790000"),
    ("nul", "4506790000\x00"),
    ("newline_inside", "4506\n790000"),
    ("unicode_digits", "٤٥٠٦"),
    ("unicode_letters", "PÜMP-1"),
    ("ten_thousand", "1" * 10000),
    ("long_short_id", "P" * 5000 + "-1"),
    ("negative", "-1"),
    ("empty_after_strip", "   "),
]
# A cursor is opaque and only ever a query parameter value (percent-encoded whole): refused only when it cannot be
# sent as text at all
BAD_CURSORS = [
    ("trailing_newline", "0:100:0\n"),
    ("crlf", "0:100:0\r\nX: 1"),
    ("tab", "0:100:\t0"),
    ("nul", "0:100:0\x00"),
    ("escape", "0:100:0\x1b[31m"),
    ("delete", "0:100:0\x7f"),
    ("right_to_left_mark", "abc\u200fdef"),
    ("line_separator", "abc\u2028def"),
    ("lone_surrogate", "abc\ud800"),
    ("only_spaces", "   "),
    ("too_long", "1" * 1001),
]
# Cursors of Sentry and of Sentry-compatible servers (base64 and the like), and anything else printable: each
# reaches the server as the very same value
OPAQUE_CURSORS = [
    ("sentry", "1764378000000:100:0"),
    ("previous", "0:0:1"),
    ("float", "1764378000000.5:0:0"),
    ("base64_padding", "abc=="),
    ("base64_plus_slash", "a+b/c="),
    ("ampersand_equals", "0:100:0&limit=1000"),
    ("percent", "0%3A100%3A0"),
    ("percent_alone", "100%"),
    ("hash_question", "a#b?c"),
    ("slash_dot_dot", "0:100:0/../x"),
    ("inner_space", "0:100: 0"),
    ("unicode", "\uff10:100:0"),
    ("emoji", "page-\U0001f600"),
    ("quote_and_angle", 'a"<b>;c,d'),
    ("longest", "x" * 1000),
]


class IdentifierTest(unittest.TestCase):
    def refused(self, action, params, input_name, connection=None):
        server = FakeSentry()
        with self.assertRaises(PluginException) as context:
            run_action(action, connect(connection or connection_params(), server), params)
        self.assertEqual(server.requests, [], "refused before any request")
        cause = context.exception.cause
        self.assertTrue(cause.startswith(f"Invalid input '{input_name}'"), cause)
        self.assertLess(len(cause), 300, "a long value is not repeated whole")
        return context.exception


class TestSlugs(IdentifierTest):
    @parameterized.expand(BAD_SLUGS)
    def test_organization_of_list_project_issues(self, _name, slug):
        self.refused(
            ListProjectIssues, {"organization_slug": slug, "project_slug": "pump-station"}, "organization_slug"
        )

    @parameterized.expand(BAD_SLUGS)
    def test_project_of_list_project_issues(self, _name, slug):
        self.refused(ListProjectIssues, {"organization_slug": "example-org", "project_slug": slug}, "project_slug")

    @parameterized.expand(BAD_SLUGS)
    def test_organization_of_list_issue_events(self, _name, slug):
        self.refused(ListIssueEvents, {"issue_id": "4506790000", "organization_slug": slug}, "organization_slug")

    @parameterized.expand(BAD_SLUGS)
    def test_organization_of_update_issue(self, _name, slug):
        params = {"issue_id": "4506790000", "organization_slug": slug, "status": "resolved"}
        self.refused(UpdateIssue, params, "organization_slug")

    @parameterized.expand(BAD_SLUGS[:12])
    def test_connection_organization(self, _name, slug):
        self.refused(
            ListIssueEvents,
            {"issue_id": "4506790000"},
            "organization_slug",
            connection=connection_params(organization_slug=slug),
        )

    @parameterized.expand(
        [
            ("slug", "example-org"),
            ("underscore", "pump_station-2"),
            ("numeric_id", "4507000000"),
            ("longest", "a" * 100),
        ]
    )
    def test_valid(self, _name, slug):
        server = FakeSentry(reply(200, []))
        run_action(
            ListProjectIssues, connect(connection_params(), server), {"organization_slug": slug, "project_slug": slug}
        )
        self.assertEqual(server.requests[0].path, f"/api/0/projects/{slug}/{slug}/issues/")

    def test_101_characters_refused(self):
        with self.assertRaises(PluginException):
            check_slug("project_slug", "a" * 101)


class TestIssueIds(IdentifierTest):
    @parameterized.expand(BAD_ISSUE_IDS)
    def test_list_issue_events(self, _name, issue_id):
        self.refused(ListIssueEvents, {"issue_id": issue_id, "organization_slug": "example-org"}, "issue_id")

    @parameterized.expand(BAD_ISSUE_IDS)
    def test_update_issue(self, _name, issue_id):
        self.refused(
            UpdateIssue, {"issue_id": issue_id, "organization_slug": "example-org", "status": "resolved"}, "issue_id"
        )

    @parameterized.expand(
        [
            ("numeric", "4506790000", "/api/0/organizations/example-org/issues/4506790000/events/"),
            ("short_id", "PUMP-STATION-1A", "/api/0/organizations/example-org/shortids/PUMP-STATION-1A/"),
            ("short_id_lowercase", "internal-c", "/api/0/organizations/example-org/shortids/internal-c/"),
            ("surrounding_spaces", "  4506790000 ", "/api/0/organizations/example-org/issues/4506790000/events/"),
        ]
    )
    def test_valid(self, _name, issue_id, first_path):
        server = FakeSentry(reply(200, {"group": {"id": "4506790000"}}), reply(200, []))
        server.script = server.script if "shortids" in first_path else type(server.script)([reply(200, [])])
        run_action(
            ListIssueEvents,
            connect(connection_params(), server),
            {"issue_id": issue_id, "organization_slug": "example-org"},
        )
        self.assertEqual(server.requests[0].path, first_path)
        self.assertEqual(server.requests[-1].path, "/api/0/organizations/example-org/issues/4506790000/events/")


class TestCursors(IdentifierTest):
    @parameterized.expand(BAD_CURSORS)
    def test_list_project_issues(self, _name, cursor):
        params = {"organization_slug": "example-org", "project_slug": "pump-station", "cursor": cursor}
        self.refused(ListProjectIssues, params, "cursor")

    @parameterized.expand(BAD_CURSORS)
    def test_list_issue_events(self, _name, cursor):
        self.refused(ListIssueEvents, {"issue_id": "4506790000", "cursor": cursor}, "cursor")

    @parameterized.expand(OPAQUE_CURSORS)
    def test_valid(self, _name, cursor):
        self.assertEqual(check_cursor("cursor", cursor), cursor)

    @parameterized.expand(OPAQUE_CURSORS)
    def test_reaches_the_server_unchanged(self, _name, cursor):
        server = FakeSentry(reply(200, []))
        params = {"organization_slug": "example-org", "project_slug": "pump-station", "cursor": cursor}
        run_action(ListProjectIssues, connect(connection_params(), server), params)
        (sent,) = server.requests
        self.assertEqual(sent.path, "/api/0/projects/example-org/pump-station/issues/")
        self.assertEqual(sent.params_lists["cursor"], [cursor])
        self.assertNotIn("1000", sent.params_lists.get("limit", []))  # '&limit=1000' stayed inside the cursor

    @parameterized.expand([("absent", None), ("empty", "")])
    def test_empty_means_from_the_start(self, _name, cursor):
        self.assertIsNone(check_cursor("cursor", cursor))

    def test_refusal_says_why(self):
        with self.assertRaises(PluginException) as context:
            check_cursor("cursor", "0:100:0\n")
        self.assertIn("control", context.exception.cause)
        with self.assertRaises(PluginException) as context:
            check_cursor("cursor", "1" * 1001)
        self.assertIn("1000 characters", context.exception.cause)


class TestLimits(unittest.TestCase):
    @parameterized.expand([("none", None, None), ("zero", 0, None), ("one", 1, 1), ("big", 100000, 100000)])
    def test_valid(self, _name, limit, expected):
        self.assertEqual(check_limit("limit", limit), expected)

    @parameterized.expand([("negative", -1), ("boolean", True), ("text", "10"), ("float", 2.5)])
    def test_refused(self, _name, limit):
        with self.assertRaises(PluginException) as context:
            check_limit("limit", limit)
        self.assertTrue(context.exception.cause.startswith("Invalid input 'limit'"))


class TestShownValues(unittest.TestCase):
    def test_control_characters_shown_escaped(self):
        with self.assertRaises(PluginException) as context:
            check_issue_id("issue_id", "1\x1b[31m2")
        self.assertNotIn("\x1b", context.exception.cause)
        self.assertIn("\\x1b", context.exception.cause)
