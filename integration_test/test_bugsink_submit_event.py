"""Submit Event against a real Bugsink 2.6.2 (today's ingestion protocol: envelopes, and store), each event
verified by its id through Bugsink's own API."""

import uuid

import pytest

from integration_test.util import BUGSINK_DIR, LogTail, expect_ok, run_step, unique


@pytest.mark.parametrize("endpoint", [None, "auto", "envelope", "store"])  # None: the input left out (auto)
@pytest.mark.parametrize("dsn_kind", ["no_secret", "with_secret"])
def test_submit_event_to_bugsink(bugsink, dsn_kind, endpoint):
    marker = unique("bugsink")
    event_id = uuid.uuid4().hex
    dsn = bugsink.dsn if dsn_kind == "no_secret" else bugsink.dsn_with_secret(uuid.uuid4().hex)
    inputs = {
        "dsn": dsn,
        "event_json": {
            "event_id": event_id,
            "message": f"bugsink {marker}",
            "level": "info",
            "tags": {"itest": marker},
            "exception": [{"type": "KeyError", "value": f"missing {marker}", "module": "builtins"}],
            "fingerprint": [marker],
        },
    }
    if endpoint is not None:
        inputs["endpoint"] = endpoint
    used = "store" if endpoint == "store" else "envelope"
    log = LogTail(BUGSINK_DIR / "server.log")

    reply = run_step("submit_event", inputs, {"token": {"token": "unused-for-submit-event", "domain": ""}})

    assert expect_ok(reply) == {"id": event_id, "endpoint": used}
    assert log.wait_for(f'"POST /api/{bugsink.project_id}/{used}/', '" 200 ')
    assert "sending to the store endpoint" not in reply.stdout, "fell back from the envelope to store"
    stored = bugsink.lookup(event_id)
    assert stored is not None, "Bugsink has no event with this id"
    data = stored["data"]
    assert data["event_id"] == event_id and stored["project"] == int(bugsink.project_id)
    assert data["message"] == f"bugsink {marker}" and data["level"] == "info"
    assert data["tags"] == {"itest": marker}
    assert data["exception"] == {"values": [{"type": "KeyError", "value": f"missing {marker}", "module": "builtins"}]}
    assert data["sdk"]["name"] == "komand-sentry"
