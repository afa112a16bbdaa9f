import unittest

from insightconnect_plugin_runtime.exceptions import PluginException
from parameterized import parameterized

from komand_sentry.actions.list_project_issues import ListProjectIssues
from unit_test.util import (
    TOKEN,
    FakeSentry,
    connect,
    connection_params,
    exception_text,
    link_header,
    load_json,
    reply,
    run_action,
)

ISSUES_URL = "https://sentry.example.com/api/0/projects/example-org/pump-station/issues/"
ISSUES_PATH = "/api/0/projects/example-org/pump-station/issues/"
INPUT = {"organization_slug": "example-org", "project_slug": "pump-station"}
PAGE1, PAGE2 = "list_project_issues_page1.json.resp", "list_project_issues_page2.json.resp"
CURSOR2 = "1764378000000:100:0"  # the server's cursors, as Sentry writes them
CURSOR3 = "1764378000000:200:0"


def page(file, next_cursor, more, previous="1764378000000:0:1"):
    return reply(200, file=file, headers={"Link": link_header(ISSUES_URL, previous, next_cursor, more)})


def without(issue: dict, *keys) -> dict:
    return {key: value for key, value in issue.items() if key not in keys}


class ListIssuesTest(unittest.TestCase):
    def list(self, params, *replies, connection=None):
        server = FakeSentry(*replies)
        output = run_action(ListProjectIssues, connect(connection or connection_params(), server), params)
        server.assert_done(self)
        return output, server

    def refused(self, params, *replies) -> PluginException:
        server = FakeSentry(*replies)
        with self.assertRaises(PluginException) as context:
            run_action(ListProjectIssues, connect(connection_params(), server), params)
        self.server = server
        self.assertNotIn(TOKEN, exception_text(context.exception))
        return context.exception


class TestParameters(ListIssuesTest):
    def test_only_the_page_size_by_default(self):
        _, server = self.list(INPUT, page(PAGE1, CURSOR2, False))
        sent = server.requests[0]
        self.assertEqual((sent.method, sent.url), ("GET", ISSUES_URL + "?limit=100&per_page=100"))
        self.assertEqual(sent.headers["Authorization"], f"Bearer {TOKEN}")

    def test_every_input(self):
        params = dict(INPUT, query="is:unresolved level:error", statsPeriod="24h", shortIdLookup=True)
        _, server = self.list(params, page(PAGE1, CURSOR2, False))
        self.assertEqual(
            server.requests[0].params,
            {
                "query": "is:unresolved level:error",
                "statsPeriod": "24h",
                "shortIdLookup": "1",
                "limit": "100",
                "per_page": "100",
            },
        )

    @parameterized.expand([("true", True, "1"), ("false", False, "0")])
    def test_short_id_lookup_sent_as_digit(self, _name, given, sent):
        _, server = self.list(dict(INPUT, shortIdLookup=given), page(PAGE1, CURSOR2, False))
        self.assertEqual(server.requests[0].params["shortIdLookup"], sent)
        self.assertNotIn("True", server.requests[0].url)
        self.assertNotIn("False", server.requests[0].url)

    def test_empty_query_sent_empty(self):
        _, server = self.list(dict(INPUT, query=""), page(PAGE1, CURSOR2, False))
        self.assertEqual(server.requests[0].params_lists["query"], [""])
        self.assertIn("query=&", server.requests[0].query + "&")

    def test_absent_query_not_sent(self):
        _, server = self.list(dict(INPUT), page(PAGE1, CURSOR2, False))
        self.assertNotIn("query", server.requests[0].params)

    @parameterized.expand([("24h", "24h"), ("14d", "14d"), ("empty", "")])
    def test_stats_period(self, _name, period):
        _, server = self.list(dict(INPUT, statsPeriod=period), page(PAGE1, CURSOR2, False))
        self.assertEqual(server.requests[0].params_lists["statsPeriod"], [period])

    def test_query_encoded(self):
        query = 'is:unresolved message:"a&b=c #1" assigned:me'
        _, server = self.list(dict(INPUT, query=query), page(PAGE1, CURSOR2, False))
        self.assertEqual(server.requests[0].params["query"], query)
        self.assertEqual(server.requests[0].path, ISSUES_PATH)

    def test_stats_period_outside_enum_refused_by_the_schema(self):
        from jsonschema.exceptions import ValidationError

        with self.assertRaises(ValidationError):
            self.list(dict(INPUT, statsPeriod="7d"))


class TestEveryPage(ListIssuesTest):
    def test_follows_the_link_header(self):
        output, server = self.list(
            dict(INPUT, query=""), page(PAGE1, CURSOR2, True), page(PAGE2, CURSOR3, False, previous=CURSOR2)
        )
        self.assertEqual([issue["id"] for issue in output["issues"]], ["4506790000", "4506790001", "4506790002"])
        self.assertFalse(output["has_more"])
        self.assertNotIn("next_cursor", output)
        first, second = server.requests
        self.assertNotIn("cursor", first.params)
        self.assertEqual(second.path, ISSUES_PATH)
        self.assertEqual(second.params, {"query": "", "limit": "100", "per_page": "100", "cursor": CURSOR2})

    def test_uses_the_server_cursor_verbatim(self):
        odd = "1764378000000.5:100:0"
        _, server = self.list(INPUT, page(PAGE1, odd, True), page(PAGE2, CURSOR3, False))
        self.assertEqual(server.requests[1].params["cursor"], odd)

    def test_no_link_header_is_one_page(self):
        output, server = self.list(INPUT, reply(200, file=PAGE1))
        self.assertEqual(len(output["issues"]), 2)
        self.assertFalse(output["has_more"])
        self.assertEqual(len(server.requests), 1)

    def test_empty_list(self):
        output, _ = self.list(INPUT, reply(200, [], {"Link": link_header(ISSUES_URL, "0:0:1", "0:100:0", False)}))
        self.assertEqual(output, {"issues": [], "has_more": False})

    def test_many_pages(self):
        pages = [page(PAGE1, f"0:{100 * n}:0", True) for n in range(1, 6)] + [page(PAGE2, "0:600:0", False)]
        output, server = self.list(INPUT, *pages)
        self.assertEqual(len(output["issues"]), 11)
        self.assertEqual(
            [sent.params.get("cursor") for sent in server.requests], [None] + [f"0:{100 * n}:0" for n in range(1, 6)]
        )

    def test_repeating_cursor_fails(self):
        error = self.refused(INPUT, page(PAGE1, CURSOR2, True), page(PAGE2, CURSOR2, True))
        self.assertIn("does not advance", error.cause)
        self.assertIn(CURSOR2, error.cause)
        self.assertEqual(len(self.server.requests), 2)

    def test_cursor_back_to_the_given_one_fails(self):
        error = self.refused(dict(INPUT, cursor=CURSOR2), page(PAGE1, CURSOR2, True))
        self.assertIn("does not advance", error.cause)
        self.assertEqual(len(self.server.requests), 1)

    @parameterized.expand(
        [
            ("garbage", "garbage"),
            ("empty", ""),
            ("previous_only", f'<{ISSUES_URL}?&cursor=0:0:1>; rel="previous"; results="false"; cursor="0:0:1"'),
            ("next_without_results", f'<{ISSUES_URL}?&cursor=0:100:0>; rel="next"; cursor="0:100:0"'),
            ("next_without_cursor", f'<{ISSUES_URL}?&cursor=0:100:0>; rel="next"; results="true"'),
        ]
    )
    def test_malformed_link_fails(self, _name, link):
        error = self.refused(INPUT, reply(200, file=PAGE1, headers={"Link": link}))
        self.assertIn("Link header", error.cause)
        self.assertIn("incomplete", error.cause)

    def test_error_on_a_later_page_fails_the_step(self):
        error = self.refused(INPUT, page(PAGE1, CURSOR2, True), reply(404, file="error_not_found.json.resp"))
        self.assertEqual(error.preset, PluginException.Preset.NOT_FOUND)
        self.assertIn("The requested resource does not exist", error.data)

    @parameterized.expand(
        [
            ("object", reply(200, {"detail": "ok"})),
            ("html", reply(200, "<html><body>Sign in</body></html>", {"Content-Type": "text/html"})),
        ]
    )
    def test_answer_that_is_not_a_list(self, _name, answer):
        error = self.refused(INPUT, answer)
        self.assertIn("cannot be used", error.cause)


class TestLimitAndCursor(ListIssuesTest):
    def test_limit_stops_with_the_next_cursor(self):
        output, server = self.list(dict(INPUT, limit=2), page(PAGE1, CURSOR2, True))
        self.assertEqual(len(output["issues"]), 2)
        self.assertTrue(output["has_more"])
        self.assertEqual(output["next_cursor"], CURSOR2)
        self.assertEqual(server.requests[0].params["limit"], "2")

    def test_limit_across_pages(self):
        output, server = self.list(dict(INPUT, limit=3), page(PAGE1, CURSOR2, True), page(PAGE2, CURSOR3, True))
        self.assertEqual(
            [issue["shortId"] for issue in output["issues"]], ["PUMP-STATION-1A", "PUMP-STATION-1B", "PUMP-STATION-1C"]
        )
        self.assertEqual([sent.params["limit"] for sent in server.requests], ["3", "1"])
        self.assertEqual(server.requests[1].params["cursor"], CURSOR2)
        self.assertTrue(output["has_more"])
        self.assertEqual(output["next_cursor"], CURSOR3)

    def test_limit_reached_on_the_last_page(self):
        output, _ = self.list(dict(INPUT, limit=2), page(PAGE1, CURSOR2, False))
        self.assertFalse(output["has_more"])
        self.assertNotIn("next_cursor", output)

    def test_limit_above_page_size(self):
        _, server = self.list(dict(INPUT, limit=250), page(PAGE1, CURSOR2, False))
        self.assertEqual(server.requests[0].params["limit"], "100")

    def test_limit_zero_lists_everything(self):
        output, server = self.list(dict(INPUT, limit=0), page(PAGE1, CURSOR2, True), page(PAGE2, CURSOR3, False))
        self.assertEqual(len(output["issues"]), 3)
        self.assertEqual(server.requests[0].params["limit"], "100")

    def test_cursor_continues(self):
        output, server = self.list(dict(INPUT, cursor=CURSOR2, limit=1), page(PAGE2, CURSOR3, True, previous=CURSOR2))
        self.assertEqual(server.requests[0].params, {"limit": "1", "per_page": "1", "cursor": CURSOR2})
        self.assertEqual(output["next_cursor"], CURSOR3)
        self.assertEqual(output["issues"][0]["id"], "4506790002")

    def test_negative_limit_refused(self):
        error = self.refused(dict(INPUT, limit=-1))
        self.assertTrue(error.cause.startswith("Invalid input 'limit'"))
        self.assertEqual(self.server.requests, [])


class TestOutputShapes(ListIssuesTest):
    def test_todays_sentry(self):
        output, _ = self.list(INPUT, page(PAGE1, CURSOR2, True), page(PAGE2, CURSOR3, False))
        raw = load_json(PAGE1) + load_json(PAGE2)
        first, second, third = output["issues"]
        self.assertEqual(first, without(raw[0], "shareId", "logger"))
        self.assertEqual(second, without(raw[1], "lastSeen", "subscriptionDetails"))
        self.assertEqual(third, without(raw[2], "shareId", "logger", "assignedTo", "subscriptionDetails"))
        self.assertEqual(
            first["assignedTo"], {"type": "user", "id": "1", "name": "Jane Doe", "email": "jane.doe@example.com"}
        )
        self.assertEqual(second["assignedTo"], {"type": "team", "id": "7", "name": "pump-oncall"})
        self.assertEqual(
            third["annotations"],
            [
                {"displayName": "#4512", "url": "https://github.com/example-org/pump/issues/4512"},
                {"displayName": "PUMP-130", "url": "https://jira.example.com/browse/PUMP-130"},
            ],
        )
        # fields the spec does not declare pass through, nulls included
        self.assertEqual(first["substatus"], "ongoing")
        self.assertIsNone(first["lifetime"])

    def test_sentry_9(self):
        output, _ = self.list(INPUT, reply(200, file="list_project_issues_sentry9.json.resp"))
        raw = load_json("list_project_issues_sentry9.json.resp")
        first, second = output["issues"]
        self.assertEqual(
            first["annotations"],
            [{"displayName": '<a href="https://jira.example.com/browse/SEC-9">SEC-9</a>'}, {"displayName": "SEC-10"}],
        )
        self.assertEqual(without(first, "annotations"), without(raw[0], "annotations", "logger", "shareId"))
        self.assertEqual(second["annotations"], [])
        self.assertEqual(second["logger"], "")
        self.assertNotIn("assignedTo", second)

    def test_numbers_where_strings_declared(self):
        issue = dict(load_json(PAGE1)[0], id=4506790000, count=150, userCount="12", numComments=2.0)
        output, _ = self.list(INPUT, reply(200, [issue]))
        self.assertEqual(output["issues"][0]["id"], "4506790000")
        self.assertEqual(output["issues"][0]["count"], "150")
        self.assertEqual(output["issues"][0]["userCount"], 12)
        self.assertEqual(output["issues"][0]["numComments"], 2)
