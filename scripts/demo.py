"""The main job: every action of the plugin and its connection test against the local Sentry 9.1.2, run the
way a workflow step runs them (bin/komand_sentry run|test, one JSON message on stdin), printing each reply."""
import json
import os
import subprocess
import sys
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENV_FILE = os.path.join(ROOT, ".servers", "sentry9", "sentry9.env")


def load_env(path):
    with open(path) as env:
        return dict(line.strip().split("=", 1) for line in env if "=" in line)


def step(command, action, connection, inputs):
    message = {"body": {"action": action, "meta": {}, "input": inputs, "connection": connection},
               "type": "action_start", "version": "v1"}
    shown = json.dumps(dict(inputs, dsn="<the project's DSN>") if "dsn" in inputs else inputs)  # keys stay unseen
    title = "connection test" if command == "test" else action
    print(f"\n$ bin/komand_sentry {command}   # {title} {shown if inputs else ''}")
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, os.path.join(ROOT, "bin", "komand_sentry"), command],
        input=json.dumps(message), capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=ROOT),
    )
    reply = json.loads(result.stdout.strip().splitlines()[-1])
    body = reply["body"]
    print(f"rc={result.returncode} status={body['status']} ({time.monotonic() - started:.2f} s)")
    print(json.dumps(shorten(body.get("output") or {"error": body.get("error")}), indent=2)[:3000])
    if result.returncode != 0:
        sys.exit(f"demo: {action or 'connection test'} failed")
    return body.get("output") or {}


def shorten(output):
    """Lists of more than two items are shown as their first two and a count."""
    if isinstance(output, dict):
        return {key: shorten(value) for key, value in output.items() if key != "stats"}
    if isinstance(output, list) and len(output) > 2:
        return [shorten(item) for item in output[:2]] + [f"... {len(output) - 2} more"]
    if isinstance(output, list):
        return [shorten(item) for item in output]
    return output


def main():
    env = load_env(ENV_FILE)
    connection = {"token": {"token": env["SENTRY9_TOKEN"], "domain": ""}, "url": env["SENTRY9_URL"]}
    org, project = env["SENTRY9_ORG_SLUG"], env["SENTRY9_PROJECT_SLUG"]
    marker = uuid.uuid4().hex[:8]
    step("test", "list_project_issues", connection, {})
    submitted = step("run", "submit_event", connection, {
        "dsn": env["SENTRY9_DSN"],
        "event_json": {"message": f"demo event {marker}", "level": "error", "tags": {"demo": marker},
                       "exception": [{"type": "DemoError", "value": f"demo {marker}", "module": "demo"}],
                       "fingerprint": [f"demo-{marker}"]},
    })
    found = step("run", "list_project_issues", connection, {
        "organization_slug": org, "project_slug": project, "query": f"demo:{marker}", "statsPeriod": "24h"})
    issue_id = found["issues"][0]["id"]
    events = step("run", "list_issue_events", connection, {"issue_id": issue_id})
    assert events["events"][0]["eventID"] == submitted["id"], "the submitted event is not the issue's event"
    step("run", "update_issue", connection, {"issue_id": issue_id, "status": "resolved", "isBookmarked": True})
    print("\ndemo: all four actions and the connection test ran against Sentry 9.1.2 at " + env["SENTRY9_URL"])


if __name__ == "__main__":
    main()
