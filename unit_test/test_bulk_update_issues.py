"""Bulk Update Issues: IDs sent in chunks of at most 1,000 (Sentry's limit), 204 ("nothing matched") a success, a query
resolved to the matching IDs first (at most 10,000) and never sent to the update, assignees given as #team-slug
resolved through the organization's teams (once per connection), Sentry's "Unknown actor input" explained; and the
same assignee handling in Update Issue."""

import unittest
from typing import Dict, List, Optional

from insightconnect_plugin_runtime.exceptions import PluginException
from parameterized import parameterized

from komand_sentry.actions.bulk_update_issues import BulkUpdateIssues
from komand_sentry.actions.update_issue import UpdateIssue
from unit_test.util import (
    ISSUE,
    ORG,
    SCOPED_ISSUE,
    SHORT_ID,
    Reply,
    RoutedSentry,
    Sent,
    connect,
    connection_params,
    load_json,
    paged,
    refused_routed,
    reply,
    run_action,
    run_routed,
    today_routes,
)

PROJECT = "pump-station"
ORG_ISSUES = f"/api/0/organizations/{ORG}/issues/"
PROJECT_ISSUES = f"/api/0/projects/{ORG}/{PROJECT}/issues/"
TEAMS = f"/api/0/organizations/{ORG}/teams/"
# a listing's issue, cut to what a bulk update reads of it (a whole issue would make the big listings slow to fake)
ISSUE_TEMPLATE = {key: load_json("issue_after_update.json.resp")[key] for key in ("id", "shortId", "status", "project")}
ACCEPTED_FORMS = ("user:", "team:", "#")


class Organization:
    """An organization's issues behind today's bulk endpoints: the listing reads `query` (a marker tag, is:<status>
    or "" for all) and, like Sentry 9.1.2's, ignores `id`; the update filters the IDs to existing issues, answers
    204 when none is left, else applies the status and answers the changes."""

    def __init__(self, count: int = 0, first_id: int = 7000000, marked: Optional[Dict[str, int]] = None):
        self.status: Dict[str, str] = {str(first_id + n): "unresolved" for n in range(count)}
        self.markers: Dict[str, List[str]] = {}
        start = first_id + count
        for marker, size in (marked or {}).items():
            ids = [str(start + n) for n in range(size)]
            start += size
            self.markers[marker] = ids
            self.status.update({issue_id: "unresolved" for issue_id in ids})

    def matching(self, query: str) -> List[str]:
        query = query.strip()
        if query.startswith("marker:"):
            return list(self.markers.get(query[len("marker:") :], []))
        if query.startswith("is:"):
            return [issue_id for issue_id, status in self.status.items() if status == query[3:]]
        return list(self.status)

    def listing(self, sent: Sent) -> Reply:
        ids = self.matching(sent.params.get("query", "is:unresolved"))
        return paged([dict(ISSUE_TEMPLATE, id=issue_id, shortId=f"PUMP-{issue_id}") for issue_id in ids])(sent)

    def update(self, sent: Sent) -> Reply:
        known = [issue_id for issue_id in sent.params_lists.get("id", []) if issue_id in self.status]
        if not known:
            return Reply(204)
        changes = sent.json()
        for issue_id in known:
            self.status[issue_id] = {"resolvedInNextRelease": "resolved"}.get(
                changes.get("status"), changes.get("status")
            )
        return Reply(200, {key: value for key, value in changes.items()})

    def issue(self, sent: Sent) -> Reply:
        issue_id = sent.path.rstrip("/").rsplit("/", 1)[-1]
        if issue_id not in self.status:
            return reply(404, file="error_not_found.json.resp")
        return Reply(200, dict(ISSUE_TEMPLATE, id=issue_id, status=self.status[issue_id]))

    def routes(self, more: Optional[dict] = None) -> dict:
        routes = dict(more or {})
        for path in (ORG_ISSUES, PROJECT_ISSUES):
            routes.setdefault(f"GET {path}", self.listing)
            routes.setdefault(f"PUT {path}", self.update)
        routes.setdefault(f"GET /api/0/organizations/{ORG}/issues/[0-9]+/", self.issue)  # each issue confirmed alone
        return today_routes(routes)


def puts(server) -> List[Sent]:
    return [sent for sent in server.requests if sent.method == "PUT"]


def ids_of(sent: Sent) -> List[str]:
    return sent.params_lists.get("id", [])


class TestIssueIds(unittest.TestCase):
    def test_ids_in_one_request(self):
        org = Organization(3)
        ids = list(org.status)
        output, server = run_routed(
            BulkUpdateIssues, org.routes(), {"organization_slug": ORG, "issue_ids": ids, "status": "resolved"}
        )
        (put,) = puts(server)
        self.assertEqual(put.path, ORG_ISSUES)
        self.assertEqual(ids_of(put), ids)
        self.assertEqual(set(put.params_lists), {"id"})  # no query, no status filter: exactly these issues
        self.assertEqual(put.json(), {"status": "resolved"})
        self.assertEqual(output, {"issue_ids": ids, "changes": {"status": "resolved"}})
        self.assertEqual(set(org.status.values()), {"resolved"})

    def test_project_form_with_a_project(self):
        org = Organization(2)
        params = {
            "organization_slug": ORG,
            "project_slug": PROJECT,
            "issue_ids": list(org.status),
            "isBookmarked": True,
        }
        output, server = run_routed(BulkUpdateIssues, org.routes(), params)
        (put,) = puts(server)
        self.assertEqual(put.path, PROJECT_ISSUES)
        self.assertEqual(put.json(), {"isBookmarked": True})
        self.assertEqual(output["changes"], {"isBookmarked": True})

    @parameterized.expand(
        [("exactly_1000", 1000, [1000]), ("1001", 1001, [1000, 1]), ("2500", 2500, [1000, 1000, 500])]
    )
    def test_chunks_of_at_most_1000(self, _name, count, sizes):
        org = Organization(count)
        ids = list(org.status)
        output, server = run_routed(
            BulkUpdateIssues, org.routes(), {"organization_slug": ORG, "issue_ids": ids, "status": "ignored"}
        )
        chunks = [ids_of(put) for put in puts(server)]
        self.assertEqual([len(chunk) for chunk in chunks], sizes)
        self.assertEqual([issue_id for chunk in chunks for issue_id in chunk], ids)  # each once, in order
        self.assertTrue(all(put.json() == {"status": "ignored"} for put in puts(server)))
        self.assertEqual(output["issue_ids"], ids)
        self.assertEqual(set(org.status.values()), {"ignored"})

    def test_given_ids_are_confirmed_by_reading_each_issue_never_by_a_listing(self):
        org = Organization(250)
        ids = list(org.status)[:150] + ["9100000"]
        output, server = run_routed(
            BulkUpdateIssues, org.routes(), {"organization_slug": ORG, "issue_ids": ids, "status": "resolved"}
        )
        self.assertEqual(output["issue_ids"], ids[:150])
        gets = [sent for sent in server.requests if sent.method == "GET"]
        self.assertEqual([sent.path.rstrip("/").rsplit("/", 1)[-1] for sent in gets], ids)  # each read once
        self.assertFalse(any("id" in sent.params_lists for sent in gets), "no listing is asked to filter by id")
        self.assertEqual([len(ids_of(put)) for put in puts(server)], [150])

    def test_nothing_matched_is_a_success(self):
        org = Organization(0)
        output, server = run_routed(
            BulkUpdateIssues, org.routes(), {"organization_slug": ORG, "issue_ids": ["1", "2"], "status": "resolved"}
        )
        self.assertEqual(output["issue_ids"], [])
        self.assertLessEqual(len(puts(server)), 1)

    def test_a_chunk_that_matched_nothing_is_left_out(self):
        org = Organization(1000)
        ids = list(org.status) + [str(9000000 + n) for n in range(5)]
        output, server = run_routed(
            BulkUpdateIssues, org.routes(), {"organization_slug": ORG, "issue_ids": ids, "status": "resolved"}
        )
        self.assertEqual(output["issue_ids"], ids[:1000])
        self.assertTrue(all(len(ids_of(put)) <= 1000 for put in puts(server)))

    def test_short_ids_resolved_first(self):
        org = Organization(1)
        org.status[ISSUE] = "unresolved"
        params = {"organization_slug": ORG, "issue_ids": [SHORT_ID, list(org.status)[0]], "status": "resolved"}
        output, server = run_routed(BulkUpdateIssues, org.routes(), params)
        self.assertIn(f"GET /api/0/organizations/{ORG}/shortids/{SHORT_ID}/", server.paths)
        (put,) = puts(server)
        self.assertEqual(sorted(ids_of(put)), sorted([ISSUE, list(org.status)[0]]))
        self.assertEqual(sorted(output["issue_ids"]), sorted([ISSUE, list(org.status)[0]]))

    def test_sentry_9_shapes(self):
        org = Organization(2)
        routes = org.routes({f"PUT {PROJECT_ISSUES}": reply(200, file="bulk_changes_sentry9.json.resp")})
        params = {
            "organization_slug": ORG,
            "project_slug": PROJECT,
            "issue_ids": list(org.status),
            "status": "resolved",
        }
        output, _ = run_routed(BulkUpdateIssues, routes, params)
        self.assertEqual(output["changes"], load_json("bulk_changes_sentry9.json.resp"))
        self.assertEqual(output["issue_ids"], list(org.status))

    def test_sentry_9_with_several_projects_asks_for_the_project(self):
        org = Organization(2)
        refusal = Reply(400, {"detail": "You do not have the multi project stream feature enabled"})
        routes = org.routes({f"PUT {ORG_ISSUES}": refusal})
        error, server = refused_routed(
            BulkUpdateIssues, routes, {"organization_slug": ORG, "issue_ids": list(org.status), "status": "resolved"}
        )
        self.assertTrue(error.cause.startswith("Invalid input 'project_slug'"), error.cause)
        self.assertIn("Project Slug", error.assistance)
        self.assertEqual(set(org.status.values()), {"unresolved"})

    def test_permission_denied(self):
        org = Organization(2)
        routes = org.routes({f"PUT {ORG_ISSUES}": reply(403, file="error_permission.json.resp")})
        error, _ = refused_routed(
            BulkUpdateIssues, routes, {"organization_slug": ORG, "issue_ids": list(org.status), "status": "resolved"}
        )
        self.assertEqual(error.preset, PluginException.Preset.UNAUTHORIZED)


class TestQuery(unittest.TestCase):
    def test_query_resolved_to_ids_then_updated(self):
        org = Organization(40, marked={"release-1.2.0": 230})
        params = {"organization_slug": ORG, "query": "marker:release-1.2.0", "status": "resolved"}
        output, server = run_routed(BulkUpdateIssues, org.routes(), params)
        listings = [sent for sent in server.requests if sent.method == "GET" and sent.path == ORG_ISSUES]
        self.assertEqual(len(listings), 3)  # every page of the 230 matches
        self.assertTrue(all(sent.params["query"] == "marker:release-1.2.0" for sent in listings))
        for put in puts(server):
            self.assertNotIn("query", put.params_lists)
            self.assertTrue(ids_of(put))  # never an update without IDs ("update every issue")
        expected = org.markers["release-1.2.0"]
        self.assertEqual(sorted(output["issue_ids"]), sorted(expected))
        self.assertEqual(sorted(i for put in puts(server) for i in ids_of(put)), sorted(expected))
        self.assertEqual(sum(1 for status in org.status.values() if status == "resolved"), 230)

    def test_query_in_a_project(self):
        org = Organization(0, marked={"night": 3})
        params = {"organization_slug": ORG, "project_slug": PROJECT, "query": "marker:night", "status": "ignored"}
        output, server = run_routed(BulkUpdateIssues, org.routes(), params)
        self.assertTrue(server.sent_to("GET", PROJECT_ISSUES))
        self.assertEqual([put.path for put in puts(server)], [PROJECT_ISSUES])
        self.assertEqual(sorted(output["issue_ids"]), sorted(org.markers["night"]))

    def test_query_matching_nothing_updates_nothing(self):
        org = Organization(5)
        params = {"organization_slug": ORG, "query": "marker:nothing", "status": "resolved"}
        output, server = run_routed(BulkUpdateIssues, org.routes(), params)
        self.assertEqual(output["issue_ids"], [])
        self.assertEqual(puts(server), [])
        self.assertEqual(set(org.status.values()), {"unresolved"})

    def test_query_matching_exactly_10000(self):
        org = Organization(0, marked={"big": 10000})
        output, server = run_routed(
            BulkUpdateIssues, org.routes(), {"organization_slug": ORG, "query": "marker:big", "status": "resolved"}
        )
        self.assertEqual(len(output["issue_ids"]), 10000)
        self.assertEqual([len(ids_of(put)) for put in puts(server)], [1000] * 10)

    def test_query_matching_more_than_10000_is_refused(self):
        org = Organization(0, marked={"huge": 10001})
        error, server = refused_routed(
            BulkUpdateIssues, org.routes(), {"organization_slug": ORG, "query": "marker:huge", "status": "resolved"}
        )
        self.assertIn("10,000", error.cause)
        self.assertTrue(error.assistance)
        self.assertEqual(puts(server), [])
        self.assertLessEqual(len(server.requests), 102)  # at most the pages of 10,001 issues, then it stops
        self.assertEqual(set(org.status.values()), {"unresolved"})


class TestBadInput(unittest.TestCase):
    @parameterized.expand(
        [
            ("neither_ids_nor_query", {"status": "resolved"}, "issue_ids"),
            ("empty_ids_and_blank_query", {"issue_ids": [], "query": "  ", "status": "resolved"}, "issue_ids"),
            (
                "organization_not_a_slug",
                {"organization_slug": "Example Org", "issue_ids": ["1"], "status": "resolved"},
                "organization_slug",
            ),
            ("project_not_a_slug", {"project_slug": "../x", "issue_ids": ["1"], "status": "resolved"}, "project_slug"),
            ("id_with_path", {"issue_ids": ["1", "2/../3"], "status": "resolved"}, "issue_ids"),
            ("id_with_query", {"issue_ids": ["1&id=2"], "status": "resolved"}, "issue_ids"),
            ("no_change", {"issue_ids": ["1"]}, "status"),
            (
                "window_without_count",
                {"issue_ids": ["1"], "status": "ignored", "statusDetails": {"ignoreWindow": 5}},
                "statusDetails.ignoreWindow",
            ),
        ]
    )
    def test_refused_before_any_request(self, _name, params, input_name):
        params = dict({"organization_slug": ORG}, **params)
        error, server = refused_routed(BulkUpdateIssues, Organization(3).routes(), params)
        self.assertTrue(error.cause.startswith(f"Invalid input '{input_name}'"), error.cause)
        self.assertTrue(error.assistance)
        self.assertEqual(server.requests, [])

    def test_short_id_of_another_organization_is_not_updated(self):
        org = Organization(1)
        params = {"organization_slug": ORG, "issue_ids": ["OTHER-1"], "status": "resolved"}
        error, server = refused_routed(BulkUpdateIssues, org.routes(), params)
        self.assertEqual(error.preset, PluginException.Preset.NOT_FOUND)
        self.assertEqual(puts(server), [])


class TestAssignee(unittest.TestCase):
    def teams_on_two_pages(self, org: Organization) -> dict:
        teams = load_json("teams_today_page1.json.resp") + load_json("teams_today_page2.json.resp")
        return org.routes({f"GET {TEAMS}": paged(teams, size_cap=2)})

    def test_team_slug_resolved_to_its_id(self):
        org = Organization(2)
        params = {"organization_slug": ORG, "issue_ids": list(org.status), "assignedTo": "#night-shift"}
        output, server = run_routed(BulkUpdateIssues, self.teams_on_two_pages(org), params)
        self.assertEqual(len(server.sent_to("GET", TEAMS)), 2)  # the team is on the second page
        (put,) = puts(server)
        self.assertEqual(put.json(), {"assignedTo": "team:100253"})
        self.assertEqual(output["changes"], {"assignedTo": "team:100253"})

    def test_teams_read_once_per_connection(self):
        org = Organization(2)
        server = RoutedSentry(self.teams_on_two_pages(org))
        connection = connect(connection_params(), server)
        team_reads = []
        for team, team_id in (("#pump-ops", "48531"), ("#night-shift", "100253"), ("#backend", "48532")):
            params = {"organization_slug": ORG, "issue_ids": list(org.status), "assignedTo": team}
            run_action(BulkUpdateIssues, connection, params)
            self.assertEqual(puts(server)[-1].json(), {"assignedTo": f"team:{team_id}"})
            team_reads.append(len(server.sent_to("GET", TEAMS)))
        self.assertGreater(team_reads[0], 0)
        self.assertEqual(team_reads, [team_reads[0]] * 3)  # nothing read again after the first step

    def test_unknown_team(self):
        org = Organization(2)
        params = {"organization_slug": ORG, "issue_ids": list(org.status), "assignedTo": "#no-such-team"}
        error, server = refused_routed(BulkUpdateIssues, self.teams_on_two_pages(org), params)
        self.assertIn("assignedTo", error.cause)
        self.assertIn("#no-such-team", error.cause)
        for form in ACCEPTED_FORMS:
            self.assertIn(form, error.assistance)
        self.assertEqual(puts(server), [])

    def test_sentry_cannot_resolve_the_actor(self):
        org = Organization(2)
        routes = org.routes({f"PUT {ORG_ISSUES}": reply(400, file="error_unknown_actor.json.resp")})
        params = {"organization_slug": ORG, "issue_ids": list(org.status), "assignedTo": "nobody@example.com"}
        error, _ = refused_routed(BulkUpdateIssues, routes, params)
        self.assertIn("assignedTo", error.cause)
        self.assertIn("nobody@example.com", error.cause)
        for form in ACCEPTED_FORMS:
            self.assertIn(form, error.assistance)

    @parameterized.expand(
        [
            ("user_id", "user:1"),
            ("team_id", "team:48531"),
            ("numeric", "1"),
            ("username", "jane"),
            ("email", "jane.doe@example.com"),
            ("unassign", ""),
        ]
    )
    def test_other_forms_go_to_sentry_unchanged(self, _name, value):
        org = Organization(1)
        params = {"organization_slug": ORG, "issue_ids": list(org.status), "assignedTo": value}
        _, server = run_routed(BulkUpdateIssues, org.routes(), params)
        self.assertEqual(puts(server)[0].json(), {"assignedTo": value})
        self.assertEqual(server.sent_to("GET", TEAMS), [])


class TestUpdateIssueAssignee(unittest.TestCase):
    """Update Issue takes the same assignee forms."""

    def routes(self, more: Optional[dict] = None) -> dict:
        routes = dict(more or {})
        routes.setdefault(f"PUT {SCOPED_ISSUE}", reply(200, file="issue_after_update.json.resp"))
        return today_routes(routes)

    def test_team_slug(self):
        _, server = run_routed(
            UpdateIssue, self.routes(), {"issue_id": ISSUE, "organization_slug": ORG, "assignedTo": "#pump-ops"}
        )
        self.assertEqual(len(server.sent_to("GET", TEAMS)), 1)
        self.assertEqual(server.sent_to("PUT", SCOPED_ISSUE)[0].json(), {"assignedTo": "team:48531"})

    def test_unknown_team(self):
        error, server = refused_routed(
            UpdateIssue, self.routes(), {"issue_id": ISSUE, "organization_slug": ORG, "assignedTo": "#ghosts"}
        )
        self.assertIn("assignedTo", error.cause)
        self.assertIn("#ghosts", error.cause)
        self.assertEqual(server.sent_to("PUT", ".*"), [])

    def test_team_slug_without_organization(self):
        error, server = refused_routed(UpdateIssue, self.routes(), {"issue_id": ISSUE, "assignedTo": "#pump-ops"})
        self.assertIn("assignedTo", error.cause)
        self.assertEqual(server.requests, [])

    def test_unknown_actor(self):
        routes = self.routes({f"PUT {SCOPED_ISSUE}": reply(400, file="error_unknown_actor.json.resp")})
        error, _ = refused_routed(
            UpdateIssue, routes, {"issue_id": ISSUE, "organization_slug": ORG, "assignedTo": "jane.doe"}
        )
        self.assertIn("assignedTo", error.cause)
        self.assertIn("jane.doe", error.cause)
        for form in ACCEPTED_FORMS:
            self.assertIn(form, error.assistance)

    def test_other_validation_errors_are_not_blamed_on_the_assignee(self):
        routes = self.routes({f"PUT {SCOPED_ISSUE}": reply(400, file="error_validation.json.resp")})
        error, _ = refused_routed(
            UpdateIssue,
            routes,
            {"issue_id": ISSUE, "organization_slug": ORG, "status": "ignored", "statusDetails": {"ignoreCount": 5}},
        )
        self.assertEqual(error.preset, PluginException.Preset.BAD_REQUEST)
        self.assertNotIn("assignedTo", error.cause)
