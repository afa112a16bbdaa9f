"""Loopback servers for the benchmark, run as their own processes (so they do not share a GIL with anything measured).

    python bench/servers.py sentry [--page-delay S] [--ingest-delay S]   a fake Sentry (Web API + ingestion)
    python bench/servers.py proxy --target HOST:PORT                      a counting TCP proxy (for real Sentry)

Each prints `READY <port>` once it listens on 127.0.0.1. Every server counts the TCP connections it accepted
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
import gzip
import json
import re
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
import data  # noqa: E402  (bench/data.py)

_ISSUES = re.compile(r"^/api/0/projects/[^/]+/p(?P<total>[0-9]+)/issues/$")
_EVENTS = re.compile(r"^/api/0/(?:organizations/[^/]+/)?issues/(?P<issue>[0-9]+)/events/$")
_ISSUE = re.compile(r"^/api/0/(?:organizations/[^/]+/)?issues/(?P<issue>[0-9]+)/$")
_INGEST = re.compile(r"^/api/(?P<project>[0-9]+)/(?P<kind>envelope|store)/$")


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.connections = 0
        self.requests = 0

    def add(self, connections=0, requests=0):
        with self.lock:
            self.connections += connections
            self.requests += requests

    def snapshot(self) -> dict:
        with self.lock:
            return {"connections": self.connections, "requests": self.requests}

    def reset(self):
        with self.lock:
            self.connections = self.requests = 0


class CountingServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, handler, page_delay: float, ingest_delay: float, split_writes: bool = False):
        super().__init__(("127.0.0.1", 0), handler)
        self.stats = Stats()
        self.page_delay = page_delay
        self.ingest_delay = ingest_delay
        self.split_writes = split_writes
        self.pages = {}  # (kind, ...) -> bytes, made on first use
        self.pages_lock = threading.Lock()

    def page(self, key, make):
        with self.pages_lock:
            body = self.pages.get(key)
        if body is None:
            body = make()
            with self.pages_lock:
                self.pages[key] = body
        return body


class FakeSentry(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: CountingServer

    def setup(self):
        super().setup()
        if not self.server.split_writes:
            self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.counted = False

    def log_message(self, *args):  # quiet
        pass

    # Answers ---------------------------------------------------------------------------------------------------

    def answer(self, status: int, body: bytes, headers: dict = None):
        head = [f"HTTP/1.1 {status} {'OK' if status < 400 else 'Error'}", "Content-Type: application/json",
                f"Content-Length: {len(body)}", "Connection: keep-alive"]
        head += [f"{name}: {value}" for name, value in (headers or {}).items()]
        head = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1")
        if self.server.split_writes:  # what BaseHTTPRequestHandler does: headers, then body, Nagle on
            self.wfile.write(head)
            self.wfile.write(body)
        else:
            self.wfile.write(head + body)  # one write

    def body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def count(self, path: str) -> bool:
        """Count this request (and its connection, once); False for the benchmark's own control requests."""
        if path.startswith("/__bench/"):
            return False
        self.server.stats.add(connections=0 if self.counted else 1, requests=1)
        self.counted = True
        return True

    # Routes ----------------------------------------------------------------------------------------------------

    def do_GET(self):
        url = urlsplit(self.path)
        if not self.count(url.path):
            return self.answer(200, json.dumps(self.server.stats.snapshot()).encode())
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        match = _ISSUES.match(url.path)
        if match:
            return self.listing(url.path, query, "limit", int(match["total"]),
                                lambda page, size: data.issues_page(int(match["total"]), page, size, "backend"),
                                ("issues", match["total"]))
        match = _EVENTS.match(url.path)
        if match:
            issue, full = match["issue"], query.get("full") == "1"
            return self.listing(url.path, query, "per_page", int(issue),
                                lambda page, size: data.events_page(issue, int(issue), page, size, full),
                                ("events", issue, full))
        if url.path == "/api/0/":
            return self.answer(200, json.dumps({"version": "0", "auth": {"scopes": ["event:read"]}}).encode())
        self.answer(404, b'{"detail": "The requested resource does not exist"}')

    def listing(self, path, query, size_param, total, make, key):
        size = max(1, min(100, int(query.get(size_param) or 100)))
        offset = int((query.get("cursor") or "0:0:0").split(":")[1])
        page = offset // size
        body = self.server.page(key + (page, size), lambda: make(page, size))
        more = offset + size < total
        nxt = f"0:{offset + size}:0"
        previous = f"0:{max(0, offset - size)}:1"
        link = (f'<http://127.0.0.1{path}?cursor={previous}>; rel="previous"; results="{str(offset > 0).lower()}"; '
                f'cursor="{previous}", <http://127.0.0.1{path}?cursor={nxt}>; rel="next"; '
                f'results="{str(more).lower()}"; cursor="{nxt}"')
        if self.server.page_delay:
            time.sleep(self.server.page_delay)
        self.answer(200, body, {"Link": link})

    def do_PUT(self):
        url = urlsplit(self.path)
        changes = self.body()
        self.count(url.path)
        match = _ISSUE.match(url.path)
        if not match:
            return self.answer(404, b'{"detail": "The requested resource does not exist"}')
        updated = data.issue(int(match["issue"]) % 1000)
        updated.update(json.loads(changes or b"{}"))
        updated["id"] = match["issue"]
        self.answer(200, json.dumps(updated).encode())

    def do_POST(self):
        url = urlsplit(self.path)
        body = self.body()
        if not self.count(url.path):
            self.server.stats.reset()
            return self.answer(200, b"{}")
        match = _INGEST.match(url.path)
        if not match:
            return self.answer(404, b'{"detail": "The requested resource does not exist"}')
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        first = json.loads(body.split(b"\n", 1)[0])  # the envelope header, or the whole store body
        if self.server.ingest_delay:
            time.sleep(self.server.ingest_delay)
        self.answer(200, json.dumps({"id": first.get("event_id", "0" * 32)}).encode())


# A counting TCP proxy in front of a real server -------------------------------------------------------------------


def run_proxy(target: str):
    host, port = target.rsplit(":", 1)
    stats = Stats()
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
                if command == b"reset":
                    stats.reset()
                conn.sendall(json.dumps(stats.snapshot()).encode())

    threading.Thread(target=serve_control, daemon=True).start()
    while True:
        client, _ = listener.accept()
        stats.add(connections=1)
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
    parser.add_argument("--split-writes", action="store_true",
                        help="answer as a naive server does (headers and body in two writes, Nagle on): the stall demo")
    args = parser.parse_args()
    if args.kind == "proxy":
        return run_proxy(args.target)
    server = CountingServer(FakeSentry, args.page_delay, args.ingest_delay, args.split_writes)
    print(f"READY {server.server_address[1]}", flush=True)
    server.serve_forever(poll_interval=0.5)


if __name__ == "__main__":
    main()
