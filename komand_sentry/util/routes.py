"""Where an issue's endpoints are, and proof that the issue is the one the workflow names.

Today's Sentry serves an issue under its organization (`/api/0/organizations/{org}/issues/{id}/...`, on the
organization's region host on sentry.io). Older servers (Sentry 9) serve only the unscoped legacy routes
(`/api/0/issues/{id}/...`), where an issue ID is global. The scoped route is tried first; an answer that says
"no such route" (an empty or HTML 404, or a 2xx that is not JSON, as a single-page app's catch-all sends) sends the
request to the legacy route, and a success there is remembered for the connection. A JSON error from the scoped
route is final: the route exists and the issue is not in that organization.

On a legacy route the organization named by the workflow is checked before anything is sent: the issue's project
must be one of the organization's projects, so that no fallback ever acts on another organization's issue.
"""

from dataclasses import dataclass, field
from typing import Dict, Optional, Set
from urllib.parse import quote

import requests
from insightconnect_plugin_runtime.exceptions import PluginException

from komand_sentry.util.answers import parse_json
from komand_sentry.util.identifiers import check_issue_id, check_slug, is_short_id


@dataclass
class Issue:
    """A checked issue reference: its numeric ID, the organization named (if any), and the issue itself once read."""

    id: str
    organization: Optional[str]
    details: Optional[dict] = field(default=None, repr=False)
    confirmed: bool = False  # known to be in the organization (resolved through it)


def segment(value: str) -> str:
    """A checked identifier as one path segment (the checks already exclude '/', '.', '%' and the like)."""
    return quote(value, safe="")


def is_missing_route(response: requests.Response) -> bool:
    """Whether the answer says the server has no such route, rather than no such issue."""
    if response.status_code == 404:
        return not _is_sentry_error(response)
    if 200 <= response.status_code < 300 and response.content:
        try:
            parse_json(response.content)
        except ValueError:
            return True
    return False


def _is_sentry_error(response: requests.Response) -> bool:
    try:
        body = parse_json(response.content)
    except ValueError:
        return False
    return isinstance(body, dict) and "detail" in body


class NotInOrganization(PluginException):
    """The issue exists, but not in the organization the workflow names."""


class IssueRoutes:
    def __init__(self, api):
        self.api = api
        self.legacy_only = False  # learnt from a server without organization-scoped routes (Sentry 9)
        self._project_ids: Dict[str, Set[str]] = {}

    def target(self, issue_id: str, organization: Optional[str]) -> Issue:
        """The issue's numeric ID: a short ID is resolved within the organization (which proves it belongs there)."""
        issue_id = check_issue_id("issue_id", issue_id)
        organization = organization or self.api.default_organization
        if organization:
            check_slug("organization_slug", organization)
        if not is_short_id(issue_id):
            return Issue(issue_id, organization)
        if not organization:
            raise PluginException(
                cause=f"Invalid input 'issue_id': the short ID {issue_id!r} needs an organization.",
                assistance="Give Organization Slug (in the action or the connection), or the issue's numeric ID.",
            )
        url = f"{self.api.root_for(organization)}/api/0/organizations/{segment(organization)}/shortids/{segment(issue_id)}/"
        found = self.api.call("GET", url)
        group = found.get("group") if isinstance(found, dict) else None
        if not isinstance(group, dict) or not str(group.get("id", "")).isdigit():
            raise PluginException(
                cause=f"Sentry did not resolve the short ID {issue_id!r} to an issue of {organization!r}.",
                assistance="Verify the short ID and the organization, or give the issue's numeric ID.",
            )
        return Issue(str(group["id"]), organization, details=group, confirmed=True)

    def send(self, method: str, issue: Issue, suffix: str, needs_scope: Optional[str] = None, **request):
        """The answer of the issue's endpoint `suffix` ('' for the issue itself, 'events/', ...), on the route the
        server has. `needs_scope` names what only the organization-scoped routes serve (refused elsewhere)."""
        if issue.organization and not self.legacy_only:
            response = self.api.send(method, self.scoped_url(issue, suffix), **request)
            if not is_missing_route(response):
                return response
            self.api.logger.info("The organization-scoped issue route is missing here; trying /api/0/issues/.")
        _refuse_unscoped(needs_scope, issue.organization)
        return self.send_legacy(method, issue, suffix, **request)

    def send_legacy(self, method: str, issue: Issue, suffix: str, **request) -> requests.Response:
        """The legacy route, once the issue is known to be in the organization named (if one is)."""
        if issue.organization:
            self.confirm_in_organization(issue)
            self.learn_legacy()
        return self.api.send(method, self.legacy_url(issue, suffix), **request)

    def learn_legacy(self) -> None:
        """Remembered once a legacy route has answered for an organization's issue."""
        if not self.legacy_only:
            self.api.logger.info("Sentry has no organization-scoped issue routes (an older server).")
        self.legacy_only = True

    def legacy_url(self, issue: Issue, suffix: str) -> str:
        return f"{self.api.root_for(issue.organization)}/api/0/issues/{segment(issue.id)}/{suffix}"

    def scoped_url(self, issue: Issue, suffix: str) -> str:
        organization = segment(issue.organization)
        return f"{self.api.root_for(issue.organization)}/api/0/organizations/{organization}/issues/{segment(issue.id)}/{suffix}"

    def confirm_in_organization(self, issue: Issue) -> None:
        """On a legacy route, read the issue and check that its project is one of the organization's."""
        if issue.confirmed:
            return
        if issue.details is None or "project" not in issue.details:
            issue.details = self.api.call("GET", self.legacy_url(issue, ""))
        project = issue.details.get("project") if isinstance(issue.details, dict) else None
        project_id = str(project.get("id", "")) if isinstance(project, dict) else ""
        if not self._has_project(issue.organization, project_id):
            raise NotInOrganization(
                cause=f"Issue {issue.id} does not belong to the organization {issue.organization!r}, so the plugin "
                "did not act on it.",
                assistance="Verify the issue ID and the organization slug (in the action or the connection).",
            )
        issue.confirmed = True

    def _has_project(self, organization: str, project_id: str) -> bool:
        """Whether the organization has the project, asking Sentry again once if the list kept is older."""
        known = organization in self._project_ids
        if not known or (project_id not in self._project_ids[organization]):
            projects = self.api.list_all(f"/api/0/organizations/{segment(organization)}/projects/", organization)
            self._project_ids[organization] = {str(project.get("id")) for project in projects}
        return bool(project_id) and project_id in self._project_ids[organization]


def _refuse_unscoped(needs_scope: Optional[str], organization: Optional[str]) -> None:
    """`needs_scope` is an input that only the organization-scoped routes serve, such as substatus."""
    if not needs_scope:
        return
    if organization:
        raise PluginException(
            cause=f"Invalid input '{needs_scope}': it needs Sentry's organization-scoped issue endpoints, which this "
            "server does not have (an older Sentry).",
            assistance=f"Leave {needs_scope} empty for this server.",
        )
    raise PluginException(
        cause=f"Invalid input '{needs_scope}': it needs Sentry's organization-scoped issue endpoints, which are used "
        "only with an organization.",
        assistance="Give Organization Slug (in the action or the connection).",
    )
