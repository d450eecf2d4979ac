"""The learning-rate check of a study's pilot: one learning rate chosen for every family.

A shared learning rate that suits one family and hurts another makes a family
comparison a comparison of learning rates (a node with 93 inputs may want a smaller step
than one with 20). Before the runs, :func:`run_lr_check` trains a small sweep of the
study's protocol (the real graph and a few graphs of each family, a seed or two) at each
candidate rate, one folder per rate, and :func:`choose_lr` picks the rate whose worst
family loses the least against that family's own best rate, by **validation** accuracy
(the test split decides nothing). The choice is written to ``lr_check.json``;
``train-sweep --lr-from DIR`` reads it, checks that the study's protocol is the one
checked, trains at the chosen rate and declares the check in ``config.json``
(``design.lr_check``), which the report's budget line states.

When no rate comes within ``tolerance`` of every family's best, the study still trains
one rate for all (the one with the smallest worst-family loss): the families then differ
in how well the rate suits them, and the declaration says by how much.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

from topocli.errors import TopocliError
from topocli.fileio import write_json_atomic

__all__ = ["LR_CHECK_FILE", "LrChoice", "choose_lr", "declaration", "load_lr_check",
           "lr_folder", "parse_lrs", "run_lr_check"]

LR_CHECK_FILE = "lr_check.json"
SELECTION_METRIC = "val_acc"
#: Settings that may differ between the check and the study: they change no number.
_FREE_SETTINGS = ("lr", "threads", "device", "checkpoint", "seed")


@dataclass(frozen=True)
class LrChoice:
    """The outcome of a learning-rate check.

    ``table``: one row per family and rate (mean validation accuracy over its graphs and
    seeds, and the runs behind it); ``family_best``: each family's best rate;
    ``worst_loss``: at ``lr``, the largest shortfall of a family against its own best;
    ``shared``: whether that shortfall is within ``tolerance``.
    """

    lr: float
    shared: bool
    worst_loss: float
    worst_family: str
    tolerance: float
    family_best: dict[str, float]
    table: list[dict]


def parse_lrs(text: str) -> list[float]:
    """``"3e-4,1e-3,3e-3"`` -> the distinct positive rates, ascending."""
    try:
        values = sorted({float(v) for v in text.split(",") if v.strip()})
    except ValueError:
        raise TopocliError(f"--lrs takes comma-separated numbers, e.g. 3e-4,1e-3,3e-3 "
                           f"(got {text!r})") from None
    if len(values) < 2 or not all(math.isfinite(v) and v > 0 for v in values):
        raise TopocliError(f"--lrs needs two or more positive learning rates, e.g. "
                           f"3e-4,1e-3,3e-3 (got {text!r})")
    return values


def lr_folder(out: Path, lr: float) -> Path:
    """The sweep folder of rate ``lr`` inside the check's folder ``out``."""
    return Path(out) / f"lr-{lr:g}"


def choose_lr(runs: pd.DataFrame, *, tolerance: float = 0.005) -> LrChoice:
    """Pick the rate that suits every family best (see the module notes).

    ``runs``: one row per run with ``family``, ``lr`` and ``val_acc``. Ties go to the
    rate with the higher mean over families, then to the smaller rate.
    """
    ok = runs.dropna(subset=[SELECTION_METRIC])
    if ok.empty:
        raise TopocliError("the learning-rate check has no finished runs with a validation "
                           "accuracy: rerun topocli lr-check (it resumes)")
    table = (ok.groupby(["family", "lr"])[SELECTION_METRIC].agg(["mean", "size"])
             .rename(columns={"mean": SELECTION_METRIC, "size": "runs"}).reset_index())
    wide = table.pivot(index="lr", columns="family", values=SELECTION_METRIC)
    missing = wide.columns[wide.isna().any()].tolist()
    if missing:
        raise TopocliError(f"the learning-rate check lacks runs of {', '.join(missing)} at "
                           "some rate: rerun topocli lr-check (it resumes)")
    best = wide.max(axis=0)
    loss = best - wide                      # rate x family: shortfall against own best
    worst = loss.max(axis=1)
    order = sorted(wide.index, key=lambda lr: (round(worst[lr], 12),
                                               -wide.loc[lr].mean(), lr))
    chosen = float(order[0])
    table["loss_vs_family_best"] = [float(loss.loc[r.lr, r.family])
                                    for r in table.itertuples()]
    return LrChoice(
        lr=chosen, shared=bool(worst[chosen] <= tolerance + 1e-12),
        worst_loss=float(worst[chosen]), worst_family=str(loss.loc[chosen].idxmax()),
        tolerance=tolerance,
        family_best={str(f): float(wide[f].idxmax()) for f in wide.columns},
        table=table.to_dict(orient="records"))


def run_lr_check(graphs: Sequence, out: Path, lrs: Sequence[float], *, config,
                 tolerance: float = 0.005, sweep: Callable, **sweep_options) -> LrChoice:
    """Train the pilot sweep at each rate of ``lrs`` into ``out/lr-<rate>/`` (each a
    resumable sweep: ``sweep`` is :func:`topocli.sweep.run_sweep`, given
    ``sweep_options``), choose the rate and write ``out/lr_check.json``."""
    out = Path(out)
    frames = []
    for lr in lrs:
        folder = lr_folder(out, lr)
        sweep(list(graphs), folder, config=config.replace(lr=lr), **sweep_options)
        runs = pd.read_csv(folder / "runs.csv")
        frames.append(runs.assign(lr=lr)[runs["status"] == "ok"])
    choice = choose_lr(pd.concat(frames, ignore_index=True), tolerance=tolerance)
    record = {"kind": "lr-check", "metric": SELECTION_METRIC, "lrs": list(lrs),
              "graphs": [str(g) for g in graphs],
              "protocol": _protocol(config, sweep_options.get("view")),
              "sweep": {k: v for k, v in sweep_options.items()
                        if k in ("families", "count", "seeds", "seed")},
              **asdict(choice)}
    write_json_atomic(out / LR_CHECK_FILE, record)
    return choice


def load_lr_check(directory: Path, *, graphs: Sequence, config, view=None) -> dict:
    """Read ``DIR/lr_check.json`` for a study of ``graphs`` trained with ``config``;
    refuse a check of another protocol or graph (one line)."""
    path = Path(directory) / LR_CHECK_FILE
    try:
        record = json.loads(path.read_text())
    except FileNotFoundError:
        raise TopocliError(f"{directory} holds no {LR_CHECK_FILE}: run topocli lr-check "
                           f"... --out {directory} first") from None
    except (OSError, ValueError) as e:
        raise TopocliError(f"{path} is not a readable learning-rate check ({e}); rerun "
                           "topocli lr-check") from None
    if not isinstance(record, dict) or record.get("kind") != "lr-check" or \
            not isinstance(record.get("protocol"), dict) or "lr" not in record:
        raise TopocliError(f"{path} is not a learning-rate check written by topocli "
                           "lr-check; rerun it")
    mine = _protocol(config, view)
    differ = sorted(k for k in set(mine) | set(record["protocol"])
                    if mine.get(k) != record["protocol"].get(k))
    if differ:
        raise TopocliError(f"{directory} checked another protocol ({', '.join(differ)} "
                           "differ): rerun topocli lr-check with the study's options")
    if [str(g) for g in graphs] != record.get("graphs"):
        raise TopocliError(f"{directory} checked {', '.join(record.get('graphs') or [])}, "
                           f"not {', '.join(map(str, graphs))}: rerun topocli lr-check on "
                           "the study's graphs")
    return record


def declaration(record: dict, directory: Path) -> dict:
    """What ``config.json`` declares about the check (``design.lr_check``)."""
    return {"folder": str(directory), "lrs": record["lrs"], "lr": record["lr"],
            "shared": record["shared"], "worst_loss": record["worst_loss"],
            "worst_family": record["worst_family"], "tolerance": record["tolerance"],
            "family_best": record["family_best"], "metric": record["metric"],
            "sweep": record.get("sweep", {})}


def _protocol(config, view=None) -> dict:
    """The settings a check and its study must share: the training config but the free
    settings, and the graph view (None: the default one)."""
    from topocli.graphs import GraphView

    view_fields = asdict(view if view is not None else GraphView())
    return {**{k: v for k, v in config.to_dict().items() if k not in _FREE_SETTINGS},
            **{f"view.{k}": v for k, v in view_fields.items()}}
