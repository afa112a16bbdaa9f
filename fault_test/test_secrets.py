"""Secrets: the canary token and DSN keys never appear in anything a step prints.

Every step of the whole suite runs with the canaries and `run_plugin` checks its stdout (log and reply) and
stderr (tracebacks) for them, or any recognisable part of them. The cases here go further: the server repeats
the credentials it received in its error bodies and headers (as a careless proxy or a debug server would), and
the plugin must still print none of them. Each case first checks that the canary really was sent, so that its
absence from the output means something.

Outside the plugin's reach (not asserted): a credential of the wrong shape, such as the token given as a plain
string instead of {"token": ..., "domain": ...}, is rejected by the runtime's own schema check before any plugin
code runs, and that error repeats the value (see the spec's troubleshooting).
"""

from fault_test import server as fs
from fault_test.batch import Cases
from fault_test.targets import TARGETS
from fault_test.util import (
    CANARY_PUBLIC,
    CANARY_SECRET,
    CANARY_TOKEN,
    RUNS,
    assert_error,
    assert_no_canary,
    connection,
    record,
    run_plugin,
)

TABLE = "secrets"
cases = Cases()
WEB = [TARGETS[name] for name in ("list_project_issues", "list_issue_events", "update_issue", "connection_test")]
SUBMIT = TARGETS["submit_event"]


def _run(target, server, **conn):
    return run_plugin(target.action, target.make_input(server.port), connection(server.url, **conn), target.command)


@cases(target=WEB)
def token_echoed_in_a_401_is_redacted(server, target):
    server.always(target.path, fs.echo_credentials(401))
    run = _run(target, server)  # run_plugin fails the case if the token appears anywhere
    record(TABLE, f"{target.name}: 401 whose body and X-Sentry-Error repeat the token", run, server.count)
    assert server.requests[0].headers["authorization"] == f"Bearer {CANARY_TOKEN}"  # it was sent
    assert_error(run, "HTTP 401")
    assert "********" in run.data  # Sentry's words are kept, the token masked


@cases(target=WEB[:2])
def token_echoed_in_every_5xx_is_redacted_in_the_retry_log(server, target):
    server.always(target.path, fs.echo_credentials(500))
    run = _run(target, server, max_retry_wait=2)
    record(TABLE, f"{target.name}: 500 repeating the token, every attempt", run, server.count)
    assert server.count == 3
    assert run.log.lower().count("retrying") == 2  # the retries are logged, with Sentry's status only
    assert_error(run, "HTTP 500")


@cases(status=[401, 403, 400, 200])
def dsn_keys_echoed_by_the_ingestion_endpoint_are_redacted(server, status):
    server.always(SUBMIT.path, fs.echo_credentials(status))
    run = _run(SUBMIT, server)
    record(TABLE, f"submit_event: HTTP {status} repeating X-Sentry-Auth", run, server.count)
    auth = server.requests[0].headers["x-sentry-auth"]
    assert f"sentry_key={CANARY_PUBLIC}" in auth and f"sentry_secret={CANARY_SECRET}" in auth  # they were sent
    assert_error(run)
    assert "********" in run.data


def _token_redirect(elsewhere):
    return fs.redirect(f"http://{CANARY_PUBLIC}:{CANARY_SECRET}@127.0.0.1:{elsewhere.port}/api/0/?token={CANARY_TOKEN}")


@cases
def redirect_location_holding_secrets_is_not_repeated(server, elsewhere):
    target = TARGETS["list_project_issues"]
    server.always(target.path, _token_redirect(elsewhere))
    run = _run(target, server)
    record(TABLE, "list_project_issues: 302 to a Location holding the token and DSN keys", run, server.count)
    assert_error(run, "redirect", f"http://127.0.0.1:{elsewhere.port}")
    assert elsewhere.count == 0


@cases
def submit_event_retried_after_reset_prints_no_key(server):
    server.script(SUBMIT.path, fs.reset_mid_body(), fs.echo_credentials(503), fs.event_accepted())
    run = _run(SUBMIT, server)
    record(TABLE, "submit_event: reset, 503 repeating X-Sentry-Auth, then 200", run, server.count)
    assert run.status == "ok" and server.count == 3


played, test_case = cases.fixture(), cases.test()


def test_no_canary_in_any_step_of_the_session():
    """Every plugin process of this session (the whole suite when run whole) printed no canary."""
    assert RUNS, "no plugin step ran"
    for run in RUNS:
        assert_no_canary(run)
