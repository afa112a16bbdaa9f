"""Add Issue Comment: today's organization-scoped notes endpoint, Sentry 9's comments endpoint (its answer is an
activity whose data.text holds the text), short IDs, one POST only, and empty text refused before any request."""

import unittest

from insightconnect_plugin_runtime.exceptions import PluginException
from parameterized import parameterized

from komand_sentry.actions.add_issue_comment import AddIssueComment
from unit_test.util import (
    ISSUE,
    ISSUE9,
    LEGACY_ISSUE9,
    NOT_FOUND_FILE,
    ORG,
    SCOPED_ISSUE,
    SHORT_ID,
    SHORT_ID9,
    TOKEN,
    RoutedSentry,
    connect,
    connection_params,
    load_json,
    refused_routed,
    reply,
    run_action,
    run_routed,
    sentry9_routes,
    today_routes,
)

TEXT = "Escalated to the on-call engineer"
NOTE = load_json("note_today.json.resp")
COMMENT9 = load_json("comment_sentry9.json.resp")
LEGACY_POST9 = rf"{LEGACY_ISSUE9}(comments|notes)/"


def posts(server) -> list:
    return [sent for sent in server.requests if sent.method == "POST"]


class TestToday(unittest.TestCase):
    def test_comment_made_on_the_notes_endpoint(self):
        output, server = run_routed(
            AddIssueComment, today_routes(), {"issue_id": ISSUE, "organization_slug": ORG, "text": TEXT}
        )
        self.assertEqual(server.paths, [f"POST {SCOPED_ISSUE}notes/"])
        sent = server.requests[0]
        self.assertEqual(sent.json(), {"text": TEXT})
        self.assertEqual(sent.headers["Content-Type"], "application/json")
        self.assertEqual(sent.headers["Authorization"], f"Bearer {TOKEN}")
        comment = output["comment"]
        self.assertEqual(comment["id"], NOTE["id"])
        self.assertEqual(comment["text"], NOTE["data"]["text"])
        self.assertEqual(comment["dateCreated"], NOTE["dateCreated"])
        for field in ("id", "name", "email", "username"):
            self.assertEqual(comment["user"][field], NOTE["user"][field])

    def test_text_sent_as_given(self):
        text = "Ünïcode ✓ and lines\n- **markdown** list\n- `code`"
        _, server = run_routed(
            AddIssueComment, today_routes(), {"issue_id": ISSUE, "organization_slug": ORG, "text": text}
        )
        self.assertEqual(server.requests[0].json(), {"text": text})

    def test_short_id_resolved_first(self):
        _, server = run_routed(
            AddIssueComment, today_routes(), {"issue_id": SHORT_ID, "organization_slug": ORG, "text": TEXT}
        )
        self.assertEqual(server.paths[0], f"GET /api/0/organizations/{ORG}/shortids/{SHORT_ID}/")
        self.assertEqual([sent.path for sent in posts(server)], [f"{SCOPED_ISSUE}notes/"])

    def test_issue_not_in_the_organization_is_posted_once(self):
        routes = today_routes({f"POST {SCOPED_ISSUE}notes/": reply(404, file=NOT_FOUND_FILE)})
        error, server = refused_routed(
            AddIssueComment, routes, {"issue_id": ISSUE, "organization_slug": ORG, "text": TEXT}
        )
        self.assertEqual(error.preset, PluginException.Preset.NOT_FOUND)
        self.assertEqual(len(posts(server)), 1)

    def test_same_comment_twice_within_an_hour(self):
        duplicate = reply(400, {"detail": "You have already posted that comment."})
        routes = today_routes({f"POST {SCOPED_ISSUE}notes/": duplicate})
        error, server = refused_routed(
            AddIssueComment, routes, {"issue_id": ISSUE, "organization_slug": ORG, "text": TEXT}
        )
        self.assertEqual(error.preset, PluginException.Preset.BAD_REQUEST)
        self.assertIn("You have already posted that comment.", error.data)
        self.assertEqual(len(posts(server)), 1)

    def test_permission_denied(self):
        routes = today_routes({f"POST {SCOPED_ISSUE}notes/": reply(403, file="error_permission.json.resp")})
        error, _ = refused_routed(AddIssueComment, routes, {"issue_id": ISSUE, "organization_slug": ORG, "text": TEXT})
        self.assertEqual(error.preset, PluginException.Preset.UNAUTHORIZED)


class TestSentry9(unittest.TestCase):
    def test_falls_back_to_the_comments_endpoint(self):
        output, server = run_routed(
            AddIssueComment, sentry9_routes(), {"issue_id": ISSUE9, "organization_slug": ORG, "text": TEXT}
        )
        self.assertEqual(posts(server)[0].path, f"/api/0/organizations/{ORG}/issues/{ISSUE9}/notes/")
        self.assertEqual(len(server.sent_to("POST", LEGACY_POST9)), 1)
        self.assertEqual(len(posts(server)), 2)
        self.assertEqual(server.sent_to("POST", LEGACY_POST9)[0].json(), {"text": TEXT})
        comment = output["comment"]
        self.assertEqual(comment["id"], COMMENT9["id"])
        self.assertEqual(comment["text"], COMMENT9["data"]["text"])
        self.assertEqual(comment["dateCreated"], COMMENT9["dateCreated"])
        self.assertEqual(comment["user"]["email"], COMMENT9["user"]["email"])
        self.assertEqual(comment["user"]["name"], COMMENT9["user"]["name"])

    def test_without_organization(self):
        output, server = run_routed(AddIssueComment, sentry9_routes(), {"issue_id": ISSUE9, "text": TEXT})
        self.assertEqual(len(posts(server)), 1)
        self.assertEqual(len(server.sent_to("POST", LEGACY_POST9)), 1)
        self.assertEqual(output["comment"]["text"], COMMENT9["data"]["text"])

    def test_short_id(self):
        output, server = run_routed(
            AddIssueComment, sentry9_routes(), {"issue_id": SHORT_ID9, "organization_slug": ORG, "text": TEXT}
        )
        self.assertEqual(server.paths[0], f"GET /api/0/organizations/{ORG}/shortids/{SHORT_ID9}/")
        self.assertEqual(len(server.sent_to("POST", LEGACY_POST9)), 1)
        self.assertTrue(all(SHORT_ID9 not in sent.path for sent in posts(server)))

    def test_same_comment_twice_within_an_hour(self):
        """Sentry 9.1.2 answers a JSON string that holds the JSON of its detail (group_notes.py)."""
        routes = sentry9_routes({f"POST {LEGACY_POST9}": reply(400, file="error_duplicate_comment_sentry9.json.resp")})
        error, server = refused_routed(AddIssueComment, routes, {"issue_id": ISSUE9, "text": TEXT})
        self.assertEqual(error.preset, PluginException.Preset.BAD_REQUEST)
        self.assertIn("You have already posted that comment.", error.data)
        self.assertEqual(len(posts(server)), 1)

    def test_the_second_comment_goes_straight_to_the_legacy_route(self):
        server = RoutedSentry(sentry9_routes())
        connection = connect(connection_params(organization_slug=ORG), server)
        run_action(AddIssueComment, connection, {"issue_id": ISSUE9, "text": TEXT})
        before = len(posts(server))
        run_action(AddIssueComment, connection, {"issue_id": ISSUE9, "text": TEXT + " again"})
        self.assertEqual(len(posts(server)) - before, 1)
        self.assertEqual(posts(server)[-1].json(), {"text": TEXT + " again"})


class TestBadInput(unittest.TestCase):
    @parameterized.expand([("spaces", "   "), ("tabs_and_newlines", "\t\n \r\n"), ("no_break_space", "\u00a0\u2003")])
    def test_blank_text_refused_before_any_request(self, _name, text):
        error, server = refused_routed(
            AddIssueComment, today_routes(), {"issue_id": ISSUE, "organization_slug": ORG, "text": text}
        )
        self.assertTrue(error.cause.startswith("Invalid input 'text'"), error.cause)
        self.assertTrue(error.assistance)
        self.assertEqual(server.requests, [])

    def test_empty_text_refused_by_the_runtime_before_run(self):
        server = RoutedSentry(today_routes())
        with self.assertRaises(Exception) as context:
            run_action(AddIssueComment, connect(connection_params(), server), {"issue_id": ISSUE, "text": ""})
        self.assertIn("text", str(context.exception))
        self.assertEqual(server.requests, [])

    @parameterized.expand(
        [
            ("issue_traversal", {"issue_id": "../12", "text": TEXT}),
            ("issue_with_path", {"issue_id": "12/notes", "text": TEXT}),
            ("short_id_without_organization", {"issue_id": SHORT_ID, "text": TEXT}),
            ("organization_not_a_slug", {"issue_id": ISSUE, "organization_slug": "Org/..", "text": TEXT}),
        ]
    )
    def test_issue_refused_before_any_request(self, _name, params):
        error, server = refused_routed(AddIssueComment, today_routes(), params)
        self.assertTrue(error.cause.startswith("Invalid input '"), error.cause)
        self.assertEqual(server.requests, [])
