"""Sentry's Link header, read in one pass within a bound (docs/design/api.md: why not requests' Response.links)."""

import re
from typing import Dict, Optional

from insightconnect_plugin_runtime.exceptions import PluginException

from komand_sentry.util.errors import redact, shown
from komand_sentry.util.identifiers import cursor_problem

MAX_LINK_HEADER_CHARS = 64 * 1024  # Sentry's own header is about 300 characters

# A link-value's parameters (up to its ',', quoted strings whole); possessive, so an open quote ends a match at once
_PARAMETERS = re.compile(r'(?:[^,"]++|"(?:[^"\\]++|\\.)*+")*+')
_PARAMETER = r'\s*;\s*([A-Za-z_*\-]+)\s*(?:=\s*(?:"((?:[^"\\]++|\\.)*+)"|([^\s;,"]*+)))?\s*'
_ONE_PARAMETER, _ALL_PARAMETERS = re.compile(_PARAMETER), re.compile(f"(?:{_PARAMETER})*+")


def parse_link_header(value: Optional[str]) -> Dict[str, Dict[str, str]]:
    """{'next': {'url': ..., 'rel': 'next', 'results': 'true', 'cursor': ...}, ...}, read in one forward pass."""
    links: Dict[str, Dict[str, str]] = {}
    value, position = value or "", 0
    while (start := value.find("<", position)) >= 0 and (end := value.find(">", start + 1)) >= 0:
        stop = _PARAMETERS.match(value, end + 1).end()
        params = _parameters(value[end + 1 : stop].rstrip())
        if params and "rel" in params:
            links.setdefault(params["rel"], dict(params, url=value[start + 1 : end]))
        if stop < len(value) and value[stop] != ",":
            break  # a quoted string left open runs to the end of the header
        position = stop + 1
    return links


def next_cursor(link_header: Optional[str], what: str) -> Optional[str]:
    """The cursor of the next page, or None on the last page. A Link header without a usable next link fails."""
    if link_header is None:
        return None  # an endpoint without pagination: this is the whole list
    if len(link_header) > MAX_LINK_HEADER_CHARS:
        raise _unfollowable(what, link_header, f"it is longer than {MAX_LINK_HEADER_CHARS // 1024} KiB")
    following = parse_link_header(link_header).get("next", {})
    results, cursor = following.get("results", "").lower(), following.get("cursor")
    if results not in ("true", "false"):
        raise _unfollowable(what, link_header, "it has no next link with results=true or results=false")
    if results == "false":
        return None
    if not cursor:
        raise _unfollowable(what, link_header, "its next link has no cursor")
    problem = cursor_problem(cursor) or ("it holds a credential" if redact(cursor) != cursor else None)
    if problem:
        raise _unfollowable(what, link_header, f"its next cursor is unusable: {problem}")
    return cursor


def _parameters(text: str) -> Optional[Dict[str, str]]:
    """`; name="value"; name=value; name` as {name: value}, names and rel lower-cased, the first of a name counting."""
    if not _ALL_PARAMETERS.fullmatch(text):
        return None
    params: Dict[str, str] = {}
    for name, quoted, bare in _ONE_PARAMETER.findall(text):
        params.setdefault(name.lower(), re.sub(r"\\(.)", r"\1", quoted) if quoted else bare)  # a quoted pair unescaped
    return dict(params, rel=params["rel"].lower()) if "rel" in params else params


def _unfollowable(what: str, link_header: str, problem: str) -> PluginException:
    cause = f"Sentry's answer to {what} has a Link header the plugin cannot follow ({problem}): it may be incomplete."
    assistance = "Try again; if it persists, check that no proxy rewrites Sentry's Link header."
    return PluginException(cause=cause, assistance=assistance, data=f"Link: {shown(link_header, 300)}")
