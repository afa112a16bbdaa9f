"""Get Issue against a real Sentry 9.1.2 through `bin/komand_sentry run`: by numeric ID (the organization-scoped
route is missing there, so the legacy route is used) and by short ID (resolved through the organization); every
answer compared with Sentry's own GET /api/0/issues/{id}/."""

import pytest

from komand_sentry.util.version import CLIENT_NAME

from integration_test.util import (
    LogTail,
    Sentry9Workflow,
    expect_error,
    expect_ok,
    refused_before_any_request,
    run_step,
    unique,
)

COMPARED = ("id", "shortId", "title", "status", "culprit", "level", "type", "firstSeen", "count", "permalink")

PLUGIN_AGENT = f'"{CLIENT_NAME}"'  # how the plugin's requests end in web.log


@pytest.fixture(scope="module")
def s9(sentry9) -> Sentry9Workflow:
    return Sentry9Workflow(sentry9.env, sentry9.run_id)


@pytest.fixture(scope="module")
def issue(s9):
    return s9.new_issue(unique("get-issue"), events=2)


def _get(s9, **inputs) -> dict:
    return expect_ok(run_step("get_issue", inputs, s9.connection()))["issue"]


def _same_issue(output: dict, stored: dict) -> None:
    for field in COMPARED:
        assert output[field] == stored[field], field
    assert output["project"]["slug"] == stored["project"]["slug"]


@pytest.mark.parametrize("organization", [True, False], ids=["with-organization", "without-organization"])
def test_get_issue_by_numeric_id(s9, issue, organization):
    inputs = {"issue_id": issue.id}
    if organization:
        inputs["organization_slug"] = s9.org
    _same_issue(_get(s9, **inputs), s9.issue(issue.id))


def test_get_issue_by_short_id_resolved_through_the_organization(s9, issue):
    log = LogTail(s9.web_log)
    output = _get(s9, issue_id=issue.short_id, organization_slug=s9.org)
    _same_issue(output, s9.issue(issue.id))
    assert log.wait_for(f'"GET /api/0/organizations/{s9.org}/shortids/{issue.short_id}/', '" 200 ', PLUGIN_AGENT)
    assert not [
        line for line in log.lines() if f"/issues/{issue.short_id}/" in line
    ], "a short ID reached an issue route"


def test_get_issue_short_id_from_the_connection_organization(s9, issue):
    reply = run_step("get_issue", {"issue_id": issue.short_id}, s9.connection(organization_slug=s9.org))
    assert expect_ok(reply)["issue"]["id"] == issue.id


def test_get_issue_unknown_id(s9):
    exception = expect_error(run_step("get_issue", {"issue_id": "987654321"}, s9.connection()), secrets=[s9.token])
    assert "404" in exception["cause"] + exception.get("data", "")


def test_get_issue_unknown_short_id(s9):
    reply = run_step("get_issue", {"issue_id": "NOSUCH-ZZZ9", "organization_slug": s9.org}, s9.connection())
    exception = expect_error(reply, secrets=[s9.token])
    assert "404" in exception["cause"] + exception.get("data", "")


@pytest.mark.parametrize(
    "inputs",
    [
        {"issue_id": "1/../../organizations"},
        {"issue_id": "TESTPROJECT-1"},  # a short ID without an organization
        {"issue_id": "1", "organization_slug": "Not A Slug"},
    ],
    ids=["traversal", "short-id-without-organization", "bad-organization"],
)
def test_get_issue_bad_input_sends_nothing(s9, inputs):
    exception = refused_before_any_request("get_issue", inputs, s9.connection(), secrets=[s9.token])
    assert exception["cause"].startswith("Invalid input '")
