"""Helpers of the contract tests: the contract (an extract of Sentry's OpenAPI document), a request matcher,
a fake Sentry behind a requests transport adapter (sentry.io, its region hosts, self-hosted and Sentry 9
servers, with no network), instances built from response schemas, and the plugin driven as a step runs it.
"""

import copy
import json
import logging
import random
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple
from urllib.parse import parse_qsl, unquote, urlsplit

import jsonschema
import requests

from komand_sentry.connection.connection import Connection
from testkit.adapter import InProcessSentry
from testkit.runtime import FORMATS, check  # noqa: F401  (FORMATS: for the tests)
from testkit.wire import NOT_FOUND, Reply  # noqa: F401  (NOT_FOUND: for the tests)
from testkit.world import (  # noqa: F401  (the world's vocabulary, for the tests)
    ABSENT,
    CONTRACT_FILE,
    LIST_ISSUE_EVENTS,
    LIST_ORGANIZATION_PROJECTS,
    LIST_ORGANIZATION_TEAMS,
    LIST_PROJECT_ISSUES,
    RESOLVE_SHORT_ID,
    RETRIEVE_ISSUE,
    RETRIEVE_ISSUE_EVENT,
    RETRIEVE_ORGANIZATION,
    SentryWorld,
    bulk_answer,
    contract,
    default_event,
    default_full_event,
    default_issue,
    default_project,
    note,
    numbered,
    page_of,
    response_examples,
    teams,
)

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent

TOKEN = "sntrys_contract_test_token_0123456789abcdef"
LOGGER = logging.getLogger("contract_test")

# The operations behind the plugin, by the key "METHOD path" of the document (or of operations.json)
UPDATE_ISSUE = "PUT /api/0/organizations/{organization_id_or_slug}/issues/{issue_id}/"
LEGACY_LIST_ISSUE_EVENTS = "GET /api/0/issues/{issue_id}/events/"
LEGACY_UPDATE_ISSUE = "PUT /api/0/issues/{issue_id}/"
LEGACY_RETRIEVE_ISSUE = "GET /api/0/issues/{issue_id}/"
LEGACY_LATEST_EVENT = "GET /api/0/issues/{issue_id}/events/latest/"
LEGACY_OLDEST_EVENT = "GET /api/0/issues/{issue_id}/events/oldest/"
LIST_ORGANIZATION_ISSUES = "GET /api/0/organizations/{organization_id_or_slug}/issues/"
BULK_UPDATE_ORGANIZATION_ISSUES = "PUT /api/0/organizations/{organization_id_or_slug}/issues/"
BULK_UPDATE_PROJECT_ISSUES = "PUT /api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/issues/"
RETRIEVE_PROJECT_EVENT = "GET /api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/events/{event_id}/"
# hand-written (operations.json): in no published document
LIST_ISSUE_NOTES = "GET /api/0/organizations/{organization_id_or_slug}/issues/{issue_id}/notes/"
ADD_ISSUE_NOTE = "POST /api/0/organizations/{organization_id_or_slug}/issues/{issue_id}/notes/"
LEGACY_LIST_ISSUE_NOTES = "GET /api/0/issues/{issue_id}/notes/"
LEGACY_ADD_ISSUE_NOTE = "POST /api/0/issues/{issue_id}/notes/"

# The connection test's request. GET /api/0/ is not in the document (it describes resources, not the API's
# root), but Sentry serves it in every version (IndexEndpoint, src/sentry/api/endpoints/index.py, control silo):
# 200 with `auth` for a token it accepts, 401 for one it does not. Listed here, asserted separately.
UNDOCUMENTED_STABLE = {"GET /api/0/": "API root (IndexEndpoint): the connection test"}

# Query parameters of Sentry's generic pagination (src/sentry/api/base.py Endpoint.paginate reads `cursor`
# and `per_page` for every paginated endpoint).
PAGINATION = ("cursor", "per_page")

_STRING_SEGMENT = re.compile(r"^[A-Za-z0-9_\-]+$")
_DIGITS = re.compile(r"^[0-9]+$")


# The contract ----------------------------------------------------------------------------------------------------


def operation(key: str) -> dict:
    """A whole operation of the extract (parameters with descriptions, request body, the 200 answer)."""
    return contract()["operations"][key]


def response_schema(key: str) -> dict:
    return operation(key)["response200"]["schema"]


@dataclass
class Operation:
    key: str
    method: str
    path: str
    origin: str
    operation_id: str
    lists: bool
    path_params: Dict[str, dict]
    query_params: Dict[str, dict]
    body_schema: Optional[dict] = None  # a document operation's request body (OpenAPI schema)
    body_properties: Optional[Dict[str, dict]] = None  # a legacy operation's requestBodyProperties
    twin: Optional["Operation"] = None  # a legacy operation's organization-scoped counterpart
    undeclared_path_params: List[str] = field(default_factory=list)

    @property
    def segments(self) -> List[str]:
        return self.path.strip("/").split("/")


@lru_cache(maxsize=None)
def operations() -> Tuple[Operation, ...]:
    """Every operation of the document (with the defects DOCUMENT_DEFECTS names corrected), then the legacy
    and the hand-written operations of operations.json."""
    data = contract()
    found: List[Operation] = []
    by_key: Dict[str, Operation] = {}
    for entry in data["document_operations"]:
        key = f"{entry['method']} {entry['path']}"
        full = data["operations"].get(key)
        parameters = full["parameters"] if full else entry["parameters"]
        op = Operation(
            key=key,
            method=entry["method"],
            path=entry["path"],
            origin="openapi-derefed.json",
            operation_id=entry["operationId"],
            lists=entry["lists"],
            path_params={p["name"]: p for p in parameters if p["in"] == "path"},
            query_params={p["name"]: p for p in parameters if p["in"] == "query"},
            body_schema=full["requestBody"] if full else None,
        )
        found.append(op)
        by_key[key] = op
    for key, correct in DOCUMENT_DEFECTS.items():
        correct(by_key[key], by_key)
    found += [_hand_written(key, entry) for key, entry in data["hand_written"].items()]
    found += [_legacy(key, entry, by_key) for key, entry in data["legacy"].items()]
    return tuple(found)


def _legacy(key: str, entry: dict, by_key: Dict[str, Operation]) -> Operation:
    twin = by_key.get(f"{entry['method']} /api/0/organizations/{{organization_id_or_slug}}{entry['path'][6:]}")
    in_path = set(re.findall(r"{(\w+)}", entry["path"]))
    parameters = entry["parameters"]
    return Operation(
        key=key,
        method=entry["method"],
        path=entry["path"],
        origin="operations.json (legacy, removed from the current document)",
        operation_id=entry["operationId"],
        lists=bool(twin and twin.lists),
        path_params={p["name"]: p for p in parameters if p["in"] == "path" and p["name"] in in_path},
        query_params={p["name"]: p for p in parameters if p["in"] == "query"},
        body_properties=entry["requestBodyProperties"],
        twin=twin,
        undeclared_path_params=[p["name"] for p in parameters if p["in"] == "path" and p["name"] not in in_path],
    )


def _hand_written(key: str, entry: dict) -> Operation:
    return Operation(
        key=key,
        method=entry["method"],
        path=entry["path"],
        origin="operations.json (written by hand from Sentry's source; in no published document)",
        operation_id=entry["operationId"],
        lists=entry["lists"],
        path_params={p["name"]: p for p in entry["parameters"] if p["in"] == "path"},
        query_params={p["name"]: p for p in entry["parameters"] if p["in"] == "query"},
        body_properties=entry["requestBodyProperties"],
    )


# Defects of the document, corrected where the matcher reads them. Each is Sentry's source against its document;
# test_matcher.py asserts each is still in the document, so that a corrected document shows.
EVENT_ID_OR_KEYWORD = "^(latest|oldest|recommended|[0-9a-f]{32})$"


def _event_id_too(op: Operation, by_key: Dict[str, Operation]) -> None:
    """getOrganizationIssueEvent's event_id enumerates the keywords only, though its description says "The ID of
    the event to retrieve, or 'latest', 'oldest', or 'recommended'" and Sentry routes an event's ID there too
    (src/sentry/api/urls.py create_group_urls:
    events/(?P<event_id>(?:latest|oldest|recommended|\\d+|[A-Fa-f0-9-]{32,36}))/); the plugin sends an event's ID
    as 32 lower-case hexadecimal characters only."""
    declared = op.path_params["event_id"]
    op.path_params["event_id"] = dict(declared, schema={"type": "string", "pattern": EVENT_ID_OR_KEYWORD})


def _repeated_ids_and_the_organization_body(op: Operation, by_key: Dict[str, Operation]) -> None:
    """The project form of the bulk update declares `id` a single integer though its description says it "shall be
    repeated for each issue", and declares fewer body fields than the organization form, though both are validated
    by the same GroupValidator (src/sentry/issues/endpoints/project_group_index.py put() and
    organization_group_index.py put() both call update_groups_with_search_fn). Only the project form's top-level
    ignoreDuration is lost that way; the plugin gives it in statusDetails, as both forms declare."""
    declared = op.query_params["id"]
    op.query_params["id"] = dict(declared, schema={"type": "array", "items": {"type": "integer"}})
    op.body_schema = by_key[BULK_UPDATE_ORGANIZATION_ISSUES].body_schema


DOCUMENT_DEFECTS: Dict[str, Callable[[Operation, Dict[str, Operation]], None]] = {
    RETRIEVE_ISSUE_EVENT: _event_id_too,
    BULK_UPDATE_PROJECT_ISSUES: _repeated_ids_and_the_organization_body,
}


def operation_by_key(key: str) -> Operation:
    for op in operations():
        if op.key == key:
            return op
    raise KeyError(key)


# Recorded requests and the matcher -------------------------------------------------------------------------------


@dataclass
class Recorded:
    method: str
    url: str
    scheme: str
    host: str
    path: str
    query: List[Tuple[str, str]]
    headers: Dict[str, str]
    body: Optional[bytes]

    @classmethod
    def from_prepared(cls, request: requests.PreparedRequest) -> "Recorded":
        parts = urlsplit(request.url)
        body = request.body
        if isinstance(body, str):
            body = body.encode("utf-8")
        return cls(
            method=request.method,
            url=request.url,
            scheme=parts.scheme,
            host=parts.netloc,
            path=parts.path,
            query=parse_qsl(parts.query, keep_blank_values=True),
            headers=dict(request.headers),
            body=body or None,
        )

    @property
    def origin(self) -> str:
        return f"{self.scheme}://{self.host}"

    @property
    def pairs(self) -> List[Tuple[str, str]]:
        return self.query

    def json(self):
        return json.loads(self.body) if self.body else None

    def query_dict(self) -> Dict[str, str]:
        return dict(self.query)

    def __str__(self) -> str:
        query = "&".join(f"{k}={v}" for k, v in self.query)
        return f"{self.method} {self.origin}{self.path}" + (f"?{query}" if query else "")


class ContractViolation(AssertionError):
    pass


def _bind(template: List[str], segments: List[str]) -> Optional[Dict[str, str]]:
    if len(template) != len(segments):
        return None
    bound = {}
    for expected, actual in zip(template, segments):
        if expected.startswith("{") and expected.endswith("}"):
            bound[expected[1:-1]] = actual
        elif expected != actual:
            return None
    return bound


def _path_value_problem(name: str, value: str, declared: dict) -> Optional[str]:
    schema = declared.get("schema", {})
    if unquote(value) != value:
        return f"path parameter {name}={value!r} is percent-encoded"
    if schema.get("enum") is not None and value not in schema["enum"]:
        return f"path parameter {name}={value!r} is not one of {schema['enum']}"
    if schema.get("pattern") is not None and not re.search(schema["pattern"], value):
        return f"path parameter {name}={value!r} does not match {schema['pattern']!r}"
    if schema.get("type") == "integer":
        return None if _DIGITS.match(value) else f"path parameter {name}={value!r} is declared integer, not digits"
    if not _STRING_SEGMENT.match(value):
        return f"path parameter {name}={value!r} is not a slug or an ID"
    return None


def _described_values(description: str) -> Optional[List[str]]:
    """The values a parameter's description enumerates ("can be one of `"24h"`, `"14d"`, and `""`")."""
    found = re.search(r"can be one of (.*?)\)", description or "")
    if not found:
        return None
    return re.findall(r'`"([^"`]*)"`', found.group(1))


def _described_maximum(description: str) -> Optional[int]:
    found = re.search(r"[Mm]aximum(?: allowed)? is (\d+)", description or "")
    return int(found.group(1)) if found else None


def _query_value_problem(name: str, value: str, declared: dict) -> Optional[str]:
    schema = declared.get("schema", {})
    kind = schema.get("type")
    if kind == "array" and isinstance(schema.get("items"), dict):
        return _query_value_problem(name, value, {"schema": schema["items"]})  # each value of a repeated parameter
    if schema.get("enum") is not None and value not in schema["enum"]:
        return f"{name}={value!r} is not one of {schema['enum']}"
    if kind == "boolean" and value not in ("1", "0"):
        return f"{name}={value!r} is declared boolean; Sentry reads 1/0"
    if kind == "integer":
        if not _DIGITS.match(value):
            return f"{name}={value!r} is declared integer, not digits"
        maximum = schema.get("maximum", _described_maximum(declared.get("description", "")))
        if maximum is not None and int(value) > maximum:
            return f"{name}={value} is more than the maximum {maximum}"
        if int(value) < 1:
            return f"{name}={value} asks for no results"
    if kind == "string":
        if len(value) < schema.get("minLength", 0):
            return f"{name}={value!r} is shorter than {schema['minLength']}"
        allowed = _described_values(declared.get("description", ""))
        if allowed is not None and value not in allowed:
            return f"{name}={value!r} is not one of the values its description allows, {allowed}"
    return None


def _declared_query(op: Operation, name: str) -> Tuple[Optional[dict], str]:
    """The declaration a query parameter is checked against, and where it comes from."""
    if name in op.query_params:
        return op.query_params[name], "declared"
    if name == "cursor" and op.lists:
        return {"name": "cursor", "schema": {"type": "string", "minLength": 1}}, "cursor of a paginated operation"
    if op.twin is not None and name in PAGINATION and name in op.twin.query_params:
        return op.twin.query_params[name], f"pagination parameter of {op.twin.key}"
    page_sizes = [op.query_params[size] for size in PAGE_SIZE_NAMES if size in op.query_params]
    if name in PAGE_SIZE_NAMES and op.lists:
        # the plugin sends the page size under both names Sentry's endpoints read (Sentry's paginator reads
        # per_page, the issue searches limit; Django ignores the other); it is checked as the declared one is
        declared = (
            page_sizes[0] if page_sizes else {"name": name, "schema": {"type": "integer", "minimum": 1, "maximum": 100}}
        )
        return declared, "page size of a paginated operation"
    return None, ""


PAGE_SIZE_NAMES = ("limit", "per_page")


def optional_body_schema(schema: dict) -> dict:
    """The request body schema with its top-level and statusDetails `required` lists removed: the document marks
    every updateOrganizationIssue body field as required, but the server validates partially (SOURCES.md)."""
    schema = copy.deepcopy(schema)
    schema.pop("required", None)
    details = schema.get("properties", {}).get("statusDetails", {})
    for part in [details] + details.get("allOf", []):
        part.pop("required", None)
    return schema


_JSON_TYPES = {"string": str, "boolean": bool, "object": dict, "integer": int, "array": list}


def _body_problems(op: Operation, request: Recorded) -> List[str]:
    if request.method in ("GET", "DELETE"):
        return [] if request.body is None else [f"a {request.method} with a body"]
    content_type = request.headers.get("Content-Type", "")
    if content_type.split(";")[0].strip() != "application/json":
        return [f"Content-Type {content_type!r} is not application/json"]
    try:
        body = request.json()
    except ValueError:
        return ["the body is not JSON"]
    if not isinstance(body, dict) or not body:
        return ["the body is not a JSON object with at least one field"]
    problems = []
    if op.body_schema is not None:
        declared = op.body_schema.get("properties", {})
        problems += [f"body field {name!r} is not declared" for name in body if name not in declared]
        validator = jsonschema.Draft4Validator(to_json_schema(optional_body_schema(op.body_schema)))
        problems += [f"body: {error.message} at {list(error.absolute_path)}" for error in validator.iter_errors(body)]
    elif op.body_properties is not None:
        problems += _listed_body_problems(op.body_properties, body)
    else:
        problems.append("the operation declares no request body")
    return problems


def _listed_body_problems(properties: Dict[str, dict], body: dict) -> List[str]:
    """A body against operations.json's requestBodyProperties (type and enum; `required`, `minLength` and
    `pattern` where a hand-written entry gives them)."""
    problems = [
        f"body field {name!r} is missing" for name, d in properties.items() if d.get("required") and name not in body
    ]
    for name, value in body.items():
        declared = properties.get(name)
        if declared is None:
            problems.append(f"body field {name!r} is not declared")
            continue
        kind = _JSON_TYPES.get(declared.get("type"))
        if kind is not None and (not isinstance(value, kind) or (kind is int and isinstance(value, bool))):
            problems.append(f"body field {name!r}={value!r} is not of the declared type {declared['type']}")
        if declared.get("enum") and value not in declared["enum"]:
            problems.append(f"body field {name!r}={value!r} is not one of {declared['enum']}")
        if isinstance(value, str) and len(value) < declared.get("minLength", 0):
            problems.append(f"body field {name!r}={value!r} is shorter than {declared['minLength']}")
        if isinstance(value, str) and declared.get("pattern") and not re.search(declared["pattern"], value):
            problems.append(f"body field {name!r}={value!r} does not match {declared['pattern']!r}")
    return problems


def _query_problems(op: Operation, request: Recorded) -> List[str]:
    problems = []
    names = [name for name, _ in request.query]
    for name in sorted(set(names)):
        declared, _ = _declared_query(op, name)
        if declared is None:
            problems.append(f"query parameter {name!r} is not declared")
            continue
        if names.count(name) > 1 and declared.get("schema", {}).get("type") != "array":
            problems.append(f"query parameter {name!r} is sent {names.count(name)} times")
        values = [value for key, value in request.query if key == name]
        problems += [
            problem for value in values for problem in [_query_value_problem(name, value, declared)] if problem
        ]
    return problems


def _problems(op: Operation, bound: Dict[str, str], request: Recorded) -> List[str]:
    """Why the request, whose path binds `bound` in the operation's path, is not an instance of the operation."""
    problems = [
        problem
        for name, value in bound.items()
        for problem in [_path_value_problem(name, value, op.path_params.get(name, {"schema": {"type": "string"}}))]
        if problem
    ]
    return problems + _query_problems(op, request) + _body_problems(op, request)


def match(request: Recorded) -> Operation:
    """The operation of the document (or a legacy or hand-written one of operations.json) this request is an
    instance of; ContractViolation (an AssertionError) saying why when there is none."""
    segments = request.path.strip("/").split("/")
    candidates = []
    for op in operations():
        bound = _bind(op.segments, segments) if op.method == request.method else None
        if bound is not None:
            literal = sum(1 for part in op.segments if not part.startswith("{"))
            candidates.append((literal, op, bound))
    if not candidates:
        raise ContractViolation(f"{request}: no operation has this method and path")
    best = max(literal for literal, _, _ in candidates)
    reasons = []
    for op, bound in [(op, bound) for literal, op, bound in candidates if literal == best]:
        problems = _problems(op, bound, request)
        if not problems:
            return op
        reasons.append(f"{op.key} ({op.origin}): " + "; ".join(problems))
    raise ContractViolation(f"{request} matches no operation: " + " | ".join(reasons))


# The fake Sentry: the shared world (testkit.world) on the in-process front end -------------------------------


def _page(items: list, query: Dict[str, str], size_param: str, url: str) -> Tuple[list, Dict[str, str]]:
    return page_of(items, query, size_param, url)


class FakeSentry(SentryWorld, InProcessSentry):
    """testkit.world.SentryWorld for every host, recording each request as requests sends it (see SentryWorld for
    its options); `answer(request)` gives (status, body, headers)."""

    def __init__(self, **options):
        InProcessSentry.__init__(self)
        SentryWorld.__init__(self, **options)

    def record(self, prepared, timeout, verify, stream) -> Recorded:
        return Recorded.from_prepared(prepared)

    def reply_to(self, request: Recorded) -> Reply:
        status, body, headers = self.answer(request)
        answer = Reply(status, body, headers)
        answer.headers["Content-Length"] = str(len(answer.body))
        return answer


# The plugin, driven as a workflow step runs it ---------------------------------------------------------------------


def connect(url: Optional[str] = None, organization: Optional[str] = None, fake: Optional[FakeSentry] = None, **more):
    """A connected Connection whose Web API and ingestion sessions talk to `fake` (made when not given)."""
    params = {"token": {"token": TOKEN, "domain": ""}}
    if url is not None:
        params["url"] = url
    if organization is not None:
        params["organization_slug"] = organization
    params.update(more)
    connection = Connection()
    connection.logger = LOGGER
    _connection_validator().validate(params)  # the runtime's own check of a connection
    connection.connect(params)
    fake = fake or FakeSentry()
    fake.attach(connection.api.transport.session)
    fake.attach(connection.ingest.transport.session)
    return connection, fake


def run(action_class, connection, params: dict, check_output: bool = True) -> dict:
    """Run an action as the runtime does: input checked against the input schema, output against the output
    schema (the runtime's `jsonschema.validate`), with date-time formats checked too."""
    action = action_class()
    action.connection = connection
    action.logger = LOGGER
    check(action_class, "input", params)
    output = action.run(dict(params))
    if check_output:
        validate_output(action_class, output)
    return output


def validate_output(action_class, output: dict) -> None:
    check(action_class, "output", output, formats=True)


@lru_cache(maxsize=None)
def _connection_validator():
    schema = Connection().schema
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


# Instances of response schemas -----------------------------------------------------------------------------------


def to_json_schema(node):
    """An OpenAPI 3.0 schema as JSON Schema: `nullable: true` becomes "or null"."""
    if isinstance(node, list):
        return [to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {}
    for key, value in node.items():
        if key in ("properties",):
            converted[key] = {name: to_json_schema(sub) for name, sub in value.items()}
        elif key in ("items", "additionalProperties", "allOf", "oneOf", "anyOf", "not"):
            converted[key] = to_json_schema(value)
        elif key not in ("nullable", "example", "format"):
            converted[key] = value
    if node.get("nullable"):
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


# Fields the deprecated project-issues operation declares as plain strings, though its example and the current
# issue operations give date-times (`format: date-time`).
DATE_FIELDS = {"firstSeen", "lastSeen", "dateCreated", "dateReceived", "dateCompleted"}
MODES = ("all", "required", "nulls")


class Instances:
    """Instances of an OpenAPI schema. Modes: "all" (every property, no nulls), "required" (required properties
    only, nullable ones null), "nulls" (every property, every nullable one null), or a seed (random: optional
    properties sometimes, nullable sometimes null, arrays of 1 or 2 items, one branch of oneOf/anyOf)."""

    def __init__(self, mode):
        self.mode = mode
        self.rng = random.Random(mode if isinstance(mode, int) else 0)
        self.counter = 0

    def of(self, schema: dict, name: str = "") -> object:
        schema = schema or {}
        if schema.get("nullable") and self._null():
            return None
        if any(key in schema for key in ("allOf", "oneOf", "anyOf")):
            return self.of(self._combined(schema), name)
        if "enum" in schema:
            values = [value for value in schema["enum"] if value is not None]
            return values[0] if self.mode in MODES else self.rng.choice(values)
        kind = schema.get("type")
        if kind == "object" or "properties" in schema:
            return self._object(schema)
        if kind == "array":
            count = 1 if self.mode in MODES else self.rng.choice((1, 2))
            return [self.of(schema.get("items", {}), name) for _ in range(count)]
        if kind == "string":
            return self._string(schema, name)
        if kind == "integer":
            return self._number(1000)
        if kind == "number":
            return self._number(1000) + 0.5
        if kind == "boolean":
            return self.mode == "all" or (self.mode not in MODES and self.rng.random() < 0.5)
        return self._anything()

    def _combined(self, schema: dict) -> dict:
        """allOf: its parts merged into one object schema; oneOf/anyOf: one of its branches."""
        if "allOf" in schema:
            merged = {"type": "object", "properties": {}, "required": [], "nullable": False}
            for part in schema["allOf"]:
                merged["properties"].update(part.get("properties", {}))
                merged["required"] += part.get("required", [])
            return merged
        choices = schema["oneOf"] if "oneOf" in schema else schema["anyOf"]
        return choices[0] if self.mode in MODES else self.rng.choice(choices)

    def _null(self) -> bool:
        if self.mode == "all":
            return False
        if self.mode in ("required", "nulls"):
            return True
        return self.rng.random() < 0.3

    def _object(self, schema: dict) -> dict:
        required = set(schema.get("required", []))
        value = {}
        for name, sub in schema.get("properties", {}).items():
            randomly = self.mode not in MODES and self.rng.random() < 0.5
            if name in required or self.mode in ("all", "nulls") or randomly:
                value[name] = self.of(sub, name)
        extra = schema.get("additionalProperties")
        if extra not in (None, False) and not schema.get("properties"):
            value["extra"] = self.of(extra if isinstance(extra, dict) else {}, "extra")
        return value

    def _string(self, schema: dict, name: str) -> str:
        self.counter += 1
        if schema.get("format") == "date-time" or name in DATE_FIELDS:
            return f"2026-11-{1 + self.counter % 28:02d}T04:{self.counter % 60:02d}:00.123456Z"
        return f"{name or 'text'}-{self.counter}"

    def _number(self, top: int) -> int:
        self.counter += 1
        return self.counter if self.mode in MODES else self.rng.randint(0, top)

    def _anything(self) -> object:
        if self.mode in MODES:
            return {"value": "any"}
        return self.rng.choice(["text", 7, {"value": "any"}, True, None, [1, "two"]])


def instance(schema: dict, mode) -> object:
    return Instances(mode).of(schema)
