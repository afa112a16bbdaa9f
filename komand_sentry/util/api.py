"""Sentry's Web API (/api/0/): one client whose operations are each a path, its parameters and one call
(docs/design/api.md)."""

import json
from functools import partial
from typing import Dict, List, Optional
from urllib.parse import urlsplit

import requests
import urllib3
from insightconnect_plugin_runtime.exceptions import PluginException

from komand_sentry.util import bulk
from komand_sentry.util.answers import decode_answer, unusable_answer
from komand_sentry.util.errors import Preset, http_error, input_error, remember_secret, sentry_detail
from komand_sentry.util.identifiers import check_cursor, check_event_id, check_limit, check_slug, check_text
from komand_sentry.util.listing import Page, collect, page_size_for
from komand_sentry.util.routes import GIVE_ORGANIZATION, Issue, Routes, api_root, dig  # noqa: F401 - api_root
from komand_sentry.util.transport import Transport, one_step
from komand_sentry.util.version import CLIENT_NAME

EVENT_ON_LEGACY_ROUTES = "Ask for latest, oldest or an event ID, without an environment."
ASSIGNEES = "Give user:<id>, team:<id>, a user's ID, username or email, or #<team-slug>; an empty value unassigns."


class SentryApi:
    def __init__(self, root: str, token: str, transport: Transport, default_organization: Optional[str], logger):
        self.root, self.transport, self.logger = root, transport, logger
        self.default_organization = default_organization or None
        remember_secret(token)
        self._token, self.allowed_hosts = token, {urllib3.util.parse_url(root).host}  # and the organizations' regions
        transport.session.auth = self._authorize
        transport.session.headers["User-Agent"] = CLIENT_NAME
        self.routes = Routes(self)
        self._teams: Dict[str, Dict[str, str]] = {}

    @property
    def legacy_routes_only(self) -> bool:
        return self.routes.legacy_only

    def _authorize(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        """The token, on requests to the allowed hosts only (a host is judged as urllib3, which connects, reads it)."""
        host = urllib3.util.parse_url(request.url).host
        if host not in self.allowed_hosts:
            raise PluginException(
                cause=f"The plugin refused to send the auth token to {host!r}, which is not the connection's host.",
                assistance="Verify the connection URL; the token is sent to that host and its Sentry regions only.",
            )
        request.headers["Authorization"] = f"Bearer {self._token}"
        return request

    # Operations ---------------------------------------------------------------------------------------------------

    @one_step
    def check_token(self) -> dict:
        """GET /api/0/: 200 with `auth` when the token is accepted, 401 when it is not."""
        body = self.call("GET", f"{self.root}/api/0/")
        if not dig(body, "auth"):
            raise PluginException(
                preset=Preset.API_KEY, data="Sentry answered GET /api/0/ without recognising the token"
            )
        return body

    @one_step
    def list_project_issues(
        self, organization, project, query, stats_period, short_id_lookup, limit, cursor, sort=None
    ):
        organization, project = check_slug("organization_slug", organization), check_slug("project_slug", project)
        params = {"query": query, "statsPeriod": stats_period, "sort": sort}  # query "" lists every issue
        if short_id_lookup is not None:
            params["shortIdLookup"] = "1" if short_id_lookup else "0"  # Sentry compares with "1"
        url = self.routes.url(organization, "projects", organization, project, "issues")
        return self.list_pages(url, params, check_limit("limit", limit), check_cursor("cursor", cursor))

    @one_step
    def list_issue_events(self, issue_id, organization, full, limit, cursor) -> Page:
        issue = self.routes.target(issue_id, organization)
        limit, cursor = check_limit("limit", limit), check_cursor("cursor", cursor)
        return self._list_issue_pages(issue, "events/", {"full": "1" if full else None}, limit, cursor)

    @one_step
    def get_issue(self, issue_id, organization) -> dict:
        return self.read_object(self.routes.send("GET", self.routes.target(issue_id, organization), ""))

    @one_step
    def update_issue(self, issue_id, organization, changes: dict) -> dict:
        issue = self.routes.target(issue_id, organization)
        changes = self.with_team_assignee(changes, issue.organization)
        needs_scope = ("substatus", "it", "Leave substatus empty for this server.") if "substatus" in changes else None
        response = self.routes.send("PUT", issue, "", needs_scope, body=changes)
        updated = self.read_object(response, assignee=changes.get("assignedTo"))
        # an answer of the changed fields only is completed from the issue itself
        return updated if "id" in updated else self.read_object(self.routes.send("GET", issue, ""))

    @one_step
    def get_issue_event(self, issue_id, event_id, organization, environment) -> dict:
        event_id = check_event_id("event_id", event_id)  # before a short ID is resolved: bad input sends nothing
        issue = self.routes.target(issue_id, organization)
        by_id = None if event_id in ("latest", "oldest") else partial(self._legacy_event_url, event_id)
        scope = _event_scope(event_id, environment)
        response = self.routes.send(
            "GET", issue, f"events/{event_id}/", scope, by_id, params={"environment": environment}
        )
        event = self.read_object(response)
        group = str(event.get("groupID", event.get("groupId", issue.id)))
        if group != issue.id:
            raise PluginException(
                cause=f"The event {event_id} belongs to issue {group}, not to issue {issue.id}.",
                assistance="Give an event ID of this issue, or latest, oldest or recommended.",
            )
        return event

    @one_step
    def add_issue_comment(self, issue_id, text, organization) -> dict:
        body = {"text": check_text("text", text)}  # before a short ID is resolved: bad input sends nothing
        issue = self.routes.target(issue_id, organization)
        return self.read_object(self.routes.send("POST", issue, "notes/", body=body))

    @one_step
    def list_issue_comments(self, issue_id, organization) -> List[dict]:
        issue = self.routes.target(issue_id, organization)
        return self._list_issue_pages(issue, "notes/", {}, None, None).items

    @one_step
    def bulk_update_issues(self, organization, project, issue_ids, query, changes: dict) -> dict:
        organization = check_slug("organization_slug", organization)
        project = check_slug("project_slug", project) if project else None
        changes = self.with_team_assignee(changes, organization)
        return bulk.BulkUpdate(self, organization, project).run(issue_ids, query, changes)

    def with_team_assignee(self, changes: dict, organization: Optional[str]) -> dict:
        """`assignedTo: "#team-slug"` as Sentry's `team:<id>` (the organization's teams are read once)."""
        value = changes.get("assignedTo")
        if not (isinstance(value, str) and value.startswith("#")):
            return changes
        if not organization:
            raise _bad_assignee(value, "a team given as #team-slug needs an organization")
        if organization not in self._teams:
            teams = self.list_all(self.routes.url(organization, "organizations", organization, "teams"))
            self._teams[organization] = {str(team.get("slug")): str(team.get("id")) for team in teams}
        team_id = self._teams[organization].get(value[1:])
        if team_id is None:
            raise _bad_assignee(value, f"the organization {organization!r} has no such team")
        return dict(changes, assignedTo=f"team:{team_id}")

    def _legacy_event_url(self, event_id: str, issue: Issue) -> str:
        """Sentry 9 serves an event by ID through the issue's project (once the issue is confirmed in the organization)."""
        if not issue.organization:
            assistance = f"{GIVE_ORGANIZATION}, or ask for latest or oldest."
            raise input_error("event_id", "an event ID needs the organization on this server", assistance)
        project = str(issue.details["project"]["slug"])
        return self.routes.url(issue.organization, "projects", issue.organization, project, "events", event_id)

    # Requests, answers and listings ---------------------------------------------------------------------------

    def send(self, method: str, url: str, params: Optional[dict] = None, body=None) -> requests.Response:
        request = {"params": {key: value for key, value in (params or {}).items() if value is not None}}
        if body is not None:
            request.update(data=json.dumps(body).encode("utf-8"), headers={"Content-Type": "application/json"})
        return self.transport.request(method, url, **request)

    def call(self, method: str, url: str, params: Optional[dict] = None, body=None):
        return self.answer(self.send(method, url, params, body))

    def answer(self, response: requests.Response, assignee: Optional[str] = None):
        """The decoded answer of a request that must succeed (None for 204 No Content)."""
        if not 200 <= response.status_code < 300:
            if assignee is not None and response.status_code == 400 and "assignedTo" in response.text[:10000]:
                raise _bad_assignee(assignee, f"Sentry cannot resolve it ({sentry_detail(response)})")
            raise http_error(response.status_code, describe(response), sentry_detail(response))
        return None if response.status_code == 204 else decode_answer(response.content, describe(response))

    def read_object(self, response: requests.Response, assignee: Optional[str] = None) -> dict:
        answer = self.answer(response, assignee)
        if not isinstance(answer, dict):
            raise unusable_answer(describe(response), "it is not a JSON object")
        return answer

    def list_pages(self, url: str, params: dict, limit: Optional[int], cursor: Optional[str], first=None) -> Page:
        def fetch(page_cursor, page_size):
            return self.send("GET", url, _page_params(params, page_size, page_cursor))

        return collect(fetch, self.answer, f"GET {urlsplit(url).path}", limit, cursor, first)

    def list_all(self, url: str) -> List[dict]:
        return self.list_pages(url, {}, None, None).items

    def _list_issue_pages(self, issue: Issue, suffix: str, params: dict, limit, cursor) -> Page:
        first = self.routes.send("GET", issue, suffix, params=_page_params(params, page_size_for(limit), cursor))
        return self.list_pages(first.request.url.split("?", 1)[0], params, limit, cursor, first=first)


def describe(response: requests.Response) -> str:
    return f"{response.request.method} {urlsplit(response.request.url).path}"


def _page_params(params: dict, size: int, cursor: Optional[str]) -> dict:
    """Both page-size names Sentry's endpoints read (`limit` on issues, `per_page` elsewhere), and the cursor."""
    return dict(params, limit=str(size), per_page=str(size), cursor=cursor or None)


def _event_scope(event_id: str, environment: Optional[str]):
    """What only the scoped routes serve: Sentry 9 has no recommended event, and picks the latest or oldest event of
    any environment."""
    if event_id == "recommended":
        return "event_id", "the recommended event", EVENT_ON_LEGACY_ROUTES
    return ("environment", "an environment", EVENT_ON_LEGACY_ROUTES) if environment else None


def _bad_assignee(value: str, problem: str) -> PluginException:
    return input_error("assignedTo", f"{value!r} cannot be assigned: {problem}", ASSIGNEES)
