"""Get Issue: today's organization-scoped route, the legacy route of older servers (and the fallback to it), short IDs
resolved through the organization, bad input refused before any request."""

import unittest

from insightconnect_plugin_runtime.exceptions import PluginException
from parameterized import parameterized

from komand_sentry.actions.get_issue import GetIssue
from unit_test.util import (
    ISSUE,
    ISSUE9,
    LEGACY_ISSUE9,
    NOT_FOUND_FILE,
    ORG,
    SCOPED_ISSUE,
    SHORT_ID,
    SHORT_ID9,
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

SHORTIDS = f"/api/0/organizations/{ORG}/shortids/"


ISSUE_FIELDS = GetIssue().output.schema["definitions"]["Issue"]["properties"]


def expected_issue(file: str) -> dict:
    """The issue as the output gives it: the Issue type's null fields dropped (the fields it does not declare pass
    through as they are), Sentry 9's string annotations as objects."""
    issue = {key: value for key, value in load_json(file).items() if value is not None or key not in ISSUE_FIELDS}
    if issue.get("annotations"):
        issue["annotations"] = [{"displayName": a} if isinstance(a, str) else a for a in issue["annotations"]]
    return issue


class TestToday(unittest.TestCase):
    def test_numeric_id_with_organization(self):
        output, server = run_routed(GetIssue, today_routes(), {"issue_id": ISSUE, "organization_slug": ORG})
        self.assertEqual(server.paths, ["GET " + SCOPED_ISSUE])
        self.assertEqual(output["issue"]["id"], ISSUE)
        self.assertEqual(output["issue"]["shortId"], SHORT_ID)
        self.assertEqual(output["issue"]["status"], load_json("issue_after_update.json.resp")["status"])
        self.assertNotIn("shareId", output["issue"])  # null in Sentry's answer: dropped

    def test_organization_of_the_connection(self):
        _, server = run_routed(GetIssue, today_routes(), {"issue_id": ISSUE}, connection_params(organization_slug=ORG))
        self.assertEqual(server.paths, ["GET " + SCOPED_ISSUE])

    def test_short_id_resolved_in_the_organization(self):
        output, server = run_routed(GetIssue, today_routes(), {"issue_id": SHORT_ID, "organization_slug": ORG})
        self.assertEqual(server.paths[0], f"GET {SHORTIDS}{SHORT_ID}/")
        self.assertTrue(all(SHORT_ID not in path for path in server.paths[1:]), server.paths)
        self.assertTrue(set(server.paths[1:]) <= {"GET " + SCOPED_ISSUE}, server.paths)
        self.assertEqual(output["issue"]["id"], ISSUE)

    def test_short_id_unknown(self):
        error, server = refused_routed(
            GetIssue, today_routes(), {"issue_id": "PUMP-STATION-9Z", "organization_slug": ORG}
        )
        self.assertEqual(error.preset, PluginException.Preset.NOT_FOUND)
        self.assertEqual(server.paths, [f"GET {SHORTIDS}PUMP-STATION-9Z/"])

    def test_issue_of_another_organization_is_not_found_and_not_retried(self):
        routes = today_routes({f"GET {SCOPED_ISSUE}": reply(404, file=NOT_FOUND_FILE)})
        error, server = refused_routed(GetIssue, routes, {"issue_id": ISSUE, "organization_slug": ORG})
        self.assertEqual(error.preset, PluginException.Preset.NOT_FOUND)
        self.assertEqual(server.paths, ["GET " + SCOPED_ISSUE])

    def test_without_organization_the_legacy_route(self):
        routes = {f"GET /api/0/issues/{ISSUE}/": reply(200, file="issue_after_update.json.resp")}
        output, server = run_routed(GetIssue, routes, {"issue_id": ISSUE})
        self.assertEqual(server.paths, [f"GET /api/0/issues/{ISSUE}/"])
        self.assertEqual(output, {"issue": expected_issue("issue_after_update.json.resp")})

    def test_permission_denied(self):
        routes = today_routes({f"GET {SCOPED_ISSUE}": reply(403, file="error_permission.json.resp")})
        error, server = refused_routed(GetIssue, routes, {"issue_id": ISSUE, "organization_slug": ORG})
        self.assertEqual(error.preset, PluginException.Preset.UNAUTHORIZED)
        self.assertEqual(len(server.requests), 1)

    @parameterized.expand([("list", reply(200, [])), ("string", reply(200, '"issue"')), ("number", reply(200, "12"))])
    def test_unusable_answer(self, _name, answer):
        routes = today_routes({f"GET {SCOPED_ISSUE}": answer})
        error, _ = refused_routed(GetIssue, routes, {"issue_id": ISSUE, "organization_slug": ORG})
        self.assertIn("cannot be used", error.cause)


class TestSentry9(unittest.TestCase):
    def test_falls_back_to_the_legacy_route(self):
        output, server = run_routed(GetIssue, sentry9_routes(), {"issue_id": ISSUE9, "organization_slug": ORG})
        self.assertEqual(server.paths[0], f"GET /api/0/organizations/{ORG}/issues/{ISSUE9}/")
        self.assertEqual(server.paths[-1], "GET " + LEGACY_ISSUE9)
        self.assertEqual(output, {"issue": expected_issue("issue_sentry9.json.resp")})
        self.assertEqual(output["issue"]["annotations"], [{"displayName": "SEC-10"}])

    def test_short_id_resolved_then_the_legacy_route(self):
        output, server = run_routed(GetIssue, sentry9_routes(), {"issue_id": SHORT_ID9, "organization_slug": ORG})
        self.assertEqual(server.paths[0], f"GET {SHORTIDS}{SHORT_ID9}/")
        self.assertTrue(all(SHORT_ID9 not in path for path in server.paths[1:]), server.paths)
        self.assertNotIn("GET /api/0/issues/INTERNAL-C/", server.paths)
        self.assertEqual(output["issue"]["id"], ISSUE9)
        self.assertEqual(output["issue"]["shortId"], SHORT_ID9)

    def test_the_connection_remembers_the_legacy_routes(self):
        server = RoutedSentry(sentry9_routes())
        connection = connect(connection_params(organization_slug=ORG), server)
        run_action(GetIssue, connection, {"issue_id": ISSUE9})
        first = len(server.requests)
        output = run_action(GetIssue, connection, {"issue_id": ISSUE9})
        self.assertEqual(set(server.paths[first:]), {"GET " + LEGACY_ISSUE9})  # no organization-scoped try again
        self.assertEqual(output["issue"]["id"], ISSUE9)
        self.assertTrue(connection.api.legacy_routes_only)

    def test_unknown_issue_on_the_legacy_route(self):
        error, server = refused_routed(GetIssue, sentry9_routes(), {"issue_id": "999999"})
        self.assertEqual(error.preset, PluginException.Preset.NOT_FOUND)
        self.assertEqual(server.paths, ["GET /api/0/issues/999999/"])


class TestBadInput(unittest.TestCase):
    @parameterized.expand(
        [
            ("traversal", {"issue_id": "../../organizations"}),
            ("slash", {"issue_id": "12/events"}),
            ("query", {"issue_id": "12?status=resolved"}),
            ("space_inside", {"issue_id": "12 13"}),
            ("whitespace", {"issue_id": "   "}),
            ("percent", {"issue_id": "12%2F13"}),
            ("newline_inside", {"issue_id": "12\n13"}),
            ("short_id_without_organization", {"issue_id": SHORT_ID}),
            ("organization_not_a_slug", {"issue_id": ISSUE, "organization_slug": "Example Org"}),
            ("organization_traversal", {"issue_id": ISSUE, "organization_slug": "../x"}),
        ]
    )
    def test_refused_before_any_request(self, _name, params):
        error, server = refused_routed(GetIssue, today_routes(), params)
        self.assertTrue(error.cause.startswith("Invalid input '"), error.cause)
        self.assertTrue(error.assistance)
        self.assertEqual(server.requests, [])

    def test_short_id_without_organization_says_what_to_give(self):
        error, _ = refused_routed(GetIssue, today_routes(), {"issue_id": SHORT_ID})
        self.assertIn("issue_id", error.cause)
        self.assertIn("Organization Slug", error.assistance)
