#!/usr/bin/env bash
# http mode bound to loopback only: `bin/komand_sentry http` listens on 0.0.0.0 (every interface) and has no
# host option. The runtime's one way to choose the address is GUNICORN_CONFIG_FILE, a JSON file of gunicorn
# settings that it opens by a bare file name (werkzeug's secure_filename strips any directory), so the file is
# written to .servers/http/ (ignored by git) and the server is started from there.
#   usage: bash scripts/http.sh [port] [host]     (defaults 10001 and 127.0.0.1; Ctrl-C stops it)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
port=${1:-10001}
host=${2:-127.0.0.1}
[[ "$port" =~ ^[0-9]+$ ]] && [ "$port" -ge 1 ] && [ "$port" -le 65535 ] || { echo "http.sh: the port must be 1-65535, not '$port'" >&2; exit 2; }
case "$host" in
  127.*|::1|localhost) ;;
  *) echo "http.sh: '$host' is not a loopback address; run bin/komand_sentry http directly to listen elsewhere" >&2; exit 2 ;;
esac
bind=$host:$port
[ "$host" = ::1 ] && bind="[::1]:$port"
dir=$root/.servers/http
mkdir -p "$dir"
# the runtime's own defaults (server.py), but for the address
printf '{"bind": "%s", "workers": 1, "threads": 4, "worker_class": "sync", "loglevel": "info", "graceful_timeout": 30}\n' \
  "$bind" >"$dir/gunicorn.json"
echo "http mode on http://$bind only (not every interface); Ctrl-C stops it"
cd "$dir"
PYTHONPATH=$root GUNICORN_CONFIG_FILE=gunicorn.json exec "$root/.venv/bin/python" "$root/bin/komand_sentry" http
