"""Property-based tests: the DSN parser, the Link header parser and the event normaliser over generated inputs."""

import ipaddress
import json
import re
import unittest
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, quote, urlsplit

import requests

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from insightconnect_plugin_runtime.exceptions import PluginException

from komand_sentry.util.dsn import parse_dsn
from komand_sentry.util.event import (
    MAX_EVENT_BYTES,
    encode_event,
    normalise_event,
    normalise_event_id,
    normalise_timestamp,
)
from komand_sentry.util.identifiers import check_cursor, check_issue_id, check_slug
from komand_sentry.util.pagination import next_cursor
from unit_test.util import exception_text

# derandomize: the same examples on every run, so that the suite never flickers
FAST = settings(
    max_examples=100, deadline=None, database=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
MANY = settings(max_examples=400, deadline=None, database=None, derandomize=True)
SLOW = settings(
    max_examples=25,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
HEX32 = re.compile(r"^[0-9a-f]{32}$")

# DSNs ------------------------------------------------------------------------------------------------------------

keys = st.text(alphabet="0123456789abcdef", min_size=16, max_size=32)
ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"
label_parts = st.text(alphabet=ALNUM, min_size=1, max_size=6)
labels = st.one_of(label_parts, st.builds(lambda a, b: f"{a}-{b}", label_parts, label_parts))
dns_hosts = st.lists(labels, min_size=1, max_size=4).map(".".join)
ipv4_hosts = st.integers(0, 2**32 - 1).map(lambda n: str(ipaddress.IPv4Address(n)))
ipv6_hosts = st.integers(0, 2**128 - 1).map(lambda n: f"[{ipaddress.IPv6Address(n).compressed}]")
hosts = st.one_of(dns_hosts, ipv4_hosts, ipv6_hosts)
segments = st.text(alphabet=ALNUM + "ABCXYZ_-", min_size=1, max_size=10)
prefixes = st.lists(segments, max_size=3).map(lambda parts: "".join("/" + part for part in parts))


@st.composite
def dsn_parts(draw):
    return {
        "scheme": draw(st.sampled_from(["http", "https"])),
        "public_key": draw(keys),
        "secret_key": draw(st.one_of(st.none(), keys)),
        "host": draw(hosts),
        "port": draw(st.one_of(st.none(), st.integers(1, 65535))),
        "path_prefix": draw(prefixes),
        "project_id": draw(st.text(alphabet="0123456789", min_size=1, max_size=12)),
        "trailing_slash": draw(st.booleans()),
    }


def dsn_text(parts) -> str:
    secret = f":{parts['secret_key']}" if parts["secret_key"] else ""
    port = f":{parts['port']}" if parts["port"] is not None else ""
    slash = "/" if parts["trailing_slash"] else ""
    return (
        f"{parts['scheme']}://{parts['public_key']}{secret}@{parts['host']}{port}"
        f"{parts['path_prefix']}/{parts['project_id']}{slash}"
    )


URL_PIECES = ["[", "]", "@", ":", "/", "%", "%2F", " ", "..", "//", "?", "#", "\n", ":0", ":99999", "é"]


def parse_or_refuse(text):
    """parse_dsn's answer, or None when it refuses; any exception but PluginException fails the test."""
    try:
        return parse_dsn(text)
    except PluginException as error:
        assert error.cause.startswith("Invalid input 'dsn': "), error.cause
        return None


class TestDsnProperties(unittest.TestCase):
    @FAST
    @given(dsn_parts())
    def test_round_trip(self, parts):
        dsn = parse_dsn(dsn_text(parts))
        self.assertEqual(dsn.scheme, parts["scheme"])
        self.assertEqual(dsn.public_key, parts["public_key"])
        self.assertEqual(dsn.secret_key, parts["secret_key"])
        self.assertEqual(dsn.host, parts["host"])
        self.assertEqual(dsn.port, parts["port"])
        self.assertEqual(dsn.path_prefix, parts["path_prefix"])
        self.assertEqual(dsn.project_id, parts["project_id"])
        port = f":{parts['port']}" if parts["port"] is not None else ""
        origin = f"{parts['scheme']}://{parts['host']}{port}"
        self.assertEqual(
            dsn.endpoint("envelope"), f"{origin}{parts['path_prefix']}/api/{parts['project_id']}/envelope/"
        )
        self.assertEqual(dsn.endpoint("store"), f"{origin}{parts['path_prefix']}/api/{parts['project_id']}/store/")
        self.assertEqual(
            dsn.without_secret(),
            f"{parts['scheme']}://{parts['public_key']}@{parts['host']}{port}{parts['path_prefix']}/{parts['project_id']}",
        )
        header = dsn.auth_header(7, "komand-sentry/2.0.0")
        self.assertIn(f"sentry_key={parts['public_key']}", header)
        self.assertEqual("sentry_secret=" in header, parts["secret_key"] is not None)

    @FAST
    @given(st.text(max_size=200))
    def test_any_text_parses_or_is_refused(self, text):
        parse_or_refuse(text)

    @FAST
    @given(dsn_parts(), st.data())
    def test_mutations_parse_or_are_refused(self, parts, data):
        text = dsn_text(parts)
        position = data.draw(st.integers(0, len(text)))
        inserted = data.draw(st.one_of(st.sampled_from(URL_PIECES), st.text(min_size=1, max_size=3)))
        mutation = data.draw(st.sampled_from(["insert", "delete", "replace"]))
        if mutation == "insert":
            mutated = text[:position] + inserted + text[position:]
        elif mutation == "delete":
            mutated = text[:position] + text[position + 1 :]
        else:
            mutated = text[:position] + inserted + text[position + len(inserted) :]
        parse_or_refuse(mutated)

    @FAST
    @given(
        dsn_parts(),
        st.sampled_from(
            [
                lambda p: dict(p, scheme="ftp"),
                lambda p: dict(p, project_id="proj"),
                lambda p: dict(p, project_id=p["project_id"] + "x"),
                lambda p: dict(p, port=0),
                lambda p: dict(p, port=65536 + p["project_id"].__len__()),
                lambda p: dict(p, host=p["host"] + " x"),
                lambda p: dict(p, host=""),
                lambda p: dict(p, path_prefix=p["path_prefix"] + "/.."),
                lambda p: dict(p, path_prefix=p["path_prefix"] + "//"),
                lambda p: dict(p, host="[" + p["host"].strip("[]")),
            ]
        ),
    )
    def test_refusals_never_show_the_keys(self, parts, breaks):
        broken = breaks(parts)
        with self.assertRaises(PluginException) as context:
            parse_dsn(dsn_text(broken))
        text = exception_text(context.exception)
        self.assertNotIn(parts["public_key"], text)
        if parts["secret_key"]:
            self.assertNotIn(parts["secret_key"], text)


# Link headers ----------------------------------------------------------------------------------------------------

sentry_cursors = st.builds(
    lambda value, fraction, offset, is_prev: f"{value}{fraction}:{offset}:{is_prev}",
    st.integers(0, 10**13),
    st.sampled_from(["", ".5", ".125"]),
    st.integers(0, 10**6),
    st.sampled_from([0, 1]),
)
# what a server may use as a cursor and the plugin gives back as Next Cursor: printable text (a quoted-string holds
# '"' and '\\' only escaped, which Sentry never does)
any_cursors = st.text(
    alphabet=st.characters(blacklist_characters='"\\', blacklist_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")),
    min_size=1,
    max_size=40,
).filter(lambda text: text.isprintable() and text.strip())
LINK_TOKENS = [
    "<",
    ">",
    ";",
    ",",
    " ",
    '"',
    "=",
    "rel",
    "next",
    "previous",
    "results",
    "true",
    "false",
    "cursor",
    "0:100:0",
    "https://x/",
    "\t",
]


def build_link(url, previous, following, more, spaces=""):
    return (
        f'<{url}?cursor={quote(previous, safe="")}>;{spaces}rel="previous";{spaces}results="false";{spaces}cursor="{previous}",{spaces}'
        f'<{url}?cursor={quote(following, safe="")}>;{spaces}rel="next";{spaces}results="{"true" if more else "false"}";{spaces}cursor="{following}"'
    )


class TestLinkProperties(unittest.TestCase):
    @FAST
    @given(sentry_cursors, sentry_cursors, st.booleans(), st.sampled_from(["", " ", "  "]))
    def test_sentry_cursors_come_back(self, previous, following, more, spaces):
        link = build_link("https://sentry.io/api/0/issues/1/events/", previous, following, more, spaces)
        self.assertEqual(next_cursor(link, "GET /x/"), following if more else None)

    @FAST
    @given(any_cursors, any_cursors, st.booleans())
    def test_any_quoted_cursor_comes_back(self, previous, following, more):
        link = build_link("https://sentry.example.com/api/0/projects/o/p/issues/", previous, following, more)
        self.assertEqual(next_cursor(link, "GET /x/"), following if more else None)

    @FAST
    @given(st.one_of(st.text(max_size=300), st.lists(st.sampled_from(LINK_TOKENS), max_size=40).map("".join)))
    def test_garbage_never_raises_anything_else(self, header):
        try:
            cursor = next_cursor(header, "GET /x/")
        except PluginException as error:
            self.assertIn("Link header", error.cause)
        else:
            self.assertTrue(cursor is None or (isinstance(cursor, str) and cursor))


# Identifiers ------------------------------------------------------------------------------------------------------


VALID_IDS = ["example-org", "pump_station", "4506790000", "PUMP-STATION-1A"]
VALID_CURSORS = ["1764378000000:100:0", "0:0:1"]
NASTY = ["\n", "\r\n", " ", "\t", "\x00", "/..", "/", "%2F", "%2e%2e", "?a=1", "#", "&limit=1", "é", "\u200f"]


def valid_then_nasty(valid):
    """A valid identifier with something nasty before, inside or after it."""
    return st.builds(
        lambda value, nasty, where: value[:where] + nasty + value[where:],
        st.sampled_from(valid),
        st.sampled_from(NASTY),
        st.sampled_from([0, 3, 100]),
    )


class TestIdentifierProperties(unittest.TestCase):
    @MANY
    @given(
        st.one_of(
            st.text(max_size=120),
            st.text(alphabet="aZ09-_.:/\\%?#&; \n\r\t\x00é٣", max_size=12),
            valid_then_nasty(VALID_IDS),
        )
    )
    def test_whatever_passes_is_one_safe_path_segment(self, text):
        for check in (check_slug, check_issue_id):
            try:
                value = check("x", text)
            except PluginException as error:
                self.assertTrue(error.cause.startswith("Invalid input 'x'"))
                continue
            self.assertRegex(value, r"\A[A-Za-z0-9_\-]+\Z")

    @MANY
    @given(
        st.one_of(
            st.text(max_size=250),
            st.text(alphabet="aZ09-_.:/\\%?#&=; \n\r\t\x00é", max_size=12),
            valid_then_nasty(VALID_CURSORS),
        )
    )
    def test_whatever_cursor_passes_is_printable_text(self, text):
        try:
            value = check_cursor("cursor", text)
        except PluginException as error:
            self.assertTrue(error.cause.startswith("Invalid input 'cursor'"))
            self.assertTrue(text == "" or not text.isprintable() or not text.strip() or len(text) > 1000)
        else:
            self.assertTrue(value is None or (value == text and value.isprintable() and value.strip()), repr(value))

    @MANY
    @given(st.one_of(any_cursors, st.text(alphabet="+=&/%?#;, :aZ09", min_size=1, max_size=30).filter(str.strip)))
    def test_every_accepted_cursor_is_one_query_value_that_comes_back(self, text):
        value = check_cursor("cursor", text)
        url = requests.Request("GET", "https://sentry.example.com/x/", params={"cursor": value, "limit": "5"})
        query = parse_qs(urlsplit(url.prepare().url).query, keep_blank_values=True)
        self.assertEqual(query, {"cursor": [text], "limit": ["5"]})


# Events -----------------------------------------------------------------------------------------------------------


@st.composite
def event_id_forms(draw):
    value = draw(st.uuids())
    text = draw(st.sampled_from([value.hex, str(value)]))
    if draw(st.booleans()):
        text = text.upper()
    pad = draw(st.sampled_from(["", " ", "\t", "  "]))
    return value, pad + text + pad


offsets = st.integers(-(23 * 60 + 59), 23 * 60 + 59).map(lambda minutes: timezone(timedelta(minutes=minutes)))
characters = st.sampled_from(["x", "é", "✓", "😀", "\n", '"', "\\", "\x00"])
SIZES = [0, 1000, 500_000, 900_000, 1_000_000, 1_040_000, 1_048_000, 1_048_576, 1_049_000, 1_100_000]  # bytes


class TestEventProperties(unittest.TestCase):
    @FAST
    @given(event_id_forms())
    def test_every_uuid_form_gives_32_lowercase_hex(self, form):
        value, text = form
        self.assertEqual(normalise_event_id(text), value.hex)

    @FAST
    @given(st.one_of(st.text(max_size=50), st.integers(), st.none()))
    def test_any_event_id_is_hex_or_refused(self, value):
        try:
            normalised = normalise_event_id(value)
        except PluginException as error:
            self.assertTrue(error.cause.startswith("Invalid input 'event_json.event_id'"))
        else:
            self.assertRegex(normalised, HEX32)

    @FAST
    @given(
        st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
        offsets,
        st.sampled_from(["auto", "seconds", "milliseconds", "microseconds"]),
    )
    def test_offsets_give_the_same_instant_in_utc(self, local, offset, timespec):
        aware = local.replace(tzinfo=offset)
        text = aware.isoformat(timespec=timespec)
        instant = datetime.fromisoformat(text)  # what the text says, at its precision
        normalised = normalise_timestamp(text)
        self.assertTrue(normalised.endswith("Z"))
        self.assertEqual(datetime.fromisoformat(normalised[:-1] + "+00:00"), instant)

    @FAST
    @given(st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)), offsets)
    def test_any_offset_is_converted_or_refused(self, local, offset):
        aware = local.replace(tzinfo=offset)
        try:
            in_utc = local - offset.utcoffset(None)  # naive arithmetic: OverflowError outside years 1-9999
        except OverflowError:
            in_utc = None
        try:
            normalised = normalise_timestamp(aware.isoformat())
        except PluginException as error:
            self.assertTrue(error.cause.startswith("Invalid input 'event_json.timestamp'"))
            self.assertIsNone(in_utc, "refused only when the instant is outside what a UTC date can hold")
        else:
            self.assertEqual(datetime.fromisoformat(normalised[:-1] + "+00:00"), aware)
            self.assertEqual(datetime.fromisoformat(normalised[:-1]), in_utc)

    @FAST
    @given(st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2100, 1, 1)))
    def test_no_offset_means_utc(self, naive):
        normalised = normalise_timestamp(naive.isoformat())
        self.assertEqual(datetime.fromisoformat(normalised[:-1] + "+00:00"), naive.replace(tzinfo=timezone.utc))

    @SLOW
    @given(
        characters,
        st.one_of(st.sampled_from(SIZES), st.integers(0, 1_200_000)),
        st.dictionaries(st.sampled_from(["a", "b", "c"]), st.text(max_size=20), max_size=3),
    )
    def test_size_within_limit_or_refused(self, character, count, tags):
        event = {"message": character * (count // len(character.encode("utf-8"))), "tags": tags}
        try:
            normalised = normalise_event(event, "komand-sentry", "2.0.0")
        except PluginException as error:
            self.assertTrue(error.cause.startswith("Invalid input 'event_json'"))
            # refused only when what would be sent is really over the limit
            self.assertGreater(len(json.dumps(event, ensure_ascii=False).encode("utf-8")), MAX_EVENT_BYTES - 200)
        else:
            self.assertLessEqual(len(encode_event(normalised)), MAX_EVENT_BYTES)

    @FAST
    @given(
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=10),
            lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
            max_leaves=10,
        )
    )
    def test_any_json_event_is_normalised_or_refused(self, extra):
        event = {"extra": extra, "exception": [{"type": "E", "value": "v"}]}
        try:
            normalised = normalise_event(event, "komand-sentry", "2.0.0")
        except PluginException:
            self.fail("a small event with any extra data is sendable")
        self.assertRegex(normalised["event_id"], HEX32)
        self.assertEqual(normalised["extra"], extra)
        self.assertEqual(json.loads(encode_event(normalised)), normalised)
