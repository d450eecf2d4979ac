"""Statistics both report pages use: Holm, a value among others, topology columns.

Pure functions over plain arrays and tables; nothing here reads files or draws.
Each is used by the analyze page and by the sweep page, which is why this module is not
split by page kind: :func:`holm` adjusts the analyze page's p-values per graph and the
sweep's correlations across statistics; :func:`percentile_of` places a real value among
its nulls (analyze) or a real graph among its family (sweep); :func:`statistic_columns`
picks the topology columns of nulls.csv (the analyze page's null figure) and of
graphs.csv (the sweep). :func:`empirical_p` is the one empirical p of
:mod:`topocli.metrics.nulls`, re-exported for the report code.

What only one page uses lives beside that page's tables: the sweep's correlations with
accuracy in :mod:`topocli.reports.sweep_correlations`, its design-aware statistics
(graphs as units, seeds as blocks, ranks) in :mod:`topocli.reports.sweep_stats`, the
analyze page's tested p and Holm per graph in :mod:`topocli.reports.analyze_tables`.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from topocli.metrics.nulls import empirical_p  # the one empirical p (re-exported)

__all__ = ["ID_COLUMNS", "empirical_p", "holm", "percentile_of", "statistic_columns"]

#: graphs.csv columns that describe a graph's identity, not its topology.
ID_COLUMNS = frozenset({"graph_id", "family", "index", "seed", "params", "file", "graph",
                        "null_index", "null_model", "model", "status", "error", "config"})


def holm(pvalues) -> np.ndarray:
    """Holm–Bonferroni adjusted p-values (NaNs are left out of the family and kept NaN).

    ``p_adj(i) = max_{j <= i} min(1, (m - j + 1) p_(j))`` over the sorted p-values.

    References
    ----------
    Holm (1979), A simple sequentially rejective multiple test procedure.
    """
    p = np.asarray(pvalues, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = np.flatnonzero(np.isfinite(p))
    m = len(ok)
    if m == 0:
        return out
    order = ok[np.argsort(p[ok], kind="stable")]
    scaled = np.minimum(1.0, (m - np.arange(m)) * p[order])
    out[order] = np.maximum.accumulate(scaled)
    return out


def statistic_columns(graphs: pd.DataFrame, *, exclude=()) -> list[str]:
    """Numeric, non-constant columns of ``graphs`` that describe topology."""
    cols = []
    for col in graphs.columns:
        if col in ID_COLUMNS or col in exclude:
            continue
        values = pd.to_numeric(graphs[col], errors="coerce")
        if values.notna().sum() >= 3 and values.nunique(dropna=True) > 1:
            cols.append(col)
    return cols


def percentile_of(value: float, others) -> float:
    """Percent of ``others`` below ``value``, ties counting half (0–100; NaN if none)."""
    o = np.asarray(others, dtype=float)
    o = o[np.isfinite(o)]
    if len(o) == 0 or not np.isfinite(value):
        return math.nan
    return float(100.0 * (np.sum(o < value) + 0.5 * np.sum(o == value)) / len(o))
