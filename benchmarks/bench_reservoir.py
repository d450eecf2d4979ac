"""Reservoir speed targets of issue 16, each against its named baseline, in one run.

1. Memory capacity of one Varshney-size echo-state reservoir (279 nodes, 4,000 steps,
   279 delays) on one core: target <= 0.2 s. Baselines: the plain numpy version the
   issue measured (ESN loop, then one ``np.linalg.solve`` with all 279 delays as
   right-hand sides, a fixed ridge), and the naive one (one solve per delay). topocli
   fits every delay from one eigendecomposition and also chooses each delay's ridge
   among 8 on a validation split (the baselines fix it), and wires the graph (signs,
   eigenvalues) inside the timed call.
2. ``topocli reservoir`` start-up: ``topocli reservoir --help`` and the whole
   memory-capacity command, as fresh processes; target "a few seconds", and torch must
   not be imported on this path (checked here, and by tests/test_reservoir_cli.py).
   Baseline: ``python -c "import torch"`` (what the path avoids).
3. The spiking (LIF) reservoir on sequential digits: target <= 30 s.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_reservoir.py
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

import numpy as np

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core, as the target says


def _best(fn, repeats: int = 5) -> tuple[float, object]:
    times, value = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - start)
    return min(times), value


def plain_numpy_mc(matrix: np.ndarray, w_in: np.ndarray, signal: np.ndarray, delays: int,
                   washout: int, ridge: float = 1e-6, one_solve: bool = True) -> float:
    """The baseline: loop the ESN, then a ridge solve for all delays at once (or one per
    delay); train 80 %, test 20 %."""
    n, steps = matrix.shape[0], len(signal)
    states, x = np.empty((steps, n)), np.zeros(n)
    for t in range(steps):
        x = np.tanh(matrix @ x + w_in[:, 0] * signal[t])
        states[t] = x
    start = max(washout, delays)
    cut = start + int(0.8 * (steps - start))
    if one_solve:
        lags = np.arange(1, delays + 1)
        rows = np.arange(start, steps)[:, None] - lags[None, :]
        targets = signal[rows]
        xtr, xte = states[start:cut], states[cut:]
        ytr, yte = targets[:cut - start], targets[cut - start:]
        weights = np.linalg.solve(xtr.T @ xtr + ridge * np.eye(n), xtr.T @ ytr)
        pred = xte @ weights
        pc, yc = pred - pred.mean(0), yte - yte.mean(0)
        r = (pc * yc).sum(0) / np.sqrt((pc * pc).sum(0) * (yc * yc).sum(0))
        return float((r * r).sum())
    total = 0.0
    for k in range(1, delays + 1):
        xtr, ytr = states[start:cut], signal[start - k:cut - k]
        xte, yte = states[cut:], signal[cut - k:steps - k]
        weights = np.linalg.solve(xtr.T @ xtr + ridge * np.eye(n), xtr.T @ ytr)
        total += np.corrcoef(xte @ weights, yte)[0, 1] ** 2
    return total


def memory_capacity_target() -> list[tuple]:
    from topocli.graphs import load_graph
    from topocli.reservoir import ReservoirConfig, build_reservoir, score_reservoir

    graph = load_graph("celegans-varshney2011")
    config = ReservoirConfig(tasks=("memory-capacity",), input_nodes="all",
                             readout_nodes="all", steps=4000, max_delay=279)
    reservoir = build_reservoir(graph, config)
    w_in = np.random.default_rng(0).uniform(-0.1, 0.1, (279, 1))
    signal = np.random.default_rng(1).uniform(-1, 1, 4000)
    base_s, base_mc = _best(lambda: plain_numpy_mc(reservoir.matrix, w_in, signal, 279, 200))
    naive_s, naive_mc = _best(lambda: plain_numpy_mc(reservoir.matrix, w_in, signal, 279, 200,
                                                     one_solve=False), repeats=2)
    new_s, result = _best(lambda: score_reservoir(graph, config))
    wire_s, _ = _best(lambda: build_reservoir(graph, config))
    mc = result["scores"]["memory-capacity"]
    return [("MC, 279 nodes x 4,000 steps x 279 delays (baseline: plain numpy, one solve)",
             f"{base_s:.3f} s (MC {base_mc:.1f})", f"{new_s:.3f} s (MC {mc:.1f})",
             f"{base_s / new_s:.2f}x", "<= 0.2 s", "met" if new_s <= 0.2 else "missed"),
            ("  same, baseline: plain numpy, one solve per delay",
             f"{naive_s:.3f} s (MC {naive_mc:.1f})", f"{new_s:.3f} s",
             f"{naive_s / new_s:.1f}x", "", ""),
            ("  of which wiring (signs, eigenvalues, scaling)", "", f"{wire_s:.3f} s", "",
             "", "")]


def _run(args: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, check=True)
    return time.perf_counter() - start, done.stdout


def startup_target() -> list[tuple]:
    py = sys.executable
    torch_s = statistics.median(_run([py, "-c", "import torch"])[0] for _ in range(3))
    help_s = statistics.median(
        _run([py, "-c",
              "from topocli.cli import main; main(['reservoir', '--help'])"])[0]
        for _ in range(3))
    command = ("import sys\nfrom topocli.cli import cli\n"
               "cli.main(args=['reservoir', 'celegans-varshney2011', '--task', "
               "'memory-capacity', '--seed', '0', '--json'], standalone_mode=False)\n"
               "assert 'torch' not in sys.modules\n")
    run_s = statistics.median(_run([py, "-c", command])[0] for _ in range(3))
    return [("topocli reservoir --help, fresh process (baseline: import torch)",
             f"{torch_s:.2f} s", f"{help_s:.2f} s", f"{torch_s / help_s:.1f}x",
             "a few seconds", "met" if help_s < 3 else "missed"),
            ("topocli reservoir celegans-varshney2011 --task memory-capacity --json, "
             "torch not imported", "", f"{run_s:.2f} s", "", "a few seconds",
             "met" if run_s < 5 else "missed")]


def spiking_digits_target() -> list[tuple]:
    from topocli.graphs import load_graph
    from topocli.reservoir import LIFParameters, ReservoirConfig, score_reservoir

    graph = load_graph("celegans-varshney2011")
    rows = []
    for label, config in (
            ("LIF, sensory in / motor out, 10 ms per row",
             ReservoirConfig(tasks=("digits",), neuron="lif")),
            ("LIF, every node in and out, delays 1-5 ms",
             ReservoirConfig(tasks=("digits",), neuron="lif", input_nodes="all",
                             readout_nodes="all",
                             lif=LIFParameters(max_delay=5)))):
        seconds, result = _best(lambda c=config: score_reservoir(graph, c), repeats=1)
        acc = result["scores"]["digits"]
        events = result["synaptic_events_per_sample"]["digits"]
        rows.append((f"spiking digits: {label}", "", f"{seconds:.2f} s (acc {acc:.3f}, "
                     f"{events:,.0f} synaptic events/image)", "", "<= 30 s",
                     "met" if seconds <= 30 else "missed"))
    return rows


def main() -> None:
    rows = memory_capacity_target() + startup_target() + spiking_digits_target()
    load = os.getloadavg()
    print(f"# bench_reservoir: OMP_NUM_THREADS={os.environ['OMP_NUM_THREADS']}, "
          f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (shared machine)\n")
    print("| measurement | baseline | topocli | ratio | target | verdict |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
