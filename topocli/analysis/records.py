"""Typed records of an analysis: what was measured on one graph, and the rows of its tables.

A :class:`Measurement` keeps each family of statistics in its own field (scalars, motif
counts, class-to-class edge counts, rich-club coefficients), so the tables are built from
fields, never by parsing keys back out of one flat dict. The flat form exists only for
``nulls.csv`` (:meth:`Measurement.columns`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import pandas as pd

__all__ = ["ClassRow", "FidelityRow", "Measurement", "MotifRow", "RichClubRow",
           "StatisticRow", "frame"]


@dataclass
class Measurement:
    """Everything measured on one graph (the real one or one null), family by family."""

    scalars: dict[str, float]
    motifs3: dict[str, float] = field(default_factory=dict)
    motifs4: dict[str, float] = field(default_factory=dict)
    class_edges: dict[tuple[str, str], float] = field(default_factory=dict)
    rich_club: dict[int, float] = field(default_factory=dict)

    def columns(self) -> dict[str, float]:
        """One flat row for ``nulls.csv`` (``motif3:<code>``, ``class:<s>-><t>``, ...)."""
        row = dict(self.scalars)
        row.update({f"motif3:{k}": v for k, v in self.motifs3.items()})
        row.update({f"motif4:{k}": v for k, v in self.motifs4.items()})
        row.update({f"class:{s}->{t}": v for (s, t), v in self.class_edges.items()})
        row.update({f"rich_club:{k}": v for k, v in self.rich_club.items()})
        return row


@dataclass(frozen=True)
class StatisticRow:
    """A scalar statistic against its nulls. ``p``: two-sided empirical p, 2(k+1)/(N+1)
    capped at 1; ``p_normal``: two-sided normal p from z (a label, not a test the nulls
    support beyond their ~normality)."""

    statistic: str
    value: float
    null_mean: float
    null_sd: float
    z: float
    p: float
    p_normal: float
    note: str


@dataclass(frozen=True)
class MotifRow:
    size: int
    motif: str
    isoclass: int
    description: str
    directed: bool
    count: float
    null_mean: float
    null_sd: float
    z: float
    p: float
    p_normal: float
    sp: float


@dataclass(frozen=True)
class ClassRow:
    source_class: str
    target_class: str
    edges: float
    null_mean: float
    null_sd: float
    z: float
    p: float
    p_normal: float


@dataclass(frozen=True)
class RichClubRow:
    k: int
    rich_club: float
    null_mean: float
    null_sd: float
    z: float
    p: float
    p_normal: float
    normalized: float


@dataclass(frozen=True)
class FidelityRow:
    """What one null family holds, measured on the drawn ensemble.

    ``promised``: the model is built to hold it exactly; ``held``: every null is within
    1% of the real value (degree sequences: equal on every null).
    """

    family: str
    quantity: str
    promised: bool
    real: float
    null_mean: float
    null_min: float
    null_max: float
    held: bool
    note: str


def frame(rows: list, record: type) -> pd.DataFrame:
    """A DataFrame of ``rows`` (instances of ``record``) with its fields as columns."""
    names = [f.name for f in fields(record)]
    return pd.DataFrame([[getattr(r, n) for n in names] for r in rows], columns=names)
