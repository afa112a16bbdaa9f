"""Where requests go: the connection's host, each organization's sentry.io region, and an issue's organization-scoped
or legacy routes, with proof that the issue is the one the workflow names (docs/design/api.md)."""

from dataclasses import dataclass
from typing import Dict, Optional, Set
from urllib.parse import quote, urlsplit

import urllib3
from insightconnect_plugin_runtime.exceptions import PluginException

from komand_sentry.util.answers import parse_json
from komand_sentry.util.errors import input_error
from komand_sentry.util.hosts import HostError, check_url
from komand_sentry.util.identifiers import check_issue_id, check_slug, is_short_id

SAAS_HOST = "sentry.io"
DEFAULT_URL = "https://sentry.io"
GIVE_ORGANIZATION = "Give Organization Slug (in the action or the connection)"


def api_root(url: Optional[str]) -> str:
    """'https://sentry.example.com' from the root form or the API form ('.../api/0/'); refuses anything else."""
    url = (url or DEFAULT_URL).strip()
    problem = host_problem(url)
    if problem is None and (urlsplit(url).query or urlsplit(url).fragment):
        problem = "it has a query or fragment"
    if problem:
        raise PluginException(
            cause=f"Invalid connection setting 'url': {problem}.",
            assistance="Give the root URL of the Sentry host, such as https://sentry.io, https://de.sentry.io or "
            "https://sentry.example.com (the form ending in /api/0/ is accepted too).",
        )
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/').removesuffix('/api/0')}"


def trusted_region(region_url) -> Optional[str]:
    """A region URL from Sentry, accepted only on https under sentry.io, so that the token goes nowhere else."""
    if not isinstance(region_url, str) or host_problem(region_url) is not None:
        return None
    parts = urlsplit(region_url)
    trusted = parts.scheme == "https" and f".{parts.hostname}".endswith(f".{SAAS_HOST}")
    return f"https://{parts.netloc}" if trusted else None


def host_problem(url: str) -> Optional[str]:
    """What is wrong with the URL's scheme, host or port, or None."""
    try:
        check_url(url)
    except HostError as error:
        return str(error)
    return None


def dig(value, *keys):
    """value[key][key]..., or None where a level is not a JSON object."""
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def is_missing_route(response) -> bool:
    """Whether the answer says the server has no such route (an empty or HTML 404, a 2xx that is not JSON), rather
    than no such issue (Sentry's JSON error)."""
    if response.status_code != 404 and not (200 <= response.status_code < 300 and response.content):
        return False
    try:
        body = parse_json(response.content)
    except ValueError:
        return True
    return response.status_code == 404 and not (isinstance(body, dict) and "detail" in body)


@dataclass
class Issue:
    """A checked issue reference: its numeric ID, the organization named (if any), and the issue itself once read."""

    id: str
    organization: Optional[str]
    details: Optional[dict] = None
    confirmed: bool = False  # known to be in the organization (resolved through it)


class NotInOrganization(PluginException):
    """The issue exists, but not in the organization the workflow names."""


class Routes:
    def __init__(self, api):
        self.api = api
        self.legacy_only = False  # learnt from a server without organization-scoped routes (Sentry 9)
        self._project_ids: Dict[str, Set[str]] = {}
        self._region_roots: Dict[str, str] = {}

    def root_for(self, organization: Optional[str]) -> str:
        """The organization's region host on sentry.io (looked up once); the configured host elsewhere."""
        root = self.api.root
        if not organization or urlsplit(root).hostname != SAAS_HOST:
            return root
        if organization not in self._region_roots:
            details = self.api.call("GET", f"{root}/api/0/organizations/{quote(organization, safe='')}/")
            region = trusted_region(dig(details, "links", "regionUrl"))
            if region:
                self.api.allowed_hosts.add(urllib3.util.parse_url(region).host)
            self._region_roots[organization] = region or root
        return self._region_roots[organization]

    def url(self, organization: Optional[str], *segments: str) -> str:
        """/api/0/{segments}/ on the organization's host, each segment percent-encoded whole (for server-made ones:
        the checks of inputs already exclude '/', '.', '%' and the like)."""
        return f"{self.root_for(organization)}/api/0/" + "".join(f"{quote(part, safe='')}/" for part in segments)

    def target(self, issue_id: str, organization: Optional[str]) -> Issue:
        """The issue's numeric ID: a short ID is resolved within the organization (which proves it belongs there)."""
        issue_id = check_issue_id("issue_id", issue_id)
        organization = organization or self.api.default_organization
        if organization:
            check_slug("organization_slug", organization)
        if not is_short_id(issue_id):
            return Issue(issue_id, organization)
        if not organization:
            problem = f"the short ID {issue_id!r} needs an organization"
            raise input_error("issue_id", problem, f"{GIVE_ORGANIZATION}, or the issue's numeric ID.")
        found = self.api.call("GET", self.url(organization, "organizations", organization, "shortids", issue_id))
        group = dig(found, "group")
        if is_short_id(str(dig(group, "id"))):
            raise PluginException(
                cause=f"Sentry did not resolve the short ID {issue_id!r} to an issue of {organization!r}.",
                assistance="Verify the short ID and the organization, or give the issue's numeric ID.",
            )
        return Issue(str(group["id"]), organization, details=group, confirmed=True)

    def send(self, method: str, issue: Issue, suffix: str, needs_scope=None, legacy_url=None, **request):
        """The answer of the issue's endpoint `suffix` ('' for the issue itself, 'events', ...) on the route the server
        has. `needs_scope` (input, what, assistance): what only the scoped routes serve; `legacy_url(issue)`: the
        legacy route where it is not /issues/{id}/{suffix}."""
        if issue.organization and not self.legacy_only:
            response = self.api.send(method, self._issue_url(issue, True, suffix), **request)
            if not is_missing_route(response):
                return response
            self.api.logger.info("The organization-scoped issue route is missing here; trying the legacy route.")
        _refuse_unscoped(needs_scope, issue.organization)
        if issue.organization:
            self.confirm_in_organization(issue)
            if not self.legacy_only:
                self.api.logger.info("Sentry has no organization-scoped issue routes (an older server).")
            self.legacy_only = True
        url = legacy_url(issue) if legacy_url else self._issue_url(issue, False, suffix)
        return self.api.send(method, url, **request)

    def _issue_url(self, issue: Issue, scoped: bool, suffix: str) -> str:
        """/organizations/{org}/issues/{id}/{suffix} (scoped) or /issues/{id}/{suffix}; `suffix` is made of checked
        values ('', 'events/', 'events/latest/', 'notes/')."""
        scope = ("organizations", issue.organization) if scoped else ()
        return self.url(issue.organization, *scope, "issues", issue.id) + suffix

    def confirm_in_organization(self, issue: Issue) -> None:
        """On a legacy route, read the issue and check that its project is one of the organization's."""
        if issue.confirmed:
            return
        if "project" not in (issue.details or {}):
            issue.details = self.api.call("GET", self._issue_url(issue, False, ""))
        project_id = dig(issue.details, "project", "id")
        project_id = "" if project_id is None else str(project_id)
        if project_id not in self._project_ids.get(issue.organization, ()):  # listed again once if it is older
            projects = self.api.list_all(self.url(issue.organization, "organizations", issue.organization, "projects"))
            self._project_ids[issue.organization] = {str(project.get("id")) for project in projects}
        if not project_id or project_id not in self._project_ids[issue.organization]:
            raise NotInOrganization(
                cause=f"Issue {issue.id} does not belong to the organization {issue.organization!r}, so the plugin "
                "did not act on it.",
                assistance="Verify the issue ID and the organization slug (in the action or the connection).",
            )
        issue.confirmed = True


def _refuse_unscoped(needs_scope, organization: Optional[str]) -> None:
    if needs_scope:
        name, what, assistance = needs_scope
        where = (
            "which this server does not have (an older Sentry)"
            if organization
            else "which are used only with an organization"
        )
        problem = f"{what} needs Sentry's organization-scoped issue endpoints, {where}"
        raise input_error(name, problem, assistance if organization else f"{GIVE_ORGANIZATION}.")
