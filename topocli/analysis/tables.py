"""The tables of one analysis, built from typed measurements of the graph and its nulls."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from topocli.analysis.ensemble import LatticeReferences
from topocli.analysis.notes import SMALL_WORLD
from topocli.analysis.plan import Plan
from topocli.analysis.records import (
    ClassRow,
    Measurement,
    MotifRow,
    RichClubRow,
    StatisticRow,
    frame,
)
from topocli.metrics import motifs, smallworld
from topocli.metrics.nulls import summarise

__all__ = ["add_small_world", "class_table", "lattice_clustering", "metrics_table",
           "motif_table", "rich_club_table"]


def lattice_clustering(c: float, lattice_values: Sequence[float]) -> float:
    """C_l of omega for a graph of clustering ``c``: the largest of ``c`` and the lattice
    references' clustering, as ``networkx.omega`` (a latticisation that ends below the
    graph's own clustering must not make omega < -1)."""
    vals = [v for v in lattice_values if np.isfinite(v)]
    if not vals:
        return float("nan")
    return float(max([c, *vals])) if np.isfinite(c) else float(max(vals))


def add_small_world(real: Measurement, nulls: Sequence[Measurement],
                    lattice: LatticeReferences) -> None:
    """sigma, omega, phi of the graph and of each null (against the ensemble means).

    sigma uses transitivity and the mean C_r, L_r of the nulls (``networkx.sigma``);
    omega uses clustering_avg_zero, the mean L_r and :func:`lattice_clustering`
    (``networkx.omega``); phi uses the means C_r, L_r, C_l, L_l (Muldoon et al. 2016).
    """
    nan = float("nan")

    def mean(values) -> float:
        arr = np.asarray(list(values), dtype=float)
        return float(np.nanmean(arr)) if arr.size and np.isfinite(arr).any() else nan

    c_r = mean(x.scalars["transitivity"] for x in nulls)
    ca_r = mean(x.scalars["clustering_avg_zero"] for x in nulls)
    l_r = mean(x.scalars["path_length_undirected"] for x in nulls)
    c_l_mean = mean(lattice.clustering_avg_zero)
    l_l = mean(lattice.path_length_undirected)

    def fill(s: dict) -> None:
        t, ca, lu = s["transitivity"], s["clustering_avg_zero"], s["path_length_undirected"]
        s["sigma"] = smallworld.sigma(t, c_r, lu, l_r)
        s["omega"] = smallworld.omega(ca, lattice_clustering(ca, lattice.clustering_avg_zero),
                                      lu, l_r)
        s["propensity"] = smallworld.propensity(ca, ca_r, c_l_mean, lu, l_r, l_l)

    fill(real.scalars)
    for x in nulls:
        fill(x.scalars)


def _join(*parts: str) -> str:
    return "; ".join(x for x in parts if x)


def _compare(value: float, null: np.ndarray) -> tuple[dict, str]:
    s = summarise(value, null)
    return s, s.pop("note")


def metrics_table(real: Measurement, nulls: Sequence[Measurement],
                  lattice: LatticeReferences, notes: dict[str, str],
                  lattice_reason: str | None = None) -> pd.DataFrame:
    """One row per scalar statistic, plus the two lattice comparison rows.

    ``lattice_reason``: why no lattice reference was drawn although one was asked for
    (the lattice comparison rows then carry NaN null values and this reason).
    """
    rows = []
    keys = [k for k in real.scalars if k not in SMALL_WORLD] + list(SMALL_WORLD)
    for key in keys:
        value = real.scalars[key]
        null = np.array([x.scalars.get(key, np.nan) for x in nulls], dtype=float)
        s, extra = _compare(value, null)
        if "undefined" in notes.get(key, ""):
            extra = extra.replace("undefined on this graph", "").strip("; ")
        note = _join(notes.get(key, ""), extra)
        if key in SMALL_WORLD and not nulls:
            note = _join(note, "needs nulls (--nulls N)")
        rows.append(StatisticRow(key, value, note=note, **s))
    for key, label in (("clustering_avg_zero", "clustering_vs_lattice"),
                       ("path_length_undirected", "path_length_vs_lattice")):
        refs = np.asarray(getattr(lattice, key), dtype=float)
        if refs.size:
            s, extra = _compare(real.scalars[key], refs)
            note = _join(f"{key} against {refs.size} lattice nulls (C_l, L_l)", extra)
            rows.append(StatisticRow(label, real.scalars[key], note=note, **s))
        elif lattice_reason:
            s, _ = _compare(real.scalars[key], np.array([]))
            rows.append(StatisticRow(label, real.scalars[key], **s,
                                     note=f"{key} against lattice nulls; undefined: "
                                          f"{lattice_reason}"))
    return frame(rows, StatisticRow)


def _family_rows(real: dict, nulls: Sequence[Measurement],
                 get: Callable[[Measurement], dict], key) -> tuple[dict, str]:
    null = np.array([get(x).get(key, np.nan) for x in nulls], dtype=float)
    return _compare(real[key], null)


def motif_table(real: Measurement, nulls: Sequence[Measurement], plan: Plan) -> pd.DataFrame:
    rows: list[MotifRow] = []
    tables = []
    if plan.motifs3:
        labels = motifs.MOTIF3_DIRECTED if plan.directed else motifs.MOTIF3_UNDIRECTED
        tables.append((3, labels, real.motifs3, lambda x: x.motifs3))
    if plan.motifs4:
        tables.append((4, motifs.MOTIF4_UNDIRECTED, real.motifs4, lambda x: x.motifs4))
    for size, labels, counts, get in tables:
        block = []
        for iso, (code, desc) in labels.items():
            s, _ = _family_rows(counts, nulls, get, code)
            block.append((iso, code, desc, s))
        sp_ = motifs.significance_profile({code: s["z"] for _, code, _, s in block})
        rows.extend(MotifRow(size, code, iso, desc, plan.directed and size == 3,
                             counts[code], sp=sp_[code], **s) for iso, code, desc, s in block)
    return frame(rows, MotifRow)


def class_table(real: Measurement, nulls: Sequence[Measurement]) -> pd.DataFrame:
    rows = []
    for (src, tgt), value in real.class_edges.items():
        s, _ = _family_rows(real.class_edges, nulls, lambda x: x.class_edges, (src, tgt))
        rows.append(ClassRow(src, tgt, value, **s))
    return frame(rows, ClassRow)


def rich_club_table(real: Measurement, nulls: Sequence[Measurement]) -> pd.DataFrame:
    rows = []
    for k, value in real.rich_club.items():
        s, _ = _family_rows(real.rich_club, nulls, lambda x: x.rich_club, k)
        mean = s["null_mean"]
        norm = value / mean if np.isfinite(mean) and mean > 0 else float("nan")
        rows.append(RichClubRow(k, value, normalized=norm, **s))
    return frame(rows, RichClubRow)
