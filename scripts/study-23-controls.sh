#!/usr/bin/env bash
# Issue 23, item 4: the controls that explain the decisive study's answer, at its protocol.
# The hub hypothesis: the connectome with its hubs capped (hubcap: every degree at most
# the median maximum degree of G(n, m), edges moved so m stays; primary comparison,
# declared before the runs), other heavy-tailed graphs of the same n and m (heavytail:
# configuration-model graphs of a Barabasi-Albert-like degree sequence), and the
# near-regular references at the same n and m (er, ws). The real graph is trained again
# with the study's seeds: its runs must equal benchmarks/study-23's run for run (same
# protocol, same seeds, 1 torch thread).
# 1 + 4 x 5 graphs x 5 seeds = 105 runs; about 2.5 min per run on one quiet core.
# Run it again with the same arguments after an interruption: finished runs are kept.
#   JOBS=2 nohup nice -n 10 bash scripts/study-23-controls.sh benchmarks/study-23-controls \
#       > study-23-controls.log 2>&1 &
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-study-23-controls}"
jobs="${JOBS:-1}"
data="${DATA_DIR:-../shared/data/mnist-t10k}"
TOPOCLI="${TOPOCLI:-topocli}"
"$TOPOCLI" train-sweep celegans-varshney2011 --families real,hubcap,heavytail,er,ws \
  --primary hubcap --count 5 --seeds 5 --dataset mnist --data-dir "$data" \
  --preset dcn --channels 8 --epochs 2 --jobs "$jobs" --out "$out"
