"""Seeded commands write the same tables across refactors (issue 27).

Digests of a seeded ``rewire`` (every null graph's node count and sorted edge list, and
the manifest), of ``analyze --json`` (everything but the version) and of the
deterministic columns of a tiny ``train-sweep``'s ``runs.csv``, taken on 2026-12-06
before the redesign of issue 27. A change that moves any of them changes a result.
"""

from __future__ import annotations

import hashlib
import json

import pandas as pd
import pytest

from topocli.graphs import load_graph

REWIRE_DIGEST = "152f5f9fd5a1673b"
ANALYZE_DIGEST = "e4f4f206a0238975"
SWEEP_DIGEST = "e29843d15aa6ba8d"
#: runs.csv columns that a seeded sweep decides (not timings, workers or versions).
SWEEP_COLUMNS = ["run_id", "graph_id", "family", "seed", "seed_index", "status",
                 "test_acc", "val_acc", "test_loss", "val_loss", "params", "macs",
                 "epochs_run", "dag_n_nodes", "dag_depth", "dag_max_width",
                 "dag_edges_kept"]


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def rewire_digest(folder) -> str:
    parts = []
    for path in sorted(folder.glob("*.graphml.gz")):
        g = load_graph(str(path))
        parts.append(f"{path.name} {g.vcount()} {sorted(g.get_edgelist())}")
    manifest = pd.read_csv(folder / "manifest.csv").drop(columns=["params"])
    parts.append(manifest.to_csv(index=False))
    return _digest("\n".join(parts))


def analyze_digest(text: str) -> str:
    data = json.loads(text)
    data.pop("topocli_version", None)
    return _digest(json.dumps(data, sort_keys=True))


def sweep_digest(runs: pd.DataFrame) -> str:
    return _digest(runs[SWEEP_COLUMNS].to_csv(index=False, float_format="%.10g"))


def test_seeded_rewire_is_pinned(run_cli, tmp_path):
    result = run_cli("rewire", "celegans-white1986", "--model", "ws,er,degree", "--count",
                     "2", "--seed", "0", "--out", str(tmp_path / "rw"))
    assert result.exit_code == 0, result.output
    assert rewire_digest(tmp_path / "rw") == REWIRE_DIGEST


def test_seeded_analyze_json_is_pinned(run_cli):
    result = run_cli("analyze", "celegans-white1986", "--nulls", "3", "--seed", "0",
                     "--no-motifs", "--json")
    assert result.exit_code == 0, result.output
    assert analyze_digest(result.stdout) == ANALYZE_DIGEST


@pytest.mark.slow
def test_seeded_sweep_runs_are_pinned(run_cli, tmp_path):
    out = tmp_path / "sw"
    result = run_cli("train-sweep", "celegans-white1986", "--families", "real,er,degree",
                     "--count", "1", "--seeds", "2", "--epochs", "1", "--max-train", "96",
                     "--channels", "4", "--threads", "1", "--jobs", "1", "--out", str(out))
    assert result.exit_code == 0, result.output
    runs = pd.read_csv(out / "runs.csv").sort_values("run_id").reset_index(drop=True)
    assert sweep_digest(runs) == SWEEP_DIGEST
