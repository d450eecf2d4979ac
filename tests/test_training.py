"""Training library: DAG construction, fast path == per-node reference, data, determinism."""

from __future__ import annotations

import copy
import gzip
import json

import igraph as ig
import numpy as np
import pytest
import torch
from conftest import interrupt_at_epoch

from topocli.errors import TopocliError
from topocli.graphs.classes import FLOW_ORDER
from topocli.training import TrainConfig, _edge_kernels, build_dag, load_dataset, train_graph
from topocli.training.config import config_from_preset
from topocli.training.dag import dag_from_edges
from topocli.training.data import _mnist1d_signals, read_idx
from topocli.training.model import DagStage, RandWireNet, complexity

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


@pytest.fixture(params=["compiled", "per-edge"])
def edge_path(request, monkeypatch):
    """Run a test on both CPU paths of the per-edge work: the compiled kernels (with a
    block of 3 positions, so that every pass spans several blocks and a partial last
    one) and the per-edge torch calls every other device takes."""
    monkeypatch.setattr(DagStage, "edge_kernels", request.param == "compiled")
    monkeypatch.setattr(_edge_kernels, "BLOCK", 12)
    return request.param


def _compare_grads(fast, ref, *, atol: float, rtol: float) -> int:
    """Assert equal gradients parameter by parameter; return how many were compared.
    A parameter without a gradient in the reference (frozen, or an empty edge-weight
    tensor of an input level) must have none in the fast path either."""
    checked = 0
    for (name, p), q in zip(fast.named_parameters(), ref.parameters()):
        if q.grad is None or not p.requires_grad:
            assert q.grad is None and (p.grad is None or p.numel() == 0), name
            continue
        torch.testing.assert_close(p.grad, q.grad, atol=atol, rtol=rtol,
                                   msg=lambda m, name=name: f"{name}: {m}")
        checked += 1
    return checked


@pytest.mark.parametrize("method", ["random-order", "class-order", "feedback-arc"])
@pytest.mark.parametrize("frozen", [False, True])
@pytest.mark.parametrize("graph_seed,chunk_bytes", [(1, None), (2, 1), (3, 12000)])
def test_fast_path_matches_per_node_reference(method, frozen, graph_seed, chunk_bytes, edge_path):
    torch.manual_seed(graph_seed)
    dag = build_dag(small_graph(seed=graph_seed), method, seed=0)
    fast = RandWireNet(dag, in_channels=2, num_classes=5, channels=4, stages=2,
                       stem_stride=1, frozen=frozen)
    for stage in fast.stages:      # whole levels, one node per call, two nodes per call
        stage.chunk_bytes = chunk_bytes
    _randomise(fast)
    ref = copy.deepcopy(fast)
    x = torch.randn(3, 2, 10, 10)
    out_fast, out_ref = fast(x), ref(x, reference=True)
    torch.testing.assert_close(out_fast, out_ref, atol=1e-5, rtol=1e-5)
    (out_fast ** 2).sum().backward()
    (out_ref ** 2).sum().backward()
    checked = _compare_grads(fast, ref, atol=1e-5, rtol=1e-5)
    assert checked >= (4 if frozen else 10)
    for a, b in zip(fast.buffers(), ref.buffers()):   # BN running stats updated once
        torch.testing.assert_close(a, b, atol=1e-6, rtol=1e-5)
    fast.eval(), ref.eval()
    with torch.no_grad():
        torch.testing.assert_close(fast(x), ref(x, reference=True), atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("chunk_bytes", [None, 1])
def test_one_row_signals_take_the_middle_kernel_row_and_match_the_reference(chunk_bytes,
                                                                             edge_path):
    """On a 1 x L input (MNIST-1D) the depthwise backward runs its kernel's middle row;
    outputs and every gradient equal the per-node reference's 3x3 convs, whose top and
    bottom kernel rows get exactly 0."""
    torch.manual_seed(4)
    dag = build_dag(small_graph(seed=4), "random-order", seed=0)
    fast = RandWireNet(dag, in_channels=1, num_classes=5, channels=4, stages=2,
                       stem_stride=1).double()
    for stage in fast.stages:
        stage.chunk_bytes = chunk_bytes
    _randomise(fast)
    ref = copy.deepcopy(fast)
    x = torch.randn(3, 1, 1, 11, dtype=torch.float64)
    torch.testing.assert_close(fast(x), ref(x, reference=True), atol=1e-10, rtol=1e-10)
    (fast(x) ** 2).sum().backward()
    (ref(x, reference=True) ** 2).sum().backward()
    assert _compare_grads(fast, ref, atol=1e-10, rtol=1e-9) >= 10
    for stage in fast.stages:
        for lv in stage.levels:
            grad = lv.dw_weight.grad
            assert grad[:, :, 1].abs().sum() > 0 and not grad[:, :, [0, 2]].any()


@pytest.mark.parametrize("nodes", [1, 3])
def test_relu_backward_rows_equal_torch_threshold_backward_bit_for_bit(nodes):
    """Both ReLU backwards (torch's threshold and copy, the compiled one pass) give
    torch's threshold_backward moved to node-major rows, to the bit: zero where the
    output is 0, the gradient where it is positive or NaN."""
    from topocli.training._autograd import _CompiledEdges, relu_backward_rows
    gen = torch.Generator().manual_seed(0)
    shape = (2, nodes * 4, 3, 5)
    grad = torch.randn(shape, generator=gen).contiguous(memory_format=torch.channels_last)
    out = torch.randn(shape, generator=gen).clamp(min=0)
    out[0, 0, 0, :2] = float("nan")
    out = out.contiguous(memory_format=torch.channels_last)
    want = torch.ops.aten.threshold_backward(grad, out, 0).unflatten(1, (nodes, 4)).permute(
        1, 0, 3, 4, 2)
    for got in (relu_backward_rows(grad, out, nodes),
                _CompiledEdges.relu_backward_rows(grad, out, nodes),
                _CompiledEdges.relu_backward_rows(grad.contiguous(), out.contiguous(), nodes)):
        assert got.shape == (nodes, 2, 3, 5, 4) and torch.equal(got, want)
    assert torch.equal(want[0, 0, 0, :2, 0], grad[0, 0, 0, :2])   # NaN passes the gradient


@pytest.mark.parametrize("chunk_bytes", [None, 1, 30000])
@pytest.mark.parametrize("stage_strides,growth", [((1,), 1), ((2, 2), 2)])
def test_eval_mode_backward_matches_per_node_reference(chunk_bytes, stage_strides, growth,
                                                       edge_path):
    """Gradients through a stage in eval mode (BN with running statistics, the other
    branch of the hand-written BN backward), with whole levels, one-node chunks and
    several-node chunks, stride-2 stages and in_channels != channels."""
    torch.manual_seed(11)
    dag = build_dag(small_graph(n=16, m=40, seed=4), "random-order", seed=2)
    fast = RandWireNet(dag, in_channels=2, num_classes=3, channels=4,
                       stages=len(stage_strides), stem_strides=(1,),
                       stage_strides=stage_strides, channel_growth=growth).double()
    for stage in fast.stages:
        stage.chunk_bytes = chunk_bytes
    _randomise(fast)
    with torch.no_grad():
        for name, buf in fast.named_buffers():      # running statistics away from 0 / 1
            if "running_mean" in name:
                buf.normal_()
            elif "running_var" in name:
                buf.uniform_(0.5, 2.0)
    ref = copy.deepcopy(fast)
    fast.eval(), ref.eval()
    x = torch.randn(3, 2, 9, 9, dtype=torch.float64)
    out_fast, out_ref = fast(x), ref(x, reference=True)
    torch.testing.assert_close(out_fast, out_ref, atol=1e-9, rtol=1e-9)
    (out_fast ** 2).sum().backward()
    (out_ref ** 2).sum().backward()
    assert _compare_grads(fast, ref, atol=1e-9, rtol=1e-8) == \
        sum(1 for p in fast.parameters() if p.numel())
    for a, b in zip(fast.buffers(), ref.buffers()):   # eval: running stats untouched
        torch.testing.assert_close(a, b, atol=0, rtol=0)


@pytest.mark.parametrize("chunk_bytes", [None, 1, 30000])
def test_forward_without_grad_matches_per_node_reference(chunk_bytes, edge_path):
    """Under ``torch.no_grad`` the stage keeps nothing for a backward (its own path):
    same outputs and, in training mode, the same BN running statistics."""
    torch.manual_seed(5)
    dag = build_dag(small_graph(n=16, m=40, seed=6), "random-order", seed=3)
    fast = RandWireNet(dag, in_channels=2, num_classes=3, channels=4, stages=2,
                       stage_strides=(1, 2), channel_growth=2).double()
    for stage in fast.stages:
        stage.chunk_bytes = chunk_bytes
    _randomise(fast)
    ref = copy.deepcopy(fast)
    x = torch.randn(3, 2, 9, 9, dtype=torch.float64)
    with torch.no_grad():
        torch.testing.assert_close(fast(x), ref(x, reference=True), atol=1e-9, rtol=1e-9)
    for a, b in zip(fast.buffers(), ref.buffers()):
        torch.testing.assert_close(a, b, atol=1e-9, rtol=1e-9)


def test_cpu_stage_runs_the_compiled_kernels(monkeypatch):
    """On the CPU with one torch thread the stage's per-edge work goes through the
    compiled kernels (one call per non-input level each way) and so does BN (one call
    per node chunk each way; whole levels here), and the per-edge torch path is not
    taken; with two threads it is."""
    from topocli.training import _bn_kernels

    calls = {"gather_level": 0, "pull_level": 0, "bn_forward": 0, "bn_backward": 0}
    def spy(name, kernel):
        def counted(*args):
            calls[name] += 1
            return kernel(*args)
        return counted

    for name in calls:
        module = _edge_kernels if name in ("gather_level", "pull_level") else _bn_kernels
        monkeypatch.setattr(module, name, spy(name, getattr(module, name)))
    from topocli.training._autograd import _pull_output_grad as pull_output_grad
    monkeypatch.setattr("topocli.training._autograd._pull_output_grad", None)   # would fail
    torch.manual_seed(0)
    dag = build_dag(small_graph(), "random-order", seed=0)
    model = RandWireNet(dag, in_channels=1, num_classes=3, channels=3)
    model(torch.randn(2, 1, 6, 6)).sum().backward()
    levels = len(model.stages[0].levels)
    expected = {"gather_level": levels - 1, "pull_level": levels, "bn_forward": levels,
                "bn_backward": levels}
    assert calls == expected
    # with more torch threads the per-edge torch calls (which use them) are taken
    monkeypatch.setattr("topocli.training._autograd._pull_output_grad", pull_output_grad)
    torch.set_num_threads(2)
    try:
        model(torch.randn(2, 1, 6, 6)).sum().backward()
    finally:
        torch.set_num_threads(1)
    assert calls == expected


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("positions,block", [(7, 6), (150, None)])
def test_edge_kernels_against_numpy(dtype, positions, block):
    """The two kernels on their own, against numpy: odd channel counts, chunks of
    several nodes, blocks that do not divide the rows (7 positions in blocks of 2) or the
    default block (150 positions in one block: BN's sums span several 64-position
    partial sums), one output node with a share of the stage gradient, a node with five
    out-edges (one group of four and one left)."""
    rng = np.random.default_rng(0)
    n_nodes, c = 9, 3
    block = block or _edge_kernels.block_for(c)
    size = positions * c
    act = [rng.standard_normal(size).astype(dtype) for _ in range(n_nodes)]
    ptrs = np.asarray([a.ctypes.data for a in act], dtype=np.int64)
    # a level of nodes 6, 7, 8 reading nodes 0..5: in-degrees 6, 1, 5
    preds = [[0, 1, 2, 3, 4, 5], [2], [5, 4, 3, 1, 0]]
    crow = np.cumsum([0] + [len(p) for p in preds]).astype(np.int64)
    sources = np.concatenate(preds).astype(np.int64)
    weights = rng.random(len(sources)).astype(dtype)
    chunks = [np.empty(positions * 2 * c, dtype), np.empty(size, dtype)]   # nodes 6-7, 8
    table = (np.asarray([chunks[0].ctypes.data] * 2 + [chunks[1].ctypes.data], np.int64),
             np.asarray([2, 2, 1], np.int64), np.asarray([0, 1, 0], np.int64))
    _edge_kernels.gather_level(ptrs, crow, sources, weights, *table, c, size, act[0], block)
    got = [chunks[0].reshape(positions, 2, c)[:, 0], chunks[0].reshape(positions, 2, c)[:, 1],
           chunks[1].reshape(positions, c)]
    for j, pred in enumerate(preds):
        expected = sum(weights[crow[j] + i] * act[u] for i, u in enumerate(pred))
        np.testing.assert_allclose(got[j], np.maximum(expected, 0).reshape(positions, c),
                                   rtol=1e-5, atol=1e-6)
    # pull for nodes 0..2 (one chunk of three): node 0 has five out-edges (a group of four
    # and one left), node 1 one and a share of the stage gradient, node 2 four
    targets = [[3, 4, 5, 6, 7], [8], [6, 7, 8, 3]]
    grad_in = {t: rng.standard_normal(size).astype(dtype) for t in range(3, 9)}
    grad_ptrs = np.zeros(n_nodes, np.int64)
    for t, g in grad_in.items():
        grad_ptrs[t] = g.ctypes.data
    optr = np.cumsum([0] + [len(t) for t in targets] + [0] * 6).astype(np.int64)
    otarget = np.concatenate(targets).astype(np.int64)
    oedge = rng.permutation(len(otarget)).astype(np.int64)   # stage-wide edge ids
    weights = rng.random(len(otarget)).astype(dtype)
    share = rng.standard_normal(size).astype(dtype)
    share_ptrs = np.zeros(n_nodes, np.int64)
    share_ptrs[1] = share.ctypes.data
    dots = np.zeros(len(weights), dtype)
    grads = np.empty(positions * 3 * c, dtype)
    table = (np.full(3, grads.ctypes.data, np.int64), np.full(3, 3, np.int64),
             np.arange(3, dtype=np.int64))
    sums = np.zeros((3, 2, c))
    shift = rng.standard_normal((3, c)).astype(dtype)   # BN's beta of nodes 0..2
    _edge_kernels.pull_level(grad_ptrs, ptrs, share_ptrs, optr, oedge, otarget, weights,
                             dots, *table, 0, 3, c, size, act[0], True, block, sums, shift)
    for v in range(3):
        expected = share.copy() if v == 1 else np.zeros(size, dtype)
        for e, t in zip(oedge[optr[v]:optr[v + 1]], targets[v]):
            expected += weights[e] * grad_in[t]
            np.testing.assert_allclose(dots[e], grad_in[t] @ act[v], rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(grads.reshape(positions, 3, c)[:, v],
                                   expected.reshape(positions, c), rtol=1e-5, atol=1e-6)
        # BN's sums per channel: of the gradient and of gradient x (output - beta)
        g, o = expected.reshape(positions, c), act[v].reshape(positions, c)
        np.testing.assert_allclose(sums[v], [g.sum(0), (g * (o - shift[v])).sum(0)],
                                   rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("train,mean", [(True, 0.5), (False, 0.5), (True, 2000.0)])
def test_bn_kernels_against_torch(dtype, train, mean):
    """The compiled BN of a node chunk against torch's batch norm and its layout copies:
    the node-major output, inverse std and running statistics (training: batch
    statistics, momentum update; eval: running statistics), and the backward's input,
    gamma and beta gradients from the node-major output (in float64 one gamma near
    zero, which both paths take as 1e-6). Float64 against the float64 reference to
    1e-10; float32 against the float64 reference within float32 rounding, also for a
    mean 1,000 standard deviations from zero (the variance must not cancel). 70
    positions: one partial sum block of 64 and one of 6."""
    from topocli.training import _bn_kernels
    from topocli.training.model import BN_EPS, BN_MOMENTUM

    gen = torch.Generator().manual_seed(0)
    b, h, w, n, c = 2, 5, 7, 3, 5
    k = n * c
    # the reference in float64 from the very values the kernel gets
    a = (torch.randn(b, h, w, k, generator=gen, dtype=torch.float64) * 2 + mean).to(
        dtype).double()
    gamma = torch.rand(k, generator=gen, dtype=torch.float64) + 0.5
    if dtype == torch.float64:   # in float32, out - beta through a gamma of 1e-8 is noise
        gamma[4] = 1e-8
    beta = torch.randn(k, generator=gen, dtype=torch.float64)
    rm0 = torch.randn(k, generator=gen, dtype=torch.float64)
    rv0 = torch.rand(k, generator=gen, dtype=torch.float64) + 0.5
    g = torch.randn(b, h, w, n, c, generator=gen, dtype=torch.float64)
    # the float64 reference: torch's BN, then the copy to node-major rows
    rm, rv = rm0.clone(), rv0.clone()
    ref, _, ref_inv = torch.native_batch_norm(a.permute(0, 3, 1, 2), gamma, beta, rm, rv,
                                              train, BN_MOMENTUM, BN_EPS)
    if not train:
        ref_inv = (rv + BN_EPS).rsqrt()
    ref_rows = ref.permute(0, 2, 3, 1).reshape(b, h, w, n, c).permute(3, 0, 1, 2, 4)
    safe = torch.where(gamma.abs() < 1e-6, torch.full_like(gamma, 1e-6), gamma)
    ref_grad, ref_gg, ref_gb = torch.ops.aten.native_batch_norm_backward(
        g.reshape(b, h, w, k).permute(0, 3, 1, 2), ref, safe * gamma * ref_inv, None, None,
        beta, safe.reciprocal(), True, 0.0, [True, True, True])

    def np_(t):
        return t.to(dtype).contiguous().numpy()

    tol = {"rtol": 1e-10, "atol": 1e-10} if dtype == torch.float64 else \
        {"rtol": 2e-5, "atol": 2e-5}
    out = torch.empty(n, b * h * w, c, dtype=dtype)
    inv = torch.empty(k, dtype=dtype)
    rm_k, rv_k = np_(rm0), np_(rv0)
    _bn_kernels.bn_forward(np_(a.reshape(-1, k)), np_(gamma), np_(beta), rm_k, rv_k,
                           inv.numpy(), out.numpy(), BN_EPS, BN_MOMENTUM, train)
    np.testing.assert_allclose(out.view(n, b, h, w, c).double(), ref_rows, **tol)
    np.testing.assert_allclose(inv.double(), ref_inv, **tol)
    np.testing.assert_allclose(rm_k, rm, **tol)
    np.testing.assert_allclose(rv_k, rv, **tol)
    if not train:
        return
    g_k = np_(g.reshape(-1, k))
    # the sums the pull takes (what the backward gets from it), in float64
    g_nodes = g_k.astype(np.float64).reshape(-1, n, c).transpose(1, 0, 2)
    shifted = out.numpy().astype(np.float64) - np_(beta).reshape(n, 1, c)
    sums = np.stack([g_nodes.sum(1), (g_nodes * shifted).sum(1)], axis=1)
    grad = np.empty_like(g_k)
    grad_gamma, grad_beta = np.empty(k, g_k.dtype), np.empty(k, g_k.dtype)
    _bn_kernels.bn_backward(g_k, out.numpy(), np_(gamma), np_(beta), inv.numpy(), sums,
                            grad, grad_gamma, grad_beta)
    np.testing.assert_allclose(grad.reshape(b, h, w, k),
                               ref_grad.permute(0, 2, 3, 1), **tol)
    # through a gamma of 1e-8, out - beta is 1e-8 of beta: the last bits of the two
    # forwards' outputs leave ~8 digits of gamma's gradient there (float64)
    np.testing.assert_allclose(grad_gamma, ref_gg, **{**tol, "rtol": max(tol["rtol"], 1e-7)})
    np.testing.assert_allclose(grad_beta, ref_gb, **tol)


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


def test_mnist1d_is_generated_offline_as_1d_signals_without_touching_numpy_global_rng():
    np.random.seed(123)
    before = np.random.get_state()[1].copy()
    s = load_dataset("mnist1d", val_fraction=0.1)
    assert (np.random.get_state()[1] == before).all()   # the generator's seeding undone
    assert s.input_shape == (1, 1, 40)
    assert len(s.y_train) + len(s.y_val) == 4000 and len(s.y_test) == 1000
    assert set(s.y_test.tolist()) == set(range(10))
    hits = _mnist1d_signals.cache_info().hits
    again = load_dataset("mnist1d", val_fraction=0.1)
    assert torch.equal(s.x_test, again.x_test)   # the same data every time (seed 42)
    assert _mnist1d_signals.cache_info().hits == hits + 1   # generated once per process
    again.x_test.add_(1.0)   # a run's arrays are its own: the next load is untouched
    assert torch.equal(s.x_test, load_dataset("mnist1d", val_fraction=0.1).x_test)
    graph = ig.Graph.Ring(12, directed=False)
    result = train_graph(graph, TrainConfig(dataset="mnist1d", epochs=1, channels=4,
                                            max_train=64, threads=1))
    assert result["model"]["input_shape"] == [1, 1, 40] and 0 <= result["test_acc"] <= 1
    assert result["model"]["final_size"] == [1, 40]   # the default stem keeps the length
    # DCN's stride-2 stem halves the signal's length (the row of one stays one)
    dcn = train_graph(graph, config_from_preset("dcn", dataset="mnist1d", epochs=1,
                                                channels=4, max_train=64, threads=1))
    assert dcn["model"]["final_size"] == [1, 20] and 0 <= dcn["test_acc"] <= 1
    with pytest.raises(TopocliError, match="inputs larger than 1x40"):
        train_graph(graph, TrainConfig(dataset="mnist1d", epochs=1, channels=4, max_train=64,
                                       threads=1, stem_convs=2, stem_stride=2, stages=4,
                                       stage_stride=2))


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
    g = small_graph()
    full = train_graph(g, TINY, out_dir=tmp_path / "full")
    restore = interrupt_at_epoch(monkeypatch, 2)
    with pytest.raises(KeyboardInterrupt):
        train_graph(g, TINY, out_dir=tmp_path / "part")
    state = torch.load(tmp_path / "part" / "checkpoint.pt", weights_only=True)
    assert state["epoch"] == 1 and not (tmp_path / "part" / "result.json").exists()
    restore()
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


# ---------------------------------------------------------------- heads, strides, presets
# (stem strides, stage strides, channel growth): DCN's stride-1 stage, Xie's two-conv stem
# with stride-2 stages growing C -> 2C, and a single-conv stem with a stride-2 first stage.
ARCHITECTURES = [((1,), (1,), 1), ((1, 1), (2, 2), 2), ((2,), (2, 1), 2)]


@pytest.mark.parametrize("head", ["pool", "flatten", "randwire"])
@pytest.mark.parametrize("stem,stage_strides,growth", ARCHITECTURES)
@pytest.mark.parametrize("frozen", [False, True])
def test_heads_and_strides_match_per_node_reference(head, stem, stage_strides, growth,
                                                    frozen, edge_path):
    """Every head, stride and channel growth: the level-batched stages equal the per-node
    loop in outputs, every gradient and the BN running statistics."""
    torch.manual_seed(7)
    dag = build_dag(small_graph(n=14, m=30, seed=5), "random-order", seed=1)
    fast = RandWireNet(dag, in_channels=2, num_classes=3, channels=4,
                       stages=len(stage_strides), stem_strides=stem,
                       stage_strides=stage_strides, channel_growth=growth, head=head,
                       input_size=(11, 11), head_width=6, frozen=frozen)
    fast.double()                          # float64: compare to 1e-9, not float32 noise
    for stage in fast.stages:
        stage.chunk_bytes = 30000          # two-node chunks (11.6 kB per node)
    assert fast.stages[-1].channels == 4 * growth ** (len(stage_strides) - 1)
    _randomise(fast)
    ref = copy.deepcopy(fast)
    x = torch.randn(3, 2, 11, 11, dtype=torch.float64)
    out_fast, out_ref = fast(x), ref(x, reference=True)
    torch.testing.assert_close(out_fast, out_ref, atol=1e-9, rtol=1e-9)
    (out_fast ** 2).sum().backward()
    (out_ref ** 2).sum().backward()
    checked = _compare_grads(fast, ref, atol=1e-9, rtol=1e-8)
    expected = [n for n, p in fast.named_parameters()
                if p.numel() and not (frozen and n.startswith("stages"))]
    assert checked == len(expected)
    for a, b in zip(fast.buffers(), ref.buffers()):
        torch.testing.assert_close(a, b, atol=1e-9, rtol=1e-9)


@pytest.mark.parametrize("head", ["pool", "flatten", "randwire"])
def test_no_graph_keeps_stem_and_head(head):
    """The baseline and a frozen stage train the same parameters under every head (the
    DCN comparison); the flatten head's width follows the stage's stride."""
    dag = build_dag(small_graph(), "random-order", seed=0)
    kwargs = dict(in_channels=1, num_classes=10, channels=4, stem_stride=2, head=head,
                  input_size=(12, 12), head_width=8)
    frozen = complexity(RandWireNet(dag, frozen=True, **kwargs), (1, 12, 12))
    base = complexity(RandWireNet(None, **kwargs), (1, 12, 12))
    assert frozen["trainable_params"] == base["params"] == base["trainable_params"]
    assert frozen["params"] > base["params"]
    flat = RandWireNet(dag, stage_strides=(2,), **{**kwargs, "head": "flatten"})
    assert flat.classifier.in_features == 4 * 3 * 3          # 12 -> 6 (stem) -> 3 (stage)


def test_frozen_stage_weights_unchanged_after_training(tmp_path):
    """Training a frozen run leaves every DAG-stage weight at its initial value (and
    changes the stem and head); an unfrozen run changes the stage."""
    import topocli.training.train as trainer

    g = small_graph()
    config = TINY.replace(frozen=True, head="flatten", weight_decay=1e-3)
    train_graph(g, config, out_dir=tmp_path / "frozen")
    train_graph(g, config.replace(frozen=False), out_dir=tmp_path / "trained")
    data = load_dataset("digits", max_train=96)
    with trainer.setup_env(config, None):
        initial, _, _ = trainer.setup_model(g, config, data)
    init = initial.state_dict()
    for run, stage_changes in (("frozen", False), ("trained", True)):
        state = torch.load(tmp_path / run / "checkpoint.pt", weights_only=True)["model"]
        stage_keys = [k for k, _ in initial.named_parameters() if k.startswith("stages")]
        other_keys = [k for k, _ in initial.named_parameters()
                      if not k.startswith("stages")]
        assert stage_keys and other_keys
        changed = [k for k in stage_keys if not torch.equal(state[k], init[k])]
        assert bool(changed) == stage_changes, (run, changed[:3])
        assert all(not torch.equal(state[k], init[k]) for k in other_keys), run


def test_presets_and_explicit_overrides():
    from topocli.training.config import PRESETS, config_from_preset

    dcn = config_from_preset("dcn")
    assert (dcn.head, dcn.channels, dcn.lr, dcn.weight_decay, dcn.batch_size,
            dcn.stem_stride, dcn.stage_stride, dcn.optimizer, dcn.preset) == \
        ("flatten", 78, 1e-3, 0.0, 32, 2, 1, "adam", "dcn")
    cheap = config_from_preset("dcn", channels=8, head="randwire")
    assert cheap.channels == 8 and cheap.head == "randwire" and cheap.lr == 1e-3
    small = config_from_preset("randwire-small").validate()
    assert (small.stem_convs, small.stages, small.channel_growth, small.head,
            small.label_smoothing) == (2, 3, 2, "randwire", 0.1)
    assert config_from_preset(None) == TrainConfig()
    assert set(PRESETS) == {"dcn", "randwire-small"}
    with pytest.raises(TopocliError, match="unknown --preset"):
        config_from_preset("dnc")
    with pytest.raises(TopocliError, match="head"):
        TrainConfig(head="mlp").validate()


def test_plan_strides_drops_trailing_reductions_for_small_inputs():
    from topocli.training.train import plan_strides

    # Xie et al.'s small regime on ImageNet: 224 -> 112 -> 56 -> 28 -> 14 -> 7, kept.
    assert plan_strides(224, [2, 2], [2, 2, 2], drop=True) == ([2, 2], [2, 2, 2], [])
    # MNIST: 28 -> 14 -> 7 -> 4; stages 2 and 3 stay at 4 px.
    assert plan_strides(28, [2, 2], [2, 2, 2], drop=True) == \
        ([2, 2], [2, 1, 1], ["stage 2", "stage 3"])
    stem, stages, dropped = plan_strides(8, [2, 2], [2, 2, 2], drop=True)
    assert (stem, stages) == ([2, 1], [1, 1, 1]) and dropped[0] == "stem conv 2"
    assert plan_strides(28, [2, 2], [2, 2, 2], drop=False)[2] == []


def test_randwire_small_preset_trains_and_says_what_it_dropped(caplog):
    from topocli.training.config import config_from_preset

    config = config_from_preset("randwire-small", channels=4, epochs=1, max_train=64,
                                threads=1, stages=2)
    with caplog.at_level("WARNING", logger="topocli"):
        result = train_graph(small_graph(), config)
    assert result["model"]["dropped_reductions"] and "dropped" in caplog.text
    assert result["model"]["head"] == "randwire" and min(result["model"]["final_size"]) >= 1
    assert result["config"]["preset"] == "randwire-small"


def test_generator_order_keeps_the_ring():
    from topocli.nullmodels.smallworld import ring_watts_strogatz

    ring = ring_watts_strogatz(12, 4, 0.0, seed=0)
    dag = build_dag(ring, "generator-order", seed=123)
    assert dag.names == tuple(str(i) for i in range(12))    # clockwise, no shuffling
    assert dag.stats["n_inputs"] == 1 and dag.stats["depth"] == 12
    assert np.array_equal(dag.edges, build_dag(ring, "generator-order", seed=9).edges)
    ws = ring_watts_strogatz(32, 4, 0.75, seed=0)
    assert ws.vcount() == 32 and ws.ecount() == 64 and ws.is_connected()
    with pytest.raises(TopocliError, match="even k"):
        ring_watts_strogatz(10, 3, 0.1)
    # A matched WS null keeps the ring order too (what topocli rewire writes).
    from topocli.nullmodels import generate

    null = generate(small_graph(n=20, m=40, directed=False), "ws", seed=0, p=0.0)
    chain = build_dag(null, "generator-order")
    assert chain.stats["depth"] == 20 and chain.names[:3] == ("n0", "n1", "n2")


def test_every_ranking_dag_method_is_directionless_for_sweeps():
    """A sweep collapses directions for every method that orients by a node order
    (generator-order included), and keeps them only for feedback-arc."""
    from topocli.sweep.direction import DIRECTIONLESS_DAGS
    from topocli.training import DAG_METHODS

    assert set(DIRECTIONLESS_DAGS) == set(DAG_METHODS) - {"feedback-arc"}


@pytest.mark.parametrize("preset", ["dcn", "randwire-small"])
def test_preset_networks_match_per_node_reference(preset, edge_path):
    """The networks the presets build (on a 32-px input, where randwire-small keeps the
    first stage's reduction and drops two) compute the same outputs and gradients
    level-batched as per node."""
    import topocli.training.train as trainer
    from topocli.training.config import config_from_preset
    from topocli.training.data import Splits

    x = torch.randn(4, 1, 32, 32, dtype=torch.float64)
    y = torch.arange(4) % 3
    data = Splits(x.float(), y, x.float(), y, x.float(), y, num_classes=3,
                  description="random 32 px")
    config = config_from_preset(preset, channels=4, seed=2)
    with trainer.setup_env(config, None):
        fast, _, cx = trainer.setup_model(small_graph(n=12, m=24, seed=3), config, data)
    assert cx["stage_strides"] == ([1] if preset == "dcn" else [2, 1, 1])
    fast.double()
    _randomise(fast)
    ref = copy.deepcopy(fast)
    torch.testing.assert_close(fast(x), ref(x, reference=True), atol=1e-9, rtol=1e-9)
    (fast(x) ** 2).sum().backward()
    (ref(x, reference=True) ** 2).sum().backward()
    assert _compare_grads(fast, ref, atol=1e-9, rtol=1e-8) == \
        sum(1 for p in fast.parameters() if p.numel())
