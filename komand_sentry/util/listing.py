"""Listings that are complete or say exactly where they stopped (whole pages, never cut), and whose cost is bounded
whatever the server sends (docs/design/api.md)."""

from dataclasses import dataclass
from typing import List, Optional

import requests
from insightconnect_plugin_runtime.exceptions import PluginException

from komand_sentry.util.answers import unusable_answer
from komand_sentry.util.pagination import next_cursor, shown

PAGE_SIZE = 100  # the most Sentry serves in one page
MAX_PAGES = 1000
MAX_ITEMS = 100_000
MAX_PAGE_CONTAINERS = 1_000_000  # JSON objects and arrays in one page
MAX_LISTING_CONTAINERS = 4_000_000
MAX_LISTING_BYTES = 96 * 1024 * 1024


@dataclass
class Page:
    items: List[dict]
    has_more: bool
    next_cursor: Optional[str]


def page_size_for(remaining: Optional[int]) -> int:
    return PAGE_SIZE if remaining is None else max(1, min(PAGE_SIZE, remaining))


def collect(fetch, decode, what: str, limit: Optional[int], cursor: Optional[str], first=None) -> Page:
    """Every page (limit None), or whole pages until `limit` items. `fetch(cursor, page_size)` sends a page's
    request, `decode(response)` reads it, `first` is an answer already fetched, `what` names the listing in errors."""
    items: List[dict] = []
    budget, response = _Budget(what, cursor), first
    while True:
        if response is None:
            response = fetch(cursor, page_size_for(None if limit is None else limit - len(items)))
        items.extend(budget.read(response, decode))
        following = next_cursor(response.headers.get("Link"), what)
        if following is None or (limit is not None and len(items) >= limit):
            return Page(items, following is not None, following)
        budget.advance(following)
        cursor, response = following, None


class _Budget:
    """The bounds of one listing: pages, items, bytes and JSON containers (what a page costs once decoded)."""

    def __init__(self, what: str, cursor: Optional[str]):
        self.what = what
        self.seen = {cursor} if cursor else set()
        self.pages = self.items = self.containers = self.bytes = 0

    def read(self, response: requests.Response, decode) -> List[dict]:
        self._count_body(response.content)
        page = decode(response)
        if not (isinstance(page, list) and all(isinstance(item, dict) for item in page)):
            raise unusable_answer(self.what, "it is not a list of JSON objects")
        self.pages, self.items = self.pages + 1, self.items + len(page)
        self._check(self.items <= MAX_ITEMS, f"{MAX_ITEMS} items")
        return page

    def _count_body(self, content: bytes) -> None:
        """Counted before the page is decoded, so that a page too costly to hold is never built."""
        self.bytes += len(content)
        self._check(self.bytes <= MAX_LISTING_BYTES, f"{MAX_LISTING_BYTES // (1024 * 1024)} MiB of answers")
        containers = content.count(b"{") + content.count(b"[")  # an upper bound: braces in strings count too
        self.containers += containers
        self._check(
            containers <= MAX_PAGE_CONTAINERS and self.containers <= MAX_LISTING_CONTAINERS,
            f"{MAX_PAGE_CONTAINERS} JSON objects in a page or {MAX_LISTING_CONTAINERS} in a listing",
        )

    def advance(self, following: str) -> None:
        if following in self.seen:
            raise PluginException(
                cause=f"Sentry's pagination of {self.what} does not advance (cursor {shown(following, 60)!r} came "
                "back again), so the listing cannot be completed.",
                assistance="Try again later; if it persists, list with a Limit and continue with Next Cursor.",
            )
        self.seen.add(following)
        self._check(self.pages < MAX_PAGES, f"{MAX_PAGES} pages")

    def _check(self, within: bool, bound: str) -> None:
        if not within:
            raise PluginException(
                cause=f"Sentry's listing of {self.what} goes on past {bound}, the most the plugin takes in one step, "
                "so it stopped the listing rather than let the step grow without end.",
                assistance="List with a Limit and continue with Next Cursor.",
            )
