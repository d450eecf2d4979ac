"""Null-normalised statistics: a value against its null ensemble.

``summarise(value, null_values)`` gives the null mean and standard deviation, the z-score
``(value - mean) / sd``, the empirical p-value and, labelled as such, the two-sided normal
p-value of z. :func:`empirical_p` is topocli's one empirical p-value (``analyze`` and the
reports both use it): ``(1 + #{null as extreme}) / (N + 1)`` (North et al. 2002), never 0
and valid for skewed nulls. Two-sided, it is ``2 (k + 1) / (N + 1)`` capped at 1, with k
the count in the smaller tail, so its smallest value is ``2 / (N + 1)``: Holm's correction
over K statistics can reject only when ``2 K / (N + 1) <= alpha``, i.e. ``N >= 40 K - 1``
nulls at alpha = 0.05 (:func:`nulls_for_holm`).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["SIDEDNESS", "empirical_p", "normal_p", "nulls_for_holm", "summarise", "zscore"]

SIDEDNESS = ("two-sided", "greater", "less")


def empirical_p(value: float, null_values, *, sidedness: str = "two-sided") -> float:
    """Empirical p-value of ``value`` against a null sample, with the +1 correction.

    Parameters
    ----------
    value : float
    null_values : array-like
        Null sample; non-finite entries are ignored.
    sidedness : {"two-sided", "greater", "less"}
        "greater": ``(1 + #{null >= value}) / (N + 1)``; "less": with ``<=``;
        "two-sided": twice the smaller of the two, capped at 1.

    Returns
    -------
    float
        NaN without finite nulls or for a non-finite value.

    References
    ----------
    North, B. V., Curtis, D. and Sham, P. C. (2002). A note on the calculation of
    empirical P values from Monte Carlo procedures. Am. J. Hum. Genet. 71, 439-441.
    """
    if sidedness not in SIDEDNESS:
        raise ValueError(f"sidedness must be one of {', '.join(SIDEDNESS)}, not {sidedness!r}")
    null = _finite(null_values)
    if value is None or not np.isfinite(value) or null.size == 0:
        return float("nan")
    n = null.size
    upper = (1 + int((null >= value).sum())) / (n + 1)
    lower = (1 + int((null <= value).sum())) / (n + 1)
    if sidedness == "greater":
        return float(upper)
    if sidedness == "less":
        return float(lower)
    return float(min(1.0, 2 * min(upper, lower)))


def normal_p(z: float) -> float:
    """Two-sided normal p-value of a z-score, ``erfc(|z| / sqrt 2)``; NaN for NaN z.

    Only as good as the null distribution's normality; reported next to the empirical p,
    which can never be below ``2 / (N + 1)``.
    """
    if z is None or not math.isfinite(z):
        return float("nan")
    return float(math.erfc(abs(z) / math.sqrt(2)))


def nulls_for_holm(statistics: int, *, alpha: float = 0.05) -> int:
    """The fewest nulls with which a two-sided empirical p can pass Holm over
    ``statistics`` tests: ``N >= 2 K / alpha - 1`` (999 for K = 25 at 0.05)."""
    return max(1, math.ceil(2 * statistics / alpha - 1 - 1e-9))


def zscore(value: float, null_values) -> float:
    """``(value - mean) / sd`` of the finite nulls (sample sd, ddof=1); NaN if sd is 0."""
    null = _finite(null_values)
    if not np.isfinite(value) or null.size < 2:
        return float("nan")
    sd = _sd(null)
    return (value - float(null.mean())) / sd if sd > 0 else float("nan")


def summarise(value: float, null_values) -> dict:
    """Null mean, sd, z, two-sided empirical p, two-sided normal p (``p_normal``) and a
    ``note`` saying why any of them is NaN ('' if none)."""
    null = _finite(null_values)
    total = len(np.asarray(null_values, dtype=float).ravel())
    out = {"null_mean": float("nan"), "null_sd": float("nan"), "z": float("nan"),
           "p": float("nan"), "p_normal": float("nan"), "note": ""}
    if total == 0:
        return out
    if null.size == 0:
        out["note"] = "undefined on every null graph"
        return out
    out["null_mean"] = float(null.mean())
    out["null_sd"] = _sd(null) if null.size > 1 else float("nan")
    out["z"] = zscore(value, null)
    out["p"] = empirical_p(value, null)
    out["p_normal"] = normal_p(out["z"])
    notes = []
    if null.size < total:
        notes.append(f"defined on {null.size} of {total} nulls")
    if value is None or not math.isfinite(value):
        notes.append("undefined on this graph")
    elif null.size > 1 and out["null_sd"] == 0:
        notes.append("same on every null (the null model fixes it): no z")
    out["note"] = "; ".join(notes)
    return out


def _sd(null: np.ndarray) -> float:
    """Sample sd, with float round-off (e.g. density of nulls with the same m) set to 0."""
    sd = float(null.std(ddof=1))
    return 0.0 if sd <= 1e-12 * max(1.0, float(np.abs(null).max())) else sd


def _finite(values) -> np.ndarray:
    arr = np.asarray(values, dtype=float).ravel()
    return arr[np.isfinite(arr)]
