#!/usr/bin/env bash
# Copy the plugin's own files (tracked, or new and not ignored) into an empty folder $1, so that Rapid7's
# tools, which walk or reformat their whole directory, never reach the venvs and servers in ignored folders.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dest=$1
cd "$root"
git ls-files -co --exclude-standard -- plugin.spec.yaml bin komand_sentry unit_test help.md setup.py Dockerfile \
    Makefile requirements.txt .CHECKSUM .dockerignore icon.png extension.png | while read -r f; do
  [ -e "$f" ] || continue
  mkdir -p "$dest/$(dirname "$f")"; cp -p "$f" "$dest/$f"
done
