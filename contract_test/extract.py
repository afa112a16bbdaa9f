"""Extract the part of Sentry's OpenAPI document the contract tests need into contract_test/data/contract.json.

Source: the shared contract folder beside the clone (`<repo root>/../shared/sentry-contract/`):
- `openapi-derefed.json`: getsentry/sentry-api-schema release 0.272.0, commit
  a589a26c3b29bfc342a47baa963b7970961f958e; its sha256 is the one SOURCES.md records
  (b71216654e44cc18f5e262fbb5075df67f1504a123d4bcb51cc8e8cc74ebd435), checked before anything is read;
- `operations.json`: the two legacy operations removed from the current document
  (`PUT /api/0/issues/{issue_id}/`, `GET /api/0/issues/{issue_id}/events/`).

What is kept:
- `document_operations`: every operation of the document (method, path, operationId, whether it lists
  (its 200 answer is an array), and its parameters reduced to name/in/required/schema type facts), so that
  a recorded request is matched against the whole document, not only against the operations we expect;
- `operations`: for the operations the plugin calls or whose answers feed the actions, the whole operation
  (parameters with descriptions, request body schema, the 200 answer's schema and examples);
- `legacy`: the two legacy operations, as operations.json gives them.

Run `.venv/bin/python -m contract_test.extract` after the shared folder changes; test_contract_source.py
fails while the committed extract differs from what this script makes of the shared folder.
"""

import hashlib
import json
import re
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = REPO_ROOT.parent / "shared" / "sentry-contract"
OUTPUT = Path(__file__).resolve().parent / "data" / "contract.json"

METHODS = ("get", "put", "post", "delete", "patch")

# (method, path): why the whole operation is kept
FULL_OPERATIONS = {
    ("GET", "/api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/issues/"): "List Project Issues",
    ("GET", "/api/0/organizations/{organization_id_or_slug}/issues/{issue_id}/events/"): "List Issue Events",
    ("PUT", "/api/0/organizations/{organization_id_or_slug}/issues/{issue_id}/"): "Update Issue",
    ("GET", "/api/0/organizations/{organization_id_or_slug}/issues/{issue_id}/"): "Update Issue (read-back)",
    ("GET", "/api/0/organizations/{organization_id_or_slug}/"): "region lookup (links.regionUrl)",
    (
        "GET",
        "/api/0/organizations/{organization_id_or_slug}/issues/{issue_id}/events/{event_id}/",
    ): "shape of a full event body (List Issue Events with Full)",
}
LEGACY_KEYS = ("GET /api/0/issues/{issue_id}/events/", "PUT /api/0/issues/{issue_id}/")
_SCHEMA_FACTS = ("type", "enum", "format", "minLength", "maxLength", "minimum", "maximum", "default")


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
    schema = (
        operation.get("responses", {}).get("200", {}).get("content", {}).get("application/json", {}).get("schema")
    )
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


def build(shared: Path = SHARED) -> dict:
    sources_md = (shared / "SOURCES.md").read_text(encoding="utf-8")
    expected = recorded_sha256(sources_md, "openapi-derefed.json")
    actual = sha256(shared / "openapi-derefed.json")
    if actual != expected:
        raise ValueError(f"openapi-derefed.json has sha256 {actual}, SOURCES.md records {expected}")
    document = json.loads((shared / "openapi-derefed.json").read_text(encoding="utf-8"))
    operations_json = json.loads((shared / "operations.json").read_text(encoding="utf-8"))

    index, full = [], {}
    for path, item in document["paths"].items():
        for method in METHODS:
            if method not in item:
                continue
            operation = item[method]
            key = (method.upper(), path)
            index.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "operationId": operation.get("operationId"),
                    "deprecated": bool(operation.get("deprecated", False)),
                    "lists": _is_list(operation),
                    "parameters": [_brief_parameter(p) for p in operation.get("parameters", [])],
                }
            )
            if key in FULL_OPERATIONS:
                answer = operation["responses"]["200"]["content"]["application/json"]
                examples = {}
                if "example" in answer:
                    examples["example"] = answer["example"]
                for name, example in (answer.get("examples") or {}).items():
                    examples[name] = example["value"]
                body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
                full[f"{method.upper()} {path}"] = {
                    "used_for": FULL_OPERATIONS[key],
                    "operationId": operation.get("operationId"),
                    "deprecated": bool(operation.get("deprecated", False)),
                    "parameters": [_parameter(p, True) for p in operation.get("parameters", [])],
                    "requestBody": body,
                    "response200": {"schema": answer["schema"], "examples": examples},
                }
    missing = {f"{m} {p}" for m, p in FULL_OPERATIONS} - set(full)
    if missing:
        raise ValueError(f"the document lacks {sorted(missing)}")

    legacy_section = operations_json["legacy_removed_from_current_openapi"]
    legacy = {}
    for key in LEGACY_KEYS:
        entry = legacy_section[key]
        op = entry["op"]
        legacy[key] = {
            "method": op["method"],
            "path": op["path"],
            "operationId": op["operationId"],
            "last_present_in_commit": entry["last_present_in_commit"],
            "removed_in_commit": entry["removed_in_commit"],
            "parameters": [
                {
                    "in": p["in"],
                    "name": p["name"],
                    "required": bool(p.get("required")),
                    "schema": {k: v for k, v in (("type", p.get("type")), ("enum", p.get("enum"))) if v is not None},
                }
                for p in op["parameters"]
            ],
            "requestBodyProperties": op["requestBodyProperties"],
        }

    return {
        "generated_by": "contract_test/extract.py from <repo root>/../shared/sentry-contract/",
        "source": {
            "openapi-derefed.json": {
                "repository": operations_json["source"]["repo"],
                "commit": operations_json["source"]["commit_head"],
                "sha256": actual,
                "openapi": document["openapi"],
            },
            "operations.json": {"sha256": sha256(shared / "operations.json")},
        },
        "servers": document["servers"],
        "legacy_note": legacy_section["note"],
        "document_operations": index,
        "operations": full,
        "legacy": legacy,
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
