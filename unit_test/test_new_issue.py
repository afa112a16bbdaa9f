"""The New Issue trigger: its watermark and polls (komand_sentry/util/watermark.py and new_issues.py) against a listing that answers as
Sentry does (fault_test.server.IssueBook: the query, sort=new, value:offset cursors), and the trigger itself as the
runtime runs it (state file, shutdown flag, dispatcher), on a virtual clock."""

import io
import json
import logging
import os
import random
import tempfile
import unittest
from datetime import datetime, timedelta, timezone
from unittest import mock

import insightconnect_plugin_runtime.trigger as runtime_trigger
import jsonschema
import requests
from insightconnect_plugin_runtime.exceptions import PluginException
from insightconnect_plugin_runtime.plugin import Meta, Workflow
from jsonschema import validators
from parameterized import parameterized

from fault_test.server import IssueBook, to_us
from komand_sentry.triggers.new_issue import NewIssue
from komand_sentry.triggers.new_issue import trigger as trigger_module
from komand_sentry.util import new_issues as wm
from komand_sentry.util.new_issues import NewIssuePolls
from komand_sentry.util.watermark import LOOKBACK, SEEN_CAP, Project, Walk, Watermark, restore, state_of
from unit_test.util import TOKEN, BookSentry, check_output, connect, connection_params, reply

T0 = datetime(2026, 6, 1, 12, 0, 0, tzinfo=timezone.utc)  # the trigger starts here
MS = 1000  # microseconds
PROJECT = Project("example-org", "pump-station")
INPUT = {"organization_slug": "example-org", "project_slug": "pump-station", "interval": 5}
LOGGER = logging.getLogger("unit_test.new_issue")


def at(seconds: float) -> int:
    """A firstSeen seconds after T0, in microseconds."""
    return to_us(T0) + int(seconds * 1_000_000)


class Clock:
    def __init__(self, start: datetime = T0):
        self.moment = start

    def now(self) -> datetime:
        return self.moment


class Watch:
    """Polls of one trigger on a BookSentry: what it emitted and the states it saved."""

    def __init__(self, book: IssueBook, *replies, query="is:unresolved", state=None, clock=None, interval=60):
        self.book = book
        self.server = BookSentry(book, *replies)
        self.connection = connect(connection_params(max_retry_wait=5), self.server)
        self.clock = clock or Clock()
        self.logs = []
        self.polls = NewIssuePolls(
            lambda: self.connection.api, PROJECT, query, interval, _ListLogger(self.logs), now=self.clock.now
        )
        self.emitted, self.states = [], []
        self.start_state = self.polls.start(state)
        self.stop_after = None

    def emit(self, issue):
        self.emitted.append(issue["id"])

    def save(self, state):
        self.states.append(json.loads(json.dumps(state)))

    def running(self):
        return self.stop_after is None or len(self.emitted) < self.stop_after

    def poll(self) -> float:
        return self.polls.poll(self.emit, self.save, self.running)

    def requests_of(self, poll) -> int:
        before = len(self.server.requests)
        poll()
        return len(self.server.requests) - before

    @property
    def state(self):
        return self.states[-1] if self.states else self.start_state


class _ListLogger:
    def __init__(self, logs):
        self.logs = logs

    def __getattr__(self, level):
        return lambda message, *args, **kwargs: self.logs.append((level, message))


class TestInputs(unittest.TestCase):
    @parameterized.expand(
        [
            ("too_small", 4),
            ("zero", 0),
            ("negative", -1),
            ("text", "60"),
            ("boolean", True),
            ("fraction", 5.5),
            ("more_than_a_day", 86_401),
        ]
    )
    def test_interval_is_refused_before_any_request(self, _name, interval):
        with self.assertRaises(PluginException) as caught:
            wm.check_interval(interval)
        self.assertIn("interval", caught.exception.cause)
        self.assertIn("at least 5", caught.exception.assistance)

    def test_interval_bounds_and_default(self):
        self.assertEqual([wm.check_interval(5), wm.check_interval(86_400), wm.check_interval(None)], [5, 86_400, 60])

    @parameterized.expand(
        [
            ("upper", "Example-Org", "pump"),
            ("slash", "example-org", "a/b"),
            ("empty", "", "p"),
            ("none", "example-org", None),
        ]
    )
    def test_slugs_are_refused(self, _name, organization, project):
        with self.assertRaises(PluginException) as caught:
            wm.check_project(organization, project)
        self.assertIn("slug", caught.exception.cause)

    @parameterized.expand([("control", "is:unresolved\nlevel:error"), ("long", "a" * 1001), ("number", 5)])
    def test_query_is_refused(self, _name, query):
        with self.assertRaises(PluginException) as caught:
            wm.check_query(query)
        self.assertIn("query", caught.exception.cause)

    def test_query_default_is_unresolved_and_empty_is_kept(self):
        self.assertEqual((wm.check_query(None), wm.check_query("")), ("is:unresolved", ""))

    def test_run_refuses_a_short_interval_before_any_request(self):
        server = BookSentry(IssueBook())
        trigger = make_trigger(server, None)
        with self.assertRaises(PluginException):
            trigger.run(dict(INPUT, interval=1))
        self.assertEqual(server.requests, [])


class TestRequests(unittest.TestCase):
    def test_the_listing_asked_for(self):
        watch = Watch(IssueBook())
        watch.poll()
        sent = watch.server.requests[0]
        self.assertEqual(sent.path, "/api/0/projects/example-org/pump-station/issues/")
        self.assertEqual(sent.params["sort"], "new")
        self.assertEqual(sent.params["limit"], "100")
        self.assertEqual(sent.params["statsPeriod"], "")
        self.assertEqual(sent.params["query"], "is:unresolved firstSeen:>=2026-06-01T12:00:00.000Z")
        self.assertEqual(sent.headers["Authorization"], f"Bearer {TOKEN}")

    def test_an_empty_query_sends_only_the_bound(self):
        watch = Watch(IssueBook(), query="")
        watch.poll()
        self.assertEqual(watch.server.requests[0].params["query"], "firstSeen:>=2026-06-01T12:00:00.000Z")

    def test_an_idle_poll_costs_one_request(self):
        book = IssueBook()
        watch = Watch(book)
        book.add(at(1), 40, step_us=MS)
        watch.poll()
        self.assertEqual([watch.requests_of(watch.poll) for _ in range(3)], [1, 1, 1])

    def test_an_idle_poll_costs_one_request_after_a_large_burst(self):
        book = IssueBook()
        watch = Watch(book)
        book.add(at(1), 450, step_us=MS)
        self.assertEqual(watch.requests_of(watch.poll), 5)
        self.assertLessEqual(len(watch.state["seen"]), SEEN_CAP)
        self.assertEqual(watch.requests_of(watch.poll), 1)

    def test_the_bound_follows_the_watermark(self):
        book = IssueBook()
        watch = Watch(book)
        book.add(at(3600), 1)
        watch.poll()
        watch.poll()
        self.assertEqual(
            watch.server.requests[-1].params["query"], "is:unresolved firstSeen:>=2026-06-01T12:50:00.000Z"
        )


class TestNewIssues(unittest.TestCase):
    def test_issues_first_seen_before_the_start_are_not_emitted(self):
        book = IssueBook()
        old = book.add(at(-3600), 5, step_us=MS) + book.add(at(-0.001), 1)
        watch = Watch(book)
        new = book.add(at(0.5), 3, step_us=MS)
        watch.poll()
        self.assertEqual(watch.emitted, new)
        self.assertFalse(set(old) & set(watch.emitted))

    def test_a_new_event_of_an_old_issue_is_not_a_new_issue(self):
        book = IssueBook()
        old = book.add(at(-60), 1)[0]
        watch = Watch(book)
        book.touch(old, at(10))
        book.set_status([old], "unresolved")
        watch.poll()
        self.assertEqual(watch.emitted, [])

    def test_each_new_issue_once_oldest_first_across_polls(self):
        book = IssueBook()
        watch = Watch(book)
        first = book.add(at(1), 3, step_us=MS)
        watch.poll()
        second = book.add(at(2), 2, step_us=MS)
        watch.poll()
        watch.poll()
        self.assertEqual(watch.emitted, first + second)

    def test_hundreds_between_two_polls_are_each_emitted_once_oldest_first(self):
        book = IssueBook()
        watch = Watch(book)
        ids = book.add(at(1), 350, step_us=MS)
        requests = watch.requests_of(watch.poll)
        self.assertEqual(watch.emitted, ids)
        self.assertEqual(requests, 4)
        watch.poll()
        self.assertEqual(watch.emitted, ids)

    def test_a_page_boundary_inside_issues_of_equal_first_seen(self):
        book = IssueBook()
        watch = Watch(book)
        ids = book.add(at(1), 30, step_us=MS) + book.add(at(2), 170) + book.add(at(3), 20, step_us=MS)
        watch.poll()
        self.assertEqual(sorted(watch.emitted, key=int), ids)
        self.assertEqual(len(watch.emitted), len(set(watch.emitted)))
        cursors = [sent.params.get("cursor") for sent in watch.server.listings]
        self.assertIn(f"{at(2) // 1000}:80:0", cursors)  # the offset among the 170 of equal firstSeen

    def test_ties_in_a_new_order_at_every_request_give_no_duplicate_and_are_recovered(self):
        book = IssueBook()
        shuffler = random.Random(7)
        book.tie_order = lambda ids: shuffler.sample(ids, len(ids))
        watch = Watch(book)
        ids = book.add(at(1), 250)
        watch.poll()
        self.assertEqual(len(watch.emitted), len(set(watch.emitted)))
        for _ in range(11):  # each poll reads the group again: what one order hid, another shows
            watch.poll()
        self.assertEqual(len(watch.emitted), len(set(watch.emitted)))
        self.assertEqual(sorted(watch.emitted, key=int), ids)

    def test_the_query_is_applied(self):
        book = IssueBook()
        watch = Watch(book, query="is:unresolved team:pumps")
        wanted = book.add(at(1), 2, step_us=MS, tags={"team": "pumps"})
        book.add(at(1.5), 2, step_us=MS, tags={"team": "valves"})
        book.add(at(1.7), 1, tags={"team": "pumps"}, status="resolved")
        watch.poll()
        self.assertEqual(watch.emitted, wanted)


class TestLateIssues(unittest.TestCase):
    def test_an_issue_visible_late_within_the_lookback_is_emitted_once(self):
        book = IssueBook()
        watch = Watch(book)
        book.add(at(1200), 1)
        watch.poll()
        late = book.add(at(1200) - int((LOOKBACK.total_seconds() - 30) * 1_000_000), 1)  # 9.5 minutes older
        watch.poll()
        watch.poll()
        self.assertEqual(watch.emitted.count(late[0]), 1)

    def test_an_issue_visible_later_than_the_lookback_is_old(self):
        book = IssueBook()
        watch = Watch(book)
        book.add(at(1200), 1)
        watch.poll()
        late = book.add(at(1200) - int((LOOKBACK.total_seconds() + 30) * 1_000_000), 1)
        watch.poll()
        self.assertNotIn(late[0], watch.emitted)


class TestBoundedState(unittest.TestCase):
    def test_the_watermark_stays_bounded_however_long_it_runs(self):
        book = IssueBook()
        watch = Watch(book)
        emitted = 0
        for minute in range(0, 150):
            book.add(at(minute * 60 + 1), 25, step_us=3 * MS)
            watch.poll()
            emitted += 25
            self.assertLessEqual(len(watch.state["seen"]), SEEN_CAP)
        self.assertEqual(len(watch.emitted), emitted)
        self.assertEqual(len(set(watch.emitted)), emitted)
        self.assertLess(len(json.dumps(watch.state)), 10_000)

    def test_a_group_of_equal_first_seen_larger_than_the_cap_is_kept_whole(self):
        mark = Watermark(T0)
        for number in range(150):
            mark.seen[str(number)] = T0 + timedelta(seconds=1)
        mark.settle()
        self.assertEqual(len(mark.seen), 150)
        self.assertTrue(mark.is_new(wm.Listed("new", T0 + timedelta(seconds=1), {})))

    def test_the_cap_raises_the_horizon_to_the_oldest_issue_kept(self):
        mark = Watermark(T0)
        for number in range(200):
            mark.seen[str(number)] = T0 + timedelta(milliseconds=number)
        mark.settle()
        self.assertEqual(len(mark.seen), SEEN_CAP)
        self.assertEqual(mark.horizon, T0 + timedelta(milliseconds=200 - SEEN_CAP))
        self.assertFalse(mark.is_new(wm.Listed("0", T0, {})))


class TestBacklog(unittest.TestCase):
    def test_a_backlog_larger_than_the_hold_is_walked_newest_first_and_emitted_once(self):
        book = IssueBook()
        watch = Watch(book)
        ids = book.add(at(1), 1250, step_us=MS)
        watch.poll()
        self.assertEqual(sorted(watch.emitted, key=int), ids)
        self.assertEqual(watch.emitted[:3], ids[-1:-4:-1])  # newest first
        self.assertNotIn("walk", watch.state)
        self.assertLessEqual(len(watch.state["seen"]), SEEN_CAP)
        self.assertEqual(watch.requests_of(watch.poll), 1)
        self.assertEqual(len(watch.emitted), 1250)

    def test_issues_arriving_during_a_walk_are_emitted_by_the_next_poll(self):
        book = IssueBook()
        watch = Watch(book)
        ids = book.add(at(1), 1150, step_us=MS)
        watch.stop_after = 500
        watch.poll()
        more = book.add(at(100), 3, step_us=MS)
        watch.stop_after = None
        watch.poll()
        watch.poll()
        self.assertEqual(sorted(watch.emitted, key=int), ids + more)


class TestRestart(unittest.TestCase):
    def again(self, watch: Watch, book: IssueBook, **kwargs) -> Watch:
        """A new process with the last state the old one saved."""
        return Watch(book, state=watch.state, clock=watch.clock, **kwargs)

    def test_issues_arriving_while_stopped_are_emitted_and_nothing_twice(self):
        book = IssueBook()
        watch = Watch(book)
        before = book.add(at(1), 5, step_us=MS)
        watch.poll()
        while_down = book.add(at(2), 130, step_us=MS)
        watch.clock.moment = T0 + timedelta(hours=1)
        again = self.again(watch, book)
        again.poll()
        self.assertEqual(watch.emitted, before)
        self.assertEqual(again.emitted, while_down)

    def test_stopped_in_the_middle_of_a_burst(self):
        book = IssueBook()
        watch = Watch(book)
        ids = book.add(at(1), 240, step_us=MS)
        watch.stop_after = 77
        watch.poll()
        again = self.again(watch, book)
        again.poll()
        self.assertEqual(watch.emitted + again.emitted, ids)

    def test_killed_in_the_middle_of_a_backlog_walk(self):
        book = IssueBook()
        watch = Watch(book)
        ids = book.add(at(1), 1300, step_us=MS)
        watch.stop_after = 650
        watch.poll()
        self.assertIn("walk", watch.state)
        again = self.again(watch, book)
        again.poll()
        self.assertEqual(sorted(watch.emitted + again.emitted, key=int), ids)
        self.assertEqual(len(set(watch.emitted + again.emitted)), 1300)

    def test_killed_between_sending_and_saving_sends_that_issue_again_only(self):
        book = IssueBook()
        watch = Watch(book)
        ids = book.add(at(1), 10, step_us=MS)
        crashed = []

        def save(state):
            if len(watch.emitted) == 4 and not crashed:
                crashed.append(True)
                raise KeyboardInterrupt  # the process dies after the fourth send, before its save
            watch.states.append(json.loads(json.dumps(state)))

        watch.save = save
        with self.assertRaises(KeyboardInterrupt):
            watch.poll()
        again = self.again(watch, book)
        again.poll()
        self.assertEqual(watch.emitted + again.emitted, ids[:4] + ids[3:])

    def test_the_state_round_trips(self):
        book = IssueBook()
        watch = Watch(book)
        book.add(at(1), 20, step_us=MS)
        watch.poll()
        mark, walk = restore(watch.state, PROJECT)
        self.assertEqual(state_of(PROJECT, mark, walk), watch.state)

    @parameterized.expand(
        [
            ("empty", {}),
            ("not_an_object", ["x"]),
            ("text", "garbage"),
            ("older_version", {"last_collection_timestamp": "2026-05-01T00:00:00Z"}),
            ("newer_version", {"version": 2, "project": "example-org/pump-station", "horizon": "2026-05-01T00:00:00Z"}),
            (
                "other_project",
                {"version": 1, "project": "example-org/other", "horizon": "2026-05-01T00:00:00Z", "seen": {}},
            ),
            ("bad_horizon", {"version": 1, "project": "example-org/pump-station", "horizon": "yesterday", "seen": {}}),
            (
                "bad_seen",
                {
                    "version": 1,
                    "project": "example-org/pump-station",
                    "horizon": "2026-05-01T00:00:00Z",
                    "seen": {"1": 5},
                },
            ),
            (
                "bad_walk",
                {
                    "version": 1,
                    "project": "example-org/pump-station",
                    "horizon": "2026-05-01T00:00:00Z",
                    "seen": {},
                    "walk": {"cursor": "1:0:0\n", "oldest": None, "oldest_ids": [], "top": {}, "pages": 0},
                },
            ),
        ]
    )
    def test_an_unusable_state_starts_from_now_without_a_flood(self, _name, state):
        book = IssueBook()
        book.add(at(-7200), 50, step_us=MS)
        watch = Watch(book, state=state)
        new = book.add(at(1), 2, step_us=MS)
        watch.poll()
        self.assertEqual(watch.emitted, new)
        self.assertEqual(watch.start_state["horizon"], "2026-06-01T12:00:00.000000Z")
        if state:
            self.assertTrue(any(level == "warning" for level, _ in watch.logs), watch.logs)


class TestFaults(unittest.TestCase):
    def test_a_rate_limit_waits_what_sentry_asks_and_loses_nothing(self):
        book = IssueBook()
        watch = Watch(book, reply(429, {"detail": "slow down"}, {"Retry-After": "300"}), interval=60)
        ids = book.add(at(1), 3, step_us=MS)
        self.assertEqual(watch.poll(), 300.0)
        self.assertTrue(any("rate-limiting" in message for _, message in watch.logs))
        self.assertEqual(watch.poll(), 60.0)
        self.assertEqual(watch.emitted, ids)

    def test_a_rate_limit_shorter_than_the_interval_waits_the_interval(self):
        watch = Watch(IssueBook(), reply(429, {"detail": "slow down"}, {"Retry-After": "7"}), interval=60)
        self.assertEqual(watch.poll(), 60.0)  # 7 s is more than the connection's max retry wait of 5

    def test_server_errors_end_the_poll_and_the_next_goes_on(self):
        book = IssueBook()
        watch = Watch(book, *[reply(503, "<html>busy</html>")] * 4)
        ids = book.add(at(1), 2, step_us=MS)
        self.assertEqual(watch.poll(), 60.0)
        self.assertEqual(watch.emitted, [])
        self.assertTrue(any(level == "error" and "503" in message for level, message in watch.logs))
        watch.poll()
        self.assertEqual(watch.emitted, ids)

    @parameterized.expand(
        [
            ("dropped", requests.exceptions.ConnectionError("reset by peer")),
            ("timeout", requests.exceptions.ReadTimeout("read timed out")),
        ]
    )
    def test_network_faults_end_the_poll_and_the_next_goes_on(self, _name, error):
        from unit_test.util import fault

        book = IssueBook()
        watch = Watch(book, *[fault(error)] * 4)
        ids = book.add(at(1), 2, step_us=MS)
        self.assertEqual(watch.poll(), 60.0)
        watch.poll()
        self.assertEqual(watch.emitted, ids)

    @parameterized.expand([("revoked", 401, "refused the auth token"), ("forbidden", 403, "not allowed")])
    def test_a_refused_token_is_an_error_and_polling_resumes_when_fixed(self, _name, status, words):
        book = IssueBook()
        watch = Watch(book)
        first = book.add(at(1), 1)
        watch.poll()
        book.refuse = status
        during = book.add(at(2), 2, step_us=MS)
        self.assertEqual(watch.poll(), 60.0)
        errors = [message for level, message in watch.logs if level == "error"]
        self.assertTrue(any(words in message and f"HTTP {status}" in message for message in errors), errors)
        self.assertTrue(all(TOKEN not in message for _, message in watch.logs))
        book.refuse = None
        watch.poll()
        self.assertEqual(watch.emitted, first + during)

    @parameterized.expand([("bad_query", 400), ("unknown_project", 404)])
    def test_a_query_or_project_sentry_refuses_from_the_start_fails_the_trigger(self, _name, status):
        watch = Watch(IssueBook(), reply(status, {"detail": "Your search query could not be parsed"}))
        with self.assertRaises(PluginException):
            watch.poll()

    def test_a_not_found_after_a_successful_poll_is_logged(self):
        watch = Watch(IssueBook())
        watch.poll()
        watch.server.queue(reply(404, {"detail": "The requested resource does not exist"}))
        self.assertEqual(watch.poll(), 60.0)

    def test_an_unexpected_error_ends_the_poll_not_the_trigger(self):
        book = IssueBook()
        watch = Watch(book)
        ids = book.add(at(1), 3, step_us=MS)
        sent = watch.emit
        failures = [ValueError(f"cannot send {TOKEN}")]

        def emit(issue):
            if failures:
                raise failures.pop()
            sent(issue)

        watch.emit = emit
        self.assertEqual(watch.poll(), 60.0)
        errors = [message for level, message in watch.logs if level == "error"]
        self.assertTrue(any("ValueError" in message for message in errors), errors)
        self.assertTrue(all(TOKEN not in message for message in errors))
        watch.poll()
        self.assertEqual(watch.emitted, ids)

    def test_an_issue_without_first_seen_is_left_out(self):
        book = IssueBook()
        watch = Watch(book)
        ids = book.add(at(1), 2, step_us=MS)
        broken = {"id": "77", "title": "no date"}
        original = book.answer

        def answer(params, base):
            status, body, headers = original(params, base)
            return status, body + [broken], headers

        book.answer = answer
        watch.poll()
        self.assertEqual(watch.emitted, ids)


# The trigger as the runtime runs it ------------------------------------------------------------------------------


class Dispatcher:
    def __init__(self):
        self.messages = []

    def write(self, message):
        self.messages.append(json.loads(json.dumps(message)))


class VirtualTime:
    """time.monotonic and time.sleep of the trigger module; each sleep may run the test's next step."""

    def __init__(self, on_sleep):
        self.now = 0.0
        self.on_sleep = on_sleep
        self.slept = []

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds
        self.on_sleep(self.now)


def make_trigger(server, trigger_id, cache=None, flags=None):
    trigger = NewIssue()
    trigger.connection = connect(connection_params(max_retry_wait=5), server)
    trigger.connection.meta = Meta(name="Sentry", vendor="rapid7", version="2.1.0", description="")
    trigger.connection.meta.workflow = Workflow(triggerId=trigger_id)
    trigger.logger = LOGGER
    trigger.log_stream = io.StringIO()
    trigger.dispatcher = Dispatcher()
    trigger.meta = {"triggerId": trigger_id} if trigger_id else {}
    trigger.test_server = server
    return trigger


class TestTriggerRun(unittest.TestCase):
    def setUp(self):
        self.dirs = tempfile.TemporaryDirectory()
        self.cache, self.flags = os.path.join(self.dirs.name, "cache"), os.path.join(self.dirs.name, "flags")
        os.makedirs(self.flags)
        for name, value in (("CACHE_DIR", self.cache), ("FLAG_DIR", self.flags)):
            patcher = mock.patch.object(runtime_trigger, name, value)
            patcher.start()
            self.addCleanup(patcher.stop)
        patcher = mock.patch.object(wm, "utc_now", lambda: T0)
        patcher.start()
        self.addCleanup(patcher.stop)
        self.addCleanup(self.dirs.cleanup)

    def flag(self):
        open(os.path.join(self.flags, "terminate_trigger.flag"), "w").close()

    def run_trigger(self, trigger, steps):
        """Run until the steps are used up (one step each time a poll has been made), then raise the flag."""
        server = trigger.test_server
        done = {"polls": 0}

        def on_sleep(_now):
            polls = len(server.listings)
            if polls > done["polls"]:
                done["polls"] = polls
                if steps:
                    steps.pop(0)()
                else:
                    self.flag()

        clock = VirtualTime(on_sleep)
        with mock.patch.object(trigger_module, "time", clock):
            trigger.run(dict(INPUT))
        return clock

    def test_events_are_sent_and_the_state_is_in_the_trigger_file(self):
        book = IssueBook()
        server = BookSentry(book)
        trigger = make_trigger(server, "trigger-7")
        trigger.load_state()
        ids = []
        self.run_trigger(trigger, [lambda: ids.extend(book.add(at(1), 3, step_us=MS)), lambda: None])
        outputs = [message["body"]["output"] for message in trigger.dispatcher.messages]
        self.assertEqual([output["issue"]["id"] for output in outputs], ids)
        for output in outputs:
            check_output(trigger, output)
            self.assertEqual(output["issue"]["firstSeen"][:4], "2026")
        with open(os.path.join(self.cache, "trigger-7.json")) as file:
            saved = json.load(file)
        self.assertEqual(set(saved["seen"]), set(ids))
        self.assertFalse(os.path.exists(os.path.join(self.flags, "terminate_trigger.flag")))

    def test_the_shutdown_flag_ends_a_pause_within_a_second(self):
        server = BookSentry(IssueBook())
        trigger = make_trigger(server, "trigger-8")
        trigger.load_state()
        clock = self.run_trigger(trigger, [])
        self.assertLessEqual(clock.now, 1.0)
        self.assertEqual(len(server.listings), 1)

    def test_polls_are_an_interval_apart(self):
        server = BookSentry(IssueBook())
        trigger = make_trigger(server, "trigger-9")
        trigger.load_state()
        clock = self.run_trigger(trigger, [lambda: None, lambda: None])
        self.assertEqual(len(server.listings), 3)
        self.assertGreaterEqual(clock.now, 10.0)
        self.assertTrue(all(seconds <= trigger_module.PAUSE_SLICE for seconds in clock.slept))

    def test_stateless_without_a_trigger_id(self):
        book = IssueBook()
        trigger = make_trigger(BookSentry(book), None)
        trigger.load_state()
        ids = []
        self.run_trigger(trigger, [lambda: ids.extend(book.add(at(1), 2, step_us=MS)), lambda: None])
        self.assertEqual([m["body"]["output"]["issue"]["id"] for m in trigger.dispatcher.messages], ids)
        self.assertFalse(os.path.exists(self.cache) and os.listdir(self.cache))

    def test_a_restart_with_the_same_trigger_id_emits_what_arrived_while_down(self):
        book = IssueBook()
        first = make_trigger(BookSentry(book), "trigger-10")
        first.load_state()
        before = []
        self.run_trigger(first, [lambda: before.extend(book.add(at(1), 2, step_us=MS)), lambda: None])
        while_down = book.add(at(2), 150, step_us=MS)
        second = make_trigger(BookSentry(book), "trigger-10")
        second.load_state()
        self.run_trigger(second, [lambda: None])
        sent = lambda trigger: [m["body"]["output"]["issue"]["id"] for m in trigger.dispatcher.messages]  # noqa: E731
        self.assertEqual(sent(first), before)
        self.assertEqual(sent(second), while_down)

    def test_the_schemas_the_cached_validation_relies_on_are_valid(self):
        trigger = NewIssue()
        for variables in (trigger.input, trigger.output):
            validators.validator_for(variables.schema).check_schema(variables.schema)
        with self.assertRaises(jsonschema.exceptions.ValidationError):
            trigger.output.validate({"issue": {"id": 5, "title": ["not", "text"]}})


class TestWalk(unittest.TestCase):
    def test_a_walk_skips_what_it_passed_when_a_page_repeats_issues(self):
        walk = Walk()
        mark = Watermark(T0)
        first = [wm.Listed(str(n), T0 + timedelta(seconds=10 - n), {}) for n in range(5)]
        for issue in first:
            walk.passed(issue)
        repeated = [first[3], first[4], wm.Listed("9", T0 + timedelta(seconds=1), {})]
        new = [mark.is_new(issue) and not walk.passed_already(issue) for issue in repeated]
        self.assertEqual(new, [False, False, True])

    def test_a_cursor_that_does_not_advance_ends_the_walk(self):
        walk = Walk(cursor="100:0:0")
        walk.turn_page("100:0:0", [wm.Listed("1", T0, {})], Watermark(T0))
        self.assertTrue(walk.ended)

    def test_a_page_older_than_the_horizon_ends_the_walk(self):
        walk = Walk()
        walk.turn_page("1:0:0", [wm.Listed("1", T0 - timedelta(days=1), {})], Watermark(T0))
        self.assertTrue(walk.ended)


if __name__ == "__main__":
    unittest.main()
