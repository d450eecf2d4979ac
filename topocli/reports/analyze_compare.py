"""Connectomes side by side, each against its own nulls (the analyze page's comparison).

Graphs of different sizes and species do not compare by their raw values (a path length of
3 means one thing on 200 nodes and another on 2,000), so each statistic of each graph is
put on two scales its own nulls define:

* ``z = (value - null mean) / null sd``, how many null sds the graph lies from its nulls;
* the null-normalised value ``value / null mean`` (1: as its nulls; the ``C / C_r`` and
  ``L / L_r`` of small-world analyses, Humphries & Gurney 2008), left blank where the
  null mean is not positive or the value is negative (assortativities, class modularity:
  a ratio of numbers around zero says nothing).

A statistic is *extreme* in a graph when ``|z| >= EXTREME_Z`` and the real value lies
beyond every one of its nulls (percentile 0 or 1). Both are needed: a z alone assumes
normal nulls, and "beyond every null" alone is reached by chance with few nulls. Holm's
adjustment is not the criterion here, because with N nulls the smallest two-sided
empirical p is 2/(N+1) and nothing passes Holm over K statistics below N = 40K - 1; the
per-graph Holm p stays in the statistics table. The comparison holds each graph's
statistics and its nulls as analyze wrote them; it resamples nothing, and leaves out
the statistics a null model fixes (null sd 0: no z).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from topocli.reports.analyze_tables import EXTREME_Z, AnalyzeTables

__all__ = ["Comparison", "compare_graphs"]


@dataclass(frozen=True)
class Comparison:
    """Every graph's statistics against its own nulls, one row per statistic."""

    graphs: tuple[str, ...]
    #: statistic, then ``z <graph>`` and ``ratio <graph>`` per graph, then ``extreme in``.
    table: pd.DataFrame
    #: Statistics extreme in every graph, in the same direction.
    in_every: tuple[str, ...]
    #: Statistics extreme in exactly one graph, with that graph.
    in_one: tuple[tuple[str, str], ...]
    #: graph, nodes, edges, nulls, and what its nulls held (fidelity.csv).
    graph_table: pd.DataFrame


def _extreme(row: pd.Series) -> int:
    """+1 / -1 when the row is extreme above / below its nulls, else 0."""
    z = pd.to_numeric(pd.Series([row.get("z")]), errors="coerce").iloc[0]
    pct = pd.to_numeric(pd.Series([row.get("percentile")]), errors="coerce").iloc[0]
    if not np.isfinite(z) or abs(z) < EXTREME_Z:
        return 0
    if np.isfinite(pct) and 0 < pct < 1:
        return 0
    return 1 if z > 0 else -1


def _extreme_in(signs: dict[str, int], graphs: tuple[str, ...]) -> str:
    hit = {g: s for g, s in signs.items() if s}
    if not hit:
        return "none"
    if len(hit) == len(graphs) and len(set(hit.values())) == 1:
        return f"every graph ({'above' if next(iter(hit.values())) > 0 else 'below'} nulls)"
    return ", ".join(f"{g} ({'+' if s > 0 else '-'})" for g, s in hit.items())


def compare_graphs(tables: AnalyzeTables, fidelity: pd.DataFrame | None = None
                   ) -> Comparison | None:
    """The comparison of the graphs in ``tables`` (None with fewer than two graphs or no
    statistics table)."""
    m = tables.metrics
    graphs = tuple(str(g) for g in tables.graphs)
    if m is None or len(graphs) < 2:
        return None
    m = m.assign(graph=m["graph"].astype(str))
    z = pd.to_numeric(m["z"], errors="coerce") if "z" in m else pd.Series(np.nan, m.index)
    with_z = m[z.notna()]
    statistics = list(pd.unique(with_z["statistic"]))
    rows, in_every, in_one = [], [], []
    for stat in statistics:
        row: dict[str, object] = {"statistic": stat}
        signs: dict[str, int] = {}
        for g in graphs:
            r = m[(m["graph"] == g) & (m["statistic"] == stat)]
            if r.empty:
                row[f"z {g}"] = row[f"ratio {g}"] = np.nan
                continue
            r = r.iloc[0]
            value = pd.to_numeric(pd.Series([r["value"], r.get("null_mean")]),
                                  errors="coerce").to_numpy(float)
            row[f"z {g}"] = pd.to_numeric(pd.Series([r["z"]]), errors="coerce").iloc[0]
            # a ratio says "k times its nulls" only when both are positive; around zero
            # (assortativities, class modularity) it flips sign and blows up
            row[f"ratio {g}"] = value[0] / value[1] if value[1] > 0 and value[0] >= 0 \
                else np.nan
            signs[g] = _extreme(r)
        row["extreme in"] = _extreme_in(signs, graphs)
        hit = [g for g, s in signs.items() if s]
        if len(hit) == len(graphs) and len({signs[g] for g in hit}) == 1:
            in_every.append(stat)
        elif len(hit) == 1:
            in_one.append((stat, hit[0]))
        rows.append(row)
    return Comparison(graphs=graphs, table=pd.DataFrame(rows), in_every=tuple(in_every),
                      in_one=tuple(in_one), graph_table=_graph_table(tables, fidelity))


def _graph_table(tables: AnalyzeTables, fidelity: pd.DataFrame | None) -> pd.DataFrame:
    rows = []
    for g in tables.graphs:
        values = tables.real_values(g)
        nulls = tables.nulls_of(g)
        row = {"graph": str(g), "nodes": values.get("n", np.nan),
               "edges": values.get("m", np.nan),
               "nulls": 0 if nulls is None else len(nulls)}
        if fidelity is not None and "promised" in fidelity:
            fid = fidelity[fidelity["graph"].astype(str) == str(g)] if "graph" in fidelity \
                else fidelity
            promised = fid["promised"].astype(str).str.lower() == "true"
            held = fid["held"].astype(str).str.lower() == "true"
            row["null fidelity"] = (f"{int((promised & held).sum())} of "
                                    f"{int(promised.sum())} promised quantities held")
        rows.append(row)
    return pd.DataFrame(rows)
