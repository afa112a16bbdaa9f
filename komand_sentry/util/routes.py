"""The client's requests and answers: hosts, regions, issue routes (scoped or legacy) (docs/design/api.md)."""

from typing import Optional
from urllib.parse import quote, urlsplit

import requests
import urllib3
from insightconnect_plugin_runtime.exceptions import PluginException

from komand_sentry.util.answers import NOT_JSON, json_or, unusable_answer
from komand_sentry.util.errors import http_error, input_error, sentry_detail
from komand_sentry.util.hosts import HostError, check_url
from komand_sentry.util.identifiers import check_issue_id, check_slug, is_short_id
from komand_sentry.util.listing import Page, collect
from komand_sentry.util.version import CLIENT_NAME

SAAS_HOST = "sentry.io"
GIVE_ORGANIZATION = "Give Organization Slug (in the action or the connection)"
ASSIGNEES = "Give user:<id>, team:<id>, a user's ID, username or email, or #<team-slug>; an empty value unassigns."
TOKEN_HOSTS = "Verify the connection URL; the token is sent to that host and its Sentry regions only."
CHECK_SHORT_ID = "Verify the short ID and the organization, or give the issue's numeric ID."
CHECK_ISSUE_ORGANIZATION = "Verify the issue ID and the organization slug (in the action or the connection)."
URL_FORMS = "Give Sentry's root URL, such as https://sentry.io or https://sentry.example.com/api/0/."


def api_root(url: Optional[str]) -> str:
    """'https://sentry.example.com' from the root form or the API form ('.../api/0/'); refuses anything else."""
    url = (url or "https://sentry.io").strip()
    try:
        check_url(url)
        parts = urlsplit(url)
        if parts.query or parts.fragment:
            raise HostError("it has a query or fragment")
    except HostError as error:
        raise PluginException(cause=f"Invalid connection setting 'url': {error}.", assistance=URL_FORMS)
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/').removesuffix('/api/0')}"


def trusted_region(region_url) -> Optional[str]:
    """A region URL from Sentry, accepted only on https under sentry.io, so that the token goes nowhere else."""
    try:
        origin = check_url(region_url)
    except HostError:
        return None
    trusted = origin.scheme == "https" and f".{origin.host}".endswith(f".{SAAS_HOST}")
    return f"https://{urlsplit(region_url).netloc}" if trusted else None


def dig(value, *keys):
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def is_missing_route(response) -> bool:
    """An empty or HTML 404, or a 2xx that is not JSON: no such route (Sentry's JSON 404 means no such issue)."""
    body = json_or(response.content, NOT_JSON)
    if response.status_code == 404:
        return not (isinstance(body, dict) and "detail" in body)
    return 200 <= response.status_code < 300 and bool(response.content) and body is NOT_JSON


class Issue:  # id: numeric; organization: the one named, if any; details: once read; confirmed: in the organization
    def __init__(self, id: str, organization: Optional[str], details: Optional[dict] = None, confirmed=False):
        self.id, self.organization, self.details, self.confirmed = id, organization, details, confirmed


class NotInOrganization(PluginException):
    """The issue exists, but not in the organization the workflow names."""


class Client:
    def __init__(self, root: str, token: str, transport, default_organization: Optional[str], logger):
        self.root, self.transport, self.logger = root, transport, logger
        self.default_organization = default_organization or None
        self.legacy_routes_only = False  # learnt from a server without organization-scoped routes (Sentry 9)
        self._token, self.allowed_hosts = token, {urllib3.util.parse_url(root).host}  # and the organizations' regions
        transport.session.auth = self._authorize
        transport.session.headers["User-Agent"] = CLIENT_NAME
        self._project_ids, self._region_roots, self._teams = {}, {}, {}  # each by organization

    def _authorize(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        """The token, on requests to the allowed hosts only (a host is judged as urllib3, which connects, reads it)."""
        host = urllib3.util.parse_url(request.url).host
        if host not in self.allowed_hosts:
            cause = f"The plugin refused to send the auth token to {host!r}, which is not the connection's host."
            raise PluginException(cause=cause, assistance=TOKEN_HOSTS)
        request.headers["Authorization"] = f"Bearer {self._token}"
        return request

    def send(self, method: str, url: str, params: Optional[dict] = None, body=None) -> requests.Response:
        """requests leaves out the parameters that are None, and sends a body as JSON."""
        return self.transport.request(method, url, params=params, json=body)

    def call(self, method: str, url: str, params: Optional[dict] = None, body=None):
        return self.answer(self.send(method, url, params, body))

    def answer(self, response: requests.Response, assignee: Optional[str] = None, expect=object):
        """The decoded answer of a request that must succeed (None for 204 No Content); `expect`: dict for an object."""
        what = f"{response.request.method} {urlsplit(response.request.url).path}"
        if not 200 <= response.status_code < 300:
            if assignee is not None and response.status_code == 400 and "assignedTo" in response.text[:10000]:
                raise bad_assignee(assignee, f"Sentry cannot resolve it ({sentry_detail(response)})")
            raise http_error(response.status_code, what, sentry_detail(response))
        answer = None if response.status_code == 204 else json_or(response.content, NOT_JSON)
        if answer is NOT_JSON or not isinstance(answer, expect):
            raise unusable_answer(what, "it is not JSON" if answer is NOT_JSON else "it is not a JSON object")
        return answer

    def list_pages(self, url: str, params: Optional[dict] = None, limit=None, cursor=None, first=None) -> Page:
        def fetch(page_cursor, page_size):
            return self.send("GET", url, page_params(params, page_size, page_cursor))

        return collect(fetch, self.answer, f"GET {urlsplit(url).path}", limit, cursor, first)

    def url(self, organization: Optional[str], *segments: str) -> str:
        """On the organization's region host on sentry.io (looked up once), else on the configured host."""
        if organization and urlsplit(self.root).hostname == SAAS_HOST and organization not in self._region_roots:
            details = self.call("GET", f"{self.root}/api/0/organizations/{quote(organization, safe='')}/")
            region = trusted_region(dig(details, "links", "regionUrl"))
            if region:
                self.allowed_hosts.add(urllib3.util.parse_url(region).host)
            self._region_roots[organization] = region or self.root
        root = self._region_roots.get(organization, self.root)
        return f"{root}/api/0/" + "".join(f"{quote(part, safe='')}/" for part in segments)

    def target(self, issue_id: str, organization: Optional[str]) -> Issue:
        """The issue's numeric ID: a short ID is resolved within the organization (which proves it belongs there)."""
        issue_id = check_issue_id("issue_id", issue_id)
        organization = organization or self.default_organization
        organization = check_slug("organization_slug", organization) if organization else None
        if not is_short_id(issue_id):
            return Issue(issue_id, organization)
        if not organization:
            problem = f"the short ID {issue_id!r} needs an organization"
            raise input_error("issue_id", problem, f"{GIVE_ORGANIZATION}, or the issue's numeric ID.")
        found = self.call("GET", self.url(organization, "organizations", organization, "shortids", issue_id))
        group = dig(found, "group")
        if is_short_id(str(dig(group, "id"))):
            cause = f"Sentry did not resolve the short ID {issue_id!r} to an issue of {organization!r}."
            raise PluginException(cause=cause, assistance=CHECK_SHORT_ID)
        return Issue(str(group["id"]), organization, details=group, confirmed=True)

    def send_issue(self, method: str, issue: Issue, suffix: str, needs_scope=None, legacy_url=None, **request):
        """The issue's endpoint `suffix` ('', 'events/', ...) on the route the server has (docs/design/api.md)."""
        if issue.organization and not self.legacy_routes_only:
            scoped = self.url(issue.organization, "organizations", issue.organization, "issues", issue.id) + suffix
            response = self.send(method, scoped, **request)
            if not is_missing_route(response):
                return response
            self.logger.info("The organization-scoped issue route is missing here; trying the legacy route.")
        if needs_scope:
            raise unscoped_error(issue.organization, *needs_scope)
        if issue.organization:
            self.confirm_in_organization(issue)
            if not self.legacy_routes_only:
                self.logger.info("Sentry has no organization-scoped issue routes (an older server).")
            self.legacy_routes_only = True
        url = legacy_url(issue) if legacy_url else self.url(issue.organization, "issues", issue.id) + suffix
        return self.send(method, url, **request)

    def confirm_in_organization(self, issue: Issue) -> None:
        """On a legacy route: the issue's project must be one of the organization's (listed again once if older)."""
        if issue.confirmed:
            return
        issue.details = self.call("GET", self.url(issue.organization, "issues", issue.id))
        project_id, organization = str(dig(issue.details, "project", "id") or ""), issue.organization
        if project_id not in self._project_ids.get(organization, ()):
            projects = self.list_pages(self.url(organization, "organizations", organization, "projects")).items
            self._project_ids[organization] = {str(project.get("id")) for project in projects}
        if not project_id or project_id not in self._project_ids[organization]:
            cause = f"Issue {issue.id} does not belong to the organization {organization!r}, so it was not touched."
            raise NotInOrganization(cause=cause, assistance=CHECK_ISSUE_ORGANIZATION)
        issue.confirmed = True


def page_params(params: Optional[dict], size: int, cursor: Optional[str]) -> dict:
    """Both page-size names Sentry's endpoints read (`limit` on issues, `per_page` elsewhere), and the cursor."""
    return dict(params or {}, limit=str(size), per_page=str(size), cursor=cursor or None)


def bad_assignee(value: str, problem: str) -> PluginException:
    return input_error("assignedTo", f"{value!r} cannot be assigned: {problem}", ASSIGNEES)


def unscoped_error(organization: Optional[str], name: str, what: str, assistance: str) -> PluginException:
    where = "which this server does not have (an older Sentry)" if organization else "used only with an organization"
    problem = f"{what} needs Sentry's organization-scoped issue endpoints, {where}"
    return input_error(name, problem, assistance if organization else f"{GIVE_ORGANIZATION}.")
