#!/usr/bin/env bash
# Issue 13, item 9: the topology-accuracy study on the MNIST test set (10,000 images,
# ../shared/data/mnist-t10k), in the background, resumable. Per real graph (Varshney and
# White 1986) 3 graphs at each of 8 Watts-Strogatz rewiring probabilities, 3 at each of
# 12 landscape points (p x target transitivity), 3 degree-preserving nulls and the real
# graph: 64 graphs x 3 seeds = 192 runs per real graph, 384 in all.
# Run it again with the same arguments after an interruption: finished runs are kept.
#   nohup nice -n 5 bash scripts/study-13.sh study-13 > study-13.log 2>&1 &
# Then: topocli report study-13   (the sweep page; or pass --report below).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-study-13}"
jobs="${JOBS:-1}"
topocli train-sweep celegans-varshney2011 celegans-white1986 --families real,degree \
  --count 3 --grid ws.p=0,0.01,0.02,0.05,0.1,0.2,0.5,1 \
  --grid landscape.p=0.02,0.1,0.5 --grid landscape.transitivity=0.05,0.15,0.3,0.45 \
  --seeds 3 --dataset mnist --data-dir ../shared/data/mnist-t10k \
  --epochs 1 --max-train 3000 --channels 8 --jobs "$jobs" --out "$out" --report
