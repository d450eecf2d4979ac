"""A sweep's scores as a design: graphs are the units, seeds are blocks.

Every graph of a sweep is trained with the same K seeds (:mod:`topocli.sweep.plan`), so a
run's score is ``graph effect + seed effect + noise``: a seed that happens to train well
lifts every graph alike. This module holds

* the graphs x seeds matrix and its additive two-way fit (:func:`seed_design`; exact
  means for a complete design), from which every comparison starts: the variance model
  and its intervals are in :mod:`topocli.reports.inference`;
* a multivariable view (:func:`standardized_regression`) and the sweet spot on the
  clustering x path-length plane with its uncertainty (:func:`sweet_spot`), both
  resampling *graphs*, never runs.

Pure functions of plain tables; every random draw comes from ``seed`` through
:func:`topocli.seeding.as_rng`.

References
----------
Montgomery, Design and Analysis of Experiments, ch. 4 (randomised complete block
designs). Davison & Hinkley (1997), Bootstrap Methods, ch. 3.8 (resample the top-level
units). You, Leskovec, He & Xie (2020), Graph Structure of Neural Networks, ICML (accuracy
over the clustering x path-length plane).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as sps

from topocli.reports.scores import completed_runs
from topocli.seeding import as_rng

__all__ = ["SeedDesign", "design_from_matrix", "graph_accuracy", "rank_among", "seed_design",
           "standardized_regression", "sweet_spot"]


@dataclass(frozen=True)
class SeedDesign:
    """Accuracy as a graphs x seeds matrix with its additive fit.

    ``values[g, s]`` is graph g's accuracy with seed s (NaN for a missing or failed run).
    ``graph_mean`` is the seed-adjusted graph accuracy (grand mean + graph effect),
    ``seed_effect`` each seed's effect, ``noise_sd`` the residual sd (seed noise of one
    run) with ``noise_dof`` degrees of freedom.
    """

    graph_ids: tuple[str, ...]
    families: tuple[str, ...]
    references: tuple[str, ...]
    seeds: tuple[int, ...]
    values: np.ndarray
    graph_mean: np.ndarray
    raw_mean: np.ndarray
    n_seeds: np.ndarray
    seed_effect: np.ndarray
    noise_sd: float
    noise_dof: int

    def index(self, graph_id: str) -> int:
        return self.graph_ids.index(graph_id)

    def members(self, family: str, reference: str | None = None) -> np.ndarray:
        fam = np.asarray(self.families) == family
        if reference is not None:
            fam &= np.asarray(self.references) == reference
        return np.flatnonzero(fam & np.isfinite(self.graph_mean))


def _additive_fit(values: np.ndarray, iterations: int = 50):
    """Grand mean, graph and seed effects of ``values`` (NaN = missing) by backfitting."""
    ok = np.isfinite(values)
    grand = float(np.nanmean(values))
    graph = np.zeros(values.shape[0])
    seed = np.zeros(values.shape[1])
    centred = np.where(ok, values - grand, 0.0)
    for _ in range(iterations if not ok.all() else 1):
        with np.errstate(invalid="ignore"):
            graph = np.where(ok.any(1), (centred - seed[None] * ok).sum(1)
                             / np.maximum(ok.sum(1), 1), np.nan)
            g0 = np.nan_to_num(graph)
            seed = (centred - g0[:, None] * ok).sum(0) / np.maximum(ok.sum(0), 1)
        seed -= seed.mean()
    if ok.all():  # exact two-way means for a complete design
        graph = values.mean(1) - grand
        seed = values.mean(0) - grand
    resid = np.where(ok, values - grand - np.nan_to_num(graph)[:, None] - seed[None], 0.0)
    rows = int((ok.sum(1) > 0).sum())
    cols = int((ok.sum(0) > 0).sum())
    dof = int(ok.sum()) - rows - cols + 1
    noise = float(np.sqrt((resid ** 2).sum() / dof)) if dof > 0 else math.nan
    return grand, graph, seed, noise, dof


def seed_design(runs: pd.DataFrame, *, metric: str = "test_acc") -> SeedDesign:
    """The graphs x seeds accuracy matrix of ``runs`` (successful runs only) and its fit.

    ``runs`` needs graph_id, family, ``metric`` and the seed's identity (``seed_index``,
    else ``seed``); ``reference`` (several real graphs) is used when present.
    """
    ok = completed_runs(runs, metric)
    seed_col = "seed_index" if "seed_index" in ok else "seed"
    graphs = list(pd.unique(ok["graph_id"].astype(str)))
    seeds = sorted(pd.unique(ok[seed_col]))
    values = np.full((len(graphs), len(seeds)), np.nan)
    gi = {g: i for i, g in enumerate(graphs)}
    si = {s: j for j, s in enumerate(seeds)}
    for g, s, y in zip(ok["graph_id"].astype(str), ok[seed_col], ok[metric]):
        values[gi[g], si[s]] = y
    first = ok.drop_duplicates("graph_id").set_index(ok.drop_duplicates("graph_id")[
        "graph_id"].astype(str))
    families = tuple(str(first.loc[g, "family"]) for g in graphs)
    refs = tuple(str(first.loc[g, "reference"]) if "reference" in first else ""
                 for g in graphs)
    return design_from_matrix(values, families, refs, seeds=tuple(int(s) for s in seeds),
                              graph_ids=tuple(graphs))


def design_from_matrix(values: np.ndarray, families, references=None, *, seeds=None,
                       graph_ids=None) -> SeedDesign:
    """The :class:`SeedDesign` of a graphs x seeds matrix (NaN = missing run) whose rows
    belong to ``families`` (and ``references``); the simulator builds sweeps this way."""
    values = np.asarray(values, dtype=float)
    n_graphs = values.shape[0]
    families = tuple(str(f) for f in families)
    references = tuple(references) if references is not None else ("",) * n_graphs
    seeds = tuple(seeds) if seeds is not None else tuple(range(values.shape[1]))
    graph_ids = tuple(graph_ids) if graph_ids is not None else tuple(
        f"g{i}" for i in range(n_graphs))
    if not n_graphs:
        empty = np.zeros(0)
        return SeedDesign((), (), (), (), values, empty, empty, empty, empty, math.nan, 0)
    grand, graph, seed, noise, dof = _additive_fit(values)
    with warnings.catch_warnings():  # a graph without runs has a NaN mean on purpose
        warnings.simplefilter("ignore", RuntimeWarning)
        raw = np.nanmean(values, axis=1)
    return SeedDesign(graph_ids, families, references, seeds, values, grand + graph, raw,
                      np.isfinite(values).sum(1), seed, noise, dof)


def graph_accuracy(design: SeedDesign) -> pd.DataFrame:
    """One row per graph: graph_id, family, reference, acc (seed-adjusted mean over
    seeds), acc_raw (plain mean), n_seeds."""
    return pd.DataFrame({"graph_id": design.graph_ids, "family": design.families,
                         "reference": design.references, "acc": design.graph_mean,
                         "acc_raw": design.raw_mean, "n_seeds": design.n_seeds})


def rank_among(value: float, others, *, higher_is_better: bool = True) -> tuple[int, int]:
    """Competition rank of ``value`` among ``others`` plus itself (1 = best): (rank, of)."""
    o = np.asarray(others, dtype=float)
    o = o[np.isfinite(o)]
    better = np.sum(o > value) if higher_is_better else np.sum(o < value)
    return int(better) + 1, len(o) + 1


def standardized_regression(table: pd.DataFrame, candidates: list[str], *,
                            outcome: str = "acc", controls: tuple[str, ...] = (),
                            max_terms: int | None = None, collinear: float = 0.8,
                            n_boot: int = 2000, seed=0) -> tuple[pd.DataFrame, dict]:
    """Which statistics carry information beyond the others: a least-squares fit of the
    standardised outcome on standardised statistics (and controls), with bootstrap CIs
    resampling graphs.

    ``candidates`` are taken in order (strongest first), skipping one whose |Pearson r|
    with an already chosen term exceeds ``collinear``, up to ``max_terms`` (default:
    one term per 5 graphs beyond the controls, at most 5). Returns the table (term,
    beta, ci_low, ci_high, is_control) and a dict (n, r2, r2_adj, terms).
    """
    rng = as_rng(seed)
    data = table[[*candidates, *controls, outcome]].apply(pd.to_numeric, errors="coerce")
    usable_controls = [c for c in controls if c in data and data[c].nunique() > 1]
    n = int(data[[outcome, *usable_controls]].dropna().shape[0])
    limit = max_terms if max_terms is not None else max(0, min(5, n // 5 - len(usable_controls)))
    chosen: list[str] = []
    for c in candidates:
        if len(chosen) >= limit:
            break
        if c in usable_controls or data[c].nunique() < 2 or data[c].notna().sum() < 0.8 * n:
            continue
        if any(abs(data[c].corr(data[o])) > collinear for o in chosen + usable_controls):
            continue
        chosen.append(c)
    terms = chosen + usable_controls
    empty = pd.DataFrame(columns=["term", "beta", "ci_low", "ci_high", "is_control"])
    frame = data[terms + [outcome]].dropna()
    if not chosen or len(frame) < len(terms) + 3:
        return empty, {"n": len(frame), "r2": math.nan, "r2_adj": math.nan, "terms": terms}
    zs = (frame - frame.mean()) / frame.std(ddof=1)
    x = np.column_stack([np.ones(len(zs)), zs[terms].to_numpy(float)])
    y = zs[outcome].to_numpy(float)
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    resid = y - x @ beta
    r2 = 1 - float(resid @ resid) / float(((y - y.mean()) ** 2).sum())
    p = len(terms)
    r2_adj = 1 - (1 - r2) * (len(y) - 1) / (len(y) - p - 1)
    boots = []
    raw = frame.to_numpy(float)
    for _ in range(n_boot):
        pick = raw[rng.integers(0, len(raw), len(raw))]
        sd = pick.std(0, ddof=1)
        if (sd == 0).any():
            continue
        zb = (pick - pick.mean(0)) / sd
        xb = np.column_stack([np.ones(len(zb)), zb[:, :-1]])
        boots.append(np.linalg.lstsq(xb, zb[:, -1], rcond=None)[0])
    boots = np.array(boots) if boots else np.full((1, p + 1), np.nan)
    lo, hi = np.nanquantile(boots, [0.025, 0.975], axis=0) if len(boots) > 10 else \
        (np.full(p + 1, np.nan), np.full(p + 1, np.nan))
    out = pd.DataFrame({"term": terms, "beta": beta[1:], "ci_low": lo[1:], "ci_high": hi[1:],
                        "is_control": [t in usable_controls for t in terms]})
    return out, {"n": len(y), "r2": r2, "r2_adj": r2_adj, "terms": terms}


def sweet_spot(table: pd.DataFrame, x: str, y: str, *, outcome: str = "acc",
               n_boot: int = 1000, grid: int = 41, seed=0,
               higher_is_better: bool = True) -> dict:
    """Where the score is best on the (x, y) plane (clustering, path length), with a CI.

    A quadratic surface ``acc ~ 1 + x + y + x^2 + y^2 + xy`` is fitted by least squares
    over the graphs; its best point (maximum, or minimum when lower is better) over the
    box the graphs span is the sweet spot. The
    bootstrap (resampling graphs) gives percentile intervals of its coordinates and the
    share of resamples whose maximum lies on the edge of the box (then the data show a
    direction, not a spot). Needs 10 or more graphs.

    Returns a dict: n, x, y, acc (at the spot), x_low, x_high, y_low, y_high,
    share_on_edge, r2, r2_adj, p_surface (F test of the five surface terms: does the
    surface explain anything?), and ``interior`` (the fitted surface is concave in the
    metric's good direction and its best point lies inside the box).
    """
    sign = 1.0 if higher_is_better else -1.0
    data = table[[x, y, outcome]].apply(pd.to_numeric, errors="coerce").dropna()
    data[outcome] = sign * data[outcome]
    n = len(data)
    if n < 10 or data[x].nunique() < 3 or data[y].nunique() < 3:
        return {"n": n}
    rng = as_rng(seed)
    pts = data.to_numpy(float)
    lo, hi = pts[:, :2].min(0), pts[:, :2].max(0)
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], grid), np.linspace(lo[1], hi[1], grid))

    def fit(sample: np.ndarray):
        u = (sample[:, 0] - lo[0]) / (hi[0] - lo[0])
        v = (sample[:, 1] - lo[1]) / (hi[1] - lo[1])
        design = np.column_stack([np.ones(len(u)), u, v, u * u, v * v, u * v])
        coef, *_ = np.linalg.lstsq(design, sample[:, 2], rcond=None)
        gu = (gx - lo[0]) / (hi[0] - lo[0])
        gv = (gy - lo[1]) / (hi[1] - lo[1])
        surface = (coef[0] + coef[1] * gu + coef[2] * gv + coef[3] * gu ** 2
                   + coef[4] * gv ** 2 + coef[5] * gu * gv)
        fitted = design @ coef
        concave = coef[3] < 0 and coef[4] < 0 and 4 * coef[3] * coef[4] > coef[5] ** 2
        if concave:  # the stationary point of the surface, if it lies inside the box
            hessian = np.array([[2 * coef[3], coef[5]], [coef[5], 2 * coef[4]]])
            su, sv = np.linalg.solve(hessian, -coef[1:3])
            if 0 <= su <= 1 and 0 <= sv <= 1:
                value = (coef[0] + coef[1] * su + coef[2] * sv + coef[3] * su ** 2
                         + coef[4] * sv ** 2 + coef[5] * su * sv)
                return (lo[0] + su * (hi[0] - lo[0]), lo[1] + sv * (hi[1] - lo[1]), value,
                        False, True, fitted)
        i, j = np.unravel_index(np.argmax(surface), surface.shape)
        edge = i in (0, grid - 1) or j in (0, grid - 1)
        return gx[i, j], gy[i, j], surface[i, j], edge, concave, fitted

    bx, by, bacc, edge, concave, fitted = fit(pts)
    ss = float(((pts[:, 2] - pts[:, 2].mean()) ** 2).sum())
    r2 = 1 - float(((pts[:, 2] - fitted) ** 2).sum()) / ss if ss > 0 else math.nan
    r2_adj = 1 - (1 - r2) * (n - 1) / (n - 6) if n > 6 else math.nan
    p_surface = float(sps.f.sf((r2 / 5) / ((1 - r2) / (n - 6)), 5, n - 6)) \
        if n > 6 and 0 <= r2 < 1 else math.nan
    spots, edges = [], 0
    for _ in range(n_boot):
        sample = pts[rng.integers(0, n, n)]
        if np.ptp(sample[:, 0]) == 0 or np.ptp(sample[:, 1]) == 0:
            continue
        sx, sy, _, sedge, _, _ = fit(sample)
        spots.append((sx, sy))
        edges += bool(sedge)
    spots_arr = np.array(spots) if spots else np.full((1, 2), np.nan)
    qx = np.quantile(spots_arr[:, 0], [0.025, 0.975])
    qy = np.quantile(spots_arr[:, 1], [0.025, 0.975])
    return {"n": n, "x": float(bx), "y": float(by), "acc": sign * float(bacc),
            "x_low": float(qx[0]), "x_high": float(qx[1]), "y_low": float(qy[0]),
            "y_high": float(qy[1]), "share_on_edge": edges / max(1, len(spots)),
            "r2": r2, "r2_adj": r2_adj, "p_surface": p_surface,
            "interior": bool(concave and not edge)}
