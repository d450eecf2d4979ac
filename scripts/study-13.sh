#!/usr/bin/env bash
# Issue 13, item 9: the topology-accuracy study on the MNIST test set (10,000 images in
# ../shared/data/mnist-t10k), as a background job of hours, resumable. Varshney's undirected view and, drawn at its n and m:
# 3 graphs at each of 8 Watts-Strogatz rewiring probabilities, 3 at each of 9 landscape
# points (p x target transitivity), 3 degree-preserving nulls, and the connectome:
# 55 graphs x 3 seeds = 165 runs at 1 epoch on 3,000 images, 8 channels.
# Sizing (2026-11-30, the plan line's pilot on the shared machine at load ~7 on 2 cores):
# 47 steps per run at 3.1 s/step; it estimated 24 h for a 384-run version (two real
# graphs), so about 10 h for these 165 runs at that load on 1 worker; a quiet machine
# (the digits pilot ran 2.5x faster quiet than loaded) should take about 4 h.
# Run it again with the same arguments after an interruption: finished runs are kept.
#   JOBS=1 nohup nice -n 5 bash scripts/study-13.sh study-13 > study-13.log 2>&1 &
# More real graphs: add celegans-white1986 (etc.) after the first GRAPH; each gets its
# own 54 matched nulls (a different sweep: use another out folder).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-study-13}"
jobs="${JOBS:-1}"
topocli train-sweep celegans-varshney2011 --families real,degree \
  --count 3 --grid ws.p=0,0.01,0.02,0.05,0.1,0.2,0.5,1 \
  --grid landscape.p=0.02,0.1,0.5 --grid landscape.transitivity=0.05,0.2,0.4 \
  --seeds 3 --dataset mnist --data-dir ../shared/data/mnist-t10k \
  --epochs 1 --max-train 3000 --channels 8 --jobs "$jobs" --out "$out" --report
