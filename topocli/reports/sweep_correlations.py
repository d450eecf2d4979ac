"""Correlations of a sweep's topology statistics with accuracy, across graphs.

The sweep page asks which statistic goes with accuracy; these functions answer with a
correlation, its bootstrap CI and permutation p, Holm across the statistics, and the
partial correlation with the edge and parameter counts held fixed. Only the sweep page
(:mod:`topocli.reports.sweep_tables`) uses them: an analyze folder has no accuracy.
Pure functions over plain arrays and tables; every random draw comes from a ``seed``
(int, numpy Generator or None) through :func:`topocli.seeding.as_rng`.

Conventions, stated once:

* correlations are computed across graphs, each graph's accuracy being its mean over
  seeds (:func:`topocli.reports.sweep_stats.graph_accuracy`);
* confidence intervals are 95% percentile bootstrap intervals over graphs (rows resampled
  with replacement), p-values are two-sided permutation p-values
  ``(1 + #{|r_perm| >= |r|}) / (1 + n_perm)`` (never exactly zero);
* the family of tests for the Holm correction is "all statistics against accuracy".
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy import stats as sps

from topocli.reports.stats import holm
from topocli.seeding import as_rng

__all__ = ["Correlation", "bootstrap_correlation", "correlation", "correlation_table",
           "partial_correlation"]

METHODS = ("spearman", "pearson")
#: Fewest complete rows for a correlation (plus one per covariate for a partial one):
#: with 4 points a perfect ρ happens by chance one time in twelve.
MIN_N = 5


@dataclass(frozen=True)
class Correlation:
    """A correlation with its bootstrap CI and permutation p-value."""

    method: str
    estimate: float
    ci_low: float
    ci_high: float
    p: float
    n: int

    def to_dict(self) -> dict:
        return asdict(self)


# --------------------------------------------------------------------------- basics
def _clean_pairs(x, y, covariates=None):
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError("x and y must be 1-d arrays of the same length")
    ok = np.isfinite(x) & np.isfinite(y)
    z = None
    if covariates is not None:
        z = np.asarray(covariates, dtype=float)
        if z.ndim == 1:
            z = z[:, None]
        if z.shape[0] != x.shape[0]:
            raise ValueError("covariates must have one row per observation")
        ok &= np.isfinite(z).all(axis=1)
        z = z[ok]
    return x[ok], y[ok], z


def _rank_rows(a: np.ndarray) -> np.ndarray:
    """Average ranks along the last axis (ties share their mean rank, as Spearman's ρ)."""
    return sps.rankdata(a, axis=-1)


def _pearson_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise Pearson r of two (k, n) arrays; NaN where a row is constant."""
    a = a - a.mean(axis=-1, keepdims=True)
    b = b - b.mean(axis=-1, keepdims=True)
    num = (a * b).sum(axis=-1)
    den = np.sqrt((a * a).sum(axis=-1) * (b * b).sum(axis=-1))
    with np.errstate(invalid="ignore", divide="ignore"):
        r = num / den
    r = np.where(den > 1e-12 * np.maximum(1.0, np.abs(num)), r, np.nan)
    return np.clip(r, -1.0, 1.0)


def _transform(a: np.ndarray, method: str) -> np.ndarray:
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, not {method!r}")
    return _rank_rows(a) if method == "spearman" else a


def correlation(x, y, *, method: str = "spearman") -> float:
    """Spearman's ρ or Pearson's r of ``x`` and ``y`` (NaN pairs dropped; NaN if constant)."""
    x, y, _ = _clean_pairs(x, y)
    if len(x) < 3:
        return math.nan
    return float(_pearson_rows(_transform(x, method), _transform(y, method)))


def _residualize(a: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Residuals of each row of ``a`` (k, n) after least squares on ``[1, z]`` (n, c)."""
    design = np.column_stack([np.ones(z.shape[0]), z])
    coef, *_ = np.linalg.lstsq(design, a.T, rcond=None)
    return (a.T - design @ coef).T


def _usable_covariates(z: np.ndarray | None) -> np.ndarray | None:
    """Drop constant covariate columns (they explain nothing and make the design singular)."""
    if z is None or z.size == 0:
        return None
    keep = [j for j in range(z.shape[1]) if np.ptp(z[:, j]) > 0]
    return z[:, keep] if keep else None


# --------------------------------------------------------------------------- CI and p
def bootstrap_correlation(x, y, *, method: str = "spearman", covariates=None,
                          n_boot: int = 2000, n_perm: int = 2000, ci: float = 0.95,
                          seed=0) -> Correlation:
    """Correlation of ``x`` and ``y`` with a percentile bootstrap CI and a permutation p.

    With ``covariates`` it is the partial correlation controlling for them
    (:func:`partial_correlation`); the bootstrap then resamples whole rows and the
    permutation test permutes the residuals of ``x`` (Freedman & Lane 1983 style).

    Parameters
    ----------
    x, y : array-like, shape (n,)
    method : "spearman" or "pearson"
    covariates : array-like, shape (n,) or (n, c), optional
    n_boot, n_perm : int
        Bootstrap resamples and permutations (0 skips the CI / p).
    ci : float
        Coverage of the interval (0.95: 2.5th and 97.5th percentiles).
    seed : int, numpy Generator or None

    Returns
    -------
    Correlation
        ``estimate`` is NaN (and the CI and p too) with fewer than :data:`MIN_N` complete
        rows (plus one per covariate) or a constant variable.

    References
    ----------
    Efron & Tibshirani (1993), An Introduction to the Bootstrap, ch. 13 (percentile CI).
    Phipson & Smyth (2010), Permutation p-values should never be zero.
    """
    rng = as_rng(seed)
    x, y, z = _clean_pairs(x, y, covariates)
    n = len(x)
    nan = Correlation(method, math.nan, math.nan, math.nan, math.nan, n)
    z = _usable_covariates(z)
    if n < MIN_N + (0 if z is None else z.shape[1]):
        return nan
    estimate = _partial_rows(x[None], y[None], z, method)[0]
    if not np.isfinite(estimate):
        return nan
    low = high = p = math.nan
    if n_boot > 0:
        idx = rng.integers(0, n, size=(n_boot, n))
        boots = _partial_rows(x[idx], y[idx], None if z is None else z[idx], method)
        boots = boots[np.isfinite(boots)]
        if len(boots) >= max(10, n_boot // 4):
            alpha = (1 - ci) / 2
            low, high = (float(v) for v in np.quantile(boots, [alpha, 1 - alpha]))
    if n_perm > 0:
        xt, yt = _transform(x, method), _transform(y, method)
        if z is not None:
            zt = _transform(z.T, method).T
            xt, yt = _residualize(xt[None], zt)[0], _residualize(yt[None], zt)[0]
            # residuals are centred; permuting x's residuals breaks only the x–y link
        perms = np.argsort(rng.random((n_perm, n)), axis=1)
        null = _pearson_rows(xt[perms], np.broadcast_to(yt, (n_perm, n)))
        hits = np.sum(np.abs(null) >= abs(estimate) - 1e-12)
        p = float((1 + hits) / (1 + n_perm))
    return Correlation(method, float(estimate), low, high, p, n)


def _partial_rows(x: np.ndarray, y: np.ndarray, z: np.ndarray | None, method: str):
    """Row-wise (partial) correlation of (k, n) arrays; ``z`` is (n, c) or (k, n, c)."""
    xt, yt = _transform(x, method), _transform(y, method)
    if z is None:
        return _pearson_rows(xt, yt)
    zt = np.moveaxis(_transform(np.moveaxis(z, -1, -2), method), -1, -2)
    if zt.ndim == 2:
        zt = np.broadcast_to(zt, (xt.shape[0],) + zt.shape)
    design = np.concatenate([np.ones(zt.shape[:2] + (1,)), zt], axis=2)
    pinv = np.linalg.pinv(design)  # (k, c+1, n): least squares on [1, z], row by row

    def residuals(a):
        return a - np.einsum("knc,kc->kn", design, np.einsum("kcn,kn->kc", pinv, a))

    return _pearson_rows(residuals(xt), residuals(yt))


def partial_correlation(x, y, covariates, *, method: str = "spearman") -> float:
    """Correlation of ``x`` and ``y`` after removing what ``covariates`` explain linearly.

    ``r_xy·z = corr(res_x, res_y)`` where ``res_x`` are the residuals of least squares
    of ``x`` on ``[1, z]`` (likewise ``y``). For ``method="spearman"`` every variable is
    rank-transformed first (the usual partial Spearman). Constant covariates are dropped.

    Used with edge count and parameter count as covariates, so that "more edges" or
    "a bigger network" cannot pose as "better topology".
    """
    x, y, z = _clean_pairs(x, y, covariates)
    z = _usable_covariates(z)
    if len(x) < MIN_N + (0 if z is None else z.shape[1]):
        return math.nan
    return float(_partial_rows(x[None], y[None], z, method)[0])


# --------------------------------------------------------------------------- tables
def correlation_table(table: pd.DataFrame, statistics: list[str], *, outcome: str = "acc",
                      controls: tuple[str, ...] = ("m", "n_params"), n_boot: int = 2000,
                      n_perm: int = 2000, seed=0) -> pd.DataFrame:
    """Each statistic against ``outcome``: Spearman and Pearson with CI and p, Holm, partial.

    Parameters
    ----------
    table : DataFrame
        One row per graph with the statistics, ``outcome`` and the ``controls`` columns
        (e.g. graphs.csv merged with
        :func:`topocli.reports.sweep_stats.graph_accuracy`).
    statistics : list of str
    controls : column names controlled for in the partial correlation (missing or
        constant ones are skipped; the ``controls_used`` column says which were used).

    Returns
    -------
    DataFrame
        One row per statistic, sorted by |ρ| descending: statistic, n, rho, rho_low,
        rho_high, rho_p, rho_p_holm, r, r_low, r_high, r_p, r_p_holm, partial_rho,
        partial_low, partial_high, partial_p, partial_p_holm, controls_used.
    """
    rng = as_rng(seed)
    y = pd.to_numeric(table[outcome], errors="coerce").to_numpy(float)
    rows = []
    for stat in statistics:
        x = pd.to_numeric(table[stat], errors="coerce").to_numpy(float)
        used = [c for c in controls if c in table and c != stat
                and pd.to_numeric(table[c], errors="coerce").nunique() > 1]
        z = (table[used].apply(pd.to_numeric, errors="coerce").to_numpy(float)
             if used else None)
        kw = {"n_boot": n_boot, "n_perm": n_perm}
        rho = bootstrap_correlation(x, y, method="spearman", seed=rng, **kw)
        r = bootstrap_correlation(x, y, method="pearson", seed=rng, **kw)
        part = (bootstrap_correlation(x, y, method="spearman", covariates=z, seed=rng, **kw)
                if used else Correlation("spearman", *([math.nan] * 4), rho.n))
        rows.append({"statistic": stat, "n": rho.n,
                     "rho": rho.estimate, "rho_low": rho.ci_low, "rho_high": rho.ci_high,
                     "rho_p": rho.p,
                     "r": r.estimate, "r_low": r.ci_low, "r_high": r.ci_high, "r_p": r.p,
                     "partial_rho": part.estimate, "partial_low": part.ci_low,
                     "partial_high": part.ci_high, "partial_p": part.p,
                     "controls_used": ",".join(used)})
    out = pd.DataFrame(rows, columns=[
        "statistic", "n", "rho", "rho_low", "rho_high", "rho_p", "r", "r_low", "r_high",
        "r_p", "partial_rho", "partial_low", "partial_high", "partial_p", "controls_used"])
    for col in ("rho_p", "r_p", "partial_p"):
        out.insert(out.columns.get_loc(col) + 1, col + "_holm", holm(out[col]))
    if len(out):
        out = out.iloc[np.argsort(-np.nan_to_num(np.abs(out["rho"].to_numpy(float)),
                                                 nan=-1.0), kind="stable")]
    return out.reset_index(drop=True)
