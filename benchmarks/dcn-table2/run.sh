#!/bin/sh
# Start or resume the DCN Table 2 replication (finished runs are kept and skipped; an
# interrupted run continues from its last epoch). Run from the repository root.
cd "$(dirname "$0")/../.." || exit 2
PY=${PY:-/work/main/.venv/bin/python}
OMP_NUM_THREADS=1 PYTHONPATH=. nohup nice -n 5 "$PY" benchmarks/bench_dcn_table2.py \
    --out benchmarks/dcn-table2 --seeds 5 --epochs 2 --channels 8 --threads 1 \
    >> benchmarks/dcn-table2/bench.log 2>&1 &
echo "$!"
