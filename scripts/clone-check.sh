#!/usr/bin/env bash
# The repository is self-contained: a `git clone` of the committed HEAD into an empty temporary folder, with
# nothing beside it, passes the server-free suites (unit_test, contract_test, fault_test) and leaves
# `git status` clean. CI's own checkout sits beside a shared/ folder, so only this check would notice a test
# that reads outside the checkout. It reuses this checkout's .venv by path (a symlink in the clone, ignored by
# git) instead of building one, so it costs the suites' run time only (about 2 minutes).
#   usage: bash scripts/clone-check.sh [pytest options]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/scripts/progress.sh"
bash "$root/scripts/plugin-venv.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/clone-check.XXXXXX")
trap 'rm -rf "$work"' EXIT
clone=$work/clone
stage "clone-check: cloning the committed HEAD ($(git -C "$root" rev-parse --short HEAD)) into the empty folder $work"
git clone -q "$root" "$clone"
ln -s "$root/.venv" "$clone/.venv"
cd "$clone"
export PYTHONPATH=$clone
where=$(.venv/bin/python -c 'import komand_sentry, os; print(os.path.dirname(os.path.dirname(komand_sentry.__file__)))')
[ "$where" = "$clone" ] || { echo "clone-check: FAILED: komand_sentry is imported from $where, not from the clone" >&2; exit 1; }
stage "clone-check: unit_test contract_test fault_test under pytest, from the clone"
set +e
.venv/bin/python -m pytest -q -p no:cacheprovider unit_test contract_test fault_test "$@" 2>&1 | tee "$work/pytest.log"
rc=${PIPESTATUS[0]}
set -e
summary=$(grep -E '^=* ?[0-9]+ (passed|failed|error)|^=* ?no tests ran' "$work/pytest.log" | tail -n 1 || true)
case $rc in
  0) ;;
  5) echo "clone-check: FAILED: pytest collected no tests in the clone (exit code 5)" >&2; exit 1 ;;
  *) echo "clone-check: FAILED: pytest exit code $rc in the clone: ${summary:-no summary line}" >&2; exit 1 ;;
esac
untracked=$(git status --porcelain)
[ -z "$untracked" ] || { echo "clone-check: FAILED: the suites left the clone's git status unclean:" >&2; echo "$untracked" >&2; exit 1; }
stage "clone-check: ok: ${summary:-?}; git status clean"
