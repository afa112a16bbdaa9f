import json
import re
import unittest
from datetime import datetime, timedelta, timezone

from insightconnect_plugin_runtime.exceptions import PluginException
from parameterized import parameterized

from komand_sentry.util.event import (
    MAX_EVENT_BYTES,
    encode_event,
    normalise_event,
    normalise_event_id,
    normalise_level,
    normalise_timestamp,
)

HEX32 = re.compile(r"^[0-9a-f]{32}$")


def utc_instant(text: str) -> datetime:
    """The instant a normalised timestamp names; it must be UTC written with a 'Z'."""
    assert text.endswith("Z"), text
    return datetime.fromisoformat(text[:-1] + "+00:00")


class TestEventId(unittest.TestCase):
    @parameterized.expand(
        [
            ("hex", "fc6d8c0c43fc4630ad850ee518f1b9d0", "fc6d8c0c43fc4630ad850ee518f1b9d0"),
            ("uppercase_hex", "FC6D8C0C43FC4630AD850EE518F1B9D0", "fc6d8c0c43fc4630ad850ee518f1b9d0"),
            ("dashed", "fc6d8c0c-43fc-4630-ad85-0ee518f1b9d0", "fc6d8c0c43fc4630ad850ee518f1b9d0"),
            ("dashed_uppercase", "FC6D8C0C-43FC-4630-AD85-0EE518F1B9D0", "fc6d8c0c43fc4630ad850ee518f1b9d0"),
            ("surrounding_spaces", "  fc6d8c0c43fc4630ad850ee518f1b9d0 ", "fc6d8c0c43fc4630ad850ee518f1b9d0"),
        ]
    )
    def test_normalised(self, _name, given, expected):
        self.assertEqual(normalise_event_id(given), expected)

    @parameterized.expand([("absent", None), ("empty", "")])
    def test_generated(self, _name, given):
        first, second = normalise_event_id(given), normalise_event_id(given)
        self.assertRegex(first, HEX32)
        self.assertRegex(second, HEX32)
        self.assertNotEqual(first, second)

    @parameterized.expand(
        [
            ("word", "not-a-uuid"),
            ("31_hex", "fc6d8c0c43fc4630ad850ee518f1b9d"),
            ("33_hex", "fc6d8c0c43fc4630ad850ee518f1b9d00"),
            ("non_hex", "gc6d8c0c43fc4630ad850ee518f1b9d0"),
            ("braced", "{fc6d8c0c-43fc-4630-ad85-0ee518f1b9d0}"),
            ("misplaced_dashes", "fc6d8c0c43fc-4630-ad85-0ee518f1b9d0"),
            ("number", 12345),
            ("object", {"id": "fc6d8c0c43fc4630ad850ee518f1b9d0"}),
        ]
    )
    def test_refused(self, _name, given):
        with self.assertRaises(PluginException) as context:
            normalise_event_id(given)
        self.assertTrue(context.exception.cause.startswith("Invalid input 'event_json.event_id'"))


class TestTimestamp(unittest.TestCase):
    @parameterized.expand(
        [
            ("utc_z", "2026-11-29T14:03:00Z", datetime(2026, 11, 29, 14, 3, tzinfo=timezone.utc)),
            ("lowercase_z", "2026-11-29t14:03:00z", datetime(2026, 11, 29, 14, 3, tzinfo=timezone.utc)),
            ("plus_one", "2026-11-29T15:03:00+01:00", datetime(2026, 11, 29, 14, 3, tzinfo=timezone.utc)),
            ("minus_five_thirty", "2026-11-29T08:33:00-05:30", datetime(2026, 11, 29, 14, 3, tzinfo=timezone.utc)),
            ("crosses_midnight", "2026-11-30T01:30:00+12:00", datetime(2026, 11, 29, 13, 30, tzinfo=timezone.utc)),
            ("no_offset_means_utc", "2026-11-29T14:03:00", datetime(2026, 11, 29, 14, 3, tzinfo=timezone.utc)),
            (
                "fraction",
                "2026-11-29T14:03:00.250000+00:00",
                datetime(2026, 11, 29, 14, 3, 0, 250000, tzinfo=timezone.utc),
            ),
            ("space_separator", "2026-11-29 14:03:00+00:00", datetime(2026, 11, 29, 14, 3, tzinfo=timezone.utc)),
            ("date_only", "2026-11-29", datetime(2026, 11, 29, tzinfo=timezone.utc)),
            ("year_999", "0999-05-01T00:00:00Z", datetime(999, 5, 1, tzinfo=timezone.utc)),
        ]
    )
    def test_sent_in_utc(self, _name, given, instant):
        normalised = normalise_timestamp(given)
        self.assertRegex(normalised, r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
        self.assertEqual(utc_instant(normalised), instant)

    @parameterized.expand(
        [
            ("word", "yesterday"),
            ("garbage", "2026-13-45T99:00:00Z"),
            ("epoch_number", 1764424980),
            ("empty_object", {}),
            ("before_year_1_in_utc", "0001-01-01T00:00:00+01:00"),
            ("after_year_9999_in_utc", "9999-12-31T23:59:59-01:00"),
        ]
    )
    def test_refused(self, _name, given):
        with self.assertRaises(PluginException) as context:
            normalise_timestamp(given)
        self.assertTrue(context.exception.cause.startswith("Invalid input 'event_json.timestamp'"))


class TestLevel(unittest.TestCase):
    @parameterized.expand(
        [
            ("fatal", "fatal", "fatal"),
            ("error", "error", "error"),
            ("warning", "warning", "warning"),
            ("info", "info", "info"),
            ("debug", "debug", "debug"),
            ("uppercase", "ERROR", "error"),
            ("spaces", " info ", "info"),
            ("warn", "warn", "warning"),
        ]
    )
    def test_accepted(self, _name, given, expected):
        self.assertEqual(normalise_level(given), expected)

    @parameterized.expand([("critical", "critical"), ("number", 3), ("log", "log")])
    def test_refused(self, _name, given):
        with self.assertRaises(PluginException) as context:
            normalise_level(given)
        self.assertTrue(context.exception.cause.startswith("Invalid input 'event_json.level'"))
        self.assertIn("fatal, error, warning, info, debug", context.exception.assistance)


class TestNormaliseEvent(unittest.TestCase):
    def test_complete_event(self):
        given = {
            "event_id": "FC6D8C0C-43FC-4630-AD85-0EE518F1B9D0",
            "message": "Workflow step failed",
            "level": "Warn",
            "timestamp": "2026-11-29T15:03:00+01:00",
            "tags": {"workflow": "phishing-triage"},
            "exception": [{"type": "ValueError", "value": "bad input", "module": "builtins"}],
            "platform": "python",
            "sdk": {"name": "custom", "version": "9"},
        }
        event = normalise_event(given, "komand-sentry", "2.0.0")
        self.assertEqual(event["event_id"], "fc6d8c0c43fc4630ad850ee518f1b9d0")
        self.assertEqual(event["level"], "warning")
        self.assertEqual(utc_instant(event["timestamp"]), datetime(2026, 11, 29, 14, 3, tzinfo=timezone.utc))
        self.assertEqual(
            event["exception"], {"values": [{"type": "ValueError", "value": "bad input", "module": "builtins"}]}
        )
        self.assertEqual(event["platform"], "python")
        self.assertEqual(event["sdk"], {"name": "custom", "version": "9"})
        self.assertEqual(event["tags"], {"workflow": "phishing-triage"})
        self.assertEqual(event["message"], "Workflow step failed")

    def test_input_not_changed(self):
        given = {"message": "m", "exception": [{"type": "E"}], "level": "ERROR"}
        snapshot = json.loads(json.dumps(given))
        normalise_event(given, "komand-sentry", "2.0.0")
        self.assertEqual(given, snapshot)

    def test_defaults(self):
        event = normalise_event({"message": "m"}, "komand-sentry", "2.0.0")
        self.assertEqual(event["platform"], "other")
        self.assertEqual(event["sdk"], {"name": "komand-sentry", "version": "2.0.0"})
        self.assertRegex(event["event_id"], HEX32)
        self.assertNotIn("timestamp", event)
        self.assertNotIn("level", event)

    def test_empty_timestamp_and_level_dropped(self):
        event = normalise_event({"message": "m", "timestamp": "", "level": ""}, "n", "1")
        self.assertNotIn("timestamp", event)
        self.assertNotIn("level", event)

    def test_values_object_kept(self):
        given = {"exception": {"values": [{"type": "E"}]}, "breadcrumbs": {"values": [{"message": "b"}]}}
        event = normalise_event(given, "n", "1")
        self.assertEqual(event["exception"], {"values": [{"type": "E"}]})
        self.assertEqual(event["breadcrumbs"], {"values": [{"message": "b"}]})

    def test_list_forms_wrapped(self):
        given = {"breadcrumbs": [{"message": "b"}], "threads": [{"id": 1}]}
        event = normalise_event(given, "n", "1")
        self.assertEqual(event["breadcrumbs"], {"values": [{"message": "b"}]})
        self.assertEqual(event["threads"], {"values": [{"id": 1}]})

    def test_not_an_object(self):
        with self.assertRaises(PluginException) as context:
            normalise_event(["message"], "n", "1")
        self.assertTrue(context.exception.cause.startswith("Invalid input 'event_json'"))


class TestSize(unittest.TestCase):
    def overhead(self) -> int:
        return len(encode_event(normalise_event({"message": ""}, "komand-sentry", "2.0.0")))

    def test_just_under_the_limit_accepted(self):
        message = "x" * (MAX_EVENT_BYTES - self.overhead())
        event = normalise_event({"message": message}, "komand-sentry", "2.0.0")
        self.assertEqual(len(encode_event(event)), MAX_EVENT_BYTES)

    def test_one_byte_over_refused(self):
        message = "x" * (MAX_EVENT_BYTES - self.overhead() + 1)
        with self.assertRaises(PluginException) as context:
            normalise_event({"message": message}, "komand-sentry", "2.0.0")
        self.assertTrue(context.exception.cause.startswith("Invalid input 'event_json'"))
        self.assertIn(str(MAX_EVENT_BYTES + 1), context.exception.cause)

    def test_limit_counts_the_utf8_bytes_sent(self):
        # 400,000 'é' are 800,000 bytes in UTF-8 (what is sent), well within 1 MiB
        event = normalise_event({"message": "é" * 400_000}, "komand-sentry", "2.0.0")
        self.assertLess(len(encode_event(event)), MAX_EVENT_BYTES)
        # 600,000 are 1,200,000 bytes: too large
        with self.assertRaises(PluginException):
            normalise_event({"message": "é" * 600_000}, "komand-sentry", "2.0.0")

    def test_encoding_is_compact_utf8(self):
        self.assertEqual(encode_event({"a": "é", "b": [1, 2]}), '{"a":"é","b":[1,2]}'.encode("utf-8"))


class TestNoOffsetDrift(unittest.TestCase):
    def test_every_quarter_hour_offset(self):
        instant = datetime(2026, 3, 29, 1, 30, 15, 123456, tzinfo=timezone.utc)
        for minutes in range(-12 * 60, 14 * 60 + 1, 15):
            local = instant.astimezone(timezone(timedelta(minutes=minutes)))
            self.assertEqual(utc_instant(normalise_timestamp(local.isoformat())), instant, local.isoformat())


class TestDepth(unittest.TestCase):
    @staticmethod
    def nested(levels: int, container=dict) -> dict:
        """An event `levels` objects (or lists) deep, the event itself the first."""
        value = "bottom"
        for _ in range(levels - 1):
            value = {"inner": value} if container is dict else [value]
        return {"extra": value}

    @parameterized.expand([("objects", dict), ("lists", list)])
    def test_100_levels_sent_101_refused(self, _name, container):
        event = normalise_event(self.nested(100, container), "komand-sentry", "2.0.0")
        self.assertEqual(json.loads(encode_event(event))["extra"], self.nested(100, container)["extra"])
        with self.assertRaises(PluginException) as context:
            normalise_event(self.nested(101, container), "komand-sentry", "2.0.0")
        self.assertIn("nested more than 100 levels deep", context.exception.cause)

    def test_900_levels_refused_naming_the_input(self):
        with self.assertRaises(PluginException) as context:
            normalise_event(self.nested(900), "komand-sentry", "2.0.0")
        self.assertEqual(
            context.exception.cause,
            "Invalid input 'event_json': it is nested more than 100 levels deep, more than Sentry accepts.",
        )
