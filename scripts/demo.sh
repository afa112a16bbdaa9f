#!/usr/bin/env bash
# The README's first command: bring up the local Sentry 9.1.2 (about 5 minutes the first time, 15 s after)
# and run every component through bin/komand_sentry (scripts/demo.py): the connection test, the nine actions, the
# New Issue trigger and the Monitor Issues task, printing each reply and a summary; about 80 s once Sentry is up.
# Each stage is shown as it starts, with the time elapsed (scripts/progress.sh), on a terminal and in a log alike.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/scripts/progress.sh"
bash "$root/scripts/plugin-venv.sh"
stage "demo: starting the local Sentry 9.1.2 (the first start installs it: about 5 minutes)"
bash "$root/scripts/sentry9.sh" || { echo "demo: Sentry 9.1.2 did not start" >&2; exit 1; }
stage "demo: running the connection test, every action, the trigger and the task through bin/komand_sentry"
"$root/.venv/bin/python" -u "$root/scripts/demo.py"
