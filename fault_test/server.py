"""A fault-injecting loopback Sentry: a small threaded HTTP/1.1 server on 127.0.0.1 driven by a script.

Every request is recorded (method, path, query, headers, body, connection) before its behaviour runs, and
every accepted TCP connection is counted, so that a test can assert exactly what the plugin sent.

A behaviour is a callable `behaviour(exchange) -> bool` that writes (or does not write) an answer on the raw
socket and returns whether the connection may serve another request. The factories below make the ones the
suite needs: plain answers, 429s with each rate-limit header, dropped and reset connections, truncated,
slow, endless and oversized bodies, redirects and paginated lists.

    server.script("/api/0/", reply(503), reply(503), json_reply({"auth": {}}))   # one behaviour per request
    server.always("/api/0/", reply(500))                                          # once the queue is empty

A path with no script answers Sentry's 404.
"""

import bisect
import gzip
import json
import re
import socket
import ssl
import struct
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable, Dict, List, Optional
from urllib.parse import parse_qs, urlsplit

Behaviour = Callable[["Exchange"], bool]

MAX_HEADER_BYTES = 64 * 1024
MAX_REQUEST_BODY = 8 * 1024 * 1024
IDLE_TIMEOUT = 15.0  # a connection the plugin keeps open but does not use
STOP_WAIT = 5.0  # the most a stopping server waits for one of its threads
REASONS = {
    200: "OK",
    201: "Created",
    302: "Found",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Payload Too Large",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


@dataclass
class Request:
    method: str
    target: str
    headers: Dict[str, str]  # lower-case names
    body: bytes
    connection: int  # which TCP connection (1, 2, ...) carried it
    at: float = field(default_factory=time.monotonic)
    wall: float = field(default_factory=time.time)

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def query(self) -> str:
        return urlsplit(self.target).query

    @property
    def params(self) -> Dict[str, List[str]]:
        return parse_qs(self.query, keep_blank_values=True)

    def param(self, name: str) -> Optional[str]:
        values = self.params.get(name)
        return values[-1] if values else None

    @property
    def content(self) -> bytes:
        """The body as sent before compression."""
        if self.headers.get("content-encoding", "").lower() == "gzip":
            return gzip.decompress(self.body)
        return self.body

    def json(self):
        return json.loads(self.content)

    def event(self) -> dict:
        """The event of a store body or of an envelope's event item."""
        if self.path.endswith("/envelope/"):
            lines = self.content.split(b"\n")
            header, item = json.loads(lines[0]), json.loads(lines[1])
            payload = b"\n".join(lines[2:])[: item["length"]]
            event = json.loads(payload)
            assert header["event_id"] == event["event_id"], "envelope header and event disagree on event_id"
            return event
        return self.json()


class Exchange:
    """One request being answered: the raw socket to write on, and the server (for its stop event)."""

    def __init__(self, server: "FaultServer", sock: socket.socket, reader, request: Request):
        self.server = server
        self.sock = sock
        self.reader = reader
        self.request = request

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def head(self, status: int, headers: Optional[dict] = None, length: Optional[int] = None, body: bytes = b""):
        """The status line and headers (and `body` in the same write)."""
        lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'Status')}"]
        headers = dict(headers or {})
        if length is not None:
            headers.setdefault("Content-Length", str(length))
        for name, value in headers.items():
            lines.append(f"{name}: {value}")
        self.send(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)

    def sleep(self, seconds: float) -> bool:
        """Wait, unless the server stops first; True when the whole wait passed."""
        return not self.server.stopping.wait(seconds)

    def reset(self) -> None:
        """Abort the connection with a TCP RST (SO_LINGER 0) instead of an orderly close."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.reader.close()  # the file holds a reference: the socket really closes only after it
        self.server._abort(self.sock)


# Behaviours ---------------------------------------------------------------------------------------------------


def reply(status: int = 200, body=b"", headers: Optional[dict] = None, content_type: str = "text/plain") -> Behaviour:
    """A complete answer; `body` as bytes or str."""
    data = body.encode("utf-8") if isinstance(body, str) else body

    def behaviour(ex: Exchange) -> bool:
        ex.head(status, {"Content-Type": content_type, **(headers or {})}, len(data), data)
        return True

    return behaviour


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

    def behaviour(ex: Exchange) -> bool:
        return json_reply({"id": ex.request.event()["event_id"]})(ex)

    return behaviour


def close() -> Behaviour:
    """Close the connection after reading the request, before any answer (an orderly FIN)."""

    def behaviour(ex: Exchange) -> bool:
        return False

    return behaviour


def reset_mid_body(body: bytes = b'[{"id": "1", "title": "Some', declared: int = 4096) -> Behaviour:
    """Headers and part of the body, then a TCP RST."""

    def behaviour(ex: Exchange) -> bool:
        ex.head(200, {"Content-Type": "application/json"}, declared)
        ex.send(body)
        time.sleep(0.05)  # let the client start reading the body before the reset
        ex.reset()
        return False

    return behaviour


def short_body(body: bytes = b'[{"id": "1", "title": "Some', declared: int = 4096) -> Behaviour:
    """A Content-Length larger than what is sent, then an orderly close."""

    def behaviour(ex: Exchange) -> bool:
        ex.head(200, {"Content-Type": "application/json"}, declared)
        ex.send(body)
        return False

    return behaviour


def gzip_reply(value, status: int = 200, headers: Optional[dict] = None) -> Behaviour:
    """A JSON answer compressed with Content-Encoding gzip, as Sentry's web servers send them."""
    data = gzip.compress(json.dumps(value).encode("utf-8"))
    return reply(status, data, {"Content-Encoding": "gzip", **(headers or {})}, "application/json")


def gzip_bomb(size: int) -> Behaviour:
    """A small gzip body that decompresses to `size` bytes."""
    data = gzip.compress(b"[" + b" " * (size - 2) + b"]", compresslevel=9)
    return reply(200, data, {"Content-Encoding": "gzip"}, "application/json")


def stall_mid_body(body: bytes = b'[{"id": "1", "title": "Some', declared: int = 4096) -> Behaviour:
    """Headers and part of the body, then silence with the connection open."""

    def behaviour(ex: Exchange) -> bool:
        ex.head(200, {"Content-Type": "application/json"}, declared, body)
        ex.sleep(3600)
        return False

    return behaviour


def hang() -> Behaviour:
    """Read the request and never answer (until the server stops)."""

    def behaviour(ex: Exchange) -> bool:
        ex.sleep(3600)
        return False

    return behaviour


def delayed(seconds: float, then: Behaviour) -> Behaviour:
    """Answer with `then` after `seconds` of silence."""

    def behaviour(ex: Exchange) -> bool:
        if not ex.sleep(seconds):
            return False
        return then(ex)

    return behaviour


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
        headers = {}
        if link is not None:
            headers["Link"] = link
        else:
            base = f"http://{ex.request.headers.get('host', '127.0.0.1')}{ex.request.path}"
            current = ex.request.param("cursor") or "0:0:0"
            prev = f'<{base}?cursor={current}>; rel="previous"; results="false"; cursor="{current}"'
            if next_cursor:
                nxt = f'<{base}?cursor={next_cursor}>; rel="next"; results="true"; cursor="{next_cursor}"'
            else:
                nxt = f'<{base}?cursor=0:999:0>; rel="next"; results="false"; cursor="0:999:0"'
            headers["Link"] = f"{prev}, {nxt}"
        return json_reply(items, status, headers)(ex)

    return behaviour


def echo_credentials(status: int = 401) -> Behaviour:
    """An error whose detail and X-Sentry-Error repeat the request's credentials, as a careless proxy or a
    debug server might."""

    def behaviour(ex: Exchange) -> bool:
        credentials = ex.request.headers.get("authorization") or ex.request.headers.get("x-sentry-auth", "")
        said = {"detail": f"Invalid credentials: {credentials}", "received": dict(ex.request.headers)}
        return json_reply(said, status, {"X-Sentry-Error": f"bad auth: {credentials}"})(ex)

    return behaviour


# The server ---------------------------------------------------------------------------------------------------


class FaultServer:
    def __init__(self, tls: Optional[ssl.SSLContext] = None):
        self.tls = tls
        self.stopping = threading.Event()
        self.requests: List[Request] = []
        self.connections = 0
        self.handshake_failures = 0
        self._lock = threading.Lock()
        self._queues: Dict[str, deque] = {}
        self._defaults: Dict[str, Behaviour] = {}
        self._live: List[socket.socket] = []
        self._threads: List[threading.Thread] = []
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self._acceptor = threading.Thread(target=self._accept_loop, name=f"fault-server-{self.port}", daemon=True)
        self._acceptor.start()

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    # Scripting

    def script(self, path: str, *behaviours: Behaviour) -> "FaultServer":
        """Answer the next requests to `path` with these behaviours, in order."""
        with self._lock:
            self._queues.setdefault(path, deque()).extend(behaviours)
        return self

    def always(self, path: str, behaviour: Behaviour) -> "FaultServer":
        """Answer every request to `path` with `behaviour` once its script is used up."""
        with self._lock:
            self._defaults[path] = behaviour
        return self

    def _behaviour_for(self, path: str) -> Behaviour:
        with self._lock:
            queue = self._queues.get(path)
            if queue:
                return queue.popleft()
            return self._defaults.get(path) or sentry_error(404, "The requested resource does not exist")

    # Records

    def requests_to(self, path: Optional[str] = None, method: Optional[str] = None) -> List[Request]:
        with self._lock:
            return [
                r
                for r in self.requests
                if (path is None or r.path == path) and (method is None or r.method == method)
            ]

    @property
    def count(self) -> int:
        with self._lock:
            return len(self.requests)

    # Serving

    def _accept_loop(self):
        while not self.stopping.is_set():
            try:
                sock, _ = self._listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with self._lock:
                self.connections += 1
                number = self.connections
                self._live.append(sock)
            thread = threading.Thread(target=self._serve, args=(sock, number), daemon=True)
            with self._lock:
                self._threads.append(thread)
            thread.start()

    def _serve(self, sock: socket.socket, number: int):
        try:
            sock.settimeout(IDLE_TIMEOUT)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.tls:
                try:
                    tls_sock = self.tls.wrap_socket(sock, server_side=True)
                except (ssl.SSLError, OSError):
                    with self._lock:
                        self.handshake_failures += 1
                    return
                with self._lock:
                    self._live.append(tls_sock)
                sock = tls_sock
            reader = sock.makefile("rb")
            try:
                while not self.stopping.is_set():
                    request = self._read_request(reader, number)
                    if request is None:
                        return
                    with self._lock:
                        self.requests.append(request)
                    keep = self._behaviour_for(request.path)(Exchange(self, sock, reader, request))
                    if not keep or request.headers.get("connection", "").lower() == "close":
                        return
            finally:
                reader.close()
        except (OSError, ValueError):
            return  # the client went away (or was reset by a behaviour)
        finally:
            self._abort(sock, graceful=True)

    @staticmethod
    def _read_request(reader, number: int) -> Optional[Request]:
        line = reader.readline(MAX_HEADER_BYTES)
        if not line or not line.strip():
            return None
        method, target, _ = line.decode("latin-1").split(" ", 2)
        headers: Dict[str, str] = {}
        size = len(line)
        while True:
            line = reader.readline(MAX_HEADER_BYTES)
            size += len(line)
            if not line or size > MAX_HEADER_BYTES:
                return None
            if line in (b"\r\n", b"\n"):
                break
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0") or 0)
        body = reader.read(min(length, MAX_REQUEST_BODY)) if length else b""
        return Request(method, target, headers, body, number)

    def _abort(self, sock: socket.socket, graceful: bool = False):
        try:
            if graceful:
                sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            sock.close()
        except OSError:
            pass
        with self._lock:
            if sock in self._live:
                self._live.remove(sock)

    def stop(self):
        self.stopping.set()
        try:
            self._listener.close()
        except OSError:
            pass
        self._acceptor.join(STOP_WAIT)
        with self._lock:
            live, threads = list(self._live), list(self._threads)
        for sock in live:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        deadline = time.monotonic() + STOP_WAIT
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))


def self_signed_context(directory) -> ssl.SSLContext:
    """A server TLS context with a certificate for 127.0.0.1 made now (cryptography is not in the plugin's venv,
    so openssl makes it)."""
    import subprocess  # nosec B404 - a fixed command line

    cert, key = f"{directory}/cert.pem", f"{directory}/key.pem"
    subprocess.run(  # nosec B603 B607
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", key, "-out", cert,
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


# A project's issues, listed as Sentry lists them ---------------------------------------------------------------

_FIRST_SEEN_TERM = re.compile(r"^firstSeen:(>=|<=|>|<)?(.+)$")


def iso_us(moment_us: int, style: str = "ms") -> str:
    """A time (microseconds since the epoch) as Sentry writes it: Sentry 9.1.2 milliseconds ("...14.558Z", cut, not
    rounded), today's Sentry microseconds ("us") or whole seconds ("s")."""
    moment = datetime.fromtimestamp(moment_us // 1_000_000, tz=timezone.utc).replace(microsecond=moment_us % 1_000_000)
    if style == "s":
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    text = moment.strftime("%Y-%m-%dT%H:%M:%S.%f")
    return (text if style == "us" else text[:-3]) + "Z"


def to_us(moment: datetime) -> int:
    delta = moment - datetime(1970, 1, 1, tzinfo=timezone.utc)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


class IssueBook:
    """The issues of one project, answered the way Sentry 9.1.2 (and today's Sentry) answers
    GET /api/0/projects/{org}/{project}/issues/: the search query (is:<status>, firstSeen:<op><ISO date-time>,
    <tag>:<value>, words of the title), sort=new (firstSeen, newest first) or date (lastSeen, the default), and the
    cursors of Sentry's DateTimePaginator (src/sentry/api/paginator.py and src/sentry/utils/cursors.py of 9.1.2):
    "<value>:<offset>:0", the value a firstSeen in milliseconds rounded up, the offset the number of issues of that
    value already shown. Issues of equal value come in `tie_order(ids)` (default: highest ID first); a test may
    reorder them per request, as a database with no tie-breaking ORDER BY may. Thread-safe.

    `refuse` (a status, e.g. 401) makes every listing fail with Sentry's error until it is set back to None."""

    def __init__(self, style: str = "ms"):
        self.style = style
        self.lock = threading.RLock()
        self.issues: Dict[str, dict] = {}
        self.first_us: Dict[str, int] = {}
        self.last_us: Dict[str, int] = {}
        self.status: Dict[str, str] = {}
        self.tags: Dict[str, Dict[str, str]] = {}
        self.next_id = 1
        self.tie_order: Optional[Callable[[List[str]], List[str]]] = None
        self.refuse: Optional[int] = None
        self.listings: List[Dict[str, str]] = []  # the parameters of every listing answered
        self.version = 0  # changes whenever an issue is added or changes
        self._orders: Dict[str, tuple] = {}

    def add(self, first_seen_us: int, count: int = 1, step_us: int = 0, status: str = "unresolved", tags=None,
            title: str = "") -> List[str]:
        """`count` issues first seen at `first_seen_us`, `first_seen_us + step_us`, ...; their IDs."""
        with self.lock:
            ids = []
            for number in range(count):
                issue_id = str(self.next_id)
                self.next_id += 1
                moment = first_seen_us + number * step_us
                self.first_us[issue_id] = self.last_us[issue_id] = moment
                self.status[issue_id] = status
                self.tags[issue_id] = dict(tags or {})
                self.issues[issue_id] = {
                    "id": issue_id,
                    "shortId": f"PUMP-{issue_id}",
                    "title": title or f"Error number {issue_id}",
                    "culprit": "pump.station in run",
                    "level": "error",
                    "count": "1",
                    "userCount": 0,
                    "numComments": 0,
                    "permalink": f"https://sentry.example.com/organizations/example-org/issues/{issue_id}/",
                    "project": {"id": "2", "name": "Pump Station", "slug": "pump-station"},
                    "type": "error",
                    "metadata": {"title": title or f"Error number {issue_id}"},
                    "annotations": [],
                    "assignedTo": None,
                    "isBookmarked": False,
                    "isPublic": False,
                    "isSubscribed": False,
                    "hasSeen": False,
                    "statusDetails": {},
                    "logger": None,
                    "shareId": None,
                }
                ids.append(issue_id)
            self.version += 1
            return ids

    def touch(self, issue_id: str, moment_us: int) -> None:
        """A new event of an existing issue: its lastSeen and count change, its firstSeen does not."""
        with self.lock:
            self.last_us[issue_id] = max(self.last_us[issue_id], moment_us)
            self.version += 1
            self.issues[issue_id]["count"] = str(int(self.issues[issue_id]["count"]) + 1)

    def set_status(self, ids: List[str], status: str) -> None:
        with self.lock:
            for issue_id in ids:
                self.status[issue_id] = status

    def raw(self, issue_id: str) -> dict:
        with self.lock:
            return self._shown(issue_id)

    def _shown(self, issue_id: str) -> dict:
        issue = dict(self.issues[issue_id])
        issue.update(
            firstSeen=iso_us(self.first_us[issue_id], self.style),
            lastSeen=iso_us(self.last_us[issue_id], self.style),
            status=self.status[issue_id],
        )
        return issue

    # the listing

    def answer(self, params: Dict[str, str], base_url: str):
        """(status, body, headers) of a listing with these query parameters."""
        with self.lock:
            self.listings.append(dict(params))
            if self.refuse is not None:
                return self.refuse, {"detail": "Invalid token" if self.refuse == 401 else "Forbidden"}, {}
            by_first_seen = params.get("sort") == "new"
            try:
                predicates, lower = self._predicates(params.get("query", "is:unresolved"))
                value, offset = self._cursor(params.get("cursor"))
            except ValueError as problem:
                return 400, {"detail": str(problem)}, {}
            limit = min(100, int(params.get("limit") or params.get("per_page") or 100))
            key = self.first_us if by_first_seen else self.last_us
            rows = self._rows(key, predicates, lower if by_first_seen else None, value, offset + limit + 1)
            results = rows[offset:]
            keys = [-(-key[issue_id] // 1000) for issue_id in results]  # milliseconds, rounded up
            next_value, next_offset, more = _next_cursor(value, offset, keys, limit)
            previous, following = f"{value}:{offset}:1", f"{next_value}:{next_offset}:0"
            link = (
                f'<{base_url}?cursor={previous}>; rel="previous"; results="false"; cursor="{previous}", '
                f'<{base_url}?cursor={following}>; rel="next"; results="{"true" if more else "false"}"; '
                f'cursor="{following}"'
            )
            return 200, [self._shown(issue_id) for issue_id in results[:limit]], {"Link": link}

    def _rows(self, key: Dict[str, int], predicates, lower: Optional[int], value: int, count: int) -> List[str]:
        """The first `count` matching issues of the listing from the cursor's value on (newest first)."""
        order, negated = self._order(key)
        start = bisect.bisect_left(negated, -value * 1000) if value else 0
        rows = []
        for index in range(start, len(order)):
            issue_id = order[index]
            if lower is not None and key[issue_id] < lower:
                break  # newest first: nothing further matches firstSeen:>=
            if all(predicate(issue_id) for predicate in predicates):
                rows.append(issue_id)
                if len(rows) == count:
                    break
        return rows

    def _order(self, key: Dict[str, int]):
        """Every issue newest first by `key` (equal ones highest ID first, or in `tie_order`), and the negated
        keys in that order (for bisect); kept until an issue is added or changes."""
        name = "first" if key is self.first_us else "last"
        cached = self._orders.get(name)
        if cached is None or cached[2] != self.version:
            order = sorted(self.issues, key=lambda issue_id: (key[issue_id], int(issue_id)), reverse=True)
            cached = self._orders[name] = (order, [-key[issue_id] for issue_id in order], self.version)
        if self.tie_order is None:
            return cached[0], cached[1]
        ordered, group = [], []
        for issue_id in cached[0] + [None]:
            if group and (issue_id is None or -(-key[issue_id] // 1000) != -(-key[group[0]] // 1000)):
                ordered += self.tie_order(group) if len(group) > 1 else group
                group = []
            if issue_id is not None:
                group.append(issue_id)
        return ordered, cached[1]

    def _predicates(self, query: str):
        """The query's terms as tests of an issue ID, and the lower bound a firstSeen:>= or > term sets."""
        predicates, lower = [], None
        for term in query.split():
            found = _FIRST_SEEN_TERM.match(term)
            if found:
                op, bound = found.group(1) or "=", _query_time(found.group(2))
                predicates.append(_time_test(self.first_us, op, bound))
                if op in (">=", ">"):
                    lower = bound if lower is None else max(lower, bound)
            elif term.startswith("is:"):
                predicates.append(lambda issue_id, status=term[3:]: self.status[issue_id] == status)
            elif ":" in term:
                name, _, wanted = term.partition(":")
                predicates.append(lambda issue_id, name=name, wanted=wanted: self.tags[issue_id].get(name) == wanted)
            else:
                predicates.append(lambda issue_id, word=term.lower(): word in self.issues[issue_id]["title"].lower())
        return predicates, lower

    @staticmethod
    def _cursor(cursor: Optional[str]):
        if not cursor:
            return 0, 0
        bits = cursor.split(":")
        try:
            if len(bits) != 3:
                raise ValueError
            return int(float(bits[0])), int(bits[1])
        except ValueError:
            raise ValueError("Invalid cursor parameter.")


def _query_time(text: str) -> int:
    try:
        return to_us(datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc))
    except ValueError:
        raise ValueError(f"Your search query could not be parsed: {text} is not a valid datetime query")


def _time_test(times: Dict[str, int], op: str, bound: int):
    compare = {
        ">=": lambda moment: moment >= bound,
        ">": lambda moment: moment > bound,
        "<=": lambda moment: moment <= bound,
        "<": lambda moment: moment < bound,
        "=": lambda moment: moment == bound,
    }[op]
    return lambda issue_id: compare(times[issue_id])


def _next_cursor(value: int, offset: int, keys: List[int], limit: int):
    """Sentry 9.1.2's _build_next_values for a descending listing (keys of the page and of the one extra row)."""
    if not value and keys:
        value = keys[0]
    if not keys:
        return value, offset, False
    more = len(keys) > limit
    next_value = keys[-1]
    if next_value == value:
        return next_value, offset + limit, more
    next_offset = 0
    for key in list(reversed(keys))[1 if more else 0 :]:
        if key > next_value:
            break
        next_offset += 1
    return next_value, next_offset, more


def issue_listing(book: IssueBook) -> Behaviour:
    """GET .../issues/ answered from `book` (query parameters as the request sent them)."""

    def behaviour(ex: Exchange) -> bool:
        params = {name: values[-1] for name, values in ex.request.params.items()}
        base = f"http://{ex.request.headers.get('host', '127.0.0.1')}{ex.request.path}"
        status, body, headers = book.answer(params, base)
        return json_reply(body, status, headers)(ex)

    return behaviour
