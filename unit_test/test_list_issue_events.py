import unittest
import unittest.mock

from insightconnect_plugin_runtime.exceptions import PluginException
from parameterized import parameterized

from komand_sentry.actions.list_issue_events import ListIssueEvents
from unit_test.util import (
    TOKEN,
    FakeSentry,
    connect,
    connection_params,
    exception_text,
    link_header,
    load_json,
    membership,
    reply,
    run_action,
)

ROOT = "https://sentry.example.com"
SCOPED = "/api/0/organizations/example-org/issues/4506790000/events/"
LEGACY = "/api/0/issues/4506790000/events/"
ISSUE = "/api/0/issues/4506790000/"
PROJECTS = "/api/0/organizations/example-org/projects/"
PAGE1, PAGE2 = "list_issue_events_page1.json.resp", "list_issue_events_page2.json.resp"


def page(file, path, next_cursor, more, root=ROOT):
    return reply(200, file=file, headers={"Link": link_header(root + path, "0:0:1", next_cursor, more)})


def not_found():
    """An existing endpoint's 404: the issue is not there."""
    return reply(404, file="error_not_found.json.resp")


def no_route():
    """A server without the route (Sentry 9's catch-all endpoint answers an empty 404)."""
    return reply(404)


class ListEventsTest(unittest.TestCase):
    def list(self, params, *replies, connection=None):
        server = FakeSentry(*replies)
        self.connection = connect(connection or connection_params(), server)
        output = run_action(ListIssueEvents, self.connection, params)
        server.assert_done(self)
        return output, server

    def refused(self, params, *replies, connection=None) -> PluginException:
        server = FakeSentry(*replies)
        self.connection = connect(connection or connection_params(), server)
        with self.assertRaises(PluginException) as context:
            run_action(ListIssueEvents, self.connection, params)
        self.server = server
        self.assertNotIn(TOKEN, exception_text(context.exception))
        return context.exception


class TestPaths(ListEventsTest):
    def test_organization_input(self):
        _, server = self.list(
            {"issue_id": "4506790000", "organization_slug": "example-org"}, page(PAGE1, SCOPED, "0:100:0", False)
        )
        self.assertEqual(server.paths, ["GET " + SCOPED])
        self.assertEqual(server.requests[0].host, "sentry.example.com")
        self.assertEqual(server.requests[0].headers["Authorization"], f"Bearer {TOKEN}")

    def test_connection_organization(self):
        _, server = self.list(
            {"issue_id": "4506790000"},
            page(PAGE1, SCOPED, "0:100:0", False),
            connection=connection_params(organization_slug="example-org"),
        )
        self.assertEqual(server.paths, ["GET " + SCOPED])

    def test_input_organization_wins(self):
        _, server = self.list(
            {"issue_id": "4506790000", "organization_slug": "other-org"},
            page(PAGE1, SCOPED, "0:100:0", False),
            connection=connection_params(organization_slug="example-org"),
        )
        self.assertEqual(server.paths, ["GET /api/0/organizations/other-org/issues/4506790000/events/"])

    @parameterized.expand([("absent", None), ("empty", "")])
    def test_legacy_without_organization(self, _name, organization):
        params = {"issue_id": "4506790000"}
        if organization is not None:
            params["organization_slug"] = organization
        _, server = self.list(params, page(PAGE1, LEGACY, "0:100:0", False))
        self.assertEqual(server.paths, ["GET " + LEGACY])

    def test_short_id_with_organization(self):
        _, server = self.list(
            {"issue_id": "PUMP-STATION-1A", "organization_slug": "example-org"},
            reply(
                200, {"organizationSlug": "example-org", "shortId": "PUMP-STATION-1A", "group": {"id": "4506790000"}}
            ),
            page(PAGE1, "/x/", "0:100:0", False),
        )
        self.assertEqual(
            server.paths, ["GET /api/0/organizations/example-org/shortids/PUMP-STATION-1A/", "GET " + SCOPED]
        )

    def test_short_id_without_organization(self):
        error = self.refused({"issue_id": "PUMP-STATION-1A"})
        self.assertTrue(error.cause.startswith("Invalid input 'issue_id'"))
        self.assertIn("needs an organization", error.cause)
        self.assertIn("Organization Slug", error.assistance)
        self.assertEqual(self.server.requests, [])

    def test_short_id_404_not_retried_on_legacy(self):
        error = self.refused({"issue_id": "PUMP-STATION-1A", "organization_slug": "example-org"}, not_found())
        self.assertEqual(error.preset, PluginException.Preset.NOT_FOUND)
        self.assertEqual(len(self.server.requests), 1)


class TestLegacyFallback(ListEventsTest):
    @parameterized.expand(
        [("empty", no_route()), ("html", reply(404, "<h1>Not Found</h1>", {"Content-Type": "text/html"}))]
    )
    def test_scoped_404_then_legacy(self, _name, scoped_answer):
        params = {"issue_id": "4506790000", "organization_slug": "example-org"}
        output, server = self.list(
            params,
            scoped_answer,
            *membership("4506790000"),
            page(PAGE1, LEGACY, "0:100:0", True),
            page(PAGE2, LEGACY, "0:200:0", False),
        )
        self.assertEqual(
            server.paths,
            ["GET " + SCOPED, "GET " + ISSUE, "GET " + PROJECTS, "GET " + LEGACY, "GET " + LEGACY],
        )
        self.assertEqual(server.requests[3].params, server.requests[0].params)
        self.assertEqual(server.requests[4].params["cursor"], "0:100:0")
        self.assertEqual(len(output["events"]), 3)
        self.assertTrue(self.connection.api.legacy_routes_only)

    def test_both_404(self):
        error = self.refused({"issue_id": "4506790000", "organization_slug": "example-org"}, no_route(), not_found())
        self.assertEqual(error.preset, PluginException.Preset.NOT_FOUND)
        self.assertEqual(error.data, f"HTTP 404 from GET {ISSUE}: The requested resource does not exist")
        self.assertEqual(self.server.paths, ["GET " + SCOPED, "GET " + ISSUE])
        self.assertFalse(self.connection.api.legacy_routes_only)

    def test_issue_of_another_organization_is_not_read(self):
        error = self.refused(
            {"issue_id": "4506790000", "organization_slug": "example-org"},
            no_route(),
            *membership("4506790000", project_id="7", organization_projects=("1",)),
        )
        self.assertIn("does not belong to the organization 'example-org'", error.cause)
        self.assertEqual(self.server.paths, ["GET " + SCOPED, "GET " + ISSUE, "GET " + PROJECTS])

    def test_issue_missing_on_a_scoped_endpoint_is_final(self):
        # Sentry's JSON 404 comes from the organization-scoped endpoint itself: the issue is not in that
        # organization, and the unscoped path must not find it elsewhere
        error = self.refused({"issue_id": "4506790000", "organization_slug": "example-org"}, not_found())
        self.assertEqual(error.preset, PluginException.Preset.NOT_FOUND)
        self.assertIn("The requested resource does not exist", error.data)
        self.assertEqual(self.server.paths, ["GET " + SCOPED])


class TestEveryPage(ListEventsTest):
    def test_summaries(self):
        output, server = self.list(
            {"issue_id": "4506790000", "organization_slug": "example-org", "full": False},
            page(PAGE1, SCOPED, "0:100:0", True),
            page(PAGE2, SCOPED, "0:200:0", False),
        )
        self.assertEqual(
            [event["eventID"] for event in output["events"]],
            [
                "dfb1a2d057194e76a4186cc8a5271553",
                "9fac2ceed9344f2bbfdd1fdacb0ed9b1",
                "0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e",
            ],
        )
        self.assertFalse(output["has_more"])
        self.assertNotIn("next_cursor", output)
        self.assertEqual(
            [sent.params for sent in server.requests],
            [{"limit": "100", "per_page": "100"}, {"limit": "100", "per_page": "100", "cursor": "0:100:0"}],
        )
        self.assertEqual(server.paths, ["GET " + SCOPED] * 2)

    def test_full(self):
        output, server = self.list(
            {"issue_id": "4506790000", "organization_slug": "example-org", "full": True},
            page("list_issue_events_full.json.resp", SCOPED, "0:100:0", True),
            page(PAGE2, SCOPED, "0:200:0", False),
        )
        self.assertEqual(
            [sent.params for sent in server.requests],
            [
                {"full": "1", "limit": "100", "per_page": "100"},
                {"full": "1", "limit": "100", "per_page": "100", "cursor": "0:100:0"},
            ],
        )
        self.assertEqual(len(output["events"]), 2)

    def test_limit_and_cursor(self):
        output, server = self.list(
            {"issue_id": "4506790000", "limit": 1, "cursor": "0:100:0"},
            page(PAGE2, LEGACY, "0:101:0", True),
        )
        self.assertEqual(server.requests[0].params, {"limit": "1", "per_page": "1", "cursor": "0:100:0"})
        self.assertTrue(output["has_more"])
        self.assertEqual(output["next_cursor"], "0:101:0")

    def test_limit_across_pages(self):
        output, server = self.list(
            {"issue_id": "4506790000", "limit": 3},
            page(PAGE1, LEGACY, "0:2:0", True),
            page(PAGE2, LEGACY, "0:3:0", False),
        )
        self.assertEqual([sent.params["per_page"] for sent in server.requests], ["3", "1"])
        self.assertEqual(len(output["events"]), 3)
        self.assertFalse(output["has_more"])

    def test_endless_pagination_stopped(self):
        from komand_sentry.util import listing

        def endless(sent):
            offset = int(sent.params.get("cursor", "0:0:0").split(":")[1]) + 1
            return reply(200, [], {"Link": link_header(ROOT + LEGACY, "0:0:1", f"0:{offset}:0", True)})

        with unittest.mock.patch.object(listing, "MAX_PAGES", 5):
            error = self.refused({"issue_id": "4506790000"}, *[endless] * 5)
        self.assertIn("past 5 pages", error.cause)
        self.assertIn("Limit", error.assistance)
        self.assertEqual(len(self.server.requests), 5)

    def test_repeating_cursor_fails(self):
        error = self.refused(
            {"issue_id": "4506790000"}, page(PAGE1, LEGACY, "0:100:0", True), page(PAGE2, LEGACY, "0:100:0", True)
        )
        self.assertIn("does not advance", error.cause)


class TestOutputShapes(ListEventsTest):
    def test_summaries(self):
        output, _ = self.list({"issue_id": "4506790000"}, reply(200, file=PAGE1))
        raw = load_json(PAGE1)
        first, second = output["events"]
        self.assertNotIn("user", first, "a null user is dropped")
        self.assertEqual(first["groupId"], "4506790000")
        self.assertEqual(first["groupID"], "4506790000")
        self.assertEqual(first, dict({k: v for k, v in raw[0].items() if k != "user"}, groupId="4506790000"))
        self.assertEqual(
            second["user"],
            {
                "id": "42",
                "email": "operator@example.com",
                "username": "operator",
                "ip_address": "10.0.0.8",
                "data": None,
            },
        )
        self.assertEqual(second["tags"], [{"key": "level", "value": "error"}, {"key": "user", "value": "id:42"}])

    def test_full_bodies(self):
        output, _ = self.list(
            {"issue_id": "4506790000", "full": True}, reply(200, file="list_issue_events_full.json.resp")
        )
        event = output["events"][0]
        raw = load_json("list_issue_events_full.json.resp")[0]
        self.assertEqual(event["entries"], raw["entries"])
        self.assertEqual(event["contexts"], raw["contexts"])
        self.assertEqual(event["errors"], raw["errors"])
        self.assertEqual(event["sdk"], {"name": "komand-sentry", "version": "2.0.0"})
        self.assertEqual(event["size"], 6842)
        self.assertEqual(event["groupId"], "4506790000")
        self.assertNotIn("dist", event)
        self.assertEqual(
            event["user"],
            {"id": "42", "email": "operator@example.com", "ip_address": "10.0.0.8", "geo": None, "data": None},
        )
        self.assertEqual(event["fingerprints"], raw["fingerprints"])

    def test_sentry_9(self):
        output, _ = self.list({"issue_id": "12"}, reply(200, file="list_issue_events_sentry9.json.resp"))
        first, second = output["events"]
        self.assertEqual(first["groupId"], "12")
        self.assertEqual(first["id"], "37")
        for dropped in ("user", "sdk", "dist"):
            self.assertNotIn(dropped, first)
        for dropped in ("packages", "contexts", "context", "dist"):
            self.assertNotIn(dropped, second)
        self.assertEqual(second["user"], {"id": "7", "email": "admin@example.com", "data": None})
        self.assertEqual(first["entries"][0]["type"], "message")
        self.assertEqual(first["errors"][0]["data"], {"name": "event_id", "value": "bad"})


class TestRegions(ListEventsTest):
    """On sentry.io an organization's issues live on its region host, named by the organization details."""

    SAAS = connection_params(url="https://sentry.io")

    def test_region_host_used(self):
        output, server = self.list(
            {"issue_id": "4506790000", "organization_slug": "example-org"},
            reply(200, file="organization.json.resp"),
            page(PAGE1, SCOPED, "0:100:0", True, root="https://de.sentry.io"),
            page(PAGE2, SCOPED, "0:200:0", False, root="https://de.sentry.io"),
            connection=self.SAAS,
        )
        self.assertEqual(
            [sent.url.split("?")[0] for sent in server.requests],
            [
                "https://sentry.io/api/0/organizations/example-org/",
                "https://de.sentry.io" + SCOPED,
                "https://de.sentry.io" + SCOPED,
            ],
        )
        self.assertEqual(len(output["events"]), 3)

    def test_region_looked_up_once_per_connection(self):
        server = FakeSentry(reply(200, file="organization.json.resp"), reply(200, file=PAGE2), reply(200, file=PAGE2))
        connection = connect(self.SAAS, server)
        run_action(ListIssueEvents, connection, {"issue_id": "4506790000", "organization_slug": "example-org"})
        run_action(ListIssueEvents, connection, {"issue_id": "4506790000", "organization_slug": "example-org"})
        self.assertEqual([sent.host for sent in server.requests], ["sentry.io", "de.sentry.io", "de.sentry.io"])

    @parameterized.expand(
        [
            ("other_domain", "https://sentry.io.evil.example.com"),
            ("http", "http://de.sentry.io"),
            ("credentials", "https://user:pass@de.sentry.io"),
            ("not_a_string", 42),
        ]
    )
    def test_untrusted_region_ignored(self, _name, region):
        organization = load_json("organization.json.resp")
        organization["links"]["regionUrl"] = region
        _, server = self.list(
            {"issue_id": "4506790000", "organization_slug": "example-org"},
            reply(200, organization),
            reply(200, file=PAGE2),
            connection=self.SAAS,
        )
        self.assertEqual([sent.host for sent in server.requests], ["sentry.io", "sentry.io"])

    def test_legacy_fallback_stays_on_the_region(self):
        _, server = self.list(
            {"issue_id": "4506790000", "organization_slug": "example-org"},
            reply(200, file="organization.json.resp"),
            no_route(),
            *membership("4506790000"),
            reply(200, file=PAGE2),
            connection=self.SAAS,
        )
        self.assertEqual(
            [f"{sent.host} {sent.path}" for sent in server.requests],
            [
                "sentry.io /api/0/organizations/example-org/",
                "de.sentry.io " + SCOPED,
                "de.sentry.io " + ISSUE,
                "de.sentry.io " + PROJECTS,
                "de.sentry.io " + LEGACY,
            ],
        )

    def test_self_hosted_never_looks_up_a_region(self):
        _, server = self.list({"issue_id": "4506790000", "organization_slug": "example-org"}, reply(200, file=PAGE2))
        self.assertEqual(server.paths, ["GET " + SCOPED])

    def test_unknown_organization(self):
        error = self.refused(
            {"issue_id": "4506790000", "organization_slug": "example-org"}, not_found(), connection=self.SAAS
        )
        self.assertEqual(error.preset, PluginException.Preset.NOT_FOUND)
        self.assertIn("/api/0/organizations/example-org/", error.data)
