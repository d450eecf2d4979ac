"""OpenAI evolution strategies (Salimans et al. 2017), numpy only.

Each generation draws ``population / 2`` Gaussian directions ``eps_i`` and evaluates
``theta + sigma eps_i`` and ``theta - sigma eps_i`` (antithetic pairs; both members of a
pair see the same episodes or batch). Fitnesses are turned into centred ranks in
[-0.5, 0.5] (robust to the scale of returns), and the estimate

.. math:: g = \\frac{1}{n \\sigma} \\sum_i (r_i^+ - r_i^-) \\, \\epsilon_i - \\lambda \\theta

is followed by Adam (ascent). Every random draw comes from ``derive_seed(seed, ...)`` of
the generation, so a run resumed from its checkpoint after generation ``g`` continues
exactly as if it had never stopped. Member evaluations are independent: ``jobs > 1``
evaluates them in joblib worker processes.

References
----------
Salimans T, Ho J, Chen X, Sidor S, Sutskever I (2017). Evolution strategies as a
scalable alternative to reinforcement learning. arXiv:1703.03864.
Kingma DP, Ba J (2015). Adam: a method for stochastic optimization. ICLR.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from topocli.seeding import derive_seed

__all__ = ["ESState", "centred_ranks", "es_generation", "load_state", "save_state"]


def centred_ranks(values: np.ndarray) -> np.ndarray:
    """Ranks of ``values`` scaled to [-0.5, 0.5]; tied values share their average rank,
    so an antithetic pair with equal returns adds nothing to the gradient (returns of
    control tasks are often tied: every member failing at once, or hitting the cap)."""
    from scipy.stats import rankdata

    values = np.asarray(values, dtype=float).ravel()
    return (rankdata(values, method="average") - 1) / max(values.size - 1, 1) - 0.5


@dataclass
class ESState:
    """Where a run stands after ``generation`` generations: parameters, Adam moments
    and the curve so far (one dict per generation)."""

    theta: np.ndarray
    m: np.ndarray
    v: np.ndarray
    generation: int = 0
    curve: list[dict] = field(default_factory=list)

    @classmethod
    def start(cls, theta: np.ndarray) -> ESState:
        return cls(theta=np.array(theta, dtype=float), m=np.zeros(theta.size),
                   v=np.zeros(theta.size))


def es_generation(state: ESState, evaluate: Callable[[np.ndarray, list[int]], np.ndarray],
                  *, seed: int, population: int, sigma: float, lr: float,
                  weight_decay: float) -> dict:
    """Run one generation in place; returns its fitness summary.

    ``evaluate(thetas, seeds)`` returns one fitness per row of ``thetas`` (the k-th with
    episode seed ``seeds[k]``).
    """
    g = state.generation
    pairs = max(population // 2, 1)
    rng = np.random.default_rng(derive_seed(seed, "es-noise", g))
    eps = rng.standard_normal((pairs, state.theta.size))
    thetas = np.concatenate([state.theta + sigma * eps, state.theta - sigma * eps])
    pair_seeds = [derive_seed(seed, "es-episode", g, i) for i in range(pairs)]
    fitness = np.asarray(evaluate(thetas, pair_seeds + pair_seeds), dtype=float)
    ranks = centred_ranks(fitness)
    grad = (ranks[:pairs] - ranks[pairs:]) @ eps / (2 * pairs * sigma)
    grad = grad - weight_decay * state.theta
    beta1, beta2, t = 0.9, 0.999, g + 1
    state.m = beta1 * state.m + (1 - beta1) * grad
    state.v = beta2 * state.v + (1 - beta2) * grad * grad
    step = lr * np.sqrt(1 - beta2 ** t) / (1 - beta1 ** t)
    state.theta = state.theta + step * state.m / (np.sqrt(state.v) + 1e-8)
    state.generation = g + 1
    return {"fitness_mean": float(fitness.mean()), "fitness_max": float(fitness.max())}


def save_state(state: ESState, path: Path, fingerprint: str) -> None:
    """Write ``state`` atomically (``path`` is an ``.npz``); ``fingerprint`` says which
    run it belongs to."""
    import json
    import os

    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez(tmp, theta=state.theta, m=state.m, v=state.v,
             generation=np.array(state.generation),
             curve=np.array(json.dumps(state.curve)), fingerprint=np.array(fingerprint))
    os.replace(tmp, path)


def load_state(path: Path, fingerprint: str) -> ESState | None:
    """The state saved at ``path`` for the run ``fingerprint``; None when there is none
    (or it belongs to another run, or cannot be read)."""
    import json

    if not path.is_file():
        return None
    try:
        with np.load(path) as data:
            if str(data["fingerprint"]) != fingerprint:
                return None
            return ESState(theta=data["theta"].copy(), m=data["m"].copy(), v=data["v"].copy(),
                           generation=int(data["generation"]),
                           curve=json.loads(str(data["curve"])))
    except (OSError, ValueError, KeyError):
        return None
