"""Stacked training: a run's result does not depend on what it was stacked with."""

from __future__ import annotations

import copy

import igraph as ig
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from conftest import interrupt_at_epoch

from topocli.errors import TopocliError
from topocli.training import TrainConfig, build_dag, train_graph
from topocli.training.model import RandWireNet
from topocli.training.stack import StackedNet, train_stack, union_dag

torch.set_num_threads(1)

TINY = TrainConfig(epochs=2, batch_size=32, channels=4, max_train=96, threads=1, lr=0.01,
                   device="cpu")


def graphs() -> list[ig.Graph]:
    """Three graphs of different sizes and depths (the DAG depths differ)."""
    rng = np.random.default_rng(5)
    small = ig.Graph(n=6, edges=[(0, 1), (1, 2), (0, 3), (3, 4), (2, 5)])
    ring = ig.Graph.Ring(14)
    ring.add_edges([(0, 7), (3, 10), (5, 12)])
    pairs = [(a, b) for a in range(24) for b in range(a + 1, 24)]
    dense = ig.Graph(n=24, edges=[pairs[i] for i in rng.choice(len(pairs), 70, replace=False)])
    return [small, ring, dense]


def dags(seed=0):
    return [build_dag(g, "random-order", seed=seed) for g in graphs()]


def test_union_dag_levels_are_contiguous_and_keep_each_graph():
    parts = dags()
    assert len({d.depth for d in parts}) > 1
    union, graph_of = union_dag(parts)
    assert union.n == sum(d.n for d in parts)
    assert len(union.edges) == sum(len(d.edges) for d in parts)
    assert (np.diff(union.level) >= 0).all()
    assert union.depth == max(d.depth for d in parts)
    for g, d in enumerate(parts):
        assert (graph_of == g).sum() == d.n
        assert np.array_equal(np.bincount(union.level[graph_of == g]), np.bincount(d.level))
        # every edge stays inside its graph
    assert (graph_of[union.edges[:, 0]] == graph_of[union.edges[:, 1]]).all()
    assert sorted(union.output_nodes().tolist()) == union.output_nodes().tolist()
    assert [int((graph_of[union.output_nodes()] == g).sum()) for g in range(3)] == \
        [len(d.output_nodes()) for d in parts]


def _nets(**kw) -> list[RandWireNet]:
    nets = []
    for d in dags():
        torch.manual_seed(0)
        nets.append(RandWireNet(d, in_channels=1, num_classes=3, channels=4, **kw))
    return nets


@pytest.mark.parametrize("kw", [
    {},
    {"stages": 2, "channel_growth": 2, "stage_strides": (1, 2), "head": "randwire",
     "head_width": 8},
])
def test_stacked_steps_equal_alone(kw):
    """Three graphs stacked and each alone, three Adam steps: the same losses per step,
    the same parameters, BN statistics and eval logits (float tolerance)."""
    alone = _nets(**kw)
    stacked_models = copy.deepcopy(alone)
    net = StackedNet(stacked_models)
    opt_alone = [torch.optim.Adam(m.parameters(), lr=0.05, weight_decay=1e-3) for m in alone]
    opt_stack = [torch.optim.Adam(m.parameters(), lr=0.05, weight_decay=1e-3)
                 for m in stacked_models]
    gen = torch.Generator().manual_seed(1)
    for _ in range(3):
        x = torch.randn(6, 1, 8, 8, generator=gen)
        y = torch.randint(0, 3, (6,), generator=gen)
        losses_alone = []
        for m, opt in zip(alone, opt_alone):
            m.train()
            loss = F.cross_entropy(m(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses_alone.append(loss.item())
        net.train()
        losses = [F.cross_entropy(out, y) for out in net(x)]
        for opt in opt_stack:
            opt.zero_grad()
        torch.stack(losses).sum().backward()
        for opt in opt_stack:
            opt.step()
        np.testing.assert_allclose([lo.item() for lo in losses], losses_alone, rtol=1e-5)
    for a, s in zip(alone, stacked_models):
        for (name, pa), (_, ps) in zip(a.state_dict().items(), s.state_dict().items()):
            torch.testing.assert_close(ps, pa, rtol=1e-4, atol=1e-5, msg=name)
    net.eval()
    x = torch.randn(5, 1, 8, 8, generator=gen)
    with torch.no_grad():
        for a, out in zip(alone, net(x)):
            a.eval()
            torch.testing.assert_close(out, a(x), rtol=1e-4, atol=1e-5)


def test_train_stack_equals_train_graph_alone(tmp_path):
    """The library path: results, curves and checkpoints of each run match its solo run."""
    gs = graphs()
    stacked = train_stack(gs, TINY, out_dirs=[tmp_path / f"s{i}" for i in range(3)])
    for i, g in enumerate(gs):
        alone = train_graph(g, TINY, out_dir=tmp_path / f"a{i}")
        assert stacked[i]["stacked_with"] == 2 and "stacked_with" not in alone
        for key in ("test_acc", "val_acc", "params", "macs", "epochs_run"):
            assert stacked[i][key] == pytest.approx(alone[key], rel=1e-6), key
        for cs, ca in zip(stacked[i]["curve"], alone["curve"]):
            assert cs == pytest.approx(ca, rel=1e-5)
        state_s = torch.load(tmp_path / f"s{i}" / "checkpoint.pt", weights_only=True)
        state_a = torch.load(tmp_path / f"a{i}" / "checkpoint.pt", weights_only=True)
        assert state_s["model"].keys() == state_a["model"].keys()
        # six Adam steps turn last-bit differences of small gradients (the same sums in
        # another order) into ~1e-5 absolute differences of the parameters
        for name, value in state_a["model"].items():
            torch.testing.assert_close(state_s["model"][name], value, rtol=1e-4, atol=5e-5,
                                       msg=name)
        assert (tmp_path / f"s{i}" / "result.json").exists()


def test_train_stack_resumes_each_run(tmp_path, monkeypatch):
    gs = graphs()[:2]
    outs = [tmp_path / "a", tmp_path / "b"]
    full = train_stack(gs, TINY)
    restore = interrupt_at_epoch(monkeypatch, 2)
    with pytest.raises(KeyboardInterrupt):
        train_stack(gs, TINY, out_dirs=outs)
    restore()
    resumed = train_stack(gs, TINY, out_dirs=outs)
    for r, f in zip(resumed, full):
        assert r["test_acc"] == f["test_acc"] and r["curve"] == f["curve"]
    # a run that stopped after another epoch than its stack mate: refused, not mixed up
    (outs[0] / "checkpoint.pt").unlink()
    for out in outs:
        (out / "result.json").unlink()
    with pytest.raises(TopocliError, match="different epochs"):
        train_stack(gs, TINY, out_dirs=outs)


def test_stack_refuses_mixed_architectures():
    a = RandWireNet(dags()[0], in_channels=1, num_classes=3, channels=4)
    b = RandWireNet(dags()[1], in_channels=1, num_classes=3, channels=4, stages=2)
    with pytest.raises(TopocliError, match="share"):
        StackedNet([a, b])
    c = RandWireNet(dags()[1], in_channels=1, num_classes=3, channels=8)
    with pytest.raises(TopocliError, match="share"):
        StackedNet([a, c])
