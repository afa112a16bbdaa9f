#!/usr/bin/env bash
# Rapid7's validators over a staging copy of the plugin (RuntimeValidator walks the whole directory).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/tools-venv.sh"
stage=$(mktemp -d)/sentry
trap 'rm -rf "$(dirname "$stage")"' EXIT
mkdir -p "$stage"
bash "$root/scripts/stage.sh" "$stage"
out=$(mktemp)
"$root/.venv-tools/bin/python" "$root/scripts/validate.py" "$stage" 2>&1 | tee "$out"
grep -q "Plugin successfully validated!" "$out" || { echo "validate: FAILED"; exit 1; }
