"""Submit Event against a real Sentry 9.1.2: the event is stored as sent (read back through Sentry's API and
through List Issue Events), over the store endpoint that Sentry 9 has (the envelope attempt falls back)."""

import uuid
from datetime import datetime, timedelta, timezone

import pytest

from integration_test.util import LogTail, entry, expect_error, expect_ok, run_step, tag_map, unique


def _dsn(sentry9, kind):
    return {"no_secret": sentry9.dsn, "with_secret": sentry9.dsn_secret}[kind]


@pytest.mark.parametrize("dsn_kind", ["no_secret", "with_secret"])
def test_submit_event_is_stored_as_sent_through_store_fallback(sentry9, dsn_kind):
    marker = unique("submit")
    event_id = uuid.uuid4().hex
    happened = (datetime.now(timezone.utc) - timedelta(minutes=3)).replace(microsecond=0)
    local = happened.astimezone(timezone(timedelta(hours=2)))  # sent with an offset; Sentry must store UTC
    event_json = {
        "event_id": str(uuid.UUID(event_id)),  # the dashed form is accepted and sent as 32 hex characters
        "message": f"submit {marker}",
        "level": "warning",
        "timestamp": local.isoformat(),
        "tags": sentry9.tags(marker, workflow="phishing-triage"),
        "fingerprint": [marker],
        "exception": [{"type": "ValueError", "value": f"bad input {marker}", "module": "builtins"}],  # the seed's list
        "release": f"itest-{marker}",
        "environment": "itest",
        "user": {"id": "42", "email": "analyst@example.com"},
        "extra": {"step": 3},
    }
    log = LogTail(sentry9.web_log)

    reply = run_step("submit_event", {"dsn": _dsn(sentry9, dsn_kind), "event_json": event_json}, sentry9.connection())

    output = expect_ok(reply)
    assert output == {"id": event_id, "endpoint": "store"}
    assert "no envelope endpoint (HTTP 403); sending to the store endpoint" in reply.stdout
    assert log.wait_for(f"POST /api/{sentry9.project_id}/envelope/", '" 403 '), "no envelope attempt was made"
    assert log.wait_for(f"POST /api/{sentry9.project_id}/store/", '" 200 ')

    # Sentry's own API: the stored event
    stored = sentry9.event(event_id)
    assert stored["eventID"] == event_id
    assert stored["message"] == f"submit {marker}"
    tags = tag_map(stored)
    assert tags["level"] == "warning"
    assert tags["workflow"] == "phishing-triage" and tags["itest"] == marker
    assert tags["release"] == f"itest-{marker}" and tags["environment"] == "itest"
    exception = entry(stored, "exception")
    assert exception is not None, stored.get("entries")
    assert [(value["type"], value["value"], value["module"]) for value in exception["values"]] == [
        ("ValueError", f"bad input {marker}", "builtins")
    ]
    assert stored["user"]["email"] == "analyst@example.com" and stored["user"]["id"] == "42"
    assert stored["context"] == {"step": 3}
    created = datetime.fromisoformat(stored["dateCreated"].replace("Z", "+00:00"))
    assert abs((created - happened).total_seconds()) < 1, (stored["dateCreated"], happened)
    issue = sentry9.issue(stored["groupID"])
    assert issue["level"] == "warning" and issue["metadata"]["type"] == "ValueError"

    # ... and found again through the plugin's List Issue Events
    listed = expect_ok(run_step("list_issue_events", {"issue_id": stored["groupID"]}, sentry9.connection()))
    events = {event["eventID"]: event for event in listed["events"]}
    assert list(events) == [event_id]
    found = events[event_id]
    assert found["message"] == f"submit {marker}" and found["groupId"] == stored["groupID"]
    assert tag_map(found)["level"] == "warning" and tag_map(found)["workflow"] == "phishing-triage"
    values = entry(found, "exception")["values"]
    listed_exception = (values[0]["type"], values[0]["value"], values[0]["module"])
    assert listed_exception == ("ValueError", f"bad input {marker}", "builtins")


def test_submit_event_with_endpoint_store_goes_straight_to_store(sentry9):
    marker = unique("store")
    log = LogTail(sentry9.web_log)
    reply = run_step(
        "submit_event",
        {"dsn": sentry9.dsn, "endpoint": "store", "event_json": {"message": marker, "tags": sentry9.tags(marker)}},
        sentry9.connection(),
    )
    output = expect_ok(reply)
    assert output["endpoint"] == "store" and len(output["id"]) == 32  # an id was generated
    stored = sentry9.event(output["id"])
    assert stored["message"] == marker and tag_map(stored)["itest"] == marker
    assert "envelope" not in reply.stdout  # no envelope attempt, no fallback
    assert log.wait_for(f"POST /api/{sentry9.project_id}/store/", '" 200 ')


def test_submit_event_with_endpoint_envelope_fails_clearly_on_sentry9(sentry9):
    """Sentry 9.1.2 has no envelope endpoint; asked for it explicitly, the step says so rather than blaming the DSN."""
    marker = unique("envelope")
    event_id = uuid.uuid4().hex
    reply = run_step(
        "submit_event",
        {"dsn": sentry9.dsn_secret, "endpoint": "envelope", "event_json": {"event_id": event_id, "message": marker}},
        sentry9.connection(),
    )
    secret = sentry9.dsn_secret.split("//", 1)[1].split("@", 1)[0].split(":", 1)[1]
    exception = expect_error(reply, secrets=[secret, sentry9.token])
    assert "envelope endpoint" in exception["cause"] and "403" in exception["cause"]
    assert "store" in exception["assistance"]
    never_stored = sentry9.request("GET", f"/api/0/projects/{sentry9.org}/{sentry9.project}/events/{event_id}/")
    assert never_stored.status_code == 404


def test_submit_event_with_an_unknown_dsn_key_fails_clearly(sentry9):
    bad_key = uuid.uuid4().hex
    dsn = sentry9.dsn.replace(sentry9.key, bad_key)
    reply = run_step("submit_event", {"dsn": dsn, "event_json": {"message": "never stored"}}, sentry9.connection())
    exception = expect_error(reply, secrets=[bad_key])
    assert exception["cause"] == "Sentry refused the DSN's key (HTTP 401)."
    assert "HTTP 401 from POST /api/" in exception["data"] and "store" in exception["data"]


def test_submit_event_twice_with_the_same_event_id_stores_one_event(sentry9):
    marker = unique("twice")
    event_id = uuid.uuid4().hex
    inputs = {
        "dsn": sentry9.dsn,
        "event_json": {"event_id": event_id, "message": f"twice {marker}", "tags": sentry9.tags(marker),
                       "fingerprint": [marker]},
    }
    first = expect_ok(run_step("submit_event", inputs, sentry9.connection()))
    second = expect_ok(run_step("submit_event", inputs, sentry9.connection()))
    assert first == second == {"id": event_id, "endpoint": "store"}

    issue_id = sentry9.issue_of_event(event_id)
    assert [event["eventID"] for event in sentry9.issue_events(issue_id)] == [event_id]
    assert sentry9.issue(issue_id)["count"] == "1"
    assert [issue["id"] for issue in sentry9.issues(f"itest:{marker}")] == [issue_id]
