"""The contract the other tests use is Sentry's published document: the committed extract is what
contract_test/extract.py makes of the shared contract folder, whose OpenAPI file has the sha256 SOURCES.md records."""

import json

from contract_test import extract
from contract_test.util import (
    CONTRACT_FILE,
    LEGACY_LIST_ISSUE_EVENTS,
    LEGACY_UPDATE_ISSUE,
    SHARED,
    UNDOCUMENTED_STABLE,
    contract,
    operation_by_key,
    operations,
)


def test_the_shared_contract_folder_is_beside_the_clone():
    assert (SHARED / "openapi-derefed.json").is_file(), (
        f"{SHARED} is missing: CI puts a copy of shared/ beside the clone; the contract tests read it from there"
    )


def test_the_openapi_document_is_the_one_sources_md_records():
    recorded = extract.recorded_sha256((SHARED / "SOURCES.md").read_text(encoding="utf-8"), "openapi-derefed.json")
    assert extract.sha256(SHARED / "openapi-derefed.json") == recorded
    assert contract()["source"]["openapi-derefed.json"]["sha256"] == recorded


def test_the_committed_extract_is_what_extract_py_makes_of_the_shared_folder():
    assert CONTRACT_FILE.read_text(encoding="utf-8") == extract.render(extract.build(SHARED)), (
        "the shared contract changed: run `.venv/bin/python -m contract_test.extract` and review the diff"
    )


def test_the_extract_indexes_every_operation_of_the_document():
    document = json.loads((SHARED / "openapi-derefed.json").read_text(encoding="utf-8"))
    expected = {
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method in item
        if method in extract.METHODS
    }
    indexed = {f"{entry['method']} {entry['path']}" for entry in contract()["document_operations"]}
    assert indexed == expected
    assert len(expected) == 223 and len(document["paths"]) == 137


def test_the_document_serves_the_us_and_de_regions_of_sentry_io():
    (server,) = contract()["servers"]
    assert server["url"] == "https://{region}.sentry.io"
    assert server["variables"]["region"]["enum"] == ["us", "de"]


def test_the_legacy_operations_are_not_in_the_current_document_but_their_organization_scoped_twins_are():
    document_keys = {op.key for op in operations() if op.origin == "openapi-derefed.json"}
    for key in (LEGACY_LIST_ISSUE_EVENTS, LEGACY_UPDATE_ISSUE):
        legacy = operation_by_key(key)
        assert key not in document_keys
        assert legacy.origin.startswith("operations.json")
        assert legacy.twin is not None and legacy.twin.key in document_keys


def test_the_legacy_events_operation_declares_issue_id_an_integer():
    legacy = operation_by_key(LEGACY_LIST_ISSUE_EVENTS)
    assert legacy.path_params["issue_id"]["schema"]["type"] == "integer"
    assert legacy.lists and "per_page" not in legacy.query_params and "cursor" not in legacy.query_params


def test_the_legacy_update_declares_a_path_parameter_its_path_does_not_have():
    # a defect of the older document: organization_id_or_slug is declared for PUT /api/0/issues/{issue_id}/
    assert operation_by_key(LEGACY_UPDATE_ISSUE).undeclared_path_params == ["organization_id_or_slug"]


def test_the_api_root_of_the_connection_test_is_not_in_the_document():
    assert set(UNDOCUMENTED_STABLE) == {"GET /api/0/"}
    assert not [op.key for op in operations() if op.path == "/api/0/"]
