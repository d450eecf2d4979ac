"""Malformed IDX and CIFAR-10 binary files: one-line errors naming the file, no traceback."""

from __future__ import annotations

import numpy as np
import pytest
from test_training import _idx_bytes, write_idx

from topocli.errors import TopocliError
from topocli.training import load_dataset

IMAGES, LABELS = "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"


def _idx_folder(tmp_path, n=6):
    write_idx(tmp_path, "t10k", n, gz=False, rng=np.random.default_rng(0))
    return tmp_path


def _one_line(exc_info, *needles):
    msg = str(exc_info.value)
    assert "\n" not in msg
    for needle in needles:
        assert needle in msg, msg


def test_idx_image_and_label_counts_must_match(tmp_path):
    folder = _idx_folder(tmp_path)
    (folder / LABELS).write_bytes(_idx_bytes(np.arange(9) % 10))  # 6 images, 9 labels
    with pytest.raises(TopocliError) as exc:
        load_dataset("mnist", folder)
    _one_line(exc, IMAGES, LABELS, "6 images", "9 labels")


def test_idx_images_must_be_3d(tmp_path):
    folder = _idx_folder(tmp_path)
    (folder / IMAGES).write_bytes(_idx_bytes(np.zeros((6, 784), np.uint8)))
    with pytest.raises(TopocliError) as exc:
        load_dataset("mnist", folder)
    _one_line(exc, IMAGES, "2-d", "3-d")


def test_idx_labels_must_be_0_to_9(tmp_path):
    folder = _idx_folder(tmp_path)
    (folder / LABELS).write_bytes(_idx_bytes(np.array([0, 1, 2, 3, 42, 5])))
    with pytest.raises(TopocliError) as exc:
        load_dataset("mnist", folder)
    _one_line(exc, LABELS, "outside 0-9", "42")


def _cifar(n, *, label=3):
    rec = np.zeros((n, 3073), np.uint8)
    rec[:, 0] = label
    return rec.tobytes()


def test_cifar_batch_length_and_labels_checked_per_file(tmp_path):
    (tmp_path / "data_batch_1.bin").write_bytes(_cifar(4))
    (tmp_path / "test_batch.bin").write_bytes(_cifar(2) + b"\x00" * 10)
    with pytest.raises(TopocliError) as exc:
        load_dataset("cifar10", tmp_path)
    _one_line(exc, "test_batch.bin", "6156 bytes", "3073")
    (tmp_path / "test_batch.bin").write_bytes(_cifar(2, label=10))
    with pytest.raises(TopocliError) as exc:
        load_dataset("cifar10", tmp_path)
    _one_line(exc, "test_batch.bin", "outside 0-9")


def test_cli_reports_a_bad_idx_folder_in_one_line(run_cli, tmp_path):
    folder = _idx_folder(tmp_path / "data")
    (folder / LABELS).write_bytes(_idx_bytes(np.arange(3)))
    res = run_cli("train", "celegans-varshney2011", "--dataset", "mnist", "--data-dir", folder,
                  "--epochs", "1", "--out", tmp_path / "out")
    assert res.exit_code == 2, res.output
    assert res.stderr.startswith("topocli: error: ") and res.stderr.count("\n") == 1
    assert LABELS in res.stderr and "Traceback" not in res.output
