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

import gzip
import json
import socket
import ssl
import struct
import threading
import time
from collections import deque
from dataclasses import dataclass, field
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
