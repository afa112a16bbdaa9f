"""Test helpers: a scripted Sentry behind a real requests.Session, a real Connection wired to it, and the
runtime's own checks (input schema, required inputs, output schema) around every action run.

The fake is a requests transport adapter, so everything requests does before and after the wire (merging
session and request headers, encoding query parameters, hooks, redirects when asked for) really happens;
what reaches the adapter is recorded as the request Sentry would have seen.
"""

import gzip
import io
import json
import logging
import os
import re
from collections import deque
from typing import Callable, List, Optional, Union
from urllib.parse import parse_qs, urlsplit

import requests
from requests.structures import CaseInsensitiveDict
from insightconnect_plugin_runtime.exceptions import PluginException

from komand_sentry.connection.connection import Connection
from komand_sentry.util.transport import Transport
from testkit.adapter import InProcessSentry, answer_of
from testkit.runtime import check
from testkit.wire import Reply, Script, link_header, paged_items  # noqa: F401  (link_header: for the tests)

RESPONSES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "responses")

# Credentials of the suite. Long and distinctive, so that a leak is never a coincidence.
TOKEN = "sntrys_unitTEST_9f8e7d6c5b4a39281706_token"
PUBLIC_KEY = "1f2e3d4c5b6a79881f2e3d4c5b6a7988"
SECRET_KEY = "a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5"

SELF_HOSTED = "https://sentry.example.com"
DSN = f"https://{PUBLIC_KEY}@o1.ingest.us.sentry.io/456"
DSN_WITH_SECRET = f"https://{PUBLIC_KEY}:{SECRET_KEY}@sentry.example.com:9000/prefix/42"


# Canned answers -----------------------------------------------------------------------------------------------


def read_response(name: str) -> bytes:
    with open(os.path.join(RESPONSES, name), "rb") as file:
        return file.read()


def load_json(name: str):
    return json.loads(read_response(name))


def reply(status: int = 200, body=b"", headers: Optional[dict] = None, file: Optional[str] = None) -> Reply:
    """An answer; `file` names a body under unit_test/responses/ (a .json.resp file is served as JSON)."""
    headers = dict(headers or {})
    if file is not None:
        body = read_response(file)
        headers.setdefault("Content-Type", "application/json" if ".json" in file else "text/html; charset=utf-8")
    return Reply(status, body, headers)


def fault(error: Exception) -> Reply:
    return Reply(raises=error)


class Body(io.RawIOBase):
    """A socket-like body: `size` bytes of b"x" (or endless), each read advancing `server`'s clock by `delay`
    seconds, breaking off with `error` after `size` bytes when an error is given. `served` counts bytes read."""

    def __init__(self, size: Optional[int] = None, error: Exception = None, server=None, delay: float = 0.0):
        super().__init__()
        self.size, self.error, self.server, self.delay = size, error, server, delay
        self.served = 0

    def readable(self):
        return True

    def readinto(self, buffer):
        if self.server is not None:
            self.server.now += self.delay
        if self.size is not None and self.served >= self.size:
            if self.error is not None:
                raise self.error
            return 0
        count = len(buffer) if self.size is None else min(len(buffer), self.size - self.served)
        buffer[:count] = b"x" * count
        self.served += count
        return count

    def reply(self, status: int = 200, headers: Optional[dict] = None) -> Reply:
        return Reply(status, headers=headers, raw=io.BufferedReader(self, 64 * 1024))


# What was sent ------------------------------------------------------------------------------------------------


class Sent:
    """A request as it reached the wire."""

    def __init__(self, prepared: requests.PreparedRequest, timeout, verify, stream):
        self.method = prepared.method
        self.url = prepared.url
        parts = urlsplit(prepared.url)
        self.scheme, self.host, self.path = parts.scheme, parts.netloc, parts.path
        self.query = parts.query
        self.params = {key: values[0] for key, values in parse_qs(parts.query, keep_blank_values=True).items()}
        self.params_lists = parse_qs(parts.query, keep_blank_values=True)
        self.headers = CaseInsensitiveDict(prepared.headers)
        body = prepared.body
        self.raw_body = body.encode("utf-8") if isinstance(body, str) else (body or b"")
        self.timeout = timeout
        self.verify = verify
        self.stream = stream

    @property
    def body(self) -> bytes:
        """The body after its Content-Encoding is undone."""
        if self.headers.get("Content-Encoding") == "gzip":
            return gzip.decompress(self.raw_body)
        return self.raw_body

    def json(self):
        return json.loads(self.body)

    def everything(self) -> str:
        """Every byte of the request as text, to search for leaks."""
        headers = "\n".join(f"{key}: {value}" for key, value in self.headers.items())
        return f"{self.method} {self.url}\n{headers}\n\n{self.body.decode('utf-8', errors='replace')}"

    def __repr__(self):
        return f"<Sent {self.method} {self.url}>"


# The scripted server --------------------------------------------------------------------------------------------


class FakeSentry(InProcessSentry):
    """Answers requests in order from a script. A reply may be a Reply, or a callable taking the Sent request and
    returning a Reply. A request beyond the script fails the test; `assert_done` checks the script was used up."""

    def __init__(self, *replies: Union[Reply, Callable[[Sent], Reply]]):
        super().__init__()
        self.script = deque(replies)
        self.sleeps: List[float] = []
        self.now = 1000.0

    def queue(self, *replies):
        self.script.extend(replies)
        return self

    def record(self, prepared, timeout, verify, stream) -> Sent:
        return Sent(prepared, timeout, verify, stream)

    def reply_to(self, sent: Sent) -> Reply:
        if not self.script:
            raise AssertionError(f"unexpected request {sent.method} {sent.url}: the script is used up")
        return answer_of(self.script.popleft(), sent)

    # time, for the Transport
    def sleep(self, seconds: float):
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now

    def transport(self, settings, logger) -> Transport:
        return Transport(self.session(), settings, logger, sleep=self.sleep, clock=self.clock)

    @property
    def paths(self) -> List[str]:
        return [f"{sent.method} {sent.path}" for sent in self.requests]

    def assert_done(self, test):
        test.assertEqual(len(self.script), 0, f"{len(self.script)} scripted replies were never asked for")


# The plugin, wired to the fake ---------------------------------------------------------------------------------

LOGGER = logging.getLogger("unit_test")


def connection_params(**overrides) -> dict:
    params = {"token": {"token": TOKEN, "domain": ""}, "url": SELF_HOSTED}
    params.update(overrides)
    return {key: value for key, value in params.items() if value is not None}


def connect(params: Optional[dict] = None, server: Optional[FakeSentry] = None) -> Connection:
    """A real Connection, connected the way the runtime connects it; its HTTP goes to `server`."""
    connection = Connection()
    connection.logger = LOGGER
    params = connection_params() if params is None else params
    connection.set_(params)  # the runtime's schema check of the connection
    connection.connect(params)
    if server is not None:
        connection._transport = lambda: server.transport(connection.settings, connection.logger)
    return connection


def check_input(action, params: dict) -> None:
    """What the runtime checks before run(): the input schema and the required inputs."""
    check(type(action), "input", params)
    action.input.validate_required(params)


def check_output(action, output: dict) -> None:
    """What the runtime checks after run() (the output schema), plus date formats."""
    check(type(action), "output", output, formats=True)


def run_action(action_class, connection: Connection, params: dict) -> dict:
    action = action_class()
    action.connection = connection
    action.logger = logging.getLogger(f"unit_test.{action.name}")
    check_input(action, params)
    output = action.run(params)
    check_output(action, output)
    return output


def exception_text(error) -> str:
    """Everything an exception shows a user: cause, assistance, data and str()."""
    return "\n".join(str(part) for part in (error.cause, error.assistance, error.data, error))


# Ingestion ------------------------------------------------------------------------------------------------------


def envelope_lines(sent: Sent) -> list:
    """The envelope's lines: envelope header, item header, payload (each as bytes), checking the framing."""
    body = sent.body
    assert body.endswith(b"\n"), body[-40:]
    lines = body[:-1].split(b"\n")
    assert len(lines) == 3, f"{len(lines)} lines"
    return lines


def sent_event(sent: Sent) -> dict:
    """The event an envelope or store request carries."""
    if sent.path.endswith("/envelope/"):
        return json.loads(envelope_lines(sent)[2])
    return sent.json()


def accept_event(sent: Sent) -> Reply:
    """Sentry's answer to a good event: 200 with the event_id it received."""
    return Reply(200, {"id": sent_event(sent)["event_id"]})


def auth_pairs(header: str) -> dict:
    """X-Sentry-Auth as a dict: 'Sentry a=1, b=2' -> {'a': '1', 'b': '2'}."""
    scheme, _, rest = header.partition(" ")
    assert scheme == "Sentry", header
    return dict(pair.split("=", 1) for pair in rest.split(", "))


def spec_version() -> str:
    """The plugin's version as plugin.spec.yaml declares it."""
    import yaml

    with open(os.path.join(os.path.dirname(RESPONSES), "..", "plugin.spec.yaml"), encoding="utf-8") as file:
        return str(yaml.safe_load(file)["version"])


# A server that answers by route ------------------------------------------------------------------------------------


class RoutedSentry(FakeSentry):
    """Answers by route rather than by order, for actions whose requests depend on what the client learns (a short
    ID resolved, a team looked up, the legacy routes found). `routes` maps "METHOD /path regex/" (matched in full
    against the path) to a Reply or to a callable taking the Sent request and returning a Reply; the first route that
    matches answers (the method is a regular expression too, such as "(GET|PUT)"). A request no route matches gets
    Sentry 9's catch-all, an empty 404, and is kept in `unrouted`."""

    def __init__(self, routes: dict):
        super().__init__()
        self.routes = Script(fallback=self._unrouted)
        for key, answer in routes.items():
            self.routes.always(key, answer)
        self.unrouted: List[Sent] = []

    def reply_to(self, sent: Sent) -> Reply:
        return answer_of(self.routes.pick(sent.method, sent.path, sent), sent)

    def _unrouted(self, sent: Sent) -> Reply:
        self.unrouted.append(sent)
        return Reply(404, b"", {"Content-Type": "text/html; charset=utf-8"})

    def sent_to(self, method: str, path_pattern: str) -> List[Sent]:
        """The requests of this method whose path matches the pattern in full."""
        pattern = re.compile(path_pattern)
        return [sent for sent in self.requests if sent.method == method and pattern.fullmatch(sent.path)]


def paged(items: list, size_cap: int = 100) -> Callable[[Sent], Reply]:
    """A listing served page by page with Sentry's Link header; the cursor is '0:<offset>:0'."""

    def answer(sent: Sent) -> Reply:
        return Reply(200, *paged_items(items, sent.params, f"{sent.scheme}://{sent.host}{sent.path}", cap=size_cap))

    return answer


# Today's Sentry and Sentry 9.1.2 as routes, for the issue workflow actions ----------------------------------------

ORG = "example-org"
ISSUE = "4506790000"  # today's issue (issue_after_update.json.resp), short ID PUMP-STATION-1A
SHORT_ID = "PUMP-STATION-1A"
SCOPED_ISSUE = f"/api/0/organizations/{ORG}/issues/{ISSUE}/"
ISSUE9 = "12"  # Sentry 9's issue (issue_sentry9.json.resp), short ID INTERNAL-C, project internal (id 1)
SHORT_ID9 = "INTERNAL-C"
PROJECT9 = "internal"
LEGACY_ISSUE9 = f"/api/0/issues/{ISSUE9}/"
NOT_FOUND_FILE = "error_not_found.json.resp"


def with_routes(overrides: Optional[dict], defaults: dict) -> dict:
    """`overrides` first (the first matching route answers), then the defaults they do not replace."""
    routes = dict(overrides or {})
    for key, answer in defaults.items():
        routes.setdefault(key, answer)
    return routes


def today_routes(overrides: Optional[dict] = None) -> dict:
    """Today's Sentry (organization-scoped issue routes) for the issue 4506790000 of example-org."""
    return with_routes(
        overrides,
        {
            f"GET /api/0/organizations/{ORG}/shortids/{SHORT_ID}/": reply(200, file="shortid_today.json.resp"),
            f"GET /api/0/organizations/{ORG}/shortids/[^/]+/": reply(404, file=NOT_FOUND_FILE),
            f"GET {SCOPED_ISSUE}": reply(200, file="issue_after_update.json.resp"),
            f"GET {SCOPED_ISSUE}events/[^/]+/": reply(200, file="event_today.json.resp"),
            f"POST {SCOPED_ISSUE}notes/": reply(201, file="note_today.json.resp"),
            f"GET {SCOPED_ISSUE}notes/": paged(load_json("notes_today_page1.json.resp")),
            f"GET /api/0/organizations/{ORG}/teams/": paged(load_json("teams_today_page1.json.resp")),
            f"(GET|PUT|POST) /api/0/organizations/{ORG}/issues/[^/]+/.*": reply(404, file=NOT_FOUND_FILE),
        },
    )


def sentry9_routes(overrides: Optional[dict] = None) -> dict:
    """Sentry 9.1.2 (legacy issue routes only; captures of its answers) for the issue 12 of example-org."""
    latest, oldest = load_json("event_sentry9_latest.json.resp"), load_json("event_sentry9_oldest.json.resp")
    return with_routes(
        overrides,
        {
            f"GET /api/0/organizations/{ORG}/shortids/{SHORT_ID9}/": reply(200, file="shortid_sentry9.json.resp"),
            f"GET /api/0/organizations/{ORG}/shortids/[^/]+/": reply(404, file=NOT_FOUND_FILE),
            f"GET /api/0/organizations/{ORG}/projects/": paged(load_json("projects_sentry9.json.resp")),
            f"GET /api/0/organizations/{ORG}/teams/": paged(load_json("teams_sentry9.json.resp")),
            f"GET {LEGACY_ISSUE9}": reply(200, file="issue_sentry9.json.resp"),
            f"PUT {LEGACY_ISSUE9}": reply(200, file="issue_sentry9.json.resp"),
            f"GET {LEGACY_ISSUE9}events/latest/": reply(200, file="event_sentry9_latest.json.resp"),
            f"GET {LEGACY_ISSUE9}events/oldest/": reply(200, file="event_sentry9_oldest.json.resp"),
            f"GET {LEGACY_ISSUE9}(comments|notes)/": paged(load_json("comments_sentry9.json.resp")),
            f"POST {LEGACY_ISSUE9}(comments|notes)/": reply(201, file="comment_sentry9.json.resp"),
            f"GET /api/0/projects/{ORG}/{PROJECT9}/events/{latest['eventID']}/": reply(200, latest),
            f"GET /api/0/projects/{ORG}/{PROJECT9}/events/{oldest['eventID']}/": reply(200, oldest),
            f"GET /api/0/projects/{ORG}/{PROJECT9}/events/[^/]+/": reply(404, file="error_event_not_found.json.resp"),
            "(GET|PUT|POST) /api/0/(issues|groups)/[0-9]+/.*": reply(404, file=NOT_FOUND_FILE),
        },
    )


def run_routed(action_class, routes: dict, params: dict, connection: Optional[dict] = None, server=None):
    """The action run once on a RoutedSentry (made from `routes` unless `server` is given): (output, server).
    The output is checked against the output schema and must not hold the token."""
    server = server or RoutedSentry(routes)
    output = run_action(action_class, connect(connection or connection_params(), server), params)
    assert TOKEN not in json.dumps(output), "the token is in the output"
    return output, server


def refused_routed(action_class, routes: dict, params: dict, connection: Optional[dict] = None):
    """The PluginException the action raises on a RoutedSentry, and the server: (error, server). The error must not
    show the token."""
    server = RoutedSentry(routes)
    try:
        run_action(action_class, connect(connection or connection_params(), server), params)
    except PluginException as error:
        assert TOKEN not in exception_text(error), "the token is in the error"
        return error, server
    raise AssertionError(f"{action_class.__name__} did not raise a PluginException; requests: {server.paths}")


def membership(issue_id: str, project_id: str = "1", organization_projects=("1",)) -> List[Reply]:
    """The two answers with which a legacy route is confirmed for an organization: the issue (its project) and the
    organization's projects."""
    issue = dict(load_json("issue_sentry9.json.resp"), id=issue_id)
    issue["project"] = dict(issue["project"], id=project_id)
    projects = [{"id": project, "slug": f"project-{project}"} for project in organization_projects]
    return [Reply(200, issue), Reply(200, projects)]


# A project's issue listing, answered from an IssueBook -----------------------------------------------------------


class BookSentry(FakeSentry):
    """A FakeSentry that answers issue listings from `book` (testkit.book.IssueBook: Sentry's query, sort=new and
    cursors) once its script is used up; scripted replies (faults) are answered first, in order."""

    def __init__(self, book, *replies):
        super().__init__(*replies)
        self.book = book

    def reply_to(self, sent: Sent) -> Reply:
        if self.script:
            return super().reply_to(sent)
        if not sent.path.endswith("/issues/") or sent.method != "GET":
            raise AssertionError(f"unexpected request {sent.method} {sent.url}: only issue listings are answered")
        return Reply(*self.book.answer(sent.params, f"{sent.scheme}://{sent.host}{sent.path}"))

    @property
    def listings(self) -> List[Sent]:
        return [sent for sent in self.requests if sent.path.endswith("/issues/")]
