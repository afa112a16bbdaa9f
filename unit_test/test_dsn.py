import unittest

from insightconnect_plugin_runtime.exceptions import PluginException
from parameterized import parameterized

from komand_sentry.util.dsn import parse_dsn
from unit_test.util import PUBLIC_KEY, SECRET_KEY, exception_text

KEY, SECRET = PUBLIC_KEY, SECRET_KEY


class TestDsnForms(unittest.TestCase):
    # dsn, scheme, host, port, path_prefix, project_id, secret, envelope URL (written out by hand)
    @parameterized.expand(
        [
            (
                "saas_no_secret",
                f"https://{KEY}@o1.ingest.us.sentry.io/456",
                "https",
                "o1.ingest.us.sentry.io",
                None,
                "",
                "456",
                None,
                "https://o1.ingest.us.sentry.io/api/456/envelope/",
            ),
            (
                "secret_port_prefix",
                f"https://{KEY}:{SECRET}@sentry.example.com:9000/prefix/42",
                "https",
                "sentry.example.com",
                9000,
                "/prefix",
                "42",
                SECRET,
                "https://sentry.example.com:9000/prefix/api/42/envelope/",
            ),
            (
                "http_with_secret",
                f"http://{KEY}:{SECRET}@127.0.0.1:9000/1",
                "http",
                "127.0.0.1",
                9000,
                "",
                "1",
                SECRET,
                "http://127.0.0.1:9000/api/1/envelope/",
            ),
            (
                "deep_prefix_trailing_slash",
                f"https://{KEY}@sentry.example.com/a/b-c/d_e/7/",
                "https",
                "sentry.example.com",
                None,
                "/a/b-c/d_e",
                "7",
                None,
                "https://sentry.example.com/a/b-c/d_e/api/7/envelope/",
            ),
            (
                "ipv6",
                f"https://{KEY}@[2001:db8::1]:8443/3",
                "https",
                "[2001:db8::1]",
                8443,
                "",
                "3",
                None,
                "https://[2001:db8::1]:8443/api/3/envelope/",
            ),
            (
                "ipv6_loopback_no_port",
                f"http://{KEY}:{SECRET}@[::1]/9",
                "http",
                "[::1]",
                None,
                "",
                "9",
                SECRET,
                "http://[::1]/api/9/envelope/",
            ),
            (
                "uppercase_scheme_and_host",
                f"HTTPS://{KEY}@Sentry.Example.COM/12",
                "https",
                "sentry.example.com",
                None,
                "",
                "12",
                None,
                "https://sentry.example.com/api/12/envelope/",
            ),
            (
                "empty_secret_is_no_secret",
                f"https://{KEY}:@sentry.example.com/5",
                "https",
                "sentry.example.com",
                None,
                "",
                "5",
                None,
                "https://sentry.example.com/api/5/envelope/",
            ),
            (
                "docker_compose_host_with_underscore",
                f"http://{KEY}@sentry_web:9000/1",
                "http",
                "sentry_web",
                9000,
                "",
                "1",
                None,
                "http://sentry_web:9000/api/1/envelope/",
            ),
            (
                "short_public_key",
                "https://abc@o1.ingest.us.sentry.io/456",
                "https",
                "o1.ingest.us.sentry.io",
                None,
                "",
                "456",
                None,
                "https://o1.ingest.us.sentry.io/api/456/envelope/",
            ),
        ]
    )
    def test_parses(self, _name, dsn, scheme, host, port, prefix, project_id, secret, envelope):
        parsed = parse_dsn(dsn)
        self.assertEqual(parsed.scheme, scheme)
        self.assertEqual(parsed.host, host)
        self.assertEqual(parsed.port, port)
        self.assertEqual(parsed.path_prefix, prefix)
        self.assertEqual(parsed.project_id, project_id)
        self.assertEqual(parsed.secret_key, secret)
        self.assertEqual(parsed.endpoint("envelope"), envelope)
        self.assertEqual(parsed.endpoint("store"), envelope.replace("/envelope/", "/store/"))

    def test_public_key(self):
        self.assertEqual(parse_dsn(f"https://{KEY}:{SECRET}@sentry.example.com/1").public_key, KEY)
        self.assertEqual(parse_dsn("https://abc@o1.ingest.us.sentry.io/456").public_key, "abc")

    def test_repr_never_shows_the_keys(self):
        text = repr(parse_dsn(f"https://{KEY}:{SECRET}@sentry.example.com/1"))
        self.assertNotIn(KEY, text)
        self.assertNotIn(SECRET, text)

    def test_without_secret_keeps_everything_but_the_secret(self):
        parsed = parse_dsn(f"https://{KEY}:{SECRET}@sentry.example.com:9000/prefix/42")
        self.assertEqual(parsed.without_secret(), f"https://{KEY}@sentry.example.com:9000/prefix/42")
        parsed = parse_dsn(f"http://{KEY}@[::1]/9")
        self.assertEqual(parsed.without_secret(), f"http://{KEY}@[::1]/9")


class TestAuthHeader(unittest.TestCase):
    @staticmethod
    def pairs(header):
        scheme, _, rest = header.partition(" ")
        return scheme, dict(pair.split("=", 1) for pair in rest.split(", "))

    def test_without_secret(self):
        scheme, pairs = self.pairs(parse_dsn(f"https://{KEY}@o1.ingest.us.sentry.io/456").auth_header(7, "c/1.0"))
        self.assertEqual(scheme, "Sentry")
        self.assertEqual(pairs, {"sentry_version": "7", "sentry_client": "c/1.0", "sentry_key": KEY})

    def test_with_secret(self):
        dsn = parse_dsn(f"https://{KEY}:{SECRET}@sentry.example.com/1")
        _, pairs = self.pairs(dsn.auth_header(5, "c/1.0"))
        self.assertEqual(
            pairs, {"sentry_version": "5", "sentry_client": "c/1.0", "sentry_key": KEY, "sentry_secret": SECRET}
        )


class TestInvalidDsn(unittest.TestCase):
    @parameterized.expand(
        [
            ("empty", ""),
            ("blank", "   "),
            ("none", None),
            ("not_a_string", 42),
            ("no_key", "https://sentry.example.com/42"),
            ("empty_key", "https://@sentry.example.com/42"),
            ("empty_key_with_secret", f"https://:{SECRET}@sentry.example.com/42"),
            ("no_project", f"https://{KEY}@sentry.example.com"),
            ("no_project_slash", f"https://{KEY}@sentry.example.com/"),
            ("non_numeric_project", f"https://{KEY}@sentry.example.com/my-project"),
            ("project_with_letters", f"https://{KEY}@sentry.example.com/42a"),
            ("ftp_scheme", f"ftp://{KEY}@sentry.example.com/42"),
            ("no_scheme", f"{KEY}@sentry.example.com/42"),
            ("javascript_scheme", f"javascript://{KEY}@sentry.example.com/42"),
            ("space_in_host", f"https://{KEY}@sentry example.com/42"),
            ("space_in_key", f"https://{KEY[:8]} {KEY[8:]}@sentry.example.com/42"),
            ("trailing_newline", f"https://{KEY}@sentry.example.com/42\n"),
            ("tab", f"https://{KEY}@sentry.example.com/\t42"),
            ("control_character", f"https://{KEY}@sentry.example.com/4\x002"),
            ("port_not_a_number", f"https://{KEY}@sentry.example.com:abc/42"),
            ("port_zero", f"https://{KEY}@sentry.example.com:0/42"),
            ("port_too_big", f"https://{KEY}@sentry.example.com:65536/42"),
            ("no_host", f"https://{KEY}@/42"),
            ("dot_segment", f"https://{KEY}@sentry.example.com/prefix/../42"),
            ("empty_segment_in_prefix", f"https://{KEY}@sentry.example.com/prefix//42"),
            ("empty_prefix_segment", f"https://{KEY}@sentry.example.com//42"),
            ("key_with_slash_encoded", f"https://{KEY[:8]}%2F{KEY[8:]}@sentry.example.com/42"),
            ("percent_in_host", f"https://{KEY}@sentry.example.com%2F..%2F/42"),
            ("unbalanced_ipv6_bracket", f"https://{KEY}@[2001:db8::1/42"),
            ("closing_bracket_only", f"https://{KEY}@2001:db8::1]/42"),
            ("unicode_host", f"https://{KEY}@séntry.example.com/42"),
            ("text_before_ipv6_brackets", f"https://{KEY}@x[::1]/42"),
            ("text_after_ipv6_brackets", f"https://{KEY}@[::1]x/42"),
            ("ipv6_zone", f"https://{KEY}@[fe80::1%25eth0]/42"),
        ]
    )
    def test_refused(self, _name, dsn):
        with self.assertRaises(PluginException) as context:
            parse_dsn(dsn)
        error = context.exception
        self.assertTrue(error.cause.startswith("Invalid input 'dsn': "), error.cause)
        self.assertIn("Client Keys (DSN)", error.assistance)
        text = exception_text(error)
        self.assertNotIn(KEY, text)
        self.assertNotIn(SECRET, text)
        self.assertNotIn(KEY[:8], text)

    @parameterized.expand(
        [
            ("no_key", "https://sentry.example.com/42", "no public key"),
            ("no_project", f"https://{KEY}@sentry.example.com", "no project ID"),
            ("non_numeric_project", f"https://{KEY}@sentry.example.com/abc", "not a number"),
            ("scheme", f"ftp://{KEY}@sentry.example.com/42", "http or https"),
            ("spaces", f"https://{KEY}@sentry.example.com/ 42", "spaces"),
            ("port", f"https://{KEY}@sentry.example.com:99999/42", "port"),
            ("empty", "", "empty"),
            ("nfkc_host", f"https://{KEY}@evil\u2100.sentry.io/42", "characters a host name never has"),
            ("broken_brackets", f"https://{KEY}@x[::1]/42", "not a valid host name or IP address"),
        ]
    )
    def test_says_what_is_wrong(self, _name, dsn, problem):
        with self.assertRaises(PluginException) as context:
            parse_dsn(dsn)
        self.assertIn(problem, context.exception.cause)

    def test_secret_never_in_error(self):
        with self.assertRaises(PluginException) as context:
            parse_dsn(f"https://{KEY}:{SECRET}@sentry.example.com/not-a-project")
        text = exception_text(context.exception)
        self.assertNotIn(SECRET, text)
        self.assertNotIn(KEY, text)
