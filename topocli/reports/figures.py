"""The report's figures: one function per PNG, each ``f(data..., path) -> Path``.

Figures are built with :class:`matplotlib.figure.Figure` and the Agg canvas directly (no
pyplot, so no global state and no display needed). Every function returns ``None``
instead of drawing an empty figure when its data has nothing to show. The real connectome
is always drawn in the same red, null families in the same colours across figures.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import EngFormatter, MaxNLocator

from topocli.reports import stats as st
from topocli.reports import sweep_correlations as sc

REAL_COLOR = "#d62728"
REAL_MARKER = "*"
_PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
            "#bcbd22", "#17becf", "#aec7e8", "#98df8a", "#c5b0d5"]
#: With the palette's 12 colours, 48 null families are told apart by colour and marker.
_MARKERS = ("o", "s", "^", "D")
CLASS_ORDER = ("sensory", "pharyngeal", "interneuron", "unknown", "other", "motor", "muscle")
DPI = 100


def family_styles(families) -> dict[str, tuple[str, str]]:
    """Stable (colour, marker) per family: ``real`` a red star, the others in order of
    first appearance, the marker changing each time the colours come round again."""
    styles, i = {}, 0
    for fam in families:
        if fam in styles:
            continue
        if fam == "real":
            styles[fam] = (REAL_COLOR, REAL_MARKER)
        else:
            styles[fam] = (_PALETTE[i % len(_PALETTE)],
                           _MARKERS[(i // len(_PALETTE)) % len(_MARKERS)])
            i += 1
    return styles


def family_colors(families) -> dict[str, str]:
    """The colour of :func:`family_styles`."""
    return {fam: color for fam, (color, _) in family_styles(families).items()}


def _new(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _save(fig: Figure, path: Path) -> Path:
    path = Path(path)
    # a tight box takes in legends placed outside the axes: none is clipped at the edges
    fig.savefig(path, format="png", dpi=DPI, bbox_inches="tight", pad_inches=0.1)
    return path


def _grid(n: int, ncols: int = 4) -> tuple[int, int]:
    ncols = max(1, min(ncols, n))
    return math.ceil(n / ncols), ncols


def _upper_first(text: str) -> str:
    """``text`` with its first letter upper case and the rest untouched (NRMSE stays)."""
    return text[:1].upper() + text[1:]


def _short(name: str, width: int = 26) -> str:
    return name if len(name) <= width else name[: width - 1] + "…"


def _line_fit(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Least-squares slope and intercept; a near-degenerate x gives no RankWarning."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", np.exceptions.RankWarning)
        slope, icpt = np.polyfit(x, y, 1)
    return float(slope), float(icpt)


def _family_points(ax, x: np.ndarray, y: np.ndarray, fams: np.ndarray,
                   styles: dict[str, tuple[str, str]], *, skip_real: bool = False) -> None:
    """One scatter per family in its colour and marker; the real graphs as large stars."""
    for fam in pd.unique(fams):
        m = (fams == fam) & np.isfinite(x) & np.isfinite(y)
        if not m.any() or (skip_real and fam == "real"):
            continue
        color, marker = styles.get(fam, (_PALETTE[0], "o"))
        real = fam == "real"
        ax.scatter(x[m], y[m], s=120 if real else 18, color=color, marker=marker,
                   edgecolor="black" if real else "none", zorder=4 if real else 2,
                   label="real connectome" if real else fam)


def _figure_legend(fig: Figure, ax) -> None:
    """The families' legend below the panels, in as many rows as it needs."""
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="outside lower center", ncols=min(6, len(labels)),
                   fontsize=8)


# --------------------------------------------------------------------------- analyze
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
    nrows, ncols = _grid(len(stats))
    fig = _new(3.0 * ncols, 2.4 * nrows + 0.4)
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
            ax.set_title(f"{_short(stat)}\nreal {real:.3g} ({z}{pct:.0f}th pct)", fontsize=9)
        else:
            ax.set_title(f"{_short(stat)}\n(no real value)", fontsize=9)
        ax.tick_params(labelsize=7)
        ax.xaxis.set_major_locator(MaxNLocator(4))
        ax.set_yticks([])
    for ax in axes[len(stats):]:
        ax.set_visible(False)
    fig.suptitle(title or "Null distributions (bars) and the real graph (red line)",
                 fontsize=11)
    return _save(fig, path)


def degree_distributions(graphs: dict, path: Path) -> Path | None:
    """Degree histogram and log-log complementary CDF (in/out for directed graphs)."""
    if not graphs:
        return None
    fig = _new(11, 4.2)
    ax_hist, ax_ccdf = fig.subplots(1, 2)
    colors = _PALETTE
    for i, (name, g) in enumerate(graphs.items()):
        c = colors[i % len(colors)]
        deg = np.asarray(g.degree(), dtype=float)
        ax_hist.hist(deg, bins=min(40, max(5, int(deg.max()) + 1)), histtype="stepfilled",
                     alpha=0.45 if len(graphs) > 1 else 0.8, color=c, label=_short(name, 30))
        series = ([("in", g.indegree(), "-"), ("out", g.outdegree(), "--")]
                  if g.is_directed() else [("degree", g.degree(), "-")])
        for label, d, ls in series:
            d = np.sort(np.asarray(d, dtype=float))
            d = d[d > 0]
            if len(d) == 0:
                continue
            ccdf = 1.0 - np.arange(len(d)) / len(d)
            ax_ccdf.loglog(d, ccdf, ls, color=c, drawstyle="steps-post",
                           label=f"{_short(name, 24)} {label}")
    ax_hist.set_xlabel("degree (in + out)")
    ax_hist.set_ylabel("nodes")
    ax_hist.set_title("Degree histogram")
    ax_ccdf.set_xlabel("degree k")
    ax_ccdf.set_ylabel("P(degree ≥ k)")
    ax_ccdf.set_title("Complementary CDF (log–log)")
    ax_ccdf.legend(fontsize=8)
    if len(graphs) > 1:
        ax_hist.legend(fontsize=8)
    return _save(fig, path)


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
    fig = _new(max(6.0, 4.5 * len(sizes)), 3.8)
    axes = np.atleast_1d(fig.subplots(1, len(sizes)))
    graphs = list(data["graph"].unique()) if "graph" in data else [None]
    for ax, size in zip(axes, sizes):
        sub = data if size is None else data[data["size"] == size]
        labels = [str(m) for m in pd.unique(sub["motif"])]
        xs = np.arange(len(labels))
        for i, g in enumerate(graphs):
            gsub = sub if g is None else sub[sub["graph"] == g]
            y = gsub.set_index(gsub["motif"].astype(str))[value_col].reindex(labels)
            ax.plot(xs, y.to_numpy(float), "o-", color=_PALETTE[i % len(_PALETTE)],
                    label=None if g is None else _short(str(g), 30))
        ax.axhline(0, color="0.5", linewidth=0.8)
        ax.set_xticks(xs)
        ax.set_xticklabels(labels, rotation=90 if len(labels) > 8 else 0, fontsize=7)
        ax.set_xlabel("motif (igraph isoclass)")
        ax.set_ylabel("significance profile" if value_col == "sp" else "z-score")
        ax.set_title(f"{size}-node motifs" if size is not None else "motifs")
    if graphs != [None] and len(graphs) > 1:
        axes[0].legend(fontsize=8)
    return _save(fig, path)


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
    fig = _new(12, 6.3)
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
    return _save(fig, path)


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
    fig = _new(1.3 * k + 3, 1.1 * k + 1.6)
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
    return _save(fig, path)


# --------------------------------------------------------------------------- sweep
def accuracy_by_family(runs: pd.DataFrame, path: Path, *, metric: str = "test_acc",
                       seed: int = 0, label: str | None = None,
                       higher_is_better: bool = True) -> Path | None:
    """Box plot of the score per family with every run as a point, families best first;
    the real one in red."""
    ok = runs[runs["status"].astype(str) == "ok"] if "status" in runs else runs
    ok = ok.assign(**{metric: pd.to_numeric(ok[metric], errors="coerce")}).dropna(
        subset=[metric])
    if ok.empty:
        return None
    means = ok.groupby("family", sort=False)[metric].mean()
    fams = (["real"] if "real" in means else []) + \
        [f for f in means.sort_values(ascending=not higher_is_better).index if f != "real"]
    colors = family_colors(fams)
    data = [ok.loc[ok["family"] == f, metric].to_numpy(float) for f in fams]
    fig = _new(max(6.0, 1.3 * len(fams) + 2), 4.6)
    ax = fig.subplots()
    box = ax.boxplot(data, positions=range(len(fams)), widths=0.55, patch_artist=True,
                     showfliers=False, medianprops={"color": "black"})
    for patch, fam in zip(box["boxes"], fams):
        patch.set_facecolor(colors[fam])
        patch.set_alpha(0.35)
    rng = np.random.default_rng(seed)
    for i, (fam, vals) in enumerate(zip(fams, data)):
        ax.scatter(i + rng.uniform(-0.18, 0.18, len(vals)), vals, s=22 if fam == "real" else 14,
                   color=colors[fam], edgecolor="black" if fam == "real" else "none",
                   zorder=3, alpha=0.9)
    if "real" in fams:
        real_mean = float(np.mean(data[fams.index("real")]))
        ax.axhline(real_mean, color=REAL_COLOR, linestyle="--", linewidth=1,
                   label=f"real connectome mean {real_mean:.3f}")
        ax.legend(fontsize=8, loc="best")
    ax.set_xticks(range(len(fams)))
    if len(fams) > 5 or max(len(str(f)) for f in fams) > 12:  # grid points: long labels
        ax.set_xticklabels(fams, rotation=35, ha="right", fontsize=8)
    else:
        ax.set_xticklabels(fams)
    label = label or metric.replace("_", " ")
    ax.set_ylabel(label)
    ax.set_title(f"{_upper_first(label)} by graph family, best first (box: runs; dots: each "
                 "graph × seed)")
    return _save(fig, path)


def statistic_scatter(table: pd.DataFrame, correlations: pd.DataFrame, path: Path, *,
                      outcome: str = "acc", label: str = "accuracy",
                      max_panels: int = 24) -> Path | None:
    """The score against each statistic (one dot per graph), OLS fit line and ρ in the
    title."""
    finite = correlations[np.isfinite(correlations["rho"].to_numpy(float))]
    stats = [s for s in finite["statistic"] if s in table][:max_panels]
    if not stats:
        return None
    styles = family_styles(table["family"]) if "family" in table else {}
    nrows, ncols = _grid(len(stats))
    fig = _new(3.2 * ncols, 2.8 * nrows + 0.5)
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    y_all = pd.to_numeric(table[outcome], errors="coerce").to_numpy(float)
    info = correlations.set_index("statistic")
    for ax, stat in zip(axes, stats):
        x_all = pd.to_numeric(table[stat], errors="coerce").to_numpy(float)
        fams = table["family"].to_numpy() if "family" in table else np.array([""] * len(x_all))
        _family_points(ax, x_all, y_all, fams, styles)
        ok = np.isfinite(x_all) & np.isfinite(y_all)
        if ok.sum() >= 3 and np.ptp(x_all[ok]) > 0:
            slope, icpt = _line_fit(x_all[ok], y_all[ok])
            xs = np.linspace(x_all[ok].min(), x_all[ok].max(), 50)
            ax.plot(xs, slope * xs + icpt, color="black", linewidth=1)
        row = info.loc[stat]
        ci = (f" [{row['rho_low']:.2f}, {row['rho_high']:.2f}]"
              if np.isfinite(row["rho_low"]) else "")
        ax.set_title(f"{_short(stat)}\nρ = {row['rho']:.2f}{ci}", fontsize=9)
        ax.tick_params(labelsize=7)
        ax.xaxis.set_major_locator(MaxNLocator(4))
    for ax in axes[len(stats):]:
        ax.set_visible(False)
    _figure_legend(fig, axes[0])
    fig.suptitle(f"{_upper_first(label)} (mean over seeds) against each statistic; one dot "
                 "per graph", fontsize=11)
    return _save(fig, path)


def correlation_heatmap(table: pd.DataFrame, columns: list[str], path: Path) -> Path | None:
    """Spearman correlation matrix of the statistics, accuracy, parameters and MACs."""
    cols = [c for c in columns if c in table]
    if len(cols) < 2:
        return None
    data = table[cols].apply(pd.to_numeric, errors="coerce")
    corr = data.rank().corr(method="pearson").to_numpy(float)
    k = len(cols)
    size = min(16.0, 2.5 + 0.45 * k)
    fig = _new(size + 1.2, size)
    ax = fig.subplots()
    im = ax.imshow(corr, cmap="RdBu_r", vmin=-1, vmax=1)
    fig.colorbar(im, ax=ax, label="Spearman ρ", shrink=0.7)
    ax.set_xticks(range(k))
    ax.set_xticklabels([_short(c, 22) for c in cols], rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(k))
    ax.set_yticklabels([_short(c, 22) for c in cols], fontsize=8)
    if k <= 16:
        for i in range(k):
            for j in range(k):
                if np.isfinite(corr[i, j]):
                    ax.text(j, i, f"{corr[i, j]:.1f}", ha="center", va="center", fontsize=6,
                            color="white" if abs(corr[i, j]) > 0.6 else "black")
    ax.set_title("Spearman correlations across graphs")
    return _save(fig, path)


def training_curves(curves: pd.DataFrame, path: Path) -> Path | None:
    """Validation accuracy and training loss per epoch: each run thin, family mean bold."""
    panels = [c for c in ("val_acc", "train_loss") if c in curves
              and pd.to_numeric(curves[c], errors="coerce").notna().any()]
    if not panels or "epoch" not in curves:
        return None
    fams = list(pd.unique(curves["family"])) if "family" in curves else ["all"]
    colors = family_colors(fams)
    fig = _new(5.5 * len(panels), 4.2)
    axes = np.atleast_1d(fig.subplots(1, len(panels)))
    run_key = "run_id" if "run_id" in curves else None
    for ax, col in zip(axes, panels):
        data = curves.assign(**{col: pd.to_numeric(curves[col], errors="coerce")})
        for fam in fams:
            sub = data[data["family"] == fam] if "family" in data else data
            if run_key:
                for _, run in sub.groupby(run_key):
                    ax.plot(run["epoch"], run[col], color=colors[fam], alpha=0.15,
                            linewidth=0.7)
            mean = sub.groupby("epoch")[col].mean()
            ax.plot(mean.index, mean.to_numpy(), color=colors[fam], linewidth=2.4
                    if fam == "real" else 1.6, label=fam, marker="o", markersize=3)
        ax.set_xlabel("epoch")
        ax.set_ylabel(col.replace("_", " "))
        ax.set_title(col.replace("_", " ") + " per epoch (bold: family mean)")
    axes[0].legend(fontsize=8)
    return _save(fig, path)


def accuracy_vs_cost(per_graph: pd.DataFrame, path: Path, *,
                     label: str = "accuracy") -> Path | str | None:
    """The score (mean over seeds) against parameter count and MACs, one dot per graph;
    a sentence instead when every graph costs the same (one column of points)."""
    cols = [c for c in ("n_params", "macs") if c in per_graph
            and pd.to_numeric(per_graph[c], errors="coerce").notna().any()]
    if not cols:
        return None
    varying = [c for c in cols if pd.to_numeric(per_graph[c], errors="coerce").nunique() > 1]
    if not varying:
        return ("Every graph has the same parameter count and MACs (same n and m), so "
                f"{label} against cost would be one column of points: the figure is left "
                "out.")
    styles = family_styles(per_graph["family"]) if "family" in per_graph else {}
    fams = per_graph["family"].to_numpy() if "family" in per_graph else \
        np.array([""] * len(per_graph))
    y = pd.to_numeric(per_graph["acc"], errors="coerce").to_numpy(float)
    fig = _new(5.2 * len(varying), 4.2)
    axes = np.atleast_1d(fig.subplots(1, len(varying)))
    for ax, col in zip(axes, varying):
        x = pd.to_numeric(per_graph[col], errors="coerce").to_numpy(float)
        _family_points(ax, x, y, fams, styles)
        rho = sc.correlation(pd.Series(x), pd.Series(y))
        ax.set_xlabel("parameters" if col == "n_params" else "MACs per image")
        ax.set_ylabel(f"{label} (mean over seeds)")
        ax.set_title(f"{_upper_first(label)} vs {'parameters' if col == 'n_params' else 'MACs'}"
                     + (f" (ρ = {rho:.2f})" if np.isfinite(rho) else ""))
        ax.xaxis.set_major_formatter(EngFormatter())
        ax.xaxis.set_major_locator(MaxNLocator(5))
    _figure_legend(fig, axes[0])
    return _save(fig, path)


def rich_club(table: pd.DataFrame, path: Path) -> Path | None:
    """Rich-club coefficient against degree k, normalised by the nulls (1 = as random)."""
    col = "normalized" if "normalized" in table and table["normalized"].notna().any() \
        else "rich_club"
    if col not in table or "k" not in table:
        return None
    fig = _new(6.5, 3.8)
    ax = fig.subplots()
    graphs = list(pd.unique(table["graph"])) if "graph" in table else [None]
    for i, g in enumerate(graphs):
        sub = table if g is None else table[table["graph"] == g]
        y = pd.to_numeric(sub[col], errors="coerce")
        ax.plot(sub["k"], y, "o-", markersize=3, color=_PALETTE[i % len(_PALETTE)],
                label=None if g is None else _short(str(g), 30))
    if col == "normalized":
        ax.axhline(1, color="0.5", linewidth=0.8, linestyle="--")
    ax.set_xlabel("degree k")
    ax.set_ylabel("rich club / null mean" if col == "normalized" else "rich-club coefficient")
    ax.set_title("Rich club: nodes of degree > k, connected among themselves")
    if len(graphs) > 1:
        ax.legend(fontsize=8)
    return _save(fig, path)


def _real_points(ax, table: pd.DataFrame, x: str, y: str) -> None:
    """Each real connectome as a red star, labelled with its reference when several."""
    reals = table[table["family"] == "real"] if "family" in table else table.iloc[:0]
    several = "reference" in reals and reals["reference"].fillna("").astype(str).nunique() > 1
    for i, (_, row) in enumerate(reals.iterrows()):
        ax.scatter([row[x]], [row[y]], marker="*", s=220, color=REAL_COLOR,
                   edgecolor="black", zorder=5, label="real connectome" if i == 0 else None)
        if several:
            name = str(row["reference"])  # the tail tells stages of one series apart
            name = name if len(name) <= 22 else "…" + name[-21:]
            ax.annotate(name, (row[x], row[y]), fontsize=7,
                        xytext=(4, 4), textcoords="offset points")


def accuracy_landscape(table: pd.DataFrame, x: str, y: str, spot: dict | None, path: Path,
                       *, bins: int = 8, label: str = "accuracy",
                       noise: float | None = None) -> Path | None:
    """The score over the clustering x path-length plane (You et al. 2020, Fig. 3).

    Cells: mean score of the graphs inside each of ``bins`` x ``bins`` cells; dots: the
    graphs; stars: the real connectomes; a cross: the sweet spot and its 95% intervals.
    ``noise`` (the seed noise of one graph's mean) sets the smallest colour range,
    ±2 noise around the mean, so that cells differing by noise alone look alike.
    """
    data = table.assign(**{c: pd.to_numeric(table[c], errors="coerce") for c in (x, y, "acc")})
    data = data.dropna(subset=[x, y, "acc"])
    if len(data) < 3 or data[x].nunique() < 2 or data[y].nunique() < 2:
        return None
    xe = np.linspace(data[x].min(), data[x].max(), bins + 1)
    ye = np.linspace(data[y].min(), data[y].max(), bins + 1)
    total, _, _ = np.histogram2d(data[x], data[y], bins=[xe, ye], weights=data["acc"])
    count, _, _ = np.histogram2d(data[x], data[y], bins=[xe, ye])
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, total / count, np.nan)
    fig = _new(7.2, 5.4)
    ax = fig.subplots()
    lo, hi = float(np.nanmin(mean)), float(np.nanmax(mean))
    cbar_label = f"{label} (mean of the graphs in the cell)"
    if noise is not None and np.isfinite(noise) and noise > 0:
        centre = float(data["acc"].mean())
        lo, hi = min(lo, centre - 2 * noise), max(hi, centre + 2 * noise)
        cbar_label += f"; seed noise of a graph mean ±{noise:.3g}"
    mesh = ax.pcolormesh(xe, ye, mean.T, cmap="viridis", shading="flat", vmin=lo, vmax=hi)
    fig.colorbar(mesh, ax=ax, label=cbar_label)
    nulls = data[data["family"] != "real"] if "family" in data else data
    ax.scatter(nulls[x], nulls[y], s=10, color="white", edgecolor="black", linewidth=0.4,
               zorder=3, label="graphs")
    _real_points(ax, data, x, y)
    if spot and len(spot) > 1:
        ax.errorbar([spot["x"]], [spot["y"]],
                    xerr=[[spot["x"] - spot["x_low"]], [spot["x_high"] - spot["x"]]],
                    yerr=[[spot["y"] - spot["y_low"]], [spot["y_high"] - spot["y"]]],
                    fmt="P", color="white", ecolor="white", markeredgecolor="black",
                    markersize=11, capsize=4, zorder=6, label="sweet spot (95% CI)")
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.legend(fontsize=8, loc="best")
    ax.set_title(f"{_upper_first(label)} over clustering × path length")
    return _save(fig, path)


def accuracy_bands(table: pd.DataFrame, correlations: pd.DataFrame, path: Path, *,
                   panels: int = 4, n_boot: int = 400, seed: int = 0,
                   label: str = "accuracy") -> Path | None:
    """Accuracy against the ``panels`` statistics most correlated with it: dots per graph,
    the least-squares line and its 95% band from resampling graphs."""
    finite = correlations[np.isfinite(correlations["rho"].to_numpy(float))]
    finite = finite[finite["n"] >= 0.8 * finite["n"].max()] if len(finite) else finite
    stats = [s for s in finite["statistic"] if s in table][:panels]
    if not stats:
        return None
    rng = np.random.default_rng(seed)
    styles = family_styles(table["family"]) if "family" in table else {}
    fig = _new(3.6 * len(stats), 3.6)
    axes = np.atleast_1d(fig.subplots(1, len(stats)))
    y_all = pd.to_numeric(table["acc"], errors="coerce").to_numpy(float)
    info = finite.set_index("statistic")
    for ax, stat in zip(axes, stats):
        x_all = pd.to_numeric(table[stat], errors="coerce").to_numpy(float)
        ok = np.isfinite(x_all) & np.isfinite(y_all)
        fams = table["family"].to_numpy() if "family" in table else np.array([""] * len(ok))
        _family_points(ax, x_all, y_all, fams, styles, skip_real=True)
        _real_points(ax, table.assign(_x=x_all, _y=y_all)[ok], "_x", "_y")
        xs = x_all[ok]
        if ok.sum() >= 4 and np.ptp(xs) > 0:
            grid = np.linspace(xs.min(), xs.max(), 60)
            slope, icpt = _line_fit(xs, y_all[ok])
            lines = []
            for _ in range(n_boot):
                pick = rng.integers(0, ok.sum(), ok.sum())
                if np.ptp(xs[pick]) > 0:
                    b1, b0 = _line_fit(xs[pick], y_all[ok][pick])
                    lines.append(b1 * grid + b0)
            if lines:
                lo, hi = np.quantile(np.array(lines), [0.025, 0.975], axis=0)
                ax.fill_between(grid, lo, hi, color="0.6", alpha=0.35, linewidth=0)
            ax.plot(grid, slope * grid + icpt, color="black", linewidth=1.2)
        row = info.loc[stat]
        ax.set_title(f"{_short(stat)}\nρ = {row['rho']:.2f}", fontsize=9)
        ax.set_xlabel(_short(stat), fontsize=8)
        ax.tick_params(labelsize=7)
        ax.xaxis.set_major_locator(MaxNLocator(4))
    axes[0].set_ylabel(f"{label} (mean over seeds)")
    _figure_legend(fig, axes[0])
    return _save(fig, path)


def family_curve_bands(curves: pd.DataFrame, path: Path, *, column: str = "val_acc"
                       ) -> Path | None:
    """Per epoch: each null family's mean over its graphs (each graph's mean over seeds)
    with a band of +-1 sd between graphs; each real connectome as its own line
    (the figure of Bardozzo et al.'s Elegans-AI)."""
    if column not in curves or "epoch" not in curves or "family" not in curves:
        return None
    data = curves.assign(**{column: pd.to_numeric(curves[column], errors="coerce")})
    data = data.dropna(subset=[column])
    if data.empty:
        return None
    keys = ["graph_id", "family", "epoch"] + (["reference"] if "reference" in data else [])
    per_graph = data.groupby(keys, sort=False)[column].mean().reset_index()
    colors = family_colors(per_graph["family"])
    fig = _new(7.0, 4.4)
    ax = fig.subplots()
    for fam in pd.unique(per_graph["family"]):
        sub = per_graph[per_graph["family"] == fam]
        if fam == "real":
            for i, (_, g) in enumerate(sub.groupby("graph_id", sort=False)):
                name = str(g["reference"].iloc[0]) if "reference" in g and \
                    str(g["reference"].iloc[0]) not in ("", "nan") else "real connectome"
                ax.plot(g["epoch"], g[column], color=REAL_COLOR, linewidth=2,
                        linestyle=["-", "--", ":", "-."][i % 4], label=_short(name, 30),
                        zorder=4)
            continue
        stats = sub.groupby("epoch")[column].agg(["mean", "std"])
        ax.plot(stats.index, stats["mean"], color=colors[fam], linewidth=1.4, label=fam)
        ax.fill_between(stats.index, stats["mean"] - stats["std"].fillna(0),
                        stats["mean"] + stats["std"].fillna(0), color=colors[fam],
                        alpha=0.2, linewidth=0)
    ax.set_xlabel("epoch")
    ax.set_ylabel(column.replace("_", " "))
    ax.set_title("Training curves: family mean ± sd over graphs, real connectomes as lines",
                 fontsize=10)
    ax.legend(fontsize=7, ncols=2)
    return _save(fig, path)

