"""The main job: every component of the plugin against the local Sentry 9.1.2, run the way InsightConnect runs
them (bin/komand_sentry run|test, one JSON message on stdin): the connection test, the nine actions, the New Issue
trigger (its events posted to a loopback sink, as the orchestrator receives them) and the Monitor Issues task.

    .venv/bin/python scripts/demo.py        (`make demo` starts Sentry first)

Each step prints the component, the exit code and the reply's output (compacted), and checks what the reply says
against what the demo did. The issues the demo makes carry a tag of this run (demo_run:<marker>), so a server holding
the data of earlier runs changes nothing. It ends with a table of every step and exits 1 when any step failed.
No secret is printed: every line is checked against the env file's token, DSN and keys before it is shown.
Bounds: 60 s a step, 60 s for the trigger's run; the files it writes go to .servers/demo/ (ignored by git).
"""

import http.server
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid

sys.dont_write_bytecode = True  # scripts/ stays as committed
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import messages as builders  # noqa: E402  (scripts/messages.py: the env file and the message builders)

ROOT = builders.ROOT
PLUGIN = os.path.join(ROOT, "bin", "komand_sentry")
WORK_DIR = os.path.join(ROOT, ".servers", "demo")
STEP_TIMEOUT = 60
TEAM_SLUG = "testteam"  # the team scripts/sentry9.sh makes and adds the demo's project to
SECRET_KEYS = ("SENTRY9_TOKEN", "SENTRY9_READONLY_TOKEN", "SENTRY9_DSN", "SENTRY9_SENTRY_KEY", "SENTRY9_DSN_SECRET")
ISSUE_KEYS = ("id", "shortId", "title", "status", "assignedTo", "isBookmarked", "count", "numComments", "firstSeen")
EVENT_KEYS = ("eventID", "groupID", "message", "dateCreated", "tags")
SHOWN_CHARS = 1200
EVENT_ID = re.compile(r"^[0-9a-f]{32}$")


class Failed(Exception):
    """A step's reply is not what the demo expects (or the step could not run); the message says why."""


def expect(condition, problem):
    if not condition:
        raise Failed(problem)


def compact(value):
    """The reply's output as a reader needs it: an issue's or an event's main fields, lists cut to three items."""
    if isinstance(value, dict):
        keys = ISSUE_KEYS if "shortId" in value else EVENT_KEYS if "eventID" in value else list(value)
        return {key: compact(value[key]) for key in keys if key in value and key != "stats"}
    if isinstance(value, list):
        more = [f"... {len(value) - 3} more"] if len(value) > 3 else []
        return [compact(item) for item in value[:3]] + more
    if isinstance(value, str) and len(value) > 100:
        return value[:97] + "..."
    return value


def shown(value):
    text = json.dumps(compact(value))
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + " ...(cut)"


def plugin_env():
    import certifi  # the runtime's Http dispatcher reads SSL_CERT_FILE, which the plugin's image sets

    return dict(os.environ, PYTHONPATH=ROOT, SSL_CERT_FILE=certifi.where())


def reply_of(stdout, stderr, returncode):
    """The reply, the last line of stdout."""
    try:
        return json.loads(stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        raise Failed(f"rc={returncode}, no JSON reply; the last of stderr: {stderr.strip()[-600:]}") from None


def error_text(body):
    parts = [body.get("error"), body.get("cause"), body.get("assistance")]
    return " | ".join(str(part) for part in parts if part) or json.dumps(body)[:SHOWN_CHARS]


class Demo:
    """The run's facts, what its steps found (IDs), and each step's result for the summary."""

    def __init__(self, facts):
        self.facts = facts
        self.secrets = sorted({facts[key] for key in SECRET_KEYS if facts.get(key)}, key=len, reverse=True)
        self.marker = uuid.uuid4().hex[:10]
        self.found = {}
        self.results = []  # (component, what, ok, seconds)
        self.leaks = 0

    def say(self, text):
        """Print a line, never a secret: a line holding one is shown with it hidden and fails the demo."""
        for secret in self.secrets:
            if secret in text:
                text, self.leaks = text.replace(secret, "<SECRET>"), self.leaks + 1
        print(text, flush=True)

    def need(self, name):
        expect(name in self.found, f"needs the {name.replace('_', ' ')} of an earlier step, which failed")
        return self.found[name]

    def step(self, component, what, body):
        """Run one step (body raises Failed when its reply is wrong); its result goes to the summary."""
        self.say(f"\n== {component}: {what}")
        started = time.monotonic()
        try:
            value, ok = body(), True
        except Failed as failure:
            value, ok = None, False
            self.say(f"   FAILED: {failure}")
        except Exception as error:  # a reply of a shape the demo did not foresee: this step fails, the rest go on
            value, ok = None, False
            self.say(f"   FAILED: {type(error).__name__}: {error}")
        self.results.append((component, what, ok, time.monotonic() - started))
        return value

    def plugin(self, command, message, shown_input=None):
        """One bin/komand_sentry run|test of a message; the reply's body once its status is ok."""
        self.say(f"   $ bin/komand_sentry {command}  < {message['type']} {shown(shown_input) if shown_input else ''}")
        try:
            result = subprocess.run(
                [sys.executable, PLUGIN, command],
                input=json.dumps(message),
                capture_output=True,
                text=True,
                cwd=ROOT,
                env=plugin_env(),
                timeout=STEP_TIMEOUT,
            )
        except subprocess.TimeoutExpired:
            raise Failed(f"no reply within {STEP_TIMEOUT} s") from None
        body = reply_of(result.stdout, result.stderr, result.returncode)["body"]
        self.say(f"   rc={result.returncode} status={body.get('status')}")
        expect(result.returncode == 0 and body.get("status") == "ok", f"the reply: {error_text(body)}")
        return body

    def action(self, action, what, inputs, check=None):
        """An action step: its output printed, then checked by `check(output)` (raising Failed). `inputs` may be a
        function, called in the step, when they hold what earlier steps found (`need`)."""

        def body():
            inputs_now = inputs() if callable(inputs) else inputs
            public = dict(inputs_now, dsn="<the project's DSN>") if "dsn" in inputs_now else inputs_now
            output = self.plugin("run", builders.action_message(self.facts, action, inputs_now), public).get("output")
            self.say(f"   output: {shown(output)}")
            if check:
                check(output or {})
            return output or {}

        return self.step(action, what, body)

    def summary(self):
        leaked = f"{self.leaks} printed line(s) held one (shown as <SECRET>)"
        self.step("secrets", "no token or DSN key in anything printed", lambda: expect(not self.leaks, leaked))
        self.say("\n" + "=" * 100 + f"\nSummary of the demo run {self.marker} against {self.facts['SENTRY9_URL']}")
        self.say(f"{'component':<22} {'step':<62} {'result':<7} {'seconds':>7}")
        for component, what, ok, seconds in self.results:
            self.say(f"{component:<22} {what[:62]:<62} {'ok' if ok else 'FAILED':<7} {seconds:7.1f}")
        failed = sum(1 for result in self.results if not result[2])
        self.say(f"{len(self.results)} steps, {failed} failed")
        return 1 if failed else 0


# The actions ------------------------------------------------------------------------------------------------------


def demo_event(demo, name):
    """An event of the demo's issue `name`: the run's tag and a fingerprint of its own (one issue per name)."""
    title = f"Demo issue {name} of run {demo.marker}"
    event = {
        "message": title,
        "level": "error",
        "tags": {"demo_run": demo.marker, "demo_issue": name},
        "fingerprint": [f"demo-{demo.marker}-{name}"],
    }
    if name == "A":
        event["exception"] = [{"type": "DemoError", "value": title, "module": "demo"}]
    return event


def submit(demo, key, name, what):
    def check(output):
        expect(EVENT_ID.match(str(output.get("id"))), "the output has no event ID")
        demo.found[f"event_{key}"] = output["id"]

    inputs = {"dsn": demo.facts["SENTRY9_DSN"], "event_json": demo_event(demo, name)}
    demo.action("submit_event", what, inputs, check)


def on_issue(demo, name="A", **more):
    """The inputs of a step on one of the run's issues, made as the step runs (the ID comes from a listing)."""
    return lambda: dict({"issue_id": demo.need(f"issue_{name}")}, **more)


def on_issues(demo, names, **more):
    """Bulk Update's inputs for some of the run's issues by ID, made as the step runs."""
    return lambda: dict(more, issue_ids=[demo.need(f"issue_{name}") for name in names])


def issues_of_the_run(demo, output, expected=3):
    """The run's issues in a listing, by name (A, B, C, D); fails unless there are exactly `expected`."""
    named = {}
    for issue in output.get("issues") or []:
        found = re.search(rf"Demo issue (\w) of run {demo.marker}$", issue.get("title", ""))
        expect(found, f"issue {issue.get('id')} ({issue.get('title')!r}) is not one of this run's")
        named[found.group(1)] = issue["id"]
    expect(len(named) == expected, f"{len(named)} issues of this run listed, {expected} expected")
    return named


def events_part(demo):
    submit(demo, "A1", "A", "the first event of issue A (an exception)")
    submit(demo, "A2", "A", "a second event of issue A (same fingerprint)")
    submit(demo, "B", "B", "the event of issue B")
    submit(demo, "C", "C", "the event of issue C")

    def listed(output):
        demo.found.update({f"issue_{name}": issue_id for name, issue_id in issues_of_the_run(demo, output).items()})

    where = builders.project_of(demo.facts)
    query = {"query": f"demo_run:{demo.marker}", "statsPeriod": "24h"}
    demo.action("list_project_issues", f"query demo_run:{demo.marker}: issues A, B, C", dict(where, **query), listed)

    def both_events(output):
        ids = {event.get("eventID") for event in output.get("events") or []}
        expect(ids == {demo.need("event_A1"), demo.need("event_A2")}, f"events {sorted(ids)}: not A's two events")

    demo.action("list_issue_events", "issue A: its two events", on_issue(demo), both_events)


def update_part(demo):
    def resolved(output):
        issue = output.get("issue") or {}
        expect(issue.get("status") == "resolved" and issue.get("isBookmarked") is True, "not resolved and bookmarked")

    def assigned_to_team(output):
        assignee = (output.get("issue") or {}).get("assignedTo") or {}
        expect(assignee.get("type") == "team" and assignee.get("name") == TEAM_SLUG, f"assignee {assignee}")

    def unassigned(output):
        issue = output.get("issue") or {}
        expect(not issue.get("assignedTo"), f"still assigned to {issue.get('assignedTo')}")
        expect(issue.get("status") == "unresolved", f"status {issue.get('status')}")

    inputs = on_issue(demo, status="resolved", isBookmarked=True)
    demo.action("update_issue", "issue A: resolved and bookmarked", inputs, resolved)
    inputs = on_issue(demo, assignedTo=f"#{TEAM_SLUG}")
    demo.action("update_issue", f"issue A: assigned to #{TEAM_SLUG}", inputs, assigned_to_team)
    inputs = on_issue(demo, assignedTo="", status="unresolved")
    demo.action("update_issue", "issue A: unassigned, unresolved again", inputs, unassigned)


def get_part(demo):
    def issue_a(output):
        issue = output.get("issue") or {}
        expect(issue.get("id") == demo.need("issue_A") and issue.get("shortId"), "not issue A, or no short ID")
        demo.found["short_id_A"] = issue["shortId"]

    demo.action("get_issue", "issue A by its numeric ID", on_issue(demo), issue_a)
    demo.action("get_issue", "issue A by its short ID", lambda: {"issue_id": demo.need("short_id_A")}, issue_a)
    for which, key in (("latest", "A2"), ("oldest", "A1"), ("A1", "A1")):

        def is_event(output, key=key):
            found = (output.get("event") or {}).get("eventID")
            expect(found == demo.need(f"event_{key}"), f"event {found}, not the event {key} submitted")

        what = f"issue A, the {which} event: {key}" if which != key else f"issue A, event {key} by its ID"
        demo.action("get_issue_event", what, event_inputs(demo, which), is_event)


def event_inputs(demo, which):
    """get_issue_event's inputs: `which` is latest, oldest, or a submitted event (by its ID)."""
    return lambda: {
        "issue_id": demo.need("issue_A"),
        "event_id": which if which in ("latest", "oldest") else demo.need(f"event_{which}"),
    }


def comment_part(demo):
    text = f"Looked at in demo run {demo.marker}"

    def made(output):
        comment = output.get("comment") or {}
        expect(comment.get("id") and comment.get("text") == text, "no comment ID, or not the text given")
        demo.found["comment"] = comment["id"]

    def listed(output):
        wanted = demo.need("comment")
        match = [c for c in output.get("comments") or [] if c.get("id") == wanted and c.get("text") == text]
        expect(match, f"comment {wanted} is not among the {len(output.get('comments') or [])} listed")

    demo.action("add_issue_comment", "a comment on issue A", on_issue(demo, text=text), made)
    demo.action("list_issue_comments", "issue A's comments hold the one just made", on_issue(demo), listed)


def bulk_part(demo):
    where = builders.project_of(demo.facts)
    query = f"demo_run:{demo.marker}"

    def updated(names, status):
        def check(output):
            wanted = sorted(demo.need(f"issue_{name}") for name in names)
            expect(sorted(output.get("issue_ids") or []) == wanted, f"updated {output.get('issue_ids')}, not {wanted}")
            expect((output.get("changes") or {}).get("status") == status, f"changes {output.get('changes')}")

        return check

    by_ids = on_issues(demo, "BC", status="resolved", **where)
    demo.action("bulk_update_issues", "issues B, C by ID: resolved", by_ids, updated("BC", "resolved"))
    inputs = dict(where, query=query, status="ignored")
    demo.action("bulk_update_issues", f"query {query} (A, B, C): ignored", inputs, updated("ABC", "ignored"))
    inputs = dict(where, query=query, status="unresolved")
    demo.action("bulk_update_issues", f"query {query}: back to unresolved", inputs, updated("ABC", "unresolved"))
    inputs = dict(where, query=f"{query} is:unresolved", statsPeriod="24h")
    what = f"{query} is:unresolved: A, B, C again"
    demo.action("list_project_issues", what, inputs, lambda output: issues_of_the_run(demo, output))


# The trigger ------------------------------------------------------------------------------------------------------

# The runtime ends a trigger when terminate_trigger.flag appears in FLAG_DIR, which is /workspace/tmp/ (a directory
# of the plugin's container), fixed in insightconnect_plugin_runtime/constants.py and bound into its trigger module
# at import; no variable moves it. So the trigger runs through this launcher, which points the runtime's trigger
# module at .servers/demo/ and then runs bin/komand_sentry itself with the same argv, as `python bin/komand_sentry run`.
LAUNCHER = """
import runpy, sys
flag_dir, cache_dir, plugin = sys.argv[1:4]
sys.argv = [plugin] + sys.argv[4:]
import insightconnect_plugin_runtime.trigger as trigger
trigger.FLAG_DIR, trigger.CACHE_DIR = flag_dir + "/", cache_dir + "/"
runpy.run_path(plugin, run_name="__main__")
"""
TRIGGER_INTERVAL = 5
TRIGGER_SECONDS = 18  # how long the trigger runs: the new issue's poll, then two more that must emit nothing
TRIGGER_DEADLINE = 60  # the most the trigger part may take, whatever happens
STOP_TIMEOUT = 10


class EventSink(http.server.ThreadingHTTPServer):
    """Where the runtime's Http dispatcher posts the trigger's events, as InsightConnect's orchestrator receives
    them: a loopback server on a free port, answering 200 and keeping each post."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), SinkHandler)
        self.posts = []
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}/trigger-events"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()


class SinkHandler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (the name http.server calls)
        body = self.rfile.read(min(int(self.headers.get("Content-Length") or 0), 1 << 22))
        try:
            self.server.posts.append(json.loads(body))
        except ValueError:
            self.server.posts.append({"unreadable": body[:200].decode("utf-8", "replace")})
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):  # the demo prints the posts itself
        pass


class TriggerRun:
    """`bin/komand_sentry run` with a trigger_start message, its stdout and stderr in .servers/demo/trigger/."""

    def __init__(self, trigger_id):
        self.trigger_id = trigger_id
        self.dir = os.path.join(WORK_DIR, "trigger")
        self.flags, self.cache = os.path.join(self.dir, "flags"), os.path.join(self.dir, "cache")
        self.process, self.streams, self.started = None, [], None

    def start(self, message):
        shutil.rmtree(self.dir, ignore_errors=True)
        for folder in (self.flags, self.cache):
            os.makedirs(folder, mode=0o700)
        self.streams = [open(os.path.join(self.dir, name), "wb") for name in ("stdout", "stderr")]
        self.process = subprocess.Popen(
            [sys.executable, "-c", LAUNCHER, self.flags, self.cache, PLUGIN, "run"],
            stdin=subprocess.PIPE,
            stdout=self.streams[0],
            stderr=self.streams[1],
            cwd=ROOT,
            env=plugin_env(),
            start_new_session=True,
        )
        self.process.stdin.write(json.dumps(message).encode("utf-8"))
        self.process.stdin.close()
        self.started = time.monotonic()

    @property
    def alive(self):
        return self.process is not None and self.process.poll() is None

    def output(self, name):
        path = os.path.join(self.dir, name)
        return open(path, encoding="utf-8", errors="replace").read() if os.path.exists(path) else ""

    def log_lines(self):
        """The runtime's log lines (on stdout in `run` mode, stderr for anything else), without the reply."""
        lines = (self.output("stdout") + self.output("stderr")).splitlines()
        return [line for line in lines if line.strip() and not line.startswith("{") and "[debug" not in line]

    def reply(self):
        """The step's reply once the trigger has ended: the last JSON line of stdout."""
        replies = [line for line in self.output("stdout").splitlines() if line.startswith("{")]
        try:
            return json.loads(replies[-1]) if replies else {}
        except ValueError:
            return {"unreadable": replies[-1][:200]}

    def saved_state(self):
        """The state the runtime keeps for the trigger ID (in the cache directory the launcher set)."""
        try:
            with open(os.path.join(self.cache, f"{self.trigger_id}.json"), encoding="utf-8") as saved:
                return json.load(saved)
        except (OSError, ValueError):
            return {}

    def wait_for_log(self, text, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.alive:
            if text in self.output("stderr") + self.output("stdout"):
                return True
            time.sleep(0.2)
        return text in self.output("stderr") + self.output("stdout")

    def stop(self):
        """Raise the runtime's terminate flag; (exit code, seconds the trigger took to end)."""
        asked = time.monotonic()
        open(os.path.join(self.flags, "terminate_trigger.flag"), "w").close()
        try:
            self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()
        return self.process.returncode, time.monotonic() - asked

    def kill(self):
        if self.alive:
            os.killpg(self.process.pid, signal.SIGKILL)  # the session this demo started, by its id
            self.process.wait(timeout=10)
        for stream in self.streams:
            stream.close()


def tail(trigger):
    return (trigger.output("stderr") + trigger.output("stdout")).strip()[-800:]


def trigger_part(demo):
    query = f"is:unresolved demo_run:{demo.marker}"
    inputs = dict(builders.project_of(demo.facts), query=query, interval=TRIGGER_INTERVAL)
    trigger = TriggerRun(f"demo-{demo.marker}")
    with EventSink() as sink:
        try:
            what = f"trigger_start, interval {TRIGGER_INTERVAL} s: watching"
            demo.step("new_issue", what, lambda: start_trigger(demo, trigger, inputs, sink))
            submit(demo, "D", "D", "a new issue D, while the trigger runs")
            what = "the event it posted for D; stopped by the terminate flag"
            demo.step("new_issue", what, lambda: trigger_events(demo, trigger, sink))
        finally:
            trigger.kill()


def start_trigger(demo, trigger, inputs, sink):
    message = builders.trigger_message(demo.facts, inputs, {"url": sink.url, "webhook_url": ""}, trigger.trigger_id)
    demo.say(f"   $ bin/komand_sentry run  < trigger_start {shown(inputs)}")
    demo.say(f"     triggerId {trigger.trigger_id}, dispatcher {sink.url}, terminate flag in .servers/demo/trigger/")
    trigger.start(message)
    expect(trigger.wait_for_log("Watching", 20), f"it did not start watching within 20 s: {tail(trigger)}")
    demo.say(f"   log: {[line for line in trigger.log_lines() if 'Watching' in line][-1]}")


def wait_for_posts(trigger, sink):
    """Until the first post, then on until TRIGGER_SECONDS (later polls must post nothing); whether it still runs."""
    deadline = trigger.started + TRIGGER_DEADLINE
    while not sink.posts and trigger.alive and time.monotonic() < deadline:
        time.sleep(0.2)
    while trigger.alive and time.monotonic() < trigger.started + TRIGGER_SECONDS:
        time.sleep(0.2)
    return trigger.alive


def trigger_events(demo, trigger, sink):
    expect(trigger.process is not None, "the trigger did not start")
    still_running = wait_for_posts(trigger, sink)
    ran = time.monotonic() - trigger.started
    rc, took = trigger.stop() if still_running else (trigger.process.returncode, 0.0)
    demo.say(
        f"   ran {ran:.1f} s, {len(sink.posts)} event(s) posted; after the terminate flag it ended in {took:.1f} s"
    )
    demo.say("   log: " + "\n   log: ".join(line[:200] for line in trigger.log_lines()[-12:]))
    for post in sink.posts:
        body = post.get("body") or {}
        demo.say(f"   posted: {shown(dict(type=post.get('type'), meta=body.get('meta'), output=body.get('output')))}")
    reply = trigger.reply()
    demo.say(f"   rc={rc} reply: {shown(reply)}")
    demo.say(f"   state file: {shown(state_summary(trigger.saved_state()))}")
    expect(still_running, f"the trigger ended by itself (rc {rc}): {tail(trigger)}")
    expect(rc == 0 and (reply.get("body") or {}).get("status") == "ok", f"rc {rc}, reply {shown(reply)}")
    expect(len(sink.posts) == 1, f"{len(sink.posts)} events posted, one (issue D) expected: {tail(trigger)}")
    issue = ((sink.posts[0].get("body") or {}).get("output") or {}).get("issue") or {}
    named = issues_of_the_run(demo, {"issues": [issue]}, 1)
    expect(set(named) == {"D"}, f"the event is of issue {sorted(named)}, not D")
    demo.found["issue_D"] = named["D"]
    expect(issue["id"] in (trigger.saved_state().get("seen") or {}), "the state file does not hold issue D as seen")


# The task ---------------------------------------------------------------------------------------------------------


def state_summary(state):
    if not isinstance(state, dict) or not state:
        return state
    walk = state.get("walk")
    walk = {"cursor": walk.get("cursor"), "pages": walk.get("pages")} if isinstance(walk, dict) else walk
    return {"horizon": state.get("horizon"), "seen": f"{len(state.get('seen') or {})} issue ID(s)", "walk": walk}


def run_task(demo, state):
    """One task_start; (the state it returned, the IDs of the issues it output)."""
    where = builders.project_of(demo.facts)
    body = demo.plugin("run", builders.task_message(demo.facts, where, state), dict(where, state=state_summary(state)))
    issues = body.get("output") or []
    demo.say(f"   output: {len(issues)} issue(s), newest first: {shown(issues)}")
    demo.say(f"   has_more_pages={body.get('has_more_pages')} status_code={body.get('status_code')}")
    demo.say(f"   state: {shown(state_summary(body.get('state')))}")
    expect(body.get("status_code") == 200, f"status_code {body.get('status_code')}")
    expect(isinstance(body.get("state"), dict) and body["state"], "no state returned")
    return body["state"], [issue.get("id") for issue in issues]


def task_part(demo):
    def first():
        state, ids = run_task(demo, {})
        demo.found["task_state"], demo.found["task_ids"] = state, ids
        expect(demo.need("issue_D") in ids, f"the newest issue, D ({demo.need('issue_D')}), is not in the output")

    def second():
        state, ids = run_task(demo, demo.need("task_state"))
        again = set(ids) & set(demo.need("task_ids"))
        expect(not again, f"issues output by both calls: {sorted(again)}")

    demo.step("monitor_issues", "task_start with state {}: the issues of the last 24 h, D first", first)
    demo.step("monitor_issues", "task_start with the state it returned: none repeated", second)


def connection_test(demo):
    output = demo.plugin("test", builders.connection_test_message(demo.facts)).get("output") or {}
    demo.say(f"   output: {shown(output)}")
    expect(output.get("success") is True, "the test did not answer success")


def main():
    started = time.monotonic()
    try:
        facts = builders.load_env(builders.ENV_FILE)
    except builders.Failure as failure:
        print(f"demo: {failure}", file=sys.stderr)
        return 1
    demo = Demo(facts)
    demo.say(
        f"demo run {demo.marker}: every component against Sentry 9.1.2 at {facts['SENTRY9_URL']} (organization"
        f" {facts['SENTRY9_ORG_SLUG']}, project {facts['SENTRY9_PROJECT_SLUG']}); its issues are tagged"
        f" demo_run:{demo.marker}"
    )
    demo.step("connection test", "bin/komand_sentry test < connection_test", lambda: connection_test(demo))
    for part in (events_part, update_part, get_part, comment_part, bulk_part, trigger_part, task_part):
        part(demo)
    code = demo.summary()
    demo.say(f"demo: {time.monotonic() - started:.0f} s in all; " + ("every step ok" if not code else "FAILED"))
    return code


if __name__ == "__main__":
    sys.exit(main())
