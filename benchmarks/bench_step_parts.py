"""Issue 23, item 3: three parts of a training step, each against the way it was done before.

1. The depthwise conv on a one-row input (MNIST-1D's 1 x 20 after DCN's stem): the 3x3
   kernel with padding 1 (before) against its middle row, 1x3 with padding (0, 1)
   (:func:`topocli.training._autograd.depthwise_geometry`), forward and backward (input
   and weight gradients), at the chunk sizes the stage uses on such inputs; both give the
   same numbers (checked here too).
2. The optimizer step over the Varshney network's trainable tensors (C = 8, one stage):
   torch's CPU default (a Python loop over the tensors) against ``foreach=True`` (one call
   per operation), Adam and SGD with momentum; the updates are checked bit-identical.
3. The ReLU's backward from the convolutions' channels-last layout to the node-major rows
   the sources read, at MNIST's 14 x 14 after DCN's stem: ``threshold_backward`` writing
   the node-major rows itself (before) against the threshold in place, then one copy
   (:func:`topocli.training._autograd.relu_backward_rows`, torch), and one compiled pass
   (the CPU stage's default); checked bit-identical.

One thread, best of ``--repeats`` rounds of ``--calls`` calls each; prints one table.

    .venv/bin/python benchmarks/bench_step_parts.py
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from topocli.graphs import load_graph  # noqa: E402
from topocli.training import build_dag  # noqa: E402
from topocli.training._autograd import _CompiledEdges, depthwise_geometry, relu_backward_rows  # noqa: E402
from topocli.training.model import RandWireNet  # noqa: E402

BATCH, CHANNELS, LENGTH = 32, 8, 20


def best_ms(fn, calls: int, repeats: int) -> float:
    fn()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        best = min(best, (time.perf_counter() - start) / calls)
    return best * 1e3


def depthwise_rows(calls: int, repeats: int) -> list[dict]:
    backward = torch.ops.aten.convolution_backward
    rows = []
    for nodes in (8, 32, 100):
        groups = nodes * CHANNELS
        x = torch.randn(BATCH, groups, 1, LENGTH).contiguous(memory_format=torch.channels_last)
        grad = torch.randn_like(x)
        weight = torch.randn(groups, 1, 3, 3)
        middle, padding = depthwise_geometry(1, weight)
        variants = {"3x3, padding 1": (weight, [1, 1]), "1x3, padding (0, 1)": (middle, padding)}
        outs = {}
        for name, (w, pad) in variants.items():
            def fwd(w=w, pad=pad, x=x, groups=groups):
                return torch.nn.functional.conv2d(x, w, None, 1, pad, 1, groups)

            def bwd(w=w, pad=pad, x=x, groups=groups, grad=grad):
                return backward(grad, x, w, None, [1, 1], pad, [1, 1], False, [0, 0], groups,
                                [True, True, False])
            outs[name] = (fwd(), bwd())
            rows.append({"part": f"depthwise on 1x{LENGTH}, {nodes} nodes", "variant": name,
                         "forward_ms": best_ms(fwd, calls, repeats),
                         "backward_ms": best_ms(bwd, calls, repeats)})
        (f3, (gx3, gw3, _)), (f1, (gx1, gw1, _)) = outs.values()
        torch.testing.assert_close(f3, f1)
        torch.testing.assert_close(gx3, gx1)
        torch.testing.assert_close(gw3[:, :, 1:2], gw1, rtol=1e-5, atol=1e-4)
        assert not gw3[:, :, [0, 2]].any()
    return rows


def optimizer_rows(calls: int, repeats: int) -> list[dict]:
    dag = build_dag(load_graph("celegans-varshney2011").as_undirected(), "random-order", seed=0)
    net = RandWireNet(dag, in_channels=1, num_classes=10, channels=CHANNELS, stages=1)
    start = [p.detach().clone() for p in net.parameters() if p.requires_grad]
    rows, finals = [], {}
    for kind in ("adam", "sgd"):
        for foreach in (False, True):
            params = [torch.nn.Parameter(t.clone()) for t in start]
            if kind == "adam":
                opt = torch.optim.Adam(params, lr=1e-3, foreach=foreach)
            else:
                opt = torch.optim.SGD(params, lr=1e-2, momentum=0.9, foreach=foreach)
            gen = torch.Generator().manual_seed(0)
            for _ in range(5):   # the same gradients for both variants
                for p in params:
                    p.grad = torch.randn(p.shape, generator=gen)
                opt.step()
            finals[kind, foreach] = [p.detach().clone() for p in params]
            rows.append({"part": f"{kind} step, {len(params)} tensors, "
                                 f"{sum(p.numel() for p in params):,} numbers",
                         "variant": "foreach" if foreach else "loop (torch's CPU default)",
                         "forward_ms": float("nan"),
                         "backward_ms": best_ms(opt.step, calls, repeats)})
        same = all(torch.equal(a, b) for a, b in zip(finals[kind, False], finals[kind, True]))
        assert same, f"{kind}: foreach changed the updates"
    return rows


def relu_rows(calls: int, repeats: int, side: int = 14) -> list[dict]:
    rows = []
    for nodes in (4, 10, 20):
        shape = (BATCH, nodes * CHANNELS, side, side)
        grad = torch.randn(shape).contiguous(memory_format=torch.channels_last)
        out = torch.randn(shape).contiguous(memory_format=torch.channels_last)

        def before(nodes=nodes, grad=grad, out=out):
            rows_ = grad.new_empty(nodes, BATCH, side, side, CHANNELS)
            torch.ops.aten.threshold_backward.grad_input(
                grad.unflatten(1, (nodes, CHANNELS)), out.unflatten(1, (nodes, CHANNELS)), 0,
                grad_input=rows_.permute(1, 0, 4, 2, 3))
            return rows_

        def now(nodes=nodes, grad=grad, out=out):
            return relu_backward_rows(grad, out, nodes)
        def compiled(nodes=nodes, grad=grad, out=out):
            return _CompiledEdges.relu_backward_rows(grad, out, nodes)
        assert torch.equal(before(), now()) and torch.equal(before(), compiled())
        part = f"ReLU backward to node rows, {nodes} nodes at {side}x{side}"
        rows += [{"part": part, "variant": name, "forward_ms": float("nan"),
                  "backward_ms": best_ms(fn, calls, repeats)}
                 for name, fn in (("threshold_backward writes the rows", before),
                                  ("threshold in place, one copy", now),
                                  ("compiled, one pass", compiled))]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(1)
    table = pd.DataFrame(depthwise_rows(args.calls, args.repeats)
                         + optimizer_rows(args.calls, args.repeats)
                         + relu_rows(args.calls, args.repeats))
    before = table.groupby("part", sort=False)["backward_ms"].transform("first")
    table["speedup"] = (before / table["backward_ms"]).round(2)
    print("times in ms (best of rounds); backward_ms is the optimizer step for the "
          "optimizer rows; speedup against each part's first row")
    print(table.round(3).to_string(index=False))


if __name__ == "__main__":
    main()
