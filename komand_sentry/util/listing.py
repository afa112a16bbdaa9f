"""Listings complete or saying where they stopped, in whole pages, at a bounded cost (docs/design/api.md)."""

from collections import Counter, namedtuple
from concurrent.futures import ThreadPoolExecutor
from typing import List, Optional

from insightconnect_plugin_runtime.exceptions import PluginException

from komand_sentry.util.answers import unusable_answer
from komand_sentry.util.errors import shown
from komand_sentry.util.pagination import next_cursor

PAGE_SIZE = 100  # the most Sentry serves in one page
MAX_PAGES = 1000
MAX_ITEMS = 100_000
MAX_PAGE_CONTAINERS = 1_000_000  # JSON objects and arrays in one page
MAX_LISTING_CONTAINERS = 4_000_000
MAX_LISTING_BYTES = 96 * 1024 * 1024


_CONTINUE_LATER = "Try again later; if it persists, list with a Limit and continue with Next Cursor."
Page = namedtuple("Page", "items has_more next_cursor")  # the items, and whether and where the listing goes on


def page_size_for(remaining: Optional[int]) -> int:
    return PAGE_SIZE if remaining is None else max(1, min(PAGE_SIZE, remaining))


def collect(fetch, decode, what: str, limit: Optional[int], cursor: Optional[str], first=None) -> Page:
    """Every page (limit None), or whole pages until `limit` items; `first`: the answer to a request already sent."""
    items, seen, read = [], {cursor}, Counter()
    response = first if first is not None else fetch(cursor, page_size_for(limit))
    with ThreadPoolExecutor(1, "sentry-page-decoder") as decoder:
        while True:
            following = next_cursor(response.headers.get("Link"), what)
            ahead = following is not None and limit is None
            decoded = decoder.submit(_read, response, decode, what, read)
            try:  # without a limit, the next page is asked for while this one is decoded (docs/design/api.md)
                response = fetch(_advance(following, seen, what), PAGE_SIZE) if ahead else None
            finally:
                items.extend(decoded.result())  # this page's fault, if any, before the next one's
            _check(what, len(items) <= MAX_ITEMS, f"{MAX_ITEMS} items")
            if following is None or (limit is not None and len(items) >= limit):
                return Page(items, following is not None, following)
            if not ahead:
                response = fetch(_advance(following, seen, what), page_size_for(limit - len(items)))


def _advance(following: str, seen: set, what: str) -> str:
    if following in seen:
        cause = f"Sentry's pagination of {what} does not advance (cursor {shown(following, 60)!r} came back again)"
        raise PluginException(cause=f"{cause}, so the listing cannot be completed.", assistance=_CONTINUE_LATER)
    seen.add(following)
    _check(what, len(seen) <= MAX_PAGES, f"{MAX_PAGES} pages")  # the pages read, and the cursor started from
    return following


def _read(response, decode, what: str, read: Counter) -> List[dict]:
    """A page; its bytes and JSON containers are counted in `read` first, so that one too costly is never decoded."""
    content = response.content
    containers = content.count(b"{") + content.count(b"[")  # an upper bound: braces in strings count too
    read.update(bytes=len(content), containers=containers)
    _check(what, read["bytes"] <= MAX_LISTING_BYTES, f"{MAX_LISTING_BYTES >> 20} MiB of answers")
    _check(what, containers <= MAX_PAGE_CONTAINERS, f"{MAX_PAGE_CONTAINERS} JSON objects in a page")
    _check(what, read["containers"] <= MAX_LISTING_CONTAINERS, f"{MAX_LISTING_CONTAINERS} JSON objects in a listing")
    page = decode(response)
    if not (isinstance(page, list) and all(isinstance(item, dict) for item in page)):
        raise unusable_answer(what, "it is not a list of JSON objects")
    return page


def _check(what: str, within: bool, bound: str) -> None:
    if not within:
        cause = f"Sentry's listing of {what} goes on past {bound}, the most a step takes, so it was stopped."
        raise PluginException(cause=cause, assistance="List with a Limit and continue with Next Cursor.")
