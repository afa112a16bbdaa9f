#!/usr/bin/env bash
# The README's first command: bring up the local Sentry 9.1.2 (about 5 minutes the first time, 15 s after)
# and run every action and the connection test through bin/komand_sentry, printing each reply.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/plugin-venv.sh"
echo "demo: starting the local Sentry 9.1.2 (the first start installs it: about 5 minutes) ..."
bash "$root/scripts/sentry9.sh" | grep -v "^SENTRY9_" || { echo "demo: Sentry 9.1.2 did not start" >&2; exit 1; }
"$root/.venv/bin/python" "$root/scripts/demo.py"
