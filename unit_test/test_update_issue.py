import unittest

from insightconnect_plugin_runtime.exceptions import PluginException
from parameterized import parameterized

from komand_sentry.actions.update_issue import UpdateIssue
from komand_sentry.util.update import changes_in
from unit_test.util import (
    TOKEN,
    FakeSentry,
    connect,
    connection_params,
    exception_text,
    load_json,
    membership,
    reply,
    run_action,
)

SCOPED = "/api/0/organizations/example-org/issues/4506790000/"
LEGACY = "/api/0/issues/4506790000/"
PROJECTS = "/api/0/organizations/example-org/projects/"
UPDATED = "issue_after_update.json.resp"


def updated():
    return reply(200, file=UPDATED)


def not_found():
    """An existing endpoint's 404: the issue is not there."""
    return reply(404, file="error_not_found.json.resp")


def no_route():
    """A server without the route (Sentry 9's catch-all endpoint answers an empty 404)."""
    return reply(404)


class UpdateTest(unittest.TestCase):
    def update(self, params, *replies, connection=None):
        server = FakeSentry(*(replies or (updated(),)))
        self.connection = connect(connection or connection_params(), server)
        output = run_action(UpdateIssue, self.connection, params)
        server.assert_done(self)
        return output, server

    def refused(self, params, *replies, connection=None) -> PluginException:
        server = FakeSentry(*replies)
        with self.assertRaises(PluginException) as context:
            run_action(UpdateIssue, connect(connection or connection_params(), server), params)
        self.server = server
        self.assertNotIn(TOKEN, exception_text(context.exception))
        return context.exception


class TestBody(UpdateTest):
    @parameterized.expand(
        [
            ("status", {"status": "resolved"}, {"status": "resolved"}),
            ("next_release", {"status": "resolvedInNextRelease"}, {"status": "resolvedInNextRelease"}),
            (
                "false_flags",
                {"hasSeen": False, "isBookmarked": False, "isSubscribed": False, "isPublic": False},
                {"hasSeen": False, "isBookmarked": False, "isSubscribed": False, "isPublic": False},
            ),
            ("true_flag", {"isBookmarked": True}, {"isBookmarked": True}),
            ("unassign", {"assignedTo": ""}, {"assignedTo": ""}),
            ("assign_trimmed", {"assignedTo": "  user:1 "}, {"assignedTo": "user:1"}),
            ("assign_email", {"assignedTo": "jane.doe@example.com"}, {"assignedTo": "jane.doe@example.com"}),
            (
                "substatus",
                {"status": "ignored", "substatus": "archived_forever", "organization_slug": "example-org"},
                {"status": "ignored", "substatus": "archived_forever"},
            ),
            ("empty_substatus_kept_out", {"status": "unresolved", "substatus": ""}, {"status": "unresolved"}),
            (
                "in_release",
                {"status": "resolved", "statusDetails": {"inRelease": "latest"}},
                {"status": "resolved", "statusDetails": {"inRelease": "latest"}},
            ),
            (
                "in_next_release_false",
                {"status": "resolved", "statusDetails": {"inNextRelease": False}},
                {"status": "resolved", "statusDetails": {"inNextRelease": False}},
            ),
            (
                "in_commit",
                {
                    "status": "resolved",
                    "statusDetails": {"inCommit": {"commit": "a1b2c3d", "repository": "example-org/pump"}},
                },
                {
                    "status": "resolved",
                    "statusDetails": {"inCommit": {"commit": "a1b2c3d", "repository": "example-org/pump"}},
                },
            ),
            (
                "ignore_duration",
                {"status": "ignored", "statusDetails": {"ignoreDuration": 30}},
                {"status": "ignored", "statusDetails": {"ignoreDuration": 30}},
            ),
            (
                "ignore_count_window",
                {"status": "ignored", "statusDetails": {"ignoreCount": 100, "ignoreWindow": 60}},
                {"status": "ignored", "statusDetails": {"ignoreCount": 100, "ignoreWindow": 60}},
            ),
            (
                "ignore_users_for_a_week",
                {"status": "ignored", "statusDetails": {"ignoreUserCount": 5, "ignoreUserWindow": 10080}},
                {"status": "ignored", "statusDetails": {"ignoreUserCount": 5, "ignoreUserWindow": 10080}},
            ),
            (
                "empty_details_left_out",
                {"status": "resolved", "statusDetails": {"inRelease": ""}},
                {"status": "resolved"},
            ),
            ("absent_status_not_sent", {"isPublic": True}, {"isPublic": True}),
        ]
    )
    def test_only_the_given_fields(self, _name, changes, body):
        _, server = self.update(dict({"issue_id": "4506790000"}, **changes))
        sent = server.requests[0]
        self.assertEqual(sent.method, "PUT")
        self.assertEqual(sent.json(), body)
        self.assertEqual(sent.headers["Content-Type"], "application/json")
        self.assertEqual(sent.headers["Authorization"], f"Bearer {TOKEN}")


class TestValidation(UpdateTest):
    @parameterized.expand(
        [
            (
                "window_without_count",
                {"status": "ignored", "statusDetails": {"ignoreWindow": 60}},
                "statusDetails.ignoreWindow",
            ),
            (
                "user_window_without_count",
                {"status": "ignored", "statusDetails": {"ignoreUserWindow": 60}},
                "statusDetails.ignoreUserWindow",
            ),
            (
                "window_too_long",
                {"status": "ignored", "statusDetails": {"ignoreCount": 1, "ignoreWindow": 10081}},
                "statusDetails.ignoreWindow",
            ),
            (
                "user_window_too_long",
                {"status": "ignored", "statusDetails": {"ignoreUserCount": 1, "ignoreUserWindow": 20000}},
                "statusDetails.ignoreUserWindow",
            ),
            (
                "commit_without_repository",
                {"status": "resolved", "statusDetails": {"inCommit": {"commit": "a1b2c3d"}}},
                "statusDetails.inCommit",
            ),
            (
                "commit_without_sha",
                {"status": "resolved", "statusDetails": {"inCommit": {"repository": "example-org/pump"}}},
                "statusDetails.inCommit",
            ),
            (
                "zero_duration",
                {"status": "ignored", "statusDetails": {"ignoreDuration": 0}},
                "statusDetails.ignoreDuration",
            ),
            (
                "negative_count",
                {"status": "ignored", "statusDetails": {"ignoreCount": -5}},
                "statusDetails.ignoreCount",
            ),
            ("nothing", {}, "status"),
            ("only_empty_values", {"substatus": "", "statusDetails": {"inRelease": ""}}, "status"),
        ]
    )
    def test_refused_before_sending(self, _name, changes, input_name):
        error = self.refused(dict({"issue_id": "4506790000", "organization_slug": "example-org"}, **changes))
        self.assertTrue(error.cause.startswith(f"Invalid input '{input_name}'"), error.cause)
        self.assertEqual(self.server.requests, [])

    def test_no_change_says_so(self):
        error = self.refused({"issue_id": "4506790000"})
        self.assertIn("no change", error.cause)

    def test_window_of_exactly_a_week_accepted(self):
        self.assertEqual(
            changes_in({"statusDetails": {"ignoreCount": 1, "ignoreWindow": 10080}}),
            {"statusDetails": {"ignoreCount": 1, "ignoreWindow": 10080}},
        )

    def test_boolean_is_not_a_count(self):
        from jsonschema.exceptions import ValidationError

        with self.assertRaises(ValidationError):  # the runtime's schema check, before the plugin runs
            self.update({"issue_id": "4506790000", "statusDetails": {"ignoreCount": True}})

    def test_status_outside_enum_refused_by_the_schema(self):
        from jsonschema.exceptions import ValidationError

        with self.assertRaises(ValidationError):
            self.update({"issue_id": "4506790000", "status": "muted"})


class TestPaths(UpdateTest):
    def test_organization_input(self):
        _, server = self.update({"issue_id": "4506790000", "organization_slug": "example-org", "status": "resolved"})
        self.assertEqual(server.paths, ["PUT " + SCOPED])
        self.assertEqual(server.requests[0].host, "sentry.example.com")

    def test_connection_organization(self):
        _, server = self.update(
            {"issue_id": "4506790000", "status": "resolved"},
            connection=connection_params(organization_slug="example-org"),
        )
        self.assertEqual(server.paths, ["PUT " + SCOPED])

    def test_legacy_without_organization(self):
        _, server = self.update({"issue_id": "4506790000", "status": "resolved"})
        self.assertEqual(server.paths, ["PUT " + LEGACY])

    def test_short_id_without_organization(self):
        error = self.refused({"issue_id": "PUMP-STATION-1A", "status": "resolved"})
        self.assertTrue(error.cause.startswith("Invalid input 'issue_id'"))
        self.assertIn("organization", error.cause)
        self.assertIn("Organization Slug", error.assistance)
        self.assertEqual(self.server.requests, [])

    def test_short_id_404_not_retried_on_legacy(self):
        error = self.refused(
            {"issue_id": "PUMP-STATION-1A", "organization_slug": "example-org", "status": "resolved"}, not_found()
        )
        self.assertEqual(error.preset, PluginException.Preset.NOT_FOUND)
        self.assertEqual(len(self.server.requests), 1)

    def test_substatus_without_organization(self):
        error = self.refused({"issue_id": "4506790000", "status": "ignored", "substatus": "archived_forever"})
        self.assertTrue(error.cause.startswith("Invalid input 'substatus'"), error.cause)
        self.assertIn("Organization Slug", error.assistance)
        self.assertEqual(self.server.requests, [])

    def test_substatus_404_not_retried_on_legacy(self):
        params = {"issue_id": "4506790000", "organization_slug": "example-org", "substatus": "archived_forever"}
        error = self.refused(dict(params, status="ignored"), not_found())
        self.assertEqual(error.preset, PluginException.Preset.NOT_FOUND)
        self.assertEqual(self.server.paths, ["PUT " + SCOPED])

    def test_substatus_on_a_legacy_only_server(self):
        server = FakeSentry(no_route(), *membership("4506790000"), updated())
        connection = connect(connection_params(organization_slug="example-org"), server)
        run_action(UpdateIssue, connection, {"issue_id": "4506790000", "status": "resolved"})
        with self.assertRaises(PluginException) as context:
            run_action(
                UpdateIssue,
                connection,
                {"issue_id": "4506790000", "status": "ignored", "substatus": "archived_forever"},
            )
        self.assertTrue(context.exception.cause.startswith("Invalid input 'substatus'"))
        self.assertIn("older Sentry", context.exception.cause)
        self.assertEqual(len(server.requests), 4)

    def test_short_id_with_organization(self):
        _, server = self.update(
            {"issue_id": "PUMP-STATION-1A", "organization_slug": "example-org", "status": "resolved"},
            reply(
                200, {"organizationSlug": "example-org", "shortId": "PUMP-STATION-1A", "group": {"id": "4506790000"}}
            ),
            updated(),
        )
        self.assertEqual(
            server.paths, ["GET /api/0/organizations/example-org/shortids/PUMP-STATION-1A/", "PUT " + SCOPED]
        )

    def test_legacy_after_scoped_404(self):
        params = {"issue_id": "4506790000", "organization_slug": "example-org", "status": "ignored"}
        output, server = self.update(
            params, no_route(), *membership("4506790000"), reply(200, file="issue_sentry9.json.resp")
        )
        self.assertEqual(server.paths, ["PUT " + SCOPED, "GET " + LEGACY, "GET " + PROJECTS, "PUT " + LEGACY])
        self.assertEqual(server.requests[3].json(), {"status": "ignored"})
        self.assertEqual(output["issue"]["shortId"], "INTERNAL-C")
        self.assertTrue(self.connection.api.legacy_routes_only)

    def test_connection_remembers_legacy_routes(self):
        issue, projects = membership("4506790000")
        server = FakeSentry(no_route(), issue, projects, updated(), issue, updated(), issue, updated())
        connection = connect(connection_params(organization_slug="example-org"), server)
        run_action(UpdateIssue, connection, {"issue_id": "4506790000", "status": "resolved"})
        run_action(UpdateIssue, connection, {"issue_id": "4506790000", "isBookmarked": True})
        run_action(
            UpdateIssue, connection, {"issue_id": "4506790000", "organization_slug": "example-org", "hasSeen": True}
        )
        confirmed_put = ["GET " + LEGACY, "PUT " + LEGACY]  # the organization's projects are read once
        self.assertEqual(
            server.paths, ["PUT " + SCOPED, "GET " + LEGACY, "GET " + PROJECTS, "PUT " + LEGACY] + confirmed_put * 2
        )

    def test_both_404_is_not_found(self):
        error = self.refused(
            {"issue_id": "4506790000", "organization_slug": "example-org", "status": "resolved"},
            no_route(),
            not_found(),
        )
        self.assertEqual(error.preset, PluginException.Preset.NOT_FOUND)
        self.assertEqual(error.cause, "Sentry has no such resource (HTTP 404).")
        self.assertEqual(error.data, f"HTTP 404 from GET {LEGACY}: The requested resource does not exist")
        self.assertEqual(self.server.paths, ["PUT " + SCOPED, "GET " + LEGACY])

    def test_issue_missing_on_a_scoped_endpoint_is_final(self):
        error = self.refused(
            {"issue_id": "4506790000", "organization_slug": "example-org", "status": "resolved"}, not_found()
        )
        self.assertEqual(error.preset, PluginException.Preset.NOT_FOUND)
        self.assertIn(f"HTTP 404 from PUT {SCOPED}: The requested resource does not exist", error.data)
        self.assertEqual(self.server.paths, ["PUT " + SCOPED])

    def test_not_remembered_when_the_legacy_path_refuses(self):
        refused = reply(403, b'{"detail": "You do not have permission"}')
        server = FakeSentry(no_route(), refused, no_route(), *membership("4506790000"), updated())
        connection = connect(connection_params(organization_slug="example-org"), server)
        with self.assertRaises(PluginException) as context:
            run_action(UpdateIssue, connection, {"issue_id": "4506790000", "status": "resolved"})
        self.assertEqual(context.exception.preset, PluginException.Preset.UNAUTHORIZED)
        self.assertFalse(connection.api.legacy_routes_only)
        run_action(UpdateIssue, connection, {"issue_id": "4506790000", "status": "resolved"})
        self.assertEqual(
            server.paths,
            ["PUT " + SCOPED, "GET " + LEGACY, "PUT " + SCOPED, "GET " + LEGACY, "GET " + PROJECTS, "PUT " + LEGACY],
        )

    def test_not_remembered_when_both_404(self):
        server = FakeSentry(no_route(), not_found(), updated())  # the issue is not there: nothing is remembered
        connection = connect(connection_params(organization_slug="example-org"), server)
        with self.assertRaises(PluginException):
            run_action(UpdateIssue, connection, {"issue_id": "4506790000", "status": "resolved"})
        run_action(UpdateIssue, connection, {"issue_id": "4506790000", "status": "resolved"})
        self.assertEqual(server.paths, ["PUT " + SCOPED, "GET " + LEGACY, "PUT " + SCOPED])

    def test_legacy_without_organization_404(self):
        error = self.refused({"issue_id": "4506790000", "status": "resolved"}, not_found())
        self.assertEqual(error.preset, PluginException.Preset.NOT_FOUND)
        self.assertEqual(len(self.server.requests), 1)


class TestAnswers(UpdateTest):
    def test_full_answer(self):
        output, server = self.update({"issue_id": "4506790000", "status": "resolvedInNextRelease"})
        self.assertEqual(len(server.requests), 1)
        raw = load_json(UPDATED)
        expected = {key: value for key, value in raw.items() if key not in ("shareId", "logger")}
        self.assertEqual(output, {"issue": expected})

    def test_delta_answer_reads_the_issue_back(self):
        params = {"issue_id": "4506790000", "organization_slug": "example-org", "status": "ignored"}
        output, server = self.update(params, reply(200, file="issue_update_delta.json.resp"), updated())
        self.assertEqual(server.paths, ["PUT " + SCOPED, "GET " + SCOPED])
        self.assertEqual(server.requests[1].raw_body, b"")
        self.assertEqual(output["issue"]["id"], "4506790000")

    def test_delta_answer_on_legacy_routes_reads_the_issue_back(self):
        output, server = self.update(
            {"issue_id": "12", "status": "ignored"},
            reply(200, file="issue_update_delta.json.resp"),
            reply(200, file="issue_sentry9.json.resp"),
        )
        self.assertEqual(server.paths, ["PUT /api/0/issues/12/", "GET /api/0/issues/12/"])
        self.assertEqual(output["issue"]["id"], "12")
        self.assertEqual(output["issue"]["status"], "ignored")

    def test_sentry_9_answer(self):
        output, _ = self.update({"issue_id": "12", "status": "ignored"}, reply(200, file="issue_sentry9.json.resp"))
        self.assertEqual(output["issue"]["annotations"], [{"displayName": "SEC-10"}])
        self.assertNotIn("assignedTo", output["issue"])
        self.assertEqual(output["issue"]["statusDetails"]["ignoreCount"], 100)

    def test_permission_denied(self):
        error = self.refused(
            {"issue_id": "4506790000", "status": "resolved"}, reply(403, file="error_permission.json.resp")
        )
        self.assertEqual(error.preset, PluginException.Preset.UNAUTHORIZED)
        self.assertIn("event:write", error.assistance)
        self.assertIn("You do not have permission", error.data)
        self.assertEqual(len(self.server.requests), 1)

    def test_validation_error_detail(self):
        error = self.refused(
            {"issue_id": "4506790000", "status": "ignored", "statusDetails": {"ignoreCount": 1, "ignoreWindow": 60}},
            reply(400, file="error_validation.json.resp"),
        )
        self.assertEqual(error.preset, PluginException.Preset.BAD_REQUEST)
        self.assertIn("Ensure this value is less than or equal to 10080.", error.data)

    @parameterized.expand(
        [("list", reply(200, [])), ("html", reply(200, "<html></html>", {"Content-Type": "text/html"}))]
    )
    def test_unusable_answer(self, _name, answer):
        error = self.refused({"issue_id": "4506790000", "status": "resolved"}, answer)
        self.assertIn("cannot be used", error.cause)
