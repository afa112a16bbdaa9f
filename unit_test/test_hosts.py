import unittest
from unittest import mock

from parameterized import parameterized
from urllib3.util import parse_url

from komand_sentry.util import hosts
from komand_sentry.util.hosts import HostError, Origin, check_url


class TestAccepted(unittest.TestCase):
    @parameterized.expand(
        [
            ("saas", "https://sentry.io", "https", "sentry.io", None, ""),
            ("api_form", "https://de.sentry.io/api/0/", "https", "de.sentry.io", None, "/api/0/"),
            ("upper_case", "HTTPS://Sentry.Example.COM:8443/x", "https", "sentry.example.com", 8443, "/x"),
            ("ipv4", "http://127.0.0.1:9000/", "http", "127.0.0.1", 9000, "/"),
            ("ipv6", "http://[2001:DB8::1]:8080/a", "http", "[2001:db8::1]", 8080, "/a"),
            ("ipv6_loopback", "http://[::1]/", "http", "[::1]", None, "/"),
            ("empty_port", "https://sentry.example.com:/p", "https", "sentry.example.com", None, "/p"),
            ("fragment_with_at", "https://a.example#@b.sentry.io", "https", "a.example", None, ""),
        ]
    )
    def test_origin(self, _name, url, scheme, host, port, path):
        self.assertEqual(check_url(url), Origin(scheme, host, port, path))

    def test_what_urllib3_connects_to_is_the_host_returned(self):
        for url in ("https://Sentry.Example.COM:8443/x", "http://[2001:DB8::1]:8080/a", "https://u@a@b.example/"):
            origin = check_url(url, allow_userinfo=True)
            self.assertEqual((origin.host, origin.port), (parse_url(url).host, parse_url(url).port), url)

    def test_key_fills_the_default_port(self):
        self.assertEqual(hosts._key("HTTPS", "sentry.io", None), hosts._key("https", "sentry.io", 443))
        self.assertNotEqual(hosts._key("https", "sentry.io", None), hosts._key("http", "sentry.io", None))

    def test_underscore_only_when_allowed(self):
        self.assertEqual(check_url("http://sentry_web:9000/1", allow_underscore=True).host, "sentry_web")
        with self.assertRaises(HostError):
            check_url("http://sentry_web:9000/1")


class TestRefused(unittest.TestCase):
    @parameterized.expand(
        [
            ("backslash_region", "https://attacker.example\\.sentry.io", hosts.BAD_CHARACTERS),
            ("backslash_self_hosted", "https://evil.example\\.sentry.example.com/api/0/", hosts.BAD_CHARACTERS),
            ("unicode_nfkc", "https://evil\u2100.sentry.io", hosts.BAD_CHARACTERS),
            ("unicode_letter", "https://s\u00e9ntry.example.com", hosts.BAD_CHARACTERS),
            ("percent", "https://sentry.example.com%2F..%2F/", hosts.BAD_CHARACTERS),
            ("unclosed_bracket", "https://[::1", hosts.NOT_A_HOST),
            ("closing_bracket_only", "https://2001:db8::1]/", hosts.NOT_A_HOST),
            ("text_before_bracket", "https://x[::1]/", hosts.NOT_A_HOST),
            ("text_after_bracket", "https://[::1]x/", hosts.NOT_A_HOST),
            ("not_ipv6_in_brackets", "https://[v1.fe]/", hosts.NOT_A_HOST),
            ("zone_id", "https://[fe80::1%25eth0]/", hosts.NOT_A_HOST),
            ("empty_label", "https://a..example/", hosts.NOT_A_HOST),
            ("long_label", "https://" + "a" * 64 + ".example/", hosts.NOT_A_HOST),
            ("port_zero", "https://sentry.io:0/", hosts.BAD_PORT),
            ("port_too_big", "https://sentry.io:65536/", hosts.BAD_PORT),
            ("port_sign", "https://127.0.0.1:+80/", hosts.BAD_PORT),
            ("port_unicode_digit", "https://sentry.io:\u0663/", hosts.BAD_PORT),
            ("ftp", "ftp://sentry.io/", hosts.NOT_HTTP),
            ("no_scheme", "sentry.io", hosts.NOT_HTTP),
            ("no_host", "https:///api/0/", "it has no host"),
            ("credentials", "https://user:pw@sentry.io/", "it holds credentials"),
            ("space", "https://sentry .io/", "spaces or control characters"),
            ("tab_inside_host", "https://evil.exa\tmple.sentry.io/", "spaces or control characters"),
            ("not_a_string", None, "spaces or control characters"),
        ]
    )
    def test_refused_with_a_cause(self, _name, url, problem):
        with self.assertRaises(HostError) as context:
            check_url(url)
        self.assertIn(problem, str(context.exception))
        if isinstance(url, str) and "pw@" in url:
            self.assertNotIn("pw", str(context.exception))

    def test_a_parser_that_reads_another_host_is_refused(self):
        # the characters pass, but if urllib3 read another host the URL would still be refused
        with mock.patch.object(hosts, "parse_url", lambda url: parse_url("https://attacker.example/")):
            with self.assertRaises(HostError) as context:
                check_url("https://de.sentry.io/")
        self.assertEqual(str(context.exception), hosts.PARSERS_DISAGREE)

    def test_refusal_never_repeats_the_url(self):
        for url in ("https://abc123:s3cr3t@x\\y/1", "https://abc123@[::1/1"):
            with self.assertRaises(HostError) as context:
                check_url(url, allow_userinfo=True)
            self.assertNotIn("abc123", str(context.exception))
            self.assertNotIn("s3cr3t", str(context.exception))
