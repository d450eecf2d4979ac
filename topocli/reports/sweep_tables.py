"""The sweep report's numbers, computed once and kept apart from figures and HTML.

:func:`sweep_tables` turns a sweep's three tables (``graphs.csv``, ``runs.csv``,
``curves.csv``) into a :class:`SweepTables`: every table the page shows and writes as CSV.
It reads no files and draws nothing; :mod:`topocli.reports.sweep_page` lays it out.

Design, stated once (see :mod:`topocli.reports.inference`): a graph's score is its
seed-adjusted mean over seeds; every comparison's interval counts the real graph's seed
noise, the nulls' graph-to-graph spread and their seed noise; one comparison, declared
before the runs (``--primary``, default the degree-preserving nulls), is primary and the
others are secondary, corrected for their number; the metric has its own direction and
range (:mod:`topocli.reports.scores`); correlations are across graphs with the edge
counts and the parameter count partialled out; generator parameters (``p`` of a
``--grid``) are design columns, not topology statistics.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from topocli.reports import inference as inf
from topocli.reports import stats as st
from topocli.reports import sweep_correlations as sc
from topocli.reports import sweep_stats as ss
from topocli.reports.scores import (
    ACCURACY_CEILING,
    ACCURACY_FLOOR,
    Score,
    completed_runs,
    score_for,
)
from topocli.reports.sweep_checks import (
    learning_at_end,
    mixed_code_note,
    stopped_early,
    with_size_ratios,
)

__all__ = ["CLUSTERING", "EDGE_COLUMNS", "PATH_LENGTH", "SweepTables", "edge_column",
           "SweepPower", "epochs_summary", "generator_parameters", "per_graph_costs",
                      "power_summary",
           "statistics_vs_families", "sweep_tables"]

#: Columns counting the edges a network is wired with, best first: the DAG's kept edges
#: from runs.csv (mean over seeds), the same count as graphs.csv writes it, then the
#: graph's own edge count m (larger than the DAG's when reciprocal arcs merge).
EDGE_COLUMNS = ("dag_edges_kept", "m_dag", "m")
#: The two axes of You et al.'s (2020) plane, in graphs.csv's names: average clustering
#: (degree<2 nodes as 0) and mean shortest-path length of the undirected view.
CLUSTERING = ("clustering_avg_zero", "transitivity")
PATH_LENGTH = ("path_length_undirected", "path_length")


@dataclass
class SweepTables:
    """Everything the sweep page shows; a ``None`` table means "not computable here"."""

    score: Score
    primary: str | None = None                  # the declared (or default) primary family
    primary_declared: bool = False              # named in config.json before the runs
    per_graph: pd.DataFrame | None = None       # one row per graph: acc + statistics
    statistics: list[str] = field(default_factory=list)
    parameters: list[str] = field(default_factory=list)  # generator parameter columns
    edge_col: str | None = None
    design: ss.SeedDesign | None = None
    families: pd.DataFrame | None = None        # graph-level, seed-adjusted, bootstrap CI
    real_vs_nulls: pd.DataFrame | None = None   # paired by seed, per reference
    comparisons: pd.DataFrame | None = None     # null family pairs
    power: SweepPower | None = None
    variance: inf.Variance | None = None
    graph_effect: inf.GraphEffect | None = None
    correlations: pd.DataFrame | None = None
    regression: pd.DataFrame | None = None
    regression_info: dict | None = None
    sweet_spot: dict | None = None
    plane: tuple[str, str] | None = None        # (clustering column, path-length column)
    topology: pd.DataFrame | None = None        # real statistics vs each family
    failed: pd.DataFrame | None = None
    epochs: dict | None = None                  # early stopping: runs stopped, at the cap
    learning: dict | None = None                # the last epoch's validation gain
    notes: list[str] = field(default_factory=list)

    @property
    def metric(self) -> str:
        return self.score.column

    def primary_row(self, reference: str = "") -> pd.Series | None:
        """The primary comparison of ``reference`` (a row of :attr:`real_vs_nulls`)."""
        vs = self.real_vs_nulls
        if vs is None or vs.empty:
            return None
        rows = vs[(vs["role"] == "primary") & (vs["reference"] == reference)]
        return rows.iloc[0] if len(rows) else None

    def csvs(self) -> dict[str, pd.DataFrame]:
        """The tables the report writes next to its page, by file stem."""
        named = {"per_graph": self.per_graph, "family_accuracy": self.families,
                 "real_vs_families": self.real_vs_nulls,
                 "family_comparisons": self.comparisons, "correlations": self.correlations,
                 "regression": self.regression, "statistics_vs_families": self.topology}
        out = {k: v for k, v in named.items() if v is not None}
        if self.power is not None:
            out["power"] = pd.DataFrame([self.power.as_dict()])
        if self.sweet_spot and len(self.sweet_spot) > 1:
            out["sweet_spot"] = pd.DataFrame([self.sweet_spot])
        return out


def generator_parameters(graphs: pd.DataFrame) -> list[str]:
    """graphs.csv columns that are generator parameters (named in a row's ``params``)."""
    if "params" not in graphs:
        return []
    names: dict[str, None] = {}
    for text in graphs["params"].dropna():
        try:
            params = json.loads(text) if isinstance(text, str) else {}
        except ValueError:
            continue
        for key in params if isinstance(params, dict) else ():
            # param_<key> first: the sweep writes it when <key> is also a statistic
            # (landscape's target transitivity beside the graph's measured one)
            for col in (f"param_{key}", key):
                if col in graphs:
                    names[col] = None
                    break
    return list(names)


def edge_column(table: pd.DataFrame | None) -> str | None:
    """The edge-count column to control for: the first of :data:`EDGE_COLUMNS` known for
    every graph, else the first known for some graph, else None."""
    if table is None:
        return None
    known = {c: pd.to_numeric(table[c], errors="coerce").notna() for c in EDGE_COLUMNS
             if c in table}
    for test in (lambda v: v.all(), lambda v: v.any()):
        for col, ok in known.items():
            if len(ok) and test(ok):
                return col
    return None


#: ``runs.csv`` cost columns (``--measure-cost``) the report draws accuracy against.
COST_COLUMNS = ("macs_sparse", "latency_ms_onnx_fp32", "latency_ms_torch",
                "onnx_bytes_fp32", "onnx_bytes_int8", "peak_activation_bytes")


def pareto_front(cost, score) -> np.ndarray:
    """Which points are on the Pareto front of low ``cost`` and high ``score``: no other
    point costs at most as much and scores at least as high, with one of the two strict.
    NaN points are never on it."""
    cost, score = np.asarray(cost, dtype=float), np.asarray(score, dtype=float)
    ok = np.isfinite(cost) & np.isfinite(score)
    front = np.zeros(len(cost), dtype=bool)
    for i in np.flatnonzero(ok):
        dominated = ok & (cost <= cost[i]) & (score >= score[i]) & \
            ((cost < cost[i]) | (score > score[i]))
        front[i] = not dominated.any()
    return front


def per_graph_costs(runs: pd.DataFrame, *, metric: str = "test_acc") -> pd.DataFrame:
    """Per graph, over its successful runs: mean params (``n_params``: graphs.csv's
    ``params`` is the null model's), MACs, the measured cost columns
    (:data:`COST_COLUMNS`, where the sweep ran ``--measure-cost``) and every numeric
    ``dag_*`` column."""
    ok = completed_runs(runs, metric)
    agg = {}
    for col, name in (("params", "n_params"), ("macs", "macs")):
        if col in ok:
            agg[name] = (col, "mean")
    for col in COST_COLUMNS:
        if col in ok and pd.to_numeric(ok[col], errors="coerce").notna().any():
            agg[col] = (col, "mean")
    for col in ok.columns:
        if str(col).startswith("dag_") and pd.api.types.is_numeric_dtype(ok[col]):
            agg[col] = (col, "mean")
    frame = ok.assign(graph_id=ok["graph_id"].astype(str))
    if not agg:
        return pd.DataFrame({"graph_id": pd.unique(frame["graph_id"])})
    return frame.groupby("graph_id", sort=False).agg(**agg).reset_index()


def statistics_vs_families(graphs: pd.DataFrame, statistics: list[str]) -> pd.DataFrame:
    """Each statistic of each real graph against each null family of its reference.

    Columns reference, statistic, family, n, real, null_mean, null_sd, z, percentile,
    p_two_sided (empirical); empty when graphs.csv has no real row.
    """
    cols = ["reference", "statistic", "family", "n", "real", "null_mean", "null_sd", "z",
            "percentile", "p_two_sided"]
    if "family" not in graphs or not (graphs["family"] == "real").any():
        return pd.DataFrame(columns=cols)
    refs = graphs["reference"].fillna("").astype(str) if "reference" in graphs else \
        pd.Series("", index=graphs.index)
    rows = []
    for ref in pd.unique(refs):
        sub_ref = graphs[refs == ref]
        reals = sub_ref[sub_ref["family"] == "real"]
        if reals.empty:
            continue
        real_row = reals.iloc[0]
        for stat in (s for s in statistics if s in graphs):
            value = float(pd.to_numeric(pd.Series([real_row[stat]]), errors="coerce")[0])
            for fam, sub in sub_ref[sub_ref["family"] != "real"].groupby("family",
                                                                         sort=False):
                vals = pd.to_numeric(sub[stat], errors="coerce").to_numpy(float)
                vals = vals[np.isfinite(vals)]
                mean = float(vals.mean()) if len(vals) else np.nan
                sd = float(vals.std(ddof=1)) if len(vals) > 1 else np.nan
                z = (value - mean) / sd if sd and np.isfinite(sd) and sd > 0 else np.nan
                rows.append({"reference": ref, "statistic": stat, "family": fam,
                             "n": len(vals), "real": value, "null_mean": mean,
                             "null_sd": sd, "z": z, "percentile": st.percentile_of(value, vals),
                             "p_two_sided": st.empirical_p(value, vals,
                                                           sidedness="two-sided")})
    return pd.DataFrame(rows, columns=cols)


def _first(table: pd.DataFrame, names: tuple[str, ...]) -> str | None:
    for name in names:
        if name in table and pd.to_numeric(table[name], errors="coerce").nunique() > 2:
            return name
    return None


def sweep_tables(graphs: pd.DataFrame | None, runs: pd.DataFrame | None, *,
                 metric: str | Score = "test_acc", primary: str | None = None,
                 primary_declared: bool = False, resamples: int = 2000, seed: int = 0,
                 curves: pd.DataFrame | None = None) -> SweepTables:
    """Compute every table of the sweep page from graphs.csv, runs.csv and, for the
    convergence check, curves.csv (pure).

    ``metric`` is a runs.csv column or its :class:`~topocli.reports.scores.Score`;
    ``primary`` the null family of the primary comparison (``primary_declared``: named
    before the runs, in config.json).
    """
    score = metric if isinstance(metric, Score) else score_for(metric)
    out = SweepTables(score=score, primary=primary, primary_declared=primary_declared)
    rng = np.random.default_rng(seed)

    def draw() -> int:  # one independent stream per table, all from ``seed``
        return int(rng.integers(0, 2**31 - 1))

    if runs is not None and score.column not in runs:
        out.notes.append(f"runs.csv has no {score.column} column: the score sections are "
                         "left out.")
        runs = None
    if graphs is not None:
        out.parameters = generator_parameters(graphs)
        out.statistics = st.statistic_columns(graphs, exclude=out.parameters)
    if runs is None:
        return out
    design = ss.seed_design(runs, metric=score.column)
    if not design.graph_ids:
        out.notes.append("No successful runs in runs.csv: the score sections are left out.")
        return out
    out.design = design
    acc = ss.graph_accuracy(design)
    costs = per_graph_costs(runs, metric=score.column)
    table = acc.merge(costs, on="graph_id", how="left")
    if graphs is not None and "graph_id" in graphs:
        g = graphs.drop(columns=[c for c in ("family", "reference", "n_params", "macs", "acc")
                                 if c in graphs])
        table = table.merge(g.assign(graph_id=g["graph_id"].astype(str)), on="graph_id",
                            how="left")
    out.per_graph = table
    out.statistics += [c for c in st.statistic_columns(costs)
                       if c.startswith("dag_") and c not in out.statistics]
    out.statistics = [c for c in out.statistics if c not in out.parameters]
    out.edge_col = edge_column(table)
    failed = runs[runs["status"].astype(str) != "ok"] if "status" in runs else None
    out.failed = failed if failed is not None and len(failed) else None
    code_note = mixed_code_note(completed_runs(runs, score.column))
    if code_note:
        out.notes.append(code_note)

    higher = score.higher_is_better
    fam = inf.family_table(design, higher_is_better=higher)
    cost = _family_cost(table, out.edge_col)
    out.families = fam.merge(cost, on=["family", "reference"], how="left")
    out.real_vs_nulls = with_size_ratios(
        inf.real_vs_families(design, primary=primary, higher_is_better=higher,
                             draws=resamples, seed=draw()), table)
    out.comparisons = pd.concat(
        [inf.family_comparisons(design, reference=ref).assign(reference=ref)
         for ref in dict.fromkeys(design.references)], ignore_index=True)
    out.variance = inf.variance_components(design)
    out.graph_effect = inf.graph_effect(design)
    out.power = power_summary(design, score, out.variance, out.graph_effect,
                              out.primary_row(design.references[0]))
    out.epochs = epochs_summary(runs)
    out.learning = learning_at_end(curves, runs, score, out.power.noise_sd
                                   if out.power is not None else math.nan)

    if graphs is not None:
        out.topology = statistics_vs_families(graphs, [s for s in out.statistics
                                                       if s in graphs])

    usable = [s for s in out.statistics if s in table]
    controls = _controls(table, out.edge_col)
    if usable and len(table) >= 4:
        out.correlations = sc.correlation_table(table, usable, controls=controls,
                                                n_boot=resamples, n_perm=resamples,
                                                seed=draw())
        ranked = [s for s in out.correlations["statistic"]
                  if s not in controls and s not in ("n", "m")]
        out.regression, out.regression_info = ss.standardized_regression(
            table, ranked, controls=tuple(c for c in controls if c != "m"),
            n_boot=resamples, seed=draw())
    c_col, l_col = _first(table, CLUSTERING), _first(table, PATH_LENGTH)
    if c_col and l_col:
        out.plane = (c_col, l_col)
        out.sweet_spot = ss.sweet_spot(table[table["family"] != "real"], c_col, l_col,
                                       n_boot=min(resamples, 1000), seed=draw(),
                                       higher_is_better=higher)
    return out


def epochs_summary(runs: pd.DataFrame) -> dict | None:
    """How the successful runs ended when they trained with early stopping
    (``--patience``): runs, those stopped at their plateau, those that hit the epoch cap,
    and the epochs run (median, range). None when the runs have no such columns."""
    if "stopped_early" not in runs or "epochs_run" not in runs:
        return None
    ok = runs[runs["status"].astype(str) == "ok"] if "status" in runs else runs
    stopped = stopped_early(ok)
    epochs = pd.to_numeric(ok["epochs_run"], errors="coerce").dropna()
    if not len(epochs):
        return None
    return {"runs": int(len(ok)), "stopped_early": int(stopped.sum()),
            "hit_cap": int(len(ok) - stopped.sum()), "epochs_median": float(epochs.median()),
            "epochs_min": int(epochs.min()), "epochs_max": int(epochs.max())}


@dataclass(frozen=True)
class SweepPower:
    """What a sweep can detect, in the metric's units (:func:`power_summary`)."""

    seeds: int                    #: median seeds per graph
    graphs: int                   #: graphs with results
    noise_sd: float               #: one run's graph x seed noise
    noise_dof: int
    noise_sd_of_mean: float       #: noise_sd / sqrt(K)
    within_sd: float              #: sd of a graph mean within a null family (pooled)
    within_dof: int
    graph_sd: float               #: that spread without the seed noise (tau)
    f: float                      #: the graph-effect test
    f_dof_graphs: int
    f_dof_residual: int
    f_p: float
    reliability: float            #: of a graph mean, 1 - 1/F
    mdd_primary: float            #: smallest difference the primary comparison detects
    min_rho: float                #: smallest detectable correlation across the graphs
    mean: float
    share_at_ceiling: float | None = None   #: accuracies only
    at_ceiling: bool = False
    at_floor: bool = False

    def as_dict(self) -> dict:
        return asdict(self)


def power_summary(design: ss.SeedDesign, score: Score, variance: inf.Variance,
                  effect: inf.GraphEffect, primary: pd.Series | None) -> SweepPower:
    """What this sweep can detect: seed noise and graph spread, the graph-effect test,
    the smallest difference the primary comparison detects at 5 % (two-sided) with 80 %
    power, the smallest detectable correlation, and for accuracies only the share at
    the ceiling and whether the sweep sits at the ceiling or the floor."""
    from scipy import stats as sps

    z = sps.norm.ppf(1 - inf.ALPHA / 2) + sps.norm.ppf(0.8)
    finite = design.graph_mean[np.isfinite(design.graph_mean)]
    n_graphs = len(finite)
    k = float(np.median(design.n_seeds)) if len(design.n_seeds) else math.nan
    noise = design.noise_sd
    mdd = math.nan
    if primary is not None:
        mdd = inf.detectable_difference(inf.Comparison.from_estimate(
            float(primary["diff"]), float(primary["se"]), float(primary["dof"])))
    ceiling = {}
    if score.accuracy and n_graphs:
        ceiling = {"share_at_ceiling": float((finite >= ACCURACY_CEILING).mean()),
                   "at_ceiling": bool((finite >= ACCURACY_CEILING).mean() > 0.5),
                   "at_floor": bool((finite < ACCURACY_FLOOR).mean() > 0.5)}
    return SweepPower(
        seeds=int(k) if np.isfinite(k) else 0, graphs=n_graphs, noise_sd=noise,
        noise_dof=design.noise_dof,
        noise_sd_of_mean=noise / math.sqrt(k) if k and np.isfinite(noise) else math.nan,
        within_sd=math.sqrt(variance.within) if np.isfinite(variance.within) else math.nan,
        within_dof=variance.within_dof, graph_sd=variance.graph_sd(k), f=effect.f,
        f_dof_graphs=effect.dof_graphs, f_dof_residual=effect.dof_residual, f_p=effect.p,
        reliability=effect.reliability, mdd_primary=mdd,
        min_rho=math.tanh(z / math.sqrt(n_graphs - 3)) if n_graphs > 3 else math.nan,
        mean=float(finite.mean()) if n_graphs else math.nan, **ceiling)


#: Graphs needed before the graph's own edge count joins the DAG's as a third control.
MIN_GRAPHS_THREE_CONTROLS = 12


def _controls(table: pd.DataFrame, edge_col: str | None) -> tuple[str, ...]:
    """Confounders partialled out of every correlation: the edges the network is wired
    with, the parameter count, and the graph's own edge count m when it differs from the
    former (|r| < 0.95) and there are enough graphs to spend a degree of freedom on it."""
    controls = [c for c in (edge_col, "n_params") if c]
    if edge_col and edge_col != "m" and "m" in table and \
            len(table) >= MIN_GRAPHS_THREE_CONTROLS:
        m = pd.to_numeric(table["m"], errors="coerce")
        r = m.corr(pd.to_numeric(table[edge_col], errors="coerce"))
        if m.nunique() > 1 and not (abs(r) >= 0.95):
            controls.insert(1, "m")
    return tuple(controls)


def _family_cost(table: pd.DataFrame, edge_col: str | None) -> pd.DataFrame:
    """Per family (and reference), the mean over its graphs of edges and parameters."""
    frame = pd.DataFrame({"family": table["family"], "reference": table["reference"]})
    for name, col in (("edges", edge_col), ("n_params", "n_params")):
        frame[name] = (pd.to_numeric(table[col], errors="coerce") if col and col in table
                       else np.nan)
    return frame.groupby(["family", "reference"], sort=False, as_index=False)[
        ["edges", "n_params"]].mean()
