"""The contract the other tests use is Sentry's published document: the committed extract is what
contract_test/extract.py makes of the sources committed in contract_test/data/source/ (the OpenAPI document
gzip-compressed, operations.json, and SOURCES.md recording their origin and sha256). Nothing outside the
checkout is read: a clone into an empty folder runs these tests as they are."""

import gzip
import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest

from contract_test import extract
from contract_test.util import (
    CONTRACT_FILE,
    LEGACY_LATEST_EVENT,
    LEGACY_LIST_ISSUE_EVENTS,
    LEGACY_OLDEST_EVENT,
    LEGACY_RETRIEVE_ISSUE,
    LEGACY_UPDATE_ISSUE,
    REPO_ROOT,
    RETRIEVE_ISSUE_EVENT,
    UNDOCUMENTED_STABLE,
    contract,
    operation,
    operation_by_key,
    operations,
)

LEGACY = (
    LEGACY_LIST_ISSUE_EVENTS,
    LEGACY_UPDATE_ISSUE,
    LEGACY_RETRIEVE_ISSUE,
    LEGACY_LATEST_EVENT,
    LEGACY_OLDEST_EVENT,
)

SOURCE = CONTRACT_FILE.parent / "source"
REFRESH = "run `.venv/bin/python scripts/contract-extract.py` and review the diff"


@pytest.fixture(scope="module")
def unpacked(tmp_path_factory) -> Path:
    """The committed sources as plain files in a temporary folder: the layout extract.build() reads."""
    folder = tmp_path_factory.mktemp("contract-source")
    with gzip.open(SOURCE / "openapi-derefed.json.gz", "rb") as packed, open(
        folder / "openapi-derefed.json", "wb"
    ) as out:
        shutil.copyfileobj(packed, out)
    for name in ("operations.json", "SOURCES.md"):
        shutil.copyfile(SOURCE / name, folder / name)
    return folder


def test_the_sources_are_inside_the_checkout():
    for name in ("openapi-derefed.json.gz", "operations.json", "SOURCES.md"):
        path = (SOURCE / name).resolve()
        assert path.is_file(), f"{path} is missing"
        assert path.is_relative_to(REPO_ROOT), f"{path} lies outside the checkout {REPO_ROOT}"


def test_the_unpacked_document_is_the_one_sources_md_records(unpacked):
    recorded = extract.recorded_sha256((SOURCE / "SOURCES.md").read_text(encoding="utf-8"), "openapi-derefed.json")
    assert extract.sha256(unpacked / "openapi-derefed.json") == recorded
    assert contract()["source"]["openapi-derefed.json"]["sha256"] == recorded


def test_the_archive_and_operations_json_are_the_files_sources_md_records():
    sources_md = (SOURCE / "SOURCES.md").read_text(encoding="utf-8")
    for name in ("openapi-derefed.json.gz", "operations.json"):
        actual = hashlib.sha256((SOURCE / name).read_bytes()).hexdigest()
        assert actual == extract.recorded_sha256(sources_md, name), f"{name} is not the file SOURCES.md records"


def test_the_committed_extract_is_what_extract_py_makes_of_the_committed_sources(unpacked):
    assert CONTRACT_FILE.read_text(encoding="utf-8") == extract.render(
        extract.build(unpacked)
    ), f"contract_test/data/source/ changed: {REFRESH}"


def test_by_default_extract_py_reads_the_committed_sources_and_makes_the_same_extract(unpacked):
    assert extract.SOURCE.resolve() == SOURCE.resolve() and SOURCE.resolve().is_relative_to(REPO_ROOT)
    assert not (SOURCE / "openapi-derefed.json").exists()  # the archive itself is read
    assert extract.render(extract.build()) == extract.render(extract.build(unpacked))
    assert contract()["generated_by"].startswith("contract_test/extract.py from contract_test/data/source/")


def test_the_extract_indexes_every_operation_of_the_document(unpacked):
    document = json.loads((unpacked / "openapi-derefed.json").read_text(encoding="utf-8"))
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
    assert set(contract()["legacy"]) == set(LEGACY)
    for key in LEGACY:
        legacy = operation_by_key(key)
        assert key not in document_keys
        assert legacy.origin.startswith("operations.json")
        if key in (LEGACY_LATEST_EVENT, LEGACY_OLDEST_EVENT):  # today: a keyword of the scoped event operation
            keyword = key.split("/")[-2]
            assert legacy.twin is None and keyword in _parameter(RETRIEVE_ISSUE_EVENT, "event_id")["schema"]["enum"]
        else:
            assert legacy.twin is not None and legacy.twin.key in document_keys


def _parameter(key: str, name: str) -> dict:
    (found,) = [p for p in operation(key)["parameters"] if p["name"] == name]
    return found


# The last revision of getsentry/sentry-api-schema's openapi-derefed.json (first-parent history) with each legacy
# operation, and the revision that removed it (scripts/legacy-operations.py finds them).
PROVENANCE = {
    LEGACY_LIST_ISSUE_EVENTS: (
        "cc53e3f0df8dc347ad76ed90a69e001d653eb9fd",
        "a442cd1511b02b87ebc80db55bed7b8ef5135755",
        "2025-02-19",
    ),
    LEGACY_UPDATE_ISSUE: (
        "a4b103c53f9cbbc3f09982868cd2f6a8efed1e7c",
        "4e4a8efdcbec5b3672259a0a3de5de6ac16fbad5",
        "2024-11-20",
    ),
    LEGACY_RETRIEVE_ISSUE: (
        "a4b103c53f9cbbc3f09982868cd2f6a8efed1e7c",
        "4e4a8efdcbec5b3672259a0a3de5de6ac16fbad5",
        "2024-11-20",
    ),
    LEGACY_LATEST_EVENT: (
        "88d837b67d043d6696a7ff4dc979a98356673da1",
        "3bbdc940d12383880737361cfad7b1feed8979ae",
        "2024-10-15",
    ),
    LEGACY_OLDEST_EVENT: (
        "88d837b67d043d6696a7ff4dc979a98356673da1",
        "3bbdc940d12383880737361cfad7b1feed8979ae",
        "2024-10-15",
    ),
}


def test_each_legacy_operation_names_the_last_revision_that_had_it_and_the_one_that_removed_it():
    for key, (last, removed, day) in PROVENANCE.items():
        entry = contract()["legacy"][key]
        assert (entry["last_present_in_commit"], entry["removed_in_commit"]) == (last, f"{removed} ({day})"), key
        assert re.fullmatch(r"[0-9a-f]{40}", last) and f"{entry['method']} {entry['path']}" == key


def test_the_legacy_issue_operations_are_the_ones_the_old_document_described():
    assert operation_by_key(LEGACY_RETRIEVE_ISSUE).operation_id == "Retrieve an Issue"
    assert operation_by_key(LEGACY_LATEST_EVENT).operation_id == "Retrieve the Latest Event for an Issue"
    assert operation_by_key(LEGACY_OLDEST_EVENT).operation_id == "Retrieve the Oldest Event for an Issue"
    for key in (LEGACY_LATEST_EVENT, LEGACY_OLDEST_EVENT):
        assert operation_by_key(key).query_params == {}  # no environment: the old document declares none


def test_the_legacy_events_operation_declares_issue_id_an_integer():
    legacy = operation_by_key(LEGACY_LIST_ISSUE_EVENTS)
    assert legacy.path_params["issue_id"]["schema"]["type"] == "integer"
    assert legacy.lists and "per_page" not in legacy.query_params and "cursor" not in legacy.query_params


def test_the_legacy_update_and_read_declare_a_path_parameter_their_path_does_not_have():
    # a defect of the older document: organization_id_or_slug is declared for PUT and GET /api/0/issues/{issue_id}/
    assert operation_by_key(LEGACY_UPDATE_ISSUE).undeclared_path_params == ["organization_id_or_slug"]
    assert operation_by_key(LEGACY_RETRIEVE_ISSUE).undeclared_path_params == ["organization_id_or_slug"]


def test_the_api_root_of_the_connection_test_is_not_in_the_document():
    assert set(UNDOCUMENTED_STABLE) == {"GET /api/0/"}
    assert not [op.key for op in operations() if op.path == "/api/0/"]
