"""Ridge-regression readout with the regularisation chosen on a validation split.

One eigendecomposition of the training Gram matrix serves every candidate
regularisation and every output column, so the memory-capacity readout for hundreds of
delays is a single solve (Lukoševičius 2012, "A practical guide to applying echo state
networks", sec. 4: ridge regression as the readout of choice).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from topocli.errors import TopocliError

__all__ = ["DEFAULT_RIDGES", "Readout", "fit_ridge"]

#: Candidate ridge strengths, relative to the mean eigenvalue of the centred training
#: Gram matrix (so they do not depend on the scale of the states).
DEFAULT_RIDGES = (1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1)


@dataclass(frozen=True)
class Readout:
    """A fitted linear readout ``y = x @ weights + bias``; ``ridge`` per output column."""

    weights: np.ndarray
    bias: np.ndarray
    ridge: np.ndarray

    def predict(self, states: np.ndarray) -> np.ndarray:
        return states @ self.weights + self.bias


def fit_ridge(train_x: np.ndarray, train_y: np.ndarray, val_x: np.ndarray,
              val_y: np.ndarray, *, ridges: tuple[float, ...] = DEFAULT_RIDGES,
              per_output: bool = True,
              val_score: Callable[[np.ndarray, np.ndarray], float] | None = None) -> Readout:
    """Fit ``train_y ~ train_x`` by ridge regression, choosing the ridge on the validation set.

    .. math:: W_\\alpha = (X^T X + \\alpha \\bar\\lambda I)^{-1} X^T Y

    with ``X``, ``Y`` centred (an unpenalised intercept) and :math:`\\bar\\lambda` the mean
    eigenvalue of :math:`X^T X`.

    Parameters
    ----------
    train_x, val_x : array (samples, features)
    train_y, val_y : array (samples,) or (samples, outputs)
    ridges : tuple of float
        Candidate relative ridge strengths.
    per_output : bool
        Choose the ridge for each output column by its validation mean squared error
        (memory capacity: one ridge per delay); else one ridge for all columns.
    val_score : callable, optional
        ``val_score(prediction, val_y) -> float``, higher is better; with
        ``per_output=False`` it replaces the mean squared error (e.g. accuracy).

    Returns
    -------
    Readout
    """
    if not ridges or min(ridges) < 0:
        raise TopocliError("ridge strengths must be a non-empty list of numbers >= 0")
    train_y2 = train_y.reshape(len(train_y), -1)
    val_y2 = val_y.reshape(len(val_y), -1)
    mean_x, mean_y = train_x.mean(axis=0), train_y2.mean(axis=0)
    centred = train_x - mean_x
    eigenvalues, vectors = np.linalg.eigh(centred.T @ centred)
    eigenvalues = np.clip(eigenvalues, 0.0, None)
    scale = max(float(eigenvalues.mean()), 1e-300)
    projected = vectors.T @ (centred.T @ (train_y2 - mean_y))  # (features, outputs)
    val_projected = (val_x - mean_x) @ vectors
    val_centred = val_y2 - mean_y
    strengths = np.asarray(ridges, dtype=float) * scale
    errors = np.empty((len(strengths), train_y2.shape[1]))
    scores = np.empty(len(strengths))
    if val_score is None:
        # ||P a - y||^2 = a'(P'P)a - 2 a'P'y + y'y per column: one (features x features)
        # Gram instead of a (validation samples x features) product per candidate ridge.
        gram = val_projected.T @ val_projected
        cross = val_projected.T @ val_centred
        norms = np.sum(val_centred * val_centred, axis=0)
        for k, strength in enumerate(strengths):
            coefficients = projected / (eigenvalues + strength)[:, None]
            errors[k] = (np.sum(coefficients * (gram @ coefficients), axis=0)
                         - 2.0 * np.sum(coefficients * cross, axis=0) + norms) / len(val_x)
    else:
        for k, strength in enumerate(strengths):
            prediction = (val_projected @ (projected / (eigenvalues + strength)[:, None])
                          + mean_y)
            errors[k] = np.mean((prediction - val_y2) ** 2, axis=0)
            scores[k] = val_score(prediction, val_y2)
    if per_output:
        best = np.argmin(np.nan_to_num(errors, nan=np.inf), axis=0)
    elif val_score is not None:
        best = np.full(train_y2.shape[1], int(np.argmax(np.nan_to_num(scores, nan=-np.inf))))
    else:
        best = np.full(train_y2.shape[1], int(np.argmin(errors.mean(axis=1))))
    chosen = strengths[best]
    inverse = 1.0 / (eigenvalues[:, None] + chosen[None, :])
    inverse[~np.isfinite(inverse)] = 0.0  # a zero eigenvalue with zero ridge: no direction
    weights = vectors @ (projected * inverse)
    bias = mean_y - mean_x @ weights
    if train_y.ndim == 1:
        weights, bias = weights[:, 0], bias[0]
    return Readout(weights=weights, bias=np.asarray(bias), ridge=np.asarray(ridges)[best])
