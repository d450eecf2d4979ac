"""One training run's folder and state: its identity, checkpoint and early stopping.

A run's folder holds ``config.json`` (the config and the graph's identity, written when
the folder is claimed: :func:`claim_run`), ``checkpoint.pt`` after every epoch (the
model, the optimiser, the curve and the early-stopping state: :class:`RunState`),
and at the end ``result.json`` and ``curve.csv``. A folder resumes only its own run.
"""

from __future__ import annotations

import io
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import torch

from topocli.errors import TopocliError
from topocli.fileio import write_bytes_atomic, write_json_atomic
from topocli.provenance import graph_fingerprint, versions
from topocli.training.config import TrainConfig
from topocli.training.dag import Dag
from topocli.training.model import RandWireNet

__all__ = ["EarlyStopping", "RunState", "claim_run", "graph_identity", "graph_info",
           "record_graph"]

log = logging.getLogger("topocli")


def graph_identity(graph, config: TrainConfig) -> dict | None:
    """What identifies the graph a run trains (None for ``--no-graph``): its content
    fingerprint (node names and edges), source, size and directedness."""
    if config.no_graph or graph is None:
        return None
    info = graph_info(graph)
    return {"fingerprint": graph_fingerprint(graph), "source": info["source"],
            "n": info["n"], "m": info["m"], "directed": info["directed"]}


def claim_run(out: Path, existing: dict | None, config: TrainConfig, graph) -> None:
    """Write ``out/config.json`` for a new run, or check that ``existing`` is this run."""
    wired = graph_identity(graph, config)
    document = {"kind": "train", "config": config.to_dict(), "graph": wired,
                "versions": versions()}
    if existing is None:
        write_json_atomic(out / "config.json", document)
        return
    try:
        old = TrainConfig.from_dict(dict(existing.get("config") or {}))
    except (TypeError, ValueError):
        raise TopocliError(f"{out}/config.json holds no training config topocli can read; "
                           "use a new --out folder") from None
    if old.experiment() != config.experiment():
        raise TopocliError(f"{out} already holds a run with another configuration; "
                           "use a new --out folder (results are never overwritten)")
    if "graph" not in existing:  # written before runs recorded their graph: see below
        log.warning("%s was written before training folders recorded their graph; "
                    "resuming it as %s's run (not checked)", out,
                    (wired or {}).get("source", "no graph"))
        return
    theirs = existing.get("graph")
    if (theirs.get("fingerprint") if isinstance(theirs, dict) else theirs) != \
            (wired or {}).get("fingerprint"):
        raise TopocliError(f"{out} holds the run of another graph ({_describe(theirs)}; now "
                           f"{_describe(wired)}); use a new --out folder (results are "
                           "never overwritten)")


def record_graph(out: Path, graph, config: TrainConfig) -> None:
    """Add the graph to a config.json written before runs recorded it, once its
    checkpoint has loaded into this graph's network."""
    document = json.loads((out / "config.json").read_text())
    if "graph" not in document:
        write_json_atomic(out / "config.json",
                          {**document, "graph": graph_identity(graph, config)})


def _describe(graph: object) -> str:
    if not isinstance(graph, dict):
        return "no graph"
    return (f"{graph.get('source')}, {graph.get('n')} nodes, {graph.get('m')} edges, "
            f"fingerprint {graph.get('fingerprint')}")


@dataclass
class EarlyStopping:
    """Patience on the validation accuracy (``config.patience``; Prechelt 1998).

    After each epoch the run remembers its best validation accuracy so far (a strict
    improvement is needed), that epoch and its weights; once ``patience`` epochs pass
    without one, the run stops (``config.epochs`` stays the cap, and the cosine schedule
    runs over the cap). The test accuracy is then that of the best epoch's weights.
    Saved in the checkpoint, so a resumed run stops where it would have.
    """

    patience: int
    best_val: float | None = None
    best_epoch: int | None = None
    since_best: int = 0
    best_model: dict | None = None    #: the best epoch's state dict (clones)

    def update(self, epoch: int, val_acc: float, model: torch.nn.Module) -> None:
        if self.best_val is None or val_acc > self.best_val:
            self.best_val, self.best_epoch, self.since_best = val_acc, epoch, 0
            self.best_model = {k: v.detach().clone() for k, v in model.state_dict().items()}
        else:
            self.since_best += 1

    @property
    def stopped(self) -> bool:
        """The run reached its plateau: ``patience`` epochs without a better val_acc."""
        return self.since_best >= self.patience

    def state(self) -> dict:
        return {"best_val": self.best_val, "best_epoch": self.best_epoch,
                "since_best": self.since_best, "best_model": self.best_model}

    def load(self, state: dict) -> None:
        self.best_val, self.best_epoch = state["best_val"], state["best_epoch"]
        self.since_best, self.best_model = state["since_best"], state["best_model"]


@dataclass
class RunState:
    """One run of the trainer: its network, optimiser, files, curve and early stopping."""

    graph: object
    model: RandWireNet
    dag: Dag | None
    cx: dict
    optimizer: torch.optim.Optimizer
    out: Path | None
    checkpoint: Path | None   #: saved after each epoch and resumed from (None: neither)
    curve: list = field(default_factory=list)
    start: int = 1
    train_time: float = 0.0
    images: int = 0
    early: EarlyStopping | None = None   #: ``config.patience > 0``: the early-stopping state

    def resume(self, device: torch.device) -> None:
        """Load ``checkpoint.pt`` if the run has one (model, optimiser, curve, epoch)."""
        ckpt = self.checkpoint
        if ckpt is None or not ckpt.exists():
            return
        try:
            state = torch.load(ckpt, weights_only=True, map_location=device)
            self.model.load_state_dict(state["model"])
            self.optimizer.load_state_dict(state["optimizer"])
            for group in self.optimizer.param_groups:   # an older checkpoint's None
                group["foreach"] = True
        except (RuntimeError, ValueError, KeyError, TypeError, EOFError, OSError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise TopocliError(f"{ckpt} does not fit this run's network ({first[:120]}); "
                               "use a new --out folder") from None
        self.curve, self.train_time = state["curve"], state["train_time"]
        self.images, self.start = state["images"], state["epoch"] + 1
        if self.early is not None:
            self.early.load(state["early"])
        log.info("resuming %s after epoch %d", self.out, state["epoch"])

    def save(self, epoch: int) -> None:
        # clone: a stacked run's BN statistics are views into the stack's buffers
        model_state = {k: v.clone() for k, v in self.model.state_dict().items()}
        state = {"model": model_state, "optimizer": self.optimizer.state_dict(),
                 "epoch": epoch, "curve": self.curve, "train_time": self.train_time,
                 "images": self.images}
        if self.early is not None:
            state["early"] = self.early.state()
        buf = io.BytesIO()
        torch.save(state, buf)
        write_bytes_atomic(self.checkpoint, buf.getvalue())


def graph_info(graph) -> dict:
    attrs = graph.attributes()
    return {"source": graph["source"] if "source" in attrs else None,
            "view": graph["view"] if "view" in attrs else None,
            "n": graph.vcount(), "m": graph.ecount(), "directed": graph.is_directed()}
