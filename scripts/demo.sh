#!/usr/bin/env bash
# Set up topocli in .venv and run the whole pipeline on the bundled Varshney connectome:
# topology against 1199 degree-preserving nulls that keep mutual pairs (enough for Holm's
# correction over up to 30 statistics: N >= 40K - 1), then a small train-sweep (the real
# graph and 2 samples each of ws, er, ba and degree-preserving nulls, 2 seeds each, on scikit-learn's
# bundled digits), each with its HTML report. Results go to results/ (or $1).
# Idempotent: a second run reuses .venv, keeps the analysis and resumes the sweep.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-results}"
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e .
export PATH="$PWD/.venv/bin:$PATH"
topocli graphs
if [ ! -f "$out/analysis/config.json" ]; then
  topocli analyze celegans-varshney2011 --nulls 1199 --jobs 2 --out "$out/analysis" --report
fi
topocli train-sweep celegans-varshney2011 --families real,ws,er,ba,degree --count 2 \
  --seeds 2 --dataset digits --out "$out/sweep" --report
echo "reports: $out/analysis/report/index.html and $out/sweep/report/index.html"
