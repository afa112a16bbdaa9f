#!/usr/bin/env bash
# What the machine needs, checked before anything is built. What apt-get can install is installed when this runs
# as root on Debian (log: .servers/apt.log); anything else stops at once with the exact command to run.
#
#   usage: bash scripts/machine.sh plugin    # Python 3.11 with venv (the plugin, its venvs, Bugsink)
#          bash scripts/machine.sh sentry9   # + Python 2.7 with headers, PostgreSQL 15, Redis, gcc, curl
#          bash scripts/machine.sh py27      # prints the Python 2.7 that Sentry 9.1.2 runs on
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$ROOT/scripts/progress.sh"
APT_LOG=$ROOT/.servers/apt.log

# a Python 2.7 that really runs (a pyenv shim for python2.7 may exist but fail)
find_py27() {
  local c
  for c in "${PY27:-}" "$HOME"/.pyenv/versions/2.7*/bin/python "$(command -v python2.7 2>/dev/null)"; do
    [ -n "$c" ] && [ -x "$c" ] && "$c" -c 'import sys; assert sys.version_info[:2] == (2, 7)' 2>/dev/null &&
      { echo "$c"; return 0; }
  done
  return 1
}

has_headers() {
  "$1" -c 'import os, sys, sysconfig; sys.exit(not os.path.isfile(os.path.join(sysconfig.get_paths()["include"], "Python.h")))'
}

PY27_HELP='Sentry 9.1.2 runs on Python 2.7 with its headers, which Debian 12 no longer packages. Install it with pyenv:
  apt-get install -y --no-install-recommends build-essential libssl-dev zlib1g-dev libbz2-dev libreadline-dev libsqlite3-dev libffi-dev liblzma-dev libncursesw5-dev xz-utils tk-dev git curl
  curl -fsSL https://pyenv.run | bash
  ~/.pyenv/bin/pyenv install 2.7.18
(or point PY27 at a Python 2.7 that has its headers).'

check_py27() {
  local py
  py=$(find_py27) || { echo "machine: FAILED: no Python 2.7 found. $PY27_HELP" >&2; exit 1; }
  has_headers "$py" || { echo "machine: FAILED: $py has no headers (Python.h). $PY27_HELP" >&2; exit 1; }
}

# the Debian packages whose command or file is missing; "package:test" pairs
missing_packages() {
  local pair
  for pair in "$@"; do
    bash -c "${pair#*:}" >/dev/null 2>&1 || echo "${pair%%:*}"
  done
}

install_or_stop() {
  local packages=("$@")
  [ ${#packages[@]} -gt 0 ] || return 0
  local command="apt-get install -y --no-install-recommends ${packages[*]}"
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "machine: FAILED: missing ${packages[*]}. Run (Debian 12; elsewhere the same packages of your system):" >&2
    echo "  sudo apt-get update && sudo $command" >&2
    exit 1
  fi
  mkdir -p "$(dirname "$APT_LOG")"
  stage "machine: installing ${packages[*]} with apt-get (log: ${APT_LOG#$ROOT/})"
  { apt-get update -q && DEBIAN_FRONTEND=noninteractive $command; } >>"$APT_LOG" 2>&1 ||
    { echo "machine: FAILED: apt-get could not install ${packages[*]} (see $APT_LOG); run: $command" >&2; exit 1; }
}

PLUGIN_NEEDS=("python3.11:python3.11 --version" "python3.11-venv:python3.11 -c 'import venv, ensurepip'")
SENTRY9_NEEDS=(
  "postgresql-15:ls /usr/lib/postgresql/*/bin/initdb"
  "postgresql-client-15:command -v psql"
  "redis-server:command -v redis-server && command -v redis-cli"
  "gcc:command -v gcc"
  "libc6-dev:test -f /usr/include/stdio.h"
  "curl:command -v curl"
)

case "${1:-plugin}" in
  plugin) install_or_stop $(missing_packages "${PLUGIN_NEEDS[@]}") ;;
  sentry9)
    install_or_stop $(missing_packages "${PLUGIN_NEEDS[@]}" "${SENTRY9_NEEDS[@]}")
    check_py27
    id postgres >/dev/null 2>&1 || { echo "machine: FAILED: no 'postgres' user (Debian's postgresql-15 creates it): apt-get install -y postgresql-15" >&2; exit 1; }
    ;;
  py27) find_py27 ;;
  *) echo "usage: $0 plugin|sentry9|py27" >&2; exit 2 ;;
esac
