#!/usr/bin/env bash
# Regenerate everything insight-plugin owns (schema.py files, bin/, help.md, setup.py, Dockerfile,
# .CHECKSUM) from plugin.spec.yaml.
# insight-plugin runs black over its whole working directory, which would reach the server installs
# and venvs in the checkout's ignored folders; so it runs on a staging copy of the tracked plugin files,
# and the results are copied back.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/tools-venv.sh"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
cd "$root"
git ls-files -co --exclude-standard -- plugin.spec.yaml bin komand_sentry unit_test help.md setup.py Dockerfile \
    Makefile requirements.txt .CHECKSUM .dockerignore icon.png extension.png | while read -r f; do
  [ -e "$f" ] || continue
  mkdir -p "$stage/$(dirname "$f")"; cp -p "$f" "$stage/$f"
done
mkdir -p "$stage/bin" "$stage/komand_sentry"; [ -e "$stage/bin/komand_sentry" ] || : > "$stage/bin/komand_sentry"
(cd "$stage" && PATH="$root/.venv-tools/bin:$PATH" insight-plugin refresh plugin.spec.yaml >refresh.log 2>&1) ||
  { cat "$stage/refresh.log"; exit 1; }
grep -q "Refresh process complete" "$stage/refresh.log" || { cat "$stage/refresh.log"; exit 1; }
rm "$stage/refresh.log"
(cd "$stage" && find . -name __pycache__ -prune -o -type f -print) | while read -r f; do
  mkdir -p "$root/$(dirname "$f")"
  cmp -s "$stage/$f" "$root/$f" || { cp -p "$stage/$f" "$root/$f"; echo "regenerated: ${f#./}"; }
done
echo "regenerate: done"
