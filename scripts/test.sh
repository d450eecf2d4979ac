#!/usr/bin/env bash
# Set up a virtual environment with topocli and its test extras, then run the full suite.
# Idempotent: a second run reuses .venv. Chromium (Debian's package) is installed for the
# report's browser test when it is missing and we are root.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
    || echo "scripts/test.sh: could not install chromium; the browser test will fail" >&2
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test,deploy]'
# cect (13 MB) without its 1.2 GB of plotting deps: the bundled files are checked against it.
.venv/bin/python -m pip install -q --disable-pip-version-check --no-deps 'cect==0.3.5'
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
