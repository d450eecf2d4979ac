"""Report statistics (checked against scipy and hand computations), pages and the CLI."""

from __future__ import annotations

import json
import math
import os
import re

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps
from test_reports_data import make_analyze_folder, make_sweep_folder

from topocli.errors import TopocliError
from topocli.reports import build_report, stats
from topocli.reports import sweep_correlations as sc
from topocli.reports import sweep_stats as ss

os.environ.setdefault("OMP_NUM_THREADS", "1")


# --------------------------------------------------------------------------- stats
def test_point_estimates_match_scipy():
    rng = np.random.default_rng(3)
    x = rng.normal(size=30)
    y = x + rng.normal(size=30)
    y[4] = y[7]  # a tie
    assert sc.correlation(x, y) == pytest.approx(sps.spearmanr(x, y)[0], abs=1e-12)
    assert sc.correlation(x, y, method="pearson") == pytest.approx(
        sps.pearsonr(x, y)[0], abs=1e-12)


def test_monotone_relation_gives_rho_one_and_small_p():
    x = np.arange(20.0)
    y = np.exp(x / 5)  # monotone, not linear
    res = sc.bootstrap_correlation(x, y, n_boot=500, n_perm=999, seed=1)
    assert res.estimate == pytest.approx(1.0)
    assert res.p == pytest.approx(1 / 1000)  # no permutation reaches ρ = 1
    assert res.ci_low == pytest.approx(1.0) and res.ci_high == pytest.approx(1.0)
    assert res.n == 20
    r = sc.bootstrap_correlation(x, y, method="pearson", n_boot=500, n_perm=999, seed=1)
    assert 0.8 < r.estimate < 1.0 and r.p <= 0.002


def test_independent_data_ci_covers_zero_in_most_seeds():
    covered = 0
    for seed in range(20):
        rng = np.random.default_rng(seed)
        x, y = rng.normal(size=30), rng.normal(size=30)
        res = sc.bootstrap_correlation(x, y, n_boot=400, n_perm=0, seed=seed)
        assert math.isnan(res.p)
        covered += res.ci_low <= 0 <= res.ci_high
    assert covered >= 16


def test_bootstrap_and_permutation_agree_with_scipy():
    rng = np.random.default_rng(5)
    x = rng.normal(size=25)
    y = 0.4 * x + rng.normal(size=25)
    ours = sc.bootstrap_correlation(x, y, n_boot=4000, n_perm=4000, seed=0)

    def rho(a, b):
        return sps.spearmanr(a, b)[0]

    boot = sps.bootstrap((x, y), rho, paired=True, vectorized=False, n_resamples=4000,
                         method="percentile", random_state=0)
    assert ours.ci_low == pytest.approx(boot.confidence_interval.low, abs=0.05)
    assert ours.ci_high == pytest.approx(boot.confidence_interval.high, abs=0.05)
    perm = sps.permutation_test((x, y), rho, permutation_type="pairings", n_resamples=2000,
                                vectorized=False, random_state=0)
    assert ours.p == pytest.approx(perm.pvalue, abs=0.02)


def test_holm_matches_hand_computation():
    p = [0.01, 0.04, 0.03, np.nan, 0.005]
    # sorted: 0.005*4=0.02, 0.01*3=0.03, 0.03*2=0.06, 0.04*1=0.04 -> monotone 0.06
    expected = [0.03, 0.06, 0.06, np.nan, 0.02]
    np.testing.assert_allclose(stats.holm(p), expected, equal_nan=True)
    assert stats.holm([0.5, 0.9]).tolist() == [1.0, 1.0]
    assert np.isnan(stats.holm([np.nan])).all()


def _residual_corr(x, y, z):
    design = np.column_stack([np.ones(len(x)), z])

    def res(a):
        return a - design @ np.linalg.lstsq(design, a, rcond=None)[0]

    return np.corrcoef(res(x), res(y))[0, 1]


def test_partial_correlation_matches_regression_residuals():
    rng = np.random.default_rng(11)
    z = rng.normal(size=(40, 2))
    x = z[:, 0] + 0.5 * rng.normal(size=40)
    y = z[:, 0] - z[:, 1] + 0.5 * rng.normal(size=40)
    pearson = sc.partial_correlation(x, y, z, method="pearson")
    assert pearson == pytest.approx(_residual_corr(x, y, z), abs=1e-10)
    ranks = np.column_stack([sps.rankdata(z[:, 0]), sps.rankdata(z[:, 1])])
    spearman = sc.partial_correlation(x, y, z)
    assert spearman == pytest.approx(
        _residual_corr(sps.rankdata(x), sps.rankdata(y), ranks), abs=1e-10)
    # x and y only share z: the raw correlation is large, the partial one is not
    assert sc.correlation(x, y) > 0.4 and abs(spearman) < 0.3
    # a constant covariate is dropped, not a singular matrix
    with_const = np.column_stack([z, np.ones(40)])
    assert sc.partial_correlation(x, y, with_const) == pytest.approx(spearman)
    boot = sc.bootstrap_correlation(x, y, covariates=z, n_boot=300, n_perm=300, seed=0)
    assert boot.estimate == pytest.approx(spearman)
    assert boot.ci_low <= spearman <= boot.ci_high and 0 < boot.p <= 1


def test_rank_percentile_and_empirical_p():
    assert ss.rank_among(0.9, [0.95, 0.8, 0.7, 0.99]) == (3, 5)
    assert stats.percentile_of(2.0, [1, 2, 3, 4]) == pytest.approx(37.5)
    assert stats.empirical_p(5.0, [1, 2, 6], sidedness="greater") == pytest.approx(2 / 4)
    assert stats.empirical_p(0.0, [1, 2, 6], sidedness="less") == pytest.approx(1 / 4)
    assert stats.empirical_p(0.0, [1, 2, 6], sidedness="two-sided") == pytest.approx(0.5)
    assert stats.empirical_p(0.0, [1, 2, 6]) == pytest.approx(0.5)     # two-sided default


def test_correlation_table_orders_and_adjusts():
    rng = np.random.default_rng(0)
    n = 24
    table = pd.DataFrame({"m": rng.integers(100, 120, n), "n_params": np.full(n, 5.0),
                          "noise": rng.normal(size=n), "clustering": rng.uniform(size=n)})
    table["acc"] = table["clustering"] + 0.05 * rng.normal(size=n)
    out = sc.correlation_table(table, ["noise", "clustering", "m"], n_boot=200,
                               n_perm=200, seed=0)
    assert out["statistic"].iloc[0] == "clustering"
    top = out.iloc[0]
    assert top["rho"] == pytest.approx(sps.spearmanr(table["clustering"], table["acc"])[0])
    assert top["rho_p_holm"] == pytest.approx(min(1.0, 3 * top["rho_p"]))
    assert top["controls_used"] == "m"  # n_params is constant: not a control
    assert top["partial_rho"] == pytest.approx(
        sc.partial_correlation(table["clustering"], table["acc"], table[["m"]]))
    assert out.set_index("statistic").loc["m", "controls_used"] == ""


# --------------------------------------------------------------------------- pages
@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    base = tmp_path_factory.mktemp("reports")
    return {"analyze": make_analyze_folder(base / "analysis"),
            "sweep": make_sweep_folder(base / "sweep")}


def _text(path) -> str:
    return path.read_text(encoding="utf-8")


def test_a_family_of_another_size_is_named_as_such(tmp_path):
    from topocli.reports.sweep_headline import headline, sweep_summary
    from topocli.reports.sweep_tables import sweep_tables

    folder = make_sweep_folder(tmp_path / "sweep", failed_run=False)
    runs, graphs = pd.read_csv(folder / "runs.csv"), pd.read_csv(folder / "graphs.csv")
    same = sweep_tables(graphs, runs, primary="degree", resamples=50)
    assert not same.real_vs_nulls["other_size"].any()   # m within ±40 of 2,287: < 1 %
    assert "another size" not in headline(same, {})
    degree = runs["family"] == "degree"
    runs.loc[degree, "params"] *= 3
    runs.loc[degree, "macs"] *= 2
    runs.to_csv(folder / "runs.csv", index=False)
    t = sweep_tables(graphs, runs, primary="degree", resamples=50)
    vs = t.real_vs_nulls.set_index("family")
    real = runs[runs["family"] == "real"]
    assert vs.loc["degree", "params_ratio"] == pytest.approx(
        runs[degree].groupby("graph_id")["params"].mean().mean() / real["params"].mean())
    assert vs.loc["degree", "macs_ratio"] == pytest.approx(
        runs[degree].groupby("graph_id")["macs"].mean().mean() / real["macs"].mean())
    assert vs.loc["degree", "other_size"] and not vs.loc[["ws", "er"], "other_size"].any()
    ratio = vs.loc["degree", "params_ratio"]
    assert f"The 'degree' networks are another size ({ratio:.2f}x its parameters and " \
        in headline(t, {})
    assert sweep_summary(t, {})["primary"]["params_ratio"] == pytest.approx(ratio)
    runs.loc[runs["family"] == "ws", "params"] //= 2
    runs.to_csv(folder / "runs.csv", index=False)
    page = _text(build_report(folder, resamples=50))
    assert "params x" in page and "compares sizes as well as wirings" in page   # primary
    assert "Networks of another size than their real graph: &#x27;ws&#x27;" in page


def test_a_sweep_that_ended_on_the_rise_says_it_had_not_converged(tmp_path):
    from topocli.reports.scores import score_for
    from topocli.reports.sweep_headline import headline, learning_text, sweep_summary
    from topocli.reports.sweep_tables import sweep_tables

    folder = make_sweep_folder(tmp_path / "sweep", failed_run=False)
    runs, curves = pd.read_csv(folder / "runs.csv"), pd.read_csv(folder / "curves.csv")
    rising = sweep_tables(None, runs, curves=curves, resamples=50)
    last = curves[curves["epoch"] == 3].set_index("run_id")["val_acc"]
    before = curves[curves["epoch"] == 2].set_index("run_id")["val_acc"]
    assert rising.learning["runs"] == len(runs)
    assert rising.learning["last_epoch_gain_median"] == pytest.approx(
        float((last - before).median()))
    assert rising.learning["still_learning"]   # ~0.11 a run against a seed noise of ~0.01
    assert "Warning: not converged: validation accuracy rose by a median +" \
        in headline(rising, {})
    assert sweep_summary(rising, {})["learning_at_end"]["still_learning"]
    flat = curves.copy()
    flat.loc[flat["epoch"] == 3, "val_acc"] = flat.loc[flat["epoch"] == 2, "val_acc"].to_numpy()
    converged = sweep_tables(None, runs, curves=flat, resamples=50)
    assert converged.learning["last_epoch_gain_median"] == 0
    assert not converged.learning["still_learning"]
    assert "converged" not in headline(converged, {}).lower()
    assert learning_text(converged).startswith("Converged: validation accuracy changed by "
                                               "a median +0.0000")
    # a score that is not a trained network's accuracy has no epochs to check
    assert sweep_tables(None, runs, curves=curves, metric=score_for("test_loss"),
                        resamples=50).learning is None
    # runs stopped early ended flat by design: only those that trained to the cap count
    stopped = runs.assign(stopped_early=runs["run_id"] % 4 != 0)
    capped = sweep_tables(None, stopped, curves=curves, resamples=50).learning
    assert capped["runs"] == int((runs["run_id"] % 4 == 0).sum())
    # one seed per graph: no seed noise to weigh the gain against, and the page says so
    one = sweep_tables(None, runs[runs["seed"] == 0], curves=curves, resamples=50)
    assert one.learning["still_learning"] is None and one.learning["seed_noise_sd"] is None
    assert "Convergence not checked" in learning_text(one)
    assert "converged" not in headline(one, {}) and "not checked" not in headline(one, {})
    curves.to_csv(folder / "curves.csv", index=False)
    page = _text(build_report(folder, resamples=50))
    assert "Not converged: validation accuracy rose by a median +" in page   # power section


def test_sweep_report_summary_tables_and_figures(folders):
    index = build_report(folders["sweep"], resamples=200)
    assert index == folders["sweep"] / "report" / "index.html"
    page = _text(index)
    summary = re.search(r'<p class="summary" id="summary">(.*?)</p>', page).group(1)
    assert summary.startswith("Primary comparison (the default; this sweep predates "
                              "--primary): the real connectome against its 4 &#x27;degree"
                              "&#x27; nulls")
    assert "Graph effect F(" in summary
    assert ("clustering_avg_zero is the statistic most correlated with test accuracy, ρ = "
            in summary)
    for png in ("accuracy_by_family", "statistics_vs_accuracy", "correlation_heatmap",
                "training_curves", "accuracy_vs_cost"):
        assert f'src="{png}.png"' in page
        assert (index.parent / f"{png}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    corr = pd.read_csv(index.parent / "correlations.csv")
    assert corr["statistic"].iloc[0] == "clustering_avg_zero"
    assert set(corr["controls_used"].dropna()) <= {"m,n_params", "n_params", "m"}
    assert "stands in for the edges the network is wired with" in page  # no dag_* columns
    # untrusted text is escaped: the config's <script> and the failed run's error
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
    assert "out of memory &lt;in&gt; &amp; &quot;quotes&quot;" in page
    assert "http://" not in page and "https://" not in page  # nothing fetched from the net
    assert "Failed runs" in page


def test_analyze_report_summary_and_figures(folders):
    index = build_report(folders["analyze"], folders["analyze"].parent / "an-report")
    page = _text(index)
    assert re.search(r'id="summary">celegans-varshney2011 \(279 nodes, 2990 edges\) against '
                     r"40 degree nulls: the most extreme statistic is", page)
    for prefix in ("nulls_1_", "adjacency_1_", "class_matrix_1_", "degrees", "motifs"):
        assert any(p.name.startswith(prefix) for p in index.parent.glob("*.png")), prefix
    assert page.count("<img ") == 5
    summary = json.loads((index.parent / "summary.json").read_text())
    assert summary["kind"] == "analyze" and summary["n_nulls"] == 40
    assert summary["null_model"] == "degree nulls"
    head = summary["headline"]
    assert head["statistic"] in page and head["z"] is not None and 0 < head["p"] <= 1
    holm = pd.read_csv(index.parent / "metrics_with_holm.csv")
    fixed = holm[holm["statistic"] == "n"].iloc[0]
    assert np.isnan(fixed["p_holm"])  # fixed by the null model: not part of the family


def test_missing_optional_files_drop_sections_with_a_note(tmp_path):
    sweep = make_sweep_folder(tmp_path / "sweep", curves=False, graph_files=False)
    analysis = make_analyze_folder(tmp_path / "analysis", motifs=False, class_matrix=False)
    (analysis / "metrics.csv").unlink()  # metrics.json is the fallback
    (analysis / "nulls.csv").write_text("")  # empty file
    page = _text(build_report(sweep, resamples=50))
    assert "curves.csv is missing" in page and "training_curves.png" not in page
    page = _text(build_report(analysis))
    assert "motifs.csv is missing" in page and "class_matrix.csv is missing" in page
    assert "nulls.csv could not be read" in page
    assert "metrics read from metrics.json" in page
    assert "against degree nulls: the most extreme statistic is" in page


def test_sweep_without_real_graph_or_runs(tmp_path):
    sweep = make_sweep_folder(tmp_path / "sweep")
    runs = pd.read_csv(sweep / "runs.csv")
    runs[runs["family"] != "real"].to_csv(sweep / "runs.csv", index=False)
    page = _text(build_report(sweep, resamples=50))
    assert "There is no real connectome in this sweep" in page
    (sweep / "runs.csv").unlink()
    page = _text(build_report(sweep, resamples=50))
    assert "no successful runs yet" in page and "runs.csv is missing" in page


def test_detects_kind_and_refuses_unrelated_folders(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(TopocliError, match="neither an analyze nor a sweep folder"):
        build_report(tmp_path / "empty")
    with pytest.raises(TopocliError, match="does not exist"):
        build_report(tmp_path / "nope")
    sweep = make_sweep_folder(tmp_path / "sweep", graph_files=False)
    (sweep / "kind.txt").unlink()  # still recognised by runs.csv
    other = tmp_path / "other"
    other.mkdir()
    (other / "keep.txt").write_text("mine")
    with pytest.raises(TopocliError, match="not written by 'topocli report'"):
        build_report(sweep, other)
    assert (other / "keep.txt").read_text() == "mine"
    first = build_report(sweep, resamples=20)
    (first.parent / "mine.png").write_bytes(b"x")   # a user's file: kept (issue 28)
    (first.parent / ".topocli-report-files").write_text("stale.png\n")
    (first.parent / "stale.png").write_bytes(b"x")   # the previous report wrote it
    second = build_report(sweep, resamples=20)  # a previous report's files are replaced
    assert second == first and not (first.parent / "stale.png").exists()
    assert (first.parent / "mine.png").read_bytes() == b"x"
    assert not [p for p in sweep.iterdir() if p.name.startswith(".report")]


def test_cli_report_writes_and_errors_in_one_line(run_cli, tmp_path):
    sweep = make_sweep_folder(tmp_path / "sweep", graph_files=False, curves=False)
    res = run_cli("report", sweep, "--out", tmp_path / "out", "--resamples", "50")
    assert res.exit_code == 0, res.output
    assert res.stdout.strip() == f"wrote {tmp_path / 'out' / 'index.html'}"
    for args in ((tmp_path / "missing",), (tmp_path,)):
        res = run_cli("report", *args)
        assert res.exit_code == 2
        assert res.stderr.startswith("topocli: error: ") and res.stderr.count("\n") == 1


def test_reads_the_real_analyze_and_sweep_output(tmp_path):
    """Guard against format drift: build reports from what analyze and the sweep write."""
    from topocli.analysis import analyze, write_analyses
    from topocli.graphs import GraphView, load_graph
    from topocli.sweep import run_sweep
    from topocli.sweep._stand_ins import stand_in_prepare, stand_in_train

    view = GraphView(layer="chemical", neurons_only=False, largest_component=False,
                     min_synapses=5)
    graph = load_graph("celegans-white1986", view)
    write_analyses([analyze(graph, nulls=3, seed=0, motifs_on=False)], tmp_path / "an",
                   options={"nulls": 3, "null_model": "degree"})
    page = _text(build_report(tmp_path / "an"))
    assert "celegans-white1986 (249 nodes, 471 edges) against 3 degree nulls" in page
    assert page.count("<img ") >= 4

    run_sweep("celegans-varshney2011", tmp_path / "sw", families="real,ws,er", count=3,
              seeds=2, seed=7, jobs=1, train_fn=stand_in_train, prepare_fn=stand_in_prepare,
              progress=False)
    page = _text(build_report(tmp_path / "sw", resamples=50))
    assert 'id="summary">No primary comparison: this sweep has no &#x27;degree&#x27;' in page
    assert 'src="accuracy_by_family.png"' in page
    # the stand-in trains 2 epochs: two-point curves are left out with a line saying why
    assert 'src="training_curves.png"' not in page and "a curve of 2 points" in page


def test_a_sweep_in_progress_is_reported_from_its_store(tmp_path):
    """No runs.csv yet (a sweep running, or killed before it wrote its tables): the page
    reads the store, read-only and beside the process that holds its lock, says so, and
    shows the same numbers as the exported tables; nothing is written into the folder."""
    from topocli.sweep import run_sweep
    from topocli.sweep._stand_ins import stand_in_prepare, stand_in_train
    from topocli.sweep.store import SweepStore

    out = tmp_path / "sw"
    run_sweep("celegans-varshney2011", out, families="real,degree", count=3, seeds=2,
              seed=7, jobs=1, train_fn=stand_in_train, prepare_fn=stand_in_prepare,
              progress=False)
    done = _text(build_report(out, out=tmp_path / "done", resamples=50))
    exported = {name: pd.read_csv(out / f"{name}.csv") for name in ("graphs", "runs")}
    for name in ("graphs", "runs", "curves"):
        (out / f"{name}.csv").unlink()
    before = sorted(p.name for p in out.iterdir())
    with SweepStore(out / "sweep.sqlite"):          # the running sweep holds the lock
        live = _text(build_report(out, out=tmp_path / "live", resamples=50))
    assert sorted(p.name for p in out.iterdir()) == before
    assert ("Tables read from sweep.sqlite: 8 of 8 runs stored so far (8 ok, 0 failed; "
            "no runs.csv yet)") in live
    summary = re.compile(r'id="summary">(.*?)</', re.S)
    assert summary.search(live).group(1) == summary.search(done).group(1)
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "live" / "per_graph.csv"),
                                  pd.read_csv(tmp_path / "done" / "per_graph.csv"))
    # current CSVs beside a store this topocli cannot read: the CSVs, without a note
    (out / "sweep.sqlite").write_bytes(b"not a store")
    for name, table in exported.items():
        table.to_csv(out / f"{name}.csv", index=False)
    page = _text(build_report(out, out=tmp_path / "csv", resamples=50))
    assert "sweep.sqlite" not in page
    assert summary.search(page).group(1) == summary.search(done).group(1)


def test_reading_a_store_while_a_sweep_writes_it(tmp_path):
    """Every read sees one consistent state of the store, however the writer's commits
    and checkpoints fall between the reader's queries (a report beside a running sweep)."""
    import threading

    from topocli.sweep import run_sweep
    from topocli.sweep._stand_ins import stand_in_prepare, stand_in_train
    from topocli.sweep.export import store_frames
    from topocli.sweep.store import SweepStore, read_store

    out = tmp_path / "sw"
    run_sweep("celegans-varshney2011", out, families="real,degree", count=2, seeds=1,
              seed=7, jobs=1, train_fn=stand_in_train, prepare_fn=stand_in_prepare,
              progress=False)
    with SweepStore(out / "sweep.sqlite") as store:
        row = store.run_rows()[0]
    stop = threading.Event()

    def writer() -> None:
        with SweepStore(out / "sweep.sqlite") as store:
            for i in range(200):
                store.record_run(run_id=f"extra-{i}", graph_id=row.graph_id,
                                 family=row.family, seed_index=1 + i, seed=i, status="ok",
                                 error=None, result=row.result, config={}, task_s=1.0)
                if i % 50 == 0:
                    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        stop.set()

    thread = threading.Thread(target=writer)
    thread.start()
    reads = []
    while not stop.is_set() or not reads:
        frames = read_store(out / "sweep.sqlite", lambda s: store_frames(
            s, "test", families=("real", "degree")))
        runs = frames["runs"]
        assert len(frames["curves"]) == len(runs) * 2   # the stand-in's 2-epoch curve
        assert runs["graph_id"].iloc[0] == "real"     # plan order: the real graph first
        reads.append(len(runs))
    thread.join()
    assert reads == sorted(reads) and reads[-1] <= 203


def test_sweep_with_one_graph_per_family(tmp_path):
    """--count 1: no family sd, so z is undefined for every family; the page still builds."""
    sweep = make_sweep_folder(tmp_path / "sweep", count=1, graph_files=False, curves=False)
    page = _text(build_report(sweep, resamples=20))
    topology = re.search(r'<section id="topology">(.*?)</section>', page, re.S).group(1)
    for fam in ("ws", "er", "degree"):
        assert f">{fam} z</th>" in topology and f">{fam} pct</th>" in topology
    assert "one graph per family gives no spread" in topology
    assert "<td>–</td>" in topology


def test_partial_correlation_controls_for_dag_edges(tmp_path):
    """The edge control is the DAG's kept edges (what the network is wired with), not m."""
    sweep = make_sweep_folder(tmp_path / "sweep", count=2, graph_files=False, curves=False)
    runs = pd.read_csv(sweep / "runs.csv")
    m = pd.read_csv(sweep / "graphs.csv").set_index("graph_id")["m"]
    merged = np.random.default_rng(1).integers(200, 900, len(m))  # reciprocal arcs merged
    dag = dict(zip(m.index, m.to_numpy() - merged))
    runs["dag_edges_kept"] = runs["graph_id"].map(dag)
    runs["dag_depth"] = 30
    runs.to_csv(sweep / "runs.csv", index=False)
    page = _text(build_report(sweep, resamples=20))
    out = sweep / "report"
    assert "Partial ρ controls for DAG edge count (dag_edges_kept" in page
    assert "stands in for the edges" not in page and ">DAG edges</th>" in page
    corr = pd.read_csv(out / "correlations.csv").set_index("statistic")
    # 9 graphs: the graph's own edge count m is not a third control (see sweep_tables)
    assert corr.loc["clustering_avg_zero", "controls_used"] == "dag_edges_kept,n_params"
    table = pd.read_csv(out / "per_graph.csv")
    assert corr.loc["clustering_avg_zero", "partial_rho"] == pytest.approx(
        sc.partial_correlation(table["clustering_avg_zero"], table["acc"],
                               table[["dag_edges_kept", "n_params"]]))
    fam = pd.read_csv(out / "family_accuracy.csv").set_index("family")
    ok = runs[runs["status"] == "ok"]
    per_graph = ok.groupby("graph_id").agg(family=("family", "first"),
                                           dag=("dag_edges_kept", "mean"),
                                           params=("params", "mean"))
    expected = per_graph.groupby("family").mean()
    assert fam["edges"].to_dict() == pytest.approx(expected["dag"].to_dict())
    assert fam["n_params"].to_dict() == pytest.approx(expected["params"].to_dict())


def test_report_reads_its_own_graph_files_without_mapping_notes(tmp_path, caplog):
    """The analyze folder's graph files are topocli's views (merged arcs typed
    "chemical+electrical"): drawing them must not repeat the file reader's notes."""
    import logging
    from types import SimpleNamespace

    from topocli.graphs import GraphView, load_graph, write_graphml
    from topocli.reports.analyze_page import _load_graphs
    from topocli.reports.html import Section

    view = load_graph("celegans-varshney2011", GraphView())
    assert "chemical+electrical" in set(view.es["synapse_type"])
    path = write_graphml(view, tmp_path / "varshney.graphml.gz")
    caplog.set_level(logging.WARNING, logger="topocli")
    sec = Section("Graphs", "graphs")
    graphs = _load_graphs(SimpleNamespace(graph_files={"varshney": path}), sec)
    assert graphs["varshney"].vcount() == view.vcount()
    assert set(graphs["varshney"].vs["cell_class"]) == set(view.vs["cell_class"])
    assert caplog.text == ""
    # outside the report the reader still says what it mapped
    from topocli.graphs import read_graph_file

    read_graph_file(path)
    assert "synapse_type values" in caplog.text
