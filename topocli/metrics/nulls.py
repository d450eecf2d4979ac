"""Null-normalised statistics: a value against its null ensemble.

``summarise(value, null_values)`` gives the null mean and standard deviation, the z-score
``(value - mean) / sd`` and the empirical two-sided p-value with the +1 correction of
North et al. (2002): ``p = min(1, 2 min((1 + #{null >= value}) / (N + 1),
(1 + #{null <= value}) / (N + 1)))``, which is never 0 and is valid for skewed nulls.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["empirical_p", "summarise", "zscore"]


def empirical_p(value: float, null_values) -> float:
    """Two-sided empirical p-value with the +1 correction; NaN without finite nulls."""
    null = _finite(null_values)
    if not np.isfinite(value) or null.size == 0:
        return float("nan")
    n = null.size
    upper = (1 + int((null >= value).sum())) / (n + 1)
    lower = (1 + int((null <= value).sum())) / (n + 1)
    return float(min(1.0, 2 * min(upper, lower)))


def zscore(value: float, null_values) -> float:
    """``(value - mean) / sd`` of the finite nulls (sample sd, ddof=1); NaN if sd is 0."""
    null = _finite(null_values)
    if not np.isfinite(value) or null.size < 2:
        return float("nan")
    sd = _sd(null)
    return (value - float(null.mean())) / sd if sd > 0 else float("nan")


def summarise(value: float, null_values) -> dict:
    """Null mean, sd, z, p and a ``note`` saying why any of them is NaN ('' if none)."""
    null = _finite(null_values)
    total = len(np.asarray(null_values, dtype=float).ravel())
    out = {"null_mean": float("nan"), "null_sd": float("nan"), "z": float("nan"),
           "p": float("nan"), "note": ""}
    if total == 0:
        return out
    if null.size == 0:
        out["note"] = "undefined on every null graph"
        return out
    out["null_mean"] = float(null.mean())
    out["null_sd"] = _sd(null) if null.size > 1 else float("nan")
    out["z"] = zscore(value, null)
    out["p"] = empirical_p(value, null)
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
