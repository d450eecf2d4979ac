"""The sweep page's figures: one function per PNG, each ``f(data..., path) -> Path``
(``None``, or a sentence saying why, when a figure would show nothing or mislead)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.ticker import EngFormatter, MaxNLocator

from topocli.reports import sweep_correlations as sc
from topocli.reports.figure_style import (
    REAL_COLOR,
    family_colors,
    family_points,
    family_styles,
    figure_legend,
    grid_shape,
    line_fit,
    new_figure,
    save_figure,
    short_name,
    upper_first,
)
from topocli.reports.scores import completed_runs
from topocli.reports.sweep_tables import pareto_front


def accuracy_by_family(runs: pd.DataFrame, path: Path, *, metric: str = "test_acc",
                       seed: int = 0, label: str | None = None,
                       higher_is_better: bool = True) -> Path | None:
    """Box plot of the score per family with every run as a point, families best first;
    the real one in red."""
    ok = completed_runs(runs, metric)
    if ok.empty:
        return None
    means = ok.groupby("family", sort=False)[metric].mean()
    fams = (["real"] if "real" in means else []) + \
        [f for f in means.sort_values(ascending=not higher_is_better).index if f != "real"]
    colors = family_colors(fams)
    data = [ok.loc[ok["family"] == f, metric].to_numpy(float) for f in fams]
    fig = new_figure(max(6.0, 1.3 * len(fams) + 2), 4.6)
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
    ax.set_title(f"{upper_first(label)} by graph family, best first (box: runs; dots: each "
                 "graph × seed)")
    return save_figure(fig, path)


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
    nrows, ncols = grid_shape(len(stats))
    fig = new_figure(3.2 * ncols, 2.8 * nrows + 0.5)
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    y_all = pd.to_numeric(table[outcome], errors="coerce").to_numpy(float)
    info = correlations.set_index("statistic")
    for ax, stat in zip(axes, stats):
        x_all = pd.to_numeric(table[stat], errors="coerce").to_numpy(float)
        fams = table["family"].to_numpy() if "family" in table else np.array([""] * len(x_all))
        family_points(ax, x_all, y_all, fams, styles)
        ok = np.isfinite(x_all) & np.isfinite(y_all)
        if ok.sum() >= 3 and np.ptp(x_all[ok]) > 0:
            slope, icpt = line_fit(x_all[ok], y_all[ok])
            xs = np.linspace(x_all[ok].min(), x_all[ok].max(), 50)
            ax.plot(xs, slope * xs + icpt, color="black", linewidth=1)
        row = info.loc[stat]
        ci = (f" [{row['rho_low']:.2f}, {row['rho_high']:.2f}]"
              if np.isfinite(row["rho_low"]) else "")
        ax.set_title(f"{short_name(stat)}\nρ = {row['rho']:.2f}{ci}", fontsize=9)
        ax.tick_params(labelsize=7)
        ax.xaxis.set_major_locator(MaxNLocator(4))
    for ax in axes[len(stats):]:
        ax.set_visible(False)
    figure_legend(fig, axes[0])
    fig.suptitle(f"{upper_first(label)} (mean over seeds) against each statistic; one dot "
                 "per graph", fontsize=11)
    return save_figure(fig, path)


def correlation_heatmap(table: pd.DataFrame, columns: list[str], path: Path) -> Path | None:
    """Spearman correlation matrix of the statistics, accuracy, parameters and MACs."""
    cols = [c for c in columns if c in table]
    if len(cols) < 2:
        return None
    data = table[cols].apply(pd.to_numeric, errors="coerce")
    corr = data.rank().corr(method="pearson").to_numpy(float)
    k = len(cols)
    size = min(16.0, 2.5 + 0.45 * k)
    fig = new_figure(size + 1.2, size)
    ax = fig.subplots()
    im = ax.imshow(corr, cmap="RdBu_r", vmin=-1, vmax=1)
    fig.colorbar(im, ax=ax, label="Spearman ρ", shrink=0.7)
    ax.set_xticks(range(k))
    ax.set_xticklabels([short_name(c, 22) for c in cols], rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(k))
    ax.set_yticklabels([short_name(c, 22) for c in cols], fontsize=8)
    if k <= 16:
        for i in range(k):
            for j in range(k):
                if np.isfinite(corr[i, j]):
                    ax.text(j, i, f"{corr[i, j]:.1f}", ha="center", va="center", fontsize=6,
                            color="white" if abs(corr[i, j]) > 0.6 else "black")
    ax.set_title("Spearman correlations across graphs")
    return save_figure(fig, path)


#: Fewest epochs for which a curve shows more than a table of the first and last epoch.
MIN_CURVE_EPOCHS = 3


def _too_few_epochs(curves: pd.DataFrame) -> str | None:
    """The reason to leave a curve out when the runs trained for fewer than
    :data:`MIN_CURVE_EPOCHS` epochs (None when there are enough)."""
    epochs = pd.to_numeric(curves["epoch"], errors="coerce").nunique()
    if epochs >= MIN_CURVE_EPOCHS:
        return None
    return (f"The runs trained for {epochs} epoch{'s' if epochs != 1 else ''}: a curve of "
            f"{epochs} point{'s' if epochs != 1 else ''} shows nothing the tables do not, so "
            "the training curves are left out (curves.csv has every epoch).")


def training_curves(curves: pd.DataFrame, path: Path) -> Path | str | None:
    """Validation accuracy and training loss per epoch: each run thin, family mean bold."""
    panels = [c for c in ("val_acc", "train_loss") if c in curves
              and pd.to_numeric(curves[c], errors="coerce").notna().any()]
    if not panels or "epoch" not in curves:
        return None
    if (reason := _too_few_epochs(curves)) is not None:
        return reason
    fams = list(pd.unique(curves["family"])) if "family" in curves else ["all"]
    colors = family_colors(fams)
    fig = new_figure(5.5 * len(panels), 4.2)
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
    return save_figure(fig, path)


#: Cost columns of the per-graph table and how the figure names them.
COST_AXES = {"n_params": "parameters", "macs": "MACs per image",
             "macs_sparse": "sparse MACs per image",
             "latency_ms_onnx_fp32": "latency, onnxruntime fp32, batch 1 (ms)",
             "onnx_bytes_fp32": "ONNX file, fp32 (bytes)",
             "onnx_bytes_int8": "ONNX file, int8 (bytes)"}


def accuracy_vs_cost(per_graph: pd.DataFrame, path: Path, *, label: str = "accuracy",
                     higher_is_better: bool = True) -> Path | str | None:
    """The score (mean over seeds) against each cost that varies (parameters, MACs and,
    from ``--measure-cost``, sparse MACs, latency and file sizes), one dot per graph,
    with the Pareto front of low cost and the better score (``higher_is_better`` says
    which way the score points) as a dashed line and, in the title,
    whether the real connectome lies on it; a sentence instead when every graph costs the
    same (one column of points)."""
    cols = [c for c in COST_AXES if c in per_graph
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
    fig = new_figure(5.2 * min(len(varying), 3), 4.2 * math.ceil(len(varying) / 3))
    axes = np.atleast_1d(fig.subplots(math.ceil(len(varying) / 3), min(len(varying), 3)))
    axes = axes.ravel()
    for ax, col in zip(axes, varying):
        x = pd.to_numeric(per_graph[col], errors="coerce").to_numpy(float)
        family_points(ax, x, y, fams, styles)
        front = pareto_front(x, y if higher_is_better else -y)
        order = np.argsort(x[front])
        ax.step(x[front][order], y[front][order], where="post", linestyle="--",
                color="black", linewidth=1, marker="o", markersize=11, fillstyle="none",
                label="Pareto front" if ax is axes[0] else None)
        rho = sc.correlation(pd.Series(x), pd.Series(y))
        real = fams == "real"
        words = [f"ρ = {rho:.2f}"] if np.isfinite(rho) else []
        if real.any():
            words.append("real on the front" if front[real].all() else "real off the front")
        ax.set_xlabel(COST_AXES[col])
        ax.set_ylabel(f"{label} (mean over seeds)")
        ax.set_title("; ".join(words), fontsize="medium")
        if not col.startswith("latency"):   # counts and bytes: 12 k, 1.5 M
            ax.xaxis.set_major_formatter(EngFormatter())
        ax.xaxis.set_major_locator(MaxNLocator(5))
    for ax in axes[len(varying):]:
        ax.set_visible(False)
    figure_legend(fig, axes[0])
    return save_figure(fig, path)


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
    fig = new_figure(7.2, 5.4)
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
    ax.set_title(f"{upper_first(label)} over clustering × path length")
    return save_figure(fig, path)


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
    fig = new_figure(3.6 * len(stats), 3.6)
    axes = np.atleast_1d(fig.subplots(1, len(stats)))
    y_all = pd.to_numeric(table["acc"], errors="coerce").to_numpy(float)
    info = finite.set_index("statistic")
    for ax, stat in zip(axes, stats):
        x_all = pd.to_numeric(table[stat], errors="coerce").to_numpy(float)
        ok = np.isfinite(x_all) & np.isfinite(y_all)
        fams = table["family"].to_numpy() if "family" in table else np.array([""] * len(ok))
        family_points(ax, x_all, y_all, fams, styles, skip_real=True)
        _real_points(ax, table.assign(_x=x_all, _y=y_all)[ok], "_x", "_y")
        xs = x_all[ok]
        if ok.sum() >= 4 and np.ptp(xs) > 0:
            grid = np.linspace(xs.min(), xs.max(), 60)
            slope, icpt = line_fit(xs, y_all[ok])
            lines = []
            for _ in range(n_boot):
                pick = rng.integers(0, ok.sum(), ok.sum())
                if np.ptp(xs[pick]) > 0:
                    b1, b0 = line_fit(xs[pick], y_all[ok][pick])
                    lines.append(b1 * grid + b0)
            if lines:
                lo, hi = np.quantile(np.array(lines), [0.025, 0.975], axis=0)
                ax.fill_between(grid, lo, hi, color="0.6", alpha=0.35, linewidth=0)
            ax.plot(grid, slope * grid + icpt, color="black", linewidth=1.2)
        row = info.loc[stat]
        ax.set_title(f"{short_name(stat)}\nρ = {row['rho']:.2f}", fontsize=9)
        ax.set_xlabel(short_name(stat), fontsize=8)
        ax.tick_params(labelsize=7)
        ax.xaxis.set_major_locator(MaxNLocator(4))
    axes[0].set_ylabel(f"{label} (mean over seeds)")
    figure_legend(fig, axes[0])
    return save_figure(fig, path)


def family_curve_bands(curves: pd.DataFrame, path: Path, *, column: str = "val_acc",
                       xlabel: str = "epoch", title: str | None = None
                       ) -> Path | str | None:
    """Per epoch: each null family's mean over its graphs (each graph's mean over seeds)
    with a band of +-1 sd between graphs; each real connectome as its own line
    (the figure of Bardozzo et al.'s Elegans-AI)."""
    if column not in curves or "epoch" not in curves or "family" not in curves:
        return None
    if (reason := _too_few_epochs(curves)) is not None:
        return reason
    data = curves.assign(**{column: pd.to_numeric(curves[column], errors="coerce")})
    data = data.dropna(subset=[column])
    if data.empty:
        return None
    keys = ["graph_id", "family", "epoch"] + (["reference"] if "reference" in data else [])
    per_graph = data.groupby(keys, sort=False)[column].mean().reset_index()
    colors = family_colors(per_graph["family"])
    fig = new_figure(7.0, 4.4)
    ax = fig.subplots()
    for fam in pd.unique(per_graph["family"]):
        sub = per_graph[per_graph["family"] == fam]
        if fam == "real":
            for i, (_, g) in enumerate(sub.groupby("graph_id", sort=False)):
                name = str(g["reference"].iloc[0]) if "reference" in g and \
                    str(g["reference"].iloc[0]) not in ("", "nan") else "real connectome"
                ax.plot(g["epoch"], g[column], color=REAL_COLOR, linewidth=2,
                        linestyle=["-", "--", ":", "-."][i % 4], label=short_name(name, 30),
                        zorder=4)
            continue
        stats = sub.groupby("epoch")[column].agg(["mean", "std"])
        ax.plot(stats.index, stats["mean"], color=colors[fam], linewidth=1.4, label=fam)
        ax.fill_between(stats.index, stats["mean"] - stats["std"].fillna(0),
                        stats["mean"] + stats["std"].fillna(0), color=colors[fam],
                        alpha=0.2, linewidth=0)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(column.replace("_", " "))
    ax.set_title(title or "Training curves: family mean ± sd over graphs, real connectomes "
                 "as lines", fontsize=10)
    ax.legend(fontsize=7, ncols=2)
    return save_figure(fig, path)
