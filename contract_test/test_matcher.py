"""The matcher says no to what the document does not allow, so that its yes in test_requests.py means something."""

import json

import pytest

from contract_test.util import (
    LEGACY_LIST_ISSUE_EVENTS,
    LEGACY_UPDATE_ISSUE,
    LIST_ISSUE_EVENTS,
    LIST_PROJECT_ISSUES,
    RETRIEVE_ORGANIZATION,
    UPDATE_ISSUE,
    ContractViolation,
    Recorded,
    match,
)

HOST = "https://us.sentry.io"
ISSUES = "/api/0/projects/acme/backend/issues/"
EVENTS = "/api/0/organizations/acme/issues/1/events/"
ISSUE = "/api/0/organizations/acme/issues/42/"


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
    ("legacy-events-query-of-no-one", request("GET", "/api/0/issues/42/events/", [("limit", "5")]), "not declared"),
    ("slug-with-a-dot", request("GET", "/api/0/projects/acme/back.end/issues/"), "not a slug"),
    ("percent-encoded-segment", request("GET", "/api/0/projects/acme/back%2Fend/issues/"), "percent-encoded"),
    ("unknown-path", request("GET", "/api/0/issues/42/"), "no operation"),
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
