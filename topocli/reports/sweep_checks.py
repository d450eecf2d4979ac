"""What a sweep's comparisons must say about themselves, beside their numbers: whether a
null family is a network of another size than its real graph, whether the runs had
converged when the budget ended, and whether they all came from the same code.

Pure functions of the sweep's tables, read by :func:`topocli.reports.sweep_tables.
sweep_tables` into its :class:`~topocli.reports.sweep_tables.SweepTables` and by the
page and headline for their sentences.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from topocli.reports.scores import TRAINING_ACCURACIES, Score, completed_runs

__all__ = ["SIZE_TOLERANCE", "learning_at_end", "mixed_code_note", "size_text",
           "stopped_early", "with_size_ratios"]

#: A null family whose mean parameter count or MACs differ from its real graph's by more
#: than this share is a network of another size: comparing it with the real graph
#: compares sizes as well as wirings, and the page says so.
SIZE_TOLERANCE = 0.01


def stopped_early(runs: pd.DataFrame) -> pd.Series:
    """Which runs stopped at their plateau (``--patience``), read from runs.csv's
    ``stopped_early`` whether it holds booleans or their text."""
    return runs["stopped_early"].astype(str).str.lower().isin(("true", "1"))


def learning_at_end(curves: pd.DataFrame | None, runs: pd.DataFrame, score: Score,
                    noise: float) -> dict | None:
    """Had the runs converged? The gain in validation accuracy over the last epoch of each
    successful run that trained to its last epoch (runs stopped early at their plateau are
    left out: they ended flat by design), median and quartiles over runs in accuracy
    units, and ``still_learning``: the median gain exceeds one run's seed noise
    (``noise``, the sweep's residual sd), so the budget ended on the rise and a longer
    one could change the results; None when there is no seed noise to compare with (one
    seed per graph).
    None for a score that is not a trained network's accuracy or without two epochs of
    validation accuracy in curves.csv."""
    needed = {"run_id", "epoch", "val_acc"}
    if curves is None or score.column not in TRAINING_ACCURACIES or \
            not needed <= set(curves.columns):
        return None
    ok = completed_runs(runs, score.column)
    if "stopped_early" in ok:
        ok = ok[~stopped_early(ok)]
    c = curves[curves["run_id"].isin(ok["run_id"])] if "run_id" in ok else curves
    c = c.assign(val_acc=pd.to_numeric(c["val_acc"], errors="coerce")).dropna(
        subset=["val_acc"]).sort_values(["run_id", "epoch"])
    last_two = c.groupby("run_id").tail(2)
    counts = last_two.groupby("run_id")["epoch"].transform("size")
    gain = last_two[counts == 2].groupby("run_id")["val_acc"].agg(
        lambda v: v.iloc[1] - v.iloc[0])
    if not len(gain):
        return None
    median = float(gain.median())
    return {"runs": int(len(gain)), "last_epoch_gain_median": median,
            "last_epoch_gain_q25": float(gain.quantile(0.25)),
            "last_epoch_gain_q75": float(gain.quantile(0.75)),
            "seed_noise_sd": noise if np.isfinite(noise) else None,
            "still_learning": bool(median > noise) if np.isfinite(noise) else None}


def mixed_code_note(ok: pd.DataFrame) -> str:
    """A note when the successful runs came from more than one code revision (runs.csv's
    ``code``; runs stored before it was recorded are left out), else ''."""
    if "code" not in ok:
        return ""
    counts = ok["code"].dropna().astype(str).value_counts()
    if len(counts) < 2:
        return ""
    listed = ", ".join(f"{n} by {code}" for code, n in counts.items())
    return (f"These runs came from {len(counts)} code revisions ({listed}): where a kernel "
            "changed between them their numbers may differ by float rounding, so the "
            "comparisons mix code as well as graphs; resume a sweep with the code that "
            "started it to keep one.")


def with_size_ratios(vs: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """``vs`` (real vs families) with ``params_ratio`` and ``macs_ratio``: the family's
    mean over its graphs over its real graph's (NaN where a sweep has no such cost), and
    ``other_size``: either ratio off 1 by more than :data:`SIZE_TOLERANCE`."""
    vs = vs.copy()
    for col, name in (("n_params", "params_ratio"), ("macs", "macs_ratio")):
        values = pd.to_numeric(table[col], errors="coerce") if col in table else \
            pd.Series(np.nan, index=table.index)
        by = pd.DataFrame({"family": table["family"], "reference": table["reference"],
                           "v": values}).groupby(["reference", "family"])["v"].mean()
        ratios = []
        for ref, fam in zip(vs["reference"], vs["family"]):
            real, null = by.get((ref, "real"), np.nan), by.get((ref, fam), np.nan)
            ratios.append(null / real if real and np.isfinite(real) else np.nan)
        vs[name] = ratios
    off = (vs[["params_ratio", "macs_ratio"]] - 1).abs() > SIZE_TOLERANCE
    vs["other_size"] = off.any(axis=1)
    return vs


def size_text(row: pd.Series) -> str:
    """A sentence for a real-vs-family row whose family is another size, else ''."""
    if not bool(row.get("other_size", False)):
        return ""
    ratios = [f"{row[col]:.2f}x its {what}" for col, what in
              (("params_ratio", "parameters"), ("macs_ratio", "MACs per image"))
              if np.isfinite(row.get(col, np.nan))]
    return (f"The '{row['family']}' networks are another size ({' and '.join(ratios)} of "
            f"the real graph's): this difference compares sizes as well as wirings.")
