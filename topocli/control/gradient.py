"""The gradient trainer (``--trainer gradient``): torch autograd on the ES policies.

The network and the parameter vector are the ES trainer's (:mod:`topocli.control.policy`:
the same layout, the same initial ``theta``, the same sign rule through ``|theta|``);
:func:`torch_network` builds the same weights from a float64 torch copy of ``theta``,
and the forward pass is the numpy network's own ``step`` on tensors, so autograd
differentiates exactly what ES evaluates.

- ``digits-seq``: cross-entropy of the outputs after the last row, backpropagated
  through the recurrent steps, on minibatches drawn from the training split.
- Motor tasks: REINFORCE (Williams 1992). Episodes are played by the numpy network with
  sampled actions: a categorical distribution over the outputs as logits (discrete
  actions), or the outputs plus Gaussian noise of fixed standard deviation
  ``action_std`` before the ``tanh`` that scales them to the bounds (continuous
  actions). The loss is ``-mean_t log pi(a_t | s_t) A_t`` over every step of the batch,
  ``A_t`` the discounted return from step ``t`` on, normalised over the batch (its mean
  is the baseline). The log-probabilities come from replaying the batch's observations
  through the torch network (its state depends on observations only, so the replay
  meets the states the episodes met).

Both use Adam (step ``grad_lr``, L2 term ``weight_decay`` as in ES). A generation is
``updates`` updates (:func:`topocli.control.run.generation_cost`: the training data of
an ES generation); its summary is the mean and best batch's training objective (mean
log-likelihood, or mean undiscounted return of the sampled episodes). The state is an
:class:`~topocli.control.es.ESState` (``m`` and ``v`` hold Adam's moments), checkpointed
by the ES code; every draw comes from ``derive_seed(seed, ..., generation, update)``, so
a resumed run continues as if it had never stopped. The evaluation and the final score
use the deterministic policy (largest output; ``tanh`` of the outputs), as for ES.

References
----------
Williams RJ (1992). Simple statistical gradient-following algorithms for connectionist
reinforcement learning. Machine Learning 8, 229-256.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from topocli.control.es import ESState
from topocli.control.policy import GraphNetwork, MLPNetwork
from topocli.errors import TopocliError
from topocli.seeding import derive_seed

__all__ = ["Episode", "GradientTrainer", "reinforce_loss", "sample_episode",
           "torch_network"]

DTYPE = torch.float64


def _tensor(values) -> torch.Tensor:
    return torch.as_tensor(values, dtype=DTYPE)


class TorchGraphNetwork(GraphNetwork):
    """:class:`GraphNetwork` on torch tensors (differentiable in its weights)."""

    tanh = staticmethod(torch.tanh)

    def reset(self, batch: int = 1) -> torch.Tensor:
        return torch.zeros((batch, self.W_t.shape[0]), dtype=DTYPE)

    def step(self, h, x):
        return super().step(h, _tensor(x))


class TorchMLPNetwork(MLPNetwork):
    """:class:`MLPNetwork` on torch tensors."""

    tanh = staticmethod(torch.tanh)
    concat = staticmethod(torch.cat)

    def reset(self, batch: int = 1) -> torch.Tensor:
        return torch.zeros((batch, self.n_obs * self.history), dtype=DTYPE)

    def step(self, window, x):
        return super().step(window, _tensor(x))


def torch_network(policy, theta: torch.Tensor) -> TorchGraphNetwork | TorchMLPNetwork:
    """The network of ``policy`` (a GraphPolicy or MLPPolicy) for the torch vector
    ``theta``: the weights of ``policy.network(theta)``, differentiable in ``theta``."""
    p = policy.layout.split(theta)
    if policy.kind == "mlp":
        n_in = policy.n_obs * policy.history
        return TorchMLPNetwork(p["W1"].reshape(n_in, policy.hidden), p["b1"],
                               p["W2"].reshape(policy.hidden, policy.n_act), p["b2"],
                               policy.n_obs, policy.history)
    magnitude = p["edges"] if policy.edge_sign is None \
        else _tensor(policy.edge_sign) * p["edges"].abs()
    edges = _tensor(policy.edge_scale) * magnitude
    n = policy.n
    W_t = torch.zeros((n, n), dtype=DTYPE).index_put(
        (torch.as_tensor(policy.pre), torch.as_tensor(policy.post)), edges)
    U = torch.zeros((policy.n_obs, n), dtype=DTYPE).index_copy(
        1, torch.as_tensor(policy.inputs), p["input"].reshape(policy.n_obs, -1))
    V = torch.zeros((n, policy.n_act), dtype=DTYPE).index_copy(
        0, torch.as_tensor(policy.outputs), p["output"].reshape(-1, policy.n_act))
    return TorchGraphNetwork(W_t, U, p["bias"], V, p["output_bias"], policy.alpha,
                             policy.substeps)


@dataclass
class Episode:
    """One sampled episode: network inputs (steps, n_obs), the sampled choices (action
    indices, or pre-``tanh`` outputs (steps, n_act)) and the rewards."""

    inputs: np.ndarray
    choices: np.ndarray
    rewards: np.ndarray


def _sample(out: np.ndarray, rng: np.random.Generator, discrete: bool,
            action_std: float):
    """An action index drawn from ``softmax(out)``, or ``out`` plus Gaussian noise."""
    if not discrete:
        return out + action_std * rng.standard_normal(out.shape)
    p = np.exp(out - out.max())
    return min(int(np.searchsorted(np.cumsum(p), rng.random() * p.sum())), out.size - 1)


def sample_episode(task, network, seed: int, rng: np.random.Generator,
                   action_std: float) -> Episode:
    """Play one episode of the gym ``task`` from reset seed ``seed`` with actions
    sampled from ``network``'s outputs (the stochastic policy)."""
    env = task.env
    obs, _ = env.reset(seed=int(seed % 2**32))
    h = network.reset(1)
    inputs, choices, rewards, done = [], [], [], False
    while not done:
        x = task.observe(obs)
        h, out = network.step(h, x)
        choice = _sample(out[0], rng, task.discrete, action_std)
        obs, reward, terminated, truncated, _ = env.step(task.env_action(choice))
        inputs.append(x[0])
        choices.append(choice)
        rewards.append(float(reward))
        done = terminated or truncated
    return Episode(np.array(inputs), np.array(choices), np.array(rewards))


def discounted_returns(rewards: np.ndarray, discount: float) -> np.ndarray:
    """``G_t = r_t + discount * G_{t+1}`` for every step ``t``."""
    out, running = np.empty(len(rewards)), 0.0
    for t in range(len(rewards) - 1, -1, -1):
        running = rewards[t] + discount * running
        out[t] = running
    return out


def reinforce_loss(policy, theta: torch.Tensor, episodes: list[Episode], *,
                   discrete: bool, discount: float, action_std: float) -> torch.Tensor:
    """REINFORCE's loss for a batch of episodes (see the module docstring)."""
    steps = max(len(e.rewards) for e in episodes)
    mask = np.zeros((len(episodes), steps), dtype=bool)
    inputs = np.zeros((len(episodes), steps, episodes[0].inputs.shape[1]))
    returns = np.zeros((len(episodes), steps))
    for i, e in enumerate(episodes):
        mask[i, :len(e.rewards)] = True
        inputs[i, :len(e.rewards)] = e.inputs
        returns[i, :len(e.rewards)] = discounted_returns(e.rewards, discount)
    advantage = np.zeros_like(returns)
    advantage[mask] = (returns[mask] - returns[mask].mean()) / (returns[mask].std() + 1e-8)
    network = torch_network(policy, theta)
    h, outs = network.reset(len(episodes)), []
    for t in range(steps):
        h, out = network.step(h, inputs[:, t])
        outs.append(out)
    outs = torch.stack(outs, dim=1)[torch.as_tensor(mask)]      # (valid steps, n_act)
    choices = np.concatenate([e.choices for e in episodes])
    if discrete:
        log_p = torch.log_softmax(outs, dim=1)[torch.arange(len(choices)),
                                               torch.as_tensor(choices)]
    else:
        log_p = -0.5 * (((_tensor(choices) - outs) / action_std) ** 2).sum(dim=1)
    return -(log_p * _tensor(advantage[mask])).mean()


class GradientTrainer:
    """Adam on ``state.theta`` for ``task``; :meth:`generation` runs ``updates`` updates
    in place on an :class:`ESState` (resumed from its ``m``, ``v`` and generation)."""

    def __init__(self, policy, task, config, state: ESState, seed: int,
                 updates: int) -> None:
        self.policy, self.task, self.config, self.seed = policy, task, config, seed
        self.updates = updates
        self.batch = config.grad_batch or task.spec.grad_batch
        if not task.spec.motor and self.batch > len(task.train):
            raise TopocliError(f"--grad-batch {self.batch} is more than the "
                               f"{len(task.train):,} training images of {task.spec.name}")
        self.theta = torch.tensor(state.theta, dtype=DTYPE, requires_grad=True)
        self.optimizer = torch.optim.Adam([self.theta], lr=config.grad_lr,
                                          weight_decay=config.weight_decay, foreach=False)
        if state.generation:
            self.optimizer.state[self.theta] = {
                "step": torch.tensor(float(state.generation * updates)),
                "exp_avg": _tensor(state.m).clone(), "exp_avg_sq": _tensor(state.v).clone()}

    def generation(self, state: ESState) -> dict:
        """One generation in place on ``state``; returns its training objective."""
        g = state.generation
        values = [self._update(g, u) for u in range(self.updates)]
        moments = self.optimizer.state[self.theta]
        state.theta = self.theta.detach().numpy().copy()
        state.m = moments["exp_avg"].numpy().copy()
        state.v = moments["exp_avg_sq"].numpy().copy()
        state.generation = g + 1
        return {"fitness_mean": float(np.mean(values)), "fitness_max": float(np.max(values))}

    def _update(self, generation: int, update: int) -> float:
        """One Adam step on batch ``update`` of ``generation``; the batch's objective."""
        self.optimizer.zero_grad()
        if self.task.spec.motor:
            loss, value = self._reinforce(generation, update)
        else:
            loss = self._cross_entropy(generation, update)
            value = -float(loss.detach())
        loss.backward()
        self.optimizer.step()
        return value

    def _cross_entropy(self, generation: int, update: int) -> torch.Tensor:
        task = self.task
        rng = np.random.default_rng(derive_seed(self.seed, "grad-batch", generation, update))
        index = rng.choice(task.train, self.batch, replace=False)
        logits = task.outputs(torch_network(self.policy, self.theta), index)
        return torch.nn.functional.cross_entropy(logits, torch.as_tensor(task.labels[index]))

    def _reinforce(self, generation: int, update: int) -> tuple[torch.Tensor, float]:
        network = self.policy.network(self.theta.detach().numpy().copy())
        episodes = [
            sample_episode(self.task, network,
                           derive_seed(self.seed, "grad-episode", generation, update, i),
                           np.random.default_rng(derive_seed(self.seed, "grad-action",
                                                             generation, update, i)),
                           self.config.action_std)
            for i in range(self.batch)]
        loss = reinforce_loss(self.policy, self.theta, episodes,
                              discrete=self.task.discrete, discount=self.config.discount,
                              action_std=self.config.action_std)
        return loss, float(np.mean([e.rewards.sum() for e in episodes]))
