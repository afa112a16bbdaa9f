"""Get Issue Event against a real Sentry 9.1.2 through `bin/komand_sentry run`: latest and oldest (its
/api/0/issues/{id}/events/latest|oldest/), an event by ID (through the issue's project), an environment's latest;
each event compared with the one Sentry's own API gives for it. An event of another issue, `recommended` (which
9.1.2 lacks) and malformed event IDs are errors."""

import pytest

from komand_sentry.util.version import CLIENT_NAME

from integration_test.util import (
    LogTail,
    Sentry9Workflow,
    entry,
    expect_error,
    expect_ok,
    refused_before_any_request,
    run_step,
    tag_map,
    unique,
)

N_EVENTS = 3

PLUGIN_AGENT = f'"{CLIENT_NAME}"'  # how the plugin's requests end in web.log


@pytest.fixture(scope="module")
def s9(sentry9) -> Sentry9Workflow:
    return Sentry9Workflow(sentry9.env, sentry9.run_id)


@pytest.fixture(scope="module")
def issue(s9):
    return s9.issue_with_events_in_order(unique("get-event"), N_EVENTS)


def _event(s9, **inputs) -> dict:
    return expect_ok(run_step("get_issue_event", inputs, s9.connection()))["event"]


def _is_the_stored_event(output: dict, s9, event_id: str, issue_id: str) -> None:
    stored = s9.event(event_id)
    assert output["eventID"] == event_id
    assert output["groupId"] == issue_id == stored["groupID"]
    assert entry(output, "message") == entry(stored, "message")
    assert tag_map(output) == tag_map(stored)
    assert output["dateCreated"] == stored["dateCreated"]


@pytest.mark.parametrize("organization", [True, False], ids=["with-organization", "without-organization"])
def test_latest_and_oldest(s9, issue, organization):
    inputs = {"issue_id": issue.id, **({"organization_slug": s9.org} if organization else {})}
    latest = _event(s9, event_id="latest", **inputs)
    oldest = _event(s9, event_id="oldest", **inputs)
    assert (
        latest["eventID"] == s9.get_json(f"/api/0/issues/{issue.id}/events/latest/")["eventID"] == issue.event_ids[-1]
    )
    assert oldest["eventID"] == s9.get_json(f"/api/0/issues/{issue.id}/events/oldest/")["eventID"] == issue.event_ids[0]
    _is_the_stored_event(latest, s9, issue.event_ids[-1], issue.id)
    _is_the_stored_event(oldest, s9, issue.event_ids[0], issue.id)


def test_latest_when_no_event_id_is_given(s9, issue):
    assert _event(s9, issue_id=issue.id)["eventID"] == issue.event_ids[-1]


def test_event_by_id_through_the_project(s9, issue):
    middle = issue.event_ids[1]
    log = LogTail(s9.web_log)
    output = _event(s9, issue_id=issue.id, organization_slug=s9.org, event_id=middle)
    _is_the_stored_event(output, s9, middle, issue.id)
    assert log.wait_for(f'"GET /api/0/projects/{s9.org}/{s9.project}/events/{middle}/', '" 200 ', PLUGIN_AGENT)


def test_event_by_id_with_a_short_id(s9, issue):
    output = _event(s9, issue_id=issue.short_id, organization_slug=s9.org, event_id=issue.event_ids[0])
    _is_the_stored_event(output, s9, issue.event_ids[0], issue.id)


def test_latest_of_an_environment_is_of_that_environment_or_refused(s9):
    """Sentry 9.1.2 (without snuba) checks that the environment exists but ignores it when picking the latest event
    (models/group.py get_latest_event_for_environments): the plugin must not hand back another environment's event."""
    marker = unique("get-event-env")
    issue = s9.issue_with_events_in_order(marker, 2, environment=f"{marker}-a")
    later = s9.store(s9.new_event(marker, f"itest {marker} b", environment=f"{marker}-b"))
    assert s9.issue_of_event(later) == issue.id
    assert _event(s9, issue_id=issue.id, event_id="latest")["eventID"] == later
    reply = run_step(
        "get_issue_event",
        {"issue_id": issue.id, "event_id": "latest", "environment": f"{marker}-a"},
        s9.connection(),
    )
    if reply.status == "ok":
        assert tag_map(reply.output["event"])["environment"] == f"{marker}-a", "an event of another environment"
        assert reply.output["event"]["eventID"] == issue.event_ids[-1]
    else:
        exception = expect_error(reply, secrets=[s9.token])
        assert "environment" in exception["cause"]


def test_event_of_another_issue_is_refused(s9, issue):
    other = s9.new_issue(unique("get-event-other"))
    reply = run_step(
        "get_issue_event",
        {"issue_id": issue.id, "organization_slug": s9.org, "event_id": other.event_ids[0]},
        s9.connection(),
    )
    exception = expect_error(reply, secrets=[s9.token])
    assert other.id in exception["cause"] and issue.id in exception["cause"]
    assert other.event_ids[0] not in str(reply.output)


def test_recommended_is_a_clear_error_on_sentry_9(s9, issue):
    reply = run_step(
        "get_issue_event",
        {"issue_id": issue.id, "organization_slug": s9.org, "event_id": "recommended"},
        s9.connection(),
    )
    exception = expect_error(reply, secrets=[s9.token])
    assert "recommended" in exception["cause"] and "older Sentry" in exception["cause"]
    assert "latest" in exception["assistance"]


def test_unknown_event_id(s9, issue):
    reply = run_step(
        "get_issue_event",
        {"issue_id": issue.id, "organization_slug": s9.org, "event_id": "0" * 32},
        s9.connection(),
    )
    exception = expect_error(reply, secrets=[s9.token])
    assert "404" in exception["cause"] + exception.get("data", "")


@pytest.mark.parametrize("event_id", ["1", "abc", "0" * 31, "0" * 33, "../latest", "latest/../../"])
def test_malformed_event_id_sends_nothing(s9, issue, event_id):
    inputs = {"issue_id": issue.id, "organization_slug": s9.org, "event_id": event_id}
    exception = refused_before_any_request("get_issue_event", inputs, s9.connection(), secrets=[s9.token])
    assert exception["cause"].startswith("Invalid input 'event_id'")
