"""The matcher says no to what the document does not allow, so that its yes in test_requests.py means something;
and the defects of the document it corrects (util.DOCUMENT_DEFECTS) are still in the document, so that a corrected
document shows."""

import json

import pytest

from contract_test.util import (
    ADD_ISSUE_NOTE,
    BULK_UPDATE_ORGANIZATION_ISSUES,
    BULK_UPDATE_PROJECT_ISSUES,
    DOCUMENT_DEFECTS,
    LEGACY_ADD_ISSUE_NOTE,
    LEGACY_LATEST_EVENT,
    LEGACY_LIST_ISSUE_EVENTS,
    LEGACY_LIST_ISSUE_NOTES,
    LEGACY_OLDEST_EVENT,
    LEGACY_RETRIEVE_ISSUE,
    LEGACY_UPDATE_ISSUE,
    LIST_ISSUE_EVENTS,
    LIST_ISSUE_NOTES,
    LIST_ORGANIZATION_PROJECTS,
    LIST_ORGANIZATION_TEAMS,
    LIST_PROJECT_ISSUES,
    RESOLVE_SHORT_ID,
    RETRIEVE_ISSUE_EVENT,
    RETRIEVE_ORGANIZATION,
    RETRIEVE_PROJECT_EVENT,
    UPDATE_ISSUE,
    ContractViolation,
    Recorded,
    contract,
    match,
    operation,
)

HOST = "https://us.sentry.io"
ISSUES = "/api/0/projects/acme/backend/issues/"
EVENTS = "/api/0/organizations/acme/issues/1/events/"
ISSUE = "/api/0/organizations/acme/issues/42/"
EVENT_ID = "9fac2ceed9344f2bbfdd1fdacb0ed9b1"
NOTES = "/api/0/organizations/acme/issues/42/notes/"
BULK_PROJECT = "/api/0/projects/acme/backend/issues/"
BULK_ORGANIZATION = "/api/0/organizations/acme/issues/"


def request(method, path, query=(), body=None, content_type="application/json"):
    data = None if body is None else json.dumps(body).encode()
    headers = {"Authorization": "Bearer t"}
    if body is not None:
        headers["Content-Type"] = content_type
    return Recorded(method, HOST + path, "https", "us.sentry.io", path, list(query), headers, data)


ACCEPTED = [
    ("project-issues", request("GET", "/api/0/projects/acme/backend/issues/", [("limit", "100")]), LIST_PROJECT_ISSUES),
    (
        "project-issues-every-option",
        request(
            "GET",
            "/api/0/projects/acme/backend/issues/",
            [("query", ""), ("statsPeriod", "14d"), ("shortIdLookup", "0"), ("limit", "5"), ("cursor", "1:2:0")],
        ),
        LIST_PROJECT_ISSUES,
    ),
    (
        "events",
        request("GET", "/api/0/organizations/acme/issues/BACKEND-1A/events/", [("full", "1"), ("per_page", "100")]),
        LIST_ISSUE_EVENTS,
    ),
    (
        "legacy-events-with-pagination-of-its-twin",
        request("GET", "/api/0/issues/42/events/", [("per_page", "100"), ("cursor", "0:100:0")]),
        LEGACY_LIST_ISSUE_EVENTS,
    ),
    ("update", request("PUT", "/api/0/organizations/acme/issues/42/", body={"status": "resolved"}), UPDATE_ISSUE),
    (
        "update-substatus-and-details",
        request(
            "PUT",
            "/api/0/organizations/acme/issues/42/",
            body={"status": "ignored", "substatus": "archived_forever", "statusDetails": {"ignoreCount": 5}},
        ),
        UPDATE_ISSUE,
    ),
    ("legacy-update", request("PUT", "/api/0/issues/42/", body={"isPublic": False}), LEGACY_UPDATE_ISSUE),
    ("organization", request("GET", "/api/0/organizations/acme/"), RETRIEVE_ORGANIZATION),
    ("legacy-issue", request("GET", "/api/0/issues/42/"), LEGACY_RETRIEVE_ISSUE),
    ("legacy-latest", request("GET", "/api/0/issues/42/events/latest/"), LEGACY_LATEST_EVENT),
    ("legacy-oldest", request("GET", "/api/0/issues/42/events/oldest/"), LEGACY_OLDEST_EVENT),
    ("short-id", request("GET", "/api/0/organizations/acme/shortids/BACKEND-1A/"), RESOLVE_SHORT_ID),
    (
        "projects-both-page-sizes",
        request(
            "GET", "/api/0/organizations/acme/projects/", [("limit", "100"), ("per_page", "100"), ("cursor", "0:100:0")]
        ),
        LIST_ORGANIZATION_PROJECTS,
    ),
    ("teams", request("GET", "/api/0/organizations/acme/teams/", [("per_page", "100")]), LIST_ORGANIZATION_TEAMS),
    ("event-keyword", request("GET", ISSUE + "events/recommended/", [("environment", "prod")]), RETRIEVE_ISSUE_EVENT),
    ("event-by-id", request("GET", ISSUE + f"events/{EVENT_ID}/"), RETRIEVE_ISSUE_EVENT),
    ("project-event", request("GET", f"/api/0/projects/acme/backend/events/{EVENT_ID}/"), RETRIEVE_PROJECT_EVENT),
    ("notes", request("GET", NOTES, [("limit", "100"), ("per_page", "100")]), LIST_ISSUE_NOTES),
    ("add-note", request("POST", NOTES, body={"text": "Escalated"}), ADD_ISSUE_NOTE),
    ("legacy-notes", request("GET", "/api/0/issues/42/notes/", [("cursor", "1:2:0")]), LEGACY_LIST_ISSUE_NOTES),
    ("legacy-add-note", request("POST", "/api/0/issues/42/notes/", body={"text": "a\nb"}), LEGACY_ADD_ISSUE_NOTE),
    (
        "bulk-project-repeated-ids-and-an-organization-body-field",
        request("PUT", BULK_PROJECT, [("id", "1"), ("id", "2")], body={"isSubscribed": True, "substatus": "ongoing"}),
        BULK_UPDATE_PROJECT_ISSUES,
    ),
    (
        "bulk-organization",
        request("PUT", BULK_ORGANIZATION, [("id", "1"), ("id", "2")], body={"assignedTo": "team:2"}),
        BULK_UPDATE_ORGANIZATION_ISSUES,
    ),
]

REFUSED = [
    ("undeclared-query-parameter", request("GET", ISSUES, [("page_size", "100")]), "not declared"),
    ("page-size-alias-over-100", request("GET", ISSUES, [("per_page", "500")]), "100"),
    ("boolean-as-True", request("GET", ISSUES, [("shortIdLookup", "True")]), "reads 1/0"),
    ("boolean-as-true", request("GET", EVENTS, [("full", "true")]), "reads 1/0"),
    ("statsPeriod-outside-its-values", request("GET", ISSUES, [("statsPeriod", "7d")]), "its description allows"),
    ("limit-over-100", request("GET", ISSUES, [("limit", "101")]), "maximum 100"),
    ("per_page-over-100", request("GET", EVENTS, [("per_page", "500")]), "maximum 100"),
    ("per_page-zero", request("GET", EVENTS, [("per_page", "0")]), "no results"),
    ("limit-not-digits", request("GET", ISSUES, [("limit", "ten")]), "not digits"),
    ("empty-cursor", request("GET", EVENTS, [("cursor", "")]), "shorter than 1"),
    ("repeated-parameter", request("GET", ISSUES, [("query", "a"), ("query", "b")]), "2 times"),
    ("short-id-where-an-integer-is-declared", request("GET", "/api/0/issues/BACKEND-1A/events/"), "declared integer"),
    ("legacy-events-query-of-no-one", request("GET", "/api/0/issues/42/events/", [("sort", "new")]), "not declared"),
    ("slug-with-a-dot", request("GET", "/api/0/projects/acme/back.end/issues/"), "not a slug"),
    ("percent-encoded-segment", request("GET", "/api/0/projects/acme/back%2Fend/issues/"), "percent-encoded"),
    ("unknown-path", request("GET", "/api/0/issues/42/events/recommended/"), "no operation"),
    ("legacy-issue-query", request("GET", "/api/0/issues/42/", [("expand", "owners")]), "not declared"),
    (
        "environment-on-legacy-latest",
        request("GET", "/api/0/issues/42/events/latest/", [("environment", "p")]),
        "not declared",
    ),
    ("event-id-neither-keyword-nor-hex", request("GET", ISSUE + "events/12345/"), "does not match"),
    ("event-id-upper-case", request("GET", ISSUE + f"events/{EVENT_ID.upper()}/"), "does not match"),
    ("project-event-by-database-id", request("GET", "/api/0/projects/acme/backend/events/2/"), "does not match"),
    ("short-id-on-legacy-notes", request("GET", "/api/0/issues/BACKEND-1A/notes/"), "declared integer"),
    ("note-without-text", request("POST", NOTES, body={"mentions": ["user:1"]}), "'text' is missing"),
    ("note-of-empty-text", request("POST", NOTES, body={"text": ""}), "shorter than 1"),
    ("note-of-whitespace-only", request("POST", "/api/0/issues/42/notes/", body={"text": " \n "}), "does not match"),
    ("note-field-of-no-one", request("POST", NOTES, body={"text": "a", "body": "b"}), "'body' is not declared"),
    ("listing-by-id", request("GET", ISSUES, [("id", "1"), ("query", "")]), "'id' is not declared"),
    (
        "bulk-id-not-digits",
        request("PUT", BULK_PROJECT, [("id", "BACKEND-1A")], body={"status": "resolved"}),
        "not digits",
    ),
    ("bulk-body-field-of-no-one", request("PUT", BULK_PROJECT, [("id", "1")], body={"state": "x"}), "not declared"),
    ("unknown-method", request("POST", ISSUE, body={"status": "resolved"}), "no operation"),
    ("undeclared-body-field", request("PUT", ISSUE, body={"state": "resolved"}), "'state' is not declared"),
    ("body-value-outside-enum", request("PUT", ISSUE, body={"status": "closed"}), "is not one of"),
    (
        "window-over-a-week",
        request("PUT", ISSUE, body={"statusDetails": {"ignoreCount": 1, "ignoreWindow": 10081}}),
        "maximum",
    ),
    (
        "inCommit-without-repository",
        request("PUT", ISSUE, body={"statusDetails": {"inCommit": {"commit": "a"}}}),
        "repository",
    ),
    (
        "substatus-on-the-legacy-update",
        request("PUT", "/api/0/issues/42/", body={"substatus": "ongoing"}),
        "'substatus' is not declared",
    ),
    (
        "legacy-body-value-of-another-type",
        request("PUT", "/api/0/issues/42/", body={"hasSeen": "yes"}),
        "declared type boolean",
    ),
    (
        "body-not-json",
        request("PUT", ISSUE, body={"status": "resolved"}, content_type="text/plain"),
        "not application/json",
    ),
    ("empty-body", request("PUT", ISSUE, body={}), "at least one field"),
    ("get-with-a-body", request("GET", "/api/0/organizations/acme/", body={"a": 1}), "with a body"),
]


@pytest.mark.parametrize("sent,key", [(sent, key) for _, sent, key in ACCEPTED], ids=[name for name, _, _ in ACCEPTED])
def test_the_matcher_names_the_operation_of_a_request_the_document_allows(sent, key):
    assert match(sent).key == key


@pytest.mark.parametrize(
    "sent,reason", [(sent, reason) for _, sent, reason in REFUSED], ids=[name for name, _, _ in REFUSED]
)
def test_the_matcher_refuses_what_the_document_does_not_allow(sent, reason):
    with pytest.raises(ContractViolation, match=reason):
        match(sent)


def test_the_document_defects_the_matcher_corrects_are_still_in_the_document():
    event_id = {p["name"]: p for p in operation(RETRIEVE_ISSUE_EVENT)["parameters"]}["event_id"]
    assert event_id["schema"]["enum"] == ["latest", "oldest", "recommended"]
    assert event_id["description"].startswith("The ID of the event to retrieve, or")
    ids = {p["name"]: p for p in operation(BULK_UPDATE_PROJECT_ISSUES)["parameters"]}["id"]
    assert ids["schema"]["type"] == "integer" and "shall be repeated for each issue" in ids["description"]
    project_body = set(operation(BULK_UPDATE_PROJECT_ISSUES)["requestBody"]["properties"])
    organization_body = set(operation(BULK_UPDATE_ORGANIZATION_ISSUES)["requestBody"]["properties"])
    assert project_body < organization_body | {"ignoreDuration"} and {"isSubscribed", "substatus"} - project_body
    assert set(DOCUMENT_DEFECTS) == {RETRIEVE_ISSUE_EVENT, BULK_UPDATE_PROJECT_ISSUES}


def test_the_hand_written_operations_are_in_no_document_and_say_so():
    documented = {f"{entry['method']} {entry['path']}" for entry in contract()["document_operations"]}
    hand_written = contract()["hand_written"]
    assert set(hand_written) == {LIST_ISSUE_NOTES, ADD_ISSUE_NOTE, LEGACY_LIST_ISSUE_NOTES, LEGACY_ADD_ISSUE_NOTE}
    assert not set(hand_written) & documented
    for key, entry in hand_written.items():
        assert entry["operationId"].endswith("(hand-written)"), key
        assert any(name.endswith("group_notes.py") for name in entry["hand_written_from"]["files"]), key
