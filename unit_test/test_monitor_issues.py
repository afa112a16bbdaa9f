"""The Monitor Issues task, called as the runtime calls it (`run(params, state, custom_config)` returning output,
state, has_more_pages, status_code and error), the state fed back call after call, against a listing that answers
as Sentry does (fault_test.server.IssueBook)."""

import json
import logging
import tracemalloc
import unittest
from datetime import datetime, timedelta, timezone
from unittest import mock

import jsonschema
from insightconnect_plugin_runtime.exceptions import PluginException
from jsonschema import validators
from parameterized import parameterized

from fault_test.server import IssueBook, to_us
from komand_sentry.tasks.monitor_issues import MonitorIssues
from komand_sentry.util import new_issues as wm
from komand_sentry.util.watermark import SEEN_CAP
from unit_test.util import TOKEN, BookSentry, connect, connection_params, exception_text, fault, reply

NOW = datetime(2026, 6, 2, 12, 0, 0, tzinfo=timezone.utc)
MS = 1000
INPUT = {"organization_slug": "example-org", "project_slug": "pump-station"}
LOGGER = logging.getLogger("unit_test.monitor_issues")
FORMATS = jsonschema.FormatChecker()


@FORMATS.checks("date-time", raises=ValueError)
def _date_time(value) -> bool:
    if isinstance(value, str):
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


def ago(hours: float = 0, seconds: float = 0) -> int:
    return to_us(NOW - timedelta(hours=hours, seconds=seconds))


class Collector:
    """The task as the runtime calls it, with the state of each call fed to the next."""

    def __init__(self, book: IssueBook, *replies, state=None, custom_config=None):
        self.server = BookSentry(book, *replies)
        self.connection = connect(connection_params(max_retry_wait=5), self.server)
        self.state = {} if state is None else state
        self.custom_config = custom_config or {}
        self.now = NOW
        self.calls = []

    def call(self, params=None):
        task = MonitorIssues()
        task.connection = self.connection
        task.logger = LOGGER
        params = dict(INPUT) if params is None else params
        jsonschema.validate(params, task.input.schema)  # what the runtime checks before run()
        task.state.validate(self.state)
        with mock.patch.object(wm, "utc_now", lambda: self.now):
            output, state, has_more, status, error = task.run(
                params, json.loads(json.dumps(self.state)), self.custom_config
            )
        jsonschema.validate(output, task.output.schema)  # what the runtime checks after run()
        validate_issues(task, output)
        json.dumps(state)  # the runtime sends it back as JSON
        self.state = state
        self.calls.append((output, has_more, status, error))
        return output, has_more, status, error

    def until_done(self, limit=50):
        """Calls while has_more_pages says so; every issue returned, in order."""
        issues = []
        for _ in range(limit):
            output, has_more, status, error = self.call()
            assert status == 200 and error is None, (status, error)
            issues += [issue["id"] for issue in output]
            if not has_more:
                return issues
        raise AssertionError("the backlog did not end")


def validate_issues(task, output):
    definitions = task.output.schema["definitions"]
    schema = {"type": "array", "items": {"$ref": "#/definitions/Issue"}, "definitions": definitions}
    jsonschema.Draft7Validator(schema, format_checker=FORMATS).validate(output)


class TestFirstCall(unittest.TestCase):
    def test_the_first_call_looks_back_24_hours(self):
        book = IssueBook()
        book.add(ago(hours=30), 3, step_us=MS)
        recent = book.add(ago(hours=20), 4, step_us=MS)
        collector = Collector(book)
        output, has_more, status, error = collector.call()
        self.assertEqual(sorted(issue["id"] for issue in output), recent)
        self.assertEqual((has_more, status, error), (False, 200, None))
        sent = collector.server.requests[0]
        self.assertEqual(sent.params["query"], "firstSeen:>=2026-06-01T12:00:00.000Z")
        self.assertEqual((sent.params["sort"], sent.params["limit"], sent.params["statsPeriod"]), ("new", "100", ""))
        self.assertEqual(sent.headers["Authorization"], f"Bearer {TOKEN}")

    @parameterized.expand(
        [
            ("lookback", {"lookback": "2026-06-02T06:00:00Z"}, "2026-06-02T06:00:00.000Z"),
            ("cutoff_hours", {"cutoff": {"hours": 2}}, "2026-06-02T10:00:00.000Z"),
            ("cutoff_date", {"cutoff": {"date": "2026-05-30T00:00:00+00:00"}}, "2026-05-30T00:00:00.000Z"),
            ("unreadable", {"lookback": "last tuesday", "cutoff": {"hours": "many"}}, "2026-06-01T12:00:00.000Z"),
        ]
    )
    def test_custom_config_sets_the_look_back(self, _name, custom_config, bound):
        collector = Collector(IssueBook(), custom_config=custom_config)
        collector.call()
        self.assertEqual(collector.server.requests[0].params["query"], f"firstSeen:>={bound}")

    def test_issues_of_every_status_are_collected(self):
        book = IssueBook()
        ids = book.add(ago(hours=1), 1, status="resolved") + book.add(ago(hours=1) + MS, 1, status="ignored")
        output, _, _, _ = Collector(book).call()
        self.assertEqual(sorted(issue["id"] for issue in output), ids)


class TestCollection(unittest.TestCase):
    def test_a_call_with_nothing_new_returns_an_empty_list_for_one_request(self):
        book = IssueBook()
        book.add(ago(hours=1), 30, step_us=MS)
        collector = Collector(book)
        collector.call()
        before = len(collector.server.requests)
        output, has_more, status, error = collector.call()
        self.assertEqual((output, has_more, status, error), ([], False, 200, None))
        self.assertEqual(len(collector.server.requests) - before, 1)

    def test_a_backlog_comes_a_page_a_call_each_issue_once(self):
        book = IssueBook()
        ids = book.add(ago(hours=5), 250, step_us=MS)
        collector = Collector(book)
        issues = collector.until_done()
        self.assertEqual([has_more for _, has_more, _, _ in collector.calls], [True, True, False])
        self.assertEqual([len(output) for output, _, _, _ in collector.calls], [100, 100, 50])
        self.assertEqual(sorted(issues, key=int), ids)
        self.assertEqual(collector.call()[0], [])

    def test_issues_arriving_during_a_backlog_come_once_in_a_later_call(self):
        book = IssueBook()
        ids = book.add(ago(hours=5), 250, step_us=MS)
        collector = Collector(book)
        first, has_more, _, _ = collector.call()
        self.assertTrue(has_more)
        more = book.add(ago(seconds=30), 5, step_us=MS)
        collector.now = NOW + timedelta(minutes=1)
        issues = [issue["id"] for issue in first] + collector.until_done()
        issues += collector.until_done()
        self.assertEqual(sorted(issues, key=int), ids + more)
        self.assertEqual(len(issues), len(set(issues)))

    def test_a_page_boundary_inside_issues_of_equal_first_seen(self):
        book = IssueBook()
        ids = book.add(ago(hours=3), 60, step_us=MS) + book.add(ago(hours=2), 180) + book.add(ago(hours=1), 5)
        issues = Collector(book).until_done()
        self.assertEqual(sorted(issues, key=int), ids)
        self.assertEqual(len(issues), len(set(issues)))

    def test_exactly_once_over_many_calls_with_issues_arriving_all_along(self):
        book = IssueBook()
        collector = Collector(book)
        created, collected = [], []
        for minute in range(60):
            collector.now = NOW + timedelta(minutes=minute)
            created += book.add(to_us(collector.now) - 20 * 1_000_000, 37, step_us=7 * MS)
            for output, _, _, _ in [collector.call()]:
                collected += [issue["id"] for issue in output]
        collected += collector.until_done()
        self.assertEqual(sorted(collected, key=int), created)
        self.assertLessEqual(len(collector.state["seen"]), SEEN_CAP)

    def test_the_output_is_shaped_to_the_issue_type(self):
        book = IssueBook()
        issue_id = book.add(ago(hours=1), 1)[0]
        book.issues[issue_id].update(userCount="3", annotations=["JIRA-1"], assignedTo=None)
        output, _, _, _ = Collector(book).call()
        self.assertEqual(output[0]["userCount"], 3)
        self.assertEqual(output[0]["annotations"], [{"displayName": "JIRA-1"}])
        self.assertNotIn("assignedTo", output[0])

    def test_memory_per_call_is_bounded_by_a_page(self):
        book = IssueBook()
        book.add(ago(hours=10), 3000, step_us=MS)
        collector = Collector(book)
        collector.call()
        peaks = []
        for _ in range(5):
            tracemalloc.start()
            collector.call()
            peaks.append(tracemalloc.get_traced_memory()[1])
            tracemalloc.stop()
        self.assertLess(max(peaks), 4 * 1024 * 1024)
        self.assertLess(len(json.dumps(collector.state)), 20_000)


class TestStates(unittest.TestCase):
    @parameterized.expand(
        [
            ("not_an_object", "garbage"),
            ("a_list", [1, 2]),
            ("older_version", {"last_collection_timestamp": "2026-06-02T11:00:00Z", "next_page_link": "x"}),
            (
                "other_project",
                {"version": 1, "project": "example-org/other", "horizon": "2026-06-02T11:00:00Z", "seen": {}},
            ),
            (
                "bad_seen",
                {
                    "version": 1,
                    "project": "example-org/pump-station",
                    "horizon": "2026-06-02T11:00:00Z",
                    "seen": ["1", "2"],
                },
            ),
            (
                "bad_walk",
                {
                    "version": 1,
                    "project": "example-org/pump-station",
                    "horizon": "2026-06-02T11:00:00Z",
                    "seen": {},
                    "walk": {"cursor": 5},
                },
            ),
        ]
    )
    def test_an_unusable_state_starts_a_fresh_look_back(self, _name, state):
        book = IssueBook()
        book.add(ago(hours=48), 10, step_us=MS)
        recent = book.add(ago(hours=2), 3, step_us=MS)
        collector = Collector(book, state=state)
        output, has_more, status, error = collector.call()
        self.assertEqual((status, error, has_more), (200, None, False))
        self.assertEqual(sorted(issue["id"] for issue in output), recent)
        self.assertEqual(collector.state["version"], 1)

    def test_a_state_older_than_the_cutoff_resumes_at_the_cutoff(self):
        book = IssueBook()
        book.add(ago(hours=200), 5, step_us=MS)
        recent = book.add(ago(hours=100), 2, step_us=MS)
        state = {"version": 1, "project": "example-org/pump-station", "horizon": "2026-05-01T00:00:00Z", "seen": {}}
        collector = Collector(book, state=state)
        output, _, _, _ = collector.call()
        self.assertEqual(sorted(issue["id"] for issue in output), recent)
        self.assertIn("firstSeen:>=2026-05-26T12:00:00.000Z", collector.server.requests[0].params["query"])

    def test_the_state_of_a_call_is_the_next_call_s_watermark(self):
        book = IssueBook()
        book.add(ago(hours=1), 3, step_us=MS)
        collector = Collector(book)
        collector.call()
        collector.call()
        horizon = collector.state["horizon"]
        self.assertIn(f"firstSeen:>={horizon[:23]}Z", collector.server.requests[-1].params["query"])


class TestFaults(unittest.TestCase):
    def test_a_rate_limit_saves_the_reset_time_and_returns_cleanly(self):
        book = IssueBook()
        ids = book.add(ago(hours=1), 2, step_us=MS)
        collector = Collector(book, reply(429, {"detail": "slow down"}, {"Retry-After": "120"}))
        output, has_more, status, error = collector.call()
        self.assertEqual((output, has_more, status), ([], True, 429))
        self.assertIsInstance(error, PluginException)
        reset = collector.state["rate_limit_reset_epoch"]
        self.assertEqual(reset, int(NOW.timestamp()) + 120)
        requests = len(collector.server.requests)
        collector.now = NOW + timedelta(seconds=60)
        output, has_more, status, error = collector.call()
        self.assertEqual((output, status, len(collector.server.requests)), ([], 429, requests))
        self.assertIn("skipped", error.cause)
        collector.now = NOW + timedelta(seconds=121)
        output, has_more, status, error = collector.call()
        self.assertEqual((sorted(issue["id"] for issue in output), status, error), (ids, 200, None))
        self.assertNotIn("rate_limit_reset_epoch", collector.state)

    def test_a_rate_limit_in_the_middle_of_a_backlog_loses_nothing(self):
        book = IssueBook()
        ids = book.add(ago(hours=5), 230, step_us=MS)
        collector = Collector(book)
        issues = [issue["id"] for issue in collector.call()[0]]
        collector.server.queue(reply(429, {"detail": "slow down"}, {"Retry-After": "30"}))
        self.assertEqual(collector.call()[2], 429)
        collector.now = NOW + timedelta(seconds=31)
        issues += collector.until_done()
        self.assertEqual(sorted(issues, key=int), ids)

    @parameterized.expand([("revoked", 401, "refused the auth token"), ("forbidden", 403, "not allowed")])
    def test_a_refused_token_returns_the_error_with_its_cause(self, _name, status, words):
        book = IssueBook()
        ids = book.add(ago(hours=1), 2, step_us=MS)
        book.refuse = status
        collector = Collector(book, state={})
        output, has_more, code, error = collector.call()
        self.assertEqual((output, has_more, code), ([], False, status))
        self.assertIn(words, error.cause)
        self.assertTrue(error.assistance)
        self.assertNotIn(TOKEN, exception_text(error))
        book.refuse = None
        output, _, code, _ = collector.call()
        self.assertEqual((sorted(issue["id"] for issue in output), code), (ids, 200))

    def test_a_server_error_returns_its_status_and_keeps_the_state(self):
        book = IssueBook()
        book.add(ago(hours=1), 120, step_us=MS)
        collector = Collector(book)
        collector.call()
        before = dict(collector.state)
        collector.server.queue(*[reply(502, "<html>bad gateway</html>")] * 4)
        output, has_more, status, error = collector.call()
        self.assertEqual((output, has_more, status), ([], False, 502))
        self.assertEqual(collector.state, before)
        self.assertEqual(len(collector.until_done()), 20)

    def test_a_dropped_connection_returns_an_error_object(self):
        import requests

        collector = Collector(IssueBook(), *[fault(requests.exceptions.ConnectionError("reset"))] * 4)
        output, has_more, status, error = collector.call()
        self.assertEqual((output, status), ([], 503))
        self.assertIsInstance(error, PluginException)

    @parameterized.expand(
        [
            ("organization", {"organization_slug": "Bad Org", "project_slug": "p"}),
            ("project", {"organization_slug": "o", "project_slug": "../p"}),
        ]
    )
    def test_bad_slugs_return_an_error_before_any_request(self, _name, params):
        collector = Collector(IssueBook(), state={"kept": True})
        output, has_more, status, error = collector.call(params)
        self.assertEqual((output, has_more, status), ([], False, 400))
        self.assertIn("slug", error.cause)
        self.assertEqual(collector.server.requests, [])
        self.assertEqual(collector.state, {"kept": True})


class TestSchemas(unittest.TestCase):
    def test_the_schemas_the_cached_validation_relies_on_are_valid(self):
        task = MonitorIssues()
        for variables in (task.input, task.output, task.state):
            validators.validator_for(variables.schema).check_schema(variables.schema)


if __name__ == "__main__":
    unittest.main()
