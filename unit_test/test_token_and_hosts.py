"""The token goes to the configured host (and Sentry's own region hosts) only, and a token that could not be a header
value is refused before any request, without being shown."""

import unittest

from insightconnect_plugin_runtime.exceptions import PluginException
from parameterized import parameterized

from komand_sentry.actions.get_issue import GetIssue
from komand_sentry.actions.list_issue_events import ListIssueEvents
from unit_test.util import (
    TOKEN,
    FakeSentry,
    connect,
    connection_params,
    exception_text,
    load_json,
    reply,
    run_action,
)

ISSUE = {"issue_id": "4506790000", "organization_slug": "example-org"}


class TestTokenCharacters(unittest.TestCase):
    @parameterized.expand(
        [
            ("line_break", TOKEN[:10] + "\n" + TOKEN[10:], 11),
            ("carriage_return", TOKEN[:5] + "\r" + TOKEN[5:], 6),
            ("space_inside", TOKEN[:20] + " " + TOKEN[20:], 21),
            ("tab", TOKEN[:3] + "\t" + TOKEN[3:], 4),
            ("control", TOKEN[:7] + "\x00" + TOKEN[7:], 8),
            ("non_ascii", TOKEN[:9] + "é" + TOKEN[9:], 10),
        ]
    )
    def test_refused_before_any_request_and_never_shown(self, _name, token, position):
        server = FakeSentry()
        connection = connect(connection_params(token={"token": token, "domain": ""}), server)
        with self.assertRaises(PluginException) as context:
            run_action(ListIssueEvents, connection, ISSUE)
        text = exception_text(context.exception)
        self.assertIn(f"position {position}", context.exception.cause)
        self.assertNotIn(TOKEN[:10], text)
        self.assertNotIn(TOKEN[-10:], text)
        self.assertEqual(server.requests, [])

    def test_surrounding_white_space_is_stripped(self):
        server = FakeSentry(reply(200, file="list_issue_events_page2.json.resp"))
        connection = connect(connection_params(token={"token": f"  {TOKEN}\n", "domain": ""}), server)
        run_action(ListIssueEvents, connection, ISSUE)
        self.assertEqual(server.requests[0].headers["Authorization"], f"Bearer {TOKEN}")


class TestTokenHosts(unittest.TestCase):
    SAAS = connection_params(url="https://sentry.io")

    @parameterized.expand(
        [
            ("backslash", "https://attacker.example\\.sentry.io"),
            ("unicode", "https://evil\u2100.sentry.io"),
            ("broken_bracket", "https://[de.sentry.io"),
            ("http", "http://de.sentry.io"),
            ("other_domain", "https://de.sentry.io.attacker.example"),
        ]
    )
    def test_an_untrusted_region_url_sends_nothing_elsewhere(self, _name, region):
        organization = load_json("organization.json.resp")
        organization["links"]["regionUrl"] = region
        server = FakeSentry(reply(200, organization), reply(200, file="issue_after_update.json.resp"))
        run_action(GetIssue, connect(self.SAAS, server), ISSUE)
        self.assertEqual([sent.host for sent in server.requests], ["sentry.io", "sentry.io"])

    @parameterized.expand(
        [
            ("backslash", "https://evil.example\\.sentry.example.com"),
            ("unicode", "https://evil\u2100.sentry.example.com"),
            ("broken_bracket", "https://[::1"),
            ("credentials", "https://user:pass@sentry.example.com"),
        ]
    )
    def test_a_connection_url_read_differently_by_the_parsers_is_refused(self, _name, url):
        server = FakeSentry()
        connection = connect(connection_params(url=url), server)
        with self.assertRaises(PluginException) as context:
            run_action(GetIssue, connection, ISSUE)
        self.assertTrue(context.exception.cause.startswith("Invalid connection setting 'url'"), context.exception.cause)
        self.assertEqual(server.requests, [])

    def test_the_token_is_refused_to_a_host_that_is_not_the_connections(self):
        server = FakeSentry()
        connection = connect(connection_params(), server)
        with self.assertRaises(PluginException) as context:
            connection.api.send("GET", "https://elsewhere.example/api/0/")
        self.assertIn("refused to send the auth token", context.exception.cause)
        self.assertEqual(server.requests, [])


class TestCheckedBeforeAShortIdIsResolved(unittest.TestCase):
    @parameterized.expand(
        [
            ("event_id", "get_issue_event", {"event_id": "newest"}),
            ("text", "add_issue_comment", {"text": "   "}),
        ]
    )
    def test_bad_input_with_a_short_id_sends_nothing(self, name, action, extra):
        from komand_sentry.actions.add_issue_comment import AddIssueComment
        from komand_sentry.actions.get_issue_event import GetIssueEvent

        action_class = {"get_issue_event": GetIssueEvent, "add_issue_comment": AddIssueComment}[action]
        server = FakeSentry()
        params = dict({"issue_id": "PUMP-STATION-1A", "organization_slug": "example-org"}, **extra)
        with self.assertRaises(PluginException) as context:
            run_action(action_class, connect(connection_params(), server), params)
        self.assertIn(f"'{name}'", context.exception.cause)
        self.assertEqual(server.requests, [])
