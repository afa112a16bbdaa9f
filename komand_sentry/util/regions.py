"""The Sentry host the token goes to: the connection URL's root, and on sentry.io each organization's region host.

The token is sent to no other host: a region URL from Sentry is trusted only on https under sentry.io, with a host
that every URL parser agrees on.
"""

from typing import Dict, Optional
from urllib.parse import quote, urlsplit

import urllib3
from insightconnect_plugin_runtime.exceptions import PluginException

from komand_sentry.util.hosts import HostError, check_url

SAAS_HOST = "sentry.io"
DEFAULT_URL = "https://sentry.io"


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
    path = parts.path.rstrip("/")
    if path.endswith("/api/0"):
        path = path[: -len("/api/0")]
    return f"{parts.scheme}://{parts.netloc}{path}"


def trusted_region(region_url) -> Optional[str]:
    """A region URL from Sentry, accepted only on https under sentry.io, so that the token goes nowhere else."""
    if not isinstance(region_url, str) or host_problem(region_url) is not None:
        return None
    parts = urlsplit(region_url)
    host = parts.hostname or ""
    if parts.scheme != "https" or not (host == SAAS_HOST or host.endswith("." + SAAS_HOST)):
        return None
    return f"https://{parts.netloc}"


def host_problem(url: str) -> Optional[str]:
    """What is wrong with the URL's scheme, host or port, or None."""
    try:
        check_url(url)
    except HostError as error:
        return str(error)
    return None


class Regions:
    def __init__(self, api):
        self.api = api
        self._roots: Dict[str, str] = {}

    def root_for(self, organization: str) -> str:
        """The organization's region host on sentry.io (looked up once); the configured host elsewhere."""
        if urlsplit(self.api.root).hostname != SAAS_HOST:
            return self.api.root
        if organization not in self._roots:
            details = self.api.call("GET", f"{self.api.root}/api/0/organizations/{quote(organization, safe='')}/")
            links = details.get("links") if isinstance(details, dict) else None
            region = trusted_region(links.get("regionUrl") if isinstance(links, dict) else None)
            if region:
                self.api.auth.allowed_hosts.add(urllib3.util.parse_url(region).host)
            self._roots[organization] = region or self.api.root
        return self._roots[organization]
