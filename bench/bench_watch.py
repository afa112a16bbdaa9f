"""Benchmarks of the New Issue trigger and the Monitor Issues task.

    .venv/bin/python bench/bench_watch.py [--only idle latency memory cold] [--samples N] [--rounds N] [--backlog N]

Every part runs the plugin as the orchestrator does (`bin/komand_sentry run` with trigger_start / task_start
messages) against loopback servers of fault_test/server.py, whose IssueBook answers the issue listing as Sentry does
(the query with firstSeen bounds, sort=new, value:offset cursors):

  idle     requests per idle poll of a running trigger: nothing kept at the watermark, a full watermark (a burst of
           150 emitted just before), and a project holding 100,000 older issues
  latency  seconds from an issue's creation to its event at the dispatcher's sink, against the poll interval
  memory   the task through a backlog of 100,000 issues, its state fed back call after call, in one process (each
           call's peak of Python memory, tracemalloc; the process's peak RSS in a second pass without tracemalloc),
           every issue checked to come out exactly once; and the peak RSS of task_start steps (fresh processes) at
           the start and in the middle of the backlog
  cold     cold start of an action (list_project_issues, a fresh process each) with the trigger and the task
           registered, against the same bin/komand_sentry with those two registrations removed, interleaved rounds

Prints a table and writes the figures to bench/results/watch-<time>.json and watch-latest.json. Timing is asserted
nowhere; each part fails loudly if the plugin's answers are wrong (an issue missed or repeated).
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fault_test import server as fs  # noqa: E402
from integration_test.util import EventSink, PluginTrigger, task_message, trigger_message  # noqa: E402

RESULTS = ROOT / "bench" / "results"
WORK = RESULTS / "watch-work"
PYTHON = str(ROOT / ".venv" / "bin" / "python")
PLUGIN = ROOT / "bin" / "komand_sentry"
ISSUES = "/api/0/projects/bench-org/pump-station/issues/"
INPUTS = {"organization_slug": "bench-org", "project_slug": "pump-station"}
INTERVAL = 5
TOKEN = "sntrys_bench_watch_token_0123456789abcdef"


def log(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def now_us() -> int:
    return fs.to_us(datetime.now(timezone.utc))


def connection(url: str) -> dict:
    return {"token": {"token": TOKEN, "domain": ""}, "url": url, "timeout": 30, "max_retry_wait": 10}


def quantile(values, q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


class Loopback:
    """A loopback Sentry whose project listing is an IssueBook, and a sink for the trigger's events."""

    def __init__(self, book: fs.IssueBook = None):
        self.book = book or fs.IssueBook()
        self.server = fs.FaultServer()
        self.server.always(ISSUES, fs.issue_listing(self.book))
        self.sink = EventSink()

    def listings(self, since: float = 0.0):
        return [request for request in self.server.requests_to(ISSUES) if request.at >= since]

    def trigger(self, name: str, **inputs) -> PluginTrigger:
        WORK.mkdir(parents=True, exist_ok=True)
        message = trigger_message(
            dict(INPUTS, interval=INTERVAL, **inputs), connection(self.server.url), self.sink.url, f"bench-{name}"
        )
        workdir = WORK / f"{name}-{int(time.time())}"
        workdir.mkdir(parents=True)
        return PluginTrigger(workdir, message, name=name).start()

    def wait(self, condition, timeout: float, what: str, trigger: PluginTrigger = None) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline or (trigger is not None and not trigger.alive):
                raise SystemExit(f"bench: {what} did not happen:\n{trigger.log()[-2000:] if trigger else ''}")
            time.sleep(0.02)

    def stop(self) -> None:
        self.sink.stop()
        self.server.stop()


# idle -------------------------------------------------------------------------------------------------------------


def polls_of(requests, gap: float = 1.0):
    """Requests grouped by poll: a poll's pages follow each other at once, polls are an interval apart."""
    groups = []
    for request in requests:
        if groups and request.at - groups[-1][-1].at < gap:
            groups[-1].append(request)
        else:
            groups.append([request])
    return groups


def idle_scenario(name: str, old: int, burst: int, polls: int) -> dict:
    book = fs.IssueBook()
    if old:
        book.add(now_us() - 86_400_000_000, old, step_us=800_000)
    loop = Loopback(book)
    trigger = loop.trigger(f"idle-{name}")
    try:
        loop.wait(lambda: loop.listings(), 60, "the first poll", trigger)
        if burst:
            book.add(now_us(), burst, step_us=1000)
            loop.wait(lambda: len(loop.sink.issues()) >= burst, 60, "the burst's events", trigger)
        since = time.monotonic()
        loop.wait(
            lambda: len(polls_of(loop.listings(since))) >= polls + 1, polls * INTERVAL + 30, "idle polls", trigger
        )
        groups = polls_of(loop.listings(since))[:polls]
    finally:
        trigger.stop()
        loop.stop()
    sizes = [len(group) for group in groups]
    log(f"idle {name}: requests per poll {sizes}")
    return {"scenario": name, "old_issues": old, "burst_before": burst, "requests_per_poll": sizes}


def idle(polls: int) -> list:
    return [
        idle_scenario("nothing at the watermark", 0, 0, polls),
        idle_scenario("full watermark after a burst of 150", 0, 150, polls),
        idle_scenario("100,000 older issues in the project", 100_000, 0, polls),
    ]


# latency ----------------------------------------------------------------------------------------------------------


def latency(samples: int) -> dict:
    loop = Loopback()
    trigger = loop.trigger("latency")
    chooser = random.Random(11)
    delays = []
    try:
        loop.wait(lambda: loop.listings(), 60, "the first poll", trigger)
        for number in range(samples):
            time.sleep(chooser.uniform(0, INTERVAL))
            created = time.monotonic()
            loop.book.add(now_us(), 1)
            loop.wait(lambda: len(loop.sink.issues()) > number, 3 * INTERVAL + 30, "an event", trigger)
            posted = loop.sink.server.requests_to(EventSink.PATH, "POST")[number]
            delays.append(posted.at - created)
    finally:
        trigger.stop()
        loop.stop()
    ids = [issue["id"] for issue in loop.sink.issues()]
    assert len(ids) == len(set(ids)) == samples, "an issue was emitted twice or not at all"
    result = {"interval_s": INTERVAL, "samples": samples, "delays_s": delays}
    result.update(summary(delays))
    log(f"latency: median {result['median']:.2f} s, max {result['max']:.2f} s (interval {INTERVAL} s)")
    return result


def summary(values) -> dict:
    return {
        "min": min(values),
        "median": statistics.median(values),
        "mean": statistics.mean(values),
        "p90": quantile(values, 0.9),
        "max": max(values),
    }


# memory -----------------------------------------------------------------------------------------------------------

WORKER = """
import json, logging, sys, time, tracemalloc
sys.path.insert(0, sys.argv[1])
from komand_sentry.connection.connection import Connection
from komand_sentry.tasks.monitor_issues import MonitorIssues

url, traced, out = sys.argv[2], sys.argv[3] == "traced", sys.argv[4]
params = {"token": {"token": "%s", "domain": ""}, "url": url, "timeout": 30, "max_retry_wait": 10}
connection = Connection()
connection.logger = logging.getLogger("bench")
connection.connect(params)
inputs = {"organization_slug": "bench-org", "project_slug": "pump-station"}
state, seen, repeated, calls, peaks, seconds, state_sizes, middle = {}, set(), 0, 0, [], [], [], None
started = time.perf_counter()
while True:
    task = MonitorIssues()
    task.connection, task.logger = connection, logging.getLogger("bench")
    if traced:
        tracemalloc.start()
    began = time.perf_counter()
    output, state, more, status, error = task.run(inputs, state, {"cutoff": {"hours": 48}})
    seconds.append(time.perf_counter() - began)
    if traced:
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    assert status == 200 and error is None, (status, error)
    calls += 1
    for issue in output:
        repeated += issue["id"] in seen
        seen.add(issue["id"])
    state_sizes.append(len(json.dumps(state)))
    if calls == 500:
        middle = state
    if not more:
        break
json.dump({"calls": calls, "issues": len(seen), "repeated": repeated, "peaks": peaks, "seconds": seconds,
           "total_s": time.perf_counter() - started, "state_bytes_max": max(state_sizes), "middle_state": middle},
          open(out, "w"))
""" % TOKEN


def memory(backlog: int) -> dict:
    spawner = Spawner()  # before the backlog is made: a process's peak RSS starts at its parent's (see spawn.py)
    book = fs.IssueBook()
    book.add(now_us() - 20 * 3_600_000_000, backlog, step_us=(20 * 3_600_000_000) // backlog)
    loop = Loopback(book)
    WORK.mkdir(parents=True, exist_ok=True)
    try:
        passes = {}
        for kind in ("traced", "plain"):
            out = WORK / f"memory-{kind}.json"
            log(f"memory: the task through a backlog of {backlog:,} issues ({kind})")
            run = spawner.command([PYTHON, "-c", WORKER, str(ROOT), loop.server.url, kind, str(out)], f"worker-{kind}")
            assert run["rc"] == 0, (WORK / f"worker-{kind}.err").read_text()[-2000:]
            passes[kind] = dict(json.loads(out.read_text()), rss_mib=run["rss_mib"])
        steps = task_steps(spawner, loop, passes["plain"]["middle_state"] or {})
    finally:
        spawner.stop()
        loop.stop()
    for kind, figures in passes.items():
        assert figures["issues"] == backlog and figures["repeated"] == 0, f"{kind}: not each issue exactly once"
    traced, plain = passes["traced"], passes["plain"]
    result = {
        "backlog": backlog,
        "calls": plain["calls"],
        "issues_once": plain["issues"],
        "repeated": plain["repeated"],
        "call_peak_kib": {key: value / 1024 for key, value in summary(traced["peaks"]).items()},
        "process_peak_rss_mib": plain["rss_mib"],
        "total_s": plain["total_s"],
        "call_ms": {key: value * 1000 for key, value in summary(plain["seconds"]).items()},
        "state_bytes_max": plain["state_bytes_max"],
        "task_steps": steps,
    }
    log(f"memory: call peak {result['call_peak_kib']['max']:.0f} KiB, process RSS {plain['rss_mib']:.0f} MiB")
    return result


def env() -> dict:
    dropped = ("PYTHONPATH", "PLUGIN_RUNTIME_ENVIRONMENT", "PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED")
    environment = {k: v for k, v in os.environ.items() if k not in dropped}
    environment.update(PYTHONPATH=str(ROOT), PYTHONPYCACHEPREFIX=str(RESULTS / "pycache"))
    return environment


def task_steps(spawner: "Spawner", loop: Loopback, middle_state: dict) -> dict:
    """Peak RSS of task_start steps, each a fresh `bin/komand_sentry run`: the first call and one mid-backlog."""
    figures = {}
    for name, state in (("first call", {}), ("call 501 of the backlog", middle_state)):
        message = task_message(INPUTS, connection(loop.server.url), state, {"cutoff": {"hours": 48}})
        run = spawner.step(PLUGIN, message, f"task-{len(figures)}")
        assert run["reply"]["body"]["status_code"] == 200, run["reply"]["body"]
        figures[name] = {
            "rss_mib": run["rss_mib"],
            "wall_s": run["wall"],
            "issues": len(run["reply"]["body"]["output"]),
        }
    return figures


class Spawner:
    """bench/spawn.py: spawns each step from a small process, so that a step's peak RSS is its own."""

    def __init__(self):
        self.process = subprocess.Popen(
            [PYTHON, str(ROOT / "bench" / "spawn.py")], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )

    def step(self, script: Path, message: dict, label: str) -> dict:
        """`script run` with `message` on stdin; the reply (its last stdout line) with the measures."""
        run = self.command([PYTHON, str(script), "run"], label, json.dumps(message))
        run["reply"] = json.loads((WORK / f"{label}.out").read_text().strip().rsplit("\n", 1)[-1])
        return run

    def command(self, argv: list, label: str, stdin: str = "") -> dict:
        WORK.mkdir(parents=True, exist_ok=True)
        paths = {kind: WORK / f"{label}.{kind}" for kind in ("in", "out", "err")}
        paths["in"].write_text(stdin)
        request = {"argv": argv, "env": env(), "cwd": str(ROOT)}
        request.update(stdin=str(paths["in"]), stdout=str(paths["out"]), stderr=str(paths["err"]))
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def stop(self):
        self.process.stdin.close()
        self.process.wait(timeout=30)


# cold start -------------------------------------------------------------------------------------------------------


def without_trigger_and_task() -> Path:
    """bin/komand_sentry with the trigger's and the task's registration (and their imports) removed."""
    text = PLUGIN.read_text()
    changed = text.replace(
        "from komand_sentry import connection, actions, triggers, tasks",
        "from komand_sentry import connection, actions",
    )
    changed = changed.replace("self.add_trigger(triggers.NewIssue())", "pass")
    changed = changed.replace("self.add_task(tasks.MonitorIssues())", "pass")
    assert changed.count("triggers") == 0 and changed.count("tasks.") == 0, "bin/komand_sentry changed its form"
    target = WORK / "bin" / "komand_sentry_without_watch"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(changed)
    return target


def cold(rounds: int) -> dict:
    loop = Loopback()
    loop.book.add(now_us(), 5, step_us=1000)
    message = {
        "body": {
            "action": "list_project_issues",
            "meta": {},
            "input": dict(INPUTS, query=""),
            "connection": connection(loop.server.url),
        },
        "type": "action_start",
        "version": "v1",
    }
    variants = {"registered": PLUGIN, "without": without_trigger_and_task()}
    spawner = Spawner()
    walls, cpus = {name: [] for name in variants}, {name: [] for name in variants}
    try:
        for name, script in variants.items():
            spawner.step(script, message, f"cold-warm-{name}")
        order = random.Random(3)
        for number in range(rounds):
            for name in order.sample(list(variants), len(variants)):
                run = spawner.step(variants[name], message, f"cold-{name}")
                assert run["reply"]["body"]["status"] == "ok", run["reply"]
                walls[name].append(run["wall"])
                cpus[name].append(run["cpu"])
    finally:
        spawner.stop()
        loop.stop()
    return cold_figures(walls, cpus, rounds)


def cold_figures(walls: dict, cpus: dict, rounds: int) -> dict:
    paired = [a / b for a, b in zip(walls["registered"], walls["without"])]
    paired_cpu = [a / b for a, b in zip(cpus["registered"], cpus["without"])]
    result = {
        "rounds": rounds,
        "registered_wall_s": statistics.median(walls["registered"]),
        "without_wall_s": statistics.median(walls["without"]),
        "registered_cpu_s": statistics.median(cpus["registered"]),
        "without_cpu_s": statistics.median(cpus["without"]),
        "ratio": statistics.median(paired),
        "ratio_p25_p75": [quantile(paired, 0.25), quantile(paired, 0.75)],
        "cpu_ratio": statistics.median(paired_cpu),
        "raw": {"walls": walls, "cpus": cpus},
    }
    log(f"cold: registered / without = {result['ratio']:.3f} (CPU {result['cpu_ratio']:.3f})")
    return result


# report -----------------------------------------------------------------------------------------------------------


def markdown(results: dict) -> str:
    lines = []
    if "idle" in results:
        lines += ["| idle poll of a running trigger | requests per poll |", "|---|---|"]
        for scenario in results["idle"]:
            lines.append(f"| {scenario['scenario']} | {', '.join(map(str, scenario['requests_per_poll']))} |")
        lines.append("")
    if "latency" in results:
        lat = results["latency"]
        lines += [
            f"Creation to event (interval {lat['interval_s']} s, {lat['samples']} issues created at random moments): "
            f"min {lat['min']:.2f} s, median {lat['median']:.2f} s, mean {lat['mean']:.2f} s, "
            f"p90 {lat['p90']:.2f} s, max {lat['max']:.2f} s.",
            "",
        ]
    if "memory" in results:
        mem = results["memory"]
        steps = ", ".join(f"{name}: {fig['rss_mib']:.0f} MiB" for name, fig in mem["task_steps"].items())
        lines += [
            f"Task through a backlog of {mem['backlog']:,} issues: {mem['calls']} calls, each issue once "
            f"({mem['issues_once']:,}, {mem['repeated']} repeated); per call peak Python memory median "
            f"{mem['call_peak_kib']['median']:.0f} KiB, max {mem['call_peak_kib']['max']:.0f} KiB; peak RSS of the "
            f"process making every call {mem['process_peak_rss_mib']:.0f} MiB; {mem['call_ms']['median']:.0f} ms a "
            f"call (median), {mem['total_s']:.1f} s in all; largest state {mem['state_bytes_max']:,} bytes; "
            f"task_start steps' peak RSS: {steps}.",
            "",
        ]
    if "cold" in results:
        c = results["cold"]
        lines += [
            f"Cold start of list_project_issues ({c['rounds']} interleaved rounds, medians): with the trigger and "
            f"task registered {c['registered_wall_s'] * 1000:.0f} ms (CPU {c['registered_cpu_s'] * 1000:.0f} ms), "
            f"without them {c['without_wall_s'] * 1000:.0f} ms (CPU {c['without_cpu_s'] * 1000:.0f} ms): "
            f"{c['ratio']:.3f} x (p25-p75 {c['ratio_p25_p75'][0]:.3f}-{c['ratio_p25_p75'][1]:.3f}), "
            f"CPU {c['cpu_ratio']:.3f} x.",
            "",
        ]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="*", default=["idle", "latency", "memory", "cold"])
    parser.add_argument("--polls", type=int, default=4, help="idle polls observed per scenario")
    parser.add_argument("--samples", type=int, default=20, help="issues timed from creation to event")
    parser.add_argument("--backlog", type=int, default=100_000, help="issues of the task's backlog")
    parser.add_argument("--rounds", type=int, default=15, help="cold-start rounds")
    args = parser.parse_args()
    started, results = time.time(), {}
    parts = {
        "idle": lambda: idle(args.polls),
        "latency": lambda: latency(args.samples),
        "memory": lambda: memory(args.backlog),
        "cold": lambda: cold(args.rounds),
    }
    for name in args.only:
        results[name] = parts[name]()
    results["seconds"] = time.time() - started
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    for name in (f"watch-{stamp}.json", "watch-latest.json"):
        (RESULTS / name).write_text(json.dumps(results, indent=1, default=str))
    print(markdown(results))


if __name__ == "__main__":
    main()
