"""Extract the part of Sentry's OpenAPI document the contract tests need into contract_test/data/contract.json.

Source: the folder contract_test/data/source/ of this checkout (SOURCES.md records each file's origin and sha256):
- `openapi-derefed.json.gz`: getsentry/sentry-api-schema release 0.272.0, commit
  a589a26c3b29bfc342a47baa963b7970961f958e, gzip-compressed; the sha256 SOURCES.md records for the uncompressed
  document (b71216654e44cc18f5e262fbb5075df67f1504a123d4bcb51cc8e8cc74ebd435) is checked before anything is read
  (a folder holding the uncompressed `openapi-derefed.json` is read as well);
- `operations.json`: the legacy operations removed from the current document (extracted from older revisions of
  the same file by scripts/legacy-operations.py, each with the last commit that had it), and the operations no
  published document describes, written by hand from Sentry's source (issue notes).

What is kept:
- `document_operations`: every operation of the document (method, path, operationId, whether it lists
  (its 200 answer is an array), and its parameters reduced to name/in/required/schema type facts), so that
  a recorded request is matched against the whole document, not only against the operations we expect;
- `operations`: for the operations the plugin calls or whose answers feed the actions, the whole operation
  (parameters with descriptions, request body schema, the 200 answer's schema and examples);
- `legacy`: the legacy operations, as operations.json gives them;
- `hand_written`: the hand-written operations, as operations.json gives them, with the source they were read from.

Run `.venv/bin/python -m contract_test.extract` (or scripts/contract-extract.py) after the source folder changes;
test_contract_source.py fails while the committed extract differs from what this script makes of it.
"""

import gzip
import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Dict, List, Tuple

REPO_ROOT = Path(__file__).resolve().parent.parent
SOURCE = Path(__file__).resolve().parent / "data" / "source"
OUTPUT = Path(__file__).resolve().parent / "data" / "contract.json"
DOCUMENT = "openapi-derefed.json"

METHODS = ("get", "put", "post", "delete", "patch")

# (method, path): why the whole operation is kept
ORG = "/api/0/organizations/{organization_id_or_slug}"
PROJECT = "/api/0/projects/{organization_id_or_slug}/{project_id_or_slug}"
FULL_OPERATIONS = {
    ("GET", f"{PROJECT}/issues/"): "List Project Issues; Bulk Update Issues (issues of a project by query)",
    ("GET", f"{ORG}/issues/{{issue_id}}/events/"): "List Issue Events",
    ("PUT", f"{ORG}/issues/{{issue_id}}/"): "Update Issue",
    ("GET", f"{ORG}/issues/{{issue_id}}/"): "Get Issue; Update Issue (read-back)",
    ("GET", f"{ORG}/"): "region lookup (links.regionUrl)",
    ("GET", f"{ORG}/issues/{{issue_id}}/events/{{event_id}}/"): "Get Issue Event; shape of a full event body",
    ("GET", f"{ORG}/shortids/{{issue_id}}/"): "short IDs resolved within the organization",
    ("GET", f"{ORG}/projects/"): "an issue of a legacy route confirmed to be in the organization",
    ("GET", f"{ORG}/teams/"): "#team-slug assignees resolved to team:<id>",
    ("GET", f"{ORG}/issues/"): "Bulk Update Issues (issues of the organization by query)",
    ("PUT", f"{ORG}/issues/"): "Bulk Update Issues (organization)",
    ("PUT", f"{PROJECT}/issues/"): "Bulk Update Issues (project)",
    ("GET", f"{PROJECT}/events/{{event_id}}/"): "Get Issue Event by ID on a server without scoped issue routes",
}
LEGACY_KEYS = (
    "GET /api/0/issues/{issue_id}/events/",
    "PUT /api/0/issues/{issue_id}/",
    "GET /api/0/issues/{issue_id}/",
    "GET /api/0/issues/{issue_id}/events/latest/",
    "GET /api/0/issues/{issue_id}/events/oldest/",
)
HAND_WRITTEN_KEYS = (
    f"GET {ORG}/issues/{{issue_id}}/notes/",
    f"POST {ORG}/issues/{{issue_id}}/notes/",
    "GET /api/0/issues/{issue_id}/notes/",
    "POST /api/0/issues/{issue_id}/notes/",
)
_SCHEMA_FACTS = ("type", "enum", "format", "pattern", "minLength", "maxLength", "minimum", "maximum", "default")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def recorded_sha256(sources_md: str, file_name: str) -> str:
    """The sha256 SOURCES.md records for `file_name` (the last column of its table row)."""
    for line in sources_md.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if cells and cells[0] == f"`{file_name}`" and re.fullmatch(r"[0-9a-f]{64}", cells[-1]):
            return cells[-1]
    raise ValueError(f"SOURCES.md records no sha256 for {file_name}")


def _schema_facts(schema: dict) -> dict:
    schema = schema or {}
    facts = {key: schema[key] for key in _SCHEMA_FACTS if key in schema}
    if isinstance(schema.get("items"), dict):
        facts["items"] = _schema_facts(schema["items"])
    return facts


def _is_list(operation: dict) -> bool:
    schema = operation.get("responses", {}).get("200", {}).get("content", {}).get("application/json", {}).get("schema")
    return isinstance(schema, dict) and schema.get("type") == "array"


def _parameter(parameter: dict, with_description: bool) -> dict:
    kept = {
        "in": parameter["in"],
        "name": parameter["name"],
        "required": bool(parameter.get("required", False)),
        "schema": _schema_facts(parameter.get("schema")),
    }
    if with_description:
        kept["description"] = parameter.get("description", "")
    return kept


def _brief_parameter(parameter: dict) -> dict:
    """A parameter in the whole-document index: enough to match a request (name, place, type facts)."""
    schema = parameter.get("schema") or {}
    facts = {key: schema[key] for key in ("type", "enum", "format") if key in schema}
    return {"in": parameter["in"], "name": parameter["name"], "schema": facts}


def read_document(source: Path) -> Tuple[dict, str]:
    """The document of the source folder (plain, or the committed gzip archive) and its sha256, which must be
    the one SOURCES.md records for the uncompressed document."""
    expected = recorded_sha256((source / "SOURCES.md").read_text(encoding="utf-8"), DOCUMENT)
    plain = source / DOCUMENT
    if plain.is_file():
        content = plain.read_bytes()
    else:
        with gzip.open(source / f"{DOCUMENT}.gz", "rb") as packed:
            content = packed.read()
    actual = hashlib.sha256(content).hexdigest()
    if actual != expected:
        raise ValueError(f"{DOCUMENT} has sha256 {actual}, SOURCES.md records {expected}")
    return json.loads(content.decode("utf-8")), actual


def _index_entry(method: str, path: str, operation: dict) -> dict:
    return {
        "method": method,
        "path": path,
        "operationId": operation.get("operationId"),
        "deprecated": bool(operation.get("deprecated", False)),
        "lists": _is_list(operation),
        "parameters": [_brief_parameter(p) for p in operation.get("parameters", [])],
    }


def _full_entry(key: Tuple[str, str], operation: dict) -> dict:
    answer = operation["responses"]["200"]["content"]["application/json"]
    examples = {}
    if "example" in answer:
        examples["example"] = answer["example"]
    for name, example in (answer.get("examples") or {}).items():
        examples[name] = example["value"]
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    return {
        "used_for": FULL_OPERATIONS[key],
        "operationId": operation.get("operationId"),
        "deprecated": bool(operation.get("deprecated", False)),
        "parameters": [_parameter(p, True) for p in operation.get("parameters", [])],
        "requestBody": body,
        "response200": {"schema": answer["schema"], "examples": examples},
    }


def document_parts(document: dict) -> Tuple[List[dict], Dict[str, dict]]:
    """The index of every operation, and the whole operations of FULL_OPERATIONS."""
    index, full = [], {}
    for path, item in document["paths"].items():
        for method in METHODS:
            if method not in item:
                continue
            key = (method.upper(), path)
            index.append(_index_entry(method.upper(), path, item[method]))
            if key in FULL_OPERATIONS:
                full[f"{method.upper()} {path}"] = _full_entry(key, item[method])
    missing = {f"{m} {p}" for m, p in FULL_OPERATIONS} - set(full)
    if missing:
        raise ValueError(f"the document lacks {sorted(missing)}")
    return index, full


def _listed_parameters(op: dict) -> List[dict]:
    """operations.json's parameters ({in, name, required, type, enum}) as the extract keeps them."""
    return [
        {
            "in": p["in"],
            "name": p["name"],
            "required": bool(p.get("required")),
            "schema": {k: v for k, v in (("type", p.get("type")), ("enum", p.get("enum"))) if v is not None},
        }
        for p in op["parameters"]
    ]


def legacy_operations(section: dict) -> Dict[str, dict]:
    legacy = {}
    for key in LEGACY_KEYS:
        entry = section[key]
        op = entry["op"]
        legacy[key] = {
            "method": op["method"],
            "path": op["path"],
            "operationId": op["operationId"],
            "last_present_in_commit": entry["last_present_in_commit"],
            "removed_in_commit": entry["removed_in_commit"],
            "parameters": _listed_parameters(op),
            "requestBodyProperties": op["requestBodyProperties"],
        }
    return legacy


def hand_written_operations(section: dict) -> Dict[str, dict]:
    found = {}
    for key in HAND_WRITTEN_KEYS:
        entry = section[key]
        if entry.get("hand_written") is not True:
            raise ValueError(f"{key} is not marked hand_written in operations.json")
        op = entry["op"]
        found[key] = {
            "method": op["method"],
            "path": op["path"],
            "operationId": op["operationId"],
            "hand_written_from": entry["source"],
            "lists": entry["lists"],
            "parameters": _listed_parameters(op),
            "requestBodyProperties": op["requestBodyProperties"],
        }
    return found


def build(source: Path = SOURCE) -> dict:
    """The extract of a source folder: by default the committed contract_test/data/source/."""
    document, document_sha256 = read_document(source)
    operations_json = json.loads((source / "operations.json").read_text(encoding="utf-8"))
    index, full = document_parts(document)
    legacy_section = operations_json["legacy_removed_from_current_openapi"]
    hand_section = operations_json["hand_written_not_in_any_openapi"]
    return {
        "generated_by": "contract_test/extract.py from contract_test/data/source/ "
        "(openapi-derefed.json.gz unpacked, operations.json, SOURCES.md)",
        "source": {
            DOCUMENT: {
                "repository": operations_json["source"]["repo"],
                "commit": operations_json["source"]["commit_head"],
                "sha256": document_sha256,
                "openapi": document["openapi"],
            },
            "operations.json": {"sha256": sha256(source / "operations.json")},
        },
        "servers": document["servers"],
        "legacy_note": legacy_section["note"],
        "hand_written_note": hand_section["note"],
        "document_operations": index,
        "operations": full,
        "legacy": legacy_operations(legacy_section),
        "hand_written": hand_written_operations(hand_section),
    }


def render(contract: dict) -> str:
    """Indented JSON, with each entry of the whole-document index on one line (a readable, small diff)."""
    index = contract["document_operations"]
    rest = json.dumps(dict(contract, document_operations="@INDEX@"), indent=1, sort_keys=True, ensure_ascii=False)
    lines = ",\n  ".join(json.dumps(entry, sort_keys=True, ensure_ascii=False) for entry in index)
    return rest.replace('"@INDEX@"', "[\n  " + lines + "\n ]") + "\n"


def main() -> int:
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(render(build()), encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(REPO_ROOT)} ({OUTPUT.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
