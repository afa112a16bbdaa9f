"""Entries of operations.json's `legacy_removed_from_current_openapi`, extracted from the history of Sentry's
published OpenAPI document (a clone of getsentry/sentry-api-schema): for each operation ("METHOD path"), the last
commit of the first-parent history that still had it, the commit that removed it, and the operation as it was
there, reduced to the facts the contract matcher reads (the format of the entries already in operations.json).

    .venv/bin/python scripts/legacy-operations.py --repo <git dir of sentry-api-schema> \
        "GET /api/0/issues/{issue_id}/" ...
    (add --update to write the entries into contract_test/data/source/operations.json; then refresh SOURCES.md's
    sha256 and run scripts/contract-extract.py)

Only this script's output is committed (data: the operation entries), nothing else of that repository.
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional, Tuple

ROOT = Path(__file__).resolve().parent.parent
OPERATIONS_JSON = ROOT / "contract_test" / "data" / "source" / "operations.json"
DOCUMENT = "openapi-derefed.json"
SECTION = "legacy_removed_from_current_openapi"
TIMEOUT = 120  # seconds for one git command


def git(repo: str, *args: str) -> bytes:
    return subprocess.run(["git", "-C", repo, *args], capture_output=True, check=True, timeout=TIMEOUT).stdout


def document_at(repo: str, commit: str) -> Optional[dict]:
    """The document at a commit, or None where it is not valid JSON (a few early commits are not)."""
    try:
        return json.loads(git(repo, "show", f"{commit}:{DOCUMENT}"))
    except ValueError:
        return None


def operation_in(document: Optional[dict], key: str) -> Optional[dict]:
    method, path = key.split(" ", 1)
    if not document:
        return None
    return document.get("paths", {}).get(path, {}).get(method.lower())


def removal(repo: str, key: str) -> Tuple[str, str, dict]:
    """(last commit with the operation, the commit that removed it, the operation there), on the first-parent
    history of HEAD: the newest change of the document after which the operation is absent."""
    if operation_in(document_at(repo, "HEAD"), key) is not None:
        raise SystemExit(f"{key} is still in the document at HEAD: not a legacy operation")
    changes = git(repo, "log", "--first-parent", "--format=%H", "--", DOCUMENT).decode().split()
    newer = None
    for commit in changes:  # newest first
        found = operation_in(document_at(repo, commit), key)
        if found is not None:
            if newer is None:
                raise SystemExit(f"{key}: present at the newest change yet absent at HEAD")
            parent = git(repo, "rev-parse", f"{newer}^1").decode().strip()
            last = operation_in(document_at(repo, parent), key)
            if last is None:
                raise SystemExit(f"{key}: absent at {parent}, the first parent of {newer}")
            return parent, newer, last
        newer = commit
    raise SystemExit(f"{key} was never in the document's first-parent history")


def reduced(key: str, operation: dict) -> dict:
    """The operation as operations.json records it: parameters and body fields with their type facts only."""
    method, path = key.split(" ", 1)
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    return {
        "method": method,
        "path": path,
        "operationId": operation.get("operationId"),
        "summary": operation.get("summary"),
        "deprecated": bool(operation.get("deprecated", False)),
        "security": operation.get("security"),
        "parameters": [
            {
                "in": parameter["in"],
                "name": parameter["name"],
                "required": parameter.get("required"),
                "type": (parameter.get("schema") or {}).get("type"),
                "enum": (parameter.get("schema") or {}).get("enum"),
            }
            for parameter in operation.get("parameters", [])
        ],
        "requestBodyProperties": (
            {name: {"type": sub.get("type"), "enum": sub.get("enum")} for name, sub in body["properties"].items()}
            if isinstance(body, dict) and "properties" in body
            else None
        ),
        "responses": list(operation.get("responses", {})),
    }


def entry(repo: str, key: str) -> dict:
    last, removed, operation = removal(repo, key)
    day = git(repo, "log", "-1", "--format=%cs", removed).decode().strip()
    return {"last_present_in_commit": last, "removed_in_commit": f"{removed} ({day})", "op": reduced(key, operation)}


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", required=True, help="git dir of a clone of getsentry/sentry-api-schema")
    parser.add_argument("--update", action="store_true", help=f"write the entries into {OPERATIONS_JSON.name}")
    parser.add_argument("keys", nargs="+", help='operations as "METHOD path"')
    args = parser.parse_args(argv)
    entries: Dict[str, dict] = {key: entry(args.repo, key) for key in args.keys}
    if not args.update:
        print(json.dumps(entries, indent=1))
        return 0
    data = json.loads(OPERATIONS_JSON.read_text(encoding="utf-8"))
    data[SECTION].update(entries)
    OPERATIONS_JSON.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")  # its format
    print(f"wrote {len(entries)} entries into {OPERATIONS_JSON.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
