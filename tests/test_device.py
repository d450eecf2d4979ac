"""``--device``: the chosen device is used or refused up front; never a silent fall-back."""

from __future__ import annotations

import pytest
import torch
from test_train_cli import FAST, _graph_file
from test_training import TINY, small_graph

from topocli.errors import TopocliError
from topocli.training import TrainConfig, train_graph
from topocli.training.data import load_dataset
from topocli.training.device import resolve_device, worker_device

torch.set_num_threads(1)


@pytest.fixture
def no_gpu(monkeypatch):
    """This machine as one without CUDA or MPS, whatever it really has."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)


def test_resolve_device_names(no_gpu):
    assert resolve_device("auto") == torch.device("cpu")
    assert resolve_device("cpu") == torch.device("cpu")
    for name, match in (("cuda", "no CUDA GPU"), ("cuda:1", "no CUDA GPU"),
                        ("mps", "MPS"), ("gpu", "unknown --device"), ("cuda:x", "unknown")):
        with pytest.raises(TopocliError, match=match):
            resolve_device(name)
    assert worker_device("cuda", 3) == "cuda"       # no GPU: the name is kept (and refused)
    assert worker_device("cpu", 3) == "cpu"
    with pytest.raises(TopocliError):
        TrainConfig(device="tpu").validate()


def test_worker_device_spreads_over_gpus(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    assert [worker_device("cuda", w) for w in range(4)] == \
        ["cuda:0", "cuda:1", "cuda:0", "cuda:1"]
    assert worker_device("auto", 1) == "cuda:1"
    assert worker_device("cuda:1", 0) == "cuda:1"    # an explicit GPU is kept


def test_absent_device_is_one_line_and_writes_nothing(run_cli, tmp_path, no_gpu):
    out = tmp_path / "run"
    res = run_cli("train", _graph_file(tmp_path), *FAST, "--device", "cuda", "--out", out)
    assert res.exit_code == 2
    assert res.stderr.strip().count("\n") == 0 and "no CUDA GPU" in res.stderr
    assert "Traceback" not in res.stderr and not out.exists()
    res = run_cli("train", _graph_file(tmp_path), *FAST, "--device", "gpu0")
    assert res.exit_code == 2 and "unknown --device" in res.stderr


def test_explicit_cpu_equals_auto_and_is_recorded(no_gpu, tmp_path):
    g = small_graph()
    auto = train_graph(g, TINY)
    cpu = train_graph(g, TINY.replace(device="cpu"), out_dir=tmp_path / "run")
    assert cpu["device"] == "cpu" and cpu["config"]["device"] == "cpu"
    assert cpu["curve"] == auto["curve"] and cpu["test_loss"] == auto["test_loss"]
    # The device is where a run executes, not what it computes: the folder resumes.
    again = train_graph(g, TINY.replace(device="auto"), out_dir=tmp_path / "run")
    assert again["test_acc"] == cpu["test_acc"]


def test_splits_move_together():
    data = load_dataset("digits", max_train=64).to("cpu")
    assert {t.device.type for t in (data.x_train, data.y_train, data.x_val, data.y_val,
                                    data.x_test, data.y_test)} == {"cpu"}
    assert data.num_classes == 10

