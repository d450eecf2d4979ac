#!/usr/bin/env bash
# Issue 23, item 4: study-13's early runs again on today's code, compared run by run.
# The 12 runs of study-13 that ranked the connectome's degree sequence near the bottom
# (the real graph and its 3 degree-preserving nulls x 3 seeds) were trained with the
# stage kernels from before the compiled passes. This sweep repeats them: study-13's
# protocol, families and seeds (its grids left out: they do not change these graphs,
# whose draws derive from family and index), so every graph has study-13's fingerprint
# and every run its seed; benchmarks/analyze_study13_rerun.py compares them run by run.
#   nohup nice -n 10 bash scripts/study-13-rerun.sh benchmarks/study-13-rerun > rerun.log 2>&1 &
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-study-13-rerun}"
data="${DATA_DIR:-../shared/data/mnist-t10k}"
TOPOCLI="${TOPOCLI:-topocli}"
"$TOPOCLI" train-sweep celegans-varshney2011 --families real,degree --count 3 --seeds 3 \
  --dataset mnist --data-dir "$data" --epochs 2 --lr 0.03 --max-train 3000 --channels 8 \
  --jobs "${JOBS:-1}" --out "$out"
