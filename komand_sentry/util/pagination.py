"""Sentry's Link header: `<url>; rel="next"; results="true"; cursor="0:100:0", ...`."""

import re
from typing import Dict, Optional

from insightconnect_plugin_runtime.exceptions import PluginException

_LINK = re.compile(r"<(?P<url>[^>]*)>(?P<params>(?:\s*;\s*[A-Za-z_]+\s*=\s*(?:\"[^\"]*\"|[^;,\s]*))*)")
_PARAM = re.compile(r";\s*(?P<name>[A-Za-z_]+)\s*=\s*(?:\"(?P<quoted>[^\"]*)\"|(?P<bare>[^;,\s]*))")


def parse_link_header(value: str) -> Dict[str, Dict[str, str]]:
    """Links by rel: {'next': {'url': ..., 'results': 'true', 'cursor': ...}, ...}."""
    links = {}
    for match in _LINK.finditer(value or ""):
        params = {"url": match.group("url")}
        for param in _PARAM.finditer(match.group("params")):
            params[param.group("name").lower()] = (
                param.group("quoted") if param.group("quoted") is not None else param.group("bare")
            )
        if "rel" in params:
            links[params["rel"]] = params
    return links


def next_cursor(link_header: Optional[str], what: str) -> Optional[str]:
    """The cursor of the next page, or None on the last page. A Link header without a usable next link fails."""
    if link_header is None:
        return None  # an endpoint without pagination: this is the whole list
    nxt = parse_link_header(link_header).get("next")
    if nxt is None or "results" not in nxt or (nxt["results"] == "true" and not nxt.get("cursor")):
        raise PluginException(
            cause=f"Sentry's answer to {what} has a Link header the plugin cannot follow, so the listing may be "
            "incomplete.",
            assistance="Try again; if it persists, check that no proxy between the plugin and Sentry rewrites the "
            "Link header.",
            data=f"Link: {link_header[:300]}",
        )
    return nxt["cursor"] if nxt["results"] == "true" else None
