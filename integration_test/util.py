"""Helpers of the integration suite: the real servers (Sentry 9.1.2 and Bugsink), the plugin run the way a
workflow step runs it (`bin/komand_sentry run|test`, one JSON message on stdin, or http mode), and direct
access to each server's own API to verify what the plugin did.

Every event the suite sends carries the tag `itest_run` (one value per pytest session) and a marker of its
own test (`itest` tag and fingerprint), so tests never see each other's data and the suite can run again and
again against the same servers.
"""

import json
import os
import signal
import socket
import subprocess
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional

import pytest
import requests

from testkit.server import LoopbackSentry
from testkit.wire import Reply as WireReply
from testkit.step import PLUGIN, PYTHON, ROOT, Reply, message as start_message, plugin_env, run_plugin_process

SENTRY9_DIR = ROOT / ".servers" / "sentry9"
BUGSINK_DIR = ROOT / ".servers" / "bugsink"
STEP_TIMEOUT = 180  # seconds a single plugin step may take before the test fails
SERVER_START_TIMEOUT = 1800  # the first start of Sentry 9.1.2 installs it (about 5 minutes)
RUN_TAG = "itest_run"
MARK_TAG = "itest"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def load_env(path: Path) -> Dict[str, str]:
    with open(path) as env:
        return dict(line.strip().split("=", 1) for line in env if "=" in line)


# Servers --------------------------------------------------------------------------------------------------------


def _healthy(url: str) -> bool:
    try:
        return requests.get(url, timeout=5, headers={"Connection": "close"}).status_code == 200
    except requests.RequestException:
        return False


def ensure_server(name: str, script: str, env_file: Path, health_path: str, url_key: str) -> Dict[str, str]:
    """The server's facts; starts it with its project script when it is not answering. Fails (never skips)."""
    env = load_env(env_file) if env_file.exists() else None
    if env is None or not _healthy(env[url_key] + health_path):
        started = subprocess.run(
            ["bash", str(ROOT / "scripts" / script)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=SERVER_START_TIMEOUT,
        )
        if started.returncode != 0 or not env_file.exists():
            pytest.fail(
                f"{name} is not running and scripts/{script} could not start it (rc {started.returncode}):\n"
                f"{started.stdout[-2000:]}\n{started.stderr[-2000:]}",
                pytrace=False,
            )
        env = load_env(env_file)
    if not _healthy(env[url_key] + health_path):
        pytest.fail(f"{name} does not answer {env[url_key]}{health_path}", pytrace=False)
    return env


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LogTail:
    """The lines a server's access log gains from now on (supplementary evidence of the requests made)."""

    def __init__(self, path: Path):
        if not path.exists():
            pytest.fail(f"the server log {path} does not exist (was the server started by scripts/?)", pytrace=False)
        self.path = path
        self.offset = path.stat().st_size

    def lines(self) -> List[str]:
        with open(self.path, "rb") as log:
            log.seek(self.offset)
            return log.read().decode("utf-8", errors="replace").splitlines()

    def wait_for(self, *fragments: str, timeout: float = 5.0) -> List[str]:
        """The new lines holding every fragment; waits a little, since the log is written after the answer."""
        deadline = time.monotonic() + timeout
        while True:
            found = [line for line in self.lines() if all(fragment in line for fragment in fragments)]
            if found or time.monotonic() > deadline:
                return found
            time.sleep(0.1)


# The plugin, as a workflow step runs it -------------------------------------------------------------------------


def message(action: str, inputs: dict, connection: dict) -> dict:
    return start_message("action", action, inputs, connection)


def _python() -> str:
    if not PYTHON.exists():
        pytest.fail(f"{PYTHON} is missing: run `bash scripts/plugin-venv.sh` first", pytrace=False)
    return str(PYTHON)


def run_step(action: str, inputs: dict, connection: dict, command: str = "run") -> Reply:
    """`bin/komand_sentry run` (or `test`) with one message on stdin (testkit.step); the reply is the last stdout
    line."""
    _python()
    done = run_plugin_process(message(action, inputs, connection), command, STEP_TIMEOUT)
    return Reply(done.rc, done.reply(f"bin/komand_sentry {command} ({action})")["body"], done.stdout, done.stderr)


def connection_test(connection: dict, action: str = "list_project_issues") -> Reply:
    """`bin/komand_sentry test`: the connection test, with a message naming any valid action."""
    return run_step(action, {}, connection, command="test")


class PluginHttp:
    """`bin/komand_sentry http` on a loopback port (gunicorn; bound to 127.0.0.1 through its config file)."""

    def __init__(self, workdir: Path):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.workdir = workdir
        self.process: Optional[subprocess.Popen] = None
        self.log_path = workdir / "plugin-http.log"

    def start(self, timeout: float = 60.0) -> "PluginHttp":
        # The runtime binds 0.0.0.0 unless GUNICORN_CONFIG_FILE names a config; it opens it by bare file name
        # (werkzeug's secure_filename), so the config sits in the server's working directory.
        config = {
            "bind": f"127.0.0.1:{self.port}",
            "workers": 1,
            "threads": 4,
            "worker_class": "sync",
            "loglevel": "info",
            "graceful_timeout": 5,
        }
        (self.workdir / "gunicorn.json").write_text(json.dumps(config))
        env = dict(plugin_env(), GUNICORN_CONFIG_FILE="gunicorn.json")
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [_python(), str(PLUGIN), "http", "--port", str(self.port)],
            cwd=self.workdir,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                status = requests.get(f"{self.base}/api/v1/status", timeout=2)
                if status.status_code == 200 and status.json().get("status") == "Ready":
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.2)
        self.stop()
        pytest.fail(f"the plugin's http mode did not become ready:\n{self.log_path.read_text()[-3000:]}", pytrace=False)

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # the gunicorn master stops its worker
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)  # the session this fixture started, by its id
                self.process.wait(timeout=10)
        self.log.close()
        self.process = None

    def post(self, path: str, action: str, inputs: dict, connection: dict) -> Reply:
        response = requests.post(
            f"{self.base}{path}", data=json.dumps(message(action, inputs, connection)), timeout=STEP_TIMEOUT
        )
        try:
            reply = response.json()
        except ValueError:
            pytest.fail(
                f"http mode answered {response.status_code} without JSON: {response.text[:2000]}", pytrace=False
            )
        return Reply(response.status_code, reply.get("body") or {}, response.text, "")

    def run(self, action: str, inputs: dict, connection: dict) -> Reply:
        return self.post(f"/api/v1/actions/{action}", action, inputs, connection)

    def connection_test(self, connection: dict, action: str = "list_project_issues") -> Reply:
        return self.post("/api/v1/connection/test", action, {}, connection)


def expect_ok(reply: Reply, code: int = 0) -> dict:
    assert reply.code == code and reply.status == "ok", f"the step failed:\n{reply.describe()}"
    return reply.output


def expect_error(reply: Reply, code: int = 1, secrets: Iterable[str] = ()) -> dict:
    """A step that ended with a PluginException: cause and assistance given, no credential in anything shown."""
    assert reply.code == code and reply.status == "error", f"the step did not fail as expected:\n{reply.describe()}"
    exception = reply.exception
    assert exception.get("cause") and exception.get("assistance"), reply.describe()
    for secret in secrets:
        assert secret not in reply.text and secret not in json.dumps(reply.body), "a credential leaked into the reply"
    return exception


# Sentry 9.1.2's own API -----------------------------------------------------------------------------------------


@dataclass
class Issue:
    id: str
    short_id: str
    event_ids: List[str] = field(default_factory=list)


class Sentry9:
    def __init__(self, env: Dict[str, str], run_id: str):
        self.env = env
        self.run_id = run_id
        self.url = env["SENTRY9_URL"]
        self.token = env["SENTRY9_TOKEN"]
        self.readonly_token = env["SENTRY9_READONLY_TOKEN"]
        self.dsn = env["SENTRY9_DSN"]
        self.dsn_secret = env["SENTRY9_DSN_SECRET"]
        self.project_id = env["SENTRY9_PROJECT_ID"]
        self.org = env["SENTRY9_ORG_SLUG"]
        self.project = env["SENTRY9_PROJECT_SLUG"]
        self.key = env["SENTRY9_SENTRY_KEY"]
        self.user_email = env["SENTRY9_USER_EMAIL"]
        self.web_log = SENTRY9_DIR / "web.log"

    # the plugin's connection and inputs

    def connection(self, token: Optional[str] = None, url: Optional[str] = None, **extra) -> dict:
        connection = {"token": {"token": self.token if token is None else token, "domain": ""}, "url": url or self.url}
        connection.update(extra)
        return connection

    def list_inputs(self, **inputs) -> dict:
        return dict({"organization_slug": self.org, "project_slug": self.project}, **inputs)

    def tags(self, marker: str, **more) -> dict:
        return dict({RUN_TAG: self.run_id, MARK_TAG: marker}, **more)

    # requests (a fresh connection each: uWSGI resets a kept-alive connection after a request with a body)

    def request(self, method: str, path: str, token: Optional[str] = None, **kwargs) -> requests.Response:
        headers = {"Authorization": f"Bearer {token or self.token}", "Connection": "close"}
        return requests.request(method, f"{self.url}{path}", headers=headers, timeout=60, **kwargs)

    def get_json(self, path: str, **params):
        response = self.request("GET", path, params=params)
        assert response.status_code == 200, f"GET {path}: {response.status_code} {response.text[:500]}"
        return response.json()

    def paged(self, path: str, params: dict) -> List[dict]:
        """Every item of a listing, following Sentry's Link header."""
        items, cursor = [], None
        for _ in range(1000):
            page_params = dict(params, **({"cursor": cursor} if cursor else {}))
            response = self.request("GET", path, params=page_params)
            assert response.status_code == 200, f"GET {path}: {response.status_code} {response.text[:500]}"
            items.extend(response.json())
            nxt = response.links.get("next", {})
            if nxt.get("results") != "true":
                return items
            cursor = nxt["cursor"]
        raise AssertionError(f"{path}: more than 1000 pages")

    def issue(self, issue_id: str) -> dict:
        return self.get_json(f"/api/0/issues/{issue_id}/")

    def event(self, event_id: str) -> dict:
        return self.get_json(f"/api/0/projects/{self.org}/{self.project}/events/{event_id}/")

    def issue_events(self, issue_id: str) -> List[dict]:
        return self.paged(f"/api/0/issues/{issue_id}/events/", {})

    def issues(self, query: Optional[str], **params) -> List[dict]:
        if query is not None:
            params["query"] = query
        return self.paged(f"/api/0/projects/{self.org}/{self.project}/issues/", params)

    def hits(self, query: str) -> int:
        response = self.request(
            "GET", f"/api/0/projects/{self.org}/{self.project}/issues/", params={"query": query, "limit": 1}
        )
        assert response.status_code == 200, response.text[:500]
        return int(response.headers["X-Hits"])

    def resolve(self, issue_ids: List[str]) -> None:
        self.bulk_update(issue_ids, {"status": "resolved"})

    def bulk_update(self, issue_ids: List[str], changes: dict) -> None:
        """The project's bulk update, 100 issues a request."""
        for start in range(0, len(issue_ids), 100):
            response = self.request(
                "PUT",
                f"/api/0/projects/{self.org}/{self.project}/issues/",
                params=[("id", issue_id) for issue_id in issue_ids[start : start + 100]],
                json=changes,
            )
            assert response.status_code == 200, response.text[:500]

    # ingestion straight to /store/ (fast set-up; the plugin's own Submit Event is tested on its own)

    def store(self, event: dict) -> str:
        event = dict(event)
        event.setdefault("event_id", uuid.uuid4().hex)
        event.setdefault("platform", "other")
        headers = {
            "Content-Type": "application/json",
            "Connection": "close",
            "X-Sentry-Auth": f"Sentry sentry_version=7, sentry_client=komand-sentry-itest/1.0, sentry_key={self.key}",
        }
        response = requests.post(
            f"{self.url}/api/{self.project_id}/store/", data=json.dumps(event), headers=headers, timeout=60
        )
        assert response.status_code == 200, f"store: {response.status_code} {response.text[:500]}"
        assert response.json()["id"] == event["event_id"]
        return event["event_id"]

    def store_many(self, events: List[dict], workers: int = 4) -> List[str]:
        with ThreadPoolExecutor(workers) as pool:
            return list(pool.map(self.store, events))

    def new_event(self, marker: str, message: str = None, **fields) -> dict:
        event = {
            "message": message or f"itest {marker}",
            "level": "error",
            "tags": self.tags(marker),
            "fingerprint": [marker],
        }
        event.update(fields)
        return event

    def new_issue(self, marker: Optional[str] = None, events: int = 1, **fields) -> Issue:
        """An issue of its own (a unique fingerprint) with `events` events. The first event is stored alone:
        Sentry 9.1.2 makes several issues of one fingerprint when its first events arrive concurrently."""
        marker = marker or unique("issue")
        first = self.store(self.new_event(marker, **fields))
        rest = self.store_many([self.new_event(marker, f"itest {marker} {n}", **fields) for n in range(1, events)])
        details = self.event(first)
        issue = self.issue(details["groupID"])
        return Issue(issue["id"], issue["shortId"], [first] + rest)

    def issue_of_event(self, event_id: str) -> str:
        return self.event(event_id)["groupID"]

    def cleanup(self) -> None:
        """Resolve every issue this session made, so that the project's unresolved list stays short."""
        ids = [issue["id"] for issue in self.issues(f"{RUN_TAG}:{self.run_id} is:unresolved")]
        ids += [issue["id"] for issue in self.issues(f"{RUN_TAG}:{self.run_id} is:ignored")]
        if ids:
            self.resolve(ids)


class Sentry9Workflow(Sentry9):
    """Sentry 9.1.2's own API for the workflow actions' tests: comments, teams, issues made in bulk, events in order."""

    def comments(self, issue_id: str) -> List[dict]:
        return self.paged(f"/api/0/issues/{issue_id}/comments/", {})

    def comment(self, issue_id: str, text: str) -> dict:
        response = self.request("POST", f"/api/0/issues/{issue_id}/comments/", json={"text": text})
        assert response.status_code == 201, f"comment: {response.status_code} {response.text[:500]}"
        return response.json()

    def teams(self) -> List[dict]:
        return self.paged(f"/api/0/organizations/{self.org}/teams/", {})

    def new_issues(self, marker: str, count: int, workers: int = 8) -> List[str]:
        """`count` issues (one event each, a fingerprint each, all tagged `marker`), found again by the tag."""
        return self._numbered_issues(marker, range(count), count, workers)

    def standing_issues(self, marker: str, count: int, workers: int = 6) -> List[str]:
        """`count` issues kept on the server from one run to the next (tagged `marker`, one fingerprint each, titled
        '... #n'): the missing ones are made, and every one is set unresolved again. Storing hundreds of events takes
        Sentry 9.1.2 about a minute, and a project that grows by hundreds of issues a run slows every listing."""
        found = {issue["title"].rsplit("#", 1)[-1]: issue["id"] for issue in self.issues(f"{MARK_TAG}:{marker}")}
        missing = [n for n in range(count) if str(n) not in found]
        ids = self._numbered_issues(marker, missing, count, workers)
        self.bulk_update(ids, {"status": "unresolved", "isBookmarked": False})
        return ids

    def _numbered_issues(self, marker: str, numbers, count: int, workers: int) -> List[str]:
        """Issues '... #n' made for these numbers (one event and fingerprint each), then all `count` of the marker."""
        events = [dict(self.new_event(marker, f"itest {marker} #{n}"), fingerprint=[f"{marker}-{n}"]) for n in numbers]
        self.store_many(events, workers=workers)
        ids = [issue["id"] for issue in self.issues(f"{MARK_TAG}:{marker}")]
        assert len(ids) == count, f"{len(ids)} issues found for {count} fingerprints"
        return ids

    def issue_with_events_in_order(self, marker: str, count: int, **fields) -> Issue:
        """An issue whose `count` events are stored one after the other, a second apart in their timestamps, so that
        the first is the oldest and the last the latest."""
        start = time.time() - count - 60
        ids = [
            self.store(self.new_event(marker, f"itest {marker} {n}", timestamp=start + n, **fields))
            for n in range(count)
        ]
        issue = self.issue(self.issue_of_event(ids[0]))
        return Issue(issue["id"], issue["shortId"], ids)


class Sink(LoopbackSentry):
    """A loopback server (testkit.server) that a step given its URL must not connect to when it refuses its input
    before any request (the real server's log is shared with concurrent test runs)."""

    def __enter__(self) -> "Sink":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def refused_before_any_request(action: str, inputs: dict, connection: dict, secrets: Iterable[str] = ()) -> dict:
    """The step's PluginException when the connection's URL is a Sink: the input was refused with nothing sent."""
    with Sink() as sink:
        reply = run_step(action, inputs, dict(connection, url=sink.url))
        exception = expect_error(reply, secrets=secrets)
        assert sink.connections == 0, f"the step connected to the server {sink.connections} times before refusing"
    return exception


def tag_map(event: dict) -> Dict[str, str]:
    return {tag["key"]: tag["value"] for tag in event.get("tags") or []}


def entry(event: dict, kind: str) -> Optional[dict]:
    for item in event.get("entries") or []:
        if item.get("type") == kind:
            return item.get("data")
    return None


# Bugsink's own API ----------------------------------------------------------------------------------------------


class Bugsink:
    def __init__(self, env: Dict[str, str]):
        self.env = env
        self.url = env["BUGSINK_URL"]
        self.dsn = env["BUGSINK_DSN"]
        self.project_id = env["BUGSINK_PROJECT_ID"]
        self.token = env["BUGSINK_TOKEN"]

    def dsn_with_secret(self, secret: str) -> str:
        scheme, rest = self.dsn.split("://", 1)
        key, host = rest.split("@", 1)
        return f"{scheme}://{key}:{secret}@{host}"

    def lookup(self, event_id: str) -> Optional[dict]:
        response = requests.get(
            f"{self.url}/api/canonical/0/events/lookup/",
            params={"project": self.project_id, "event_id": event_id},
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=30,
        )
        if response.status_code == 404:
            return None
        assert response.status_code == 200, f"Bugsink lookup: {response.status_code} {response.text[:500]}"
        return response.json()


# Triggers and tasks, as the orchestrator starts them --------------------------------------------------------------

# The runtime keeps a trigger's state in CACHE_DIR/<triggerId>.json and ends a trigger when FLAG_DIR holds
# terminate_trigger.flag. Both are absolute paths of the plugin's container (/workspace/cache/ and /workspace/tmp/),
# fixed in insightconnect_plugin_runtime/constants.py and bound into its trigger module at import; no environment
# variable moves them, and a working directory does not either. So the suite starts bin/komand_sentry through this
# launcher: it points the runtime's trigger module at a test's own directories, then runs the plugin's entry point
# itself (runpy, as `python bin/komand_sentry ...` would), and nothing is written outside the test's tmp_path.
TRIGGER_LAUNCHER = """
import runpy, sys
cache_dir, flag_dir, plugin = sys.argv[1:4]
sys.argv = [plugin] + sys.argv[4:]  # before the runtime is imported: its CLI reads sys.argv then
import insightconnect_plugin_runtime.trigger as trigger
trigger.CACHE_DIR, trigger.FLAG_DIR = cache_dir + "/", flag_dir + "/"
runpy.run_path(plugin, run_name="__main__")
"""
SHUTDOWN_FLAG = "terminate_trigger.flag"


def trigger_message(inputs: dict, connection: dict, dispatcher_url: str, trigger_id: Optional[str]) -> dict:
    start = start_message(
        "trigger", "new_issue", inputs, connection, dispatcher={"url": dispatcher_url, "webhook_url": ""}
    )
    start["body"]["meta"] = {"triggerId": trigger_id} if trigger_id else {}
    return start


def task_message(inputs: dict, connection: dict, state, custom_config: Optional[dict] = None) -> dict:
    more = {"state": state} if custom_config is None else {"state": state, "custom_config": custom_config}
    return start_message("task", "monitor_issues", inputs, connection, **more)


def run_task(inputs: dict, connection: dict, state, custom_config: Optional[dict] = None) -> dict:
    """One `bin/komand_sentry run` of a task_start message; the reply's body (output, state, has_more_pages...)."""
    _python()
    done = run_plugin_process(task_message(inputs, connection, state, custom_config), "run", STEP_TIMEOUT)
    body = done.reply("the task", kind="task_event")["body"]
    body["stderr"] = done.stderr
    return body


class PluginTrigger:
    """`bin/komand_sentry run` with a trigger_start message, alive until its shutdown flag (or a kill). The state
    and flag directories are the test's own (see TRIGGER_LAUNCHER); its stdout and stderr go to files."""

    def __init__(self, workdir: Path, message: dict, debug: bool = False, name: str = "trigger"):
        self.workdir, self.message, self.debug = workdir, message, debug
        self.cache_dir, self.flag_dir = workdir / "cache", workdir / "flags"
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        self.flag_dir.mkdir(parents=True, exist_ok=True)
        self.stdout_path, self.stderr_path = workdir / f"{name}.out", workdir / f"{name}.err"
        self.process: Optional[subprocess.Popen] = None

    def start(self) -> "PluginTrigger":
        import certifi  # the Http dispatcher reads SSL_CERT_FILE, which the plugin's image sets

        (self.flag_dir / SHUTDOWN_FLAG).unlink(missing_ok=True)
        command = [_python(), "-c", TRIGGER_LAUNCHER, str(self.cache_dir), str(self.flag_dir), str(PLUGIN)]
        command += ["--debug", "run"] if self.debug else ["run"]
        self._out, self._err = open(self.stdout_path, "wb"), open(self.stderr_path, "wb")
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=self._out,
            stderr=self._err,
            cwd=ROOT,
            env=dict(plugin_env(), SSL_CERT_FILE=certifi.where()),
            start_new_session=True,
        )
        self.process.stdin.write(json.dumps(self.message).encode("utf-8"))
        self.process.stdin.close()
        return self

    def stop(self, timeout: float = 20.0) -> float:
        """Raise the orchestrator's shutdown flag; the seconds the trigger took to end."""
        started = time.monotonic()
        (self.flag_dir / SHUTDOWN_FLAG).write_text("")
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail(
                f"the trigger did not end within {timeout} s of its shutdown flag:\n{self.log()[-3000:]}", pytrace=False
            )
        self._close()
        return time.monotonic() - started

    def kill(self) -> None:
        """SIGKILL: the trigger gets no chance to save anything more."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)  # the session this helper started, by its id
            self.process.wait(timeout=10)
        self._close()

    def _close(self) -> None:
        for stream in (getattr(self, "_out", None), getattr(self, "_err", None)):
            if stream is not None and not stream.closed:
                stream.close()

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log(self) -> str:
        """What the runtime logged (to stderr, or to stdout among the events), and the step's reply."""
        err = self.stderr_path.read_text(errors="replace") if self.stderr_path.exists() else ""
        return err + self.stdout()

    def stdout(self) -> str:
        return self.stdout_path.read_text(errors="replace") if self.stdout_path.exists() else ""

    def state(self, trigger_id: str) -> dict:
        return json.loads((self.cache_dir / f"{trigger_id}.json").read_text())


def stdout_messages(text: str) -> List[dict]:
    """The JSON messages of a --debug trigger's stdout: the runtime's Stdout dispatcher writes them back to back,
    without a separator, among the runtime's log lines; the step's reply comes last."""
    decoder, messages, index = json.JSONDecoder(), [], text.find('{"body"')
    while index >= 0:
        message, end = decoder.raw_decode(text, index)
        messages.append(message)
        index = text.find('{"body"', end)
    return messages


class EventSink:
    """Where the runtime's Http dispatcher posts a trigger's events: a loopback server (testkit.server) that
    answers 200 and records every post."""

    PATH = "/trigger-events"

    def __init__(self):
        self.server = LoopbackSentry()
        self.server.always(self.PATH, WireReply(200, "ok", {"Content-Type": "text/plain"}))

    @property
    def url(self) -> str:
        return f"{self.server.url}{self.PATH}"

    def messages(self) -> List[dict]:
        return [request.json() for request in self.server.requests_to(self.PATH, "POST")]

    def issues(self) -> List[dict]:
        return [message["body"]["output"]["issue"] for message in self.messages()]

    def wait_for(self, count: int, timeout: float, trigger: Optional[PluginTrigger] = None) -> List[dict]:
        """The issues posted once there are at least `count` (fails after `timeout` s, or when the trigger died)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            issues = self.issues()
            if len(issues) >= count:
                return issues
            if trigger is not None and not trigger.alive:
                pytest.fail(f"the trigger ended early:\n{trigger.log()[-3000:]}", pytrace=False)
            time.sleep(0.2)
        pytest.fail(
            f"{len(self.issues())} events of {count} arrived within {timeout} s"
            + (f":\n{trigger.log()[-3000:]}" if trigger else ""),
            pytrace=False,
        )

    def stop(self) -> None:
        self.server.stop()
