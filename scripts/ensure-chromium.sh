#!/usr/bin/env bash
# The browser tests drive Debian's chromium with playwright-core (a browser download cannot work on
# machines that reach only package registries). Installs it when missing and we are root.
set -euo pipefail
CHROMIUM=${CHROMIUM_PATH:-/usr/bin/chromium}
[[ -x "$CHROMIUM" ]] && exit 0
if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
  echo "chromium not found: installing Debian's chromium package"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  exit 0
fi
echo "chromium not found at $CHROMIUM: install it (apt-get install chromium) or set CHROMIUM_PATH" >&2
exit 1
