#!/usr/bin/env bash
# The tooling venv (insight-plugin + Rapid7's validators). It cannot share a venv with the runtime:
# the tooling pins jsonschema 2.3.0 and PyYAML 6.0.1, the runtime jsonschema 4.26.0.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/scripts/progress.sh"
venv=$root/.venv-tools
want="insight-plugin==1.11.0 insightconnect-integrations-validators==2.47.35"
stamp=$venv/.installed
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  stage "tools venv: installing $want into .venv-tools (about 1 minute)"
  python3.11 -m venv "$venv"
  quiet_pip "$venv/pip.log" "$venv/bin/pip" install -q $want
  echo "$want" > "$stamp"
fi
