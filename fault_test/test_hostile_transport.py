"""Answers built to break the transport and ingestion: rate-limit headers with endless or non-numbers, a redirect
whose host is the token, ingestion answers that confirm the event under another key or another ID, or nest
without end, a kept-alive connection the server closed, and an event nested 900 levels deep.

Every case runs `bin/komand_sentry run` (so every one is also a secrets test: run_plugin fails it when a canary
appears in anything printed) and asserts the status, the cause and the exact number of requests."""

from fault_test import server as fs
from fault_test.batch import Cases
from fault_test.targets import TARGETS, event_ids
from fault_test.util import CANARY_TOKEN, assert_error, assert_ok, connection, dsn, record, run_plugin

TABLE = "hostile transport and ingestion answers"
ISSUES, EVENTS, SUBMIT = TARGETS["list_project_issues"], TARGETS["list_issue_events"], TARGETS["submit_event"]
EVENT_ID = "fc6d8c0c43fc4630ad850ee518f1b9d0"
cases = Cases()


def _run(target, server, extra=None, **conn):
    inputs = dict(target.make_input(server.port), **(extra or {}))
    return run_plugin(target.action, inputs, connection(server.url, **conn), target.command)


def _submit(server, event=None, **conn):
    event = {"event_id": EVENT_ID, "message": "hostile"} if event is None else event
    inputs = {"dsn": dsn(server.port), "event_json": event, "endpoint": "envelope"}
    return run_plugin("submit_event", inputs, connection(server.url, **conn))


# Rate-limit headers that are no usable number -----------------------------------------------------------------

ENDLESS_WAITS = [  # (case, step, headers, what the assistance tells)
    ("retry_after_inf_web", ISSUES, {"Retry-After": "inf"}, "after 60 seconds"),  # no RFC 9110 form: no time named
    ("retry_after_1e400_web", ISSUES, {"Retry-After": "1e400"}, "after 60 seconds"),
    ("rate_limit_reset_inf_web", EVENTS, {"X-Sentry-Rate-Limit-Reset": "inf"}, "Try again later"),
    ("rate_limit_reset_nan_web", EVENTS, {"X-Sentry-Rate-Limit-Reset": "nan"}, "after 60 seconds"),
    ("rate_limits_inf_ingest", SUBMIT, {"X-Sentry-Rate-Limits": "inf:error:key"}, "Try again later"),
    ("rate_limits_nan_ingest", SUBMIT, {"X-Sentry-Rate-Limits": "nan:error:key"}, "after 60 seconds"),
    ("retry_after_400_digits_ingest", SUBMIT, {"Retry-After": "9" * 400}, "Try again later"),
]


@cases(variant=ENDLESS_WAITS)
def rate_limit_without_a_usable_number_is_a_rate_limit_error(server, variant):
    name, target, headers, told = variant
    server.always(target.path, fs.rate_limited(headers))
    run = _run(target, server)  # Max Retry Wait 5: neither an endless wait nor the default minute fits
    record(TABLE, f"{target.name}: 429 with {name}", run, server.count)
    assert_error(run, "rate-limiting", "HTTP 429", assistance_words=("Max Retry Wait", told))
    assert server.count == 1


@cases
def rate_limits_nan_entry_is_skipped_for_the_next_one(server):
    limits = "nan:error:key, 1:default;error:organization"
    server.script(SUBMIT.path, fs.rate_limited({"X-Sentry-Rate-Limits": limits}), fs.event_accepted())
    run = _submit(server)
    record(TABLE, "submit_event: 429 X-Sentry-Rate-Limits nan then 1 s, then 200", run, server.count)
    assert_ok(run)
    assert server.count == 2 and run.output["id"] == EVENT_ID
    assert server.requests[1].at - server.requests[0].at >= 0.95  # it waited the 1 s the next entry asks


# Redirects ----------------------------------------------------------------------------------------------------


@cases
def redirect_whose_host_is_the_token_does_not_show_it(server, elsewhere):
    location = f"http://{CANARY_TOKEN}.localhost:{elsewhere.port}/api/0/"
    server.always(ISSUES.path, fs.redirect(location))
    run = _run(ISSUES, server)  # run_plugin fails the case if the token appears anywhere
    record(TABLE, "list_project_issues: 302 to a host spelled like the token", run, server.count)
    assert_error(run, "redirect", "HTTP 302", "********")
    assert server.count == 1 and elsewhere.count == 0


@cases
def redirect_to_an_unparsable_location_is_still_a_redirect_error(server):
    server.always(ISSUES.path, fs.redirect("http://[::1/x"))
    run = _run(ISSUES, server)
    record(TABLE, "list_project_issues: 302 to 'http://[::1/x'", run, server.count)
    assert_error(run, "redirect", "not a valid URL")
    assert server.count == 1


# What ingestion confirms --------------------------------------------------------------------------------------


@cases
def store_answer_with_event_id_key_is_a_confirmation(server):
    def confirmed_as_event_id(ex):
        return fs.json_reply({"event_id": ex.request.event()["event_id"]})(ex)

    server.always("/api/1/store/", confirmed_as_event_id)
    inputs = {"dsn": dsn(server.port), "event_json": {"event_id": EVENT_ID, "message": "m"}, "endpoint": "store"}
    run = run_plugin("submit_event", inputs, connection(server.url))
    record(TABLE, "submit_event store: 200 {event_id: <the event's ID>}", run, server.count)
    assert_ok(run)
    assert run.output == {"id": EVENT_ID, "endpoint": "store"}
    assert server.count == 1  # the step succeeded: no workflow retry would send it again


@cases
def answer_confirming_another_event_id_is_refused(server):
    server.always(SUBMIT.path, fs.json_reply({"id": "0123456789abcdef0123456789abcdef"}))
    run = _submit(server)
    record(TABLE, "submit_event: 200 confirming another event ID", run, server.count)
    assert_error(run, "confirmed another event ID", "0123456789abcdef0123456789abcdef", EVENT_ID)
    assert server.count == 1


@cases
def answer_nested_100000_deep_is_a_clear_error(server):
    deep = b'{"id": "' + EVENT_ID.encode() + b'", "x": ' + b"[" * 100000 + b"]" * 100000 + b"}"
    server.always(SUBMIT.path, fs.reply(200, deep, content_type="application/json"))
    run = _submit(server)
    record(TABLE, "submit_event: 200 whose JSON nests 100,000 deep", run, server.count)
    assert_error(run, "did not confirm an event ID", assistance_words=("DSN",))
    assert server.count == 1


@cases
def event_json_nested_900_levels_is_refused_before_sending(server):
    nested = "bottom"
    for _ in range(900):
        nested = {"inner": nested}
    run = _submit(server, {"message": "deep", "extra": nested})
    record(TABLE, "submit_event: event_json nested 900 levels", run, server.count)
    assert_error(run, "Invalid input 'event_json'", "nested more than 100 levels deep")
    assert server.count == 0


# A kept-alive connection that the server closed ---------------------------------------------------------------


@cases
def idle_kept_alive_connection_closed_is_logged_as_such(server):
    server.script(
        EVENTS.path,
        fs.page([{"id": "1", "eventID": EVENT_ID, "groupID": "42"}], next_cursor="0:100:0"),
        fs.close(),  # the next request on the kept-alive connection: read, then the connection closed
        fs.page([{"id": "2", "eventID": EVENT_ID, "groupID": "42"}]),
    )
    run = _run(EVENTS, server)
    record(TABLE, "list_issue_events: page 2's kept-alive connection closed, then sent again", run, server.count)
    assert_ok(run)
    assert [e["id"] for e in run.output["events"]] == ["1", "2"]
    assert server.count == 3 and server.connections == 2
    line = next(line for line in run.log.splitlines() if "kept-alive" in line)
    assert "[info" in line and "sending again on a new one" in line, line
    assert "failed to connect" not in run.log.lower(), run.log


@cases
def event_sent_again_after_the_connection_closed_is_the_same_event(server):
    server.script(SUBMIT.path, fs.close(), fs.event_accepted())
    run = _submit(server)
    record(TABLE, "submit_event: closed without an answer, then 200", run, server.count)
    assert_ok(run)
    assert event_ids(server.requests) == [EVENT_ID, EVENT_ID]
    assert "closed the connection without answering" in run.log, run.log


played, test_case = cases.fixture(), cases.test()
