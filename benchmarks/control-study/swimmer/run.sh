#!/usr/bin/env bash
# Swimmer mini-study (issue 25): motor circuit vs 2 degree nulls, 2 seeds, 30 generations; MLP seeds 0,1
# Run here with the mujoco extra's packages (mujoco 3.17.0, imageio 2.38.2 and their
# dependencies) in /tmp/mjlib on PYTHONPATH; with `pip install -e '.[mujoco]'` drop that line.
set -e
export PYTHONPATH=/tmp/mjlib OMP_NUM_THREADS=1
T=/work/main/.venv/bin/topocli
date -u; uptime
$T train-sweep celegans-varshney2011 --model controller --circuit motor --task swimmer \
  --families real,degree --count 2 --seeds 2 --generations 30 --primary degree --jobs 1 --out motor-swim
for s in 0 1; do $T control celegans-varshney2011 --undirected --circuit motor --policy mlp --task swimmer \
  --generations 30 --seed $s --json --out mlp-motor-$s > /dev/null; done
date -u; uptime
