"""The socket front end: a threaded HTTP/1.1 server on 127.0.0.1 (TLS optional, TCP_NODELAY) that records every
request and counts every connection, answering from a testkit.wire.Script: a Reply in one write, or a behaviour
`behaviour(exchange) -> bool` that writes on the raw socket and says whether the connection may serve another
request. See docs/design/testing.md."""

import gzip
import json
import socket
import ssl
import struct
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Tuple
from urllib.parse import parse_qs, parse_qsl, urlsplit

from testkit.wire import NOT_FOUND, Reply, Script, exact

Behaviour = Callable[["Exchange"], bool]

MAX_HEADER_BYTES = 64 * 1024
MAX_REQUEST_BODY = 8 * 1024 * 1024
IDLE_TIMEOUT = 15.0  # a connection the plugin keeps open but does not use
STOP_WAIT = 5.0  # the most a stopping server waits for one of its threads


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
    def pairs(self) -> List[Tuple[str, str]]:
        return parse_qsl(self.query, keep_blank_values=True)

    def query_dict(self) -> Dict[str, str]:
        return dict(self.pairs)

    @property
    def url(self) -> str:
        return f"http://{self.headers.get('host', '127.0.0.1')}{self.target}"

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

    def __init__(self, server: "LoopbackSentry", sock: socket.socket, reader, request: Request):
        self.server = server
        self.sock = sock
        self.reader = reader
        self.request = request

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def head(self, status: int, headers: Optional[dict] = None, length: Optional[int] = None, body: bytes = b""):
        """The status line and headers (and `body` in the same write)."""
        self.send(Reply(status, headers=headers).head(length) + body)

    def answer(self, reply: Reply) -> bool:
        """A whole Reply in one write; the connection may serve another request."""
        self.send(reply.wire())
        return True

    def sleep(self, seconds: float) -> bool:
        """Wait, unless the server stops first; True when the whole wait passed."""
        return not self.server.stopping.wait(seconds)

    def reset(self) -> None:
        """Abort the connection with a TCP RST (SO_LINGER 0) instead of an orderly close."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.reader.close()  # the file holds a reference: the socket really closes only after it
        self.server._abort(self.sock)


def world_fallback(world) -> Callable[["Request"], Reply]:
    """Unscripted requests answered from a world (anything with `answer(request) -> (status, body, headers)`)."""
    return lambda request: Reply(*world.answer(request))


class LoopbackSentry:
    """The server; `fallback(request)` answers what no route does."""

    def __init__(self, tls: Optional[ssl.SSLContext] = None, fallback: Optional[Callable] = None, nodelay: bool = True):
        self.nodelay = nodelay
        self.tls = tls
        self.stopping = threading.Event()
        self.requests: List[Request] = []
        self.connections = 0
        self.handshake_failures = 0
        self._lock = threading.Lock()
        self.routes = Script(fallback or (lambda request: Reply(404, NOT_FOUND)))
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

    def script(self, path: str, *answers) -> "LoopbackSentry":
        """Answer the next requests to `path` with these answers, in order."""
        self.routes.queue(exact(path), *answers)
        return self

    def always(self, path: str, answer) -> "LoopbackSentry":
        """Answer every request to `path` with `answer` once its script is used up."""
        self.routes.always(exact(path), answer)
        return self

    def _answer(self, exchange: Exchange) -> bool:
        answer = self.routes.pick(exchange.request.method, exchange.request.path, exchange.request)
        return exchange.answer(answer) if isinstance(answer, Reply) else answer(exchange)

    # Records

    def requests_to(self, path: Optional[str] = None, method: Optional[str] = None) -> List[Request]:
        with self._lock:
            return [
                r for r in self.requests if (path is None or r.path == path) and (method is None or r.method == method)
            ]

    def forget(self) -> None:
        """Drop the records of the requests so far."""
        with self._lock:
            self.requests.clear()

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
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, int(self.nodelay))
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
                    keep = self._answer(Exchange(self, sock, reader, request))
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
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            key,
            "-out",
            cert,
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context
