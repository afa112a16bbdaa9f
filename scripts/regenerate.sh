#!/usr/bin/env bash
# Regenerate everything insight-plugin owns (schema.py files, bin/, help.md, setup.py, Dockerfile,
# .CHECKSUM) from plugin.spec.yaml, on a staging copy (insight-plugin runs black over its whole working
# directory), then copy back what changed. Running it twice changes nothing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/tools-venv.sh"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
bash "$root/scripts/stage.sh" "$stage"
mkdir -p "$stage/bin" "$stage/komand_sentry"; [ -e "$stage/bin/komand_sentry" ] || : > "$stage/bin/komand_sentry"
(cd "$stage" && PATH="$root/.venv-tools/bin:$PATH" insight-plugin refresh plugin.spec.yaml >refresh.log 2>&1) ||
  { cat "$stage/refresh.log"; exit 1; }
grep -q "Refresh process complete" "$stage/refresh.log" || { cat "$stage/refresh.log"; exit 1; }
rm "$stage/refresh.log"
changed=0
while read -r f; do
  f=${f#./}
  if ! cmp -s "$stage/$f" "$root/$f"; then
    mkdir -p "$root/$(dirname "$f")"; cp -p "$stage/$f" "$root/$f"; echo "regenerated: $f"; changed=1
  fi
done < <(cd "$stage" && find . -name __pycache__ -prune -o -type f -print)
[ "$changed" = 1 ] || echo "regenerate: nothing changed"
