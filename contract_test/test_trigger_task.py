"""The New Issue trigger and the Monitor Issues task against the contract: every request they make (first poll, idle
polls, bursts of several pages, a backlog walked page by page, every route: self-hosted, Sentry 9, sentry.io
regions) is an instance of an operation of Sentry's OpenAPI document, and their outputs pass their output schemas
(the runtime's check, and date-time formats) for today's issue shapes: the document's examples and instances of its
schemas, with firstSeen written as Sentry 9.1.2 (milliseconds), today's Sentry (microseconds) or whole seconds."""

import logging
import re
from datetime import datetime, timedelta, timezone
from unittest import mock

import jsonschema
import pytest

from contract_test.scenarios import ORG, PROJECT, PROJECT_ROUTES
from contract_test.util import (
    FORMATS,
    LIST_PROJECT_ISSUES,
    MODES,
    RETRIEVE_ISSUE,
    RETRIEVE_ORGANIZATION,
    TOKEN,
    FakeSentry,
    connect,
    instance,
    match,
    response_examples,
    response_schema,
    validate_output,
)
from fault_test.server import IssueBook, to_us
from komand_sentry.tasks.monitor_issues import MonitorIssues
from komand_sentry.triggers.new_issue import NewIssue
from komand_sentry.util import new_issues as wm
from komand_sentry.util.new_issues import NewIssuePolls
from komand_sentry.util.watermark import Project

LOGGER = logging.getLogger("contract_test.trigger_task")
T0 = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)
MS = 1000
_PROJECT_ISSUES_PATH = re.compile(r"^/api/0/projects/[^/]+/[^/]+/issues/$")


class BookFake(FakeSentry):
    """The contract's fake Sentry, its project issue listing answered from an IssueBook (query, sort, cursors)."""

    def __init__(self, book: IssueBook, **kwargs):
        super().__init__(**kwargs)
        self.book = book

    def answer(self, request):
        if request.method == "GET" and _PROJECT_ISSUES_PATH.match(request.path):
            return self.book.answer(request.query_dict(), f"{request.origin}{request.path}")
        return super().answer(request)


def at(seconds: float) -> int:
    return to_us(T0) + int(seconds * 1_000_000)


def wired(route, book: IssueBook):
    fake = BookFake(book, scoped_routes=route.scoped_routes, regions={ORG: route.region} if route.lookup else {})
    connection, fake = connect(route.url, route.connection_org, fake)
    return connection, fake


def polls_on(connection, query="is:unresolved") -> NewIssuePolls:
    polls = NewIssuePolls(lambda: connection.api, Project(ORG, PROJECT), query, 60, LOGGER, now=lambda: T0)
    polls.start({})
    return polls


def assert_documented(route, fake) -> None:
    for request in fake.requests:
        key = match(request).key
        if key == RETRIEVE_ORGANIZATION:
            assert route.lookup, f"{request}: a region lookup off sentry.io"
            continue
        assert key == LIST_PROJECT_ISSUES, f"{request} is {key}"
        assert request.origin == route.issue_host, f"{request}: expected on {route.issue_host}"
        assert request.headers.get("Authorization") == f"Bearer {TOKEN}"
        query = request.query_dict()
        assert query["sort"] == "new" and int(query["limit"]) <= 100 and query["statsPeriod"] == ""


@pytest.mark.parametrize("route", PROJECT_ROUTES, ids=[route.id for route in PROJECT_ROUTES])
def test_every_request_of_the_trigger_is_documented(route):
    book = IssueBook()
    connection, fake = wired(route, book)
    polls = polls_on(connection)
    emitted = []
    polls.poll(lambda issue: emitted.append(issue["id"]), lambda state: None, lambda: True)  # the first, idle
    book.add(at(1), 250, step_us=MS)  # a burst of three pages
    polls.poll(lambda issue: emitted.append(issue["id"]), lambda state: None, lambda: True)
    book.add(at(2), 1150, step_us=MS)  # a backlog walked page by page
    polls.poll(lambda issue: emitted.append(issue["id"]), lambda state: None, lambda: True)
    assert len(emitted) == len(set(emitted)) == 1400
    assert sum(1 for request in fake.requests if "cursor" in request.query_dict()) >= 12
    assert_documented(route, fake)


@pytest.mark.parametrize("route", PROJECT_ROUTES, ids=[route.id for route in PROJECT_ROUTES])
def test_every_request_of_the_task_is_documented(route):
    book = IssueBook()
    book.add(at(-3600), 230, step_us=MS)
    connection, fake = wired(route, book)
    state, calls = {}, 0
    with mock.patch.object(wm, "utc_now", lambda: T0):
        while True:
            task = MonitorIssues()
            task.connection, task.logger = connection, LOGGER
            output, state, has_more, status, error = task.run(
                {"organization_slug": ORG, "project_slug": PROJECT}, state, {"cutoff": {"hours": 2}}
            )
            calls += 1
            assert (status, error) == (200, None)
            if not has_more:
                break
    assert calls == 3
    assert_documented(route, fake)
    for request in fake.requests:
        if match(request).key == LIST_PROJECT_ISSUES:
            assert request.query_dict()["query"].startswith("firstSeen:>=")


def today_shapes() -> list:
    """Issues of today's shape: the examples of the issue operations, then instances of their schemas."""
    found = []
    for key, of_list in ((LIST_PROJECT_ISSUES, True), (RETRIEVE_ISSUE, False)):
        for name, example in response_examples(key).items():
            found += [
                (f"{key.split()[1][-20:]}-{name}-{n}", item) for n, item in enumerate(example if of_list else [example])
            ]
        schema = response_schema(key)
        schema = schema["items"] if of_list else schema
        found += [
            (f"{'list' if of_list else 'issue'}-schema-{mode}", instance(schema, mode))
            for mode in list(MODES) + [1, 2, 3, 4, 5]
        ]
    return found


SHAPES = today_shapes()
STYLES = ["ms", "us", "s"]


def book_of(shapes, style: str) -> IssueBook:
    """An IssueBook serving these shapes as new issues (their own id, dates and status replaced by the book's)."""
    book = IssueBook(style=style)
    for number, (_, shape) in enumerate(shapes):
        issue_id = book.add(at(1 + number), 1)[0]
        book.issues[issue_id].update(
            {k: v for k, v in shape.items() if k not in ("id", "firstSeen", "lastSeen", "status")}
        )
    return book


@pytest.mark.parametrize("style", STYLES)
def test_trigger_events_pass_the_output_schema_for_today_s_shapes(style):
    book = book_of(SHAPES, style)
    connection, _ = connect("https://sentry.example.com", None, BookFake(book))
    trigger = NewIssue()
    events = []
    trigger.send = events.append  # what the runtime's send receives, before it validates and dispatches
    polls = polls_on(connection)
    polls.poll(trigger.emit, lambda state: None, lambda: True)
    assert len(events) == len(SHAPES)
    for event in events:
        validate_output(NewIssue, event)
        jsonschema.validate(event, trigger.output.schema)


@pytest.mark.parametrize("style", STYLES)
def test_task_output_passes_the_output_schema_for_today_s_shapes(style):
    book = book_of(SHAPES, style)
    connection, _ = connect("https://sentry.example.com", None, BookFake(book))
    task = MonitorIssues()
    task.connection, task.logger = connection, LOGGER
    with mock.patch.object(wm, "utc_now", lambda: T0 + timedelta(hours=1)):
        output, _, has_more, status, error = task.run({"organization_slug": ORG, "project_slug": PROJECT}, {}, {})
    assert (status, error, has_more, len(output)) == (200, None, False, len(SHAPES))
    validate_output(MonitorIssues, output)
    definitions = task.output.schema["definitions"]
    item = jsonschema.Draft7Validator(
        {"$ref": "#/definitions/Issue", "definitions": definitions}, format_checker=FORMATS
    )
    for issue in output:
        item.validate(issue)
        assert isinstance(issue["id"], str) and issue["firstSeen"]
