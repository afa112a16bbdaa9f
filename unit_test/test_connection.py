import logging
import socket
import unittest
from unittest import mock

import jsonschema
import requests
from insightconnect_plugin_runtime.exceptions import ConnectionTestException, PluginException
from parameterized import parameterized

from komand_sentry.actions.list_project_issues import ListProjectIssues
from komand_sentry.actions.submit_event import SubmitEvent
from komand_sentry.connection.connection import Connection
from komand_sentry.util.routes import api_root
from unit_test.util import (
    DSN,
    LOGGER,
    TOKEN,
    FakeSentry,
    accept_event,
    check_input,
    connect,
    connection_params,
    exception_text,
    reply,
    run_action,
    spec_version,
)

ISSUES = {"organization_slug": "example-org", "project_slug": "pump-station"}


class TestUrl(unittest.TestCase):
    @parameterized.expand(
        [
            ("root", "https://sentry.example.com", "https://sentry.example.com"),
            ("root_slash", "https://sentry.example.com/", "https://sentry.example.com"),
            ("api_form", "https://sentry.example.com/api/0/", "https://sentry.example.com"),
            ("api_form_no_slash", "https://sentry.example.com/api/0", "https://sentry.example.com"),
            ("spaces_around", "  https://sentry.example.com/api/0/ ", "https://sentry.example.com"),
            ("http_port", "http://127.0.0.1:9000", "http://127.0.0.1:9000"),
            ("http_port_api", "http://127.0.0.1:9000/api/0/", "http://127.0.0.1:9000"),
            ("region", "https://de.sentry.io/api/0/", "https://de.sentry.io"),
            ("ipv6", "http://[::1]:9000/", "http://[::1]:9000"),
        ]
    )
    def test_both_forms_give_the_root(self, _name, url, root):
        server = FakeSentry(reply(200, []))
        run_action(ListProjectIssues, connect(connection_params(url=url), server), ISSUES)
        self.assertEqual(
            server.requests[0].url, f"{root}/api/0/projects/example-org/pump-station/issues/?limit=100&per_page=100"
        )

    @parameterized.expand([("absent", None), ("empty", "")])
    def test_default_is_sentry_io(self, _name, url):
        self.assertEqual(api_root(url), "https://sentry.io")

    @parameterized.expand(
        [
            ("ftp", "ftp://sentry.example.com"),
            ("no_scheme", "sentry.example.com"),
            ("no_host", "https://"),
            ("no_host_path", "https:///api/0/"),
            ("credentials", "https://admin:hunter22@sentry.example.com"),
            ("user_only", "https://hunter22@sentry.example.com"),
            ("space_in_host", "https://sentry example.com"),
            ("space_in_path", "https://sentry.example.com/api /0/"),
            ("control_character", "https://sentry.example.com/\x00"),
            ("query", "https://sentry.example.com/?token=abc"),
            ("fragment", "https://sentry.example.com/#x"),
            ("bad_port", "https://sentry.example.com:99999"),
            ("port_not_a_number", "https://sentry.example.com:abc"),
            ("unbalanced_bracket", "https://[::1/api/0/"),
            ("javascript", "javascript:alert(1)"),
        ]
    )
    def test_invalid_refused_before_any_request(self, _name, url):
        server = FakeSentry()
        connection = connect(connection_params(url=url), server)  # connect() itself does not look at the URL
        with self.assertRaises(PluginException) as context:
            run_action(ListProjectIssues, connection, ISSUES)
        error = context.exception
        self.assertTrue(error.cause.startswith("Invalid connection setting 'url'"), error.cause)
        self.assertIn("https://sentry.io", error.assistance)
        self.assertNotIn("hunter22", exception_text(error))
        self.assertEqual(server.requests, [])

    def test_submit_event_needs_no_url(self):
        server = FakeSentry(accept_event)
        output = run_action(
            SubmitEvent,
            connect(connection_params(url="ftp://not a url"), server),
            {"dsn": DSN, "event_json": {"message": "m"}},
        )
        self.assertEqual(output["endpoint"], "envelope")
        self.assertEqual(server.requests[0].host, "o1.ingest.us.sentry.io")


class TestConnect(unittest.TestCase):
    def test_no_network_io(self):
        def no_network(*_args, **_kwargs):
            raise AssertionError("connect() opened a connection")

        params = connection_params(url="https://sentry.io", organization_slug="example-org", verify_tls=True)
        with mock.patch.object(socket.socket, "connect", no_network), mock.patch.object(
            socket, "create_connection", no_network
        ), mock.patch("requests.adapters.HTTPAdapter.send", no_network):
            connection = Connection()
            connection.logger = LOGGER
            connection.connect(params)
            self.assertIsNotNone(connection.settings)

    def test_real_transport(self):
        connection = connect(connection_params(timeout=9, max_retry_wait=0, verify_tls=False))
        for transport in (connection.api.transport, connection.ingest.transport):
            self.assertIsInstance(transport.session, requests.Session)
            self.assertIs(transport.settings, connection.settings)
        self.assertEqual((connection.settings.timeout, connection.settings.max_retry_wait), (9.0, 0.0))

    def test_clients_made_once(self):
        connection = connect(connection_params(), FakeSentry())
        self.assertIs(connection.api, connection.api)
        self.assertIs(connection.ingest, connection.ingest)

    def test_clients_use_separate_sessions(self):
        connection = connect(connection_params(), FakeSentry())
        self.assertIsNot(connection.api.transport.session, connection.ingest.transport.session)
        self.assertNotIn("Authorization", connection.ingest.transport.session.headers)

    def test_token_trimmed(self):
        server = FakeSentry(reply(200, []))
        run_action(
            ListProjectIssues, connect(connection_params(token={"token": f"  {TOKEN}\n", "domain": ""}), server), ISSUES
        )
        self.assertEqual(server.requests[0].headers["Authorization"], f"Bearer {TOKEN}")

    def test_blank_token(self):
        server = FakeSentry()
        connection = connect(connection_params(token={"token": "   ", "domain": ""}), server)
        with self.assertRaises(PluginException) as context:
            run_action(ListProjectIssues, connection, ISSUES)
        self.assertIn("no auth token", context.exception.cause)
        self.assertEqual(server.requests, [])

    def test_token_must_be_a_credential(self):
        connection = Connection()
        with self.assertRaises(jsonschema.exceptions.ValidationError):
            connection.set_(connection_params(token=TOKEN))

    def test_verify_tls_off_warns_and_is_used(self):
        server = FakeSentry(reply(200, []))
        with self.assertLogs(LOGGER, level=logging.WARNING) as logs:
            connection = connect(connection_params(verify_tls=False), server)
        self.assertTrue(any("TLS certificate verification is off" in line for line in logs.output))
        run_action(ListProjectIssues, connection, ISSUES)
        self.assertFalse(server.requests[0].verify)

    def test_verify_tls_on_is_quiet(self):
        server = FakeSentry(reply(200, []))
        with self.assertNoLogs(LOGGER, level=logging.WARNING):
            connection = connect(connection_params(verify_tls=True), server)
        run_action(ListProjectIssues, connection, ISSUES)
        self.assertTrue(server.requests[0].verify)

    def test_timeout_used(self):
        server = FakeSentry(reply(200, []))
        run_action(ListProjectIssues, connect(connection_params(timeout=5), server), ISSUES)
        self.assertEqual(server.requests[0].timeout, (5.0, 5.0))

    def test_defaults(self):
        connection = connect(connection_params())
        self.assertEqual(
            (connection.settings.timeout, connection.settings.max_retry_wait, connection.settings.verify_tls),
            (30.0, 60.0, True),
        )

    @parameterized.expand(
        [
            ("timeout_zero", {"timeout": 0}, "timeout"),
            ("timeout_negative", {"timeout": -5}, "timeout"),
            ("timeout_too_long", {"timeout": 601}, "timeout"),
            ("wait_negative", {"max_retry_wait": -1}, "max_retry_wait"),
            ("wait_too_long", {"max_retry_wait": 3601}, "max_retry_wait"),
        ]
    )
    def test_invalid_settings(self, _name, setting, name):
        with self.assertRaises(PluginException) as context:
            connect(connection_params(**setting))
        self.assertTrue(context.exception.cause.startswith(f"Invalid connection setting '{name}'"))

    @parameterized.expand(
        [
            ("timeout_boolean", {"timeout": True}),
            ("timeout_text", {"timeout": "30"}),
            ("wait_float", {"max_retry_wait": 1.5}),
        ]
    )
    def test_settings_of_the_wrong_type_are_refused_by_the_runtime(self, _name, setting):
        from jsonschema.exceptions import ValidationError

        with self.assertRaises(ValidationError):
            connect(connection_params(**setting))

    @parameterized.expand(
        [
            ("timeout_min", {"timeout": 1}),
            ("timeout_max", {"timeout": 600}),
            ("wait_zero", {"max_retry_wait": 0}),
            ("wait_max", {"max_retry_wait": 3600}),
        ]
    )
    def test_valid_bounds(self, _name, setting):
        connection = connect(connection_params(**setting))
        for key, value in setting.items():
            self.assertEqual(getattr(connection.settings, key), float(value))


class TestConnectionTest(unittest.TestCase):
    def run_test(self, *replies, params=None):
        self.server = FakeSentry(*replies)
        return connect(params or connection_params(), self.server).test()

    def test_ok(self):
        self.assertEqual(self.run_test(reply(200, file="api_root.json.resp")), {"success": True})
        sent = self.server.requests[0]
        self.assertEqual((sent.method, sent.url), ("GET", "https://sentry.example.com/api/0/"))
        self.assertEqual(sent.headers["Authorization"], f"Bearer {TOKEN}")
        self.assertEqual(sent.headers["User-Agent"], f"komand-sentry/{spec_version()}")

    def test_bad_token(self):
        with self.assertRaises(ConnectionTestException) as context:
            self.run_test(reply(401, file="error_invalid_token.json.resp"))
        error = context.exception
        self.assertIs(type(error), ConnectionTestException)
        self.assertIn("auth token", error.cause)
        self.assertIn("Invalid token", error.data)
        self.assertNotIn(TOKEN, str(error))

    def test_token_not_recognised(self):
        with self.assertRaises(ConnectionTestException) as context:
            self.run_test(reply(200, file="api_root_anonymous.json.resp"))
        self.assertEqual(context.exception.cause, PluginException.causes[PluginException.Preset.API_KEY])

    def test_wrong_url(self):
        with self.assertRaises(ConnectionTestException) as context:
            self.run_test(reply(404, "<html>Not Found</html>", {"Content-Type": "text/html"}))
        self.assertIn("HTTP 404", context.exception.data)

    def test_not_sentry(self):
        with self.assertRaises(ConnectionTestException) as context:
            self.run_test(reply(200, "<html>Welcome to nginx!</html>", {"Content-Type": "text/html"}))
        self.assertIn("cannot be used", context.exception.cause)

    def test_invalid_url(self):
        with self.assertRaises(ConnectionTestException) as context:
            self.run_test(params=connection_params(url="ftp://sentry.example.com"))
        self.assertIn("'url'", context.exception.cause)
        self.assertEqual(self.server.requests, [])

    def test_region_host(self):
        self.run_test(
            reply(200, file="api_root.json.resp"), params=connection_params(url="https://de.sentry.io/api/0/")
        )
        self.assertEqual(self.server.requests[0].url, "https://de.sentry.io/api/0/")


class TestSampleMessages(unittest.TestCase):
    """tests/<action>.json, the sample messages of the README, are accepted by the runtime's checks."""

    @parameterized.expand([("submit_event",), ("list_project_issues",), ("list_issue_events",), ("update_issue",)])
    def test_sample(self, name):
        import json
        import os

        from komand_sentry.actions import ListIssueEvents, ListProjectIssues, SubmitEvent, UpdateIssue

        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        with open(os.path.join(root, "tests", f"{name}.json"), encoding="utf-8") as file:
            message = json.load(file)
        self.assertEqual((message["type"], message["version"], message["body"]["action"]), ("action_start", "v1", name))
        actions = {a().name: a for a in (SubmitEvent, ListProjectIssues, ListIssueEvents, UpdateIssue)}
        action = actions[name]()
        check_input(action, message["body"]["input"])
        Connection().set_(message["body"]["connection"])
