"""What every report figure shares: the canvas, the saving, and one look per family.

Figures are built with :class:`matplotlib.figure.Figure` and the Agg canvas directly (no
pyplot, so no global state and no display needed). The real connectome is always a red
star; null families keep one colour and marker across every figure of a page
(:func:`family_styles`). The figures themselves are in
:mod:`~topocli.reports.analyze_figures` and :mod:`~topocli.reports.sweep_figures`: one
function per PNG, each ``f(data..., path) -> Path``, returning ``None`` (or a sentence
saying why) instead of drawing a figure with nothing to show.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

REAL_COLOR = "#d62728"
REAL_MARKER = "*"
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
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
            styles[fam] = (PALETTE[i % len(PALETTE)],
                           _MARKERS[(i // len(PALETTE)) % len(_MARKERS)])
            i += 1
    return styles


def family_colors(families) -> dict[str, str]:
    """The colour of :func:`family_styles`."""
    return {fam: color for fam, (color, _) in family_styles(families).items()}


def new_figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def save_figure(fig: Figure, path: Path) -> Path:
    path = Path(path)
    # a tight box takes in legends placed outside the axes: none is clipped at the edges
    fig.savefig(path, format="png", dpi=DPI, bbox_inches="tight", pad_inches=0.1)
    return path


def grid_shape(n: int, ncols: int = 4) -> tuple[int, int]:
    ncols = max(1, min(ncols, n))
    return math.ceil(n / ncols), ncols


def upper_first(text: str) -> str:
    """``text`` with its first letter upper case and the rest untouched (NRMSE stays)."""
    return text[:1].upper() + text[1:]


def short_name(name: str, width: int = 26) -> str:
    return name if len(name) <= width else name[: width - 1] + "…"


def line_fit(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Least-squares slope and intercept; a near-degenerate x gives no RankWarning."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", np.exceptions.RankWarning)
        slope, icpt = np.polyfit(x, y, 1)
    return float(slope), float(icpt)


def family_points(ax, x: np.ndarray, y: np.ndarray, fams: np.ndarray,
                   styles: dict[str, tuple[str, str]], *, skip_real: bool = False) -> None:
    """One scatter per family in its colour and marker; the real graphs as large stars."""
    for fam in pd.unique(fams):
        m = (fams == fam) & np.isfinite(x) & np.isfinite(y)
        if not m.any() or (skip_real and fam == "real"):
            continue
        color, marker = styles.get(fam, (PALETTE[0], "o"))
        real = fam == "real"
        ax.scatter(x[m], y[m], s=120 if real else 18, color=color, marker=marker,
                   edgecolor="black" if real else "none", zorder=4 if real else 2,
                   label="real connectome" if real else fam)


def figure_legend(fig: Figure, ax) -> None:
    """The families' legend below the panels, in as many rows as it needs."""
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="outside lower center", ncols=min(6, len(labels)),
                   fontsize=8)
