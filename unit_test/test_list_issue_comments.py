"""List Issue Comments: every page of today's notes endpoint and of Sentry 9's comments endpoint, each note or
activity as a Comment, short IDs, bad input refused before any request."""

import unittest

from insightconnect_plugin_runtime.exceptions import PluginException
from parameterized import parameterized

from komand_sentry.actions.list_issue_comments import ListIssueComments
from unit_test.util import (
    ISSUE,
    ISSUE9,
    LEGACY_ISSUE9,
    NOT_FOUND_FILE,
    ORG,
    SCOPED_ISSUE,
    SHORT_ID,
    SHORT_ID9,
    load_json,
    paged,
    refused_routed,
    reply,
    run_routed,
    sentry9_routes,
    today_routes,
)

NOTES = load_json("notes_today_page1.json.resp") + load_json("notes_today_page2.json.resp")
COMMENTS9 = load_json("comments_sentry9.json.resp")
NOTES_PATH = f"{SCOPED_ISSUE}notes/"


def two_pages_of_two() -> dict:
    """Today's notes of the issue, two a page (so that the listing must follow the Link header)."""
    return today_routes({f"GET {NOTES_PATH}": paged(NOTES, size_cap=2)})


class TestToday(unittest.TestCase):
    def test_every_page(self):
        output, server = run_routed(
            ListIssueComments, two_pages_of_two(), {"issue_id": ISSUE, "organization_slug": ORG}
        )
        self.assertEqual(server.paths, [f"GET {NOTES_PATH}", f"GET {NOTES_PATH}"])
        self.assertNotIn("cursor", server.requests[0].params)
        self.assertEqual(server.requests[1].params["cursor"], "0:2:0")
        comments = output["comments"]
        self.assertEqual([c["id"] for c in comments], [note["id"] for note in NOTES])
        self.assertEqual([c["text"] for c in comments], [note["data"]["text"] for note in NOTES])
        self.assertEqual([c["dateCreated"] for c in comments], [note["dateCreated"] for note in NOTES])
        self.assertEqual(comments[0]["user"]["email"], NOTES[0]["user"]["email"])
        self.assertNotIn("user", comments[2])  # a note without a user (null): no user in the output

    def test_a_page_size_sentry_accepts(self):
        _, server = run_routed(ListIssueComments, two_pages_of_two(), {"issue_id": ISSUE, "organization_slug": ORG})
        self.assertEqual(server.requests[0].params.get("per_page"), "100")

    def test_no_comments(self):
        routes = today_routes({f"GET {NOTES_PATH}": paged([])})
        output, server = run_routed(ListIssueComments, routes, {"issue_id": ISSUE, "organization_slug": ORG})
        self.assertEqual(output, {"comments": []})
        self.assertEqual(len(server.requests), 1)

    def test_many_pages(self):
        many = [dict(NOTES[0], id=str(5000 + n), data={"text": f"note {n}"}) for n in range(250)]
        routes = today_routes({f"GET {NOTES_PATH}": paged(many)})
        output, server = run_routed(ListIssueComments, routes, {"issue_id": ISSUE, "organization_slug": ORG})
        self.assertEqual(len(server.requests), 3)
        self.assertEqual([c["text"] for c in output["comments"]], [f"note {n}" for n in range(250)])

    def test_short_id_resolved_first(self):
        output, server = run_routed(
            ListIssueComments, two_pages_of_two(), {"issue_id": SHORT_ID, "organization_slug": ORG}
        )
        self.assertEqual(server.paths[0], f"GET /api/0/organizations/{ORG}/shortids/{SHORT_ID}/")
        self.assertEqual(server.paths[1:], [f"GET {NOTES_PATH}", f"GET {NOTES_PATH}"])
        self.assertEqual(len(output["comments"]), 3)

    def test_issue_not_in_the_organization(self):
        routes = today_routes({f"GET {NOTES_PATH}": reply(404, file=NOT_FOUND_FILE)})
        error, server = refused_routed(ListIssueComments, routes, {"issue_id": ISSUE, "organization_slug": ORG})
        self.assertEqual(error.preset, PluginException.Preset.NOT_FOUND)
        self.assertEqual(len(server.requests), 1)

    def test_an_answer_that_is_not_a_list(self):
        routes = today_routes({f"GET {NOTES_PATH}": reply(200, {"detail": "surprise"})})
        error, _ = refused_routed(ListIssueComments, routes, {"issue_id": ISSUE, "organization_slug": ORG})
        self.assertIn("cannot be used", error.cause)


class TestSentry9(unittest.TestCase):
    def test_falls_back_to_the_legacy_route(self):
        output, server = run_routed(ListIssueComments, sentry9_routes(), {"issue_id": ISSUE9, "organization_slug": ORG})
        self.assertEqual(server.paths[0], f"GET /api/0/organizations/{ORG}/issues/{ISSUE9}/notes/")
        self.assertRegex(server.paths[-1], rf"^GET {LEGACY_ISSUE9}(comments|notes)/$")
        self.assertEqual([c["text"] for c in output["comments"]], [c["data"]["text"] for c in COMMENTS9])
        self.assertEqual([c["id"] for c in output["comments"]], [c["id"] for c in COMMENTS9])
        self.assertEqual(output["comments"][0]["user"]["name"], COMMENTS9[0]["user"]["name"])

    def test_every_page_on_the_legacy_route(self):
        many = [dict(COMMENTS9[0], id=str(n), data={"text": f"comment {n}"}) for n in range(120, 0, -1)]
        routes = sentry9_routes({rf"GET {LEGACY_ISSUE9}(comments|notes)/": paged(many)})
        output, server = run_routed(ListIssueComments, routes, {"issue_id": ISSUE9})
        self.assertEqual(len(server.requests), 2)
        self.assertEqual(len(output["comments"]), 120)
        self.assertEqual(output["comments"][-1]["text"], "comment 1")

    def test_short_id(self):
        output, server = run_routed(
            ListIssueComments, sentry9_routes(), {"issue_id": SHORT_ID9, "organization_slug": ORG}
        )
        self.assertEqual(server.paths[0], f"GET /api/0/organizations/{ORG}/shortids/{SHORT_ID9}/")
        self.assertTrue(all(SHORT_ID9 not in path for path in server.paths[1:]))
        self.assertEqual(len(output["comments"]), len(COMMENTS9))


class TestBadInput(unittest.TestCase):
    @parameterized.expand(
        [
            ("traversal", {"issue_id": "../12"}),
            ("with_path", {"issue_id": "12/notes"}),
            ("whitespace", {"issue_id": " \t "}),
            ("short_id_without_organization", {"issue_id": SHORT_ID}),
            ("organization_not_a_slug", {"issue_id": ISSUE, "organization_slug": "example_org?x=1"}),
        ]
    )
    def test_refused_before_any_request(self, _name, params):
        error, server = refused_routed(ListIssueComments, today_routes(), params)
        self.assertTrue(error.cause.startswith("Invalid input '"), error.cause)
        self.assertEqual(server.requests, [])
