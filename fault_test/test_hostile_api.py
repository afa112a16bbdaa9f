"""A hostile or broken Sentry (issues 13 and 14): Link headers built to be slow to parse, answers built to fill the
memory, JSON nested too deep, NaN, numbers that are not numbers, the token echoed where errors quote the answer,
a legacy fallback that would act on another organization's issue, routes answered by a single-page app, servers
with their own page size and their own cursors.

Each step runs through `bin/komand_sentry run` with the canary token (`run_plugin` fails a case where any of it
appears in stdout or stderr) and must end, within a bound, with a PluginException (a reply with a cause and
assistance) or a success whose reply is strict JSON.
"""

import json
import re

from fault_test import server as fs
from fault_test.batch import Cases
from fault_test.targets import EVENT, ISSUE, TARGETS
from fault_test.util import (
    CANARY_TOKEN,
    active_time,
    assert_error,
    assert_ok,
    connection,
    record,
    run_plugin,
)

TABLE = "hostile server"
cases = Cases()
ISSUES = TARGETS["list_project_issues"]
EVENTS = TARGETS["list_issue_events"]
UPDATE = TARGETS["update_issue"]
LISTS = [ISSUES, EVENTS]
MIB = 1024 * 1024
STEP_BOUND = 10.0  # seconds from the first request to the exit, for a step whose server answers at once
MEMORY_STEP_BOUND = 40.0  # the same for a step sent tens of MB
PEAK_RSS_BOUND_MIB = 400  # the step's whole peak RSS; a step that does nothing peaks at about 55 MiB
ORG = "orga"


def _run(target, server, extra=None, **conn):
    inputs = dict(target.make_input(server.port), **(extra or {}))
    return run_plugin(target.action, inputs, connection(server.url, **conn))


def _refuse_constant(name):
    raise ValueError(f"{name} in the reply")


def _assert_strict_reply(run) -> dict:
    """The reply (the last stdout line) is JSON as JSON defines it: no NaN, no Infinity."""
    return json.loads(run.stdout.strip().rsplit("\n", 1)[-1], parse_constant=_refuse_constant)


def _assert_ended_cleanly(run, server, bound: float = STEP_BOUND) -> None:
    """A success, or a PluginException (cause and assistance), within `bound` seconds of the first request."""
    _assert_strict_reply(run)
    if run.status != "ok":
        assert_error(run)
    assert active_time(run, server) < bound, f"the step took {active_time(run, server):.1f} s, bound {bound} s"


def _assert_no_piece_of_the_token(run) -> None:
    """No 8 characters of the token in a row anywhere the step printed (a cut may leave part of it; `run_plugin`
    looks for the distinctive parts only). Windows of digits alone are left out: they occur in any output."""
    printed = run.stdout + run.stderr
    for start in range(len(CANARY_TOKEN) - 7):
        piece = CANARY_TOKEN[start : start + 8]
        if not piece.isdigit():
            assert piece not in printed, f"{piece!r} of the token appears: {run.describe()}"


def _items(count: int, start: int = 0, prefix: str = "i") -> list:
    return [{"id": f"{prefix}{n}", "eventID": f"{n:032x}", "title": f"item {n}"} for n in range(start, start + count)]


def _ids(run, target) -> list:
    key = "issues" if target is ISSUES else "events"
    return [item["id"] for item in run.output.get(key, [])]


def raw_answer(body: bytes, header_lines=(), status: int = 200, content_type: str = "application/json"):
    """An answer with header lines written as given (a header may repeat, as a proxy may repeat it)."""

    def behaviour(ex) -> bool:
        lines = [f"HTTP/1.1 {status} {fs.REASONS.get(status, 'Status')}", f"Content-Type: {content_type}"]
        lines += [f"Content-Length: {len(body)}", *header_lines]
        ex.send(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        return True

    return behaviour


def streamed_list(item: bytes, count: int, link: str = None):
    """A 200 JSON list of `count` copies of `item`, with its Content-Length, written in pieces: the test process
    never holds the whole body (which would also raise the peak RSS its children start from)."""
    per_piece = max(1, 256 * 1024 // (len(item) + 1))
    piece = (item + b",") * per_piece
    size = 2 + count * (len(item) + 1) - 1

    def behaviour(ex) -> bool:
        headers = {"Content-Type": "application/json", **({"Link": link} if link else {})}
        ex.head(200, headers, size, b"[")
        left = count
        while left > 0:
            chunk = piece if left >= per_piece else (item + b",") * left
            left -= min(left, per_piece)
            ex.send(chunk if left else chunk[:-1] + b"]")
        return True

    return behaviour


def _baseline_rss_kb(server) -> int:
    server.script("/api/0/", TARGETS["connection_test"].ok())
    run = run_plugin(ISSUES.action, ISSUES.make_input(server.port), connection(server.url), "test")
    assert_ok(run)
    return run.max_rss_kb


def _assert_peak_rss_bounded(run, baseline_kb: int) -> float:
    """The step's peak RSS, as far as it is the step's own (a child's count starts from what its parent held)."""
    grew = (run.max_rss_kb - baseline_kb) / 1024
    assert grew < PEAK_RSS_BOUND_MIB - 55, f"peak RSS grew by {grew:.0f} MiB over a step that does nothing"
    return grew


# 14.3: Link headers that a parser trying every position again takes minutes to hours over ------------------------


@cases(target=LISTS)
def link_of_60000_open_angles_fails_fast(server, target):
    server.always(target.path, fs.page(_items(1), link="<" * 60000))
    run = _run(target, server)
    record(TABLE, f"{target.name}: Link header of 60,000 '<'", run, server.count)
    assert_error(run, "Link header", assistance_words=("proxy",))
    _assert_ended_cleanly(run, server)
    assert server.count == 1


@cases(target=LISTS)
def repeated_link_lines_fail_fast(server, target):
    """90 Link lines of 60,000 '<' (each under http.client's 65,536 bytes a line, 92 headers under its 100):
    requests joins them into one header of 5.4 million characters."""
    lines = [f"Link: {'<' * 60000}"] * 90
    server.always(target.path, raw_answer(json.dumps(_items(1)).encode(), lines))
    run = _run(target, server)
    record(TABLE, f"{target.name}: 90 Link lines of 60,000 '<'", run, server.count)
    assert_error(run, "header")  # the Link header refused, or the whole header block before it is read
    _assert_ended_cleanly(run, server)
    assert server.count == 1


@cases
def repeated_valid_link_lines_are_followed(server):
    """A proxy that repeats Sentry's Link line: the same next cursor twice is still one next page."""
    target = EVENTS
    link = 'Link: <http://127.0.0.1/x>; rel="next"; results="true"; cursor="0:1:0"'
    server.script(target.path, raw_answer(json.dumps(_items(1)).encode(), [link, link]), fs.page(_items(1, 1)))
    run = _run(target, server)
    record(TABLE, "list_issue_events: the Link line repeated", run, server.count)
    assert_ok(run)
    assert _ids(run, target) == ["i0", "i1"]
    _assert_ended_cleanly(run, server)


# 14.4: answers built to fill the memory ---------------------------------------------------------------------------


@cases(target=LISTS)
def page_of_ten_million_empty_objects_is_refused_in_bounded_memory(server, target):
    """30 MB of `{},`: under the 32 MiB page bound, but 10 million dicts once decoded (about 1.5 GB)."""
    baseline = _baseline_rss_kb(server)
    server.always(target.path, streamed_list(b"{}", 10_000_000))
    run = _run(target, server, timeout=10, max_retry_wait=0)
    grew = (run.max_rss_kb - baseline) / 1024
    record(TABLE, f"{target.name}: one 30 MB page of 10 million {{}}", run, server.count, f"peak RSS +{grew:.0f} MiB")
    assert_error(run, assistance_words=("Limit", "Next Cursor"))
    assert re.search(r"\d", run.cause), f"the cause names no bound: {run.cause!r}"
    _assert_peak_rss_bounded(run, baseline)
    _assert_ended_cleanly(run, server, MEMORY_STEP_BOUND)


@cases(target=LISTS)
def endless_megabyte_pages_are_refused_in_bounded_memory(server, target):
    """Pages of 100 items of 10 KB (1 MB each), a new cursor on every page: 1000 pages would be 1 GB of items."""
    baseline = _baseline_rss_kb(server)
    item = json.dumps({"id": "1", "title": "x" * 10_000}).encode()

    def endless(ex):
        n = int((ex.request.param("cursor") or "0:0:0").split(":")[1]) + 1
        link = (
            f'<http://127.0.0.1/x>; rel="previous"; results="false"; cursor="0:0:1", '
            f'<http://127.0.0.1/x>; rel="next"; results="true"; cursor="0:{n}:0"'
        )
        return streamed_list(item, 100, link)(ex)

    server.always(target.path, endless)
    run = _run(target, server, timeout=10, max_retry_wait=0)
    grew = (run.max_rss_kb - baseline) / 1024
    record(TABLE, f"{target.name}: endless pages of 1 MB", run, server.count, f"peak RSS +{grew:.0f} MiB")
    assert_error(run, assistance_words=("Limit", "Next Cursor"))
    assert re.search(r"\d", run.cause), f"the cause names no bound: {run.cause!r}"
    _assert_peak_rss_bounded(run, baseline)
    _assert_ended_cleanly(run, server, MEMORY_STEP_BOUND)


# 14.5: answers that are JSON of the wrong shape, or hardly JSON ----------------------------------------------------

DEEP = b"[" * 100_000 + b"]" * 100_000
DEEP_IN_AN_ITEM = b'[{"id": "42", "extra": ' + DEEP + b"}]"


@cases(target=LISTS)
def page_holding_non_objects_fails(server, target):
    server.always(target.path, fs.page([1, None, "x", []]))
    run = _run(target, server)
    record(TABLE, f'{target.name}: a page of [1, null, "x", []]', run, server.count)
    assert_error(run)
    _assert_ended_cleanly(run, server)


@cases(variant=[("whole_page", DEEP), ("inside_an_item", DEEP_IN_AN_ITEM)])
def page_nested_100000_deep_fails(server, variant):
    name, body = variant
    server.always(ISSUES.path, fs.reply(200, body, content_type="application/json"))
    run = _run(ISSUES, server)
    record(TABLE, f"list_project_issues: JSON nested 100,000 deep ({name})", run, server.count)
    assert_error(run)
    _assert_ended_cleanly(run, server)


@cases(target=[ISSUES, UPDATE])
def error_body_nested_100000_deep_fails_with_the_status(server, target):
    server.always(target.path, fs.reply(400, b'{"detail": ' + DEEP + b"}", content_type="application/json"))
    run = _run(target, server)
    record(TABLE, f"{target.name}: a 400 whose body is nested 100,000 deep", run, server.count)
    assert_error(run, "HTTP 400")
    _assert_ended_cleanly(run, server)


@cases
def update_answer_nested_100000_deep_fails(server):
    server.always(UPDATE.path, fs.reply(200, DEEP_IN_AN_ITEM[1:-1], content_type="application/json"))
    run = _run(UPDATE, server)
    record(TABLE, "update_issue: an answer nested 100,000 deep", run, server.count)
    assert_error(run)
    _assert_ended_cleanly(run, server)


USER_COUNTS = [
    ("superscript_two", '"\u00b2"'),
    ("double_minus", '"--1"'),
    ("five_thousand_digits", '"' + "9" * 5000 + '"'),
]


@cases(variant=USER_COUNTS)
def integer_field_that_is_no_integer_is_dropped(server, variant):
    name, value = variant
    body = json.dumps([dict(ISSUE, userCount=0)]).replace('"userCount": 0', f'"userCount": {value}').encode()
    server.always(ISSUES.path, raw_answer(body))
    run = _run(ISSUES, server)
    record(TABLE, f"list_project_issues: userCount {name}", run, server.count)
    assert_ok(run)
    (issue,) = run.output["issues"]
    assert issue["id"] == "42" and "userCount" not in issue
    _assert_ended_cleanly(run, server)


@cases
def integer_of_5000_digits_in_the_json_ends_cleanly(server):
    body = json.dumps([dict(ISSUE, userCount=0)]).replace('"userCount": 0', '"userCount": ' + "9" * 5000).encode()
    server.always(ISSUES.path, raw_answer(body))
    run = _run(ISSUES, server)
    record(TABLE, "list_project_issues: userCount a JSON number of 5,000 digits", run, server.count)
    _assert_ended_cleanly(run, server)


NAN_ISSUE = (
    json.dumps(dict(ISSUE, extra=0.5, ratio=1.5, userCount=2.5))
    .replace("0.5", "NaN")
    .replace("1.5", "Infinity")
    .replace("2.5", "NaN")
)


@cases(target=[ISSUES, UPDATE])
def nan_in_an_answer_never_reaches_the_reply(server, target):
    body = f"[{NAN_ISSUE}]" if target is ISSUES else NAN_ISSUE.replace('"unresolved"', '"resolved"')
    server.always(target.path, raw_answer(body.encode()))
    run = _run(target, server)
    record(TABLE, f"{target.name}: NaN and Infinity in the answer", run, server.count)
    _assert_ended_cleanly(run, server)  # strict JSON: NaN left out, or a PluginException


# 14.6: the token echoed where an error quotes the answer -------------------------------------------------------


@cases(at=[22, 280])
def token_echoed_in_a_malformed_link_header(server, at):
    """The token in the Link header from its character `at`: whole in the error's data (22), or across the 300th
    character, where the data cuts the header (280)."""
    url = "<http://127.0.0.1/x?t="
    link = url + "x" * (at - len(url)) + f'{CANARY_TOKEN}>; rel="next"'
    server.always(EVENTS.path, fs.page(_items(1), link=link))
    run = _run(EVENTS, server)
    record(TABLE, f"list_issue_events: malformed Link quoting the token at {at}", run, server.count)
    assert_error(run, "Link header")
    _assert_no_piece_of_the_token(run)
    _assert_ended_cleanly(run, server)


@cases(target=LISTS)
def token_as_a_cursor_that_comes_back(server, target):
    server.always(target.path, fs.page(_items(1), next_cursor=CANARY_TOKEN))
    run = _run(target, server)
    record(TABLE, f"{target.name}: the token as a next cursor, every page", run, server.count)
    assert_error(run)
    _assert_no_piece_of_the_token(run)
    _assert_ended_cleanly(run, server)


@cases
def token_as_the_next_cursor_of_a_limited_listing(server):
    server.always(ISSUES.path, fs.page(_items(1), next_cursor=CANARY_TOKEN))
    run = _run(ISSUES, server, {"limit": 1})
    record(TABLE, "list_project_issues: limit 1, the token as the next cursor", run, server.count)
    _assert_no_piece_of_the_token(run)
    _assert_ended_cleanly(run, server)


@cases(target=[ISSUES, UPDATE])
def token_at_character_480_of_an_error_detail(server, target):
    """Sentry's detail is cut at 500 characters: a cut before the token is hidden leaves its first 20."""
    server.always(target.path, fs.sentry_error(400, "x" * 480 + CANARY_TOKEN))
    run = _run(target, server)
    record(TABLE, f"{target.name}: a 400 whose detail holds the token at 480", run, server.count)
    assert_error(run, "HTTP 400")
    _assert_no_piece_of_the_token(run)
    _assert_ended_cleanly(run, server)


# 14.7: the legacy fallback and another organization's issue ---------------------------------------------------

SCOPED_ISSUE = f"/api/0/organizations/{ORG}/issues/12/"
LEGACY_ISSUE = "/api/0/issues/12/"
ORG_PROJECTS = f"/api/0/organizations/{ORG}/projects/"
HTML_404 = fs.reply(404, "<html><body><h1>404 Not Found</h1>nginx</body></html>", content_type="text/html")


def _legacy_only_server(server, issue_project: dict) -> None:
    """A server where the scoped route is answered by a proxy's HTML 404 and the legacy route serves issue 12."""
    issue = dict(ISSUE, id="12", project=issue_project)

    def legacy_issue(ex) -> bool:
        return fs.json_reply(dict(issue, status="resolved") if ex.request.method == "PUT" else issue)(ex)

    server.always(SCOPED_ISSUE, HTML_404)
    server.always(LEGACY_ISSUE, legacy_issue)
    server.always(ORG_PROJECTS, fs.page([{"id": "1", "slug": "backend", "name": "Backend"}]))


@cases
def legacy_fallback_refuses_another_organizations_issue(server):
    _legacy_only_server(server, {"id": "9", "slug": "other", "name": "Other"})
    run = _run(UPDATE, server, {"issue_id": "12", "organization_slug": ORG})
    record(TABLE, "update_issue: HTML 404 on the scoped route, issue 12 of another organization", run, server.count)
    assert_error(run)
    assert ORG in run.cause + run.data, f"the cause does not name the organization: {run.describe()}"
    assert server.requests_to(LEGACY_ISSUE, "PUT") == [], "the other organization's issue was updated"
    _assert_ended_cleanly(run, server)


@cases
def legacy_fallback_updates_the_organizations_own_issue(server):
    _legacy_only_server(server, {"id": "1", "slug": "backend", "name": "Backend"})
    run = _run(UPDATE, server, {"issue_id": "12", "organization_slug": ORG})
    record(TABLE, "update_issue: HTML 404 on the scoped route, issue 12 of the organization", run, server.count)
    assert_ok(run)
    assert run.output["issue"]["status"] == "resolved"
    assert len(server.requests_to(LEGACY_ISSUE, "PUT")) == 1
    _assert_ended_cleanly(run, server)


# 13: routes a single-page app answers, servers with their own page size and cursors ------------------------------

SCOPED_EVENTS = f"/api/0/organizations/{ORG}/issues/42/events/"
SPA_PAGE = fs.reply(200, "<!doctype html><html><div id='app'></div></html>", content_type="text/html")


@cases
def html_200_on_a_scoped_route_falls_back_to_the_legacy_route(server):
    server.always(SCOPED_EVENTS, SPA_PAGE)
    server.always(f"/api/0/organizations/{ORG}/issues/42/", SPA_PAGE)
    server.always("/api/0/issues/42/", fs.json_reply(dict(ISSUE, project={"id": "1", "slug": "backend"})))
    server.always(ORG_PROJECTS, fs.page([{"id": "1", "slug": "backend", "name": "Backend"}]))
    server.always(EVENTS.path, fs.page([EVENT]))
    run = _run(EVENTS, server, {"organization_slug": ORG})
    record(TABLE, "list_issue_events: the scoped route answers 200 HTML (a single-page app)", run, server.count)
    assert_ok(run)
    assert [event["groupId"] for event in run.output["events"]] == ["42"]
    assert server.requests_to(SCOPED_EVENTS) and server.requests_to(EVENTS.path)
    _assert_ended_cleanly(run, server)


@cases
def json_404_on_a_scoped_route_is_final(server):
    server.always(SCOPED_EVENTS, fs.sentry_error(404, "The requested resource does not exist"))
    server.always(EVENTS.path, fs.page([EVENT]))
    run = _run(EVENTS, server, {"organization_slug": ORG})
    record(TABLE, "list_issue_events: the scoped route answers Sentry's JSON 404", run, server.count)
    assert_error(run, "HTTP 404")
    assert server.requests_to(EVENTS.path) == []
    _assert_ended_cleanly(run, server)


def _own_page_size(prefix: str, pages: int = 3, size: int = 25):
    """A server that serves `size` items a page whatever is asked, with opaque cursors ('pg1==', ...)."""

    def behaviour(ex) -> bool:
        cursor = ex.request.param("cursor")
        number = 0 if cursor is None else int(cursor[2:-2])
        following = f"pg{number + 1}==" if number + 1 < pages else None
        return fs.page(_items(size, number * size, prefix), next_cursor=following)(ex)

    return behaviour


@cases(target=LISTS)
def server_with_its_own_page_size_gives_every_item_once(server, target):
    """Limit 5 against pages of 25: a workflow that loops on Has More with Next Cursor gets all 75 items once,
    and the loop ends."""
    server.always(target.path, _own_page_size("i"))
    seen, cursor, steps = [], None, 0
    while steps < 20:
        steps += 1
        run = _run(target, server, {"limit": 5, **({"cursor": cursor} if cursor else {})})
        assert_ok(run)
        seen += _ids(run, target)
        if not run.output["has_more"]:
            break
        cursor = run.output.get("next_cursor")
        assert cursor, f"step {steps}: has_more true without a next cursor: {run.output}"
    record(TABLE, f"{target.name}: limit 5, the server's pages are 25", run, server.count, f"{steps} steps")
    assert seen == [f"i{n}" for n in range(75)], f"items missing, repeated or out of order: {seen}"
    for request in server.requests:
        assert request.param("limit") == request.param("per_page") == "5", request.target


OPAQUE_CURSORS = ["abc==", "a+b/c=", "x&y%25z/=+"]


@cases(cursor=OPAQUE_CURSORS)
def opaque_cursor_comes_back_unchanged(server, cursor):
    server.script(ISSUES.path, fs.page(_items(2), next_cursor=cursor), fs.page(_items(1, 2)))
    first = _run(ISSUES, server, {"limit": 2})
    assert_ok(first)
    assert first.output["has_more"] is True and first.output["next_cursor"] == cursor, first.output
    second = _run(ISSUES, server, {"limit": 2, "cursor": first.output["next_cursor"]})
    record(TABLE, f"list_project_issues: the server's cursor {cursor!r} fed back", second, server.count)
    assert_ok(second)
    assert _ids(second, ISSUES) == ["i2"] and second.output["has_more"] is False
    assert server.requests[1].param("cursor") == cursor, server.requests[1].target
    assert server.requests[1].params.get("cursor") == [cursor]


played, test_case = cases.fixture(), cases.test()
