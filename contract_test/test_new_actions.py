"""The workflow actions (Get Issue, Get Issue Event, Add/List Issue Comments, Bulk Update Issues) and the assignee and
short-ID handling against Sentry's contract: every request they make, on every route, matches an operation of Sentry's
OpenAPI document (read whole from contract_test/data/source/openapi-derefed.json.gz, so that the bulk updates' bodies
are checked too) or, where the document is silent (issue notes, Sentry 9.1.2's unscoped routes), the shapes written by
hand from Sentry's source in contract_test/data/hand_written.json; and every action fed today's answers (the
document's examples and instances of its schemas, or of the hand-written ones) yields output that passes its output
schema.

Three defects of the document are taken into account, each asserted below so that a corrected document shows:
getOrganizationIssueEvent's event_id enumerates only the keywords though it takes an event's ID too; the project
form of the bulk update declares `id` a single integer though it is repeated for each issue; and that form lists
fewer body fields than the organization form, though both are validated by the same GroupValidator
(sentry/api/helpers/group_index.py update_groups)."""

import copy
import gzip
import json
import re
from functools import lru_cache
from typing import List, Optional

import jsonschema
import pytest
from insightconnect_plugin_runtime.exceptions import PluginException

from komand_sentry.actions.add_issue_comment.action import AddIssueComment
from komand_sentry.actions.bulk_update_issues.action import BulkUpdateIssues
from komand_sentry.actions.get_issue.action import GetIssue
from komand_sentry.actions.get_issue_event.action import GetIssueEvent
from komand_sentry.actions.list_issue_comments.action import ListIssueComments
from komand_sentry.actions.update_issue.action import UpdateIssue
from contract_test import util
from contract_test.scenarios import ISSUE, ISSUE_ROUTES, ORG, PROJECT, SAAS, SHORT_ID, Route
from contract_test.util import TOKEN, ContractViolation, FakeSentry, Operation, Recorded, connect, run

DATA = util.HERE / "data"
EVENT_ID = "9fac2ceed9344f2bbfdd1fdacb0ed9b1"

SHORT_ID_LOOKUP = "GET /api/0/organizations/{organization_id_or_slug}/shortids/{issue_id}/"
TEAMS = "GET /api/0/organizations/{organization_id_or_slug}/teams/"
ORG_PROJECTS = "GET /api/0/organizations/{organization_id_or_slug}/projects/"
ORG_ISSUES = "GET /api/0/organizations/{organization_id_or_slug}/issues/"
BULK_ORG = "PUT /api/0/organizations/{organization_id_or_slug}/issues/"
BULK_PROJECT = "PUT /api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/issues/"
PROJECT_EVENT = "GET /api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/events/{event_id}/"
ISSUE_EVENT = util.RETRIEVE_ISSUE_EVENT
NOTES_POST = "POST /api/0/organizations/{organization_id_or_slug}/issues/{issue_id}/notes/"
NOTES_GET = "GET /api/0/organizations/{organization_id_or_slug}/issues/{issue_id}/notes/"


# The contract: the whole document and the hand-written shapes ---------------------------------------------------


@lru_cache(maxsize=None)
def document() -> dict:
    with gzip.open(DATA / "source" / "openapi-derefed.json.gz", "rt", encoding="utf-8") as file:
        return json.load(file)


def doc_operation(key: str) -> dict:
    method, path = key.split(" ", 1)
    return document()["paths"][path][method.lower()]


def doc_answer(key: str, status: str = "200") -> dict:
    return doc_operation(key)["responses"][status]["content"]["application/json"]


def doc_examples(key: str) -> list:
    answer = doc_answer(key)
    examples = [example["value"] for example in (answer.get("examples") or {}).values()]
    return examples + ([answer["example"]] if "example" in answer else [])


@lru_cache(maxsize=None)
def hand_written() -> dict:
    data = json.loads((DATA / "hand_written.json").read_text(encoding="utf-8"))
    schemas = data["schemas"]

    def resolve(node):
        if isinstance(node, list):
            return [resolve(item) for item in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            return dict(resolve(schemas[node["$ref"]]), **{k: v for k, v in node.items() if k != "$ref"})
        return {key: resolve(value) for key, value in node.items()}

    data["schemas"] = {name: resolve(schema) for name, schema in schemas.items()}
    return data


def hand_schema(name: str) -> dict:
    return hand_written()["schemas"][name]


@lru_cache(maxsize=None)
def full_operation(key: str) -> Operation:
    """A document operation with its parameters and body, corrected for the defects the module docstring names."""
    method, path = key.split(" ", 1)
    entry = doc_operation(key)
    parameters = {p["name"]: copy.deepcopy(p) for p in entry.get("parameters", [])}
    body = entry.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    if key == ISSUE_EVENT:
        parameters["event_id"]["schema"].pop("enum")  # an event's ID is taken too
    if key == BULK_PROJECT:
        parameters["id"]["schema"] = {"type": "array", "items": {"type": "integer"}}
        body = doc_operation(BULK_ORG)["requestBody"]["content"]["application/json"]["schema"]
    answer = entry["responses"].get("200", {}).get("content", {}).get("application/json", {}).get("schema") or {}
    return Operation(
        key=key,
        method=method,
        path=path,
        origin="openapi-derefed.json",
        operation_id=entry.get("operationId"),
        lists=answer.get("type") == "array",
        path_params={n: p for n, p in parameters.items() if p["in"] == "path"},
        query_params={n: p for n, p in parameters.items() if p["in"] == "query"},
        body_schema=body,
    )


@lru_cache(maxsize=None)
def hand_operations() -> tuple:
    found = []
    for key, entry in hand_written()["operations"].items():
        method, path = key.split(" ", 1)
        found.append(
            Operation(
                key=key,
                method=method,
                path=path,
                origin=entry["origin"],
                operation_id=key,
                lists=entry["lists"],
                path_params={n: {"name": n, "schema": {"type": t}} for n, t in entry["path_params"].items()},
                query_params={n: {"name": n, "schema": s} for n, s in entry["query_params"].items()},
            )
        )
    return tuple(found)


# The matcher -----------------------------------------------------------------------------------------------------


def problems_with(op: Operation, request: Recorded) -> Optional[List[str]]:
    """Why the request is not an instance of `op` (empty: it is), or None when its method or path differ."""
    bound = util._bind(op.segments, request.path.strip("/").split("/"))
    if op.method != request.method or bound is None:
        return None
    problems = []
    for name, value in bound.items():
        problem = util._path_value_problem(name, value, op.path_params.get(name, {"schema": {"type": "string"}}))
        problems += [problem] if problem else []
    names = [name for name, _ in request.query]
    for name in sorted(set(names)):
        declared, _ = util._declared_query(op, name)
        if declared is None:
            problems.append(f"query parameter {name!r} is not declared")
            continue
        if names.count(name) > 1 and declared.get("schema", {}).get("type") != "array":
            problems.append(f"query parameter {name!r} is sent {names.count(name)} times")
        kind = (
            declared.get("schema", {}).get("items", {}) if declared.get("schema", {}).get("type") == "array" else None
        )
        for key, value in request.query:
            if key == name:
                problem = util._query_value_problem(name, value, {"schema": kind} if kind is not None else declared)
                problems += [problem] if problem else []
    return problems + body_problems(op, request)


def body_problems(op: Operation, request: Recorded) -> List[str]:
    hand = hand_written()["operations"].get(op.key)
    if hand is None:
        return util._body_problems(op, request)
    if hand["body"] is None:
        return [] if request.body is None else [f"a {request.method} with a body"]
    if request.headers.get("Content-Type", "").split(";")[0] != "application/json":
        return ["the body is not sent as application/json"]
    validator = jsonschema.Draft4Validator(util.to_json_schema(hand_schema(hand["body"])))
    return [f"body: {error.message}" for error in validator.iter_errors(request.json())]


DOCUMENT_KEYS = (SHORT_ID_LOOKUP, TEAMS, ORG_PROJECTS, ORG_ISSUES, BULK_ORG, BULK_PROJECT, PROJECT_EVENT, ISSUE_EVENT)


def contract_match(request: Recorded) -> str:
    """The key of the operation the request is an instance of: the corrected document operations and the
    hand-written ones first (the most literal segments win), then the whole document as util.match has it."""
    candidates = [full_operation(key) for key in DOCUMENT_KEYS] + list(hand_operations())
    reasons, matched = [], []
    for op in candidates:
        problems = problems_with(op, request)
        if problems == []:
            matched.append(op)
        elif problems:
            reasons.append(f"{op.key} ({op.origin}): " + "; ".join(problems))
    if matched:
        return max(matched, key=lambda op: sum(1 for part in op.segments if not part.startswith("{"))).key
    try:
        return util.match(request).key
    except ContractViolation as violation:
        raise ContractViolation(" | ".join(reasons + [str(violation)])) from None


# A Sentry that serves the new routes too ---------------------------------------------------------------------------


def answer_item(key: str) -> dict:
    return copy.deepcopy(doc_examples(key)[0])


def note(number: int) -> dict:
    return {
        "id": str(number),
        "user": {"id": "1", "name": "Jane Doe", "username": "jane", "email": "jane@example.com"},
        "type": "note",
        "data": {"text": f"note {number}"},
        "dateCreated": "2026-11-30T09:12:44.105221Z",
    }


class WorkflowSentry(FakeSentry):
    """util.FakeSentry (issues, events, regions, the legacy routes of Sentry 9) with the routes of the workflow
    actions: short IDs, teams, projects, the organization's issue listing, bulk updates, events by keyword or ID,
    notes. `answers` replaces an answer by route name (see `routes`), as (status, body)."""

    def __init__(self, answers: Optional[dict] = None, notes: int = 130, **options):
        super().__init__(**options)
        # every issue of the listing can be read alone too (as Sentry serves it), besides the one of the scenarios
        self.known_issues = tuple(self.known_issues) + tuple(str(issue["id"]) for issue in self.issues)
        self.answers = answers or {}
        self.notes = [note(n) for n in range(notes, 0, -1)]
        self.event = dict(answer_item(ISSUE_EVENT), eventID=EVENT_ID, groupID=ISSUE)
        short = answer_item(SHORT_ID_LOOKUP)
        self.short = dict(short, groupId=ISSUE, shortId=SHORT_ID, group=dict(short["group"], id=ISSUE))
        project = (self.issue.get("project") or {}).get("id", "1")
        self.project = dict(answer_item(ORG_PROJECTS)[0], id=str(project))  # the issue's project is the org's

    def routes(self, request: Recorded):
        p = request.path
        scoped = re.match(r"^/api/0/organizations/[^/]+/issues/[0-9]+/(events/[^/]+/|notes/)$", p)
        legacy = re.match(r"^/api/0/issues/[0-9]+/(events/(latest|oldest)/|comments/|notes/)$", p)
        yield "shortid", re.match(rf"^/api/0/organizations/{ORG}/shortids/{SHORT_ID}/$", p)
        yield "teams", re.match(r"^/api/0/organizations/[^/]+/teams/$", p)
        yield "projects", re.match(r"^/api/0/organizations/[^/]+/projects/$", p)
        yield "bulk", request.method == "PUT" and re.match(
            r"^/api/0/(organizations/[^/]+|projects/[^/]+/[^/]+)/issues/$", p
        )
        yield "org-issues", request.method == "GET" and re.match(r"^/api/0/organizations/[^/]+/issues/$", p)
        yield "scoped-missing", scoped and not self.scoped_routes
        yield "event", (scoped or legacy) and "/events/" in p
        yield "notes", (scoped or legacy) and "/events/" not in p
        yield "project-event", re.match(rf"^/api/0/projects/[^/]+/[^/]+/events/{EVENT_ID}/$", p)

    def answer(self, request: Recorded):
        for name, matched in self.routes(request):
            if matched:
                if name in self.answers:
                    status, body = self.answers[name]
                    return status, body, {}
                return self.default(name, request)
        return super().answer(request)

    def default(self, name: str, request: Recorded):
        query = request.query_dict()
        if name == "teams":
            return (200, *util._page(doc_examples(TEAMS)[0], query, "per_page", request.url))
        if name == "projects":
            return 200, [self.project], {}
        if name == "org-issues":
            return (200, *util._page(self.issues, query, "limit", request.url))
        if name == "bulk":
            known = {issue["id"] for issue in self.issues} | {ISSUE}
            if not {v for k, v in request.query if k == "id"} & known:
                return 204, b"", {}
            return 200, {k: v for k, v in request.json().items()}, {}
        if name == "notes" and request.method == "POST":
            return 201, dict(note(999), data=request.json()), {}
        if name == "notes":
            return (200, *util._page(self.notes, query, "per_page", request.url))
        if name == "scoped-missing":
            return 404, b"", {}
        return 200, {"shortid": self.short, "event": self.event, "project-event": self.event}[name], {}


# Scenarios -------------------------------------------------------------------------------------------------------

ISSUE_INPUT_VARIANTS = {"numeric-id": {}, "short-id": {"issue_id": SHORT_ID}}
EVENT_VARIANTS = {
    "absent": {},
    **{keyword: {"event_id": keyword} for keyword in ("latest", "oldest", "recommended")},
    "event-id": {"event_id": EVENT_ID},
    "environment": {"event_id": "latest", "environment": "production"},
    "short-id-event-id": {"issue_id": SHORT_ID, "event_id": EVENT_ID},
}
COMMENT_VARIANTS = {
    "numeric-id": {"text": "Escalated"},
    "short-id": {"issue_id": SHORT_ID, "text": "Ünïcode\nand lines"},
}
BULK_VARIANTS = {
    "ids": {"issue_ids": ["1", "2", "3"], "status": "resolved"},
    "ids-project": {"project_slug": PROJECT, "issue_ids": ["1", "2"], "isBookmarked": True},
    "ids-1500": {
        "issue_ids": [str(n) for n in range(1, 1501)],
        "status": "ignored",
        "statusDetails": {"ignoreCount": 5},
    },
    "ids-short-id": {"issue_ids": [SHORT_ID, "1"], "status": "unresolved", "substatus": "ongoing"},
    "ids-unknown": {"issue_ids": ["99999"], "status": "resolved"},
    "query": {"query": "is:unresolved level:error", "status": "resolved", "statusDetails": {"inNextRelease": True}},
    "query-project": {"project_slug": PROJECT, "query": "release:1.2.0", "hasSeen": True, "isPublic": False},
    "team-assignee": {"issue_ids": ["1"], "assignedTo": "#ancient-gabelers"},
    "user-assignee": {"issue_ids": ["1"], "assignedTo": "user:1", "isSubscribed": True},
    "unassign": {"project_slug": PROJECT, "issue_ids": ["1"], "assignedTo": ""},
}


def legacy_only(route: Route) -> bool:
    return route.kind == "legacy" or not route.scoped_routes


def expected_refusal(action_class, route: Route, params: dict) -> Optional[str]:
    """Words of the PluginException the step must end with before any request, or None."""
    if params.get("issue_id", ISSUE) == SHORT_ID and not route.organization:
        return "needs an organization"
    if action_class is GetIssueEvent and (not route.organization or route.learned_legacy):
        # the legacy routes: no recommended event, and an event by ID only through the organization's project
        if params.get("event_id") == "recommended":
            return "recommended"
        if params.get("environment"):  # Sentry 9 picks the latest or oldest event of any environment
            return "environment"
        if params.get("event_id") == EVENT_ID and not route.organization:
            return "organization"
    return None


def perform(action_class, route: Route, params: dict, fake: Optional[WorkflowSentry] = None, check_output=True):
    """The step on a fresh connection of the route: (output or None, PluginException or None, requests)."""
    fake = fake or WorkflowSentry(
        scoped_routes=route.scoped_routes,
        regions={ORG: route.region} if route.region is not None else {},
        issues=util.numbered({"shortId": "BACKEND-1", "status": "unresolved"}, 130),
    )
    connection, fake = connect(route.url, route.connection_org, fake)
    if route.learned_legacy:
        run(GetIssue, connection, {"issue_id": ISSUE, "organization_slug": route.organization}, check_output=False)
        assert connection.api.legacy_routes_only
        fake.requests = []
    params = dict(params)
    if route.action_org or action_class is BulkUpdateIssues:
        params.setdefault("organization_slug", route.action_org or route.organization or ORG)
    try:
        return run(action_class, connection, params, check_output), None, fake.requests
    except PluginException as error:
        return None, error, fake.requests


def assert_matched(route: Route, requests_made: List[Recorded]) -> List[str]:
    """Each request matches the contract and carries the token to the route's hosts only; the keys, in order.
    Every request is checked before failing, so that one violation does not hide those of later requests."""
    keys, violations = [], []
    for request in requests_made:
        try:
            keys.append(contract_match(request))
        except ContractViolation as violation:
            violations.append(str(violation)[:600])
            keys.append("")
            continue
        assert request.headers.get("Authorization") == f"Bearer {TOKEN}", str(request)
        if keys[-1] == util.RETRIEVE_ORGANIZATION:
            assert route.lookup and request.origin == SAAS, str(request)
        else:
            assert request.origin == route.issue_host, f"{request}: expected on {route.issue_host}"
    assert not violations, f"{len(violations)} of {len(requests_made)} requests break the contract:\n" + "\n".join(
        dict.fromkeys(violations)
    )
    return [key for key in keys if key != util.RETRIEVE_ORGANIZATION]


def scenario_ids(variants: dict):
    return pytest.mark.parametrize("variant", list(variants))


ROUTES = pytest.mark.parametrize("route", ISSUE_ROUTES, ids=lambda route: route.id)


# Every request matches -------------------------------------------------------------------------------------------


@scenario_ids(ISSUE_INPUT_VARIANTS)
@ROUTES
def test_get_issue_requests(route, variant):
    params = dict({"issue_id": ISSUE}, **ISSUE_INPUT_VARIANTS[variant])
    output, error, requests_made = perform(GetIssue, route, params)
    keys = assert_matched(route, requests_made)
    refusal = expected_refusal(GetIssue, route, params)
    if refusal:
        assert error is not None and refusal in error.cause and requests_made == []
        return
    assert error is None, error and f"{error.cause} {error.data}"
    assert output["issue"]["id"] and keys[-1] in (util.RETRIEVE_ISSUE, "GET /api/0/issues/{issue_id}/", SHORT_ID_LOOKUP)
    assert (SHORT_ID_LOOKUP in keys) == (variant == "short-id")


@scenario_ids(EVENT_VARIANTS)
@ROUTES
def test_get_issue_event_requests(route, variant):
    params = dict({"issue_id": ISSUE}, **EVENT_VARIANTS[variant])
    output, error, requests_made = perform(GetIssueEvent, route, params)
    keys = assert_matched(route, requests_made)
    refusal = expected_refusal(GetIssueEvent, route, params)
    if refusal:
        assert error is not None and refusal in error.cause and requests_made == [], error and error.cause
        return
    if variant in ("recommended", "environment") and legacy_only(route):  # after the scoped route's empty 404
        assert error is not None and variant in error.cause, error and error.cause
        return
    assert error is None, error and f"{error.cause} {error.data}"
    assert output["event"]["eventID"] == EVENT_ID
    environment = [request.query_dict().get("environment") for request in requests_made if "/events/" in request.path]
    assert environment[-1] == params.get("environment")
    assert keys[-1] in (
        ISSUE_EVENT,
        PROJECT_EVENT,
        "GET /api/0/issues/{issue_id}/events/latest/",
        "GET /api/0/issues/{issue_id}/events/oldest/",
    )


@scenario_ids(COMMENT_VARIANTS)
@ROUTES
def test_add_issue_comment_requests(route, variant):
    params = dict({"issue_id": ISSUE}, **COMMENT_VARIANTS[variant])
    output, error, requests_made = perform(AddIssueComment, route, params)
    keys = assert_matched(route, requests_made)
    if expected_refusal(AddIssueComment, route, params):
        assert error is not None and requests_made == []
        return
    assert error is None, error and f"{error.cause} {error.data}"
    posts = [key for key in keys if key.startswith("POST")]
    assert posts[-1] in (NOTES_POST, "POST /api/0/issues/{issue_id}/comments/", "POST /api/0/issues/{issue_id}/notes/")
    assert len(posts) == (2 if route.kind == "fallback" else 1)  # the scoped try of a server without it, then one
    assert output["comment"]["text"] == params["text"]


@scenario_ids(ISSUE_INPUT_VARIANTS)
@ROUTES
def test_list_issue_comments_requests(route, variant):
    params = dict({"issue_id": ISSUE}, **ISSUE_INPUT_VARIANTS[variant])
    output, error, requests_made = perform(ListIssueComments, route, params)
    keys = assert_matched(route, requests_made)
    if expected_refusal(ListIssueComments, route, params):
        assert error is not None and requests_made == []
        return
    assert error is None, error and f"{error.cause} {error.data}"
    assert len(output["comments"]) == 130  # both pages
    listing = [key for key in keys if key.endswith("notes/") or key.endswith("comments/")]
    assert len(listing) >= 2


@scenario_ids(BULK_VARIANTS)
@pytest.mark.parametrize("route", [r for r in ISSUE_ROUTES if r.organization], ids=lambda route: route.id)
def test_bulk_update_issues_requests(route, variant):
    params = copy.deepcopy(BULK_VARIANTS[variant])
    output, error, requests_made = perform(BulkUpdateIssues, route, params)
    keys = assert_matched(route, requests_made)
    assert error is None, error and f"{error.cause} {error.data}"
    puts = [request for request in requests_made if request.method == "PUT"]
    assert all(0 < len([1 for k, _ in put.query if k == "id"]) <= 1000 for put in puts), "an update without IDs"
    assert all("query" not in put.query_dict() for put in puts)
    assert set(keys) >= ({BULK_PROJECT} if "project_slug" in params else {BULK_ORG}) or output["issue_ids"] == []
    if variant == "team-assignee":
        assert TEAMS in keys and puts[-1].json() == {"assignedTo": f"team:{doc_examples(TEAMS)[0][0]['id']}"}


@pytest.mark.parametrize("route", [r for r in ISSUE_ROUTES if r.organization], ids=lambda route: route.id)
def test_update_issue_team_assignee_requests(route):
    params = {"issue_id": ISSUE, "assignedTo": "#powerful-abolitionist"}
    _, error, requests_made = perform(UpdateIssue, route, params, check_output=False)
    keys = assert_matched(route, requests_made)
    assert error is None, error and f"{error.cause} {error.data}"
    assert TEAMS in keys
    put = [request for request in requests_made if request.method == "PUT"][-1]
    assert put.json() == {"assignedTo": f"team:{doc_examples(TEAMS)[0][1]['id']}"}


# Today's answers give valid output ---------------------------------------------------------------------------------

SEEDS = range(6)


def shapes(schema: dict, examples: list) -> list:
    found = [(f"example-{n}", copy.deepcopy(example)) for n, example in enumerate(examples)]
    for mode in list(util.MODES) + list(SEEDS):
        found.append((f"schema-{mode if isinstance(mode, str) else f'seed{mode}'}", util.instance(schema, mode)))
    return found


def by_shape(found):
    return pytest.mark.parametrize("item", [item for _, item in found], ids=[name for name, _ in found])


SCOPED = ISSUE_ROUTES[2]  # scoped-self-hosted-org-in-action


@by_shape(shapes(util.response_schema(util.RETRIEVE_ISSUE), list(util.response_examples(util.RETRIEVE_ISSUE).values())))
def test_get_issue_output_of_todays_issues(item):
    output, error, _ = perform(GetIssue, SCOPED, {"issue_id": ISSUE}, WorkflowSentry(issue=item))
    assert error is None, error and error.cause
    assert set(output["issue"]) <= set(item) | {"annotations"}


@by_shape(shapes(doc_answer(ISSUE_EVENT)["schema"], doc_examples(ISSUE_EVENT)))
def test_get_issue_event_output_of_todays_events(item):
    fake = WorkflowSentry(answers={"event": (200, dict(item, groupID=ISSUE))})
    output, error, _ = perform(GetIssueEvent, SCOPED, {"issue_id": ISSUE, "event_id": "recommended"}, fake)
    assert error is None, error and error.cause
    assert output["event"].get("eventID") == item.get("eventID")


NOTE_SHAPES = shapes(hand_schema("Note"), [note(1), dict(note(2), user=None)])


@by_shape(NOTE_SHAPES)
def test_add_issue_comment_output_of_todays_notes(item):
    output, error, _ = perform(
        AddIssueComment, SCOPED, {"issue_id": ISSUE, "text": "x"}, WorkflowSentry(answers={"notes": (201, item)})
    )
    assert error is None, error and error.cause
    assert output["comment"]["text"] == item["data"]["text"] and output["comment"]["id"] == item["id"]


@by_shape(NOTE_SHAPES)
def test_list_issue_comments_output_of_todays_notes(item):
    output, error, _ = perform(
        ListIssueComments, SCOPED, {"issue_id": ISSUE}, WorkflowSentry(answers={"notes": (200, [item, item])})
    )
    assert error is None, error and error.cause
    assert [c["text"] for c in output["comments"]] == [item["data"]["text"]] * 2


@by_shape(shapes(doc_answer(BULK_ORG)["schema"], doc_examples(BULK_ORG)))
def test_bulk_update_output_of_todays_answers(item):
    fake = WorkflowSentry(answers={"bulk": (200, item)})
    output, error, _ = perform(BulkUpdateIssues, SCOPED, {"issue_ids": ["2"], "status": "resolved"}, fake)
    assert error is None, error and error.cause
    assert output["issue_ids"] == ["2"] and output["changes"] == item


# The contract itself ---------------------------------------------------------------------------------------------


def test_the_document_defects_taken_into_account_are_still_there():
    event_id = {p["name"]: p for p in doc_operation(ISSUE_EVENT)["parameters"]}["event_id"]
    assert event_id["schema"]["enum"] == ["latest", "oldest", "recommended"]
    assert "The ID of the event" in event_id["description"]
    project_id = {p["name"]: p for p in doc_operation(BULK_PROJECT)["parameters"]}["id"]
    assert project_id["schema"] == {"type": "integer"} and "repeated for each issue" in project_id["description"]
    project_body = doc_operation(BULK_PROJECT)["requestBody"]["content"]["application/json"]["schema"]["properties"]
    org_body = doc_operation(BULK_ORG)["requestBody"]["content"]["application/json"]["schema"]["properties"]
    assert set(project_body) - {"ignoreDuration"} <= set(org_body) and {"substatus", "isSubscribed"} - set(project_body)


def test_the_notes_endpoints_are_not_in_the_document():
    paths = document()["paths"]
    assert not [path for path in paths if path.endswith("/notes/") or path.endswith("/comments/")]
    for key in hand_written()["operations"]:
        method, path = key.split(" ", 1)
        assert method.lower() not in paths.get(path, {}), f"{key} is in the document now: check it there"


@pytest.mark.parametrize(
    "file,schema",
    [("comment_sentry9.json.resp", "Note"), ("note_today.json.resp", "Note")],
)
def test_captured_and_canned_notes_are_instances_of_the_hand_written_shape(file, schema):
    answer = json.loads((util.REPO_ROOT / "unit_test" / "responses" / file).read_text(encoding="utf-8"))
    jsonschema.validate(answer, util.to_json_schema(hand_schema(schema)))


def test_captured_sentry9_note_listing_is_a_list_of_notes():
    answers = json.loads((util.REPO_ROOT / "unit_test" / "responses" / "comments_sentry9.json.resp").read_text())
    jsonschema.validate(answers, {"type": "array", "items": util.to_json_schema(hand_schema("Note"))})


@pytest.mark.parametrize("body", [{"text": ""}, {"text": "   "}, {}, {"text": "x", "extra": 1}])
def test_the_note_request_shape_refuses_what_sentry_refuses(body):
    request = Recorded(
        "POST",
        "https://s/x",
        "https",
        "s",
        f"/api/0/organizations/{ORG}/issues/{ISSUE}/notes/",
        [],
        {"Content-Type": "application/json"},
        json.dumps(body).encode(),
    )
    with pytest.raises(ContractViolation):
        contract_match(request)


def test_the_matcher_refuses_an_unknown_query_parameter_on_a_new_operation():
    request = Recorded(
        "GET", "https://s/x", "https", "s", f"/api/0/organizations/{ORG}/teams/", [("surprise", "1")], {}, None
    )
    with pytest.raises(ContractViolation):
        contract_match(request)
