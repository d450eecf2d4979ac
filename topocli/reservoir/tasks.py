"""The reservoir benchmarks: inputs, targets, readout and each task's standard score.

Every task takes ``simulate(inputs) -> states`` (the reservoir, already wired) and returns
a dict whose ``score`` is the task's standard figure: memory capacity in delays
(higher is better), NRMSE (lower is better) or accuracy (higher is better). Series are
split in time into training, validation (to choose the ridge) and test parts, after a
washout that lets the reservoir forget its zero initial state.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from topocli.errors import TopocliError
from topocli.reservoir.readout import DEFAULT_RIDGES, fit_ridge

__all__ = ["TASKS", "HIGHER_IS_BETTER", "SCORE_NAMES", "SCORE_RANGE", "mackey_glass_series",
           "mackey_glass_prediction", "memory_capacity", "narma10", "narma10_series", "nrmse",
           "sequential_digits"]

Simulate = Callable[[np.ndarray], np.ndarray]

TASKS = ("memory-capacity", "narma10", "mackey-glass", "digits")
SCORE_NAMES = {"memory-capacity": "memory capacity (delays)", "narma10": "NRMSE",
               "mackey-glass": "NRMSE at 84 steps", "digits": "test accuracy"}
HIGHER_IS_BETTER = {"memory-capacity": True, "narma10": False, "mackey-glass": False,
                    "digits": True}
#: Each score's range (None: unbounded on that side). Memory capacity is at most the
#: reservoir's size N and the largest delay fitted; NRMSE is 1 for predicting the mean.
SCORE_RANGE = {"memory-capacity": (0.0, None), "narma10": (0.0, None),
               "mackey-glass": (0.0, None), "digits": (0.0, 1.0)}
_FRACTIONS = (0.6, 0.2)  # training and validation shares; the test set is the rest


def _time_split(count: int) -> tuple[slice, slice, slice]:
    train = int(count * _FRACTIONS[0])
    val = train + int(count * _FRACTIONS[1])
    if train < 2 or val - train < 2 or count - val < 2:
        raise TopocliError(f"{count} usable time steps is too few to split into training, "
                           "validation and test; give more --steps")
    return slice(0, train), slice(train, val), slice(val, count)


def nrmse(prediction: np.ndarray, target: np.ndarray) -> float:
    """Normalised root-mean-square error, :math:`\\sqrt{\\langle(\\hat y - y)^2\\rangle /
    \\mathrm{var}(y)}`: 1 is as good as predicting the mean."""
    variance = float(np.var(target))
    if variance == 0:
        return float("nan")
    return float(np.sqrt(np.mean((prediction - target) ** 2) / variance))


def _squared_correlation(prediction: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Squared Pearson correlation of each column."""
    p = prediction - prediction.mean(axis=0)
    y = target - target.mean(axis=0)
    denominator = np.sqrt((p * p).sum(axis=0) * (y * y).sum(axis=0))
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.where(denominator > 0, (p * y).sum(axis=0) / denominator, 0.0)
    return r * r


def memory_capacity(simulate: Simulate, *, steps: int = 4000, max_delay: int = 100,
                    washout: int = 200, seed: int | np.random.Generator | None = None,
                    ridges: tuple[float, ...] = DEFAULT_RIDGES) -> dict:
    """Linear short-term memory capacity (Jaeger 2001).

    .. math:: MC = \\sum_{k=1}^{K} \\frac{\\mathrm{cov}^2(u(t-k), y_k(t))}
              {\\mathrm{var}(u(t))\\,\\mathrm{var}(y_k(t))}

    for i.i.d. input :math:`u \\sim U[-1, 1]`, one readout :math:`y_k` per delay
    ``k = 1..max_delay`` (all delays fitted in one solve, each with its own ridge). For
    a reservoir of ``N`` units MC is at most ``N``.

    References
    ----------
    Jaeger H (2001). Short term memory in echo state networks. GMD Report 152.
    """
    if max_delay < 1:
        raise TopocliError(f"--max-delay must be at least 1, not {max_delay}")
    rng = np.random.default_rng(seed)
    signal = rng.uniform(-1.0, 1.0, steps)
    states = simulate(signal[:, None])
    start = max(washout, max_delay)
    delays = np.arange(1, max_delay + 1)
    usable = np.arange(start, steps)
    targets = signal[usable[:, None] - delays[None, :]]
    train, val, test = _time_split(len(usable))
    features = states[usable]
    readout = fit_ridge(features[train], targets[train], features[val], targets[val],
                        ridges=ridges)
    per_delay = _squared_correlation(readout.predict(features[test]), targets[test])
    return {"score": float(per_delay.sum()), "per_delay": per_delay.tolist(),
            "test_steps": int(test.stop - test.start)}


def narma10_series(inputs: np.ndarray) -> np.ndarray:
    """The NARMA-10 target for ``inputs`` (Atiya & Parlos 2000):

    .. math:: y(t) = 0.3 y(t-1) + 0.05 y(t-1) \\sum_{i=1}^{10} y(t-i)
              + 1.5 u(t-1) u(t-10) + 0.1
    """
    u = [float(v) for v in inputs]  # plain floats: this loop is scalar work
    y = [0.0] * len(u)
    window = 0.0  # running sum of y[t-10 .. t-1]
    for t in range(10, len(u)):
        window += y[t - 1] - y[t - 11] if t > 10 else sum(y[:10])
        value = 0.3 * y[t - 1] + 0.05 * y[t - 1] * window + 1.5 * u[t - 1] * u[t - 10] + 0.1
        if not abs(value) < 1e3:  # diverging (or NaN): the caller draws another input
            return np.array(y[:t] + [np.inf] * (len(u) - t))
        y[t] = value
    return np.array(y)


def narma10(simulate: Simulate, *, steps: int = 4000, washout: int = 200,
            seed: int | np.random.Generator | None = None,
            ridges: tuple[float, ...] = DEFAULT_RIDGES, max_draws: int = 20) -> dict:
    """NARMA-10 one-step system identification; score: test NRMSE.

    The input is :math:`u \\sim U[0, 0.5]`. For some inputs the recursion diverges; such
    a series is discarded and a new input drawn from the same generator (up to
    ``max_draws``), and the number of draws is reported.

    References
    ----------
    Atiya AF, Parlos AG (2000). New results on recurrent network training. IEEE Trans
    Neural Netw 11:697-709. Rodan A, Tino P (2011). Minimum complexity echo state
    network. IEEE Trans Neural Netw 22:131-144 (NARMA-10 with ESNs of 100-200 units).
    """
    rng = np.random.default_rng(seed)
    draw = 0
    for draw in range(1, max_draws + 1):  # noqa: B007 - draw is reported
        signal = rng.uniform(0.0, 0.5, steps)
        target = narma10_series(signal)
        if np.all(np.isfinite(target)):
            break
    else:
        raise TopocliError(f"NARMA-10 diverged for {max_draws} input draws; try another seed")
    states = simulate(signal[:, None])
    usable = np.arange(max(washout, 10), steps)
    train, val, test = _time_split(len(usable))
    features, targets = states[usable], target[usable]
    readout = fit_ridge(features[train], targets[train], features[val], targets[val],
                        ridges=ridges)
    return {"score": nrmse(readout.predict(features[test]), targets[test]),
            "input_draws": draw, "test_steps": int(test.stop - test.start)}


def mackey_glass_series(length: int, *, tau: float = 17.0, dt: float = 0.1,
                        sample_every: float = 1.0, transient: int = 1000,
                        seed: int | np.random.Generator | None = None) -> np.ndarray:
    """The Mackey-Glass series, :math:`\\dot x = 0.2 x_\\tau / (1 + x_\\tau^{10}) - 0.1 x`,
    integrated with Euler steps of ``dt`` and sampled every ``sample_every`` time units
    (Jaeger & Haas 2004 sample tau = 17 every time unit); the constant initial history is
    1.2 plus a small seeded offset, and the first ``transient`` samples are dropped."""
    rng = np.random.default_rng(seed)
    lag = int(round(tau / dt))
    per_sample = int(round(sample_every / dt))
    total = (length + transient) * per_sample
    x = [1.2 + 0.05 * float(rng.uniform(-1.0, 1.0))] * (lag + 1)  # plain floats: scalar loop
    for t in range(lag, lag + total):
        delayed = x[t - lag]
        x.append(x[t] + dt * (0.2 * delayed / (1.0 + delayed ** 10) - 0.1 * x[t]))
    return np.array(x[lag + 1 + transient * per_sample::per_sample][:length])


def mackey_glass_prediction(simulate: Simulate, *, steps: int = 4000, horizon: int = 84,
                            washout: int = 200,
                            seed: int | np.random.Generator | None = None,
                            ridges: tuple[float, ...] = DEFAULT_RIDGES) -> dict:
    """Direct ``horizon``-step-ahead prediction of Mackey-Glass (tau 17); score: test NRMSE.

    The reservoir reads :math:`\\tanh(x(t) - 1)` (Jaeger & Haas's input transform) and one
    linear readout predicts :math:`x(t + 84)` (open loop: one-step prediction is nearly
    trivial for this smooth series, 84 steps is the horizon of Jaeger & Haas).

    References
    ----------
    Jaeger H, Haas H (2004). Harnessing nonlinearity: predicting chaotic systems and
    saving energy in wireless communication. Science 304:78-80.
    """
    series = mackey_glass_series(steps + horizon, seed=seed)
    states = simulate(np.tanh(series[:steps] - 1.0)[:, None])
    usable = np.arange(washout, steps)
    train, val, test = _time_split(len(usable))
    features, targets = states[usable], series[usable + horizon]
    readout = fit_ridge(features[train], targets[train], features[val], targets[val],
                        ridges=ridges)
    return {"score": nrmse(readout.predict(features[test]), targets[test]),
            "horizon": horizon, "test_steps": int(test.stop - test.start)}


def _accuracy(prediction: np.ndarray, onehot: np.ndarray) -> float:
    return float(np.mean(prediction.argmax(axis=1) == onehot.argmax(axis=1)))


def sequential_digits(simulate: Simulate, *, seed: int | np.random.Generator | None = None,
                      ridges: tuple[float, ...] = DEFAULT_RIDGES) -> dict:
    """Classify the 8x8 digits of scikit-learn (1,797 images), read one row per step.

    Each image is an 8-step sequence of 8 pixel values (scaled to [0, 1]) fed from a zero
    state; the readout sees the last state and the mean state over the 8 steps; a
    ridge classifier (one-hot targets) is chosen by validation accuracy on a seeded
    60/20/20 split. Score: test accuracy.
    """
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = digits.images.astype(float) / 16.0  # (samples, 8 rows, 8 columns)
    labels = digits.target
    sequences = np.transpose(images, (1, 0, 2))  # (8 steps, samples, 8 inputs)
    states = simulate(sequences)  # (8, samples, n)
    features = np.concatenate([states[-1], states.mean(axis=0)], axis=1)
    order = np.random.default_rng(seed).permutation(len(labels))
    train, val, test = (order[s] for s in _time_split(len(labels)))
    onehot = np.eye(10)[labels]
    readout = fit_ridge(features[train], onehot[train], features[val], onehot[val],
                        ridges=ridges, per_output=False, val_score=_accuracy)
    return {"score": _accuracy(readout.predict(features[test]), onehot[test]),
            "samples": int(len(labels)), "test_samples": int(len(test))}
