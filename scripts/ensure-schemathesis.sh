#!/usr/bin/env bash
# schemathesis (PyPI) for the API fuzz test (test/int/schemathesis.int.test.ts), in its own virtualenv
# under .stack/ (apart from localstripe's, whose pinned dependencies it must not disturb). Installs it
# when missing, then prints the path of its executable.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STACK_DIR=${STACK_DIR:-$ROOT/.stack}
VERSION=${SCHEMATHESIS_VERSION:-4.32.5}
VENV=$STACK_DIR/schemathesis-$VERSION
LOG=$STACK_DIR/logs/schemathesis-install.log
if [[ ! -x "$VENV/bin/schemathesis" ]]; then
  command -v python3 >/dev/null || { echo "python3 not found: install Python 3.10+" >&2; exit 1; }
  mkdir -p "$STACK_DIR/logs"
  echo "installing schemathesis $VERSION from PyPI into $VENV" >&2
  python3 -m venv "$VENV" >>"$LOG" 2>&1 || { echo "python3 -m venv failed: apt-get install python3-venv (log: $LOG)" >&2; exit 1; }
  "$VENV/bin/pip" install -q "schemathesis==$VERSION" >>"$LOG" 2>&1 \
    || { rm -rf "$VENV"; echo "pip install schemathesis==$VERSION failed (log: $LOG)" >&2; exit 1; }
fi
echo "$VENV/bin/schemathesis"
