"""The variance model of a sweep, checked by simulation and through the report.

Simulated sweeps (:mod:`topocli.reports.sweep_simulation`) plant graph, family and seed
effects and residual noise; the 95 % intervals must cover the planted real-minus-family
difference in 93-97 % of them at 3 graphs x 3 seeds and at 20 graphs x 5 seeds, and the
tests must hold their 5 % level when nothing is planted. A Monte Carlo rate is itself an
estimate: the level is checked to within three of its standard errors of 5 %.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from topocli.reports import inference as inf
from topocli.reports.sweep_simulation import Planted, coverage, simulate_design
from topocli.reports.sweep_stats import design_from_matrix

SIMS = 2000
LEVEL_TOLERANCE = 0.05 + 3 * math.sqrt(0.05 * 0.95 / SIMS)


@pytest.mark.parametrize("graphs, seeds", [(3, 3), (20, 5)])
def test_intervals_cover_the_planted_difference_and_tests_hold_their_level(graphs, seeds):
    # seed noise larger than the graph spread, as in the MNIST study (sd 2.9 points)
    planted = Planted(graphs=graphs, seeds=seeds, families=2, tau=0.01, sigma=0.025,
                      seed_sd=0.03, delta=0.02, family_gap=-0.015)
    result = coverage(planted, sims=SIMS, seed=7)
    assert 0.93 <= result["real_coverage"] <= 0.97
    assert 0.93 <= result["family_coverage"] <= 0.97
    assert result["real_rejection"] <= LEVEL_TOLERANCE
    assert result["family_rejection"] <= LEVEL_TOLERANCE


def test_the_real_graphs_own_noise_is_in_the_interval():
    """Holding the real graph's runs fixed (the old bootstrap) misses sigma^2 / K."""
    rng = np.random.default_rng(0)
    design = simulate_design(Planted(graphs=3, seeds=3, families=1, tau=0.0, sigma=0.03),
                             rng)
    var = inf.variance_components(design)
    c = inf.compare_real(design, "null0", variance=var)
    assert c.se ** 2 == pytest.approx(var.residual / 3 + var.within / 3)
    assert var.residual_dof == (4 - 1) * (3 - 1) and var.within_dof == 2
    # a design whose residual is 0 has only the family's spread left
    values = np.array([[0.5, 0.6, 0.7], [0.4, 0.5, 0.6], [0.45, 0.55, 0.65],
                       [0.43, 0.53, 0.63]])
    exact = design_from_matrix(values, ["real", "f", "f", "f"])
    c0 = inf.compare_real(exact, "f")
    assert c0.difference == pytest.approx(0.6 - (0.5 + 0.55 + 0.53) / 3)
    assert c0.dof == pytest.approx(2)


def test_graph_effect_is_the_two_way_anova_f_test():
    rng = np.random.default_rng(3)
    values = rng.normal(size=(6, 4)) + rng.normal(size=(6, 1)) * 0.5 + rng.normal(size=4)
    design = design_from_matrix(values, ["f"] * 6)
    grand = values.mean()
    ss_graph = 4 * ((values.mean(1) - grand) ** 2).sum()
    resid = values - values.mean(1, keepdims=True) - values.mean(0, keepdims=True) + grand
    ms_res = (resid ** 2).sum() / (5 * 3)
    effect = inf.graph_effect(design)
    assert effect.f == pytest.approx(ss_graph / 5 / ms_res)
    assert effect.p == pytest.approx(sps.f.sf(effect.f, 5, 15))
    assert effect.reliability == pytest.approx(max(0.0, 1 - 1 / effect.f))


def test_equivalence_bound_is_where_both_one_sided_tests_reject():
    c = inf.Comparison.from_estimate(0.004, 0.01, 12)
    bound = c.equivalence_bound
    p_upper = sps.t.cdf((c.difference - bound) / c.se, 12)   # H0: diff >= +bound
    p_lower = sps.t.sf((c.difference + bound) / c.se, 12)    # H0: diff <= -bound
    assert max(p_upper, p_lower) == pytest.approx(0.05)      # the binding test, at 5 %
    assert c.ci_low < 0 < c.ci_high and c.p > 0.05


def test_secondary_comparisons_are_corrected_and_no_z_from_few_graphs():
    rng = np.random.default_rng(1)
    design = simulate_design(Planted(graphs=3, seeds=3, families=4), rng)
    vs = inf.real_vs_families(design, primary="null0", draws=200, seed=0)
    primary = vs[vs["role"] == "primary"].iloc[0]
    secondary = vs[vs["role"] == "secondary"]
    assert primary["family"] == "null0" and math.isnan(primary["p_holm"])
    assert (secondary["p_holm"] >= secondary["p"]).all()
    assert ((secondary["ci_high_adj"] - secondary["ci_low_adj"])
            > (secondary["ci_high"] - secondary["ci_low"])).all()
    assert vs["z"].isna().all()  # 3 graphs per family: no z-score
    big = simulate_design(Planted(graphs=6, seeds=3, families=1), rng)
    assert np.isfinite(inf.real_vs_families(big, draws=50)["z"]).all()


def test_rank_interval_is_wide_when_graphs_differ_by_noise_only():
    rng = np.random.default_rng(2)
    design = simulate_design(Planted(graphs=30, seeds=3, families=1, tau=0.0,
                                     sigma=0.03), rng)
    rank, lo, hi = inf.rank_interval(design, 0, np.arange(31), draws=500, seed=0)
    assert lo <= rank <= hi and hi - lo > 10
    clear = simulate_design(Planted(graphs=30, seeds=3, families=1, tau=0.0, sigma=0.001,
                                    delta=0.05), rng)
    assert inf.rank_interval(clear, 0, np.arange(31), draws=500, seed=0) == (1, 1, 1)
    lower = inf.rank_interval(clear, 0, np.arange(31), higher_is_better=False, draws=100)
    assert lower[0] == 31


# ----------------------------------------------------------------------- the report
@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    from test_reports_data import make_sweep_folder

    folder = make_sweep_folder(tmp_path_factory.mktemp("inference") / "sweep", count=5,
                               seeds=3, failed_run=False, graph_files=False, curves=False)
    runs = pd.read_csv(folder / "runs.csv")
    runs["score_err"] = 1 - runs["test_acc"]
    runs.to_csv(folder / "runs.csv", index=False)
    return folder


def _summary(folder, out, **kwargs):
    from topocli.reports import build_report

    page = build_report(folder, out, resamples=200, **kwargs).read_text()
    return json.loads((out / "summary.json").read_text()), page


def test_summary_leads_with_the_primary_comparison(sweep, tmp_path):
    summary, page = _summary(sweep, tmp_path / "acc")
    assert summary["metric"] == "test_acc" and summary["higher_is_better"] is True
    primary = summary["primary"]
    assert primary["family"] == "degree" and primary["declared"] is False
    assert primary["ci_low"] < primary["difference"] < primary["ci_high"]
    assert summary["graph_effect"]["F"] > 0 and summary["n_seeds"] == 3
    assert summary["rank_ci_low"] <= summary["real_rank"] <= summary["rank_ci_high"]
    assert summary["budget"]["model"] == "randwire"
    headline = page[page.index('class="summary"'):][:3000]
    assert "Primary comparison" in headline and "predates --primary" in headline


def test_a_lower_is_better_metric_ranks_the_same_graph_the_same(sweep, tmp_path):
    acc, _ = _summary(sweep, tmp_path / "acc")
    err, page = _summary(sweep, tmp_path / "err", metric="score_err")
    assert err["higher_is_better"] is False
    assert err["real_rank"] == acc["real_rank"]
    assert err["primary"]["difference"] == pytest.approx(-acc["primary"]["difference"])
    assert "ceiling" not in page.lower() and "near chance" not in page
    table = pd.read_csv(tmp_path / "err" / "family_accuracy.csv")
    assert table["family"].tolist()[1] == pd.read_csv(
        tmp_path / "acc" / "family_accuracy.csv")["family"].tolist()[1]  # best family first
    forced, _ = _summary(sweep, tmp_path / "forced", metric="score_err",
                         higher_is_better=True)
    assert forced["higher_is_better"] is True and forced["real_rank"] != err["real_rank"]


def test_unknown_metric_and_run_columns_are_refused_in_one_line(sweep, run_cli, tmp_path):
    for metric, words in (("nope", "is not a column"), ("seed", "describes a run")):
        result = run_cli("report", str(sweep), "--out", str(tmp_path / metric),
                         "--metric", metric)
        assert result.exit_code == 2, result.output
        assert words in result.output and "test_acc" in result.output
        assert "Traceback" not in result.output and not (tmp_path / metric).exists()


def test_a_declared_primary_is_read_and_cannot_change_on_resume(tmp_path):
    from topocli.errors import TopocliError
    from topocli.sweep.folder import open_folder

    identity = {"families": ["real", "degree", "er"]}
    folder = tmp_path / "s"
    folder.mkdir()
    open_folder(folder, identity, command=None, design={"primary": "er"})
    config = json.loads((folder / "config.json").read_text())
    assert config["design"] == {"primary": "er"} and "design" not in config["identity"]
    open_folder(folder, identity, command=None, existing=config, design={"primary": "er"})
    with pytest.raises(TopocliError, match="cannot change its primary"):
        open_folder(folder, identity, command=None, existing=config,
                    design={"primary": "degree"})


def test_the_page_says_how_many_runs_stopped_early_and_how_many_hit_the_cap(sweep, tmp_path):
    import shutil

    folder = tmp_path / "es"
    shutil.copytree(sweep, folder)
    runs = pd.read_csv(folder / "runs.csv")
    runs["epochs_run"] = [3 + (i % 4) for i in range(len(runs))]
    runs["stopped_early"] = runs["epochs_run"] < 6
    runs.to_csv(folder / "runs.csv", index=False)
    summary, page = _summary(folder, tmp_path / "es-report")
    stopped = int((runs["epochs_run"] < 6).sum())
    assert summary["early_stopping"] == {
        "runs": len(runs), "stopped_early": stopped, "hit_cap": len(runs) - stopped,
        "epochs_median": float(runs["epochs_run"].median()), "epochs_min": 3,
        "epochs_max": 6}
    assert f"{stopped} of {len(runs)} runs stopped at their plateau" in page


def test_a_generator_parameter_named_like_a_statistic_stays_out_of_the_topology_table():
    from topocli.reports import stats as st
    from topocli.reports.sweep_tables import generator_parameters

    graphs = pd.DataFrame({
        "graph_id": ["a", "b", "c"], "family": ["landscape"] * 3,
        "params": [json.dumps({"p": 0.1, "transitivity": t}) for t in (0.05, 0.2, 0.4)],
        "p": [0.1, 0.1, 0.1], "param_transitivity": [0.05, 0.2, 0.4],
        "transitivity": [0.051, 0.198, 0.402], "max_degree": [20, 21, 22]})
    params = generator_parameters(graphs)
    assert params == ["p", "param_transitivity"]
    assert "transitivity" in st.statistic_columns(graphs, exclude=params)
    assert "param_transitivity" not in st.statistic_columns(graphs, exclude=params)
