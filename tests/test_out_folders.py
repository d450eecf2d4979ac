"""``--out`` folders: identities, locks, ownership (issue 28's hostile-input recipes).

Each test is a recipe from the issue, driven as a user (or someone handing over a crafted
folder) would; every refusal is one line and exit 2.
"""

from __future__ import annotations

import json

import igraph as ig
import pytest

from topocli.graphs import write_graphml

TRAIN = ["--dataset", "digits", "--epochs", "1", "--max-train", "200", "--channels", "4",
         "--threads", "1"]


def _ring(tmp_path, name="ok.graphml", swaps=0, extra=0):
    """``ok.graphml`` of the issue: a directed 12-ring with chords i -> i+3; ``swaps``
    rewires some chords keeping every layer shape; ``extra`` adds nodes."""
    n = 12 + extra
    edges = [(i, (i + 1) % n) for i in range(n)] + [(i, (i + 3) % n) for i in range(n)]
    for s in range(swaps):   # i -> i+3 becomes i -> i+4: same n, m and degrees
        edges[n + s] = (s, (s + 4) % n)
    g = ig.Graph(n=n, edges=edges, directed=True)
    g.vs["name"] = [f"v{i}" for i in range(n)]
    path = tmp_path / name
    write_graphml(g, path)
    return path


def one_line_error(res, *words):
    assert res.exit_code == 2, res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("topocli: error:"), res.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


# ----------------------------------------------------------------- item 1: train identity
def test_train_folder_refuses_another_graphs_run(run_cli, tmp_path):
    out = tmp_path / "tw"
    first = run_cli("train", _ring(tmp_path), *TRAIN, "--out", out)
    assert first.exit_code == 0, first.output
    before = (out / "result.json").read_text()
    same_shape = run_cli("train", _ring(tmp_path, "rewired.graphml", swaps=3), *TRAIN,
                         "--out", out)
    one_line_error(same_shape, "another graph", "new --out")
    other_shape = run_cli("train", _ring(tmp_path, "bigger.graphml", extra=5), *TRAIN,
                          "--out", out)
    one_line_error(other_shape, "another graph")
    assert (out / "result.json").read_text() == before          # the first result is kept
    again = run_cli("train", _ring(tmp_path), *TRAIN, "--out", out)  # the same run resumes
    assert again.exit_code == 0, again.output
    assert json.loads((out / "config.json").read_text())["graph"]["n"] == 12


def test_train_folder_from_before_graph_identity_records_it(run_cli, tmp_path):
    out = tmp_path / "old"
    assert run_cli("train", _ring(tmp_path), *TRAIN, "--out", out).exit_code == 0
    config = json.loads((out / "config.json").read_text())
    del config["graph"]
    (out / "config.json").write_text(json.dumps(config))
    res = run_cli("train", _ring(tmp_path), *TRAIN, "--out", out)
    assert res.exit_code == 0, res.output
    assert json.loads((out / "config.json").read_text())["graph"]["m"] == 24


def test_checkpoint_of_another_network_is_one_line(run_cli, tmp_path):
    out = tmp_path / "old"
    assert run_cli("train", _ring(tmp_path), *TRAIN, "--out", out).exit_code == 0
    config = json.loads((out / "config.json").read_text())
    del config["graph"]         # an old folder: nothing says which graph it trained
    (out / "config.json").write_text(json.dumps(config))
    res = run_cli("train", _ring(tmp_path, "b.graphml", extra=5), *TRAIN, "--out", out)
    assert res.exit_code == 2 and "Traceback" not in res.stderr
    errors = [line for line in res.stderr.splitlines() if "error" in line]
    assert len(errors) == 1 and "checkpoint.pt does not fit" in errors[0]
    assert "graph" not in json.loads((out / "config.json").read_text())  # not recorded
