#!/usr/bin/env bash
# Rerun the reservoir study's sweeps (RESULTS-reservoir.md) into a scratch folder and copy
# their per-graph tables and report tables (primary comparison, summary.json) back here.
# Usage: bash benchmarks/reservoir-sweep/run.sh [SCRATCH] [S1 S2 S3]   (from the repo root)
set -euo pipefail
cd "$(dirname "$0")/../.."
scratch="${1:-/tmp/rsw}"; shift || true
which="${*:-S1 S2 S3}"
TOPOCLI="${TOPOCLI:-topocli}"
common=(celegans-varshney2011 --model reservoir --families real,er,ws,ba,degree --count 250
        --seeds 3 --task memory-capacity,narma10 --jobs "${JOBS:-2}")
declare -A extra=(
  [S1]="--signs transmitter"
  [S2]="--signs random --inhibitory-fraction 0.5 --input-nodes all --readout-nodes all"
  [S3]="--signs transmitter --input-nodes all --readout-nodes all")
for s in $which; do
  # shellcheck disable=SC2086
  "$TOPOCLI" train-sweep "${common[@]}" ${extra[$s]} --out "$scratch/$s"
  for metric in score_memory-capacity score_narma10; do
    "$TOPOCLI" report "$scratch/$s" --metric "$metric" --out "$scratch/$s-report-$metric"
    for t in summary.json real_vs_families.csv family_accuracy.csv correlations.csv; do
      cp "$scratch/$s-report-$metric/$t" "benchmarks/reservoir-sweep/$s-report-${metric#score_}-$t"
    done
  done
  cp "$scratch/$s/config.json" "benchmarks/reservoir-sweep/$s-config.json"
done
