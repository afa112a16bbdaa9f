import gzip
import json
import re
import unittest
from datetime import datetime, timedelta, timezone

from insightconnect_plugin_runtime.exceptions import PluginException
from parameterized import parameterized

from komand_sentry.actions.submit_event import SubmitEvent
from unit_test.util import (
    DSN,
    DSN_WITH_SECRET,
    PUBLIC_KEY,
    SECRET_KEY,
    TOKEN,
    FakeSentry,
    accept_event,
    auth_pairs,
    connect,
    connection_params,
    envelope_lines,
    exception_text,
    reply,
    run_action,
    sent_event,
    spec_version,
)

HEX32 = re.compile(r"^[0-9a-f]{32}$")


def _dashed(hex32: str) -> str:
    return f"{hex32[:8]}-{hex32[8:12]}-{hex32[12:16]}-{hex32[16:20]}-{hex32[20:]}"


EVENT = {
    "message": "Workflow step failed",
    "level": "error",
    "tags": {"workflow": "phishing-triage"},
    "exception": [{"type": "ValueError", "value": "bad input", "module": "builtins"}],
}
ENVELOPE_URL = "https://o1.ingest.us.sentry.io/api/456/envelope/"
STORE_URL = "https://o1.ingest.us.sentry.io/api/456/store/"


class SubmitEventTest(unittest.TestCase):
    def submit(self, params, *replies, connection=None):
        server = FakeSentry(*replies)
        output = run_action(SubmitEvent, connect(connection or connection_params(), server), params)
        server.assert_done(self)
        return output, server

    def refused(self, params, *replies, connection=None) -> PluginException:
        server = FakeSentry(*replies)
        with self.assertRaises(PluginException) as context:
            run_action(SubmitEvent, connect(connection or connection_params(), server), params)
        self.server = server
        self.assertNotIn(TOKEN, exception_text(context.exception))
        self.assertNotIn(PUBLIC_KEY, exception_text(context.exception))
        self.assertNotIn(SECRET_KEY, exception_text(context.exception))
        return context.exception


class TestSentToTheEnvelopeEndpoint(SubmitEventTest):
    def test_output(self):
        output, server = self.submit({"dsn": DSN, "event_json": EVENT}, accept_event)
        self.assertEqual(output, {"id": sent_event(server.requests[0])["event_id"], "endpoint": "envelope"})
        self.assertRegex(output["id"], HEX32)

    def test_request(self):
        _, server = self.submit({"dsn": DSN, "event_json": EVENT}, accept_event)
        self.assertEqual(len(server.requests), 1)
        sent = server.requests[0]
        self.assertEqual((sent.method, sent.url), ("POST", ENVELOPE_URL))
        self.assertEqual(sent.headers["Content-Type"], "application/x-sentry-envelope")
        self.assertEqual(sent.headers["Content-Encoding"], "gzip")
        self.assertEqual(sent.headers["User-Agent"], f"komand-sentry/{spec_version()}")
        self.assertTrue(sent.raw_body.startswith(b"\x1f\x8b"), "the body is gzip")
        self.assertEqual(gzip.decompress(sent.raw_body), sent.body)

    def test_auth_header_without_secret(self):
        _, server = self.submit({"dsn": DSN, "event_json": EVENT}, accept_event)
        self.assertEqual(
            auth_pairs(server.requests[0].headers["X-Sentry-Auth"]),
            {"sentry_version": "7", "sentry_client": f"komand-sentry/{spec_version()}", "sentry_key": PUBLIC_KEY},
        )

    def test_auth_header_with_secret_and_version(self):
        _, server = self.submit(
            {"dsn": DSN_WITH_SECRET, "event_json": EVENT, "sentry_version": 6, "endpoint": "auto"}, accept_event
        )
        sent = server.requests[0]
        self.assertEqual(sent.url, "https://sentry.example.com:9000/prefix/api/42/envelope/")
        self.assertEqual(
            auth_pairs(sent.headers["X-Sentry-Auth"]),
            {
                "sentry_version": "6",
                "sentry_client": f"komand-sentry/{spec_version()}",
                "sentry_key": PUBLIC_KEY,
                "sentry_secret": SECRET_KEY,
            },
        )

    def test_no_bearer_token_to_ingestion(self):
        connection = connect(connection_params(), FakeSentry())
        connection.api  # the Web API client exists and has set its token on its own session
        server = FakeSentry(accept_event)
        connection._transport = lambda: server.transport(connection.settings, connection.logger)
        connection._ingest = None
        run_action(SubmitEvent, connection, {"dsn": DSN, "event_json": EVENT})
        sent = server.requests[0]
        self.assertNotIn("Authorization", sent.headers)
        self.assertNotIn(TOKEN, sent.everything())

    def test_envelope_framing(self):
        _, server = self.submit({"dsn": DSN_WITH_SECRET, "event_json": dict(EVENT, message="héllo ✓")}, accept_event)
        header, item, payload = envelope_lines(server.requests[0])
        header, item, event = json.loads(header), json.loads(item), json.loads(payload)
        self.assertEqual(set(header), {"event_id", "dsn", "sent_at"})
        self.assertEqual(header["dsn"], f"https://{PUBLIC_KEY}@sentry.example.com:9000/prefix/42")
        self.assertNotIn(SECRET_KEY, server.requests[0].body.decode("utf-8"))
        self.assertEqual(header["event_id"], event["event_id"])
        self.assertTrue(header["sent_at"].endswith("Z"))
        sent_at = datetime.fromisoformat(header["sent_at"].replace("Z", "+00:00"))
        self.assertLess(abs(datetime.now(timezone.utc) - sent_at), timedelta(minutes=1))
        self.assertEqual(item, {"type": "event", "length": len(payload), "content_type": "application/json"})
        self.assertGreater(len(payload), len(payload.decode("utf-8")), "the length counts bytes, not characters")
        self.assertEqual(event["message"], "héllo ✓")

    def test_headers_are_compact_single_lines(self):
        _, server = self.submit({"dsn": DSN, "event_json": EVENT}, accept_event)
        header, item, _ = envelope_lines(server.requests[0])
        self.assertNotIn(b": ", header)
        self.assertNotIn(b", ", item)

    def test_payload(self):
        _, server = self.submit({"dsn": DSN, "event_json": EVENT}, accept_event)
        event = sent_event(server.requests[0])
        self.assertEqual(event["exception"], {"values": EVENT["exception"]})
        self.assertEqual(event["message"], EVENT["message"])
        self.assertEqual(event["level"], "error")
        self.assertEqual(event["tags"], EVENT["tags"])
        self.assertEqual(event["platform"], "other")
        self.assertEqual(event["sdk"], {"name": "komand-sentry", "version": spec_version()})

    def test_id_confirmed_by_the_server(self):
        event = dict(EVENT, event_id="afd25d0e868f495fa802179d33ef3b97")
        output, _ = self.submit({"dsn": DSN, "event_json": event}, reply(200, file="relay_event_accepted.json.resp"))
        self.assertEqual(output["id"], "afd25d0e868f495fa802179d33ef3b97")

    def test_input_event_not_changed(self):
        event = json.loads(json.dumps(EVENT))
        self.submit({"dsn": DSN, "event_json": event}, accept_event)
        self.assertEqual(event, EVENT)

    def test_connection_url_not_needed(self):
        connection = connection_params(url="this is not a url ftp://", organization_slug="Not A Slug/..")
        output, server = self.submit({"dsn": DSN, "event_json": EVENT}, accept_event, connection=connection)
        self.assertEqual(output["endpoint"], "envelope")
        self.assertEqual(server.requests[0].url, ENVELOPE_URL)


class TestEventId(SubmitEventTest):
    @parameterized.expand(
        [
            ("kept", "fc6d8c0c43fc4630ad850ee518f1b9d0", "fc6d8c0c43fc4630ad850ee518f1b9d0"),
            ("uppercase", "FC6D8C0C43FC4630AD850EE518F1B9D0", "fc6d8c0c43fc4630ad850ee518f1b9d0"),
            ("dashed", "fc6d8c0c-43fc-4630-ad85-0ee518f1b9d0", "fc6d8c0c43fc4630ad850ee518f1b9d0"),
            ("dashed_uppercase", "FC6D8C0C-43FC-4630-AD85-0EE518F1B9D0", "fc6d8c0c43fc4630ad850ee518f1b9d0"),
        ]
    )
    def test_normalised(self, _name, given, expected):
        output, server = self.submit({"dsn": DSN, "event_json": dict(EVENT, event_id=given)}, accept_event)
        header = json.loads(envelope_lines(server.requests[0])[0])
        self.assertEqual(header["event_id"], expected)
        self.assertEqual(sent_event(server.requests[0])["event_id"], expected)
        self.assertEqual(output["id"], expected)

    def test_generated_when_absent(self):
        first, _ = self.submit({"dsn": DSN, "event_json": EVENT}, accept_event)
        second, _ = self.submit({"dsn": DSN, "event_json": EVENT}, accept_event)
        self.assertRegex(first["id"], HEX32)
        self.assertRegex(second["id"], HEX32)
        self.assertNotEqual(first["id"], second["id"])

    @parameterized.expand([("word", "not-a-uuid"), ("short", "abc123"), ("non_hex", "z" * 32)])
    def test_invalid_refused_and_nothing_sent(self, _name, given):
        error = self.refused({"dsn": DSN, "event_json": dict(EVENT, event_id=given)})
        self.assertTrue(error.cause.startswith("Invalid input 'event_json.event_id'"))
        self.assertEqual(self.server.requests, [])


class TestTimestampAndLevel(SubmitEventTest):
    @parameterized.expand(
        [
            ("offset", "2026-11-29T15:03:00+01:00", datetime(2026, 11, 29, 14, 3, tzinfo=timezone.utc)),
            ("negative_offset", "2026-11-29T09:03:00-05:00", datetime(2026, 11, 29, 14, 3, tzinfo=timezone.utc)),
            ("no_offset", "2026-11-29T14:03:00", datetime(2026, 11, 29, 14, 3, tzinfo=timezone.utc)),
            ("z", "2026-11-29T14:03:00.5Z", datetime(2026, 11, 29, 14, 3, 0, 500000, tzinfo=timezone.utc)),
        ]
    )
    def test_timestamp_sent_in_utc(self, _name, given, instant):
        _, server = self.submit({"dsn": DSN, "event_json": dict(EVENT, timestamp=given)}, accept_event)
        sent = sent_event(server.requests[0])["timestamp"]
        self.assertTrue(sent.endswith("Z"), sent)
        self.assertEqual(datetime.fromisoformat(sent.replace("Z", "+00:00")), instant)

    def test_unparseable_timestamp_refused(self):
        error = self.refused({"dsn": DSN, "event_json": dict(EVENT, timestamp="last tuesday")})
        self.assertTrue(error.cause.startswith("Invalid input 'event_json.timestamp'"))
        self.assertEqual(self.server.requests, [])

    @parameterized.expand([("uppercase", "FATAL", "fatal"), ("warn", "warn", "warning")])
    def test_level_normalised(self, _name, given, expected):
        _, server = self.submit({"dsn": DSN, "event_json": dict(EVENT, level=given)}, accept_event)
        self.assertEqual(sent_event(server.requests[0])["level"], expected)

    def test_unknown_level_refused(self):
        error = self.refused({"dsn": DSN, "event_json": dict(EVENT, level="critical")})
        self.assertTrue(error.cause.startswith("Invalid input 'event_json.level'"))
        self.assertEqual(self.server.requests, [])


class TestLimits(SubmitEventTest):
    def test_over_one_mib_refused_before_sending(self):
        error = self.refused({"dsn": DSN, "event_json": dict(EVENT, message="x" * (1024 * 1024))})
        self.assertTrue(error.cause.startswith("Invalid input 'event_json'"))
        self.assertIn("1 MiB", error.cause)
        self.assertEqual(self.server.requests, [])

    def test_large_event_within_limit_sent(self):
        output, server = self.submit({"dsn": DSN, "event_json": dict(EVENT, message="é" * 450_000)}, accept_event)
        payload = envelope_lines(server.requests[0])[2]
        self.assertLessEqual(len(payload), 1024 * 1024)
        self.assertEqual(output["endpoint"], "envelope")

    @parameterized.expand([("zero", 0), ("too_big", 100)])
    def test_sentry_version_out_of_range(self, _name, version):
        error = self.refused({"dsn": DSN, "event_json": EVENT, "sentry_version": version})
        self.assertTrue(error.cause.startswith("Invalid input 'sentry_version'"))
        self.assertEqual(self.server.requests, [])

    def test_nested_900_levels_refused_before_sending(self):
        nested = "deep"
        for _ in range(900):
            nested = {"inner": nested}
        error = self.refused({"dsn": DSN, "event_json": dict(EVENT, extra=nested)})
        self.assertEqual(
            error.cause,
            "Invalid input 'event_json': it is nested more than 100 levels deep, more than " "Sentry accepts.",
        )
        self.assertEqual(self.server.requests, [])

    def test_invalid_dsn_sends_nothing(self):
        error = self.refused({"dsn": f"https://{PUBLIC_KEY}@sentry.example.com/not-a-number", "event_json": EVENT})
        self.assertTrue(error.cause.startswith("Invalid input 'dsn'"))
        self.assertEqual(self.server.requests, [])


class TestStoreFallback(SubmitEventTest):
    @parameterized.expand(
        [
            ("404", reply(404, file="error_not_found.json.resp")),
            ("404_empty", reply(404)),
            ("405", reply(405, "Method Not Allowed", {"Allow": "GET"})),
            ("403_html", reply(403, file="sentry9_csrf_403.html.resp")),
        ]
    )
    def test_falls_back_to_store(self, _name, no_envelope):
        output, server = self.submit({"dsn": DSN_WITH_SECRET, "event_json": EVENT}, no_envelope, accept_event)
        self.assertEqual(output["endpoint"], "store")
        envelope, store = server.requests
        self.assertEqual(envelope.url, "https://sentry.example.com:9000/prefix/api/42/envelope/")
        self.assertEqual((store.method, store.url), ("POST", "https://sentry.example.com:9000/prefix/api/42/store/"))
        self.assertEqual(store.headers["Content-Type"], "application/json")
        self.assertIsNone(store.headers.get("Content-Encoding"))
        self.assertEqual(store.headers["X-Sentry-Auth"], envelope.headers["X-Sentry-Auth"])
        self.assertEqual(store.json(), sent_event(envelope), "the same event, with the same event_id")
        self.assertEqual(output["id"], store.json()["event_id"])

    def test_store_refusal_reported(self):
        error = self.refused(
            {"dsn": DSN, "event_json": EVENT}, reply(404), reply(401, file="relay_missing_auth.json.resp")
        )
        self.assertIn("DSN", error.cause)
        self.assertIn("HTTP 401 from POST /api/456/store/", error.data)
        self.assertEqual(len(self.server.requests), 2)

    def test_401_not_a_missing_endpoint(self):
        error = self.refused({"dsn": DSN, "event_json": EVENT}, reply(401, file="relay_missing_auth.json.resp"))
        self.assertEqual(error.cause, "Sentry refused the DSN's key (HTTP 401).")
        self.assertIn("missing authorization information", error.data)
        self.assertEqual(len(self.server.requests), 1)

    def test_json_403_not_a_missing_endpoint(self):
        error = self.refused({"dsn": DSN, "event_json": EVENT}, reply(403, file="relay_project_rejected.json.resp"))
        self.assertTrue(error.cause.startswith("Sentry rejected the event for this DSN (HTTP 403)"))
        self.assertIn("event submission rejected with_reason: ProjectId", error.data)
        self.assertIn("Client Keys (DSN)", error.assistance)
        self.assertEqual(len(self.server.requests), 1)

    def test_400_not_a_missing_endpoint(self):
        error = self.refused(
            {"dsn": DSN, "event_json": EVENT}, reply(400, {"detail": "invalid event envelope", "causes": ["eof"]})
        )
        self.assertEqual(error.preset, PluginException.Preset.BAD_REQUEST)
        self.assertIn("invalid event envelope", error.data)
        self.assertEqual(len(self.server.requests), 1)

    def test_413_too_large(self):
        error = self.refused({"dsn": DSN, "event_json": EVENT}, reply(413, "Payload Too Large"))
        self.assertIn("too large", error.cause)
        self.assertEqual(len(self.server.requests), 1)


class TestEndpointInput(SubmitEventTest):
    def test_store_only(self):
        output, server = self.submit({"dsn": DSN, "event_json": EVENT, "endpoint": "store"}, accept_event)
        self.assertEqual(output["endpoint"], "store")
        self.assertEqual([sent.url for sent in server.requests], [STORE_URL])
        self.assertEqual(server.requests[0].json()["exception"], {"values": EVENT["exception"]})

    def test_envelope_only(self):
        output, server = self.submit({"dsn": DSN, "event_json": EVENT, "endpoint": "envelope"}, accept_event)
        self.assertEqual(output["endpoint"], "envelope")
        self.assertEqual([sent.url for sent in server.requests], [ENVELOPE_URL])

    def test_envelope_only_does_not_fall_back(self):
        error = self.refused({"dsn": DSN, "event_json": EVENT, "endpoint": "envelope"}, reply(404))
        self.assertEqual(error.preset, PluginException.Preset.NOT_FOUND)
        self.assertIn("HTTP 404 from POST /api/456/envelope/", error.data)
        self.assertEqual([sent.url for sent in self.server.requests], [ENVELOPE_URL])

    def test_store_only_404(self):
        error = self.refused({"dsn": DSN, "event_json": EVENT, "endpoint": "store"}, reply(404))
        self.assertEqual(error.preset, PluginException.Preset.NOT_FOUND)
        self.assertEqual([sent.url for sent in self.server.requests], [STORE_URL])

    def test_unknown_endpoint_refused_by_the_schema(self):
        from jsonschema.exceptions import ValidationError

        with self.assertRaises(ValidationError):
            run_action(SubmitEvent, connect(), {"dsn": DSN, "event_json": EVENT, "endpoint": "both"})


class TestConfirmation(SubmitEventTest):
    @parameterized.expand(
        [
            ("empty_object", reply(200, {})),
            ("empty_body", reply(200)),
            ("null_id", reply(200, {"id": None})),
            ("html", reply(200, "<html>Welcome</html>", {"Content-Type": "text/html"})),
            ("list", reply(200, [])),
        ]
    )
    def test_200_without_an_id_is_an_error(self, _name, answer):
        error = self.refused({"dsn": DSN, "event_json": EVENT}, answer)
        self.assertEqual(error.preset, PluginException.Preset.INVALID_JSON)
        self.assertIn("did not confirm an event ID", exception_text(error))
        self.assertTrue(error.data.startswith("HTTP 200 from POST /api/456/envelope/"), error.data)

    @parameterized.expand(
        [
            ("event_id_key", lambda sent: reply(200, {"event_id": sent_event(sent)["event_id"]})),
            ("dashed_uppercase", lambda sent: reply(200, {"id": _dashed(sent_event(sent)["event_id"]).upper()})),
            ("id_null_event_id_given", lambda sent: reply(200, {"id": None, "event_id": sent_event(sent)["event_id"]})),
        ]
    )
    def test_either_key_confirms_the_event(self, _name, answer):
        output, server = self.submit({"dsn": DSN, "event_json": EVENT, "endpoint": "store"}, answer)
        self.assertEqual(output["id"], sent_event(server.requests[0])["event_id"])

    @parameterized.expand([("id", "id"), ("event_id", "event_id")])
    def test_another_id_is_refused(self, _name, key):
        event = dict(EVENT, event_id="0123456789abcdef0123456789abcdef")
        error = self.refused({"dsn": DSN, "event_json": event}, reply(200, {key: "afd25d0e868f495fa802179d33ef3b97"}))
        self.assertIn("confirmed another event ID ('afd25d0e868f495fa802179d33ef3b97')", error.cause)
        self.assertIn("(0123456789abcdef0123456789abcdef)", error.cause)
        self.assertEqual(len(self.server.requests), 1)

    @parameterized.expand(
        [
            ("nan", b', "took": NaN}'),
            ("nested_100000_deep", b', "more": ' + b"[" * 100000 + b"]" * 100000 + b"}"),
        ]
    )
    def test_answer_that_is_not_strict_json(self, _name, rest):
        event = dict(EVENT, event_id="0123456789abcdef0123456789abcdef")
        body = b'{"id": "0123456789abcdef0123456789abcdef"' + rest
        error = self.refused({"dsn": DSN, "event_json": event}, reply(200, body, {"Content-Type": "application/json"}))
        self.assertIn("did not confirm an event ID", error.cause)

    def test_keys_hidden_in_later_errors_too(self):
        # a DSN's keys, once parsed, are hidden even where the error does not know them (another step's text)
        from komand_sentry.util.errors import redact

        key = "feedc0de" * 4
        self.submit({"dsn": f"https://{key}@o1.ingest.us.sentry.io/456", "event_json": EVENT}, accept_event)
        self.assertEqual(redact(f"the key {key}"), "the key ********")

    def test_retried_with_the_same_bytes(self):
        output, server = self.submit({"dsn": DSN, "event_json": EVENT}, reply(503), reply(502), accept_event)
        self.assertEqual(len(server.requests), 3)
        self.assertEqual(len({sent.raw_body for sent in server.requests}), 1)
        self.assertEqual(output["id"], sent_event(server.requests[0])["event_id"])

    def test_key_echoed_by_the_server_is_redacted(self):
        answer = reply(401, {"detail": f"bad key {PUBLIC_KEY} secret {SECRET_KEY}"})
        error = self.refused({"dsn": DSN_WITH_SECRET, "event_json": EVENT}, answer)
        self.assertIn("bad key ******** secret ********", error.data)


class TestIngestionRateLimits(SubmitEventTest):
    @parameterized.expand(
        [
            ("retry_after", {"Retry-After": "7"}, 7.0),
            ("rate_limits_all_categories", {"X-Sentry-Rate-Limits": "12::organization"}, 12.0),
            (
                "rate_limits_error",
                {"X-Sentry-Rate-Limits": "60:transaction:key, 9:default;error;security:project"},
                9.0,
            ),
            ("rate_limits_longest", {"X-Sentry-Rate-Limits": "3:error:key, 20:default:organization:quota"}, 20.0),
            ("rate_limits_malformed_entries", {"X-Sentry-Rate-Limits": "garbage, soon:error:key, 5:error:key"}, 5.0),
            ("rate_limits_none_for_events", {"X-Sentry-Rate-Limits": "99:transaction:key"}, 60.0),
        ]
    )
    def test_waits_as_asked(self, _name, headers, wait):
        output, server = self.submit({"dsn": DSN, "event_json": EVENT}, reply(429, headers=headers), accept_event)
        self.assertEqual(server.sleeps, [wait])
        self.assertEqual(output["endpoint"], "envelope")
        self.assertEqual(len(server.requests), 2)

    @parameterized.expand(
        [
            ("rate_limits_inf", {"X-Sentry-Rate-Limits": "inf:error:key"}),
            ("rate_limits_1e400", {"X-Sentry-Rate-Limits": "1e400:default;error:organization"}),
            ("retry_after_huge_integer", {"Retry-After": "9" * 400}),
            ("reset_inf", {"X-Sentry-Rate-Limit-Reset": "inf"}),
        ]
    )
    def test_endless_wait_is_a_rate_limit_error(self, _name, headers):
        error = self.refused({"dsn": DSN, "event_json": EVENT}, reply(429, headers=headers))
        self.assertEqual(error.preset, PluginException.Preset.RATE_LIMIT)
        self.assertIn("Try again later", error.assistance)
        self.assertEqual(self.server.sleeps, [])

    @parameterized.expand(
        [
            ("rate_limits_nan", {"X-Sentry-Rate-Limits": "nan:error:key"}),
            ("retry_after_inf", {"Retry-After": "inf"}),
            ("retry_after_1e400", {"Retry-After": "1e400"}),
            ("reset_nan", {"X-Sentry-Rate-Limit-Reset": "nan"}),
        ]
    )
    def test_no_number_means_the_default_wait(self, _name, headers):
        _, server = self.submit({"dsn": DSN, "event_json": EVENT}, reply(429, headers=headers), accept_event)
        self.assertEqual(server.sleeps, [60.0])

    def test_other_categories_ignored(self):
        headers = {"X-Sentry-Rate-Limits": "3600:transaction;profile:key", "Retry-After": "4"}
        _, server = self.submit({"dsn": DSN, "event_json": EVENT}, reply(429, headers=headers), accept_event)
        self.assertEqual(server.sleeps, [4.0])

    def test_longer_than_max_retry_wait_fails_at_once(self):
        headers = {"X-Sentry-Rate-Limits": "2700:default;error;security:organization"}
        error = self.refused(
            {"dsn": DSN, "event_json": EVENT},
            reply(429, headers=headers),
            connection=connection_params(max_retry_wait=60),
        )
        self.assertEqual(error.preset, PluginException.Preset.RATE_LIMIT)
        self.assertIn("after 2700 seconds", error.assistance)
        self.assertEqual(self.server.sleeps, [])
        self.assertEqual(len(self.server.requests), 1)


class TestVersion(unittest.TestCase):
    def test_client_name_follows_the_spec(self):
        from komand_sentry.util.version import CLIENT_NAME, PLUGIN_VERSION

        self.assertEqual(PLUGIN_VERSION, spec_version())
        self.assertEqual(CLIENT_NAME, f"komand-sentry/{spec_version()}")
