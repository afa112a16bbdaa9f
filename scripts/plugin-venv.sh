#!/usr/bin/env bash
# The plugin's venv (.venv): the InsightConnect runtime 6.6.0 and the test tools, reused while
# requirements-dev.txt and requirements.txt are unchanged.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/scripts/progress.sh"
venv=$root/.venv
want=$(cat "$root/requirements-dev.txt" "$root/requirements.txt" | sha256sum | cut -d' ' -f1)
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$venv/.installed" 2>/dev/null)" != "$want" ]; then
  bash "$root/scripts/machine.sh" plugin
  stage "plugin venv: installing insightconnect-plugin-runtime 6.6.0 and the test tools into .venv (about 1 minute)"
  python3.11 -m venv "$venv"
  quiet_pip "$venv/pip.log" "$venv/bin/pip" install -q -r "$root/requirements-dev.txt"
  "$venv/bin/python" -c "import insightconnect_plugin_runtime, parameterized, pytest, hypothesis" ||
    { echo "plugin venv: install failed (see .venv/pip.log)" >&2; exit 1; }
  echo "$want" > "$venv/.installed"
else
  stage "plugin venv: .venv is up to date"
fi
