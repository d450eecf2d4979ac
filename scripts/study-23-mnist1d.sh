#!/usr/bin/env bash
# Issue 23, item 4: the decisive study's second task, MNIST-1D (Greydanus 2020: 40-sample
# 1-D digits generated offline by the mnist1d package, 3,600 / 400 / 1,000), where a
# small CNN reaches ~94 % and an MLP ~68 %, so wiring has room to matter.
# Step 1 chooses the learning rate before the runs (topocli lr-check on 2 graphs of
# each family, one seed, validation accuracy only); step 2 is the study at that rate:
# the connectome (Varshney's undirected view) against 20 degree-preserving nulls, 5
# shared seeds, primary comparison declared. Protocol: DCN's (--preset dcn: Adam,
# batch 32, cosine, flatten head, stride-2 stem: 1x40 -> 1x20) at C = 8 and 8 epochs,
# where the connectome's curve has flattened (2 epochs leave it at ~0.33).
# 3 + 105 runs, about 1.5-2.5 min each on one core.
# Run it again with the same arguments after an interruption: finished runs are kept.
#   JOBS=2 nohup nice -n 10 bash scripts/study-23-mnist1d.sh benchmarks/study-23-mnist1d \
#       > study-23-mnist1d.log 2>&1 &
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-study-23-mnist1d}"
jobs="${JOBS:-1}"
TOPOCLI="${TOPOCLI:-topocli}"
protocol=(--dataset mnist1d --preset dcn --channels 8 --epochs 8)
"$TOPOCLI" lr-check celegans-varshney2011 --lrs 3e-3,1e-2,3e-2 --families real,degree \
  --count 2 --seeds 1 "${protocol[@]}" --jobs "$jobs" --out "$out-lr-check"
"$TOPOCLI" train-sweep celegans-varshney2011 --families real,degree --primary degree \
  --count 20 --seeds 5 "${protocol[@]}" --lr-from "$out-lr-check" --jobs "$jobs" \
  --out "$out"
