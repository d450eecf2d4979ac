"""The analyze report's numbers, computed once and kept apart from figures and HTML.

:func:`analyze_tables` turns the tables of a ``topocli analyze --out`` folder (already
read into a :class:`~topocli.reports.folders.ResultFolder`) into an
:class:`AnalyzeTables`: the statistics with their Holm-adjusted p and percentile among
the nulls, the tables the other sections show, and the facts of the headline
(:class:`AnalyzeSummary`). It reads no files, draws nothing and writes nothing;
:mod:`topocli.reports.analyze_page` lays it out.

Conventions, stated once:

* a row is a test only if its null sd is not 0: a statistic the null model fixes (n and m
  under degree-preserving rewiring) has no p and stays out of the Holm family;
* the Holm family is the statistics of one graph (Holm 1979); a statistic "differs" at
  Holm-adjusted p <= 0.05;
* the percentile is the share of the graph's nulls below the real value, ties counting
  half (:func:`topocli.reports.stats.percentile_of`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from topocli.metrics.nulls import nulls_for_holm
from topocli.reports import stats as st
from topocli.reports.folders import ResultFolder

__all__ = ["ALPHA", "AnalyzeSummary", "AnalyzeTables", "ExtremeStatistic", "NullFidelity",
           "analyze_tables", "holm_by_graph", "null_label", "tested_p"]

#: Level at which a Holm-adjusted p counts as "differs" in the headline.
ALPHA = 0.05
#: |z| from which the headline counts a statistic as far from its nulls.
EXTREME_Z = 3.0


@dataclass(frozen=True)
class ExtremeStatistic:
    """The statistic of a graph farthest from its nulls (largest |z|)."""

    statistic: str
    z: float
    value: float
    null_mean: float
    null_sd: float
    p: float = math.nan          # two-sided empirical p as analyze wrote it
    p_holm: float = math.nan     # Holm-adjusted over the graph's statistics


@dataclass(frozen=True)
class NullFidelity:
    """What the nulls held, from ``fidelity.csv`` (one graph's rows)."""

    #: (family, quantity) pairs the null model promises to hold but did not.
    broken: tuple[tuple[str, str], ...]
    #: The first null family listed, and the quantities it held and did not hold.
    family: str | None
    held: tuple[str, ...]
    not_held: tuple[str, ...]


@dataclass(frozen=True)
class AnalyzeSummary:
    """The facts of the analyze page's headline, about the folder's first graph."""

    graph: str
    n: float                        # nodes (NaN if the table has no n row)
    m: float                        # edges (NaN if the table has no m row)
    n_nulls: int | None             # nulls of this graph in nulls.csv (None: no nulls.csv)
    null_label: str                 # "degree nulls", or "null graphs" if the model is unknown
    extreme: ExtremeStatistic | None
    n_extreme: int                  # statistics with |z| >= EXTREME_Z
    n_with_z: int                   # statistics with a finite z
    tested: int                     # statistics in the Holm family (a finite p, null sd > 0)
    differ: int                     # of those, Holm-adjusted p <= ALPHA
    #: Nulls needed for any two-sided empirical p to pass Holm (2K/alpha - 1), when the
    #: folder has fewer; None when it has enough.
    nulls_needed: int | None
    fidelity: NullFidelity | None
    more_graphs: int                # graphs in the table besides this one


@dataclass(frozen=True)
class AnalyzeTables:
    """Everything the analyze page shows; a ``None`` table means "not in the folder"."""

    #: Graph names in table order (metrics.csv's ``graph`` column, else the folder name).
    graphs: tuple[object, ...] = ()
    #: metrics.csv (``graph`` column ensured) plus ``p_holm`` and, with nulls, ``percentile``.
    metrics: pd.DataFrame | None = None
    nulls: pd.DataFrame | None = None
    null_label: str = "null graphs"
    motifs: pd.DataFrame | None = None
    class_matrix: pd.DataFrame | None = None
    rich_club: pd.DataFrame | None = None
    #: None when there is no statistics table to summarise.
    summary: AnalyzeSummary | None = None

    def csvs(self) -> dict[str, pd.DataFrame]:
        """The tables the report writes next to its page, by file stem."""
        return {} if self.metrics is None else {"metrics_with_holm": self.metrics}

    def real_values(self, graph) -> dict[str, float]:
        """Each statistic's real value for ``graph`` (None: every row), as in metrics.csv."""
        if self.metrics is None:
            return {}
        rows = self.metrics[self.metrics["graph"] == graph] if graph is not None \
            else self.metrics
        return {r["statistic"]: _num(r["value"]) for _, r in rows.iterrows()}

    def nulls_of(self, graph) -> pd.DataFrame | None:
        """The null rows of ``graph`` (all rows if the table names no graphs or not it)."""
        nulls = self.nulls
        if nulls is None:
            return None
        sub = nulls[nulls["graph"] == graph] if graph is not None and "graph" in nulls \
            else nulls
        return nulls if sub.empty else sub


def analyze_tables(folder: ResultFolder) -> AnalyzeTables:
    """The analyze page's tables and headline facts from an analyze folder's tables.

    Parameters
    ----------
    folder : ResultFolder
        An analyze folder as :func:`topocli.reports.folders.load_folder` reads it (its
        tables ``metrics``, ``nulls``, ``motifs``, ``class_matrix``, ``rich_club`` and
        ``fidelity``, each optional, and its ``config``).

    Returns
    -------
    AnalyzeTables
        Nothing in ``folder`` is changed.
    """
    metrics = folder.table("metrics")
    nulls = folder.table("nulls")
    graphs: list = []
    if metrics is not None and "graph" in metrics:
        graphs = list(pd.unique(metrics["graph"]))
    elif metrics is not None:
        metrics = metrics.assign(graph=folder.path.name)
        graphs = [folder.path.name]
    label = null_label(folder.config, nulls)
    metrics = _with_holm_and_percentile(metrics, nulls)
    return AnalyzeTables(
        graphs=tuple(graphs), metrics=metrics, nulls=nulls, null_label=label,
        motifs=folder.table("motifs"), class_matrix=folder.table("class_matrix"),
        rich_club=folder.table("rich_club"),
        summary=_summary(metrics, nulls, label, folder.table("fidelity")))


# ----------------------------------------------------------------------- statistics
def tested_p(metrics: pd.DataFrame) -> pd.Series:
    """p-values of the rows that are tests: a statistic the null model fixes (null sd 0,
    e.g. n and m under degree-preserving rewiring) is no test and gets NaN."""
    if "p" not in metrics:
        return pd.Series(np.nan, index=metrics.index)
    p = pd.to_numeric(metrics["p"], errors="coerce")
    if "null_sd" in metrics:
        sd = pd.to_numeric(metrics["null_sd"], errors="coerce")
        p = p.where(~(sd == 0))
    return p


def holm_by_graph(metrics: pd.DataFrame) -> pd.Series:
    """Holm-adjusted p across the tested statistics of each graph (NaN for the others)."""
    p = tested_p(metrics)
    out = pd.Series(np.nan, index=metrics.index)
    groups = metrics.groupby("graph", sort=False).groups if "graph" in metrics else \
        {None: metrics.index}
    for idx in groups.values():
        out.loc[idx] = st.holm(p.loc[idx].to_numpy(float))
    return out


def _with_holm_and_percentile(metrics: pd.DataFrame | None,
                              nulls: pd.DataFrame | None) -> pd.DataFrame | None:
    if metrics is None:
        return None
    m = metrics.copy()
    m["p_holm"] = holm_by_graph(m)
    if nulls is not None:
        m["percentile"] = [
            st.percentile_of(_num(r["value"]), _null_values(nulls, r.get("graph"),
                                                             r["statistic"]))
            for _, r in m.iterrows()]
    return m


def _null_values(nulls: pd.DataFrame, graph, statistic: str) -> np.ndarray:
    if statistic not in nulls:
        return np.array([])
    sub = nulls[nulls["graph"] == graph] if graph is not None and "graph" in nulls else nulls
    return pd.to_numeric(sub[statistic], errors="coerce").dropna().to_numpy(float)


def _num(x: object) -> float:
    try:
        return float(x)
    except (TypeError, ValueError):
        return math.nan


def null_label(config: dict, nulls: pd.DataFrame | None) -> str:
    """"<model> nulls" from config.json's options (or nulls.csv), else "null graphs"."""
    opts = config.get("options", {}) if isinstance(config, dict) else {}
    model = None
    if isinstance(opts, dict):
        model = opts.get("null_model") or opts.get("null")
    graphs = config.get("graphs") if isinstance(config, dict) else None
    if model is None and isinstance(graphs, list) and graphs and isinstance(graphs[0], dict):
        model = graphs[0].get("null_model")
    if model is None and nulls is not None:
        for col in ("null_model", "model"):
            if col in nulls:
                model = ",".join(map(str, pd.unique(nulls[col])))
    return f"{model} nulls" if model else "null graphs"


# ----------------------------------------------------------------------- headline
def _summary(metrics: pd.DataFrame | None, nulls: pd.DataFrame | None, label: str,
             fidelity: pd.DataFrame | None) -> AnalyzeSummary | None:
    """The headline facts of the first graph (``metrics`` has its ``p_holm`` already)."""
    if metrics is None or metrics.empty:
        return None
    g = metrics["graph"].iloc[0]
    rows = metrics[metrics["graph"] == g]
    lookup = {r["statistic"]: _num(r["value"]) for _, r in rows.iterrows()}
    n_nulls = None
    if nulls is not None:
        n_nulls = len(nulls[nulls["graph"] == g]) if "graph" in nulls else len(nulls)
    z = pd.to_numeric(rows["z"], errors="coerce") if "z" in rows else None
    extreme = None
    n_extreme = n_with_z = 0
    if z is not None and z.notna().any():
        r = rows.loc[z.abs().idxmax()]
        extreme = ExtremeStatistic(str(r["statistic"]), _num(r["z"]), _num(r["value"]),
                                   _num(r.get("null_mean")), _num(r.get("null_sd")),
                                   _num(r.get("p")), _num(r.get("p_holm")))
        n_extreme = int((z.abs() >= EXTREME_Z).sum())
        n_with_z = int(z.notna().sum())
    tested = int(rows["p_holm"].notna().sum())
    # The smallest two-sided empirical p is 2/(N+1), so nothing can pass Holm over K
    # tests unless N >= 2K/alpha - 1 (metrics.nulls.nulls_for_holm).
    needed = nulls_for_holm(tested, alpha=ALPHA) if tested else None
    return AnalyzeSummary(
        graph=str(g), n=lookup.get("n", math.nan), m=lookup.get("m", math.nan),
        n_nulls=n_nulls, null_label=label, extreme=extreme, n_extreme=n_extreme,
        n_with_z=n_with_z, tested=tested,
        differ=int((rows["p_holm"] <= ALPHA + 1e-12).sum()),
        nulls_needed=needed if n_nulls and needed and n_nulls < needed else None,
        fidelity=_fidelity(fidelity, g), more_graphs=len(pd.unique(metrics["graph"])) - 1)


def _fidelity(fid: pd.DataFrame | None, graph) -> NullFidelity | None:
    """What the nulls of ``graph`` held (fidelity.csv), or None without that table."""
    if fid is None or "quantity" not in fid:
        return None
    if "graph" in fid:
        fid = fid[fid["graph"] == graph]
    held = fid["held"].astype(str).str.lower() == "true"
    promised = fid["promised"].astype(str).str.lower() == "true"
    broken = tuple((str(r["family"]), str(r["quantity"]))
                   for _, r in fid[promised & ~held].iterrows())
    first = fid["family"].iloc[0] if len(fid) else None
    of_first = fid["family"] == first
    return NullFidelity(
        broken=broken, family=None if first is None else str(first),
        held=tuple(map(str, fid[of_first & held]["quantity"])),
        not_held=tuple(map(str, fid[of_first & ~held]["quantity"])))
