"""What the fakes answer with, whatever carries it: replies, Sentry's Link header and offset pages, scripts."""

import json
import re
import threading
from collections import deque
from http import HTTPStatus
from typing import Callable, Dict, List, Optional, Tuple

NOT_FOUND = {"detail": "The requested resource does not exist"}
REASONS = {status.value: status.phrase for status in HTTPStatus}  # 413: "Request Entity Too Large"


class Reply:
    """One answer: a status, headers and body (a dict or list is sent as JSON), or an exception the wire raises.
    `raw` replaces the body with a file object, for bodies that are endless, slow or break off."""

    def __init__(self, status: int = 200, body=b"", headers: Optional[dict] = None, raises: Exception = None, raw=None):
        self.status = status
        self.headers = dict(headers or {})
        self.raises = raises
        self.raw = raw
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode("utf-8")
            self.headers.setdefault("Content-Type", "application/json")
        elif isinstance(body, str):
            body = body.encode("utf-8")
        self.body = body

    def head(self, length: Optional[int] = None) -> bytes:
        """The status line and headers as an HTTP/1.1 server writes them (Content-Length added when given)."""
        headers = dict(self.headers)
        if length is not None:
            headers.setdefault("Content-Length", str(length))
        lines = [f"HTTP/1.1 {self.status} {REASONS.get(self.status, 'Status')}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def wire(self) -> bytes:
        """The whole answer, head and body, for one write."""
        return self.head(len(self.body)) + self.body


def link_header(base: str, previous: str, following: str, more: bool, earlier: bool = False) -> str:
    """Sentry's Link header (src/sentry/api/base.py: build_cursor_link), both links always present."""

    def link(cursor: str, rel: str, results: bool) -> str:
        return f'<{base}?&cursor={cursor}>; rel="{rel}"; results="{str(results).lower()}"; cursor="{cursor}"'

    return f"{link(previous, 'previous', earlier)}, {link(following, 'next', more)}"


def page_size(params: Dict[str, str], names=("per_page", "limit"), cap: int = 100) -> int:
    """The page size a listing asked for (Sentry reads `per_page`, its issue listings `limit`), at most `cap`."""
    asked = next((params[name] for name in names if params.get(name)), None)
    return max(1, min(cap, int(asked or 100)))


def offset_page(total: int, params: Dict[str, str], base: str, names=("per_page", "limit"), cap: int = 100):
    """(offset, size, Link header) of one page of a listing of `total` items with cursors '0:<offset>:0'."""
    size = page_size(params, names, cap)
    offset = int(params["cursor"].split(":")[1]) if params.get("cursor") else 0
    link = link_header(base, f"0:{max(0, offset - size)}:1", f"0:{offset + size}:0", offset + size < total, offset > 0)
    return offset, size, link


def paged_items(items: list, params: Dict[str, str], base: str, names=("per_page", "limit"), cap: int = 100):
    """One page of `items` and its headers: (items, {"Link": ...})."""
    offset, size, link = offset_page(len(items), params, base, names, cap)
    return items[offset : offset + size], {"Link": link}


class Script:
    """Answers chosen per request. A route ("METHOD path", both regular expressions matched in full) holds a queue
    of answers given in order, then its standing answer; the first route with an answer left answers. A request
    no route answers gets `fallback(request)`. Answers are opaque here: each front end knows what to do with them.
    Thread-safe."""

    def __init__(self, fallback: Optional[Callable] = None):
        self.fallback = fallback
        self._routes: List[Tuple[str, "re.Pattern", "re.Pattern", deque, list]] = []
        self._lock = threading.Lock()

    def _route(self, key: str):
        method, _, path = key.partition(" ")
        for route in self._routes:
            if route[0] == key:
                return route
        route = (key, re.compile(method), re.compile(path), deque(), [])
        self._routes.append(route)
        return route

    def queue(self, key: str, *answers) -> "Script":
        with self._lock:
            self._route(key)[3].extend(answers)
        return self

    def always(self, key: str, answer) -> "Script":
        with self._lock:
            standing = self._route(key)[4]
            standing[:] = [answer]
        return self

    def pending(self) -> int:
        """How many queued answers were never asked for."""
        with self._lock:
            return sum(len(route[3]) for route in self._routes)

    def pick(self, method: str, path: str, request):
        """The answer for this request: a route's, or the fallback's."""
        with self._lock:
            for _, method_pattern, path_pattern, queued, standing in self._routes:
                if (queued or standing) and method_pattern.fullmatch(method) and path_pattern.fullmatch(path):
                    return queued.popleft() if queued else standing[0]
        return self.fallback(request)


def exact(path: str) -> str:
    """The route key of every method to this very path."""
    return f"[A-Z]+ {re.escape(path)}"
