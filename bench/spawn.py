"""Runs the benchmark's steps for bench.py, so that their peak RSS is their own.

Linux starts a new process's peak RSS (ru_maxrss, VmHWM) at the peak of the process that spawned it: a step spawned
by bench.py after it has parsed a 66 MB reply would report bench.py's 400 MiB. This process stays small, spawns
every step and measures it. Protocol: one JSON request a line on stdin
({"argv", "env", "cwd", "stdin", "stdout", "stderr"}: file paths), one JSON answer a line on stdout
({"wall", "cpu", "rss_mib", "rc"}).
"""

import json
import os
import subprocess
import sys
import time


def run(request: dict) -> dict:
    with open(request["stdin"], "rb") as stdin, open(request["stdout"], "wb") as out, \
            open(request["stderr"], "wb") as err:
        started = time.perf_counter()
        process = subprocess.Popen(request["argv"], stdin=stdin, stdout=out, stderr=err, env=request["env"],
                                   cwd=request.get("cwd"))
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mib": usage.ru_maxrss / 1024,
            "rc": process.returncode}


def main():
    for line in sys.stdin:
        print(json.dumps(run(json.loads(line))), flush=True)


if __name__ == "__main__":
    main()
