"""Ready-to-run messages for the local Sentry 9.1.2: one per action, the connection test, the trigger and the
task of plugin.spec.yaml, written to messages/ (ignored by git). The facts (URL, token, DSN, organization,
project) come from .servers/sentry9/sentry9.env; the issue and event IDs from a sample event this script
submits (always the same issue: the event has a fixed fingerprint).

    .venv/bin/python scripts/messages.py [--env FILE] [--out DIR]      (`make messages` starts Sentry first)

The files hold the local token, so they are written with mode 0600; nothing secret is printed.
Every request has a 10-second timeout and goes to the env file's URL, which must be a loopback address.
"""

import argparse
import ipaddress
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENV_FILE = os.path.join(ROOT, ".servers", "sentry9", "sentry9.env")
OUT_DIR = os.path.join(ROOT, "messages")
TIMEOUT = 10
SAMPLE_FINGERPRINT = "ready-to-run-messages"
# Where a trigger run without --debug would post its events; with --debug they are printed to stdout instead.
DISPATCHER = {"url": "http://127.0.0.1:10002/", "webhook_url": ""}


class Failure(Exception):
    """A reason to stop, phrased for the person who ran the script."""


def load_env(path):
    if not os.path.isfile(path):
        raise Failure(
            f"{path} is missing: start the local Sentry first (`bash scripts/sentry9.sh`, or `make messages`)"
        )
    with open(path, encoding="utf-8") as env:
        facts = dict(line.rstrip("\n").split("=", 1) for line in env if "=" in line)
    wanted = ("SENTRY9_URL", "SENTRY9_TOKEN", "SENTRY9_DSN", "SENTRY9_ORG_SLUG", "SENTRY9_PROJECT_SLUG")
    missing = [key for key in wanted + ("SENTRY9_PROJECT_ID", "SENTRY9_SENTRY_KEY") if not facts.get(key)]
    if missing:
        raise Failure(f"{path} lacks {', '.join(missing)}: rerun `bash scripts/sentry9.sh`")
    require_loopback(facts["SENTRY9_URL"])
    return facts


def require_loopback(url):
    host = urllib.parse.urlsplit(url).hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise Failure(
            f"the env file's URL host {host!r} is not a loopback address; these messages are for the local Sentry"
        )


def request(url, headers, body=None):
    """The JSON answer of one request; the URL is always the env file's (loopback) host."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, headers=dict(headers, **{"Content-Type": "application/json"}))
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT) as answer:  # nosec B310 - loopback URL checked above
            return json.loads(answer.read(1 << 20))
    except urllib.error.HTTPError as error:
        raise Failure(f"{req.get_method()} {urllib.parse.urlsplit(url).path} answered HTTP {error.code}") from None
    except (urllib.error.URLError, OSError) as error:
        raise Failure(
            f"the local Sentry at {url.split('/api/')[0]} does not answer ({error}): `bash scripts/sentry9.sh`"
        ) from None


def sample_issue(facts):
    """(issue ID, event ID) of a freshly submitted sample event; its fixed fingerprint keeps it one issue."""
    event_id = uuid.uuid4().hex
    auth = f"Sentry sentry_version=7, sentry_key={facts['SENTRY9_SENTRY_KEY']}, sentry_client=messages.py/1.0"
    event = {
        "event_id": event_id,
        "message": "Sample issue of the ready-to-run messages",
        "level": "error",
        "platform": "python",
        "fingerprint": [SAMPLE_FINGERPRINT],
        "tags": {"source": "scripts/messages.py"},
    }
    request(f"{facts['SENTRY9_URL']}/api/{facts['SENTRY9_PROJECT_ID']}/store/", {"X-Sentry-Auth": auth}, event)
    path = f"/api/0/projects/{facts['SENTRY9_ORG_SLUG']}/{facts['SENTRY9_PROJECT_SLUG']}/events/{event_id}/"
    bearer = {"Authorization": f"Bearer {facts['SENTRY9_TOKEN']}"}
    for _ in range(20):  # the event is processed inside the store request (CELERY_ALWAYS_EAGER); a margin anyway
        try:
            return str(request(facts["SENTRY9_URL"] + path, bearer)["groupID"]), event_id
        except Failure:
            time.sleep(0.5)
    raise Failure(f"the sample event {event_id} did not become an issue within 10 s")


def action_inputs(facts, issue_id, event_id):
    org, project = facts["SENTRY9_ORG_SLUG"], facts["SENTRY9_PROJECT_SLUG"]
    return {
        "submit_event": {
            "dsn": facts["SENTRY9_DSN"],
            "event_json": {
                "message": "Workflow step failed",
                "level": "error",
                "tags": {"workflow": "phishing-triage"},
                "exception": [{"type": "ValueError", "value": "bad input", "module": "builtins"}],
            },
        },
        "list_project_issues": {"organization_slug": org, "project_slug": project, "query": "", "statsPeriod": "24h"},
        "list_issue_events": {"issue_id": issue_id, "limit": 10},
        "update_issue": {"issue_id": issue_id, "status": "unresolved", "isBookmarked": True},
        "get_issue": {"issue_id": issue_id},
        "get_issue_event": {"issue_id": issue_id, "event_id": event_id},
        "add_issue_comment": {"issue_id": issue_id, "text": "Looked at from a ready-to-run message"},
        "list_issue_comments": {"issue_id": issue_id},
        "bulk_update_issues": {
            "organization_slug": org,
            "project_slug": project,
            "issue_ids": [issue_id],
            "isBookmarked": True,
        },
    }


def connection_of(facts):
    """The connection of every message: the local token and URL, the organization as the default."""
    return {
        "token": {"token": facts["SENTRY9_TOKEN"], "domain": ""},
        "url": facts["SENTRY9_URL"],
        "organization_slug": facts["SENTRY9_ORG_SLUG"],
    }


def message(facts, kind, body, meta=None):
    return {"body": dict(body, meta=meta or {}, connection=connection_of(facts)), "type": kind, "version": "v1"}


def action_message(facts, action, inputs):
    return message(facts, "action_start", {"action": action, "input": inputs})


def connection_test_message(facts):
    return message(facts, "connection_test", {})


def trigger_message(facts, inputs, dispatcher=None, trigger_id=None):
    """A trigger_start of new_issue; its events go to the dispatcher's URL (without --debug). With a trigger ID the
    runtime keeps the trigger's state in a file of that name; without one the trigger is stateless."""
    body = {"trigger": "new_issue", "input": inputs, "dispatcher": dispatcher or DISPATCHER}
    return message(facts, "trigger_start", body, {"triggerId": trigger_id} if trigger_id else None)


def task_message(facts, inputs, state):
    return message(
        facts, "task_start", {"task": "monitor_issues", "input": inputs, "state": state, "custom_config": {}}
    )


def project_of(facts):
    return {"organization_slug": facts["SENTRY9_ORG_SLUG"], "project_slug": facts["SENTRY9_PROJECT_SLUG"]}


def messages(facts, issue_id, event_id):
    """File name -> message, for every component of plugin.spec.yaml and the connection test."""
    written = {
        f"{name}.json": action_message(facts, name, inputs)
        for name, inputs in action_inputs(facts, issue_id, event_id).items()
    }
    written["connection_test.json"] = connection_test_message(facts)
    written["new_issue.json"] = trigger_message(facts, dict(project_of(facts), query="is:unresolved", interval=10))
    written["monitor_issues.json"] = task_message(facts, project_of(facts), {})
    return written


def write(out_dir, written):
    os.makedirs(out_dir, mode=0o700, exist_ok=True)
    for name, message in written.items():
        path = os.path.join(out_dir, name)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            json.dump(message, out, indent=2)
            out.write("\n")
        os.chmod(path, 0o600)  # also when the file existed with wider rights


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--env", default=ENV_FILE, help="the local Sentry's facts (default: %(default)s)")
    parser.add_argument("--out", default=OUT_DIR, help="where the messages go (default: %(default)s)")
    args = parser.parse_args(argv)
    try:
        facts = load_env(args.env)
        issue_id, event_id = sample_issue(facts)
        written = messages(facts, issue_id, event_id)
        write(args.out, written)
    except Failure as failure:
        print(f"messages: FAILED: {failure}", file=sys.stderr)
        return 1
    shown = os.path.relpath(args.out)
    print(
        f"messages: wrote {len(written)} messages for {facts['SENTRY9_URL']} to {shown}/ (mode 0600; they hold the token)"
    )
    print(
        f"  organization {facts['SENTRY9_ORG_SLUG']}, project {facts['SENTRY9_PROJECT_SLUG']}, sample issue {issue_id}, event {event_id}"
    )
    print("  " + " ".join(sorted(written)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
