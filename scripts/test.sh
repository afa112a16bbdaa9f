#!/usr/bin/env bash
# The README's test command: the plugin venv, both real servers, then every test suite under pytest.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/plugin-venv.sh
echo "test: starting Sentry 9.1.2 (about 5 minutes the first time) and Bugsink ..."
bash scripts/sentry9.sh >/dev/null || { echo "test: FAILED: Sentry 9.1.2 did not start (see .servers/sentry9/)" >&2; exit 1; }
bash scripts/bugsink.sh >/dev/null || { echo "test: FAILED: Bugsink did not start (see .servers/bugsink/)" >&2; exit 1; }
suites=$(for d in unit_test contract_test fault_test integration_test; do [ -d "$d" ] && echo "$d"; done)
exec .venv/bin/python -m pytest -q -p no:cacheprovider $suites "$@"
