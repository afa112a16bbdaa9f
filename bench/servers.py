"""Loopback servers for the benchmark, run as their own processes (so they do not share a GIL with anything measured).

    python bench/servers.py sentry [--page-delay S] [--ingest-delay S]   a fake Sentry (Web API + ingestion)
    python bench/servers.py proxy --target HOST:PORT                      a counting TCP proxy (for real Sentry)

The fake is the shared socket front end (testkit.server.LoopbackSentry) with the routes below. Each prints
`READY <port>` once it listens on 127.0.0.1. Every server counts the TCP connections it accepted
that carried at least one request (GET /__bench/stats reads the counts, POST /__bench/reset zeroes them; those
control requests are not counted). Answers go out in ONE write on a TCP_NODELAY socket, so that the server
itself never causes a Nagle / delayed-ACK stall. `--split-writes` answers the way BaseHTTPRequestHandler does
(headers, then body, Nagle on): the client's delayed ACK then holds every answer back about 40 ms.

The fake Sentry serves, for any organization:
  GET  /api/0/projects/{org}/p{N}/issues/              N issues (project slug "p10000": 10,000), pages of `limit`
  GET  /api/0/organizations/{org}/issues/{N}/events/   N events of issue N (`full=1`: whole bodies), pages of `per_page`
  GET  /api/0/issues/{N}/events/                       the same (legacy path)
  PUT  /api/0/organizations/{org}/issues/{id}/         the updated issue
  POST /api/{project}/envelope/ and /store/            {"id": <event_id>} after `--ingest-delay` seconds
Pages after the first wait `--page-delay` seconds (every page does, the first included).
"""

import argparse
import json
import re
import socket
import sys
import threading
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH), str(BENCH.parent)]
import data  # noqa: E402  (bench/data.py)
from testkit.server import Exchange, LoopbackSentry  # noqa: E402
from testkit.wire import Reply, offset_page  # noqa: E402

_ISSUES = re.compile(r"^/api/0/projects/[^/]+/p(?P<total>[0-9]+)/issues/$")
_EVENTS = re.compile(r"^/api/0/(?:organizations/[^/]+/)?issues/(?P<issue>[0-9]+)/events/$")
_ISSUE = re.compile(r"^/api/0/(?:organizations/[^/]+/)?issues/(?P<issue>[0-9]+)/$")
_CONTROL = "/__bench/"


class BenchSentry(LoopbackSentry):
    """The shared socket front end with the benchmark's routes; pages are made once and kept."""

    def __init__(self, page_delay: float, ingest_delay: float, split_writes: bool = False):
        super().__init__(nodelay=not split_writes)
        self.page_delay, self.ingest_delay, self.split_writes = page_delay, ingest_delay, split_writes
        self.pages = {}  # (kind, ...) -> bytes, made on first use
        for key, answer in {
            r"GET /api/0/projects/[^/]+/p[0-9]+/issues/": self.issues,
            r"GET /api/0/(organizations/[^/]+/)?issues/[0-9]+/events/": self.events,
            r"GET /api/0/": self.root,
            r"PUT /api/0/(organizations/[^/]+/)?issues/[0-9]+/": self.update,
            r"POST /api/[0-9]+/(envelope|store)/": self.ingest,
            rf"GET {_CONTROL}stats": self.stats,
            rf"POST {_CONTROL}reset": self.reset,
        }.items():
            self.routes.always(key, answer)

    def stats(self, ex: Exchange) -> bool:
        """The connections that carried at least one request (how many, and their numbers, which are never reused, so
        that counts taken between resets can be joined), and the requests (the control ones not counted)."""
        counted = [request for request in self.requests if not request.path.startswith(_CONTROL)]
        numbers = sorted({request.connection for request in counted})
        answer = {"connections": len(numbers), "connection_numbers": numbers, "requests": len(counted)}
        return self.send(ex, 200, json.dumps(answer).encode())

    def reset(self, ex: Exchange) -> bool:
        self.forget()
        return self.send(ex, 200, b"{}")

    def send(self, ex: Exchange, status: int, body: bytes, headers: dict = None) -> bool:
        answer = Reply(
            status, body, {"Content-Type": "application/json", "Connection": "keep-alive", **(headers or {})}
        )
        if not self.split_writes:
            return ex.answer(answer)  # one write
        ex.send(answer.head(len(body)))  # what BaseHTTPRequestHandler does: headers, then body, Nagle on
        ex.send(body)
        return True

    def issues(self, ex: Exchange) -> bool:
        total = int(_ISSUES.match(ex.request.path)["total"])
        return self.listing(ex, "limit", total, lambda page, size: data.issues_page(total, page, size, "backend"))

    def events(self, ex: Exchange) -> bool:
        issue, full = _EVENTS.match(ex.request.path)["issue"], ex.request.param("full") == "1"
        make = lambda page, size: data.events_page(issue, int(issue), page, size, full)  # noqa: E731
        return self.listing(ex, "per_page", int(issue), make, full)

    def listing(self, ex: Exchange, size_param: str, total: int, make, *key) -> bool:
        base = f"http://127.0.0.1{ex.request.path}"
        offset, size, link = offset_page(total, ex.request.query_dict(), base, names=(size_param,))
        key = (ex.request.path, offset // size, size) + key
        body = self.pages.get(key)
        if body is None:
            body = self.pages[key] = make(offset // size, size)
        if self.page_delay:
            time.sleep(self.page_delay)
        return self.send(ex, 200, body, {"Link": link})

    def root(self, ex: Exchange) -> bool:
        return self.send(ex, 200, json.dumps({"version": "0", "auth": {"scopes": ["event:read"]}}).encode())

    def update(self, ex: Exchange) -> bool:
        issue = _ISSUE.match(ex.request.path)["issue"]
        updated = data.issue(int(issue) % 1000)
        updated.update(json.loads(ex.request.body or b"{}"), id=issue)
        return self.send(ex, 200, json.dumps(updated).encode())

    def ingest(self, ex: Exchange) -> bool:
        first = json.loads(ex.request.content.split(b"\n", 1)[0])  # the envelope header, or the whole store body
        if self.ingest_delay:
            time.sleep(self.ingest_delay)
        return self.send(ex, 200, json.dumps({"id": first.get("event_id", "0" * 32)}).encode())


# A counting TCP proxy in front of a real server -------------------------------------------------------------------


def run_proxy(target: str):
    host, port = target.rsplit(":", 1)
    lock, accepted = threading.Lock(), [0]  # the connections accepted since the last reset
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    control = socket.socket()
    control.bind(("127.0.0.1", 0))
    control.listen(8)
    print(f"READY {listener.getsockname()[1]} {control.getsockname()[1]}", flush=True)

    def pipe(src, dst):
        try:
            while True:
                chunk = src.recv(262144)
                if not chunk:
                    break
                dst.sendall(chunk)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def serve_control():
        while True:
            conn, _ = control.accept()
            with conn:
                command = conn.recv(64).strip()
                with lock:
                    accepted[0] = 0 if command == b"reset" else accepted[0]
                    counts = {"connections": accepted[0], "requests": 0}
                conn.sendall(json.dumps(counts).encode())

    threading.Thread(target=serve_control, daemon=True).start()
    while True:
        client, _ = listener.accept()
        with lock:
            accepted[0] += 1
        upstream = socket.create_connection((host, int(port)))
        for sock in (client, upstream):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threading.Thread(target=pipe, args=(client, upstream), daemon=True).start()
        threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["sentry", "proxy"])
    parser.add_argument("--page-delay", type=float, default=0.0)
    parser.add_argument("--ingest-delay", type=float, default=0.0)
    parser.add_argument("--target", default="127.0.0.1:9000")
    parser.add_argument(
        "--split-writes",
        action="store_true",
        help="answer as a naive server does (headers and body in two writes, Nagle on): the stall demo",
    )
    args = parser.parse_args()
    if args.kind == "proxy":
        return run_proxy(args.target)
    server = BenchSentry(args.page_delay, args.ingest_delay, args.split_writes)
    print(f"READY {server.port}", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
