"""The analyze page's figures: one function per PNG, each ``f(data..., path) -> Path``
(``None`` when there is nothing to draw)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from topocli.reports import stats as st
from topocli.reports.figure_style import (
    CLASS_ORDER,
    PALETTE,
    REAL_COLOR,
    grid_shape,
    new_figure,
    save_figure,
    short_name,
)


def null_distributions(values: dict[str, float], nulls: pd.DataFrame, path: Path, *,
                       title: str = "") -> Path | None:
    """One histogram per statistic of the null graphs, the real value as a red line."""
    stats = st.statistic_columns(nulls)
    if any(s in values for s in stats):
        # only what metrics.csv reports, in its order (nulls.csv also holds motif counts,
        # class edge counts... that have their own figures)
        stats = [s for s in values if s in stats]
    if not stats:
        return None
    nrows, ncols = grid_shape(len(stats))
    fig = new_figure(3.0 * ncols, 2.4 * nrows + 0.4)
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, stat in zip(axes, stats):
        data = pd.to_numeric(nulls[stat], errors="coerce").dropna().to_numpy(float)
        ax.hist(data, bins=min(30, max(5, len(data) // 3)), color="#9ecae1",
                edgecolor="#3182bd", linewidth=0.5)
        real = values.get(stat, math.nan)
        if np.isfinite(real):
            ax.axvline(real, color=REAL_COLOR, linewidth=2.2, label="real")
            lo, hi = min(data.min(), real), max(data.max(), real)
            pad = 0.05 * (hi - lo or abs(hi) or 1.0)
            ax.set_xlim(lo - pad, hi + pad)
            pct = st.percentile_of(real, data)
            sd = data.std(ddof=1) if len(data) > 1 else 0.0
            z = f"z = {(real - data.mean()) / sd:+.1f}, " if sd > 0 else ""
            ax.set_title(f"{short_name(stat)}\nreal {real:.3g} ({z}{pct:.0f}th pct)", fontsize=9)
        else:
            ax.set_title(f"{short_name(stat)}\n(no real value)", fontsize=9)
        ax.tick_params(labelsize=7)
        ax.xaxis.set_major_locator(MaxNLocator(4))
        ax.set_yticks([])
    for ax in axes[len(stats):]:
        ax.set_visible(False)
    fig.suptitle(title or "Null distributions (bars) and the real graph (red line)",
                 fontsize=11)
    return save_figure(fig, path)


def degree_distributions(graphs: dict, path: Path) -> Path | None:
    """Degree histogram and log-log complementary CDF (in/out for directed graphs)."""
    if not graphs:
        return None
    fig = new_figure(11, 4.2)
    ax_hist, ax_ccdf = fig.subplots(1, 2)
    colors = PALETTE
    for i, (name, g) in enumerate(graphs.items()):
        c = colors[i % len(colors)]
        deg = np.asarray(g.degree(), dtype=float)
        ax_hist.hist(deg, bins=min(40, max(5, int(deg.max()) + 1)), histtype="stepfilled",
                     alpha=0.45 if len(graphs) > 1 else 0.8, color=c, label=short_name(name, 30))
        series = ([("in", g.indegree(), "-"), ("out", g.outdegree(), "--")]
                  if g.is_directed() else [("degree", g.degree(), "-")])
        for label, d, ls in series:
            d = np.sort(np.asarray(d, dtype=float))
            d = d[d > 0]
            if len(d) == 0:
                continue
            ccdf = 1.0 - np.arange(len(d)) / len(d)
            ax_ccdf.loglog(d, ccdf, ls, color=c, drawstyle="steps-post",
                           label=f"{short_name(name, 24)} {label}")
    ax_hist.set_xlabel("degree (in + out)")
    ax_hist.set_ylabel("nodes")
    ax_hist.set_title("Degree histogram")
    ax_ccdf.set_xlabel("degree k")
    ax_ccdf.set_ylabel("P(degree ≥ k)")
    ax_ccdf.set_title("Complementary CDF (log–log)")
    ax_ccdf.legend(fontsize=8)
    if len(graphs) > 1:
        ax_hist.legend(fontsize=8)
    return save_figure(fig, path)


def motif_profile(motifs: pd.DataFrame, path: Path) -> Path | None:
    """Significance profile (normalised z) of each motif, one panel per motif size."""
    value_col = "sp" if "sp" in motifs and motifs["sp"].notna().any() else "z"
    if value_col not in motifs or "motif" not in motifs:
        return None
    data = motifs.copy()
    data[value_col] = pd.to_numeric(data[value_col], errors="coerce")
    data = data[data[value_col].notna()]
    if data.empty:
        return None
    sizes = sorted(data["size"].unique()) if "size" in data else [None]
    fig = new_figure(max(6.0, 4.5 * len(sizes)), 3.8)
    axes = np.atleast_1d(fig.subplots(1, len(sizes)))
    graphs = list(data["graph"].unique()) if "graph" in data else [None]
    for ax, size in zip(axes, sizes):
        sub = data if size is None else data[data["size"] == size]
        labels = [str(m) for m in pd.unique(sub["motif"])]
        xs = np.arange(len(labels))
        for i, g in enumerate(graphs):
            gsub = sub if g is None else sub[sub["graph"] == g]
            y = gsub.set_index(gsub["motif"].astype(str))[value_col].reindex(labels)
            ax.plot(xs, y.to_numpy(float), "o-", color=PALETTE[i % len(PALETTE)],
                    label=None if g is None else short_name(str(g), 30))
        ax.axhline(0, color="0.5", linewidth=0.8)
        ax.set_xticks(xs)
        ax.set_xticklabels(labels, rotation=90 if len(labels) > 8 else 0, fontsize=7)
        ax.set_xlabel("motif (igraph isoclass)")
        ax.set_ylabel("significance profile" if value_col == "sp" else "z-score")
        ax.set_title(f"{size}-node motifs" if size is not None else "motifs")
    if graphs != [None] and len(graphs) > 1:
        axes[0].legend(fontsize=8)
    return save_figure(fig, path)


def _class_order(g) -> tuple[np.ndarray, list[tuple[str, int, int]]]:
    classes = list(g.vs["cell_class"]) if "cell_class" in g.vs.attributes() else \
        ["unknown"] * g.vcount()
    rank = {c: i for i, c in enumerate(CLASS_ORDER)}
    deg = np.asarray(g.degree())
    order = sorted(range(g.vcount()),
                   key=lambda v: (rank.get(classes[v], len(rank)), classes[v], -deg[v]))
    return np.asarray(order), _blocks([classes[v] for v in order])


def _blocks(labels: list) -> list[tuple[str, int, int]]:
    blocks, start = [], 0
    for i in range(1, len(labels) + 1):
        if i == len(labels) or labels[i] != labels[start]:
            blocks.append((str(labels[start]), start, i))
            start = i
    return blocks


def _community_order(g, seed: int) -> tuple[np.ndarray, list[tuple[str, int, int]], float]:
    import leidenalg

    und = g.as_undirected(mode="collapse") if g.is_directed() else g
    part = leidenalg.find_partition(und, leidenalg.ModularityVertexPartition, seed=seed)
    member = np.asarray(part.membership)
    deg = np.asarray(g.degree())
    order = np.lexsort((-deg, member))
    labels = [f"C{member[v] + 1}" for v in order]
    return order, _blocks(labels), float(part.modularity)


def adjacency(g, path: Path, *, seed: int = 0, title: str = "") -> Path | None:
    """Adjacency matrix ordered by neuron class and by Leiden community, side by side."""
    n = g.vcount()
    if n == 0:
        return None
    a = np.zeros((n, n), dtype=np.uint8)
    edges = np.asarray(g.get_edgelist(), dtype=int).reshape(-1, 2)
    a[edges[:, 0], edges[:, 1]] = 1
    if not g.is_directed():
        a[edges[:, 1], edges[:, 0]] = 1
    fig = new_figure(12, 6.3)
    axes = fig.subplots(1, 2)
    corder, cblocks = _class_order(g)
    morder, mblocks, q = _community_order(g, seed)
    panels = [(axes[0], corder, cblocks, "ordered by neuron class"),
              (axes[1], morder, mblocks, f"ordered by Leiden community (Q = {q:.2f})")]
    for ax, order, blocks, subtitle in panels:
        ax.imshow(a[np.ix_(order, order)], cmap="Greys", interpolation="nearest",
                  vmin=0, vmax=1)
        for _, s, _e in blocks[1:]:
            ax.axhline(s - 0.5, color=REAL_COLOR, linewidth=0.7)
            ax.axvline(s - 0.5, color=REAL_COLOR, linewidth=0.7)
        shown = [(lab, s, e) for lab, s, e in blocks if e - s >= max(3, n // 60)]
        if len(shown) <= 12:
            ax.set_yticks([(s + e - 1) / 2 for _, s, e in shown])
            ax.set_yticklabels([lab for lab, _, _ in shown], fontsize=8)
        else:
            ax.set_yticks([])
        ax.set_xticks([])
        ax.set_title(subtitle, fontsize=10)
        ax.set_xlabel("target" if g.is_directed() else "node")
    fig.suptitle(title or f"Adjacency matrix ({n} nodes, {g.ecount()} edges; "
                 "rows = source)", fontsize=11)
    return save_figure(fig, path)


def class_matrix(table: pd.DataFrame, path: Path, *, title: str = "") -> Path | None:
    """Class-to-class edge counts as a heat map, with the null z-score in each cell."""
    if not {"source_class", "target_class", "edges"} <= set(table.columns):
        return None
    t = table.copy()
    t["edges"] = pd.to_numeric(t["edges"], errors="coerce")
    rank = {c: i for i, c in enumerate(CLASS_ORDER)}
    classes = sorted(set(t["source_class"]) | set(t["target_class"]),
                     key=lambda c: (rank.get(c, len(rank)), str(c)))
    counts = t.pivot_table(index="source_class", columns="target_class", values="edges",
                           aggfunc="sum").reindex(index=classes, columns=classes)
    z = None
    if "z" in t:
        t["z"] = pd.to_numeric(t["z"], errors="coerce")
        z = t.pivot_table(index="source_class", columns="target_class", values="z",
                          aggfunc="mean").reindex(index=classes, columns=classes)
    k = len(classes)
    fig = new_figure(1.3 * k + 3, 1.1 * k + 1.6)
    ax = fig.subplots()
    m = counts.to_numpy(float)
    im = ax.imshow(np.nan_to_num(m), cmap="Blues")
    fig.colorbar(im, ax=ax, label="edges", shrink=0.8)
    vmax = np.nanmax(m) if np.isfinite(m).any() else 1
    for i in range(k):
        for j in range(k):
            if not np.isfinite(m[i, j]):
                continue
            text = f"{m[i, j]:.0f}"
            if z is not None and np.isfinite(z.iat[i, j]):
                text += f"\nz={z.iat[i, j]:+.1f}"
            ax.text(j, i, text, ha="center", va="center", fontsize=9,
                    color="white" if m[i, j] > 0.6 * vmax else "black")
    ax.set_xticks(range(k))
    ax.set_xticklabels(classes, rotation=30, ha="right")
    ax.set_yticks(range(k))
    ax.set_yticklabels(classes)
    ax.set_xlabel("target class")
    ax.set_ylabel("source class")
    ax.set_title(title or "Edges between neuron classes (z against nulls)", fontsize=11)
    return save_figure(fig, path)


def rich_club(table: pd.DataFrame, path: Path) -> Path | None:
    """Rich-club coefficient against degree k, normalised by the nulls (1 = as random)."""
    col = "normalized" if "normalized" in table and table["normalized"].notna().any() \
        else "rich_club"
    if col not in table or "k" not in table:
        return None
    fig = new_figure(6.5, 3.8)
    ax = fig.subplots()
    graphs = list(pd.unique(table["graph"])) if "graph" in table else [None]
    for i, g in enumerate(graphs):
        sub = table if g is None else table[table["graph"] == g]
        y = pd.to_numeric(sub[col], errors="coerce")
        ax.plot(sub["k"], y, "o-", markersize=3, color=PALETTE[i % len(PALETTE)],
                label=None if g is None else short_name(str(g), 30))
    if col == "normalized":
        ax.axhline(1, color="0.5", linewidth=0.8, linestyle="--")
    ax.set_xlabel("degree k")
    ax.set_ylabel("rich club / null mean" if col == "normalized" else "rich-club coefficient")
    ax.set_title("Rich club: nodes of degree > k, connected among themselves")
    if len(graphs) > 1:
        ax.legend(fontsize=8)
    return save_figure(fig, path)


def comparison_z(table: pd.DataFrame, graphs: tuple[str, ...], path: Path) -> Path | None:
    """Heat map of each statistic's z against each graph's own nulls (rows: statistics,
    columns: graphs), on a signed log scale ``sign(z) log10(1 + |z|)`` so that z of 3 and
    of 300 both read; each cell prints its z."""
    cols = [f"z {g}" for g in graphs]
    if table.empty or not all(c in table for c in cols):
        return None
    z = table[cols].apply(pd.to_numeric, errors="coerce").to_numpy(float)
    shown = np.sign(z) * np.log10(1 + np.abs(z))
    lim = float(np.nanmax(np.abs(shown))) if np.isfinite(shown).any() else 1.0
    fig = new_figure(2.2 + 1.5 * len(graphs), 1.0 + 0.3 * len(table))
    ax = fig.add_subplot(111)
    ax.imshow(np.ma.masked_invalid(shown), cmap="RdBu_r", vmin=-lim, vmax=lim,
              aspect="auto")
    for (i, j), value in np.ndenumerate(z):
        if np.isfinite(value):
            dark = abs(shown[i, j]) > 0.6 * lim
            ax.text(j, i, f"{value:.3g}", ha="center", va="center", fontsize=7,
                    color="white" if dark else "black")
    ax.set_xticks(range(len(graphs)), [short_name(g) for g in graphs], rotation=20,
                  ha="right", fontsize=8)
    ax.set_yticks(range(len(table)), [short_name(s) for s in table["statistic"]], fontsize=8)
    ax.set_title("z against each graph's own nulls (colour: sign(z) log10(1+|z|))",
                 fontsize=10)
    return save_figure(fig, path)
