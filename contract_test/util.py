"""Helpers of the contract tests: the contract (an extract of Sentry's OpenAPI document), a request matcher,
a fake Sentry behind a requests transport adapter (sentry.io, its region hosts, self-hosted and Sentry 9
servers, with no network), instances built from response schemas, and the plugin driven as a step runs it.
"""

import copy
import io
import json
import logging
import random
import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple
from urllib.parse import parse_qsl, unquote, urlsplit

import jsonschema
import requests
import urllib3
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from komand_sentry.connection.connection import Connection

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent
SHARED = REPO_ROOT.parent / "shared" / "sentry-contract"
CONTRACT_FILE = HERE / "data" / "contract.json"

TOKEN = "sntrys_contract_test_token_0123456789abcdef"
LOGGER = logging.getLogger("contract_test")

# The operations behind the plugin, by the key "METHOD path" of the document (or of operations.json)
LIST_PROJECT_ISSUES = "GET /api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/issues/"
LIST_ISSUE_EVENTS = "GET /api/0/organizations/{organization_id_or_slug}/issues/{issue_id}/events/"
UPDATE_ISSUE = "PUT /api/0/organizations/{organization_id_or_slug}/issues/{issue_id}/"
RETRIEVE_ISSUE = "GET /api/0/organizations/{organization_id_or_slug}/issues/{issue_id}/"
RETRIEVE_ORGANIZATION = "GET /api/0/organizations/{organization_id_or_slug}/"
RETRIEVE_ISSUE_EVENT = "GET /api/0/organizations/{organization_id_or_slug}/issues/{issue_id}/events/{event_id}/"
LEGACY_LIST_ISSUE_EVENTS = "GET /api/0/issues/{issue_id}/events/"
LEGACY_UPDATE_ISSUE = "PUT /api/0/issues/{issue_id}/"

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


@lru_cache(maxsize=None)
def contract() -> dict:
    return json.loads(CONTRACT_FILE.read_text(encoding="utf-8"))


def operation(key: str) -> dict:
    """A whole operation of the extract (parameters with descriptions, request body, the 200 answer)."""
    return contract()["operations"][key]


def response_schema(key: str) -> dict:
    return operation(key)["response200"]["schema"]


def response_examples(key: str) -> Dict[str, object]:
    return operation(key)["response200"]["examples"]


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
    """Every operation of the document, then the two legacy operations of operations.json."""
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
    for key, entry in data["legacy"].items():
        twin = by_key.get(f"{entry['method']} /api/0/organizations/{{organization_id_or_slug}}{entry['path'][6:]}")
        in_path = set(re.findall(r"{(\w+)}", entry["path"]))
        parameters = entry["parameters"]
        found.append(
            Operation(
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
                undeclared_path_params=[
                    p["name"] for p in parameters if p["in"] == "path" and p["name"] not in in_path
                ],
            )
        )
    return tuple(found)


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
        declared = page_sizes[0] if page_sizes else {"name": name, "schema": {"type": "integer", "minimum": 1, "maximum": 100}}
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
        for name, value in body.items():
            declared = op.body_properties.get(name)
            if declared is None:
                problems.append(f"body field {name!r} is not declared")
                continue
            kind = _JSON_TYPES.get(declared.get("type"))
            if kind is not None and (not isinstance(value, kind) or (kind is int and isinstance(value, bool))):
                problems.append(f"body field {name!r}={value!r} is not of the declared type {declared['type']}")
            if declared.get("enum") and value not in declared["enum"]:
                problems.append(f"body field {name!r}={value!r} is not one of {declared['enum']}")
    else:
        problems.append("the operation declares no request body")
    return problems


def match(request: Recorded) -> Operation:
    """The operation of the document (or a legacy one of operations.json) this request is an instance of;
    ContractViolation (an AssertionError) saying why when there is none."""
    segments = request.path.strip("/").split("/")
    candidates = []
    for op in operations():
        if op.method != request.method:
            continue
        bound = _bind(op.segments, segments)
        if bound is not None:
            literal = sum(1 for part in op.segments if not part.startswith("{"))
            candidates.append((literal, op, bound))
    if not candidates:
        raise ContractViolation(f"{request}: no operation has this method and path")
    best = max(literal for literal, _, _ in candidates)
    candidates = [(op, bound) for literal, op, bound in candidates if literal == best]
    reasons = []
    for op, bound in candidates:
        problems = [
            problem
            for name, value in bound.items()
            for problem in [_path_value_problem(name, value, op.path_params.get(name, {"schema": {"type": "string"}}))]
            if problem
        ]
        names = [name for name, _ in request.query]
        for name in sorted(set(names)):
            declared, _ = _declared_query(op, name)
            if declared is None:
                problems.append(f"query parameter {name!r} is not declared")
                continue
            if names.count(name) > 1 and declared.get("schema", {}).get("type") != "array":
                problems.append(f"query parameter {name!r} is sent {names.count(name)} times")
            for key, value in request.query:
                if key == name:
                    problem = _query_value_problem(name, value, declared)
                    if problem:
                        problems.append(problem)
        problems += _body_problems(op, request)
        if not problems:
            return op
        reasons.append(f"{op.key} ({op.origin}): " + "; ".join(problems))
    raise ContractViolation(f"{request} matches no operation: " + " | ".join(reasons))


def match_all(requests_made: List[Recorded]) -> List[Tuple[str, str]]:
    """(request, operation key) for each request; the connection test's root request is matched separately."""
    return [(str(request), match(request).key) for request in requests_made]


# A fake Sentry ---------------------------------------------------------------------------------------------------

NOT_FOUND = {"detail": "The requested resource does not exist"}
ABSENT = object()  # an organization answer without links.regionUrl


def _page(items: list, query: Dict[str, str], size_param: str, url: str) -> Tuple[list, Dict[str, str]]:
    size = min(100, int(query.get(size_param, "100")))
    offset = int(query["cursor"].split(":")[1]) if query.get("cursor") else 0
    chunk = items[offset : offset + size]
    base = url.split("?")[0]
    previous = f"0:{max(0, offset - size)}:1"
    following = f"0:{offset + size}:0"
    link = (
        f'<{base}?&cursor={previous}>; rel="previous"; results="{"true" if offset > 0 else "false"}"; '
        f'cursor="{previous}", '
        f'<{base}?&cursor={following}>; rel="next"; results="{"true" if offset + size < len(items) else "false"}"; '
        f'cursor="{following}"'
    )
    return chunk, {"Link": link}


def numbered(template: dict, count: int, id_field: str = "id") -> List[dict]:
    """`count` (shallow) copies of an item, with ids 1, 2, ..."""
    return [dict(template, **{id_field: str(number)}) for number in range(1, count + 1)]


class FakeSentry(BaseAdapter):
    """Sentry's Web API (and ingestion) for every host, recording each request as requests sends it.

    scoped_routes=False is a server without organization-scoped issue routes (Sentry 9: its catch-all answers
    404 with no body); the legacy routes take numeric issue IDs only (Sentry 9's `(?P<issue_id>\\d+)`)."""

    def __init__(
        self,
        *,
        scoped_routes: bool = True,
        regions: Optional[Dict[str, object]] = None,
        organization: Optional[dict] = None,
        issues: Optional[List[dict]] = None,
        events: Optional[List[dict]] = None,
        issue: Optional[dict] = None,
        put_answer: Optional[Callable[[dict, dict], dict]] = None,
        known_issues: Tuple[str, ...] = ("612424900", "BACKEND-1A"),
        ingest_answer: Optional[dict] = None,
    ):
        super().__init__()
        self.scoped_routes = scoped_routes
        self.regions = regions or {}
        self.organization = organization
        if issues is None:
            issues = numbered(response_examples(LIST_PROJECT_ISSUES)["example"][0], 3)
        self.issues = issues
        self.events = events if events is not None else numbered(default_event(), 3)
        self.issue = issue if issue is not None else default_issue()
        self.put_answer = put_answer
        self.known_issues = known_issues
        self.ingest_answer = ingest_answer
        self.requests: List[Recorded] = []

    def attach(self, session: requests.Session) -> "FakeSentry":
        session.mount("https://", self)
        session.mount("http://", self)
        return self

    def close(self):
        pass

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        recorded = Recorded.from_prepared(request)
        self.requests.append(recorded)
        status, body, headers = self.answer(recorded)
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode("utf-8")
            headers = dict(headers, **{"Content-Type": "application/json"})
        headers = dict(headers, **{"Content-Length": str(len(body))})
        response = requests.Response()
        response.status_code = status
        response.headers = CaseInsensitiveDict(headers)
        # the body as urllib3 delivers it to requests (iter_content and read1 both work on it)
        response.raw = urllib3.HTTPResponse(
            body=io.BytesIO(body), headers=headers, status=status, preload_content=False, decode_content=True
        )
        response.url = request.url
        response.request = request
        response.encoding = "utf-8"
        response.reason = "OK" if status < 400 else "Not Found"
        return response

    def answer(self, request: Recorded) -> Tuple[int, object, Dict[str, str]]:
        path, method, query = request.path, request.method, request.query_dict()
        found = re.match(r"^/api/\d+/(envelope|store)/$", path)
        if found and method == "POST":
            return 200, self.ingest_answer or {"id": "afd25d0e868f495fa802179d33ef3b97"}, {}
        if path == "/api/0/" and method == "GET":
            return 200, {"version": "0", "auth": {"scopes": ["event:read", "event:write"]}, "user": None}, {}
        found = re.match(r"^/api/0/organizations/([^/]+)/$", path)
        if found and method == "GET":
            return 200, self.organization_answer(found.group(1)), {}
        found = re.match(r"^/api/0/projects/([^/]+)/([^/]+)/issues/$", path)
        if found and method == "GET":
            items, headers = _page(self.issues, query, "limit", request.url)
            return 200, items, headers
        scoped = re.match(r"^/api/0/organizations/[^/]+/issues/([^/]+)/(events/)?$", path)
        legacy = re.match(r"^/api/0/issues/([^/]+)/(events/)?$", path)
        if scoped and not self.scoped_routes:
            return 404, b"", {}  # the catch-all of a server without the route
        if scoped or legacy:
            issue_id, events = (scoped or legacy).groups()
            if issue_id not in self.known_issues or (legacy and not _DIGITS.match(issue_id)):
                return 404, NOT_FOUND, {}
            if events and method == "GET":
                items, headers = _page(self.events, query, "per_page", request.url)
                return 200, items, headers
            if not events and method == "GET":
                return 200, self.issue, {}
            if not events and method == "PUT":
                changes = request.json()
                if self.put_answer is not None:
                    return 200, self.put_answer(self.issue, changes), {}
                return 200, dict(self.issue, **{k: v for k, v in changes.items() if k in ("status", "substatus")}), {}
        return 404, NOT_FOUND, {}

    def organization_answer(self, slug: str) -> dict:
        """The organization (the document's example: region us) with the regionUrl `regions` gives it, if any."""
        answer = copy.deepcopy(self.organization or response_examples(RETRIEVE_ORGANIZATION)["RetrieveAnOrganization"])
        if slug not in self.regions:
            return answer
        region = self.regions[slug]
        if region is ABSENT:
            answer.pop("links", None)
        else:
            answer.setdefault("links", {})["regionUrl"] = region
        return answer

    # what was asked, in the words of the tests

    def hosts(self) -> List[str]:
        return [request.origin for request in self.requests]

    def organization_lookups(self) -> List[Recorded]:
        return [r for r in self.requests if re.match(r"^/api/0/organizations/[^/]+/$", r.path)]


def default_issue() -> dict:
    return copy.deepcopy(response_examples(RETRIEVE_ISSUE)["ReturnAnIssue"])


def default_event() -> dict:
    return copy.deepcopy(response_examples(LIST_ISSUE_EVENTS)["ReturnAListOfErrorEventsBoundToAnIssue"][0])


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
    schema (the runtime's `jsonschema.validate`), then once more with date-time formats checked."""
    action = action_class()
    action.connection = connection
    action.logger = LOGGER
    validator(action_class, "input").validate(params)
    output = action.run(dict(params))
    if check_output:
        validate_output(action_class, output)
    return output


def validate_output(action_class, output: dict) -> None:
    validator(action_class, "output").validate(output)
    validator(action_class, "output", strict=True).validate(output)


@lru_cache(maxsize=None)
def validator(action_class, which: str, strict: bool = False):
    """What `jsonschema.validate(value, schema)` does (the schema checked, then the validator its draft names),
    made once per schema; strict: Draft 7 with date-time formats checked too."""
    schema = getattr(action_class(), which).schema
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    if strict:
        return jsonschema.Draft7Validator(schema, format_checker=FORMATS)
    return cls(schema)


@lru_cache(maxsize=None)
def _connection_validator():
    schema = Connection().schema
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


FORMATS = jsonschema.FormatChecker(formats=())


@FORMATS.checks("date-time", raises=ValueError)
def _is_date_time(value) -> bool:
    if not isinstance(value, str):
        return True
    if not re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$", value):
        raise ValueError(f"{value!r} is not an RFC 3339 date-time")
    datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


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
        if "allOf" in schema:
            merged = {"type": "object", "properties": {}, "required": []}
            for part in schema["allOf"]:
                merged["properties"].update(part.get("properties", {}))
                merged["required"] += part.get("required", [])
            return self.of(dict(merged, nullable=False), name)
        for key in ("oneOf", "anyOf"):
            if key in schema:
                choices = schema[key]
                choice = choices[0] if self.mode in MODES else self.rng.choice(choices)
                return self.of(choice, name)
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
