"""The results table of the fault suite: `python -m fault_test.report` prints it from the last run's
fault_test/results/results.json; `python -m fault_test.report --run` runs the suite first."""

import json
import subprocess  # nosec B404 - runs pytest on this suite
import sys

from fault_test.util import PYTHON, RESULTS_DIR, ROOT, render


def main(argv) -> int:
    if "--run" in argv:
        code = subprocess.call([str(PYTHON), "-m", "pytest", "-q", "fault_test"], cwd=str(ROOT))  # nosec B603
        if code not in (0, 1):
            return code
    source = RESULTS_DIR / "results.json"
    if not source.exists():
        print("no results yet: run `python -m fault_test.report --run` (or pytest fault_test)", file=sys.stderr)
        return 2
    print(render(json.loads(source.read_text())))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
