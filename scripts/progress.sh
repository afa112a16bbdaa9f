# Sourced by the build scripts: one progress line per stage, shown as the stage starts, and quiet pip installs.
# Every line is written whole and at once (printf, no pipe that buffers), so a terminal and a log file
# (`make test > log 2>&1`) see each stage at the moment it begins.
# PROGRESS_T0 is the start of the whole command (make demo, make test); it is exported so that the stages of
# every script it runs show the time elapsed since that start.
export PROGRESS_T0=${PROGRESS_T0:-$(date +%s)}

stage() { printf '[%4ss] %s\n' "$(($(date +%s) - PROGRESS_T0))" "$*"; }

# pip's notices that say nothing about this install: yanked releases (sentry 9.1.2 is one), Python 2.7's end of
# life, the resolver's conflicts of Sentry 9's old pins, a newer pip.
PIP_NOISE='^(WARNING|DEPRECATION|Reason for being yanked|\[notice\])|requires urllib3|dependency conflicts|pip.s dependency resolver'

# quiet_pip LOG COMMAND...: runs a pip install with its whole output in LOG; prints what is not noise;
# on failure prints LOG's last lines and fails (a filter in a pipe would hide pip's exit code).
quiet_pip() {
  local log=$1
  shift
  if ! PIP_DISABLE_PIP_VERSION_CHECK=1 "$@" >"$log" 2>&1; then
    echo "pip failed; the last lines of $log:" >&2
    tail -n 20 "$log" >&2
    return 1
  fi
  grep -v -E "$PIP_NOISE" "$log" || true
}
