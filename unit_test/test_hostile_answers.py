"""Answers of a hostile or broken Sentry (issues 13 and 14), through the actions on a scripted Sentry: each ends with
a PluginException that shows no part of the token, or with an output that is strict JSON (no NaN) and valid for
its schema. The same cases through `bin/komand_sentry run` are in fault_test/test_hostile_api.py."""

import json
import math
import unittest

from insightconnect_plugin_runtime.exceptions import PluginException
from parameterized import parameterized

from komand_sentry.actions.list_issue_events import ListIssueEvents
from komand_sentry.actions.list_project_issues import ListProjectIssues
from komand_sentry.actions.update_issue import UpdateIssue
from unit_test.util import (
    ORG,
    TOKEN,
    Reply,
    RoutedSentry,
    connect,
    connection_params,
    exception_text,
    link_header,
    load_json,
    reply,
    run_action,
)

PROJECT = "pump-station"
ISSUES_PATH = f"/api/0/projects/{ORG}/{PROJECT}/issues/"
ISSUE_ID = "4506790000"
SCOPED = f"/api/0/organizations/{ORG}/issues/{ISSUE_ID}/"
LEGACY = f"/api/0/issues/{ISSUE_ID}/"
PROJECTS = f"/api/0/organizations/{ORG}/projects/"
LIST_ISSUES = {"organization_slug": ORG, "project_slug": PROJECT}
LIST_EVENTS = {"issue_id": ISSUE_ID, "organization_slug": ORG}
UPDATE = {"issue_id": ISSUE_ID, "organization_slug": ORG, "status": "resolved"}
DEEP = b"[" * 100_000 + b"]" * 100_000
ISSUE = {"id": ISSUE_ID, "title": "ValueError", "status": "unresolved", "userCount": 1, "project": {"id": "1"}}
HTML_404 = Reply(404, "<html><body>404 Not Found (nginx)</body></html>", {"Content-Type": "text/html"})
SPA_200 = Reply(200, "<!doctype html><div id='app'></div>", {"Content-Type": "text/html"})


def json_body(body: bytes, status: int = 200, headers=None) -> Reply:
    return Reply(status, body, {"Content-Type": "application/json", **(headers or {})})


def last_page(items: list) -> Reply:
    return Reply(200, items, {"Link": link_header("https://sentry.example.com/x/", "0:0:1", "0:100:0", False)})


def run_on(routes: dict, action_class, params: dict):
    """(output or PluginException, server) of one run; any other exception fails the test."""
    server = RoutedSentry(routes)
    try:
        return run_action(action_class, connect(connection_params(), server), params), server
    except PluginException as error:
        return error, server


def shown(result) -> str:
    return exception_text(result) if isinstance(result, PluginException) else json.dumps(result)


def assert_strict_output_or_refused(test, result) -> None:
    if isinstance(result, PluginException):
        test.assertGreater(len(result.cause), 15)
        test.assertGreater(len(result.assistance), 15)
    else:
        json.dumps(result, allow_nan=False)  # ValueError on NaN or Infinity


def assert_no_piece_of_the_token(test, text: str) -> None:
    for start in range(len(TOKEN) - 7):
        test.assertNotIn(TOKEN[start : start + 8], text)


class TestShapes(unittest.TestCase):
    @parameterized.expand(
        [
            ("integer", [1]),
            ("null", [None]),
            ("text", ["x"]),
            ("list", [[]]),
            ("mixed", [{"id": "1"}, 1, None, "x", []]),
        ]
    )
    def test_page_holding_non_objects_is_refused(self, _name, page):
        for routes, action, params in (
            ({f"GET {ISSUES_PATH}": last_page(page)}, ListProjectIssues, LIST_ISSUES),
            ({f"GET {SCOPED}events/": last_page(page)}, ListIssueEvents, LIST_EVENTS),
        ):
            result, _ = run_on(routes, action, params)
            self.assertIsInstance(result, PluginException, f"{action.__name__}: {result}")

    @parameterized.expand([("whole_page", DEEP), ("inside_an_item", b'[{"id": "1", "x": ' + DEEP + b"}]")])
    def test_page_nested_too_deep_is_refused(self, _name, body):
        result, _ = run_on({f"GET {ISSUES_PATH}": json_body(body)}, ListProjectIssues, LIST_ISSUES)
        self.assertIsInstance(result, PluginException)

    def test_error_body_nested_too_deep_keeps_the_status(self):
        result, _ = run_on(
            {f"GET {ISSUES_PATH}": json_body(b'{"detail": ' + DEEP + b"}", 400)}, ListProjectIssues, LIST_ISSUES
        )
        self.assertIsInstance(result, PluginException)
        self.assertIn("HTTP 400", exception_text(result))

    def test_update_answer_nested_too_deep_is_refused(self):
        body = b'{"id": "4506790000", "x": ' + DEEP + b"}"
        result, _ = run_on({f"PUT {SCOPED}": json_body(body)}, UpdateIssue, UPDATE)
        self.assertIsInstance(result, PluginException)

    @parameterized.expand(
        [
            ("superscript_two", '"\u00b2"'),
            ("double_minus", '"--1"'),
            ("five_thousand_digits", '"' + "9" * 5000 + '"'),
        ]
    )
    def test_integer_that_is_no_integer_is_dropped(self, _name, value):
        body = json.dumps([dict(ISSUE, userCount=0)]).replace('"userCount": 0', f'"userCount": {value}')
        link = link_header("https://sentry.example.com/x/", "0:0:1", "0:100:0", False)
        result, _ = run_on(
            {f"GET {ISSUES_PATH}": json_body(body.encode(), headers={"Link": link})}, ListProjectIssues, LIST_ISSUES
        )
        self.assertNotIsInstance(result, PluginException, shown(result))
        (issue,) = result["issues"]
        self.assertEqual(issue["id"], ISSUE_ID)
        self.assertNotIn("userCount", issue)

    @parameterized.expand([("nan", "NaN"), ("infinity", "Infinity"), ("minus_infinity", "-Infinity")])
    def test_non_finite_number_never_reaches_the_output(self, _name, constant):
        body = json.dumps([dict(ISSUE, userCount=0, extra=0)]).replace(": 0", f": {constant}")
        link = link_header("https://sentry.example.com/x/", "0:0:1", "0:100:0", False)
        result, _ = run_on(
            {f"GET {ISSUES_PATH}": json_body(body.encode(), headers={"Link": link})}, ListProjectIssues, LIST_ISSUES
        )
        assert_strict_output_or_refused(self, result)

    def test_non_finite_number_in_an_update_answer(self):
        body = json.dumps(dict(ISSUE, status="resolved", ratio=0)).replace('"ratio": 0', '"ratio": NaN')
        result, _ = run_on({f"PUT {SCOPED}": json_body(body.encode())}, UpdateIssue, UPDATE)
        assert_strict_output_or_refused(self, result)


class TestSecrets(unittest.TestCase):
    """The server echoes the token where the plugin's errors quote the answer."""

    @parameterized.expand([(f"at_{at}", at) for at in (0, 280, 295)])
    def test_token_in_a_malformed_link_header(self, _name, at):
        link = "x" * at + f'<https://sentry.example.com/x/?t={TOKEN}>; rel="next"'
        result, _ = run_on({f"GET {ISSUES_PATH}": Reply(200, [ISSUE], {"Link": link})}, ListProjectIssues, LIST_ISSUES)
        self.assertIsInstance(result, PluginException)
        assert_no_piece_of_the_token(self, shown(result))

    def test_token_as_a_cursor_that_comes_back(self):
        link = link_header("https://sentry.example.com/x/", "0:0:1", TOKEN, True)
        result, _ = run_on({f"GET {ISSUES_PATH}": Reply(200, [ISSUE], {"Link": link})}, ListProjectIssues, LIST_ISSUES)
        self.assertIsInstance(result, PluginException)
        assert_no_piece_of_the_token(self, shown(result))

    def test_token_as_the_next_cursor_of_a_limited_listing(self):
        link = link_header("https://sentry.example.com/x/", "0:0:1", TOKEN, True)
        routes = {f"GET {ISSUES_PATH}": Reply(200, [ISSUE], {"Link": link})}
        result, _ = run_on(routes, ListProjectIssues, dict(LIST_ISSUES, limit=1))
        assert_no_piece_of_the_token(self, shown(result))

    @parameterized.expand([(f"at_{at}", at) for at in (0, 480, 495)])
    def test_token_in_an_error_detail(self, _name, at):
        error = Reply(400, {"detail": "x" * at + TOKEN})
        result, _ = run_on({f"GET {ISSUES_PATH}": error}, ListProjectIssues, LIST_ISSUES)
        self.assertIsInstance(result, PluginException)
        self.assertIn("HTTP 400", exception_text(result))
        assert_no_piece_of_the_token(self, shown(result))


class TestLegacyFallback(unittest.TestCase):
    """A proxy's HTML 404 on the organization-scoped route sends the request to the legacy route, where an issue ID
    is global: the issue must be shown to be the organization's before anything is sent there."""

    def routes(self, issue_project_id: str) -> dict:
        issue = dict(load_json("issue_sentry9.json.resp"), id=ISSUE_ID)
        issue["project"] = dict(issue["project"], id=issue_project_id)
        return {
            f"PUT {SCOPED}": HTML_404,
            f"GET {SCOPED}": HTML_404,
            f"GET {LEGACY}": reply(200, issue),
            f"PUT {LEGACY}": reply(200, dict(issue, status="resolved")),
            f"GET {PROJECTS}": last_page([{"id": "1", "slug": "internal"}, {"id": "2", "slug": "backend"}]),
        }

    def test_issue_of_another_organization_is_not_updated(self):
        result, server = run_on(self.routes("9"), UpdateIssue, UPDATE)
        self.assertIsInstance(result, PluginException, shown(result))
        self.assertIn(ORG, result.cause)
        self.assertEqual(server.sent_to("PUT", LEGACY), [])

    def test_issue_of_the_organization_is_updated_on_the_legacy_route(self):
        result, server = run_on(self.routes("2"), UpdateIssue, UPDATE)
        self.assertNotIsInstance(result, PluginException, shown(result))
        self.assertEqual(result["issue"]["status"], "resolved")
        self.assertEqual(len(server.sent_to("PUT", LEGACY)), 1)


class TestRoutes(unittest.TestCase):
    def test_html_200_on_a_scoped_route_falls_back(self):
        """A single-page app's catch-all answers 200 with HTML for a route the server lacks."""
        issue = dict(load_json("issue_sentry9.json.resp"), id=ISSUE_ID)
        routes = {
            f"GET {SCOPED}events/": SPA_200,
            f"GET {SCOPED}": SPA_200,
            f"GET {LEGACY}": reply(200, issue),
            f"GET {PROJECTS}": last_page([{"id": str(issue["project"]["id"]), "slug": "internal"}]),
            f"GET {LEGACY}events/": last_page([{"eventID": "a" * 32, "id": "a" * 32, "groupID": ISSUE_ID}]),
        }
        result, server = run_on(routes, ListIssueEvents, LIST_EVENTS)
        self.assertNotIsInstance(result, PluginException, shown(result))
        self.assertEqual([event["groupId"] for event in result["events"]], [ISSUE_ID])
        self.assertEqual(len(server.sent_to("GET", f"{LEGACY}events/")), 1)

    def test_json_error_on_a_scoped_route_is_final(self):
        routes = {
            f"GET {SCOPED}events/": reply(404, file="error_not_found.json.resp"),
            f"GET {LEGACY}events/": last_page([{"eventID": "a" * 32, "id": "a" * 32}]),
        }
        result, server = run_on(routes, ListIssueEvents, LIST_EVENTS)
        self.assertIsInstance(result, PluginException)
        self.assertEqual(server.sent_to("GET", f"{LEGACY}events/"), [])


def own_page_size(pages: int = 3, size: int = 25):
    """Pages of `size` items whatever is asked, with base64-like cursors."""

    def answer(sent) -> Reply:
        cursor = sent.params.get("cursor")
        number = 0 if cursor is None else int(cursor[2:-2])
        more = number + 1 < pages
        items = [{"id": str(n), "eventID": f"{n:032x}"} for n in range(number * size, (number + 1) * size)]
        link = link_header("https://sentry.example.com/x/", f"pg{number}==", f"pg{number + 1}==", more)
        return Reply(200, items, {"Link": link})

    return answer


class TestPageSize(unittest.TestCase):
    """A server that ignores the page size asked for: a workflow looping on Has More and Next Cursor with a Limit
    gets every item exactly once, and the loop ends."""

    @parameterized.expand(
        [
            ("issues", ListProjectIssues, f"GET {ISSUES_PATH}", LIST_ISSUES, "issues"),
            ("events", ListIssueEvents, f"GET {SCOPED}events/", LIST_EVENTS, "events"),
        ]
    )
    def test_every_item_once(self, _name, action, route, params, key):
        server = RoutedSentry({route: own_page_size()})
        connection = connect(connection_params(), server)
        seen, cursor = [], None
        for _ in range(20):
            output = run_action(action, connection, dict(params, limit=5, **({"cursor": cursor} if cursor else {})))
            seen += [item["id"] for item in output[key]]
            if not output["has_more"]:
                break
            cursor = output.get("next_cursor")
            self.assertTrue(cursor, f"has_more without a next cursor: {output}")
        self.assertEqual(seen, [str(n) for n in range(75)])
        for sent in server.requests:
            self.assertEqual((sent.params.get("limit"), sent.params.get("per_page")), ("5", "5"), sent.url)

    @parameterized.expand([("base64", "abc=="), ("plus_slash", "a+b/c="), ("ampersand_percent", "x&y%25z/=+")])
    def test_opaque_cursor_comes_back_unchanged(self, _name, cursor):
        base = "https://sentry.example.com/x/"
        server = RoutedSentry(
            {
                f"GET {ISSUES_PATH}": lambda sent: (
                    Reply(200, [ISSUE], {"Link": link_header(base, "0:0:1", cursor, True)})
                    if "cursor" not in sent.params
                    else last_page([dict(ISSUE, id="2")])
                )
            }
        )
        connection = connect(connection_params(), server)
        first = run_action(ListProjectIssues, connection, dict(LIST_ISSUES, limit=1))
        self.assertEqual((first["has_more"], first["next_cursor"]), (True, cursor))
        second = run_action(ListProjectIssues, connection, dict(LIST_ISSUES, limit=1, cursor=first["next_cursor"]))
        self.assertEqual([issue["id"] for issue in second["issues"]], ["2"])
        self.assertEqual(server.requests[1].params_lists["cursor"], [cursor])


class TestFloatsInTheMapping(unittest.TestCase):
    """If a NaN reaches the mapping at all (a decoder that lets it through), a declared field drops it."""

    def test_declared_fields(self):
        from komand_sentry.util.mapping import conform_output, issue_from_sentry

        output = conform_output(
            {"issue": issue_from_sentry({"id": "1", "userCount": math.nan, "count": math.inf, "title": math.nan})},
            UpdateIssue().output.schema,
        )
        self.assertEqual(json.loads(json.dumps(output, allow_nan=False)), {"issue": {"id": "1"}})
