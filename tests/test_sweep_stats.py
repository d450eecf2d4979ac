"""Sweep statistics paired by seed: a planted seed effect must cancel, not drown the signal.

Every graph of a sweep is trained with the same seeds. The synthetic runs here plant a
large seed effect (one seed trains 10 points better than another, for every graph) on
top of a small, consistent advantage of the real graph and of one family. Pooling runs
as if independent (the old run-level Cohen's d / t intervals) sees nothing; treating
seed as a block finds both, with intervals that exclude zero.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from topocli.reports import inference as inf
from topocli.reports import sweep_stats as ss

SEED_EFFECT = np.array([0.05, -0.05, 0.03, -0.03, 0.0])


def planted_runs(*, real_gain=0.004, family_gain=0.003, graphs=8, graph_sd=0.0007,
                 noise_sd=0.0003, seed=1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    layout = [("real", "real", 1, 0.90 + real_gain)]
    layout += [(f"a-{i:03d}", "a", 1, 0.90 + family_gain) for i in range(graphs)]
    layout += [(f"b-{i:03d}", "b", 1, 0.90) for i in range(graphs)]
    for graph_id, family, _, base in layout:
        effect = 0.0 if family == "real" else rng.normal(0, graph_sd)
        for s, seed_effect in enumerate(SEED_EFFECT):
            rows.append({"run_id": f"{graph_id}-s{s}", "graph_id": graph_id,
                         "family": family, "seed_index": s, "status": "ok",
                         "test_acc": base + effect + seed_effect + rng.normal(0, noise_sd)})
    return pd.DataFrame(rows)


def test_seed_effects_are_recovered_and_removed_from_graph_means():
    design = ss.seed_design(planted_runs())
    assert np.allclose(design.seed_effect, SEED_EFFECT - SEED_EFFECT.mean(), atol=0.001)
    assert design.noise_sd < 0.001  # the seed effect is not counted as noise
    table = ss.graph_accuracy(design)
    assert table.loc[table.graph_id == "real", "acc"].item() == pytest.approx(0.904, abs=0.001)


def test_real_graph_beats_its_nulls_when_paired_by_seed_though_pooled_runs_do_not():
    runs = planted_runs()
    vs = inf.real_vs_families(ss.seed_design(runs), primary="b", draws=500, seed=0)
    row = vs.set_index("family").loc["b"]
    assert row["role"] == "primary" and row["rank"] == 1 and row["of"] == 9
    assert row["ci_low"] > 0 and row["p"] < 0.01  # seed effects cancel in the difference
    assert vs.set_index("family").loc["a", "role"] == "secondary"
    # the unpaired view of the same runs: a run-level Welch test sees no difference
    real = runs.loc[runs.family == "real", "test_acc"]
    nulls = runs.loc[runs.family == "b", "test_acc"]
    assert sps.ttest_ind(real, nulls, equal_var=False).pvalue > 0.5


def test_family_difference_found_with_seed_blocks():
    runs = planted_runs()
    comp = inf.family_comparisons(ss.seed_design(runs))
    row = comp.set_index(["family_a", "family_b"]).loc[("a", "b")]
    assert row["diff"] == pytest.approx(0.003, abs=0.001)
    assert row["ci_low"] > 0 and row["p"] < 0.01 and row["dof"] == 14  # 2 x (8 - 1)
    a = runs.loc[runs.family == "a", "test_acc"]
    b = runs.loc[runs.family == "b", "test_acc"]
    assert sps.ttest_ind(a, b, equal_var=False).pvalue > 0.5  # pooled runs: nothing


def test_no_difference_gives_no_finding():
    runs = planted_runs(real_gain=0.0, family_gain=0.0, seed=3)
    comp = inf.family_comparisons(ss.seed_design(runs))
    assert comp["p"].iloc[0] > 0.05 and comp["ci_low"].iloc[0] < 0 < comp["ci_high"].iloc[0]


def test_family_table_intervals_come_from_graphs_not_runs():
    design = ss.seed_design(planted_runs())
    fam = inf.family_table(design).set_index("family")
    assert list(fam.index) == ["real", "a", "b"]
    assert fam.loc["a", "n_graphs"] == 8 and fam.loc["a", "n_runs"] == 40
    # the interval reflects the spread of graph means (~0.0007), not the 5-point seed effect
    assert fam.loc["a", "ci_high"] - fam.loc["a", "ci_low"] < 0.002
    lower = inf.family_table(design, higher_is_better=False).set_index("family")
    assert list(lower.index) == ["real", "b", "a"]  # best first in the metric's direction


def test_power_summary_names_noise_spread_and_ceiling():
    from topocli.reports.scores import score_for
    from topocli.reports.sweep_tables import sweep_tables

    power = sweep_tables(None, planted_runs(), primary="b", resamples=100).power
    assert power.seeds == 5 and power.graphs == 17
    assert power.noise_sd == pytest.approx(0.0003, rel=0.3)
    assert power.graph_sd == pytest.approx(0.0007, rel=0.5)
    assert power.f_p < 0.001 and power.reliability > 0.9  # graphs differ
    assert 0 < power.mdd_primary < 0.002
    assert not power.at_ceiling
    high = planted_runs()
    high["test_acc"] += 0.08
    assert sweep_tables(None, high, resamples=100).power.at_ceiling
    low = planted_runs()
    low["test_acc"] -= 0.78  # about chance for 10 classes
    assert sweep_tables(None, low, resamples=100).power.at_floor
    # an unbounded or lower-is-better metric has no ceiling or floor to warn about
    low["score_memory-capacity"] = low["test_acc"]
    mc = sweep_tables(None, low, metric=score_for("score_memory-capacity"), resamples=100)
    assert mc.power.share_at_ceiling is None
    assert not mc.power.at_floor and not mc.power.at_ceiling


def test_missing_runs_are_handled_by_the_additive_fit():
    runs = planted_runs().drop(index=[3, 12, 20])
    design = ss.seed_design(runs)
    assert np.isfinite(design.graph_mean).all()
    table = ss.graph_accuracy(design).set_index("graph_id")
    assert table.loc["real", "acc"] == pytest.approx(0.904, abs=0.001)


def test_sweet_spot_finds_a_planted_peak_and_standardised_regression_its_terms():
    rng = np.random.default_rng(0)  # a peak at C = 0.3, L = 2.5 inside the sampled box
    c = rng.uniform(0, 0.6, 60)
    length = rng.uniform(1.8, 4.0, 60)
    acc = 0.9 - 0.4 * (c - 0.3) ** 2 - 0.02 * (length - 2.5) ** 2 + rng.normal(0, 0.004, 60)
    table = pd.DataFrame({"C": c, "L": length, "acc": acc, "noise": rng.normal(size=60)})
    spot = ss.sweet_spot(table, "C", "L", n_boot=200, seed=0)
    assert spot["interior"] and spot["share_on_edge"] < 0.05
    assert spot["x_low"] < spot["x"] < spot["x_high"] and abs(spot["x"] - 0.3) < 0.03
    assert spot["y_low"] <= 2.5 <= spot["y_high"] and spot["x_high"] - spot["x_low"] < 0.1
    linear = pd.DataFrame({"s1": c, "s2": length, "noise": rng.normal(size=60)})
    linear["acc"] = 2 * linear["s1"] + rng.normal(0, 0.05, 60)
    coef, info = ss.standardized_regression(linear, ["s1", "noise", "s2"], n_boot=300,
                                            seed=0)
    beta = coef.set_index("term")
    assert beta.loc["s1", "ci_low"] > 0.9 and beta.loc["noise", "ci_low"] < 0 < \
        beta.loc["noise", "ci_high"]
    assert info["r2"] > 0.9


def test_the_report_pairs_by_seed_end_to_end(tmp_path):
    """The planted design through ``topocli report``: the page's tables find the real
    graph's small, consistent advantage under a seed effect 25 times larger."""
    from test_reports_data import make_sweep_folder

    from topocli.reports import build_report

    folder = make_sweep_folder(tmp_path / "sweep", count=6, seeds=4, failed_run=False,
                               graph_files=False, curves=False)
    runs = pd.read_csv(folder / "runs.csv")
    rng = np.random.default_rng(0)
    graph_effect = {g: (0.004 if g == "real" else rng.normal(0, 0.0007))
                    for g in runs["graph_id"].unique()}
    runs["test_acc"] = [0.9 + graph_effect[g] + SEED_EFFECT[s] + rng.normal(0, 0.0003)
                        for g, s in zip(runs["graph_id"], runs["seed"])]
    runs.to_csv(folder / "runs.csv", index=False)
    page = build_report(folder, resamples=400).read_text()
    vs = pd.read_csv(folder / "report" / "real_vs_families.csv").set_index("family")
    assert (vs["rank"] == 1).all() and (vs["ci_low"] > 0).all()
    assert (vs.loc[vs["role"] == "secondary", "p_holm"] >= vs.loc[
        vs["role"] == "secondary", "p"]).all()
    power = pd.read_csv(folder / "report" / "power.csv").iloc[0]
    assert power["noise_sd"] < 0.001  # the seed effect is not mistaken for noise (power.csv)
    assert "seed is a block" in page and "What this sweep can and cannot tell" in page


def test_figures_tables_and_the_design_count_the_same_completed_runs(tmp_path):
    """One selection (status ok, a finite score) for every part of the sweep page."""
    from topocli.reports.scores import completed_runs
    from topocli.reports.sweep_figures import accuracy_by_family
    from topocli.reports.sweep_tables import per_graph_costs

    runs = pd.DataFrame({
        "run_id": ["real-s0", "real-s1", "a-000-s0", "a-000-s1", "b-000-s0", "b-000-s1"],
        "graph_id": ["real", "real", "a-000", "a-000", "b-000", "b-000"],
        "family": ["real", "real", "a", "a", "b", "b"],
        "seed_index": [0, 1, 0, 1, 0, 1],
        "status": ["ok", "ok", "ok", "failed", "ok", "ok"],
        "test_acc": [0.9, "0.8", 0.7, 0.6, "n/a", np.inf],
        "params": [10, 20, 30, 40, 50, 60]})
    ok = completed_runs(runs, "test_acc")
    assert list(ok["run_id"]) == ["real-s0", "real-s1", "a-000-s0"]
    assert ok["test_acc"].dtype == float and list(ok["test_acc"]) == [0.9, 0.8, 0.7]
    assert list(completed_runs(runs.drop(columns="status"), "params")["run_id"]) == \
        list(runs["run_id"])                      # no status column: every scored run

    design = ss.seed_design(runs)
    assert design.graph_ids == ("real", "a-000")
    assert int(np.isfinite(design.values).sum()) == len(ok)
    costs = per_graph_costs(runs)
    assert list(costs["graph_id"]) == ["real", "a-000"] and list(costs["n_params"]) == [15, 30]
    assert accuracy_by_family(runs, tmp_path / "box.png") is not None
    assert accuracy_by_family(runs[runs["graph_id"] == "b-000"], tmp_path / "none.png") is None
