"""Pagination under faults: a listing is complete or the step fails; it never returns part of a list as the
whole. With a Limit it returns a bounded page with Has More and Next Cursor."""

from fault_test import server as fs
from fault_test.batch import Cases
from fault_test.targets import TARGETS
from fault_test.util import assert_error, assert_ok, connection, record, run_plugin

TABLE = "pagination"
cases = Cases()
LISTS = [TARGETS["list_project_issues"], TARGETS["list_issue_events"]]
IDS = [t.name for t in LISTS]


def _items(prefix: str, count: int, start: int = 0) -> list:
    return [{"id": f"{prefix}{n}", "eventID": f"{n:032x}", "title": f"item {n}"} for n in range(start, start + count)]


def _ids(run, target) -> list:
    key = "issues" if target.name == "list_project_issues" else "events"
    return [item["id"] for item in run.output.get(key, [])]


def _size_param(target) -> str:
    return "limit" if target.name == "list_project_issues" else "per_page"


def _run(target, server, extra=None, **conn):
    inputs = dict(target.make_input(server.port), **(extra or {}))
    return run_plugin(target.action, inputs, connection(server.url, **conn))


@cases(target=LISTS)
def every_page_once_following_the_server_cursors(server, target):
    server.script(
        target.path,
        fs.page(_items("a", 100), next_cursor="1700000000000:100:0"),
        fs.page(_items("a", 100, 100), next_cursor="1700000000000:200:0"),
        fs.page(_items("a", 7, 200)),
    )
    run = _run(target, server)
    record(TABLE, f"{target.name}: 3 pages (100, 100, 7)", run, server.count)
    assert_ok(run)
    assert _ids(run, target) == [f"a{n}" for n in range(207)]  # every item, once, in order
    assert run.output["has_more"] is False and "next_cursor" not in run.output
    assert [r.param("cursor") for r in server.requests] == [None, "1700000000000:100:0", "1700000000000:200:0"]
    assert all(r.param(_size_param(target)) == "100" for r in server.requests)
    assert server.connections == 1  # one kept-alive connection for the whole listing


@cases(target=LISTS)
def fault_mid_pagination_fails_the_step(server, target):
    server.script(target.path, fs.page(_items("a", 100), next_cursor="0:100:0"))
    server.always(target.path, fs.sentry_error(503))
    run = _run(target, server, max_retry_wait=2)
    record(TABLE, f"{target.name}: page 2 answers 503 every time", run, server.count)
    assert_error(run, "unavailable", "HTTP 503")
    assert run.output == {}  # nothing returned, not the first page as if it were all
    assert server.count == 1 + 3


@cases(target=LISTS)
def reset_mid_pagination_is_retried_without_duplicates(server, target):
    server.script(
        target.path,
        fs.page(_items("a", 100), next_cursor="0:100:0"),
        fs.reset_mid_body(),
        fs.page(_items("a", 50, 100)),
    )
    run = _run(target, server)
    record(TABLE, f"{target.name}: page 2 reset once, then served", run, server.count)
    assert_ok(run)
    assert _ids(run, target) == [f"a{n}" for n in range(150)]
    assert [r.param("cursor") for r in server.requests] == [None, "0:100:0", "0:100:0"]
    assert server.connections == 2  # the reset one, and a fresh one for the retry


@cases
def http_404_mid_pagination_fails_without_retry(server):
    target = TARGETS["list_project_issues"]
    server.script(target.path, fs.page(_items("a", 100), next_cursor="0:100:0"), fs.sentry_error(404))
    run = _run(target, server)
    record(TABLE, "list_project_issues: page 2 answers 404", run, server.count)
    assert_error(run, "HTTP 404")
    assert server.count == 2 and run.output == {}


@cases
def html_page_mid_pagination_fails(server):
    target = TARGETS["list_issue_events"]
    server.script(target.path, fs.page(_items("a", 100), next_cursor="0:100:0"), fs.reply(200, "<html>Sign in</html>"))
    run = _run(target, server)
    record(TABLE, "list_issue_events: page 2 is an HTML page (200)", run, server.count)
    assert_error(run, "not JSON")
    assert server.count == 2 and run.output == {}


@cases(target=LISTS)
def link_that_never_advances_fails(server, target):
    server.always(target.path, fs.page(_items("a", 1), next_cursor="0:1:0"))  # the same next cursor every time
    run = _run(target, server)
    record(TABLE, f"{target.name}: Link next cursor never advances", run, server.count)
    assert_error(run, "does not advance", "0:1:0", assistance_words=("Limit", "Next Cursor"))
    assert server.count == 2


@cases
def link_pointing_back_at_the_given_cursor_fails_at_once(server):
    target = TARGETS["list_project_issues"]
    server.always(target.path, fs.page(_items("a", 1), next_cursor="0:5:0"))
    run = _run(target, server, {"cursor": "0:5:0"})
    record(TABLE, "list_project_issues: cursor 0:5:0 answered with next 0:5:0", run, server.count)
    assert_error(run, "does not advance")
    assert server.count == 1 and server.requests[0].param("cursor") == "0:5:0"


MALFORMED_LINKS = {
    "garbage": "this is not a link header",
    "unterminated": '<http://127.0.0.1/x?cursor=0:100:0; rel="next"; results="true"; cursor="0:100:0"',
    "next_without_results": '<http://127.0.0.1/x>; rel="next"; cursor="0:100:0"',
    "next_results_true_without_cursor": '<http://127.0.0.1/x>; rel="next"; results="true"',
    "previous_only": '<http://127.0.0.1/x>; rel="previous"; results="false"; cursor="0:0:1"',
}


@cases(name=list(MALFORMED_LINKS))
def malformed_link_header_fails_rather_than_stop_early(server, name):
    target = TARGETS["list_issue_events"]
    server.always(target.path, fs.page(_items("a", 100), link=MALFORMED_LINKS[name]))
    run = _run(target, server)
    record(TABLE, f"list_issue_events: malformed Link ({name})", run, server.count)
    assert_error(run, "Link header", "incomplete", assistance_words=("proxy",))
    assert server.count == 1 and run.output == {}


@cases
def endless_cursors_are_bounded(server):
    """A server whose every page has a new next cursor: the plugin stops after a bounded number of pages."""
    target = TARGETS["list_project_issues"]

    def endless(ex):
        n = int((ex.request.param("cursor") or "0:0:0").split(":")[1]) + 1
        return fs.page([{"id": str(n)}], next_cursor=f"0:{n}:0")(ex)

    server.always(target.path, endless)
    run = _run(target, server)
    record(TABLE, "list_project_issues: a new next cursor on every page, forever", run, server.count)
    assert_error(run, "1000 pages", assistance_words=("Limit", "Next Cursor"))
    assert server.count == 1000


@cases(target=LISTS)
def limit_returns_has_more_and_next_cursor(server, target):
    server.script(target.path, fs.page(_items("a", 2), next_cursor="1700000000000:2:0"))
    run = _run(target, server, {"limit": 2})
    record(TABLE, f"{target.name}: limit 2, more remain", run, server.count)
    assert_ok(run)
    assert _ids(run, target) == ["a0", "a1"]
    assert run.output["has_more"] is True and run.output["next_cursor"] == "1700000000000:2:0"
    assert server.count == 1 and server.requests[0].param(_size_param(target)) == "2"


@cases(target=LISTS)
def cursor_continues_to_the_end(server, target):
    server.script(target.path, fs.page(_items("a", 1, 2)))
    run = _run(target, server, {"limit": 2, "cursor": "1700000000000:2:0"})
    record(TABLE, f"{target.name}: limit 2 from Next Cursor, last item", run, server.count)
    assert_ok(run)
    assert _ids(run, target) == ["a2"]
    assert run.output["has_more"] is False and "next_cursor" not in run.output
    assert server.requests[0].param("cursor") == "1700000000000:2:0"


@cases
def limit_across_pages(server):
    target = TARGETS["list_project_issues"]
    server.script(
        target.path,
        fs.page(_items("a", 100), next_cursor="0:100:0"),
        fs.page(_items("a", 50, 100), next_cursor="0:150:0"),
    )
    run = _run(target, server, {"limit": 150})
    record(TABLE, "list_project_issues: limit 150 over two pages", run, server.count)
    assert_ok(run)
    assert len(_ids(run, target)) == 150 and len(set(_ids(run, target))) == 150
    assert run.output["has_more"] is True and run.output["next_cursor"] == "0:150:0"
    assert [r.param("limit") for r in server.requests] == ["100", "50"]


played, test_case = cases.fixture(), cases.test()
