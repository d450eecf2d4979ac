"""Tiny synthetic analyze and sweep folders in the team's contract formats (no tests here).

Imported by tests/test_reports.py and tests/test_report_browser.py. The numbers are made
up (seeded) except the graph itself and its class-to-class edge counts; the sweep's
accuracy is built to rise with clustering so the report has a clear answer to show.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from topocli.graphs import load_graph, write_graphml

GRAPH = "celegans-varshney2011"


def _graph_stats(g) -> dict[str, float]:
    n, m = g.vcount(), g.ecount()
    local = np.nan_to_num(np.asarray(g.transitivity_local_undirected(mode="zero"), float))
    return {"n": n, "m": m, "density": g.density(), "mean_degree": 2 * m / n,
            "reciprocity": g.reciprocity(), "transitivity": g.transitivity_undirected(),
            "clustering_avg_zero": float(local.mean()),
            "degree_assortativity": g.assortativity_degree(directed=g.is_directed())}


def make_analyze_folder(path: Path, *, n_nulls: int = 40, seed: int = 0,
                        motifs: bool = True, class_matrix: bool = True) -> Path:
    rng = np.random.default_rng(seed)
    path = Path(path)
    (path / "graphs").mkdir(parents=True)
    g = load_graph(GRAPH)
    write_graphml(g, path / "graphs" / f"{GRAPH}.graphml.gz")
    real = _graph_stats(g)
    null_rows, metric_rows = [], []
    spread = {k: (0.0 if k in ("n", "m", "density", "mean_degree") else 0.08 * abs(v) + 1e-3)
              for k, v in real.items()}
    shift = {k: (0.0 if spread[k] == 0 else rng.choice([-1, 1]) * rng.uniform(0, 5) * spread[k])
             for k in real}
    for i in range(n_nulls):
        row = {"graph": GRAPH, "null_index": i, "seed": 1000 + i}
        for k, v in real.items():
            row[k] = v - shift[k] + rng.normal(0, spread[k]) if spread[k] else v
        null_rows.append(row)
    nulls = pd.DataFrame(null_rows)
    for k, v in real.items():
        mean, sd = float(nulls[k].mean()), float(nulls[k].std(ddof=1))
        z = (v - mean) / sd if sd > 0 else np.nan
        p = (1 + np.sum(np.abs(nulls[k] - mean) >= abs(v - mean))) / (1 + n_nulls) \
            if sd > 0 else np.nan
        metric_rows.append({"graph": GRAPH, "statistic": k, "value": v, "null_mean": mean,
                            "null_sd": sd, "z": z, "p": p,
                            "note": "fixed by the null model" if sd == 0 else ""})
    metrics = pd.DataFrame(metric_rows)
    metrics.to_csv(path / "metrics.csv", index=False)
    records = json.loads(metrics.to_json(orient="records"))
    (path / "metrics.json").write_text(json.dumps(
        {"topocli_version": "0.1.0", "graphs": [{"graph": GRAPH, "metrics": records}]}))
    nulls.to_csv(path / "nulls.csv", index=False)
    if motifs:
        rows = []
        for size, k in ((3, 16), (4, 12)):
            z = rng.normal(0, 3, k)
            sp = z / np.linalg.norm(z)
            for i in range(k):
                count = int(rng.integers(10, 5000))
                rows.append({"graph": GRAPH, "size": size, "motif": i, "count": count,
                             "null_mean": count - z[i] * 10, "null_sd": 10.0, "z": z[i],
                             "sp": sp[i]})
        pd.DataFrame(rows).to_csv(path / "motifs.csv", index=False)
    if class_matrix:
        classes = np.asarray(g.vs["cell_class"])
        edges = np.asarray(g.get_edgelist())
        counts = pd.crosstab(classes[edges[:, 0]], classes[edges[:, 1]])
        rows = [{"graph": GRAPH, "source_class": s, "target_class": t,
                 "edges": int(counts.loc[s, t]), "null_mean": counts.loc[s, t] * 0.9,
                 "null_sd": 12.0, "z": counts.loc[s, t] * 0.1 / 12.0}
                for s in counts.index for t in counts.columns]
        pd.DataFrame(rows).to_csv(path / "class_matrix.csv", index=False)
    config = {"command": f"topocli analyze {GRAPH} --nulls {n_nulls} --out {path.name}",
              "options": {"nulls": n_nulls, "null_model": "degree"},
              "view": json.loads(g["view"]), "seed": seed,
              "versions": {"topocli": "0.1.0"}}
    (path / "config.json").write_text(json.dumps(config, indent=2))
    (path / "kind.txt").write_text("analyze\n")
    return path


def make_sweep_folder(path: Path, *, count: int = 4, seeds: int = 2, seed: int = 0,
                      curves: bool = True, failed_run: bool = True,
                      graph_files: bool = True) -> Path:
    rng = np.random.default_rng(seed)
    path = Path(path)
    (path / "graphs").mkdir(parents=True)
    g = load_graph(GRAPH)
    if graph_files:
        write_graphml(g, path / "graphs" / "real.graphml.gz")
    real = _graph_stats(g)
    graph_rows = [{"graph_id": "real", "family": "real", "index": 0, "seed": seed,
                   "params": "{}", "file": "graphs/real.graphml.gz", **real}]
    for fam, scale in (("ws", 0.9), ("er", 0.3), ("degree", 0.6)):
        for i in range(count):
            stats = dict(real)
            stats["m"] = int(real["m"] + rng.integers(-40, 40))
            stats["clustering_avg_zero"] = real["clustering_avg_zero"] * scale \
                * rng.uniform(0.8, 1.2)
            stats["transitivity"] = stats["clustering_avg_zero"] * 0.8
            stats["reciprocity"] = rng.uniform(0, 0.2)
            stats["degree_assortativity"] = rng.normal(-0.1, 0.05)
            stats["density"] = stats["m"] / (real["n"] * (real["n"] - 1))
            stats["mean_degree"] = 2 * stats["m"] / real["n"]
            graph_rows.append({"graph_id": f"{fam}-{i}", "family": fam, "index": i,
                               "seed": int(rng.integers(0, 2**31)),
                               "params": json.dumps({"p": 0.1}),
                               "file": f"graphs/{fam}-{i}.graphml.gz", **stats})
    graphs = pd.DataFrame(graph_rows)
    graphs.to_csv(path / "graphs.csv", index=False)
    run_rows, curve_rows = [], []
    run_id = 0
    for _, gr in graphs.iterrows():
        base = 0.55 + 0.8 * gr["clustering_avg_zero"] + (0.03 if gr["family"] == "real" else 0)
        for s in range(seeds):
            acc = float(np.clip(base + rng.normal(0, 0.01), 0, 1))
            fail = failed_run and run_id == 5
            run_rows.append({
                "run_id": run_id, "graph_id": gr["graph_id"], "family": gr["family"],
                "seed": s, "status": "failed" if fail else "ok",
                "error": "RuntimeError: out of memory <in> & \"quotes\"" if fail else "",
                "test_acc": np.nan if fail else acc, "val_acc": np.nan if fail else acc + 0.01,
                "test_loss": np.nan if fail else 1 - acc, "val_loss": np.nan if fail else 1 - acc,
                "params": 20000 + 3 * gr["m"], "macs": 400000 + 50 * gr["m"],
                "wall_time_s": 1.0, "images_per_s": 900.0, "attempts": 2 if fail else 1,
                "config": json.dumps({"epochs": 3, "seed": s})})
            if not fail:
                for epoch in range(1, 4):
                    curve_rows.append({
                        "run_id": run_id, "graph_id": gr["graph_id"], "family": gr["family"],
                        "seed": s, "epoch": epoch, "train_loss": 2.0 / epoch,
                        "train_acc": acc * epoch / 3, "val_loss": 2.1 / epoch,
                        "val_acc": acc * (0.6 + 0.4 * epoch / 3), "lr": 0.1 / epoch})
            run_id += 1
    pd.DataFrame(run_rows).to_csv(path / "runs.csv", index=False)
    if curves:
        pd.DataFrame(curve_rows).to_csv(path / "curves.csv", index=False)
    config = {"command": "topocli train-sweep celegans-varshney2011 --families real,ws,er,degree",
              "options": {"families": ["real", "ws", "er", "degree"], "count": count,
                          "seeds": seeds, "note": "<script>alert('x')</script>"},
              "seed": seed, "versions": {"topocli": "0.1.0"}}
    (path / "config.json").write_text(json.dumps(config, indent=2))
    (path / "kind.txt").write_text("sweep\n")
    return path
