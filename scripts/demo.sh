#!/usr/bin/env bash
# Set up topocli in .venv and run the whole pipeline on the bundled Varshney connectome:
# topology against 1199 degree-preserving nulls that keep mutual pairs (enough for Holm's
# correction over up to 30 statistics: N >= 40K - 1), then a small train-sweep that spans
# the clustering x path-length plane at Varshney's n and m (the real graph, 2
# degree-preserving nulls, 2 Watts-Strogatz graphs at each of p = 0.02, 0.2, 1 and 2
# landscape graphs at each of two target transitivities; 2 seeds each) on scikit-learn's
# bundled digits at a budget where accuracy is not at the ceiling (2 epochs at lr 0.03:
# 0.93-0.97 by family, the real graph 0.95, against 0.99 at the default 5 epochs), each
# with its HTML report. The sweep page says what 13 graphs x 2 seeds can and cannot tell.
# Results go to results/ (or $1).
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
topocli train-sweep celegans-varshney2011 --families real,degree --count 2 \
  --grid ws.p=0.02,0.2,1 --grid landscape.p=0.1 --grid landscape.transitivity=0.05,0.3 \
  --seeds 2 --epochs 2 --lr 0.03 --dataset digits --jobs 2 --out "$out/sweep" --report
echo "reports: $out/analysis/report/index.html and $out/sweep/report/index.html"
