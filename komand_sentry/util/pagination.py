"""Sentry's Link header (RFC 8288), read in one forward pass and bounded in length (docs/design/api.md explains why
requests' parser, behind Response.links, falls short: it loses base64 cursors and cuts URLs and cursors at ';')."""

import re
from typing import Dict, Iterator, Optional, Tuple

from insightconnect_plugin_runtime.exceptions import PluginException

from komand_sentry.util.errors import redact
from komand_sentry.util.identifiers import cursor_problem

MAX_LINK_HEADER_CHARS = 64 * 1024  # Sentry's own header is about 300 characters
MAX_SHOWN_CHARS = 300

# Possessive quantifiers: a quote left open ends the match instead of a retry from every later position.
# The parameters of one link-value: up to the ',' that ends it, a quoted string taken whole
_PARAMETERS = re.compile(r'(?:[^,"]++|"(?:[^"\\]++|\\.)*+")*+')
_PARAMETER = r'\s*;\s*([A-Za-z_*\-]+)\s*(?:=\s*(?:"((?:[^"\\]++|\\.)*+)"|([^\s;,"]*+)))?\s*'
_ONE_PARAMETER, _ALL_PARAMETERS = re.compile(_PARAMETER), re.compile(f"(?:{_PARAMETER})*+")
_QUOTED_PAIR = re.compile(r"\\(.)")


def parse_link_header(value: Optional[str]) -> Dict[str, Dict[str, str]]:
    """Links by relation: {'next': {'url': ..., 'rel': 'next', 'results': 'true', 'cursor': ...}, ...}; names and
    `rel` lower-cased, the first link of a relation counting, a link that does not parse or has no `rel` left out."""
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
    following = parse_link_header(link_header).get("next", {})
    results = following.get("results", "").lower()
    if results not in ("true", "false"):
        raise _unfollowable(what, link_header, "it has no next link with results=true or results=false")
    cursor = following.get("cursor")
    if results == "false":
        return None
    if not cursor:
        raise _unfollowable(what, link_header, "its next link has no cursor")
    problem = cursor_problem(cursor) or ("it holds a credential" if redact(cursor) != cursor else None)
    if problem:
        raise _unfollowable(what, link_header, f"its next cursor is unusable: {problem}")
    return cursor


def shown(text: str, most: int) -> str:
    """A server-made value as an error may quote it: every known secret hidden before the cut, so none shows."""
    text = redact(text)
    return text if len(text) <= most else text[:most] + "..."


def _link_values(value: str) -> Iterator[Tuple[str, Dict[str, str]]]:
    """(url, parameters) of each link-value, left to right, text between them skipped: each search starts where the
    previous one ended, so every character is looked at a bounded number of times."""
    position = 0
    while (start := value.find("<", position)) >= 0 and (end := value.find(">", start + 1)) >= 0:
        stop = _PARAMETERS.match(value, end + 1).end()
        params = _parameters(value[end + 1 : stop].rstrip())
        if params is not None:
            yield value[start + 1 : end], params
        if stop < len(value) and value[stop] != ",":
            return  # a quoted string left open runs to the end of the header
        position = stop + 1


def _parameters(text: str) -> Optional[Dict[str, str]]:
    """`; name="value"; name=value; name` as {name: value} (the first of a name counting), or None for other text."""
    if not _ALL_PARAMETERS.fullmatch(text):
        return None
    found = [
        (name.lower(), _QUOTED_PAIR.sub(r"\1", quoted) if quoted else bare)
        for name, quoted, bare in _ONE_PARAMETER.findall(text)
    ]
    return dict(reversed(found))


def _unfollowable(what: str, link_header: str, problem: str) -> PluginException:
    return PluginException(
        cause=f"Sentry's answer to {what} has a Link header the plugin cannot follow ({problem}), so the listing "
        "may be incomplete.",
        assistance="Try again; if it persists, check that no proxy between the plugin and Sentry rewrites the "
        "Link header.",
        data=f"Link: {shown(link_header, MAX_SHOWN_CHARS)}",
    )
