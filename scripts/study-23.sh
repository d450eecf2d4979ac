#!/usr/bin/env bash
# Issue 23, item 4: the decisive MNIST study, a background job of hours, resumable.
# The connectome (Varshney's undirected view, 279 nodes / 2,287 edges) against 20
# degree-preserving nulls, every graph trained with the same 5 seeds, primary comparison
# declared before the runs (--primary degree: wiring beyond the degree sequence).
# Protocol: DCN Table 2's (--preset dcn: Adam 1e-3, batch 32, cosine to 0, flatten head,
# one stage at stride 1) at C = 8 and 2 epochs on the MNIST test set split 8,000 / 2,000,
# the protocol whose trained arms showed a seed sd of 0.2-0.3 points in
# benchmarks/dcn-table2 (study-13's protocol: 2.9 points).
# 21 graphs x 5 seeds = 105 runs; about 3-4 min per run on one core.
# Run it again with the same arguments after an interruption: finished runs are kept.
#   nohup nice -n 10 bash scripts/study-23.sh benchmarks/study-23 > study-23.log 2>&1 &
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-study-23}"
jobs="${JOBS:-1}"
data="${DATA_DIR:-../shared/data/mnist-t10k}"
TOPOCLI="${TOPOCLI:-topocli}"
"$TOPOCLI" train-sweep celegans-varshney2011 --families real,degree --primary degree \
  --count 20 --seeds 5 --dataset mnist --data-dir "$data" \
  --preset dcn --channels 8 --epochs 2 --jobs "$jobs" --out "$out"
