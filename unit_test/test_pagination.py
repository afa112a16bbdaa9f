import time
import unittest

from insightconnect_plugin_runtime.exceptions import PluginException
from parameterized import parameterized

from komand_sentry.util.errors import remember_secret
from komand_sentry.util.pagination import MAX_LINK_HEADER_CHARS, next_cursor, parse_link_header

BASE = "https://sentry.io/api/0/projects/example-org/pump-station/issues/"
# As Sentry 9.1.2 and today's Sentry write it (src/sentry/api/base.py, build_cursor_link)
SENTRY_LINK = (
    f'<{BASE}?&cursor=1764378000000:0:1>; rel="previous"; results="false"; cursor="1764378000000:0:1", '
    f'<{BASE}?&cursor=1764378000000:100:0>; rel="next"; results="true"; cursor="1764378000000:100:0"'
)


class TestParse(unittest.TestCase):
    def test_sentry_header(self):
        self.assertEqual(
            parse_link_header(SENTRY_LINK),
            {
                "previous": {
                    "url": f"{BASE}?&cursor=1764378000000:0:1",
                    "rel": "previous",
                    "results": "false",
                    "cursor": "1764378000000:0:1",
                },
                "next": {
                    "url": f"{BASE}?&cursor=1764378000000:100:0",
                    "rel": "next",
                    "results": "true",
                    "cursor": "1764378000000:100:0",
                },
            },
        )

    def test_unquoted_and_spaced(self):
        link = f"<{BASE}?cursor=0:100:0> ;rel=next ; results=true;cursor=0:100:0"
        self.assertEqual(parse_link_header(link)["next"]["cursor"], "0:100:0")
        self.assertEqual(parse_link_header(link)["next"]["results"], "true")

    def test_url_with_commas_and_semicolons(self):
        link = '<https://sentry.io/x/?query=a,b;c>; rel="next"; results="true"; cursor="0:5:0"'
        self.assertEqual(parse_link_header(link)["next"]["url"], "https://sentry.io/x/?query=a,b;c")
        self.assertEqual(parse_link_header(link)["next"]["cursor"], "0:5:0")

    def test_parameter_names_case_insensitive(self):
        link = '<x>; REL="next"; Results="true"; Cursor="0:1:0"'
        self.assertEqual(parse_link_header(link)["next"]["cursor"], "0:1:0")

    @parameterized.expand([("none", None), ("empty", ""), ("garbage", "no links here"), ("no_rel", '<x>; cursor="1"')])
    def test_nothing_usable(self, _name, value):
        self.assertEqual(parse_link_header(value), {})


class TestNextCursor(unittest.TestCase):
    def test_more(self):
        self.assertEqual(next_cursor(SENTRY_LINK, "GET /x/"), "1764378000000:100:0")

    def test_last_page(self):
        self.assertIsNone(next_cursor(SENTRY_LINK.replace('results="true"', 'results="false"'), "GET /x/"))

    def test_no_header(self):
        self.assertIsNone(next_cursor(None, "GET /x/"))

    def test_order_of_links_does_not_matter(self):
        previous, following = SENTRY_LINK.split(", <")
        self.assertEqual(next_cursor(f"<{following}, {previous}", "GET /x/"), "1764378000000:100:0")

    @parameterized.expand(
        [
            ("empty", ""),
            ("garbage", "garbage"),
            ("previous_only", f'<{BASE}>; rel="previous"; results="false"; cursor="0:0:1"'),
            ("no_results", f'<{BASE}>; rel="next"; cursor="0:100:0"'),
            ("more_without_cursor", f'<{BASE}>; rel="next"; results="true"'),
            ("more_with_empty_cursor", f'<{BASE}>; rel="next"; results="true"; cursor=""'),
            ("unterminated", f'<{BASE}; rel="next"; results="true"; cursor="0:100:0"'),
        ]
    )
    def test_malformed(self, _name, value):
        with self.assertRaises(PluginException) as context:
            next_cursor(value, "GET /api/0/issues/1/events/")
        self.assertIn("GET /api/0/issues/1/events/", context.exception.cause)
        self.assertIn("incomplete", context.exception.cause)
        self.assertTrue(context.exception.data.startswith("Link: "))

    def test_long_header_cut_in_data(self):
        with self.assertRaises(PluginException) as context:
            next_cursor("x" * 10000, "GET /x/")
        self.assertLessEqual(len(context.exception.data), len("Link: ") + 300 + len("..."))

    def test_last_page_without_cursor_is_fine(self):
        self.assertIsNone(next_cursor(f'<{BASE}>; rel="next"; results="false"', "GET /x/"))

    @parameterized.expand([("results_neither", "maybe"), ("results_empty", "")])
    def test_results_neither_true_nor_false_fails(self, _name, results):
        with self.assertRaises(PluginException):
            next_cursor(f'<{BASE}>; rel="next"; results="{results}"; cursor="0:1:0"', "GET /x/")

    @parameterized.expand(
        [
            ("base64", "abc=="),
            ("plus_slash", "a+b/c="),
            ("ampersand_percent", "x&y%25z/=+"),
            ("comma_semicolon", "a,b;c"),
            ("escaped_quote", 'a\\"b'),
        ]
    )
    def test_opaque_quoted_cursor(self, _name, cursor):
        previous = f'<{BASE}?cursor=x>; rel="previous"; results="false"; cursor="p"'
        link = f'{previous}, <{BASE}>; rel="next"; results="true"; cursor="{cursor}"'
        self.assertEqual(next_cursor(link, "GET /x/"), cursor.replace('\\"', '"'))

    @parameterized.expand([("control_character", "0:1:\x01"), ("too_long", "1" * 1001)])
    def test_cursor_that_could_not_be_given_back_fails(self, _name, cursor):
        with self.assertRaises(PluginException) as context:
            next_cursor(f'<{BASE}>; rel="next"; results="true"; cursor="{cursor}"', "GET /x/")
        self.assertIn("next cursor is unusable", context.exception.cause)

    def test_rel_is_case_insensitive(self):
        self.assertEqual(next_cursor('<x>; rel="NEXT"; results="TRUE"; cursor="0:1:0"', "GET /x/"), "0:1:0")

    def test_first_next_link_counts(self):
        link = '<x>; rel="next"; results="true"; cursor="0:1:0", <y>; rel="next"; results="true"; cursor="0:2:0"'
        self.assertEqual(next_cursor(link, "GET /x/"), "0:1:0")


SECRET = "sntrys_unitPAGINATIONsecret_5f4e3d2c1b0a99887766"


class TestSecrets(unittest.TestCase):
    """A server that echoes the token in its Link header: the error never shows any part of it."""

    @classmethod
    def setUpClass(cls):
        remember_secret(SECRET)

    def assert_no_piece_of_the_secret(self, text: str):
        for start in range(len(SECRET) - 7):
            self.assertNotIn(SECRET[start : start + 8], text)

    @parameterized.expand([(f"at_{at}", at) for at in (0, 100, 280, 290, 299, 5000)])
    def test_malformed_header_quoting_the_token(self, _name, at):
        header = "x" * at + f"<{BASE}?token={SECRET}>; rel=next"
        with self.assertRaises(PluginException) as context:
            next_cursor(header, "GET /x/")
        self.assert_no_piece_of_the_secret(context.exception.data + context.exception.cause)

    def test_token_as_the_next_cursor(self):
        with self.assertRaises(PluginException) as context:
            next_cursor(f'<{BASE}>; rel="next"; results="true"; cursor="{SECRET}"', "GET /x/")
        self.assertIn("credential", context.exception.cause)
        self.assert_no_piece_of_the_secret(context.exception.data + context.exception.cause)

    def test_token_inside_the_next_cursor(self):
        with self.assertRaises(PluginException):
            next_cursor(f'<{BASE}>; rel="next"; results="true"; cursor="0:{SECRET}:0"', "GET /x/")

    def test_token_in_a_header_too_long_to_read(self):
        header = "<" * (MAX_LINK_HEADER_CHARS - 10) + SECRET
        with self.assertRaises(PluginException) as context:
            next_cursor(header, "GET /x/")
        self.assert_no_piece_of_the_secret(context.exception.data)


# Headers built to make a parser that tries every position again (as a backtracking regular expression does) take
# quadratic time or worse; each is at the length bound. Parsing any of them takes about a millisecond; the bound of
# one second is far from both that and what the quadratic parser took (8 s to 70 s for 60,000 '<').
HOSTILE_HEADERS = [
    ("open_angles", "<" * MAX_LINK_HEADER_CHARS),
    ("open_angles_after_a_link", '<x>; rel="next"; results="false", ' + "<" * (MAX_LINK_HEADER_CHARS - 40)),
    ("closed_angles", "<>" * (MAX_LINK_HEADER_CHARS // 2)),
    ("open_quote", '<x>; rel="' + "a" * (MAX_LINK_HEADER_CHARS - 20)),
    ("quotes", "<x>; a=" + '"' * (MAX_LINK_HEADER_CHARS - 10)),
    ("open_quotes_repeated", "<x>" + '; a="' * (MAX_LINK_HEADER_CHARS // 5 - 1)),
    ("semicolons", "<x>" + ";" * (MAX_LINK_HEADER_CHARS - 3)),
    ("spaces", "<x>;" + " " * (MAX_LINK_HEADER_CHARS - 10) + "x"),
    ("equals", "<x>; a" + "=" * (MAX_LINK_HEADER_CHARS - 10)),
    ("commas", "<x>" + "," * (MAX_LINK_HEADER_CHARS - 3)),
    ("backslashes", '<x>; a="' + "\\" * (MAX_LINK_HEADER_CHARS - 10)),
    ("many_links", ", ".join(['<x>; rel="previous"; results="false"; cursor="0:0:1"'] * 1200)[:MAX_LINK_HEADER_CHARS]),
]


class TestHostileHeaders(unittest.TestCase):
    @parameterized.expand(HOSTILE_HEADERS)
    def test_parsed_in_bounded_time(self, _name, header):
        self.assertLessEqual(len(header), MAX_LINK_HEADER_CHARS)
        started = time.process_time()
        try:
            next_cursor(header, "GET /x/")
        except PluginException as error:
            self.assertIn("Link header", error.cause)
        self.assertLess(time.process_time() - started, 1.0)

    def test_longer_than_the_bound_is_refused_unread(self):
        header = '<x>; rel="next"; results="true"; cursor="0:1:0", ' * (MAX_LINK_HEADER_CHARS // 40)
        with self.assertRaises(PluginException) as context:
            next_cursor(header, "GET /x/")
        self.assertIn("longer than 64 KiB", context.exception.cause)

    def test_repeated_link_lines_joined(self):
        """99 Link lines of 60,000 '<' each, as requests joins repeated headers: refused at once."""
        header = ", ".join(["<" * 60000] * 99)
        started = time.process_time()
        with self.assertRaises(PluginException):
            next_cursor(header, "GET /x/")
        self.assertLess(time.process_time() - started, 1.0)

    def test_work_grows_linearly(self):
        """The same hostile pattern at 4 times the length costs at most about 4 times as much (measured over
        many runs, so that the noise of a loaded machine does not decide)."""

        def cost(header: str) -> float:
            started = time.process_time()
            for _ in range(20):
                parse_link_header(header)
            return time.process_time() - started

        pattern = '<x>; a="b"; c=d, '
        small, large = pattern * 500, pattern * 2000
        cost(small)
        self.assertLess(cost(large), 12 * max(cost(small), 0.001))
