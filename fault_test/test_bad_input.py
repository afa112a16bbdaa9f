"""The bad-input table: what each step does with inputs and connection settings it cannot use.

Kinds of row:
- schema: the runtime's own schema check rejects the message before the action runs (no plugin cause; the
  runtime's error names the field or repeats the bad value);
- plugin: the action (or the connection) refuses it with a PluginException whose cause names the input;
- valid: a value that looks empty or odd but means something and must be sent as it is.
Every row runs against a recording loopback server; schema and plugin rows must cause ZERO requests.

`{port}`, `{key}` and `{secret}` in any string of a row become the server's port and the canary DSN keys.
"""

from dataclasses import dataclass, field
from typing import Callable, Optional, Tuple

import pytest

from fault_test import server as fs
from fault_test.batch import play_selected
from fault_test.targets import ISSUE
from fault_test.util import CANARY_PUBLIC, CANARY_SECRET, connection, record, run_plugin

LPI, LIE, UI, SE = "list_project_issues", "list_issue_events", "update_issue", "submit_event"
BASE = {
    LPI: {"organization_slug": "example-org", "project_slug": "backend"},
    LIE: {"issue_id": "42"},
    UI: {"issue_id": "42", "status": "resolved"},
    SE: {"dsn": "http://{key}:{secret}@127.0.0.1:{port}/1", "event_json": {"message": "m"}},
}
LONG = "a" * 10000
DROP = object()  # in a patch: remove the input


@dataclass
class Row:
    id: str
    action: str
    patch: dict  # merged over the action's base input
    kind: str  # schema | plugin | valid
    words: Tuple[str, ...] = ()  # expected in the cause (plugin) or the runtime's error (schema)
    conn: dict = field(default_factory=dict)  # merged over the connection
    command: str = "run"
    check: Optional[Callable] = None  # valid rows: check(server, run)


def _valid_put(expected_body: dict):
    def check(server, run):
        puts = server.requests_to("/api/0/issues/42/", "PUT")
        assert len(puts) == 1 and puts[0].json() == expected_body, [r.json() for r in puts]

    return check


def _valid_get(**expected_params):
    def check(server, run):
        (request,) = server.requests_to("/api/0/projects/example-org/backend/issues/")
        for name, value in expected_params.items():
            if value is None:
                assert name not in request.params, request.query
            else:
                assert request.params.get(name) == [value], request.query

    return check


ROWS = [
    # (a) the runtime's schema check, before the action runs ---------------------------------------------------
    Row("lpi-statsPeriod-7d-not-in-enum", LPI, {"statsPeriod": "7d"}, "schema", ("'7d' is not one of",)),
    Row("lpi-organization_slug-integer", LPI, {"organization_slug": 123}, "schema", ("123 is not of type 'string'",)),
    Row("lpi-project_slug-empty", LPI, {"project_slug": ""}, "schema", ("project_slug",)),
    Row("lpi-project_slug-null", LPI, {"project_slug": None}, "schema", ("None is not of type 'string'",)),
    Row("lpi-limit-string", LPI, {"limit": "10"}, "schema", ("'10' is not of type 'integer'",)),
    Row("lpi-shortIdLookup-string", LPI, {"shortIdLookup": "yes"}, "schema", ("'yes' is not of type 'boolean'",)),
    Row("lie-issue_id-empty", LIE, {"issue_id": ""}, "schema", ("issue_id",)),
    Row("lie-full-string", LIE, {"full": "true"}, "schema", ("'true' is not of type 'boolean'",)),
    Row("lie-limit-float", LIE, {"limit": 1.5}, "schema", ("1.5 is not of type 'integer'",)),
    Row("ui-status-closed-not-in-enum", UI, {"status": "closed"}, "schema", ("'closed' is not one of",)),
    Row("ui-substatus-not-in-enum", UI, {"substatus": "sleeping"}, "schema", ("'sleeping' is not one of",)),
    Row("ui-hasSeen-string", UI, {"hasSeen": "yes"}, "schema", ("'yes' is not of type 'boolean'",)),
    Row("ui-statusDetails-string", UI, {"statusDetails": "forever"}, "schema", ("is not of type 'object'",)),
    Row("ui-statusDetails-ignoreCount-string", UI, {"statusDetails": {"ignoreCount": "ten"}}, "schema", ("'ten' is not of type 'integer'",)),
    Row("ui-issue_id-null", UI, {"issue_id": None}, "schema", ("None is not of type 'string'",)),
    Row("se-endpoint-foo-not-in-enum", SE, {"endpoint": "foo"}, "schema", ("'foo' is not one of",)),
    Row("se-dsn-empty", SE, {"dsn": ""}, "schema", ("dsn",)),
    Row("se-dsn-null", SE, {"dsn": None}, "schema", ("None is not of type 'string'",)),
    Row("se-event_json-string", SE, {"event_json": "a string"}, "schema", ("'a string' is not of type 'object'",)),
    Row("se-event_json-null", SE, {"event_json": None}, "schema", ("None is not of type 'object'",)),
    Row("se-sentry_version-string", SE, {"sentry_version": "7"}, "schema", ("'7' is not of type 'integer'",)),
    Row("se-event_json-tags-list", SE, {"event_json": {"message": "m", "tags": ["a"]}}, "schema", ("is not of type 'object'",)),
    Row("conn-timeout-string", LPI, {}, "schema", ("'2' is not of type 'integer'",), conn={"timeout": "2"}),
    Row("conn-verify_tls-string", LPI, {}, "schema", ("'no' is not of type 'boolean'",), conn={"verify_tls": "no"}),
    Row("conn-url-integer", LPI, {}, "schema", ("5 is not of type 'string'",), conn={"url": 5}),
    # (b) reaching the action: a PluginException naming the input ----------------------------------------------
    Row("se-dsn-no-key", SE, {"dsn": "http://127.0.0.1:{port}/1"}, "plugin", ("'dsn'", "no public key")),
    Row("se-dsn-empty-key", SE, {"dsn": "http://:{secret}@127.0.0.1:{port}/1"}, "plugin", ("'dsn'", "no public key")),
    Row("se-dsn-no-project", SE, {"dsn": "http://{key}:{secret}@127.0.0.1:{port}/"}, "plugin", ("'dsn'", "no project ID")),
    Row("se-dsn-project-not-numeric", SE, {"dsn": "http://{key}@127.0.0.1:{port}/backend"}, "plugin", ("'dsn'", "not a number")),
    Row("se-dsn-ftp-scheme", SE, {"dsn": "ftp://{key}:{secret}@127.0.0.1:{port}/1"}, "plugin", ("'dsn'", "scheme")),
    Row("se-dsn-spaces", SE, {"dsn": "http://{key}:{secret}@127.0.0.1:{port}/ 1"}, "plugin", ("'dsn'", "spaces")),
    Row("se-dsn-newline", SE, {"dsn": "http://{key}:{secret}@127.0.0.1:{port}/1\n"}, "plugin", ("'dsn'", "control")),
    Row("se-dsn-unicode-key", SE, {"dsn": "http://kéy{key}@127.0.0.1:{port}/1"}, "plugin", ("'dsn'", "key")),
    Row("se-dsn-dot-segments", SE, {"dsn": "http://{key}@127.0.0.1:{port}/../1"}, "plugin", ("'dsn'", "dot segments")),
    Row("se-dsn-port-99999", SE, {"dsn": "http://{key}:{secret}@127.0.0.1:99999/1"}, "plugin", ("'dsn'", "port")),
    Row("se-event-over-1-MiB", SE, {"event_json": {"message": "x" * (1024 * 1024 + 10)}}, "plugin", ("'event_json'", "1 MiB")),
    Row("se-event_id-not-uuid", SE, {"event_json": {"event_id": "not-a-uuid", "message": "m"}}, "plugin", ("'event_json.event_id'",)),
    Row("se-timestamp-not-a-date", SE, {"event_json": {"timestamp": "yesterday", "message": "m"}}, "plugin", ("'event_json.timestamp'",)),
    Row("se-level-critical", SE, {"event_json": {"level": "critical", "message": "m"}}, "plugin", ("'event_json.level'",)),
    Row("se-sentry_version-0", SE, {"sentry_version": 0}, "plugin", ("'sentry_version'",)),
    Row("lpi-org-slash", LPI, {"organization_slug": "example-org/other"}, "plugin", ("'organization_slug'", "not a Sentry slug")),
    Row("lpi-project-dotdot", LPI, {"project_slug": ".."}, "plugin", ("'project_slug'",)),
    Row("lpi-org-question-mark", LPI, {"organization_slug": "a?b=c"}, "plugin", ("'organization_slug'",)),
    Row("lpi-project-hash", LPI, {"project_slug": "backend#x"}, "plugin", ("'project_slug'",)),
    Row("lpi-org-percent-2F", LPI, {"organization_slug": "a%2Fb"}, "plugin", ("'organization_slug'",)),
    Row("lpi-project-percent-2e2e", LPI, {"project_slug": "%2e%2e"}, "plugin", ("'project_slug'",)),
    Row("lpi-org-space", LPI, {"organization_slug": "example org"}, "plugin", ("'organization_slug'",)),
    Row("lpi-project-control-char", LPI, {"project_slug": "back\x00end"}, "plugin", ("'project_slug'",)),
    Row("lpi-org-unicode", LPI, {"organization_slug": "exämple-org"}, "plugin", ("'organization_slug'",)),
    Row("lpi-project-10000-chars", LPI, {"project_slug": LONG}, "plugin", ("'project_slug'",)),
    Row("lpi-cursor-line-break", LPI, {"cursor": "0:0:0\r\nX-Injected: 1"}, "plugin", ("'cursor'",)),
    Row("lpi-cursor-1001-chars", LPI, {"cursor": "1" * 1001}, "plugin", ("'cursor'",)),
    Row("lpi-limit-negative", LPI, {"limit": -1}, "plugin", ("'limit'",)),
    Row("lie-issue_id-traversal", LIE, {"issue_id": "42/../43"}, "plugin", ("'issue_id'", "not a Sentry issue ID")),
    Row("lie-issue_id-hash", LIE, {"issue_id": "42#x"}, "plugin", ("'issue_id'",)),
    Row("lie-issue_id-percent-2e2e", LIE, {"issue_id": "%2e%2e"}, "plugin", ("'issue_id'",)),
    Row("lie-issue_id-unicode-digits", LIE, {"issue_id": "٤٢"}, "plugin", ("'issue_id'",)),
    Row("lie-issue_id-10000-chars", LIE, {"issue_id": "1" * 10000}, "plugin", ("'issue_id'",)),
    Row("lie-organization_slug-slash", LIE, {"organization_slug": "a/b"}, "plugin", ("'organization_slug'",)),
    Row("ui-issue_id-dotdot", UI, {"issue_id": ".."}, "plugin", ("'issue_id'",)),
    Row("ui-issue_id-query", UI, {"issue_id": "42?status=resolved"}, "plugin", ("'issue_id'",)),
    Row("ui-issue_id-space", UI, {"issue_id": "4 2"}, "plugin", ("'issue_id'",)),
    Row("ui-issue_id-header-injection", UI, {"issue_id": "42\r\nX-Injected: 1"}, "plugin", ("'issue_id'",)),
    Row("ui-short-id-without-organization", UI, {"issue_id": "BACKEND-1A"}, "plugin", ("'issue_id'", "organization")),
    Row("ui-organization_slug-traversal", UI, {"organization_slug": "../admin"}, "plugin", ("'organization_slug'",)),
    Row("ui-no-change-given", UI, {"status": DROP}, "plugin", ("'status'", "no change")),
    Row("ui-ignoreWindow-without-count", UI, {"statusDetails": {"ignoreWindow": 60}}, "plugin", ("'statusDetails.ignoreWindow'",)),
    Row("ui-ignoreCount-0", UI, {"statusDetails": {"ignoreCount": 0}}, "plugin", ("'statusDetails.ignoreCount'",)),
    Row("ui-inCommit-without-repository", UI, {"statusDetails": {"inCommit": {"commit": "abc"}}}, "plugin", ("'statusDetails.inCommit'",)),
    Row("conn-url-ftp", LPI, {}, "plugin", ("'url'",), conn={"url": "ftp://127.0.0.1:{port}"}),
    Row("conn-url-no-scheme", LIE, {}, "plugin", ("'url'",), conn={"url": "127.0.0.1:{port}"}),
    Row("conn-url-credentials", UI, {}, "plugin", ("'url'", "user name or password"), conn={"url": "http://admin:{secret}@127.0.0.1:{port}"}),
    Row("conn-url-port-99999", LPI, {}, "plugin", ("'url'", "port"), conn={"url": "http://127.0.0.1:99999"}),
    Row("conn-url-query", LPI, {}, "plugin", ("'url'", "query"), conn={"url": "http://127.0.0.1:{port}/?next=/x"}),
    Row("conn-url-space", LPI, {}, "plugin", ("'url'",), conn={"url": "http://127.0.0.1:{port}/ api"}),
    Row("conn-url-javascript", LPI, {}, "plugin", ("'url'",), conn={"url": "javascript:alert(1)"}),
    Row("conn-test-url-ftp", LPI, {}, "plugin", ("'url'",), conn={"url": "ftp://127.0.0.1:{port}"}, command="test"),
    Row("conn-timeout-0", LPI, {}, "plugin", ("'timeout'",), conn={"timeout": 0}),
    Row("conn-max_retry_wait-negative", SE, {}, "plugin", ("'max_retry_wait'",), conn={"max_retry_wait": -1}),
    Row("conn-token-blank", LIE, {}, "plugin", ("auth token",), conn={"token": {"token": "   ", "domain": ""}}),
    Row("conn-token-line-break", LIE, {}, "plugin", ("auth token", "position 17"), conn={"token": {"token": "sntrys_pasted_ac\nross_two_lines", "domain": ""}}),
    Row("conn-token-non-ascii", UI, {}, "plugin", ("auth token", "position 8"), conn={"token": {"token": "sntrys_\u00e9token", "domain": ""}}),
    Row("conn-organization_slug-slash", LIE, {}, "plugin", ("'organization_slug'",), conn={"organization_slug": "a/b"}),
    # valid: meaningful empty and false values are sent, not dropped ------------------------------------------
    Row("ui-assignedTo-empty-unassigns", UI, {"status": DROP, "assignedTo": ""}, "valid", check=_valid_put({"assignedTo": ""})),
    Row("ui-isPublic-false-is-sent", UI, {"status": DROP, "isPublic": False}, "valid", check=_valid_put({"isPublic": False})),
    Row("lpi-query-empty-lists-every-issue", LPI, {"query": ""}, "valid", check=_valid_get(query="")),
    Row("lpi-query-absent-is-not-sent", LPI, {}, "valid", check=_valid_get(query=None)),
    Row("lpi-opaque-cursor-sent-verbatim", LPI, {"cursor": "b64+/x==&y"}, "valid", check=_valid_get(cursor="b64+/x==&y")),
    Row("lpi-shortIdLookup-true-is-1", LPI, {"shortIdLookup": True}, "valid", check=_valid_get(shortIdLookup="1")),
]


def _fill(value, port: int):
    if isinstance(value, str):
        return value.replace("{port}", str(port)).replace("{key}", CANARY_PUBLIC).replace("{secret}", CANARY_SECRET)
    if isinstance(value, dict):
        return {k: _fill(v, port) for k, v in value.items() if v is not DROP}
    if isinstance(value, list):
        return [_fill(v, port) for v in value]
    return value


def play(row: Row):
    server = fs.FaultServer()
    try:
        server.always("/api/0/issues/42/", fs.json_reply(ISSUE))
        server.always("/api/0/projects/example-org/backend/issues/", fs.page([ISSUE]))
        inputs = _fill({**BASE[row.action], **row.patch}, server.port)
        conn = dict(connection(server.url), **_fill(row.conn, server.port))
        run = run_plugin(row.action, inputs, conn, row.command)
        record("bad inputs", f"{row.id} [{row.kind}]", run, server.count)
        return run, server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def table(request):
    return play_selected(request, "test_bad_input", play)


def test_the_table_is_large_enough():
    assert len(ROWS) >= 40 and len({row.id for row in ROWS}) == len(ROWS)
    assert {row.action for row in ROWS} == {LPI, LIE, UI, SE} and any(row.command == "test" for row in ROWS)


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_bad_input(table, request, row: Row):
    run, server = table[request.node.callspec.id].get()
    if row.kind == "valid":
        assert run.status == "ok" and run.rc == 0, run.describe()
        row.check(server, run)
        return
    assert run.status == "error" and run.rc == 1, run.describe()
    assert server.count == 0 and server.connections == 0, f"{server.count} requests reached the server"
    if row.kind == "schema":
        assert run.cause == "", f"the action ran: {run.describe()}"  # the runtime's check has no cause
        text = run.error
    else:
        assert len(run.assistance) >= 15, run.describe()
        text = run.cause
    for word in row.words:
        assert word in text, f"{word!r} not in {text[:400]!r}"
