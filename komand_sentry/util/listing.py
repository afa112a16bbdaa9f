"""Listings that are complete or say exactly where they stopped, and whose cost is bounded whatever the server sends.

A listing follows Sentry's Link-header cursors page by page. With a limit it stops at the first page that reaches
it and hands back that page's next cursor, so a workflow that continues with Next Cursor gets every item exactly
once. Pages are never cut: a cursor is opaque, so there is no cursor for the middle of a page. A server that ignores
the page size asked for (a Sentry-compatible server with its own page size) therefore yields whole pages, and a
limited listing may return more items than its limit.
"""

from dataclasses import dataclass
from typing import Callable, List, Optional

import requests
from insightconnect_plugin_runtime.exceptions import PluginException

from komand_sentry.util.answers import unusable_answer
from komand_sentry.util.errors import redact
from komand_sentry.util.pagination import next_cursor

PAGE_SIZE = 100  # the most Sentry serves in one page
MAX_PAGES = 1000  # 100,000 items at full pages
MAX_ITEMS = 100_000
MAX_PAGE_CONTAINERS = 1_000_000  # JSON objects and arrays in one page: a page of 10 million {} would need 1.5 GB
MAX_LISTING_CONTAINERS = 4_000_000  # about 300 MiB of Python objects at the most, across the pages of one listing
MAX_LISTING_BYTES = 96 * 1024 * 1024  # the answers' bodies together (10,000 full events are about 66 MB)


@dataclass
class Page:
    items: List[dict]
    has_more: bool
    next_cursor: Optional[str]


@dataclass
class Listing:
    """What to list: `fetch(cursor, page_size)` sends one page's request; `what` names it in errors."""

    fetch: Callable[[Optional[str], int], requests.Response]
    decode: Callable[[requests.Response], object]
    what: str


def page_size_for(remaining: Optional[int]) -> int:
    return PAGE_SIZE if remaining is None else max(1, min(PAGE_SIZE, remaining))


def collect(listing: Listing, limit: Optional[int], cursor: Optional[str], first=None) -> Page:
    """Every page (limit None), or whole pages until `limit` items; `first` is an answer already fetched."""
    items: List[dict] = []
    seen = {cursor} if cursor else set()
    budget = _Budget(listing.what)
    response = first
    while True:
        if response is None:
            response = listing.fetch(cursor, page_size_for(None if limit is None else limit - len(items)))
        page, following = _read_page(listing, response, budget)
        items.extend(page)
        if following is None or (limit is not None and len(items) >= limit):
            return Page(items, following is not None, following)
        _check_advances(listing.what, following, seen, budget)
        cursor, response = following, None


def _read_page(listing: Listing, response: requests.Response, budget: "_Budget"):
    budget.count_body(response.content)
    page = listing.decode(response)
    if not isinstance(page, list):
        raise unusable_answer(listing.what, "it is not a list")
    if not all(isinstance(item, dict) for item in page):
        raise unusable_answer(listing.what, "its list holds items that are not JSON objects")
    budget.count_page(len(page))
    return page, next_cursor(response.headers.get("Link"), listing.what)


def _check_advances(what: str, following: str, seen: set, budget: "_Budget") -> None:
    if following in seen:
        raise PluginException(
            cause=f"Sentry's pagination of {what} does not advance (cursor {shown(redact(following))} came back "
            "again), so the listing cannot be completed.",
            assistance="Try again later; if it persists, list with a Limit and continue with Next Cursor.",
        )
    seen.add(following)
    budget.check_pages()


class _Budget:
    """The bounds of one listing: pages, items and JSON containers (what a page costs in memory once decoded)."""

    def __init__(self, what: str):
        self.what = what
        self.pages = self.items = self.containers = self.bytes = 0

    def count_body(self, content: bytes) -> None:
        """Counted before the page is decoded, so that a page too costly to hold is never built."""
        self.bytes += len(content)
        if self.bytes > MAX_LISTING_BYTES:
            raise too_much(self.what, f"{MAX_LISTING_BYTES // (1024 * 1024)} MiB of answers")
        containers = content.count(b"{") + content.count(b"[")  # an upper bound: braces in strings count too
        self.containers += containers
        if containers > MAX_PAGE_CONTAINERS or self.containers > MAX_LISTING_CONTAINERS:
            raise too_much(
                self.what,
                f"{MAX_PAGE_CONTAINERS} JSON objects in a page or {MAX_LISTING_CONTAINERS} in a listing",
            )

    def count_page(self, items: int) -> None:
        self.pages += 1
        self.items += items
        if self.items > MAX_ITEMS:
            raise too_much(self.what, f"{MAX_ITEMS} items")

    def check_pages(self) -> None:
        if self.pages >= MAX_PAGES:
            raise too_much(self.what, f"{MAX_PAGES} pages")


def shown(text: str) -> str:
    """A server-made value as an error may quote it: redacted first, then cut, so no part of a secret shows."""
    return repr(text if len(text) <= 60 else text[:57] + "...")


def too_much(what: str, bound: str) -> PluginException:
    return PluginException(
        cause=f"Sentry's listing of {what} goes on past {bound}, the most the plugin takes in one step, so it "
        "stopped the listing rather than let the step grow without end.",
        assistance="List with a Limit and continue with Next Cursor.",
    )
