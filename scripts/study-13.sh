#!/usr/bin/env bash
# Issue 13, item 9: the topology-accuracy study on the MNIST test set (10,000 images in
# ../shared/data/mnist-t10k), as a background job of hours, resumable. Varshney's undirected view and, drawn at its n and m:
# 3 graphs at each of 8 Watts-Strogatz rewiring probabilities, 3 at each of 9 landscape
# points (p x target transitivity), 3 degree-preserving nulls, and the connectome:
# 55 graphs x 3 seeds = 165 runs at 2 epochs on 3,000 images (lr 0.03), 8 channels.
# Pilot (2026-11-30, shared machine at load 5-7 on 2 cores, --jobs 2): 3 graphs (real,
# ws p=1, landscape p=0.1 T=0.4) at 1 epoch took 60-134 s per run and reached test
# accuracy 0.40, 0.23, 0.35: too little learning for topology to show, hence 2 epochs at
# lr 0.03 here (digits went from chance to 0.93-0.97 the same way; not piloted on MNIST).
# Expect about 2-4 min per run at that load: 165 runs ~ 3-6 h with JOBS=2, less quiet.
# Run it again with the same arguments after an interruption: finished runs are kept.
#   JOBS=2 nohup nice -n 5 bash scripts/study-13.sh study-13 > study-13.log 2>&1 &
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
  --epochs 2 --lr 0.03 --max-train 3000 --channels 8 --jobs "$jobs" --out "$out" --report
