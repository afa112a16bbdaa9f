import email.utils
import gzip
import logging
import math
import ssl
import time
import unittest

import requests
from insightconnect_plugin_runtime.exceptions import PluginException
from parameterized import parameterized

from komand_sentry.actions.list_issue_events import ListIssueEvents
from komand_sentry.util import wire
from komand_sentry.util.errors import remember_secret
from komand_sentry.util.transport import MAX_RESPONSE_BYTES, Settings
from unit_test.util import (
    TOKEN,
    Body,
    FakeSentry,
    connect,
    connection_params,
    exception_text,
    fault,
    reply,
    run_action,
)

Preset = PluginException.Preset
URL = "https://sentry.example.com/api/0/issues/1/events/"
LOGGER = logging.getLogger("unit_test.transport")


class TransportTest(unittest.TestCase):
    def send(self, *replies, method="GET", timeout=30, max_retry_wait=60, **kwargs):
        self.server = FakeSentry(*replies)
        transport = self.server.transport(Settings(timeout=timeout, max_retry_wait=max_retry_wait), LOGGER)
        remember_secret(TOKEN)  # as the connection does with its token
        return transport.request(method, URL, **kwargs)

    def fails(self, *replies, **kwargs) -> PluginException:
        with self.assertRaises(PluginException) as context:
            self.send(*replies, **kwargs)
        self.assertNotIn(TOKEN, exception_text(context.exception))
        return context.exception


class TestEachAttempt(TransportTest):
    def test_request_settings(self):
        response = self.send(reply(200, [1, 2]), timeout=7)
        sent = self.server.requests[0]
        self.assertEqual(sent.timeout, (7.0, 7.0), "connect and read timeouts")
        self.assertTrue(sent.verify)
        self.assertTrue(sent.stream)
        self.assertEqual(response.json(), [1, 2])

    def test_verify_off(self):
        server = FakeSentry(reply(200))
        server.transport(Settings(verify_tls=False), LOGGER).request("GET", URL)
        self.assertFalse(server.requests[0].verify)

    def test_body_read_whole(self):
        body = Body(size=3 * 1024 * 1024)
        response = self.send(body.reply())
        self.assertEqual(len(response.content), 3 * 1024 * 1024)


class TestRetries(TransportTest):
    @parameterized.expand([("get", "GET"), ("put", "PUT"), ("post", "POST")])
    def test_5xx_retried_up_to_the_limit(self, _name, method):
        error = self.fails(reply(503), reply(500), reply(502), reply(504), method=method)
        self.assertEqual(error.preset, Preset.SERVICE_UNAVAILABLE)
        self.assertEqual(len(self.server.requests), 4)
        self.assertEqual(len(self.server.sleeps), 3)
        for sleep, base in zip(self.server.sleeps, (0.5, 1.0, 2.0)):
            self.assertGreaterEqual(sleep, base)
            self.assertLessEqual(sleep, base * 1.1)

    def test_5xx_then_success(self):
        response = self.send(reply(503), reply(500), reply(200, {"ok": True}))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(self.server.requests), 3)

    def test_same_request_every_attempt(self):
        self.send(reply(503), reply(200), method="PUT", data=b'{"status":"resolved"}')
        first, second = self.server.requests
        self.assertEqual((first.method, first.url, first.raw_body), (second.method, second.url, second.raw_body))

    def test_5xx_waits_within_max_retry_wait(self):
        error = self.fails(reply(503), reply(503), reply(503), max_retry_wait=1)
        self.assertEqual(error.preset, Preset.SERVICE_UNAVAILABLE)
        self.assertEqual(len(self.server.requests), 2)
        self.assertLessEqual(sum(self.server.sleeps), 1)

    def test_5xx_retry_after_respected(self):
        self.send(reply(503, headers={"Retry-After": "5"}), reply(200))
        self.assertEqual(self.server.sleeps, [5.0])

    def test_no_wait_at_all(self):
        error = self.fails(reply(500), max_retry_wait=0)
        self.assertEqual(error.preset, Preset.SERVER_ERROR)
        self.assertEqual(self.server.sleeps, [])

    @parameterized.expand([(str(status), status) for status in (400, 401, 403, 404, 405, 409, 413, 422)])
    def test_4xx_never_retried(self, _name, status):
        response = self.send(reply(status, {"detail": "no"}))
        self.assertEqual(response.status_code, status)
        self.assertEqual(len(self.server.requests), 1)
        self.assertEqual(self.server.sleeps, [])

    def test_timeouts_retried_then_fail(self):
        error = self.fails(*[fault(requests.exceptions.ReadTimeout("read timed out"))] * 4)
        self.assertEqual(error.preset, Preset.TIMEOUT)
        self.assertEqual(len(self.server.requests), 4)

    def test_dropped_connection_retried_at_once(self):
        response = self.send(fault(requests.exceptions.ConnectionError("Connection aborted.")), reply(200))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.server.sleeps, [])

    def test_connection_errors_then_fail(self):
        error = self.fails(*[fault(requests.exceptions.ConnectionError("Connection refused"))] * 4)
        self.assertEqual(error.preset, Preset.CONNECTION_ERROR)
        self.assertEqual(len(self.server.requests), 4)

    def test_body_breaking_off_retried(self):
        broken = Body(size=1000, error=ConnectionResetError(104, "Connection reset by peer"))
        response = self.send(broken.reply(), reply(200, {"ok": True}))
        self.assertEqual(response.json(), {"ok": True})
        self.assertEqual(len(self.server.requests), 2)

    def test_body_stopping_retried(self):
        stalled = Body(size=10, error=TimeoutError("timed out"))
        response = self.send(stalled.reply(), reply(200, {"ok": True}))
        self.assertEqual(response.json(), {"ok": True})

    def test_slow_body_has_a_deadline(self):
        # each piece arrives within the read timeout, but the whole answer takes longer than 3 timeouts
        def slow(_sent):
            return Body(size=None, server=self.server, delay=31.0).reply()

        error = self.fails(slow, slow, slow, slow, timeout=30)
        self.assertEqual(error.preset, Preset.TIMEOUT)
        self.assertIn("did not arrive in time", error.data)
        self.assertEqual(len(self.server.requests), 4)

    def test_tls_broken_while_reading_retried(self):
        broken = Body(size=100, error=ssl.SSLError("decryption failed or bad record mac"))
        response = self.send(broken.reply(), reply(200, {"ok": True}))
        self.assertEqual(response.json(), {"ok": True})
        self.assertEqual(len(self.server.requests), 2)

    def test_undecodable_gzip_body(self):
        error = self.fails(reply(200, b"this is not gzip", {"Content-Encoding": "gzip"}))
        self.assertIn("could not be decoded", error.cause)
        self.assertEqual(len(self.server.requests), 1)

    def test_gzip_body_decoded(self):
        response = self.send(reply(200, gzip.compress(b'{"ok": true}'), {"Content-Encoding": "gzip"}))
        self.assertEqual(response.json(), {"ok": True})

    def test_tls_error_not_retried(self):
        error = self.fails(fault(requests.exceptions.SSLError("certificate verify failed")))
        self.assertIn("certificate", error.cause)
        self.assertEqual(len(self.server.requests), 1)

    def test_invalid_url_not_retried(self):
        error = self.fails(fault(requests.exceptions.InvalidURL("Failed to parse")))
        self.assertIn("not valid", error.cause)
        self.assertEqual(len(self.server.requests), 1)


class TestRateLimits(TransportTest):
    def test_retry_after(self):
        response = self.send(reply(429, headers={"Retry-After": "2"}), reply(200))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.server.sleeps, [2.0])

    def test_retry_after_http_date(self):
        when = email.utils.formatdate(time.time() + 30, usegmt=True)
        self.send(reply(429, headers={"Retry-After": when}), reply(200))
        self.assertEqual(len(self.server.sleeps), 1)
        self.assertAlmostEqual(self.server.sleeps[0], 30, delta=2)

    def test_rate_limit_reset(self):
        reset = str(int(time.time()) + 5)
        self.send(
            reply(429, file="error_rate_limit.json.resp", headers={"X-Sentry-Rate-Limit-Reset": reset}), reply(200)
        )
        self.assertEqual(len(self.server.sleeps), 1)
        self.assertAlmostEqual(self.server.sleeps[0], 5, delta=1.5)

    def test_reset_in_the_past(self):
        self.send(reply(429, headers={"X-Sentry-Rate-Limit-Reset": str(int(time.time()) - 100)}), reply(200))
        self.assertEqual(len(self.server.requests), 2)
        self.assertEqual(self.server.sleeps, [])

    def test_no_header_means_a_minute(self):
        self.send(reply(429), reply(200), max_retry_wait=60)
        self.assertEqual(self.server.sleeps, [60.0])

    def test_no_header_and_less_patience(self):
        error = self.fails(reply(429), max_retry_wait=30)
        self.assertEqual(error.preset, Preset.RATE_LIMIT)
        self.assertIn("after 60 seconds", error.assistance)

    def test_longer_wait_fails_at_once(self):
        error = self.fails(
            reply(429, file="error_rate_limit.json.resp", headers={"Retry-After": "3600"}), max_retry_wait=60
        )
        self.assertEqual(error.preset, Preset.RATE_LIMIT)
        self.assertEqual(error.cause, "Sentry is rate-limiting these requests (HTTP 429).")
        self.assertIn("Try again after 3600 seconds", error.assistance)
        self.assertIn("Max Retry Wait", error.assistance)
        self.assertIn("Limit is 40 requests in 1 seconds", error.data)
        self.assertEqual(len(self.server.requests), 1)
        self.assertEqual(self.server.sleeps, [])

    def test_waits_add_up(self):
        error = self.fails(
            reply(429, headers={"Retry-After": "20"}),
            reply(429, headers={"Retry-After": "20"}),
            reply(429, headers={"Retry-After": "21"}),
            max_retry_wait=60,
        )
        self.assertEqual(error.preset, Preset.RATE_LIMIT)
        self.assertEqual(self.server.sleeps, [20.0, 20.0])
        self.assertIn("after 21 seconds", error.assistance)

    def test_endless_429_bounded(self):
        error = self.fails(*[reply(429, headers={"Retry-After": "0"})] * 6, max_retry_wait=3600)
        self.assertEqual(error.preset, Preset.RATE_LIMIT)
        self.assertEqual(len(self.server.requests), 6)

    @parameterized.expand([("garbage", "soon"), ("empty", "")])
    def test_unreadable_retry_after_means_a_minute(self, _name, value):
        self.send(reply(429, headers={"Retry-After": value}), reply(200), max_retry_wait=60)
        self.assertEqual(self.server.sleeps, [60.0])

    def test_unreadable_retry_after_falls_back_to_reset(self):
        reset = str(int(time.time()) + 10)
        self.send(reply(429, headers={"Retry-After": "soon", "X-Sentry-Rate-Limit-Reset": reset}), reply(200))
        self.assertAlmostEqual(self.server.sleeps[0], 10, delta=1.5)

    def test_fraction_rounded_up(self):
        reset = f"{time.time() + 90.5:.3f}"
        error = self.fails(reply(429, headers={"X-Sentry-Rate-Limit-Reset": reset}), max_retry_wait=60)
        self.assertIn("after 91 seconds", error.assistance)

    def test_retry_after_is_read_as_rfc_9110_has_it(self):
        # whole seconds or an HTTP date (urllib3's parser); a fraction is no form of Retry-After: no time named
        self.send(reply(429, headers={"Retry-After": "90.2"}), reply(200), max_retry_wait=60)
        self.assertEqual(self.server.sleeps, [60.0])


class TestRedirects(TransportTest):
    @parameterized.expand([(str(status), status) for status in (301, 302, 303, 307, 308)])
    def test_not_followed(self, _name, status):
        error = self.fails(reply(status, headers={"Location": "https://login.example.net/auth?next=/api/0/"}))
        self.assertIn(f"HTTP {status}", error.cause)
        self.assertIn("https://login.example.net", error.cause)
        self.assertEqual(len(self.server.requests), 1)

    def test_target_credentials_not_shown(self):
        error = self.fails(reply(302, headers={"Location": "https://admin:hunter22@evil.example.net/x"}))
        self.assertIn("https://evil.example.net", error.cause)
        self.assertNotIn("hunter22", exception_text(error))

    def test_http_to_https(self):
        error = self.fails(reply(301, headers={"Location": "https://sentry.example.com/api/0/"}))
        self.assertIn("https://sentry.example.com", error.cause)
        self.assertIn("https", error.assistance)

    def test_no_location(self):
        error = self.fails(reply(302))
        self.assertIn("another address", error.cause)

    def test_token_not_sent_to_the_target(self):
        server = FakeSentry(reply(302, headers={"Location": "https://evil.example.net/api/0/issues/1/events/"}))
        with self.assertRaises(PluginException):
            run_action(ListIssueEvents, connect(connection_params(), server), {"issue_id": "1"})
        self.assertEqual([sent.host for sent in server.requests], ["sentry.example.com"])


class TestBodySize(TransportTest):
    def test_declared_too_large(self):
        body = Body(size=None)
        error = self.fails(body.reply(headers={"Content-Length": str(MAX_RESPONSE_BYTES + 1)}))
        self.assertIn("larger than 32 MiB", error.cause)
        self.assertEqual(body.served, 0, "nothing read")
        self.assertEqual(len(self.server.requests), 1)

    def test_endless_body_stopped(self):
        body = Body(size=None)
        error = self.fails(body.reply())
        self.assertIn("larger than 32 MiB", error.cause)
        self.assertLessEqual(body.served, MAX_RESPONSE_BYTES + 512 * 1024)
        self.assertEqual(len(self.server.requests), 1)

    def test_exactly_the_limit_accepted(self):
        response = self.send(Body(size=MAX_RESPONSE_BYTES).reply())
        self.assertEqual(len(response.content), MAX_RESPONSE_BYTES)


class TestDeadlinesAndSteps(TransportTest):
    def test_every_request_carries_its_whole_request_deadline(self):
        def answer(_sent):
            left.append(wire._WIRE.deadline - time.monotonic())
            return reply(200)

        left = []
        self.send(answer, timeout=7)
        self.assertAlmostEqual(left[0], 21.0, delta=1, msg="3 x Timeout for the whole request")
        self.assertEqual(wire._WIRE.deadline, math.inf, "none outside the request")

    def test_retry_waits_are_shared_by_the_step(self):
        server = FakeSentry(reply(503), reply(200), reply(503))
        transport = server.transport(Settings(timeout=1, max_retry_wait=1), LOGGER)
        with transport.step():
            self.assertEqual(transport.request("GET", URL).status_code, 200)  # waited about 0.5 s
            with self.assertRaises(PluginException) as context:  # 0.5 + 1 s would pass Max Retry Wait 1
                transport.request("GET", URL)
        self.assertEqual(context.exception.preset, Preset.SERVICE_UNAVAILABLE)
        self.assertEqual(len(server.requests), 3)
        self.assertEqual(len(server.sleeps), 1)
        # outside a step, each request is a step of its own, with Max Retry Wait to itself
        server.queue(reply(503), reply(200), reply(503), reply(200))
        self.assertEqual(transport.request("GET", URL).status_code, 200)
        self.assertEqual(transport.request("GET", URL).status_code, 200)
        self.assertEqual(len(server.sleeps), 3)

    def test_step_ends_at_its_time_limit(self):
        # every answer takes 2.9 s (within 3 x Timeout 1): the step of 20 x Timeout has room for six and a bit
        def slow(_sent):
            self.server.now += 2.9
            left.append(wire._WIRE.deadline - time.monotonic())
            return reply(200, [1])

        left = []

        self.server = FakeSentry(*[slow] * 7)
        transport = self.server.transport(Settings(timeout=1, max_retry_wait=0), LOGGER)
        with transport.step():
            for _ in range(6):
                self.assertEqual(transport.request("GET", URL).json(), [1])
            with self.assertRaises(PluginException) as context:
                transport.request("GET", URL)
        self.assertEqual(context.exception.preset, Preset.TIMEOUT)
        self.assertIn("the step used up its time limit of 20 s", context.exception.cause)
        self.assertEqual(len(self.server.requests), 7)
        self.assertAlmostEqual(left[6], 20 - 6 * 2.9, delta=0.5, msg="only what the step had left")

    def test_retry_only_while_the_step_has_a_timeout_left(self):
        self.server = FakeSentry(reply(200), reply(503))
        transport = self.server.transport(Settings(timeout=1, max_retry_wait=5), LOGGER)
        with transport.step():  # 20 x 1 + 5 = 25 s
            transport.request("GET", URL)
            self.server.now += 23.8  # the step went on; a 0.5 s wait would leave it 0.7 s, less than a Timeout
            with self.assertRaises(PluginException) as context:
                transport.request("GET", URL)
        self.assertEqual(context.exception.preset, Preset.SERVICE_UNAVAILABLE)
        self.assertEqual(self.server.sleeps, [])


class TestHostileAnswers(TransportTest):
    def test_host_the_parsers_disagree_on_is_never_sent_to(self):
        server = FakeSentry()
        transport = server.transport(Settings(), LOGGER)
        with self.assertRaises(PluginException) as context:
            transport.request("GET", "https://evil.example\\.sentry.example.com/api/0/")
        self.assertIn("characters a host name never has", context.exception.cause)
        self.assertEqual(server.requests, [])

    @parameterized.expand(
        [
            ("reset_inf", {"X-Sentry-Rate-Limit-Reset": "inf"}),
            ("reset_1e400", {"X-Sentry-Rate-Limit-Reset": "1e400"}),
            ("retry_after_huge_integer", {"Retry-After": "9" * 400}),
        ]
    )
    def test_endless_wait_is_the_rate_limit_error(self, _name, headers):
        error = self.fails(reply(429, headers=headers), max_retry_wait=3600)
        self.assertEqual(error.preset, Preset.RATE_LIMIT)
        self.assertIn("Try again later", error.assistance)
        self.assertEqual(self.server.sleeps, [])

    @parameterized.expand(
        [("retry_after_inf", {"Retry-After": "inf"}), ("reset_nan", {"X-Sentry-Rate-Limit-Reset": "nan"})]
    )
    def test_no_number_is_the_default_wait(self, _name, headers):
        self.send(reply(429, headers=headers), reply(200), max_retry_wait=60)
        self.assertEqual(self.server.sleeps, [60.0])

    def test_redirect_to_an_unparsable_location(self):
        error = self.fails(reply(302, headers={"Location": "http://[::1/x"}))
        self.assertIn("redirect (HTTP 302) to an address that is not a valid URL", error.cause)

    def test_token_in_the_redirect_host_is_hidden(self):
        error = self.fails(reply(302, headers={"Location": f"https://{TOKEN}.evil.example.net/"}))
        self.assertIn("https://********.evil.example.net", error.cause)

    def test_idle_connection_closed_is_logged_as_such(self):
        from http.client import RemoteDisconnected

        from komand_sentry.util.wire import IdleConnectionClosed

        closed = requests.exceptions.ConnectionError(IdleConnectionClosed("Remote end closed connection"))
        with self.assertLogs(LOGGER, "INFO") as logs:
            self.send(fault(closed), reply(200))
        self.assertEqual(len(logs.records), 1)
        self.assertIn("closed the idle kept-alive connection; sending again on a new one", logs.output[0])
        self.assertNotIn("Failed to connect", logs.output[0])
        self.assertTrue(issubclass(IdleConnectionClosed, RemoteDisconnected))
