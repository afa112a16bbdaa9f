"""Sentry's Web API (/api/0/): each operation is a path, its parameters and one call (docs/design/api.md)."""

from typing import List, Optional

from insightconnect_plugin_runtime.exceptions import PluginException

from komand_sentry.util.errors import Preset, input_error
from komand_sentry.util.identifiers import check_cursor, check_event_id, check_issue_id, check_limit, check_slug
from komand_sentry.util.identifiers import check_text, is_short_id
from komand_sentry.util.listing import Page, page_size_for
from komand_sentry.util.routes import GIVE_ORGANIZATION, Client, Issue, NotInOrganization, bad_assignee, dig
from komand_sentry.util.routes import page_params
from komand_sentry.util.transport import one_step

CHUNK = 1000  # the most issues Sentry's bulk update changes in one request
MAX_QUERY_MATCHES = MAX_ISSUE_IDS = 10_000
ONE_PROJECT = "Give Project Slug, and update the issues of each project in a step of its own."
NARROW_THE_QUERY = "Narrow the query (for example with a project, a release or a level), or update in parts."
EVENT_OF_THIS_ISSUE = "Give an event ID of this issue, or latest, oldest or recommended."
EVENT_ON_LEGACY_ROUTES = "Ask for latest, oldest or an event ID, without an environment."


class SentryApi(Client):
    @one_step
    def check_token(self) -> dict:
        """GET /api/0/: 200 with `auth` when the token is accepted, 401 when it is not."""
        body = self.call("GET", f"{self.root}/api/0/")
        if not dig(body, "auth"):
            raise PluginException(preset=Preset.API_KEY, data="GET /api/0/ did not recognise the token")
        return body

    @one_step
    def list_project_issues(
        self, organization, project, query, stats_period, short_id_lookup, limit, cursor, sort=None
    ):
        organization, project = check_slug("organization_slug", organization), check_slug("project_slug", project)
        lookup = None if short_id_lookup is None else ("1" if short_id_lookup else "0")  # Sentry compares with "1"
        params = {"query": query, "statsPeriod": stats_period, "sort": sort, "shortIdLookup": lookup}  # query "": all
        url = self.url(organization, "projects", organization, project, "issues")
        return self.list_pages(url, params, check_limit("limit", limit), check_cursor("cursor", cursor))

    @one_step
    def list_issue_events(self, issue_id, organization, full, limit, cursor) -> Page:
        issue = self.target(issue_id, organization)  # then the limit and cursor, as before
        params, limit = {"full": "1" if full else None}, check_limit("limit", limit)
        return self._list_issue_pages(issue, "events/", params, limit, check_cursor("cursor", cursor))

    @one_step
    def get_issue(self, issue_id, organization) -> dict:
        return self.answer(self.send_issue("GET", self.target(issue_id, organization), ""), expect=dict)

    @one_step
    def update_issue(self, issue_id, organization, changes: dict) -> dict:
        issue = self.target(issue_id, organization)
        changes = self.with_team_assignee(changes, issue.organization)
        needs_scope = ("substatus", "it", "Leave substatus empty for this server.") if "substatus" in changes else None
        response = self.send_issue("PUT", issue, "", needs_scope, body=changes)
        updated = self.answer(response, changes.get("assignedTo"), dict)
        # an answer of the changed fields only is completed from the issue itself
        return updated if "id" in updated else self.answer(self.send_issue("GET", issue, ""), expect=dict)

    @one_step
    def get_issue_event(self, issue_id, event_id, organization, environment) -> dict:
        event_id = check_event_id("event_id", event_id)  # before a short ID is resolved: bad input sends nothing
        issue = self.target(issue_id, organization)
        by_id = None if event_id in ("latest", "oldest") else lambda issue: self._legacy_event_url(event_id, issue)
        params, scope = {"environment": environment}, _event_scope(event_id, environment)
        response = self.send_issue("GET", issue, f"events/{event_id}/", scope, by_id, params=params)
        event = self.answer(response, expect=dict)
        group = str(event.get("groupID", event.get("groupId", issue.id)))
        if group != issue.id:
            cause = f"The event {event_id} belongs to issue {group}, not to issue {issue.id}."
            raise PluginException(cause=cause, assistance=EVENT_OF_THIS_ISSUE)
        return event

    @one_step
    def add_issue_comment(self, issue_id, text, organization) -> dict:
        body = {"text": check_text("text", text)}  # before a short ID is resolved: bad input sends nothing
        response = self.send_issue("POST", self.target(issue_id, organization), "notes/", body=body)
        return self.answer(response, expect=dict)

    @one_step
    def list_issue_comments(self, issue_id, organization) -> List[dict]:
        return self._list_issue_pages(self.target(issue_id, organization), "notes/", {}).items

    @one_step
    def bulk_update_issues(self, organization, project, issue_ids, query, changes: dict) -> dict:
        """The issues a query matches, or the given IDs confirmed one by one, updated by ID in chunks."""
        organization = check_slug("organization_slug", organization)
        project = check_slug("project_slug", project) if project else None
        changes = self.with_team_assignee(changes, organization)
        scope = ("projects", organization, project) if project else ("organizations", organization)
        url = self.url(organization, *scope, "issues")
        targets, updated, applied = self._bulk_targets(url, organization, project, issue_ids, query), [], {}
        for start in range(0, len(targets), CHUNK):
            chunk = targets[start : start + CHUNK]
            try:
                answer = self.answer(self.send("PUT", url, {"id": chunk}, changes), changes.get("assignedTo"))
            except PluginException as error:
                if not project and "multi project" in str(error.data):  # Sentry 9, an organization of many projects
                    raise input_error("project_slug", "this Sentry updates issues one project at a time", ONE_PROJECT)
                if updated:
                    listed = ", ".join(updated[:50]) + (" ..." if len(updated) > 50 else "")
                    error.data = f"{error.data} (already updated before this failure: {len(updated)} issues: {listed})"
                raise
            if answer is not None:  # None: 204, nothing of this chunk matched
                updated.extend(chunk)
                applied = applied or answer
        return {"issue_ids": updated, "changes": applied}

    def with_team_assignee(self, changes: dict, organization: Optional[str]) -> dict:
        """`assignedTo: "#team-slug"` as Sentry's `team:<id>` (the organization's teams are read once)."""
        value = changes.get("assignedTo")
        if not (isinstance(value, str) and value.startswith("#")):
            return changes
        if not organization:
            raise bad_assignee(value, "a team given as #team-slug needs an organization")
        if organization not in self._teams:
            teams = self.list_pages(self.url(organization, "organizations", organization, "teams")).items
            self._teams[organization] = {str(team.get("slug")): str(team.get("id")) for team in teams}
        team_id = self._teams[organization].get(value[1:])
        if team_id is None:
            raise bad_assignee(value, f"the organization {organization!r} has no such team")
        return dict(changes, assignedTo=f"team:{team_id}")

    def _legacy_event_url(self, event_id: str, issue: Issue) -> str:
        """Sentry 9 serves an event by ID through the issue's project (the issue is confirmed in the organization)."""
        if not issue.organization:
            assistance = f"{GIVE_ORGANIZATION}, or ask for latest or oldest."
            raise input_error("event_id", "an event ID needs the organization on this server", assistance)
        project = str(issue.details["project"]["slug"])
        return self.url(issue.organization, "projects", issue.organization, project, "events", event_id)

    def _list_issue_pages(self, issue: Issue, suffix: str, params: dict, limit=None, cursor=None) -> Page:
        first = self.send_issue("GET", issue, suffix, params=page_params(params, page_size_for(limit), cursor))
        return self.list_pages(first.request.url.split("?", 1)[0], params, limit, cursor, first=first)

    def _bulk_targets(self, url: str, organization: str, project: Optional[str], issue_ids, query) -> List[str]:
        if issue_ids and query:
            raise input_error("query", "it cannot be combined with Issue IDs", "Give either Issue IDs or a Query.")
        if issue_ids:
            return self._given_targets(organization, project, issue_ids)
        if not (query or "").strip():
            problem = "neither Issue IDs nor a Query was given"
            raise input_error("issue_ids", problem, "Give the issues to update as IDs or as a Query.")
        matching = self.list_pages(url, {"query": query}, MAX_QUERY_MATCHES + 1).items
        if len(matching) > MAX_QUERY_MATCHES:
            cause = f"The query matches more than {MAX_QUERY_MATCHES:,} issues, more than one Bulk Update changes."
            raise PluginException(cause=cause, assistance=NARROW_THE_QUERY)
        return list(dict.fromkeys(str(issue.get("id")) for issue in matching))

    def _given_targets(self, organization: str, project: Optional[str], issue_ids: List[str]) -> List[str]:
        """The IDs checked, then short IDs resolved, once each, and those in the organization (and project) kept."""
        if len(issue_ids) > MAX_ISSUE_IDS:
            raise input_error("issue_ids", f"more than {MAX_ISSUE_IDS:,} IDs", "Update the rest in another step.")
        checked = [check_issue_id("issue_ids", value) for value in issue_ids]
        numeric = [self.target(value, organization).id if is_short_id(value) else value for value in checked]
        return [issue_id for issue_id in dict.fromkeys(numeric) if self._in_scope(organization, project, issue_id)]

    def _in_scope(self, organization: str, project: Optional[str], issue_id: str) -> bool:
        try:
            details = self.answer(self.send_issue("GET", self.target(issue_id, organization), ""))
        except PluginException as error:
            if isinstance(error, NotInOrganization) or error.preset == Preset.NOT_FOUND:
                return False
            raise
        return not project or dig(details, "project", "slug") == project


def _event_scope(event_id: str, environment: Optional[str]):
    """What only the scoped routes serve: Sentry 9 has no recommended event, and picks any environment's event."""
    scope = ("event_id", "the recommended event") if event_id == "recommended" else ("environment", "an environment")
    return scope + (EVENT_ON_LEGACY_ROUTES,) if event_id == "recommended" or environment else None
