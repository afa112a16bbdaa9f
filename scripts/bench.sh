#!/usr/bin/env bash
# `make bench`: the plugin's benchmark (bench/bench.py): cold start, the two listings over 10,000 items, http mode,
# and (when the local Sentry 9.1.2 can be started) a reference listing against it. Prints a table; the figures go
# to bench/results/ (ignored by git). About 8 to 10 minutes; options of bench/bench.py pass through ("$@").
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/plugin-venv.sh
bash scripts/tools-venv.sh >/dev/null   # insight-plugin, which generates the floor plugin
if ! bash scripts/sentry9.sh >/dev/null 2>&1; then
  echo "bench: the local Sentry 9.1.2 did not start; its reference listing will be skipped" >&2
fi
exec .venv/bin/python bench/bench.py "$@"
