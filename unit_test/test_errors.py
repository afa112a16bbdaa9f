import json
import unittest
from unittest import mock

import requests
from insightconnect_plugin_runtime.exceptions import PluginException
from parameterized import parameterized

from komand_sentry.actions.list_issue_events import ListIssueEvents
from komand_sentry.actions.list_project_issues import ListProjectIssues
from komand_sentry.actions.update_issue import UpdateIssue
from komand_sentry.util import errors
from komand_sentry.util.errors import MAX_DETAIL_CHARS, http_error, redact, remember_secret, sentry_detail
from unit_test.util import (
    TOKEN,
    FakeSentry,
    Reply,
    connect,
    connection_params,
    exception_text,
    fault,
    reply,
    run_action,
)

Preset = PluginException.Preset
EVENTS = {"issue_id": "4506790000"}
WHAT = "GET /api/0/issues/4506790000/events/"


class ErrorTest(unittest.TestCase):
    def error_of(self, *replies, action=ListIssueEvents, params=EVENTS, max_retry_wait=0) -> PluginException:
        server = FakeSentry(*replies)
        with self.assertRaises(PluginException) as context:
            run_action(action, connect(connection_params(max_retry_wait=max_retry_wait), server), params)
        self.server = server
        error = context.exception
        self.assertNotIn(TOKEN, exception_text(error))
        self.assertNotIn(TOKEN[8:20], exception_text(error))
        return error


class TestHttpErrors(ErrorTest):
    @parameterized.expand(
        [
            ("401", 401, "error_invalid_token.json.resp", Preset.API_KEY, "auth token", "Invalid token"),
            (
                "403",
                403,
                "error_permission.json.resp",
                Preset.UNAUTHORIZED,
                "not allowed",
                "You do not have permission",
            ),
            (
                "404",
                404,
                "error_not_found.json.resp",
                Preset.NOT_FOUND,
                "no such resource",
                "The requested resource does not exist",
            ),
            (
                "429",
                429,
                "error_rate_limit.json.resp",
                Preset.RATE_LIMIT,
                "rate-limiting",
                "Limit is 40 requests in 1 seconds",
            ),
            ("500", 500, "error_internal.json.resp", Preset.SERVER_ERROR, "server error", "Internal Error"),
            ("502", 502, "nginx_502.html.resp", Preset.SERVICE_UNAVAILABLE, "unavailable", "502 Bad Gateway"),
            ("503", 503, "error_internal.json.resp", Preset.SERVICE_UNAVAILABLE, "unavailable", "Internal Error"),
            ("504", 504, "nginx_502.html.resp", Preset.SERVICE_UNAVAILABLE, "unavailable", "nginx/1.25.3"),
        ]
    )
    def test_status(self, _name, status, file, preset, cause, detail):
        headers = {"Retry-After": "120"} if status == 429 else {}
        error = self.error_of(reply(status, file=file, headers=headers))
        self.assertEqual(error.preset, preset)
        self.assertIn(cause, error.cause)
        self.assertIn(f"HTTP {status}", error.cause)
        self.assertTrue(error.data.startswith(f"HTTP {status} from {WHAT}: "), error.data)
        self.assertIn(detail, error.data)
        self.assertTrue(error.assistance)
        self.assertEqual(len(self.server.requests), 1)

    @parameterized.expand(
        [(str(status), status) for status in (400, 401, 403, 404, 409, 413, 422, 429, 500, 502, 503, 504)]
    )
    def test_empty_body_without_sentry_header(self, _name, status):
        error = self.error_of(reply(status, headers={"Retry-After": "3600"}))
        self.assertEqual(error.data, f"HTTP {status} from {WHAT}")

    @parameterized.expand(
        [
            ("html", "<html><body><h1>Oops</h1>\n\n<p>Something   broke</p></body></html>", "Something broke"),
            ("plain_text", "upstream connect error or disconnect/reset before headers", "upstream connect error"),
            ("json_list", json.dumps(["first problem", "second"]), '["first problem", "second"]'),
            ("json_string", json.dumps("just a string"), "just a string"),
            (
                "json_in_a_json_string",  # Sentry 9's group notes endpoint answers so
                json.dumps(json.dumps({"detail": "You have already posted that comment."})),
                "You have already posted that comment.",
            ),
            (
                "field_errors",
                json.dumps({"query": ["Invalid query: bad token"]}),
                '{"query": ["Invalid query: bad token"]}',
            ),
            ("detail_list", json.dumps({"detail": ["a", "b"]}), '["a", "b"]'),
            ("error_key", json.dumps({"error": "invalid_grant"}), "invalid_grant"),
            ("binary", b"\xff\xfe\x00garbage", "garbage"),
        ]
    )
    def test_bodies_that_are_not_sentry_json(self, _name, body, shown):
        error = self.error_of(Reply(400, body))
        self.assertEqual(error.preset, Preset.BAD_REQUEST)
        self.assertIn(shown, error.data)

    def test_x_sentry_error_header_shown(self):
        error = self.error_of(reply(400, headers={"X-Sentry-Error": "invalid cursor value"}))
        self.assertEqual(error.data, f"HTTP 400 from {WHAT}: invalid cursor value")

    def test_x_sentry_error_with_body(self):
        error = self.error_of(reply(400, {"detail": "bad cursor"}, {"X-Sentry-Error": "invalid cursor"}))
        self.assertIn("invalid cursor", error.data)
        self.assertIn("bad cursor", error.data)

    def test_long_detail_cut(self):
        error = self.error_of(reply(400, {"detail": "x" * 1000}))
        detail = error.data.split(": ", 1)[1]
        self.assertEqual(detail, "x" * MAX_DETAIL_CHARS + "...")

    def test_put_errors_name_the_request(self):
        error = self.error_of(
            reply(409, {"detail": "conflict"}),
            action=UpdateIssue,
            params={"issue_id": "4506790000", "status": "resolved"},
        )
        self.assertEqual(error.data, "HTTP 409 from PUT /api/0/issues/4506790000/: conflict")


class TestNetworkErrors(ErrorTest):
    def test_timeout(self):
        error = self.error_of(fault(requests.exceptions.ReadTimeout("read timed out")))
        self.assertEqual(error.preset, Preset.TIMEOUT)
        self.assertEqual(error.cause, PluginException.causes[Preset.TIMEOUT])
        self.assertIn(WHAT, error.data)
        self.assertIn("30", error.data)

    def test_connect_timeout(self):
        error = self.error_of(fault(requests.exceptions.ConnectTimeout("connect timed out")))
        self.assertEqual(error.preset, Preset.TIMEOUT)

    def test_connection_error(self):
        reason = ConnectionRefusedError(111, "Connection refused")
        wrapped = requests.exceptions.ConnectionError("HTTPSConnectionPool(host='sentry.example.com', port=443)")
        wrapped.__cause__ = reason
        # a dropped connection is retried once at once, even without any time to wait
        error = self.error_of(fault(wrapped), fault(wrapped))
        self.assertEqual(error.preset, Preset.CONNECTION_ERROR)
        self.assertEqual(len(self.server.requests), 2)
        self.assertEqual(error.cause, PluginException.causes[Preset.CONNECTION_ERROR])
        self.assertIn("Connection refused", error.data)

    def test_tls_error(self):
        error = self.error_of(fault(requests.exceptions.SSLError("certificate verify failed: self-signed certificate")))
        self.assertIn("certificate", error.cause)
        self.assertIn("Verify TLS", error.assistance)
        self.assertEqual(len(self.server.requests), 1)


class TestTokenNeverShown(ErrorTest):
    @parameterized.expand(
        [
            ("echoed_in_detail", reply(401, {"detail": f"Invalid token '{TOKEN}'"})),
            ("echoed_in_header", reply(400, headers={"X-Sentry-Error": f"token {TOKEN} revoked"})),
            ("echoed_in_html", reply(500, f"<pre>Authorization: Bearer {TOKEN}</pre>")),
            ("echoed_in_field_errors", reply(400, {"token": [TOKEN]})),
            ("connection_error", *[fault(requests.exceptions.ConnectionError(f"proxy said: Bearer {TOKEN}"))] * 2),
            ("tls_error", fault(requests.exceptions.SSLError(f"handshake with Bearer {TOKEN}"))),
            ("redirect", reply(302, headers={"Location": f"https://login.example.net/?token={TOKEN}"})),
        ]
    )
    def test_redacted(self, _name, *answers):
        error = self.error_of(*answers)
        text = exception_text(error)
        self.assertNotIn(TOKEN, text)
        if "echoed" in _name:
            self.assertIn("********", error.data)


class TestUnits(unittest.TestCase):
    def test_redact(self):
        with mock.patch.object(errors, "_KNOWN_SECRETS", set()):
            remember_secret("secret1", None, "")
            self.assertEqual(redact("a secret1 b secret1"), "a ******** b ********")
            self.assertEqual(redact("text"), "text")
            remember_secret("abc", "long", "longsecret")
            self.assertEqual(redact("abc"), "********", "a secret of any length is hidden")
            self.assertEqual(redact("a-longsecret"), "a-********", "the longest first")

    def test_detail_of_an_unreadable_body(self):
        class Unreadable:
            headers = {}

            @property
            def content(self):
                raise requests.exceptions.ChunkedEncodingError("broken")

        self.assertEqual(sentry_detail(Unreadable()), "")

    def test_detail_redacts(self):
        response = requests.Response()
        response._content = json.dumps({"detail": f"bad {TOKEN}"}).encode()
        with mock.patch.object(errors, "_KNOWN_SECRETS", {TOKEN}):
            self.assertEqual(sentry_detail(response), "bad ********")

    @parameterized.expand(
        [
            ("418", 418, Preset.BAD_REQUEST),
            ("501", 501, Preset.SERVER_ERROR),
            ("599", 599, Preset.SERVER_ERROR),
        ]
    )
    def test_other_statuses(self, _name, status, preset):
        error = http_error(status, "GET /api/0/", "")
        self.assertEqual(error.preset, preset)
        self.assertIn(f"HTTP {status}", error.cause)
        self.assertEqual(error.data, "HTTP 418 from GET /api/0/".replace("418", str(status)))

    def test_429_without_a_wait(self):
        error = http_error(429, "GET /api/0/", "slow down")
        self.assertEqual(error.preset, Preset.RATE_LIMIT)
        self.assertIn("Try again later", error.assistance)
        self.assertEqual(error.data, "HTTP 429 from GET /api/0/: slow down")

    def test_list_issues_error_names_the_project_path(self):
        server = FakeSentry(reply(404, file="error_not_found.json.resp"))
        with self.assertRaises(PluginException) as context:
            run_action(
                ListProjectIssues,
                connect(connection_params(), server),
                {"organization_slug": "example-org", "project_slug": "gone"},
            )
        self.assertEqual(
            context.exception.data,
            "HTTP 404 from GET /api/0/projects/example-org/gone/issues/: The requested resource does not exist",
        )
