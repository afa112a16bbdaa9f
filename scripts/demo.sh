#!/usr/bin/env bash
# The README's first command: bring up the local Sentry 9.1.2 (about 5 minutes the first time, 15 s after)
# and run every action and the connection test through bin/komand_sentry, printing each reply.
# Each stage is shown as it starts, with the time elapsed (scripts/progress.sh), on a terminal and in a log alike.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/scripts/progress.sh"
bash "$root/scripts/plugin-venv.sh"
stage "demo: starting the local Sentry 9.1.2 (the first start installs it: about 5 minutes)"
bash "$root/scripts/sentry9.sh" || { echo "demo: Sentry 9.1.2 did not start" >&2; exit 1; }
stage "demo: running the actions and the connection test through bin/komand_sentry"
"$root/.venv/bin/python" -u "$root/scripts/demo.py"
