"""Training library: DAG construction, fast path == per-node reference, data, determinism."""

from __future__ import annotations

import copy
import gzip
import json

import igraph as ig
import numpy as np
import pytest
import torch

from topocli.errors import TopocliError
from topocli.graphs.classes import FLOW_ORDER
from topocli.training import TrainConfig, build_dag, load_dataset, train_graph
from topocli.training.dag import dag_from_edges
from topocli.training.data import read_idx
from topocli.training.model import RandWireNet, complexity

torch.set_num_threads(1)


def small_graph(n=24, m=70, seed=1, directed=True) -> ig.Graph:
    rng = np.random.default_rng(seed)
    pairs = [(a, b) for a in range(n) for b in range(n) if a != b and (directed or a < b)]
    chosen = rng.choice(len(pairs), m, replace=False)
    g = ig.Graph(n=n, edges=[pairs[i] for i in chosen], directed=directed)
    g.vs["name"] = [f"n{i}" for i in range(n)]
    g.vs["cell_class"] = list(rng.choice(["sensory", "interneuron", "motor"], n))
    return g


# ---------------------------------------------------------------- DAG
@pytest.mark.parametrize("method", ["random-order", "class-order", "feedback-arc"])
def test_dag_properties_on_varshney(varshney, method):
    dag = build_dag(varshney, method, seed=3)
    e = dag.edges
    assert (e[:, 0] < e[:, 1]).all()                       # topological numbering
    assert (dag.level[e[:, 0]] < dag.level[e[:, 1]]).all()  # levels respect edges
    assert (np.diff(dag.level) >= 0).all()
    s = dag.stats
    assert s["depth"] == dag.depth and s["edges_kept"] == len(e)
    assert s["n_inputs"] == len(dag.input_nodes()) == (dag.level == 0).sum()
    assert s["n_outputs"] == len(dag.output_nodes())
    assert s["max_width"] == np.bincount(dag.level).max()
    assert ig.Graph(n=dag.n, edges=e.tolist(), directed=True).is_dag()
    cls = dict(zip(varshney.vs["name"], varshney.vs["cell_class"]))
    flow = np.array([FLOW_ORDER[cls[name]] for name in dag.names])
    original = {(varshney.vs[a]["name"], varshney.vs[b]["name"])
                for a, b in varshney.get_edgelist()}
    kept = {(dag.names[a], dag.names[b]) for a, b in e}
    if method == "class-order":
        assert (flow[e[:, 0]] <= flow[e[:, 1]]).all()
    if method == "feedback-arc":
        assert kept <= original                           # only original directions
        assert s["edges_reversed"] == 0 and s["edges_dropped"] > 0
    else:                                                 # every pair kept in some direction
        assert {frozenset(p) for p in kept} == {frozenset(p) for p in original}


def test_dag_seed_changes_random_order_only(varshney):
    a, b = build_dag(varshney, "random-order", seed=1), build_dag(varshney, "random-order",
                                                                     seed=2)
    assert not np.array_equal(a.edges, b.edges)
    same = build_dag(varshney, "random-order", seed=1)
    assert np.array_equal(a.edges, same.edges) and a.names == same.names


def test_dag_errors():
    with pytest.raises(TopocliError, match="undirected"):
        build_dag(small_graph(directed=False), "feedback-arc")
    with pytest.raises(TopocliError, match="no edges"):
        build_dag(ig.Graph(n=3, directed=True), "random-order")
    with pytest.raises(TopocliError, match="no edges"):
        dag_from_edges(3, [])
    with pytest.raises(TopocliError, match="unknown DAG"):
        build_dag(small_graph(), "topological")


# ---------------------------------------------------------------- model
def _randomise(model: RandWireNet, seed=0):
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "edge_weight" in name or "bn_" in name:
                p.add_(torch.randn(p.shape, generator=gen) * 0.5)


@pytest.mark.parametrize("method", ["random-order", "class-order", "feedback-arc"])
@pytest.mark.parametrize("frozen", [False, True])
@pytest.mark.parametrize("graph_seed,chunk_bytes", [(1, None), (2, 1), (3, 5000)])
def test_fast_path_matches_per_node_reference(method, frozen, graph_seed, chunk_bytes):
    torch.manual_seed(graph_seed)
    dag = build_dag(small_graph(seed=graph_seed), method, seed=0)
    fast = RandWireNet(dag, in_channels=2, num_classes=5, channels=4, stages=2,
                       stem_stride=1, frozen=frozen)
    for stage in fast.stages:      # whole levels, one node per call, a few nodes per call
        stage.chunk_bytes = chunk_bytes
    _randomise(fast)
    ref = copy.deepcopy(fast)
    x = torch.randn(3, 2, 10, 10)
    out_fast, out_ref = fast(x), ref(x, reference=True)
    torch.testing.assert_close(out_fast, out_ref, atol=1e-5, rtol=1e-5)
    (out_fast ** 2).sum().backward()
    (out_ref ** 2).sum().backward()
    checked = 0
    for (name, p), q in zip(fast.named_parameters(), ref.parameters()):
        if q.grad is None:
            assert p.grad is None or p.numel() == 0 or not p.requires_grad, name
            continue
        torch.testing.assert_close(p.grad, q.grad, atol=1e-5, rtol=1e-5,
                                   msg=lambda m, name=name: f"{name}: {m}")
        checked += 1
    assert checked >= (4 if frozen else 10)
    for a, b in zip(fast.buffers(), ref.buffers()):   # BN running stats updated once
        torch.testing.assert_close(a, b, atol=1e-6, rtol=1e-5)
    fast.eval(), ref.eval()
    with torch.no_grad():
        torch.testing.assert_close(fast(x), ref(x, reference=True), atol=1e-5, rtol=1e-5)


def test_second_backward_through_one_forward_is_a_clear_error():
    """The stage frees its kept activations in the backward: a second backward through
    the same graph must say so, not fail on a None deep inside."""
    torch.manual_seed(0)
    model = RandWireNet(build_dag(small_graph(), "random-order", seed=0), in_channels=1,
                        num_classes=3, channels=2)
    loss = model(torch.randn(2, 1, 6, 6)).sum()
    loss.backward(retain_graph=True)
    with pytest.raises(RuntimeError, match="backward through the same graph twice"):
        loss.backward()


def test_complexity_matches_hand_count():
    # 0 -> 2, 1 -> 2, 0 -> 3, 2 -> 3: inputs {0, 1}, output {3}; levels [0,1], [2], [3].
    dag = dag_from_edges(4, [(0, 2), (1, 2), (0, 3), (2, 3)])
    c, k, hw = 3, 10, 6 * 6
    model = RandWireNet(dag, in_channels=1, num_classes=k, channels=c, stem_stride=1)
    cx = complexity(model, (1, 6, 6))
    stem = 1 * c * 9 * hw
    nodes = 4 * (9 * c + c * c) * hw
    sums = 4 * c * hw
    assert cx["macs"] == stem + nodes + sums + c * k
    params = (9 * c + 2 * c) + 4 * (9 * c + c * c + 2 * c) + 4 + (c * k + k)
    assert cx["params"] == params
    base = RandWireNet(None, in_channels=1, num_classes=k, channels=c, stem_stride=2)
    assert complexity(base, (1, 6, 6))["macs"] == 1 * c * 9 * 9 + c * k


# ---------------------------------------------------------------- data
def _idx_bytes(arr: np.ndarray) -> bytes:
    header = bytes([0, 0, 8, arr.ndim]) + b"".join(int(d).to_bytes(4, "big")
                                                    for d in arr.shape)
    return header + arr.astype(np.uint8).tobytes()


def write_idx(folder, prefix, n, *, gz, rng):
    folder.mkdir(parents=True, exist_ok=True)
    x = rng.integers(0, 256, (n, 28, 28))
    y = rng.integers(0, 10, n)
    for stem, arr in ((f"{prefix}-images-idx3-ubyte", x), (f"{prefix}-labels-idx1-ubyte", y)):
        data = _idx_bytes(arr)
        if gz:
            (folder / (stem + ".gz")).write_bytes(gzip.compress(data))
        else:
            (folder / stem).write_bytes(data)
    return x, y


def test_idx_reader_gz_and_plain(tmp_path):
    rng = np.random.default_rng(0)
    x, _ = write_idx(tmp_path / "a", "t10k", 7, gz=True, rng=rng)
    assert np.array_equal(read_idx(tmp_path / "a" / "t10k-images-idx3-ubyte.gz"), x)
    x2, _ = write_idx(tmp_path / "b", "t10k", 5, gz=False, rng=rng)
    assert np.array_equal(read_idx(tmp_path / "b" / "t10k-images-idx3-ubyte"), x2)
    (tmp_path / "bad").write_bytes(b"\x01\x02\x03\x04")
    with pytest.raises(TopocliError, match="magic"):
        read_idx(tmp_path / "bad")


def test_idx_layouts_and_t10k_split(tmp_path):
    rng = np.random.default_rng(0)
    raw = tmp_path / "tv" / "FashionMNIST" / "raw"
    write_idx(raw, "train", 40, gz=False, rng=rng)
    write_idx(raw, "t10k", 10, gz=True, rng=rng)
    s = load_dataset("fashion-mnist", tmp_path / "tv", val_fraction=0.25)
    assert s.sizes() == {"train": 30, "val": 10, "test": 10}
    assert s.input_shape == (1, 28, 28)
    assert abs(float(s.x_train.mean())) < 1e-4        # normalised on the training split
    write_idx(tmp_path / "flat", "t10k", 50, gz=True, rng=rng)   # only the test set
    s1 = load_dataset("mnist", tmp_path / "flat", val_fraction=0.1, split_seed=0)
    s2 = load_dataset("mnist", tmp_path / "flat", val_fraction=0.1, split_seed=0)
    assert s1.sizes() == {"train": 36, "val": 4, "test": 10}
    assert torch.equal(s1.x_test, s2.x_test)
    s3 = load_dataset("mnist", tmp_path / "flat", val_fraction=0.1, split_seed=1)
    assert not torch.equal(s1.y_test, s3.y_test) or not torch.equal(s1.x_test, s3.x_test)


def test_cifar_binary(tmp_path):
    rng = np.random.default_rng(0)
    folder = tmp_path / "cifar-10-batches-bin"
    folder.mkdir()
    for name, n in (("data_batch_1.bin", 12), ("data_batch_2.bin", 8), ("test_batch.bin", 5)):
        rec = rng.integers(0, 256, (n, 3073)).astype(np.uint8)
        rec[:, 0] = rng.integers(0, 10, n)
        (folder / name).write_bytes(rec.tobytes())
    s = load_dataset("cifar10", tmp_path, val_fraction=0.25)
    assert s.sizes() == {"train": 15, "val": 5, "test": 5}
    assert s.input_shape == (3, 32, 32)
    (folder / "test_batch.bin").write_bytes(b"\x00" * 100)
    with pytest.raises(TopocliError, match="3073"):
        load_dataset("cifar10", tmp_path)


def test_dataset_errors(tmp_path):
    with pytest.raises(TopocliError, match="t10k-images-idx3-ubyte"):
        load_dataset("kmnist", tmp_path)
    with pytest.raises(TopocliError, match="test_batch.bin"):
        load_dataset("cifar10", tmp_path)
    with pytest.raises(TopocliError, match="unknown dataset"):
        load_dataset("imagenet", tmp_path)
    with pytest.raises(TopocliError, match="--data-dir"):
        load_dataset("mnist", None)


# ---------------------------------------------------------------- training
TINY = TrainConfig(epochs=2, batch_size=32, channels=4, max_train=96, threads=1, lr=0.01)


def test_training_is_deterministic_and_seeded():
    g = small_graph()
    a = train_graph(g, TINY)
    b = train_graph(g, TINY)
    assert a["test_acc"] == b["test_acc"] and a["test_loss"] == b["test_loss"]
    assert a["curve"] == b["curve"]
    c = train_graph(g, TINY.replace(seed=1))
    assert c["test_loss"] != a["test_loss"]
    assert a["dag"]["edges_kept"] > 0 and a["epochs_run"] == 2
    assert set(a["curve"][0]) == {"epoch", "train_loss", "train_acc", "val_loss", "val_acc",
                                  "lr"}


def test_sgd_frozen_and_baseline():
    g = small_graph()
    frozen = train_graph(g, TINY.replace(frozen=True, optimizer="sgd", label_smoothing=0.1))
    assert frozen["trainable_params"] < frozen["params"]
    base = train_graph(None, TINY)
    assert base["dag"] is None and base["config"]["no_graph"]
    assert base["params"] < frozen["params"] and base["macs"] < frozen["macs"]


def test_checkpoint_resume_and_outputs(tmp_path, monkeypatch):
    import topocli.training.train as trainer

    g = small_graph()
    full = train_graph(g, TINY, out_dir=tmp_path / "full")
    real_epoch = trainer.train_epoch

    def interrupted(model, optimizer, data, config, epoch, progress):
        if epoch == 2:
            raise KeyboardInterrupt
        return real_epoch(model, optimizer, data, config, epoch, progress)

    monkeypatch.setattr(trainer, "train_epoch", interrupted)
    with pytest.raises(KeyboardInterrupt):
        train_graph(g, TINY, out_dir=tmp_path / "part")
    state = torch.load(tmp_path / "part" / "checkpoint.pt", weights_only=True)
    assert state["epoch"] == 1 and not (tmp_path / "part" / "result.json").exists()
    monkeypatch.setattr(trainer, "train_epoch", real_epoch)
    resumed = train_graph(g, TINY, out_dir=tmp_path / "part")
    assert resumed["test_acc"] == full["test_acc"] and resumed["curve"] == full["curve"]
    result = json.loads((tmp_path / "full" / "result.json").read_text())
    assert result["config"] == TINY.to_dict() and result["versions"]["torch"]
    assert (tmp_path / "full" / "curve.csv").read_text().splitlines()[0] == \
        "epoch,train_loss,train_acc,val_loss,val_acc,lr"
    with pytest.raises(TopocliError, match="another configuration"):
        train_graph(g, TINY.replace(lr=0.5), out_dir=tmp_path / "full")


def test_bad_configs():
    g = small_graph()
    with pytest.raises(TopocliError, match="batch-size"):
        train_graph(g, TINY.replace(batch_size=1000))
    with pytest.raises(TopocliError, match="channels"):
        train_graph(g, TINY.replace(channels=0))
    with pytest.raises(TopocliError, match="stages"):
        train_graph(g, TINY.replace(stages=5))
