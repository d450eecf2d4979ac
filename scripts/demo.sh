#!/usr/bin/env bash
# Set up topocli in .venv and run the main job on the bundled Varshney connectome.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e .
export PATH="$PWD/.venv/bin:$PATH"
topocli graphs
topocli graphs show celegans-varshney2011
