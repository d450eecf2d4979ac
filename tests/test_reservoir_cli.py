"""``topocli reservoir``: outputs, one-line errors, and no torch on this path."""

from __future__ import annotations

import json
import subprocess
import sys

import igraph as ig
import numpy as np

from topocli.graphs import write_graphml

FAST = ["--steps", "700", "--washout", "100"]


def _graph_file(tmp_path, edges: int = 60):
    rng = np.random.default_rng(0)
    n = 16
    pairs = [(a, b) for a in range(n) for b in range(n) if a != b]
    chosen = [pairs[i] for i in rng.choice(len(pairs), edges, replace=False)] if edges else []
    g = ig.Graph(n=n, edges=chosen, directed=True)
    g.vs["name"] = [f"c{i}" for i in range(n)]
    g.vs["cell_class"] = ["sensory"] * 5 + ["interneuron"] * 6 + ["motor"] * 5
    path = tmp_path / f"tiny{edges}.graphml.gz"
    write_graphml(g, path)
    return path


def test_memory_capacity_json_same_on_second_run(run_cli, tmp_path):
    graph = _graph_file(tmp_path)
    args = ("reservoir", graph, "--task", "memory-capacity", "--seed", "0", "--json", *FAST)
    first, second = run_cli(*args), run_cli(*args)
    assert first.exit_code == 0, first.output
    result = json.loads(first.stdout)
    assert 0 < result["scores"]["memory-capacity"] < 5  # 5 motor readout nodes
    assert result["description"]["signs"] == "random"  # no transmitter data in the file
    assert json.loads(second.stdout)["scores"] == result["scores"]


def test_spiking_reports_score_and_synaptic_events(run_cli, tmp_path):
    out = tmp_path / "r.json"
    res = run_cli("reservoir", _graph_file(tmp_path), "--neuron", "lif", "--task",
                  "digits,narma10", "--input-nodes", "all", "--readout-nodes", "all",
                  "--synaptic-delay", "2", "--out", out, *FAST)
    assert res.exit_code == 0, res.output
    assert "digits: test accuracy" in res.stdout and "synaptic events/sample" in res.stdout
    saved = json.loads(out.read_text())
    assert saved["synaptic_events_per_sample"]["digits"] > 0
    assert saved["config"]["lif"]["max_delay"] == 2


def test_bad_options_one_line_exit_2(run_cli, tmp_path):
    graph = _graph_file(tmp_path)
    for args, text in ((["--spectral-radius", "-0.5"], "spectral-radius"),
                       (["--leak", "0"], "leak"), (["--leak", "1.5"], "leak"),
                       (["--task", "sudoku"], "unknown task")):
        res = run_cli("reservoir", graph, *args)
        assert res.exit_code == 2, (args, res.output)
        assert text in res.stderr and len(res.stderr.strip().splitlines()) == 1
        assert "Traceback" not in res.output
    res = run_cli("reservoir", _graph_file(tmp_path, edges=0))
    assert res.exit_code == 2 and "no edges" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_reservoir_path_never_imports_torch(tmp_path):
    graph = _graph_file(tmp_path)
    code = (
        "import sys\n"
        "import topocli.reservoir\n"
        "assert 'torch' not in sys.modules, 'import topocli.reservoir pulled in torch'\n"
        "from topocli.cli import cli\n"
        f"cli.main(args=['reservoir', {str(graph)!r}, '--steps', '500', '--washout', '50'],\n"
        "         standalone_mode=False)\n"
        "assert 'torch' not in sys.modules, 'topocli reservoir pulled in torch'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert "memory-capacity" in done.stdout


def test_help_lists_the_options(run_cli):
    from topocli.cli.reservoir import NEURON_NAMES, SIGN_RULE_NAMES, TASK_NAMES
    from topocli.reservoir import NEURONS, TASKS
    from topocli.reservoir.network import SIGN_RULES

    assert (TASK_NAMES, NEURON_NAMES, SIGN_RULE_NAMES) == (TASKS, NEURONS, SIGN_RULES)
    res = run_cli("reservoir", "--help")
    for option in ("--task", "--neuron", "--spectral-radius", "--leak", "--signs",
                   "--input-nodes", "--readout-nodes", "--synaptic-delay"):
        assert option in res.stdout
