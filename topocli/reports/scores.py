"""What a sweep is scored by: each metric's direction, range and name on the page.

A sweep page ranks graphs, names the best and worst, finds a sweet spot and warns about
ceilings. All of that depends on whether the metric is better high (accuracy, memory
capacity) or low (NRMSE, an error rate), and on its range: a ceiling warning makes sense
for an accuracy in [0, 1], not for a memory capacity of 8-30 delays. :func:`score_for`
turns a ``runs.csv`` column into a :class:`Score` that says so; every page part reads it
instead of assuming "higher accuracy".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from topocli.errors import TopocliError

__all__ = ["ACCURACY_CEILING", "ACCURACY_FLOOR", "NOT_METRICS", "Score", "completed_runs",
           "TRAINING_ACCURACIES", "default_metric", "metric_columns", "score_for"]

#: An accuracy from which a sweep is "at the ceiling": graphs differ by a few test images.
ACCURACY_CEILING = 0.97
#: An accuracy below which a sweep is "at the floor": within 0.1 of chance for the
#: 10-class tasks topocli trains; the networks have not learned enough for topology to show.
ACCURACY_FLOOR = 0.2
#: runs.csv columns that describe a run rather than score it.
NOT_METRICS = frozenset({
    "run_id", "graph_id", "family", "seed", "seed_index", "status", "error", "attempts",
    "config", "worker", "code", "topocli_version", "reference", "params", "macs", "epochs_run",
    "wall_time_s", "images_per_s", "stack",
    # --measure-cost (issue 24): what a network costs, drawn against the score
    "trainable_params", "macs_sparse", "peak_activation_bytes", "onnx_bytes_fp32",
    "onnx_bytes_int8", "latency_ms_torch", "latency_ms_onnx_fp32", "latency_ms_onnx_int8",
    "throughput_torch", "throughput_onnx_fp32", "throughput_onnx_int8"})
#: Words that make an unknown column lower-is-better (an error, a loss, a cost).
_LOWER_WORDS = re.compile(r"(^|[_\-])(err|error|loss|nrmse|rmse|mse|mae|latency|time|cost|"
                          r"energy)"
                          r"($|[_\-])", re.IGNORECASE)
#: Column prefixes of a run's description or cost (the DAG; a reservoir's synaptic
#: operations and energy estimate per task), never a score.
_COST_PREFIXES = ("dag_", "synops_", "energy_pj_")
_ACCURACY = {"test_acc": "test accuracy", "val_acc": "validation accuracy",
             "best_val_acc": "best validation accuracy", "train_acc": "training accuracy"}
#: The accuracies of a trained network's runs (its curves.csv has epochs).
TRAINING_ACCURACIES = frozenset(_ACCURACY)


@dataclass(frozen=True)
class Score:
    """A metric of a sweep: ``column`` of runs.csv, ``label`` for text and axes, whether
    higher is better, its range (``low``/``high``, None when unbounded) and whether it is
    an accuracy (then ceiling and floor warnings apply)."""

    column: str
    label: str
    higher_is_better: bool
    low: float | None = None
    high: float | None = None
    accuracy: bool = False
    declared: bool = True      #: False: the direction was guessed from the column's name

    @property
    def sign(self) -> float:
        """+1 when higher is better, -1 when lower is: ``sign * value`` is "goodness"."""
        return 1.0 if self.higher_is_better else -1.0

    @property
    def direction(self) -> str:
        return "higher is better" if self.higher_is_better else "lower is better"

    def best_of(self, values) -> int:
        """Position of the best of ``values`` (NaN ignored)."""
        series = pd.Series(values, dtype=float) * self.sign
        return int(series.reset_index(drop=True).idxmax())

    def advantage(self, difference: float) -> float:
        """A difference ``a - b`` turned into "how much better a is" (its sign flipped
        when lower is better)."""
        return self.sign * difference

    def range_text(self) -> str:
        lo = "-∞" if self.low is None else f"{self.low:g}"
        hi = "∞" if self.high is None else f"{self.high:g}"
        return f"[{lo}, {hi}]"


def _reservoir_score(column: str) -> Score | None:
    from topocli.reservoir.tasks import HIGHER_IS_BETTER, SCORE_NAMES, SCORE_RANGE

    task = column.removeprefix("score_")
    if not column.startswith("score_") or task not in HIGHER_IS_BETTER:
        return None
    low, high = SCORE_RANGE[task]
    return Score(column, f"{task}: {SCORE_NAMES[task]}", HIGHER_IS_BETTER[task], low, high,
                 accuracy=task == "digits")


def _control_score(column: str) -> Score | None:
    """``score_<task>`` and ``generations_<task>`` of ``train-sweep --model controller``."""
    from topocli.control.tasks import CONTROL_TASKS

    for prefix in ("score_", "generations_"):
        task = column.removeprefix(prefix)
        if column.startswith(prefix) and task in CONTROL_TASKS:
            spec = CONTROL_TASKS[task]
            if prefix == "generations_":
                return Score(column, f"{task}: generations to {spec.score_name} "
                             f"{spec.solved:g}", False, 0.0, None)
            accuracy = spec.score_name == "accuracy"
            return Score(column, f"{task}: final {spec.score_name}", True,
                         0.0 if accuracy else None, 1.0 if accuracy else None,
                         accuracy=accuracy)
    return None


def score_for(column: str, runs: pd.DataFrame | None = None, *,
              higher_is_better: bool | None = None) -> Score:
    """The :class:`Score` of runs.csv column ``column``.

    Known columns (accuracies, the reservoir tasks' ``score_<task>``) carry their own
    direction and range; any other numeric column is lower-is-better when its name says
    error, loss, NRMSE, time or cost, else higher-is-better, and unbounded;
    ``higher_is_better`` overrides the direction. A column that is not in ``runs``, not
    numeric, or describes a run (seed, run_id, ...) is a :class:`TopocliError` naming the
    columns that are metrics.
    """
    if runs is not None:
        usable = metric_columns(runs)
        if column not in usable:
            what = ("describes a run or its cost, it is not a metric"
                    if column in NOT_METRICS or column.startswith(_COST_PREFIXES) else
                    "is not a numeric column of runs.csv" if column in runs else
                    "is not a column of runs.csv")
            raise TopocliError(f"--metric {column} {what}; choose one of "
                               f"{', '.join(usable) or '(none: the sweep has no scores)'}")
    if column in _ACCURACY:
        score = Score(column, _ACCURACY[column], True, 0.0, 1.0, accuracy=True)
    else:
        score = _reservoir_score(column) or _control_score(column) or Score(
            column, column.replace("_", " "), not _LOWER_WORDS.search(column),
            declared=False)
    if higher_is_better is not None and higher_is_better != score.higher_is_better:
        score = Score(score.column, score.label, higher_is_better, score.low, score.high,
                      accuracy=score.accuracy and higher_is_better, declared=True)
    return score


def metric_columns(runs: pd.DataFrame) -> list[str]:
    """runs.csv columns a sweep can be scored by: numeric, with a value in some run, and
    not one of :data:`NOT_METRICS`, a ``dag_*`` description or a reservoir's cost
    (``synops_*``, ``energy_pj_*``)."""
    out = []
    for col in runs.columns:
        name = str(col)
        if name in NOT_METRICS or name.startswith(_COST_PREFIXES):
            continue
        values = pd.to_numeric(runs[col], errors="coerce")
        if values.notna().any() and values.notna().sum() >= 0.5 * runs[col].notna().sum():
            out.append(name)
    return out


def default_metric(runs: pd.DataFrame | None) -> str:
    """``test_acc`` when the sweep has values in it, else its first reservoir score
    column (a ``--model reservoir`` sweep), else ``test_acc``."""
    if runs is None or ("test_acc" in runs
                        and pd.to_numeric(runs["test_acc"], errors="coerce").notna().any()):
        return "test_acc"
    scores = [c for c in runs.columns if str(c).startswith("score_")]
    return str(scores[0]) if scores else "test_acc"


def completed_runs(runs: pd.DataFrame, metric: str) -> pd.DataFrame:
    """The runs a sweep is scored on: ``status`` ok (where the table has a status) and a
    finite ``metric``, that column read as floats. A failed run, a run still to do and a
    score that is missing, not a number or infinite are left out.

    Every part of the sweep page (figures, tables, the graphs x seeds design) reads this
    one selection, so they count the same runs.
    """
    ok = runs[runs["status"].astype(str) == "ok"] if "status" in runs else runs
    values = pd.to_numeric(ok[metric], errors="coerce").astype(float)
    finite = np.isfinite(values)
    return ok[finite].assign(**{metric: values[finite]})
