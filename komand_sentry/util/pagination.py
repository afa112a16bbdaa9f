"""Sentry's Link header (RFC 8288): `<url>; rel="next"; results="true"; cursor="0:100:0", <url>; rel=...`.

The header is read in one forward pass, so its cost is linear in its length, and a header longer than
MAX_LINK_HEADER_CHARS is refused unread (a server or proxy may repeat Link lines; requests joins them with ", ").

requests has a parser too (requests.utils.parse_header_links, behind Response.links), linear as well, but it falls
short here: it splits each parameter at every '=' and stops at the first that does not split in two, so the
base64 cursor of a Sentry-compatible server (cursor="abc==") is lost, and it cuts a URL at its first ';'.
"""

import re
from typing import Dict, Iterator, Optional, Tuple

from insightconnect_plugin_runtime.exceptions import PluginException

from komand_sentry.util.errors import redact
from komand_sentry.util.identifiers import cursor_problem

MAX_LINK_HEADER_CHARS = 64 * 1024  # Sentry's own header is about 300 characters
MAX_SHOWN_CHARS = 300

# The parameters of one link-value: everything up to the ',' that ends it, a quoted string taken whole (possessive
# quantifiers: a quote left open ends the match there instead of trying again from every later position)
_PARAMETERS = re.compile(r'(?:[^,"]++|"(?:[^"\\]++|\\.)*+")*+')
_PARAMETER = re.compile(r'\s*;\s*([A-Za-z_*\-]+)\s*(?:=\s*(?:"((?:[^"\\]++|\\.)*+)"|([^\s;,"]*+)))?\s*')
_QUOTED_PAIR = re.compile(r"\\(.)")


def parse_link_header(value: Optional[str]) -> Dict[str, Dict[str, str]]:
    """Links by relation: {'next': {'url': ..., 'rel': 'next', 'results': 'true', 'cursor': ...}, ...}.

    Parameter names and `rel` are lower-cased; a link that does not parse, or has no `rel`, is left out; the first
    link of a relation counts."""
    links: Dict[str, Dict[str, str]] = {}
    for url, params in _link_values(value or ""):
        if "rel" in params:
            params["rel"] = params["rel"].lower()
            links.setdefault(params["rel"], dict(params, url=url))
    return links


def next_cursor(link_header: Optional[str], what: str) -> Optional[str]:
    """The cursor of the next page, or None on the last page. A Link header without a usable next link fails."""
    if link_header is None:
        return None  # an endpoint without pagination: this is the whole list
    if len(link_header) > MAX_LINK_HEADER_CHARS:
        raise _unfollowable(what, link_header, f"it is longer than {MAX_LINK_HEADER_CHARS // 1024} KiB")
    following = parse_link_header(link_header).get("next")
    results = following.get("results", "").lower() if following else ""
    if results not in ("true", "false"):
        raise _unfollowable(what, link_header, "it has no next link with results=true or results=false")
    if results == "false":
        return None
    cursor = following.get("cursor")
    if not cursor:
        raise _unfollowable(what, link_header, "its next link has no cursor")
    problem = cursor_problem(cursor) or ("it holds a credential" if redact(cursor) != cursor else None)
    if problem:
        raise _unfollowable(what, link_header, f"its next cursor is unusable: {problem}")
    return cursor


def _link_values(value: str) -> Iterator[Tuple[str, Dict[str, str]]]:
    """(url, parameters) of each link-value, left to right; text between link-values is skipped. Every character
    is looked at a bounded number of times: each search starts where the previous one ended."""
    position = 0
    while True:
        start = value.find("<", position)
        if start < 0:
            return
        end = value.find(">", start + 1)
        if end < 0:
            return  # a URL left open: nothing after it can be read
        stop = _PARAMETERS.match(value, end + 1).end()
        params = _parameters(value[end + 1 : stop])
        if params is not None:
            yield value[start + 1 : end], params
        if stop < len(value) and value[stop] != ",":
            return  # a quoted string left open runs to the end of the header
        position = stop + 1


def _parameters(text: str) -> Optional[Dict[str, str]]:
    """`; name="value"; name=value; name` as {name: value}, or None when the text is not that."""
    params: Dict[str, str] = {}
    text, position = text.rstrip(), 0
    while position < len(text):
        match = _PARAMETER.match(text, position)
        if match is None or match.end() == position:
            return None
        name, quoted, bare = match.groups()
        if quoted is not None and "\\" in quoted:
            quoted = _QUOTED_PAIR.sub(r"\1", quoted)
        params.setdefault(name.lower(), quoted if quoted is not None else bare or "")
        position = match.end()
    return params


def _unfollowable(what: str, link_header: str, problem: str) -> PluginException:
    return PluginException(
        cause=f"Sentry's answer to {what} has a Link header the plugin cannot follow ({problem}), so the listing "
        "may be incomplete.",
        assistance="Try again; if it persists, check that no proxy between the plugin and Sentry rewrites the "
        "Link header.",
        data=f"Link: {_shown(link_header)}",
    )


def _shown(link_header: str) -> str:
    """The start of the header, with every known secret hidden before the cut, so that no part of one is left."""
    text = redact(link_header)
    return text if len(text) <= MAX_SHOWN_CHARS else text[:MAX_SHOWN_CHARS] + "..."
