"""The fault suite's loopback Sentry: testkit.server.LoopbackSentry (the shared socket front end) and the
behaviours the suite scripts on it: plain answers, 429s with each rate-limit header, dropped and reset
connections, truncated, slow, endless and oversized bodies, redirects and paginated lists.

    server.script("/api/0/", reply(503), reply(503), json_reply({"auth": {}}))   # one behaviour per request
    server.always("/api/0/", reply(500))                                          # once the queue is empty

A path with no script answers Sentry's 404.
"""

import gzip
import json
import time
from typing import Optional

from testkit.book import IssueBook, iso_us, to_us  # noqa: F401  (for the suites)
from testkit.server import Behaviour, Exchange, LoopbackSentry, Request, self_signed_context  # noqa: F401
from testkit.wire import REASONS, Reply, link_header  # noqa: F401  (REASONS: for the suites)

FaultServer = LoopbackSentry
PART = b'[{"id": "1", "title": "Some'  # the start of a listing

# Behaviours ---------------------------------------------------------------------------------------------------


def reply(status: int = 200, body=b"", headers: Optional[dict] = None, content_type: str = "text/plain") -> Behaviour:
    """A complete answer; `body` as bytes or str."""
    answer = Reply(status, body, {"Content-Type": content_type, **(headers or {})})
    return lambda ex: ex.answer(answer)


def json_reply(value, status: int = 200, headers: Optional[dict] = None) -> Behaviour:
    return reply(status, json.dumps(value), headers, "application/json")


def sentry_error(status: int, detail: str = "", headers: Optional[dict] = None) -> Behaviour:
    return json_reply({"detail": detail or f"HTTP {status}"}, status, headers)


def rate_limited(headers: Optional[dict] = None) -> Behaviour:
    return json_reply(
        {"detail": "You are attempting to use this endpoint too frequently. Limit is 40 requests in 1 seconds"},
        429,
        headers,
    )


def event_accepted() -> Behaviour:
    """200 {"id": <the event_id the request carried>}, as Relay answers an envelope or a store POST."""
    return lambda ex: json_reply({"id": ex.request.event()["event_id"]})(ex)


def close() -> Behaviour:
    """Close the connection after reading the request, before any answer (an orderly FIN)."""
    return lambda ex: False


def _part_then(body: bytes, declared: int, then: Behaviour) -> Behaviour:
    """Headers declaring `declared` bytes and the first part of the body, in one write, then `then`."""

    def behaviour(ex: Exchange) -> bool:
        ex.head(200, {"Content-Type": "application/json"}, declared, body)
        return then(ex)

    return behaviour


def _reset(ex: Exchange) -> bool:
    time.sleep(0.05)  # let the client start reading the body before the reset
    ex.reset()
    return False


def reset_mid_body(body: bytes = PART, declared: int = 4096) -> Behaviour:
    """Headers and part of the body, then a TCP RST."""
    return _part_then(body, declared, _reset)


def short_body(body: bytes = PART, declared: int = 4096) -> Behaviour:
    """A Content-Length larger than what is sent, then an orderly close."""
    return _part_then(body, declared, close())


def gzip_reply(value, status: int = 200, headers: Optional[dict] = None) -> Behaviour:
    """A JSON answer compressed with Content-Encoding gzip, as Sentry's web servers send them."""
    data = gzip.compress(json.dumps(value).encode("utf-8"))
    return reply(status, data, {"Content-Encoding": "gzip", **(headers or {})}, "application/json")


def gzip_bomb(size: int) -> Behaviour:
    """A small gzip body that decompresses to `size` bytes."""
    data = gzip.compress(b"[" + b" " * (size - 2) + b"]", compresslevel=9)
    return reply(200, data, {"Content-Encoding": "gzip"}, "application/json")


def stall_mid_body(body: bytes = PART, declared: int = 4096) -> Behaviour:
    """Headers and part of the body, then silence with the connection open."""
    return _part_then(body, declared, hang())


def hang() -> Behaviour:
    """Read the request and never answer (until the server stops)."""
    return lambda ex: ex.sleep(3600) and False


def delayed(seconds: float, then: Behaviour) -> Behaviour:
    """Answer with `then` after `seconds` of silence."""
    return lambda ex: ex.sleep(seconds) and then(ex)


def trickle_body(interval: float = 0.3, declared: int = 1024 * 1024) -> Behaviour:
    """Headers at once, then the body one byte per `interval` seconds: never idle for a whole read timeout,
    never finished."""

    def behaviour(ex: Exchange) -> bool:
        ex.head(200, {"Content-Type": "application/json"}, declared)
        ex.send(b"[")
        for _ in range(declared - 1):
            if not ex.sleep(interval):
                break
            ex.send(b" ")
        return False

    return behaviour


def big_body(size: int, chunked: bool = False, declare: bool = True) -> Behaviour:
    """A 200 JSON list of `size` bytes, with its Content-Length or chunked, sent as fast as the client reads."""
    piece = b'{"id": "1", "title": "' + b"x" * 65000 + b'"},'

    def behaviour(ex: Exchange) -> bool:
        headers = {"Content-Type": "application/json"}
        if chunked:
            headers["Transfer-Encoding"] = "chunked"
        ex.head(200, headers, size if declare and not chunked else None)
        sent = 0
        data = b"[" + piece
        while sent < size:
            part = data[: size - sent]
            ex.send(b"%x\r\n%s\r\n" % (len(part), part) if chunked else part)
            sent += len(part)
            data = piece
        if chunked:
            ex.send(b"0\r\n\r\n")
        return False

    return behaviour


def redirect(location: str, status: int = 302) -> Behaviour:
    def behaviour(ex: Exchange) -> bool:
        ex.head(status, {"Location": location, "Content-Type": "text/html"}, 0)
        return True

    return behaviour


def page(items: list, next_cursor: Optional[str] = None, link: Optional[str] = None, status: int = 200) -> Behaviour:
    """One page of a Sentry list with its Link header (next results="true" when next_cursor is given)."""

    def behaviour(ex: Exchange) -> bool:
        base = ex.request.url.split("?")[0]
        current = ex.request.param("cursor") or "0:0:0"
        following = link or link_header(base, current, next_cursor or "0:999:0", bool(next_cursor))
        return json_reply(items, status, {"Link": following})(ex)

    return behaviour


def echo_credentials(status: int = 401) -> Behaviour:
    """An error whose detail and X-Sentry-Error repeat the request's credentials, as a careless proxy or a
    debug server might."""

    def behaviour(ex: Exchange) -> bool:
        credentials = ex.request.headers.get("authorization") or ex.request.headers.get("x-sentry-auth", "")
        said = {"detail": f"Invalid credentials: {credentials}", "received": dict(ex.request.headers)}
        return json_reply(said, status, {"X-Sentry-Error": f"bad auth: {credentials}"})(ex)

    return behaviour


def issue_listing(book: IssueBook) -> Behaviour:
    """GET .../issues/ answered from `book` (query parameters as the request sent them)."""

    def behaviour(ex: Exchange) -> bool:
        params = {name: values[-1] for name, values in ex.request.params.items()}
        return ex.answer(Reply(*book.answer(params, ex.request.url.split("?")[0])))

    return behaviour
