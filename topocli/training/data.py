"""Datasets for training, read from local files only (nothing is ever downloaded).

- ``digits``: scikit-learn's bundled 8x8 handwritten digits (1,797 images), the default.
- ``mnist1d``: MNIST-1D (Greydanus 2020), 1-D digits of 40 samples generated offline by the
  ``mnist1d`` package (the paper: small MLPs reach about 68 %, small CNNs about 94 %, so
  architecture matters at a CPU budget).
- ``mnist``, ``fashion-mnist``, ``kmnist``: IDX files, gzipped or not, either flat in
  ``--data-dir`` or in torchvision's layout (``DIR/MNIST/raw/``, ``DIR/FashionMNIST/raw/``,
  ``DIR/KMNIST/raw/``). When only the 10k test set is there, it is split (seeded).
- ``cifar10``: the binary version's ``data_batch_*.bin`` and ``test_batch.bin`` (flat or in
  ``cifar-10-batches-bin/``); never Python pickles.

Splits: the test set (official, or a seeded ``test_fraction`` of the data when there is
none) and then a seeded ``val_fraction`` of the training data, both drawn from
``split_seed`` so that every run of a comparison sees the same images. Images are
normalised with the per-channel mean and sd of the training split.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from topocli.bounded_read import read_input_bytes
from topocli.errors import TopocliError
from topocli.seeding import derive_seed
from topocli.training.config import DATASETS

__all__ = ["DATASETS", "Splits", "load_dataset", "read_idx"]

_TORCHVISION_DIR = {"mnist": "MNIST", "fashion-mnist": "FashionMNIST", "kmnist": "KMNIST"}
IDX_MAX_DIMS = 4   # labels are 1-d, MNIST-style images 3-d; more is a damaged header
_IDX = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
        "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}


@dataclass
class Splits:
    """Normalised float tensors ``(N, C, H, W)`` and int64 labels for each split."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    num_classes: int
    description: str

    @property
    def input_shape(self) -> tuple[int, int, int]:
        return tuple(self.x_train.shape[1:])

    def sizes(self) -> dict[str, int]:
        return {"train": len(self.y_train), "val": len(self.y_val), "test": len(self.y_test)}

    def to(self, device: torch.device | str) -> Splits:
        """The same splits with every tensor on ``device`` (moved once per run, so the
        training loop indexes batches on the device with no host round trip)."""
        return dataclasses.replace(self, **{
            f.name: getattr(self, f.name).to(device) for f in dataclasses.fields(self)
            if isinstance(getattr(self, f.name), torch.Tensor)})


def read_idx(path: str | Path) -> np.ndarray:
    """Read an IDX file (LeCun's MNIST format), gzipped or not.

    The file must be a regular file within topocli's input cap
    (:func:`topocli.bounded_read.read_input_bytes`) and hold 1 to
    :data:`IDX_MAX_DIMS` dimensions; otherwise one line says what is wrong.
    """
    path = Path(path)
    data = read_input_bytes(path)
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise TopocliError(f"{path} is not an unsigned-byte IDX file (bad magic number)")
    ndim = data[3]
    if not 1 <= ndim <= IDX_MAX_DIMS:
        raise TopocliError(f"{path}: its IDX header names {ndim} dimensions; IDX data files "
                           f"have 1 (labels) to {IDX_MAX_DIMS}; re-download or re-extract it")
    if len(data) < 4 + 4 * ndim:
        raise TopocliError(f"{path} is truncated: its header names {ndim} dimensions but "
                           f"the file has {len(data)} bytes")
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if body.size != int(np.prod(dims, dtype=object)):
        raise TopocliError(f"{path} is truncated: header says {dims}, found {body.size} bytes")
    return body.reshape(dims).copy()


def _find(folder: Path, stem: str) -> Path | None:
    for name in (stem, stem + ".gz"):
        if (folder / name).is_file():
            return folder / name
    return None


def _check_labels(path: Path, y: np.ndarray) -> None:
    """Refuse labels outside 0-9 (every dataset here has ten classes)."""
    bad = y[y > 9]
    if bad.size:
        raise TopocliError(f"{path} has {bad.size} label(s) outside 0-9 (e.g. {int(bad[0])}); "
                           "expected the ten class labels 0-9")


def _read_idx_pair(images: Path, labels: Path) -> tuple[np.ndarray, np.ndarray]:
    """Read an images/labels IDX pair and check that they fit together.

    Parameters
    ----------
    images, labels : paths of the ``*-images-idx3-ubyte`` and ``*-labels-idx1-ubyte`` files

    Returns
    -------
    x : uint8 array (n, rows, cols)
    y : uint8 array (n,) of labels in 0-9

    Raises
    ------
    TopocliError
        One line naming the file when the images are not 3-d, the labels not 1-d, the
        counts differ, or a label lies outside 0-9.
    """
    x, y = read_idx(images), read_idx(labels)
    if x.ndim != 3:
        raise TopocliError(f"{images} holds a {x.ndim}-d array of shape {x.shape}; an IDX "
                           "image file must be 3-d (images, rows, cols)")
    if y.ndim != 1:
        raise TopocliError(f"{labels} holds a {y.ndim}-d array of shape {y.shape}; an IDX "
                           "label file must be 1-d (one label per image)")
    if len(x) != len(y):
        raise TopocliError(f"{images} holds {len(x)} images but {labels} holds {len(y)} "
                           "labels; the counts must match")
    if len(y) == 0:
        raise TopocliError(f"{labels} holds no labels (and {images} no images)")
    _check_labels(labels, y)
    return x, y


def _load_idx_dataset(name: str, data_dir: Path) -> tuple[np.ndarray, ...]:
    folders = [data_dir, data_dir / _TORCHVISION_DIR[name] / "raw", data_dir / "raw"]
    for folder in folders:
        test = [_find(folder, s) for s in _IDX["test"]]
        if all(test):
            train = [_find(folder, s) for s in _IDX["train"]]
            x_te, y_te = _read_idx_pair(*test)
            if all(train):
                return (*_read_idx_pair(*train), x_te, y_te)
            return None, None, x_te, y_te
    expected = ", ".join(s + "[.gz]" for s in _IDX["train"] + _IDX["test"])
    raise TopocliError(f"{data_dir} has no {name} IDX files; expected {expected} (the two "
                       f"t10k files suffice) in it or in "
                       f"{data_dir / _TORCHVISION_DIR[name] / 'raw'}")


def _read_cifar_batches(paths: list[Path]) -> tuple[np.ndarray, np.ndarray]:
    """Images (n, 3, 32, 32) and labels (n,) of CIFAR-10 binary batches, checked per file.

    Each record is 1 label byte and 3,072 pixel bytes, so a batch must be a non-empty
    multiple of 3,073 bytes with labels in 0-9; otherwise a one-line error names the file.
    """
    records = []
    for path in paths:
        raw = np.frombuffer(read_input_bytes(path), dtype=np.uint8)
        if raw.size == 0 or raw.size % 3073:
            raise TopocliError(f"{path} is {raw.size} bytes, not a positive multiple of 3073 "
                               "(1 label byte + 3072 pixel bytes per image); re-extract the "
                               "binary version of CIFAR-10")
        rec = raw.reshape(-1, 3073)
        _check_labels(path, rec[:, 0])
        records.append(rec)
    rec = np.concatenate(records)
    return rec[:, 1:].reshape(-1, 3, 32, 32), rec[:, 0]


def _load_cifar10(data_dir: Path) -> tuple[np.ndarray, ...]:
    for folder in (data_dir, data_dir / "cifar-10-batches-bin"):
        test = folder / "test_batch.bin"
        train = sorted(folder.glob("data_batch_*.bin"))
        if test.is_file() and train:
            x_tr, y_tr = _read_cifar_batches(train)
            x_te, y_te = _read_cifar_batches([test])
            return x_tr, y_tr, x_te, y_te
    raise TopocliError(f"{data_dir} has no CIFAR-10 binary batches; expected "
                       "data_batch_1.bin ... data_batch_5.bin and test_batch.bin (the "
                       "'binary version' of CIFAR-10) in it or in cifar-10-batches-bin/")


def _make_mnist1d() -> tuple[np.ndarray, ...]:
    """MNIST-1D as its authors' generator makes it (``mnist1d.data.make_dataset`` with its
    default arguments: 5,000 signals of 40 samples, seed 42, 4,000 train / 1,000 test),
    shaped (N, 1, 1, 40) so the stage's 3x3 convolutions act along the signal. Copies of
    :func:`_mnist1d_signals`, which generates once per process (a few seconds)."""
    return tuple(a.copy() for a in _mnist1d_signals())


@functools.lru_cache(maxsize=1)
def _mnist1d_signals() -> tuple[np.ndarray, ...]:
    """The generated MNIST-1D arrays (see :func:`_make_mnist1d`). The generator seeds
    numpy's global RNG; its state is restored afterwards."""
    try:
        from mnist1d.data import get_dataset_args, make_dataset
    except ImportError:
        raise TopocliError("--dataset mnist1d needs the mnist1d package (pip install "
                           "mnist1d); it generates the data offline") from None
    state = np.random.get_state()
    try:
        data = make_dataset(get_dataset_args())
    finally:
        np.random.set_state(state)

    def signals(x) -> np.ndarray:
        return np.asarray(x, dtype=np.float32)[:, None, None, :]

    return (signals(data["x"]), np.asarray(data["y"]), signals(data["x_test"]),
            np.asarray(data["y_test"]))


def _split(n: int, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    perm = np.random.default_rng(seed).permutation(n)
    k = round(n * fraction)
    return np.sort(perm[k:]), np.sort(perm[:k])


def load_dataset(name: str, data_dir: str | Path | None = None, *, val_fraction: float = 0.1,
                 test_fraction: float = 0.2, split_seed: int = 0,
                 max_train: int | None = None) -> Splits:
    """Load ``name`` into seeded train/validation/test splits.

    Parameters
    ----------
    name : one of :data:`DATASETS`
    data_dir : folder with the files (not needed for ``digits``)
    val_fraction : share of the training data held out for validation
    test_fraction : share used as test set when the dataset has no official one
        (``digits``, or IDX folders with only the t10k files: 10,000 -> 8,000/2,000)
    split_seed : seed of both splits (independent of the training seed)
    max_train : keep only the first ``max_train`` training images (after the split)
    """
    if name not in DATASETS:
        raise TopocliError(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}")
    if name == "digits":
        from sklearn.datasets import load_digits

        digits = load_digits()
        x_all, y_all = digits.images[:, None].astype(np.float32), digits.target
        x_tr = y_tr = None
        desc = "scikit-learn digits (8x8)"
    elif name == "mnist1d":
        x_tr, y_tr, x_all, y_all = _make_mnist1d()
        desc = "MNIST-1D (Greydanus 2020; 40-sample signals, generated offline, 4,000/1,000)"
    else:
        if data_dir is None:
            raise TopocliError(f"--dataset {name} reads local files; pass --data-dir DIR "
                               "(nothing is downloaded)")
        folder = Path(data_dir)
        if not folder.is_dir():
            raise TopocliError(f"--data-dir {folder} is not a folder")
        if name == "cifar10":
            x_tr, y_tr, x_all, y_all = _load_cifar10(folder)
        else:
            x_tr, y_tr, x_all, y_all = _load_idx_dataset(name, folder)
            x_all = x_all[:, None]
            x_tr = x_tr[:, None] if x_tr is not None else None
        desc = f"{name} from {folder}"
    if x_tr is None:   # no official training set: split the one we have
        train_idx, test_idx = _split(len(y_all), test_fraction, derive_seed(split_seed, "test"))
        x_tr, y_tr, x_all, y_all = x_all[train_idx], y_all[train_idx], x_all[test_idx], \
            y_all[test_idx]
        desc += f", seeded {1 - test_fraction:.0%}/{test_fraction:.0%} train/test split"
    train_idx, val_idx = _split(len(y_tr), val_fraction, derive_seed(split_seed, "val"))
    if max_train is not None:
        train_idx = train_idx[:max_train]
    x_train = torch.as_tensor(np.ascontiguousarray(x_tr[train_idx]), dtype=torch.float32)
    mean = x_train.mean((0, 2, 3), keepdim=True)
    sd = x_train.std((0, 2, 3), keepdim=True).clamp_min(1e-6)

    def prep(x):
        return (torch.as_tensor(np.ascontiguousarray(x), dtype=torch.float32) - mean) / sd

    y_all = np.asarray(y_all, dtype=np.int64)
    y_tr = np.asarray(y_tr, dtype=np.int64)
    splits = Splits(prep(x_tr[train_idx]), torch.as_tensor(y_tr[train_idx]),
                    prep(x_tr[val_idx]), torch.as_tensor(y_tr[val_idx]),
                    prep(x_all), torch.as_tensor(y_all),
                    num_classes=10, description=desc)   # every dataset here has 10
    if len(splits.y_train) == 0:
        raise TopocliError(f"{name}: no training images left after the splits; lower "
                           "--val-fraction or add data")
    return splits
