"""The controller's tasks: motor tasks from gymnasium and one non-motor task.

Every task answers three questions about a network (:mod:`topocli.control.policy`):
``fitness(network, seed)`` (what evolution strategies maximise, one draw of episodes or
of a training batch), ``score(network, seeds)`` (the curve's value per generation: mean
return over evaluation episodes, or validation accuracy) and ``final(network, seeds)``
(the reported figure: mean return over fresh episodes, or test accuracy).

- ``cartpole``, ``acrobot``, ``pendulum``: gymnasium's classic control (pure Python);
  ``swimmer``: MuJoCo's three-link swimmer (needs the ``mujoco`` package), an
  undulating body that suits a worm's locomotion circuit. Discrete actions take the
  largest output; continuous actions are ``tanh`` of the outputs scaled to the bounds.
- ``digits-seq``: the 8x8 digits of scikit-learn read one row per step (as the
  reservoir's ``digits`` task), classified from the outputs after the last row; the
  fitness is the mean log-likelihood of the true class on a seeded training batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from topocli.errors import TopocliError
from topocli.seeding import derive_seed

__all__ = ["CONTROL_TASKS", "ControlTask", "DigitsTask", "GymTask", "make_task"]


@dataclass(frozen=True)
class ControlTask:
    """A task's fixed facts: its gymnasium id (None: not a gym task), the return that
    counts as solved, the default budget in generations, and how many past observations
    an MLP sees (``history``)."""

    name: str
    env_id: str | None
    solved: float
    generations: int
    history: int = 1
    score_name: str = "return"
    motor: bool = True
    #: Typical magnitude of each observation: observations are divided by it, so that
    #: a pole angle of 0.2 rad counts as much as a cart position of 2.4 m.
    obs_scale: tuple[float, ...] | None = None
    #: The gradient trainer's default batch per update (``--grad-batch 0``): episodes
    #: for a motor task, images for digits-seq (one ES member's batch).
    grad_batch: int = 8


CONTROL_TASKS = {
    "cartpole": ControlTask("cartpole", "CartPole-v1", 475.0, 40,
                            obs_scale=(2.4, 3.0, 0.21, 3.0)),
    "acrobot": ControlTask("acrobot", "Acrobot-v1", -100.0, 60,
                           obs_scale=(1.0, 1.0, 1.0, 1.0, 12.6, 28.3)),
    "pendulum": ControlTask("pendulum", "Pendulum-v1", -200.0, 150,
                            obs_scale=(1.0, 1.0, 8.0)),
    "swimmer": ControlTask("swimmer", "Swimmer-v5", 300.0, 150),
    "digits-seq": ControlTask("digits-seq", None, 0.8, 100, history=8,
                              score_name="accuracy", motor=False, grad_batch=256),
}


def make_task(name: str, *, max_steps: int | None = None) -> GymTask | DigitsTask:
    """The task called ``name`` (``max_steps`` caps a gym episode; None: the env's own)."""
    if name not in CONTROL_TASKS:
        raise TopocliError(f"unknown control task {name!r}; choose from "
                           f"{', '.join(CONTROL_TASKS)}")
    spec = CONTROL_TASKS[name]
    if spec.env_id is None:
        return DigitsTask(spec)
    return GymTask(spec, max_steps=max_steps)


class GymTask:
    """A gymnasium environment, made lazily once per process (not pickled)."""

    def __init__(self, spec: ControlTask, *, max_steps: int | None = None) -> None:
        self.spec, self.max_steps = spec, max_steps
        self._env = None
        env = self.env
        self.n_obs = int(np.prod(env.observation_space.shape))
        space = env.action_space
        self.discrete = hasattr(space, "n")
        self.n_act = int(space.n) if self.discrete else int(np.prod(space.shape))
        self._high = None if self.discrete else np.asarray(space.high, dtype=float)
        self._scale = np.asarray(spec.obs_scale or np.ones(self.n_obs), dtype=float)

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_env": None}

    @property
    def env(self):
        if self._env is None:
            self._env = _make_env(self.spec, self.max_steps)
        return self._env

    def observe(self, obs) -> np.ndarray:
        """The network's input for observation ``obs``: scaled, a batch of one."""
        return (np.asarray(obs, dtype=float) / self._scale)[None]

    def env_action(self, choice):
        """The environment's action for ``choice``: an action index (discrete), or
        outputs that ``tanh`` scales to the bounds (continuous)."""
        return int(choice) if self.discrete else np.tanh(choice) * self._high

    def episode(self, network, seed: int) -> float:
        """The return of one episode of ``network`` from reset seed ``seed``."""
        env = self.env
        obs, _ = env.reset(seed=int(seed % 2**32))
        h = network.reset(1)
        total, done = 0.0, False
        while not done:
            h, out = network.step(h, self.observe(obs))
            choice = np.argmax(out[0]) if self.discrete else out[0]
            obs, reward, terminated, truncated, _ = env.step(self.env_action(choice))
            total += float(reward)
            done = terminated or truncated
        return total

    def fitness(self, network, seed: int, episodes: int = 1) -> float:
        return float(np.mean([self.episode(network, derive_seed(seed, i))
                              for i in range(episodes)]))

    def score(self, network, seed: int, count: int) -> float:
        """Mean return over ``count`` evaluation episodes seeded from ``seed``."""
        return self.fitness(network, seed, count)

    final = score


def _make_env(spec: ControlTask, max_steps: int | None):
    try:
        import gymnasium as gym
    except ImportError:
        raise TopocliError("the control tasks need gymnasium; pip install "
                           "gymnasium==1.4.0") from None
    try:
        return gym.make(spec.env_id, max_episode_steps=max_steps) if max_steps \
            else gym.make(spec.env_id)
    except Exception as exc:  # noqa: BLE001 - gymnasium names the missing piece
        if spec.name == "swimmer" or "mujoco" in str(exc).lower():
            raise TopocliError(f"--task {spec.name} needs MuJoCo, which is not installed "
                               "(pip install -e '.[mujoco]': the binary mujoco 3.17.0 wheel and "
                               "imageio); the classic control tasks "
                               "cartpole, acrobot and pendulum need only gymnasium") from None
        raise TopocliError(f"could not make {spec.env_id}: {exc}") from None


class DigitsTask:
    """Sequential 8x8 digits (1,797 images): 8 steps of 8 pixels, 10 class outputs.

    The split is the reservoir ``digits`` task's: a 60/20/20 train/validation/test split
    in the order ``np.random.default_rng(split_seed).permutation``; here the split seed
    is fixed (0) so that every run of a sweep is scored on the same test images.
    """

    n_act = 10
    discrete = True
    batch = 256

    def __init__(self, spec: ControlTask, split_seed: int = 0) -> None:
        from sklearn.datasets import load_digits

        digits = load_digits()
        self.spec = spec
        self.images = digits.images.astype(float) / 16.0      # (samples, 8 rows, 8)
        self.labels = digits.target
        self.n_obs = 8
        order = np.random.default_rng(split_seed).permutation(len(self.labels))
        train, val = int(0.6 * len(order)), int(0.8 * len(order))
        self.train, self.val, self.test = order[:train], order[train:val], order[val:]

    def outputs(self, network, index: np.ndarray) -> np.ndarray:
        """The outputs after the last row of images ``index`` (the class logits)."""
        h = network.reset(len(index))
        out = None
        for row in range(8):
            h, out = network.step(h, self.images[index, row, :])
        return out

    def fitness(self, network, seed: int, episodes: int = 1) -> float:
        """Mean log-likelihood of the true class on a training batch drawn by ``seed``."""
        index = np.random.default_rng(seed).choice(self.train, self.batch, replace=False)
        logits = self.outputs(network, index)
        logits = logits - logits.max(axis=1, keepdims=True)
        log_p = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
        return float(log_p[np.arange(len(index)), self.labels[index]].mean())

    def _accuracy(self, network, index: np.ndarray) -> float:
        return float(np.mean(self.outputs(network, index).argmax(axis=1)
                             == self.labels[index]))

    def score(self, network, seed: int, count: int) -> float:
        """Validation accuracy (``seed`` and ``count`` are not used: a fixed split)."""
        return self._accuracy(network, self.val)

    def final(self, network, seed: int, count: int) -> float:
        """Test accuracy."""
        return self._accuracy(network, self.test)
