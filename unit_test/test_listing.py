import json
import threading
import time
import types
import unittest

import requests
from insightconnect_plugin_runtime.exceptions import PluginException

from komand_sentry.util import listing
from komand_sentry.util.transport import Settings, Transport
from testkit.server import LoopbackSentry
from testkit.wire import Reply

WHAT = "GET /api/0/projects/org/p/issues/"


def link(cursor):
    results = "false" if cursor is None else "true"
    return f'<https://sentry.example.com/x/>; rel="next"; results="{results}"; cursor="{cursor or "0:0:0"}"'


def page(number, size=3, last=False):
    items = [{"id": f"{number}-{index}"} for index in range(size)]
    return types.SimpleNamespace(
        headers={"Link": link(None if last else f"c{number + 1}")}, content=json.dumps(items).encode()
    )


def decode(response):
    return json.loads(response.content)


class Pages:
    """A fake `fetch` over pages 1..count; records each call and what was decoded by then."""

    def __init__(self, count, faults=None):
        self.count, self.faults, self.calls, self.decoded = count, faults or {}, [], []

    def fetch(self, cursor, size):
        number = 1 if cursor is None else int(cursor[1:])
        self.calls.append((cursor, size, len(self.decoded)))
        if number in self.faults:
            raise self.faults[number]
        return page(number, last=number == self.count)

    def decode(self, response):
        items = decode(response)
        self.decoded.append(threading.current_thread().name)
        return items


def decoder_threads():
    return [thread for thread in threading.enumerate() if thread.name.startswith("sentry-page-decoder")]


class TestCollect(unittest.TestCase):
    def test_every_page_once_and_in_order(self):
        pages = Pages(5)
        result = listing.collect(pages.fetch, pages.decode, WHAT, None, None)
        self.assertEqual([item["id"] for item in result.items][::3], ["1-0", "2-0", "3-0", "4-0", "5-0"])
        self.assertEqual([cursor for cursor, _, _ in pages.calls], [None, "c2", "c3", "c4", "c5"])
        self.assertEqual((result.has_more, result.next_cursor), (False, None))

    def test_without_a_limit_pages_are_decoded_on_a_second_thread(self):
        pages = Pages(3)
        listing.collect(pages.fetch, pages.decode, WHAT, None, None)
        self.assertTrue(all(name.startswith("sentry-page-decoder") for name in pages.decoded), pages.decoded)
        self.assertEqual(decoder_threads(), [])  # the thread ends with the listing

    def test_with_a_limit_no_page_is_asked_for_before_the_last_is_decoded(self):
        pages = Pages(5)
        result = listing.collect(pages.fetch, pages.decode, WHAT, 7, None)
        self.assertEqual(len(result.items), 9)  # whole pages
        self.assertEqual(pages.calls, [(None, 7, 0), ("c2", 4, 1), ("c3", 1, 2)])
        self.assertEqual((result.has_more, result.next_cursor), (True, "c4"))

    def test_a_page_that_cannot_be_decoded_is_reported_before_the_next_pages_fault(self):
        pages = Pages(5, faults={3: PluginException(cause="page 3 failed", assistance="")})
        not_json = types.SimpleNamespace(headers={"Link": link("c3")}, content=b"<html>")
        fetch = lambda cursor, size: not_json if cursor == "c2" else pages.fetch(cursor, size)  # noqa: E731
        with self.assertRaises(PluginException) as context:
            listing.collect(fetch, strict_decode, WHAT, None, None)
        self.assertIn("it is not JSON", context.exception.cause)
        self.assertEqual(pages.calls[-1][0], "c3")  # page 3 was asked for (and failed) while page 2 was decoded
        self.assertEqual(decoder_threads(), [])

    def test_the_next_pages_fault_is_raised_once_this_page_is_decoded(self):
        pages = Pages(5, faults={3: PluginException(cause="page 3 failed", assistance="")})
        with self.assertRaises(PluginException) as context:
            listing.collect(pages.fetch, pages.decode, WHAT, None, None)
        self.assertEqual(context.exception.cause, "page 3 failed")
        self.assertEqual(len(pages.decoded), 2)  # page 2 was decoded all the same, and nothing after
        self.assertEqual(decoder_threads(), [])

    def test_a_cursor_that_comes_back_stops_the_listing_with_or_without_a_limit(self):
        looping = types.SimpleNamespace(headers={"Link": link("c1")}, content=b"[]")
        for limit in (None, 50):
            with self.assertRaises(PluginException) as context:
                listing.collect(lambda cursor, size: looping, decode, WHAT, limit, "c1")
            self.assertIn("does not advance", context.exception.cause)


def strict_decode(response):
    try:
        return json.loads(response.content)
    except ValueError:
        raise listing.unusable_answer(WHAT, "it is not JSON")


class TestDecodingOverlapsTheNextRequest(unittest.TestCase):
    """Through the real transport: page 1 is decoded while Sentry is still answering the request for page 2."""

    def setUp(self):
        self.server = LoopbackSentry()
        self.addCleanup(self.server.stop)
        self.answered = {}

    def answer(self, number, delay):
        def send(exchange):
            exchange.sleep(delay)
            self.answered[number] = time.monotonic()
            last = number == 2
            body = json.dumps([{"id": f"{number}-{index}"} for index in range(3)]).encode()
            return exchange.answer(Reply(200, body, {"Link": link(None if last else f"c{number + 1}")}))

        return send

    def test_the_first_page_is_decoded_before_the_second_answer_arrives(self):
        path = "/api/0/projects/org/p/issues/"
        self.server.script(path, self.answer(1, 0.0), self.answer(2, 0.5))
        transport = Transport(requests.Session(), Settings(timeout=10), None)
        url = f"{self.server.url}{path}"
        decoded_at = []

        def fetch(cursor, size):
            with transport.step():
                return transport.request("GET", url, params={"cursor": cursor, "limit": size})

        def timed_decode(response):
            items = decode(response)
            decoded_at.append(time.monotonic())
            return items

        result = listing.collect(fetch, timed_decode, WHAT, None, None)
        self.assertEqual(len(result.items), 6)
        self.assertLess(decoded_at[0], self.answered[2] - 0.3)  # while page 2's answer was held back 0.5 s
        self.assertEqual(self.server.connections, 1)  # one request at a time, on one connection


if __name__ == "__main__":
    unittest.main()
