"""A rough time estimate before a sweep starts: a pilot of a few training steps.

:func:`pilot` builds the real graph's network with the sweep's training config in this
process and times a few training steps and one evaluation pass (not a run: nothing is
stored); :func:`estimate_seconds` scales that to the runs left to do.
"""

from __future__ import annotations

import logging
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import igraph as ig

    from topocli.training.config import TrainConfig

__all__ = ["PILOT_STEPS", "Pilot", "estimate_seconds", "pilot"]

log = logging.getLogger("topocli")

#: Timed training steps of the pilot (after one untimed warm-up step).
PILOT_STEPS = 2
#: Test images the pilot evaluates to time evaluation (per image).
PILOT_EVAL_IMAGES = 128


@dataclass(frozen=True)
class Pilot:
    """What one run of the sweep's budget costs, measured on the real graph."""

    setup_s: float        # dataset load, graph -> DAG -> network, optimizer
    step_s: float         # one training step (mean of the timed steps)
    eval_image_s: float   # evaluating one image
    steps_per_run: int    # epochs x steps per epoch
    eval_images: int      # validation images x epochs + test images

    @property
    def run_s(self) -> float:
        return (self.setup_s + self.step_s * self.steps_per_run
                + self.eval_image_s * self.eval_images)


@contextmanager
def _quiet():
    """Silence the trainer's per-model INFO line during the pilot."""
    level = log.level
    log.setLevel(max(level, logging.WARNING))
    try:
        yield
    finally:
        log.setLevel(level)


def pilot(graph: ig.Graph | None, config: TrainConfig, *, steps: int = PILOT_STEPS) -> Pilot:
    """Time ``steps`` training steps of ``graph``'s network under ``config``.

    Parameters
    ----------
    graph : igraph.Graph or None
        The graph the sweep trains as ``real`` (None: the no-graph baseline).
    config : TrainConfig
        The sweep's shared config (its torch threads are used, then restored; torch's
        global random state is left as it was).
    steps : int
        Timed steps, after one untimed warm-up step.

    Returns
    -------
    Pilot
    """
    import torch
    import torch.nn.functional as F

    from topocli.training.data import load_dataset
    from topocli.training.train import _make_optimizer, setup_env, setup_model

    def load():
        return load_dataset(config.dataset, config.data_dir, val_fraction=config.val_fraction,
                            split_seed=config.split_seed, max_train=config.max_train)

    with _quiet(), setup_env(config, None):
        load()  # warm-up: imports and first reads happen once per worker, not per run
        start = time.perf_counter()
        data = load()
        model, _, _ = setup_model(graph, config, data)
        optimizer = _make_optimizer(model, config)
        setup_s = time.perf_counter() - start
        n, bs = len(data.y_train), config.batch_size
        x, y = data.x_train[:bs], data.y_train[:bs]
        model.train()

        def step() -> None:
            loss = F.cross_entropy(model(x), y, label_smoothing=config.label_smoothing)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()

        step()  # warm-up: first-call allocations are not what every step costs
        start = time.perf_counter()
        for _ in range(steps):
            step()
        step_s = (time.perf_counter() - start) / steps
        model.eval()
        xe = data.x_test[:PILOT_EVAL_IMAGES] if len(data.y_test) else x
        start = time.perf_counter()
        with torch.no_grad():
            model(xe)
        eval_image_s = (time.perf_counter() - start) / max(1, len(xe))
    steps_per_epoch = n // bs + (n % bs >= 2)
    return Pilot(setup_s=setup_s, step_s=step_s, eval_image_s=eval_image_s,
                 steps_per_run=config.epochs * steps_per_epoch,
                 eval_images=config.epochs * len(data.y_val) + len(data.y_test))


def estimate_seconds(p: Pilot, runs: int, workers: int) -> float:
    """Wall time of ``runs`` runs on ``workers`` parallel workers, from a pilot."""
    workers = max(1, min(workers, runs))
    return p.run_s * -(-runs // workers)
