"""Get Issue Event: latest, oldest, recommended or an event ID, on today's organization-scoped route and on Sentry 9's
routes (latest and oldest under the issue, an event by ID through its project); an event of another issue is refused,
and so is anything that is neither a keyword nor an event ID, before any request."""

import unittest

from insightconnect_plugin_runtime.exceptions import PluginException
from parameterized import parameterized

from komand_sentry.actions.get_issue_event import GetIssueEvent
from unit_test.util import (
    ISSUE,
    ISSUE9,
    LEGACY_ISSUE9,
    ORG,
    PROJECT9,
    SCOPED_ISSUE,
    SHORT_ID,
    SHORT_ID9,
    load_json,
    refused_routed,
    reply,
    run_routed,
    sentry9_routes,
    today_routes,
)

TODAY_EVENT = load_json("event_today.json.resp")
LATEST9 = load_json("event_sentry9_latest.json.resp")
OLDEST9 = load_json("event_sentry9_oldest.json.resp")
OTHER_EVENT_ID = "5f0c8a3b9d2e4f61a7b8c9d0e1f2a3b4"
PROJECT_EVENTS9 = f"/api/0/projects/{ORG}/{PROJECT9}/events/"


def event_requests(server) -> list:
    return [sent for sent in server.requests if "/events/" in sent.path]


class TestToday(unittest.TestCase):
    @parameterized.expand([("latest",), ("oldest",), ("recommended",), (TODAY_EVENT["eventID"],)])
    def test_each_kind_of_event_id(self, event_id):
        output, server = run_routed(
            GetIssueEvent, today_routes(), {"issue_id": ISSUE, "organization_slug": ORG, "event_id": event_id}
        )
        self.assertEqual(server.paths, [f"GET {SCOPED_ISSUE}events/{event_id}/"])
        self.assertEqual(server.requests[0].params, {})
        event = output["event"]
        self.assertEqual(event["eventID"], TODAY_EVENT["eventID"])
        self.assertEqual(event["groupId"], ISSUE)  # the Event type's name for Sentry's groupID
        self.assertEqual(event["entries"], TODAY_EVENT["entries"])  # the full body, entries included
        self.assertEqual(event["tags"], TODAY_EVENT["tags"])

    def test_latest_when_not_given(self):
        _, server = run_routed(GetIssueEvent, today_routes(), {"issue_id": ISSUE, "organization_slug": ORG})
        self.assertEqual(server.paths, [f"GET {SCOPED_ISSUE}events/latest/"])

    def test_environment_is_one_query_parameter(self):
        params = {"issue_id": ISSUE, "organization_slug": ORG, "event_id": "oldest", "environment": "prod&event_id=1"}
        _, server = run_routed(GetIssueEvent, today_routes(), params)
        self.assertEqual(server.requests[0].params_lists, {"environment": ["prod&event_id=1"]})
        self.assertEqual(server.requests[0].path, f"{SCOPED_ISSUE}events/oldest/")

    def test_short_id_resolved_first(self):
        _, server = run_routed(
            GetIssueEvent, today_routes(), {"issue_id": SHORT_ID, "organization_slug": ORG, "event_id": "latest"}
        )
        self.assertEqual(server.paths[0], f"GET /api/0/organizations/{ORG}/shortids/{SHORT_ID}/")
        self.assertEqual(server.paths[-1], f"GET {SCOPED_ISSUE}events/latest/")
        self.assertTrue(all(SHORT_ID not in path for path in server.paths[1:]))

    def test_an_event_of_another_issue_is_refused(self):
        other = dict(TODAY_EVENT, groupID="4506790999")
        routes = today_routes({f"GET {SCOPED_ISSUE}events/[^/]+/": reply(200, other)})
        error, _ = refused_routed(
            GetIssueEvent, routes, {"issue_id": ISSUE, "organization_slug": ORG, "event_id": TODAY_EVENT["eventID"]}
        )
        self.assertIn("4506790999", error.cause)
        self.assertIn(ISSUE, error.cause)

    def test_unknown_event(self):
        routes = today_routes({f"GET {SCOPED_ISSUE}events/[^/]+/": reply(404, file="error_event_not_found.json.resp")})
        error, server = refused_routed(
            GetIssueEvent, routes, {"issue_id": ISSUE, "organization_slug": ORG, "event_id": OTHER_EVENT_ID}
        )
        self.assertEqual(error.preset, PluginException.Preset.NOT_FOUND)
        self.assertEqual(len(event_requests(server)), 1)  # a JSON 404 is final: no legacy route tried


class TestSentry9(unittest.TestCase):
    @parameterized.expand([("latest", LATEST9), ("oldest", OLDEST9)])
    def test_latest_and_oldest_under_the_issue(self, keyword, expected):
        output, server = run_routed(
            GetIssueEvent, sentry9_routes(), {"issue_id": ISSUE9, "organization_slug": ORG, "event_id": keyword}
        )
        self.assertEqual(server.paths[-1], f"GET {LEGACY_ISSUE9}events/{keyword}/")
        self.assertEqual(output["event"]["eventID"], expected["eventID"])
        self.assertEqual(output["event"]["groupId"], ISSUE9)
        self.assertEqual(output["event"]["entries"], expected["entries"])

    def test_latest_without_organization(self):
        output, server = run_routed(GetIssueEvent, sentry9_routes(), {"issue_id": ISSUE9})
        self.assertEqual(server.paths, [f"GET {LEGACY_ISSUE9}events/latest/"])
        self.assertEqual(output["event"]["eventID"], LATEST9["eventID"])

    def test_environment_is_not_answered_with_another_environments_event(self):
        """Sentry 9.1.2 checks that the environment exists but ignores it when it picks the latest or oldest event
        (sentry/models/group.py get_latest_event_for_environments, without snuba): its answer is an event of any
        environment. The plugin must refuse the environment there, or not hand back an event of another one."""
        staging = dict(OLDEST9, tags=OLDEST9["tags"] + [{"key": "environment", "value": "staging"}])
        routes = sentry9_routes({f"GET {LEGACY_ISSUE9}events/oldest/": reply(200, staging)})
        params = {"issue_id": ISSUE9, "event_id": "oldest", "environment": "production"}
        error, _ = refused_routed(GetIssueEvent, routes, params)
        self.assertIn("environment", error.cause)

    @parameterized.expand([("latest_one", LATEST9), ("oldest_one", OLDEST9)])
    def test_event_by_id_through_the_project(self, _name, expected):
        params = {"issue_id": ISSUE9, "organization_slug": ORG, "event_id": expected["eventID"]}
        output, server = run_routed(GetIssueEvent, sentry9_routes(), params)
        self.assertEqual(server.paths[-1], f"GET {PROJECT_EVENTS9}{expected['eventID']}/")
        self.assertNotIn(f"GET {LEGACY_ISSUE9}events/{expected['eventID']}/", server.paths)
        self.assertEqual(output["event"]["eventID"], expected["eventID"])
        self.assertEqual(output["event"]["entries"], expected["entries"])

    def test_short_id_and_event_id(self):
        params = {"issue_id": SHORT_ID9, "organization_slug": ORG, "event_id": OLDEST9["eventID"]}
        output, server = run_routed(GetIssueEvent, sentry9_routes(), params)
        self.assertEqual(server.paths[0], f"GET /api/0/organizations/{ORG}/shortids/{SHORT_ID9}/")
        self.assertEqual(output["event"]["eventID"], OLDEST9["eventID"])

    def test_an_event_of_another_issue_is_refused(self):
        other = dict(OLDEST9, eventID=OTHER_EVENT_ID, groupID="13")
        routes = sentry9_routes({f"GET {PROJECT_EVENTS9}{OTHER_EVENT_ID}/": reply(200, other)})
        error, server = refused_routed(
            GetIssueEvent, routes, {"issue_id": ISSUE9, "organization_slug": ORG, "event_id": OTHER_EVENT_ID}
        )
        self.assertIn("13", error.cause)
        self.assertIn(ISSUE9, error.cause)
        self.assertIn(f"GET {PROJECT_EVENTS9}{OTHER_EVENT_ID}/", server.paths)

    def test_unknown_event_id(self):
        error, _ = refused_routed(
            GetIssueEvent, sentry9_routes(), {"issue_id": ISSUE9, "organization_slug": ORG, "event_id": OTHER_EVENT_ID}
        )
        self.assertEqual(error.preset, PluginException.Preset.NOT_FOUND)
        self.assertIn("Event not found", error.data)

    def test_recommended_on_an_old_server_is_a_clear_error(self):
        error, server = refused_routed(
            GetIssueEvent, sentry9_routes(), {"issue_id": ISSUE9, "organization_slug": ORG, "event_id": "recommended"}
        )
        self.assertIn("recommended", error.cause)
        self.assertNotEqual(getattr(error, "preset", None), PluginException.Preset.NOT_FOUND)
        self.assertIn("latest", error.assistance)
        self.assertEqual(server.sent_to("GET", r"/api/0/projects/.*"), [])

    def test_recommended_without_organization(self):
        error, server = refused_routed(
            GetIssueEvent,
            sentry9_routes(),
            {"issue_id": ISSUE9, "event_id": "recommended"},
        )
        self.assertIn("recommended", error.cause)
        self.assertEqual(server.sent_to("GET", r"/api/0/organizations/.*"), [])


class TestBadInput(unittest.TestCase):
    @parameterized.expand(
        [
            ("database_row_number", "1"),
            ("short_hex", "5f0c8a3b9d2e4f61a7b8c9d0e1f2a3b"),
            ("long_hex", "5f0c8a3b9d2e4f61a7b8c9d0e1f2a3b45"),
            ("not_hex", "5f0c8a3b9d2e4f61a7b8c9d0e1f2a3bz"),
            ("keyword_with_path", "latest/../../issues"),
            ("traversal", "../latest"),
            ("keyword_with_query", "latest?environment=x"),
            ("unknown_keyword", "newest"),
            ("space_inside", "5f0c8a3b9d2e4f61 a7b8c9d0e1f2a3b4"),
        ]
    )
    def test_event_id_refused_before_any_request(self, _name, event_id):
        error, server = refused_routed(
            GetIssueEvent, today_routes(), {"issue_id": ISSUE, "organization_slug": ORG, "event_id": event_id}
        )
        self.assertTrue(error.cause.startswith("Invalid input 'event_id'"), error.cause)
        self.assertIn("latest", error.assistance)
        self.assertEqual(server.requests, [])

    @parameterized.expand(
        [
            ("issue_traversal", {"issue_id": "../12"}),
            ("issue_with_slash", {"issue_id": "12/events/latest"}),
            ("short_id_without_organization", {"issue_id": SHORT_ID}),
            ("organization_not_a_slug", {"issue_id": ISSUE, "organization_slug": "example org"}),
        ]
    )
    def test_issue_refused_before_any_request(self, _name, params):
        error, server = refused_routed(GetIssueEvent, today_routes(), params)
        self.assertTrue(error.cause.startswith("Invalid input '"), error.cause)
        self.assertEqual(server.requests, [])
