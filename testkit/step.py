"""The plugin's process, run the way the orchestrator runs a step: `bin/komand_sentry run|test` with one JSON
message on stdin, its reply the last line of stdout. Used by the fault and the integration suites alike."""

import json
import os
import subprocess  # nosec B404 - runs the plugin under test
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parent.parent
PLUGIN = ROOT / "bin" / "komand_sentry"
PYTHON = ROOT / ".venv" / "bin" / "python"


def message(kind: str, name: str, inputs: dict, connection: dict, **more) -> dict:
    """The start message of an action, a task or a trigger (`kind`) named `name`; `more` adds to its body."""
    body = {kind: name, "meta": {}, "input": inputs, "connection": connection, **more}
    return {"body": body, "type": f"{kind}_start", "version": "v1"}


def plugin_env(**extra: str) -> dict:
    """This environment with the plugin's root on PYTHONPATH and no setting that changes the runtime's mode."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), **extra)
    for name in ("PLUGIN_RUNTIME_ENVIRONMENT", "GUNICORN_CONFIG_FILE"):
        if name not in extra:
            env.pop(name, None)
    return env


@dataclass
class Reply:
    """What a step answered: `code` is the exit code (run/test) or the HTTP status (http mode)."""

    code: int
    body: dict
    stdout: str = ""
    stderr: str = ""

    @property
    def status(self) -> Optional[str]:
        return self.body.get("status")

    @property
    def output(self) -> dict:
        return self.body.get("output") or {}

    @property
    def exception(self) -> dict:
        return self.body.get("exception") or {}

    cause = property(lambda self: self.exception.get("cause") or "")
    assistance = property(lambda self: self.exception.get("assistance") or "")
    data = property(lambda self: str(self.exception.get("data") or ""))

    @property
    def error(self) -> str:
        return self.body.get("error") or ""

    @property
    def text(self) -> str:
        return f"{self.stdout}\n{self.stderr}"

    @property
    def log(self) -> str:
        """The log lines the step printed before its reply."""
        return self.stdout.rsplit("\n", 1)[0] if "\n" in self.stdout else ""

    def describe(self) -> str:
        shown = {key: value for key, value in self.body.items() if key != "log"}
        return f"code={self.code} body={json.dumps(shown)[:3000]}\nstdout/stderr tail:\n{self.text[-3000:]}"


@dataclass
class Finished:
    """A plugin process that ended: exit code, what it printed, wall seconds, peak RSS, when it had exited."""

    rc: int
    stdout: str
    stderr: str
    wall: float
    max_rss_kb: int
    ended: float  # time.monotonic()
    killed_after: Optional[float] = None  # the time limit, when the process was killed for outliving it

    def reply(self, what: str, kind: Optional[str] = "action_event") -> dict:
        """The JSON reply of the last stdout line (of type `kind`, unless None); AssertionError when there is none, or when the
        process was killed."""
        assert self.killed_after is None, f"{what}: the plugin process was still running after {self.killed_after} s"
        last = self.stdout.strip().rsplit("\n", 1)[-1] if self.stdout.strip() else ""
        try:
            reply = json.loads(last)
        except ValueError:
            raise AssertionError(
                f"{what}: the last stdout line is not a JSON reply (rc {self.rc}): {last[:300]!r}\n"
                f"{self.stderr[-2000:]}"
            )
        assert kind is None or (reply.get("type") == kind and reply.get("version") == "v1"), reply
        return reply


def run_plugin_process(start: dict, command: str = "run", limit: float = 60.0, **env: str) -> Finished:
    """One `bin/komand_sentry <command>` with `start` on stdin. The process is killed after `limit` seconds (its
    reply() then fails the test), and its peak RSS is measured (wait4 on this very child)."""
    started = time.monotonic()
    proc = subprocess.Popen(  # nosec B603 - fixed command line
        [str(PYTHON), str(PLUGIN), command],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=plugin_env(**env),
        cwd=str(ROOT),
    )
    outputs = {}
    readers = [
        threading.Thread(target=lambda name=name, stream=stream: outputs.update({name: stream.read()}), daemon=True)
        for name, stream in (("out", proc.stdout), ("err", proc.stderr))
    ]
    for reader in readers:
        reader.start()
    killed = threading.Event()
    watchdog = threading.Timer(limit, lambda: (killed.set(), proc.kill()))
    watchdog.start()
    try:
        proc.stdin.write(json.dumps(start).encode("utf-8"))
        proc.stdin.close()
    except BrokenPipeError:
        pass
    _, status, usage = os.wait4(proc.pid, 0)
    ended = time.monotonic()
    watchdog.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)
    for reader in readers:
        reader.join(10)
    text = {name: outputs.get(name, b"").decode("utf-8", errors="replace") for name in ("out", "err")}
    wall = time.monotonic() - started
    killed_after = limit if killed.is_set() else None
    return Finished(proc.returncode, text["out"], text["err"], wall, usage.ru_maxrss, ended, killed_after)
