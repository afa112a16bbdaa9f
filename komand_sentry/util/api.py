"""Sentry's Web API (/api/0/): bearer auth, organization-scoped paths with region hosts, the legacy unscoped
paths of older servers, and pagination that is complete or says where it stopped."""

import json
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple
from urllib.parse import quote, urlsplit

import requests
from insightconnect_plugin_runtime.exceptions import PluginException

from komand_sentry.util.errors import Preset, http_error, sentry_detail
from komand_sentry.util.identifiers import check_cursor, check_issue_id, check_limit, check_slug, is_short_id
from komand_sentry.util.pagination import next_cursor
from komand_sentry.util.transport import Transport
from komand_sentry.util.version import CLIENT_NAME

PAGE_SIZE = 100  # the most Sentry serves in one page
MAX_PAGES = 1000  # 100,000 items at full pages; a server whose cursors never end must not hold a step forever
SAAS_HOST = "sentry.io"


@dataclass
class Page:
    items: List[dict]
    has_more: bool
    next_cursor: Optional[str]


def api_root(url: Optional[str]) -> str:
    """'https://sentry.example.com' from the root form or the API form ('.../api/0/'); refuses anything else."""
    url = (url or "https://sentry.io").strip()
    try:
        parts = urlsplit(url)
    except ValueError:  # an unbalanced '[' or ']' around an IPv6 host
        parts = urlsplit("")
    problem = None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        problem = "it is not an http or https URL with a host"
    elif parts.username or parts.password:
        problem = "it holds credentials; give the token in the Auth Token field only"
    elif parts.query or parts.fragment:
        problem = "it has a query or fragment"
    elif any(ch.isspace() or ord(ch) < 32 for ch in url):
        problem = "it contains spaces or control characters"
    if problem is None:
        try:
            parts.port
        except ValueError:
            problem = "its port is not a number from 1 to 65535"
    if problem:
        raise PluginException(
            cause=f"Invalid connection setting 'url': {problem}.",
            assistance="Give the root URL of the Sentry host, such as https://sentry.io, https://de.sentry.io or "
            "https://sentry.example.com (the form ending in /api/0/ is accepted too).",
        )
    path = parts.path.rstrip("/")
    if path.endswith("/api/0"):
        path = path[: -len("/api/0")]
    return f"{parts.scheme}://{parts.netloc}{path}"


class SentryApi:
    def __init__(self, root: str, token: str, transport: Transport, default_organization: Optional[str], logger):
        self.root = root
        self.token = token
        self.transport = transport
        self.default_organization = default_organization or None
        self.logger = logger
        self.legacy_routes_only = False  # learnt from a server without organization-scoped routes (Sentry 9)
        self._region_roots: Dict[str, str] = {}
        transport.session.headers["Authorization"] = f"Bearer {token}"
        transport.session.headers["User-Agent"] = CLIENT_NAME

    # The four operations --------------------------------------------------------------------------------------

    def check_token(self) -> dict:
        """GET /api/0/: 200 with `auth` when the token is accepted, 401 when it is not."""
        response = self._request("GET", f"{self.root}/api/0/")
        self._raise_for_status(response)  # a 404 says the URL is wrong, a 401 that the token is
        body = self._json(response, "GET /api/0/")
        if not isinstance(body, dict) or not body.get("auth"):
            raise PluginException(
                preset=Preset.API_KEY, data="Sentry answered GET /api/0/ without recognising the token"
            )
        return body

    def list_project_issues(
        self,
        organization: str,
        project: str,
        query: Optional[str],
        stats_period: Optional[str],
        short_id_lookup: Optional[bool],
        limit: Optional[int],
        cursor: Optional[str],
        sort: Optional[str] = None,
    ) -> Page:
        organization = check_slug("organization_slug", organization)
        project = check_slug("project_slug", project)
        params = {"sort": sort} if sort else {}
        if query is not None:
            params["query"] = query  # "" lists every issue; absent means Sentry's default, is:unresolved
        if stats_period is not None:
            params["statsPeriod"] = stats_period
        if short_id_lookup is not None:
            params["shortIdLookup"] = "1" if short_id_lookup else "0"  # Sentry compares with "1"
        root = self._root_for(organization)
        url = f"{root}/api/0/projects/{_segment(organization)}/{_segment(project)}/issues/"
        return self._collect(url, params, "limit", check_limit("limit", limit), check_cursor("cursor", cursor))

    def list_issue_events(
        self,
        issue_id: str,
        organization: Optional[str],
        full: Optional[bool],
        limit: Optional[int],
        cursor: Optional[str],
    ) -> Page:
        issue_id, organization = self._issue_target(issue_id, organization)
        params = {"full": "1"} if full else {}
        limit, cursor = check_limit("limit", limit), check_cursor("cursor", cursor)
        first = self._first_page_size(limit)
        response, url = self._issue_request(
            "GET", issue_id, organization, "events/", params=_with_page(params, "per_page", first, cursor)
        )
        return self._collect(url, params, "per_page", limit, cursor, first_response=response)

    def update_issue(self, issue_id: str, organization: Optional[str], changes: dict) -> dict:
        issue_id, organization = self._issue_target(issue_id, organization)
        response, url = self._issue_request("PUT", issue_id, organization, "", json=changes)
        self._raise_for_status(response)
        updated = self._json(response, "PUT issue")
        if not isinstance(updated, dict):
            raise _unexpected("PUT issue", "it is not a JSON object")
        if "id" not in updated and _is_scoped(url):
            # Sentry answers an update with the whole issue; an answer of the changed fields only is completed
            # from the same organization-scoped issue (the legacy routes have no documented read of an issue)
            response = self._request("GET", url)
            self._raise_for_status(response)
            updated = self._json(response, "GET issue")
        return updated

    # Paths, regions and the legacy fallback ---------------------------------------------------------------------

    def _issue_target(self, issue_id: str, organization: Optional[str]):
        issue_id = check_issue_id("issue_id", issue_id)
        organization = organization or self.default_organization
        if organization:
            check_slug("organization_slug", organization)
        elif is_short_id(issue_id):
            raise PluginException(
                cause=f"Invalid input 'issue_id': the short ID {issue_id!r} needs an organization.",
                assistance="Give Organization Slug (in the action or the connection), or the issue's numeric ID.",
            )
        return issue_id, organization

    def _issue_request(self, method: str, issue_id: str, organization: Optional[str], suffix: str, **kwargs):
        """Organization-scoped path first; after a 404 there, the legacy path decides whether the server lacks
        organization-scoped routes (it answers) or the issue does not exist (404 again). A short ID or a substatus
        never goes to the legacy path."""
        legacy = f"{self.root}/api/0/issues/{_segment(issue_id)}/{suffix}"
        scoped_only = _scoped_only(issue_id, kwargs.get("json"))
        if not organization or self.legacy_routes_only:
            if scoped_only:
                raise _needs_scoped_routes(scoped_only, self.legacy_routes_only)
            return self._request(method, legacy, **kwargs), legacy
        scoped = f"{self._root_for(organization)}/api/0/organizations/{_segment(organization)}/issues/{_segment(issue_id)}/{suffix}"
        response = self._request(method, scoped, **kwargs)
        if response.status_code != 404 or scoped_only or _answered_by_an_endpoint(response):
            return response, scoped
        # the legacy path on the organization's own host: unscoped issue IDs are region-scoped
        legacy = f"{self._root_for(organization)}/api/0/issues/{_segment(issue_id)}/{suffix}"
        fallback = self._request(method, legacy, **kwargs)
        if fallback.status_code == 404:
            return response, scoped
        if 200 <= fallback.status_code < 300:  # only a success proves the server serves the legacy routes alone
            self.logger.info("Sentry has no organization-scoped issue routes (an older server): using /api/0/issues/.")
            self.legacy_routes_only = True
        return fallback, legacy

    def _root_for(self, organization: str) -> str:
        """The organization's region host on sentry.io (looked up once); the configured host elsewhere."""
        if urlsplit(self.root).hostname != SAAS_HOST:
            return self.root
        if organization not in self._region_roots:
            url = f"{self.root}/api/0/organizations/{_segment(organization)}/"
            response = self._request("GET", url)
            self._raise_for_status(response)
            details = self._json(response, "GET organization")
            links = details.get("links") if isinstance(details, dict) else None
            region = links.get("regionUrl") if isinstance(links, dict) else None
            self._region_roots[organization] = _trusted_region(region) or self.root
        return self._region_roots[organization]

    # Pagination -------------------------------------------------------------------------------------------------

    def _collect(
        self, url: str, params: dict, size_param: str, limit: Optional[int], cursor: Optional[str], first_response=None
    ) -> Page:
        items: List[dict] = []
        seen_cursors = {cursor} if cursor else set()
        response = first_response
        pages = 0
        while True:
            pages += 1
            page_size = self._first_page_size(None if limit is None else limit - len(items))
            if response is None:
                response = self._request("GET", url, params=_with_page(params, size_param, page_size, cursor))
            self._raise_for_status(response)
            what = f"GET {urlsplit(url).path}"
            page = self._json(response, what)
            if not isinstance(page, list):
                raise _unexpected(what, "it is not a list")
            following = next_cursor(response.headers.get("Link"), what)
            items.extend(page)
            if limit is not None and len(items) >= limit:
                has_more = len(items) > limit or following is not None
                return Page(items[:limit], has_more, following if len(items) == limit else cursor)
            if following is None:
                return Page(items, False, None)
            if following in seen_cursors:
                raise PluginException(
                    cause=f"Sentry's pagination of {what} does not advance (cursor {following!r} came back again), "
                    "so the listing cannot be completed.",
                    assistance="Try again later; if it persists, list with a Limit and continue with Next Cursor.",
                )
            if pages >= MAX_PAGES:
                raise PluginException(
                    cause=f"Sentry's listing of {what} goes on past {MAX_PAGES} pages, so the plugin stopped it "
                    "rather than let the step run without end.",
                    assistance="List with a Limit and continue with Next Cursor.",
                )
            seen_cursors.add(following)
            cursor, response = following, None

    @staticmethod
    def _first_page_size(remaining: Optional[int]) -> int:
        return PAGE_SIZE if remaining is None else max(1, min(PAGE_SIZE, remaining))

    # Requests and answers ---------------------------------------------------------------------------------------

    def _request(self, method: str, url: str, **kwargs) -> requests.Response:
        if "json" in kwargs:
            kwargs["data"] = json.dumps(kwargs.pop("json")).encode("utf-8")
            kwargs.setdefault("headers", {})["Content-Type"] = "application/json"
        return self.transport.request(method, url, secrets=(self.token,), **kwargs)

    def _raise_for_status(self, response: requests.Response) -> None:
        if 200 <= response.status_code < 300:
            return
        what = f"{response.request.method} {urlsplit(response.request.url).path}"
        raise http_error(response.status_code, what, sentry_detail(response, (self.token,)))

    @staticmethod
    def _json(response: requests.Response, what: str):
        try:
            return json.loads(response.content)
        except ValueError:
            raise _unexpected(what, "it is not JSON")


def _with_page(params: dict, size_param: str, size: int, cursor: Optional[str]) -> dict:
    page = dict(params, **{size_param: str(size)})
    if cursor:
        page["cursor"] = cursor
    return page


def _segment(value: str) -> str:
    """A checked identifier as one path segment (the checks already exclude '/', '.', '%' and the like)."""
    return quote(value, safe="")


def _trusted_region(region_url) -> Optional[str]:
    """A region URL from Sentry, accepted only on https under sentry.io, so that the token goes nowhere else."""
    if not isinstance(region_url, str):
        return None
    parts = urlsplit(region_url)
    host = parts.hostname or ""
    if parts.scheme != "https" or not (host == SAAS_HOST or host.endswith("." + SAAS_HOST)) or parts.username:
        return None
    return f"https://{parts.netloc}"


def _answered_by_an_endpoint(response: requests.Response) -> bool:
    """A 404 with Sentry's JSON `detail` comes from an existing organization-scoped endpoint: the issue is not there
    (or belongs to another organization), and the unscoped path must not be tried, lest it act on an issue of an
    organization other than the one named. A server without the route answers an empty or HTML 404 (Sentry 9)."""
    try:
        body = json.loads(response.content)
    except ValueError:
        return False
    return isinstance(body, dict) and "detail" in body


def _is_scoped(url: str) -> bool:
    return urlsplit(url).path.startswith("/api/0/organizations/")


def _scoped_only(issue_id: str, body: Optional[dict]) -> Optional[Tuple[str, str, str]]:
    """What only the organization-scoped issue routes serve, as (input, what it is, what to do on an older server):
    a short ID (the legacy routes take numeric IDs only) and a substatus (not a field of the legacy update)."""
    if is_short_id(issue_id):
        return "issue_id", f"the short ID {issue_id!r}", "Give the issue's numeric ID."
    if isinstance(body, dict) and "substatus" in body:
        return "substatus", "a substatus", "Leave Substatus empty for this server."
    return None


def _needs_scoped_routes(scoped_only: Tuple[str, str, str], older_server: bool) -> PluginException:
    name, what, older_server_assistance = scoped_only
    if older_server:
        return PluginException(
            cause=f"Invalid input '{name}': {what} needs Sentry's organization-scoped issue endpoints, which this "
            "server does not have (an older Sentry).",
            assistance=older_server_assistance,
        )
    return PluginException(
        cause=f"Invalid input '{name}': {what} needs Sentry's organization-scoped issue endpoints, which are used "
        "only with an organization.",
        assistance="Give Organization Slug (in the action or the connection).",
    )


def _unexpected(what: str, problem: str) -> PluginException:
    return PluginException(
        cause=f"Sentry's answer to {what} cannot be used: {problem}.",
        assistance="Verify that the connection URL points at a Sentry server (not a proxy or login page) and try again.",
    )
