import unittest

from insightconnect_plugin_runtime.exceptions import PluginException
from parameterized import parameterized

from komand_sentry.util.pagination import next_cursor, parse_link_header

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
        self.assertLessEqual(len(context.exception.data), len("Link: ") + 300)

    def test_last_page_without_cursor_is_fine(self):
        self.assertIsNone(next_cursor(f'<{BASE}>; rel="next"; results="false"', "GET /x/"))
