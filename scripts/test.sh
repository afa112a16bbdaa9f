#!/usr/bin/env bash
# The README's test command: the plugin venv, both real servers, then every test suite under pytest.
# Each stage is shown as it starts, with the time elapsed (scripts/progress.sh), on a terminal and in a log alike.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source scripts/progress.sh
bash scripts/plugin-venv.sh
stage "test: starting Sentry 9.1.2 (the first start installs it: about 5 minutes) and Bugsink"
bash scripts/sentry9.sh || { echo "test: FAILED: Sentry 9.1.2 did not start (see .servers/sentry9/)" >&2; exit 1; }
bash scripts/bugsink.sh || { echo "test: FAILED: Bugsink did not start (see .servers/bugsink/)" >&2; exit 1; }
# TEST_SUITES narrows the run (CI runs the server-free suites from a fresh clone, then only integration_test here)
suites=$(for d in ${TEST_SUITES:-unit_test contract_test fault_test integration_test}; do [ -d "$d" ] && echo "$d"; done)
[ -n "$suites" ] || { echo "test: FAILED: no test suite among '${TEST_SUITES:-}'" >&2; exit 1; }
stage "test: running" $suites "under pytest"
exec .venv/bin/python -m pytest -q -p no:cacheprovider $suites "$@"
