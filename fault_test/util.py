"""Running `bin/komand_sentry` the way a workflow step runs it, with canary secrets, and recording outcomes.

Every run goes through `run_plugin`, which checks that no canary secret appears anywhere in what the plugin
process printed (stdout, which carries the log and the reply, and stderr), so the whole suite is a secrets test.
"""

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional

from testkit.step import PLUGIN, PYTHON, ROOT, Reply, message as start_message, run_plugin_process  # noqa: F401

RESULTS_DIR = Path(os.environ.get("FAULT_TEST_RESULTS", Path(__file__).resolve().parent / "results"))

# Canary secrets: well-formed, distinctive, and never expected in anything the plugin prints.
CANARY_TOKEN = "sntrys_CANARYTOKENeyJpYXQiOjE3MDAwMDAwMDB9_c4n4ryT0k3n5ecret0000000000"
CANARY_PUBLIC = "canarypublic0123456789abcdef0123"  # 32 characters, like a DSN public key
CANARY_SECRET = "canarysecret89abcdef0123456789ab"
CANARY_MARKS = ("canarytoken", "canarypublic", "canarysecret", "c4n4ryt0k3n")  # any part of one, any case

# Small settings so that a step that retries or times out ends quickly.
TIMEOUT = 1
MAX_RETRY_WAIT = 5
RUN_LIMIT = 60.0  # no single plugin process may live longer than this


def connection(url: str, **patch) -> dict:
    """A connection for a loopback server; `name=None` in `patch` removes a setting."""
    conn = {
        "token": {"token": CANARY_TOKEN, "domain": ""},
        "url": url,
        "timeout": TIMEOUT,
        "max_retry_wait": MAX_RETRY_WAIT,
    }
    for name, value in patch.items():
        if value is None:
            conn.pop(name, None)
        else:
            conn[name] = value
    return conn


def dsn(port: int, project: str = "1", secret: bool = True, host: str = "127.0.0.1", scheme: str = "http") -> str:
    keys = f"{CANARY_PUBLIC}:{CANARY_SECRET}" if secret else CANARY_PUBLIC
    return f"{scheme}://{keys}@{host}:{port}/{project}"


@dataclass
class Run(Reply):
    """A step's process and its reply (testkit.step.Reply: status, output, cause, assistance, log...)."""

    command: str = "run"
    action: str = ""
    wall: float = 0.0
    max_rss_kb: int = 0
    ended: float = 0.0  # time.monotonic() when the process had exited
    reply: dict = field(default_factory=dict)

    @property
    def rc(self) -> int:
        return self.code

    def describe(self) -> str:
        return f"rc={self.rc} status={self.status} cause={self.cause!r} data={self.data[:200]!r} wall={self.wall:.1f}s"


RUNS: List[Run] = []  # every plugin process of the session


def message(action: str, input_: dict, conn: dict) -> dict:
    return start_message("action", action, input_, conn)


def run_plugin(action: str, input_: dict, conn: dict, command: str = "run", limit: float = RUN_LIMIT) -> Run:
    """One step through `bin/komand_sentry <command>` (testkit.step): killed after `limit` seconds (which fails the
    test); no canary secret may appear in what it printed."""
    done = run_plugin_process(message(action, input_, conn), command, limit)
    run = Run(done.rc, {}, done.stdout, done.stderr, command, action, done.wall, done.max_rss_kb, done.ended)
    RUNS.append(run)
    run.reply = done.reply(action, kind=None)
    run.body = run.reply.get("body", {})
    assert_no_canary(run)
    return run


def assert_no_canary(run: Run) -> None:
    """No canary secret (or any recognisable part of one) in stdout (log and reply) or stderr."""
    for where, text in (("stdout", run.stdout), ("stderr", run.stderr), ("reply", json.dumps(run.reply))):
        lowered = text.lower()
        for mark in CANARY_MARKS + (CANARY_TOKEN.lower(), CANARY_PUBLIC.lower(), CANARY_SECRET.lower()):
            assert mark not in lowered, f"{run.action}: a canary secret ({mark}) appears in {where}: " + _around(
                text, lowered.index(mark)
            )


def _around(text: str, index: int) -> str:
    start = max(0, index - 150)
    return repr(text[start : start + 300])


def assert_error(run: Run, *cause_words: str, assistance_words=(), rc: int = 1) -> None:
    """An error reply with a meaningful cause and assistance (mentioning the given words, any case)."""
    assert run.status == "error", run.describe()
    assert run.rc == rc, run.describe()
    assert len(run.cause) >= 15, f"the cause says little: {run.describe()}"
    assert len(run.assistance) >= 15, f"the assistance says little: {run.describe()} assistance={run.assistance!r}"
    for word in cause_words:
        assert word.lower() in run.cause.lower(), f"{word!r} not in the cause: {run.describe()}"
    for word in assistance_words:
        assert word.lower() in run.assistance.lower(), f"{word!r} not in the assistance: {run.assistance!r}"


def active_time(run: Run, server) -> float:
    """Seconds from the first request the server received to the plugin's exit: the step's own time, without
    the process start (which a loaded machine stretches)."""
    assert server.requests, "the server received no request"
    return run.ended - server.requests[0].at


def assert_ok(run: Run) -> None:
    assert run.status == "ok" and run.rc == 0, f"{run.describe()}\n{run.stdout[-3000:]}"


# The results table --------------------------------------------------------------------------------------------

ROWS: List[dict] = []


def record(table: str, case: str, run: Run, requests: int, note: str = "") -> None:
    """A row of the results table: what the step ended with and how many requests the server received."""
    ROWS.append(
        {
            "table": table,
            "case": case,
            "status": run.status,
            "rc": run.rc,
            "cause": _error_summary(run) if run.status == "error" else "",
            "output": "" if run.status == "error" else _short_output(run.output),
            "requests": requests,
            "wall": round(run.wall, 1),
            "note": note,
        }
    )


def _error_summary(run: Run) -> str:
    """The plugin's cause; for an error of the runtime's own schema check (no cause), the start of its message."""
    if run.cause:
        return run.cause
    first = " ".join(run.error.split("\n\n")[0].split())
    return "runtime: " + (first if len(first) <= 140 else first[:137] + "...")


def _short_output(output: dict) -> str:
    shown = {}
    for key, value in output.items():
        shown[key] = f"[{len(value)} items]" if isinstance(value, list) else value
    text = json.dumps(shown, sort_keys=True)
    return text if len(text) <= 120 else text[:117] + "..."


HEADER = "| case | status (rc) | requests | cause or output | wall s |"


def render(rows: List[dict]) -> str:
    lines = []
    for table in sorted({row["table"] for row in rows}):
        lines += [f"## {table}", "", HEADER, "|---|---|---|---|---|"]
        for row in sorted((r for r in rows if r["table"] == table), key=lambda r: r["case"]):
            what = row["cause"] or row["output"]
            if row["note"]:
                what = f"{what} ({row['note']})"
            what = what.replace("|", "\\|")
            status = f"{row['status']} ({row['rc']})"
            lines.append(f"| {row['case']} | {status} | {row['requests']} | {what} | {row['wall']} |")
        lines.append("")
    return "\n".join(lines)


def write_results() -> Optional[Path]:
    if not ROWS:
        return None
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / "results.json").write_text(json.dumps(ROWS, indent=1))
    leaked = 0
    for run in RUNS:
        try:
            assert_no_canary(run)
        except AssertionError:
            leaked += 1
    canaries = "no canary secret in any output" if not leaked else f"A CANARY SECRET IN THE OUTPUT OF {leaked}"
    target = RESULTS_DIR / "RESULTS.md"
    target.write_text(
        "# Fault and bad-input results\n\nWritten by the last `pytest fault_test` run "
        f"({len(RUNS)} plugin processes, {canaries}).\n\n" + render(ROWS)
    )
    return target
