"""What a trained network costs to run: counts, memory, file sizes and measured latency.

MLPerf Tiny's questions (Banbury et al. 2021: accuracy, latency, energy, footprint) for
one network:

- :func:`sparse_macs`: multiply-accumulates per image counting only weights that are not
  zero (calflops' ``is_sparse``; NeuroBench's connection sparsity), next to
  :func:`topocli.training.model.complexity`'s dense ``macs`` (every node's depthwise and
  pointwise convolution in full). Both count one MAC per DAG edge and element.
- :func:`peak_activation_bytes`: the largest set of float32 activations alive at once
  during one inference (batch 1) when nodes run one by one in topological order and each
  output is freed after its last reader: an executor's working memory, weights excluded.
- :func:`measure_cost`: the above, the ONNX file sizes (fp32 and int8) and the median
  latency at batch 1 and throughput at batch 64 in torch and onnxruntime (fp32, int8),
  each the median of repeated timed calls after warm-up, on one CPU thread.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from torch import nn

from topocli.training.model import RandWireNet, _conv_out, complexity

__all__ = ["CostSettings", "measure_cost", "median_seconds", "peak_activation_bytes",
           "session_seconds", "sparse_macs", "torch_seconds"]


def _nnz(t: torch.Tensor) -> int:
    return int(torch.count_nonzero(t.detach()))


def sparse_macs(model: RandWireNet, input_shape: tuple[int, int, int]) -> int:
    """MACs per image of ``model`` counting only non-zero weights (and existing edges).

    The same walk as :func:`~topocli.training.model.complexity` with every conv's
    ``in * out * k * k`` replaced by its non-zero weights, times the output positions;
    equal to ``complexity(...)["macs"]`` for a network without zero weights.
    """
    _, h, w = input_shape
    macs = 0
    for conv in model.stem:
        if isinstance(conv, nn.Conv2d):
            h, w = _conv_out(h, conv.stride[0]), _conv_out(w, conv.stride[0])
            macs += _nnz(conv.weight) * h * w
    for stage in model.stages:
        for lv in stage.levels:
            if lv.stride != 1:
                h, w = _conv_out(h, lv.stride), _conv_out(w, lv.stride)
            macs += len(lv.rows) * stage.channels * h * w
            macs += (_nnz(lv.dw_weight) + _nnz(lv.pw_weight)) * h * w
    if model.head_conv is not None:
        macs += _nnz(model.head_conv[0].weight) * h * w
    return int(macs + _nnz(model.classifier.weight))


def peak_activation_bytes(model: RandWireNet, input_shape: tuple[int, int, int]) -> int:
    """Peak float32 activation bytes of one inference (module docstring's executor).

    Stem: a conv's input and output. Stage: the stage input (until the last input node
    has read it), every node output not yet read by all its successors, the running sum
    of the output nodes, and the node being computed (its summed input, depthwise and
    pointwise outputs). Head: its input and its 1x1 conv's output.
    """
    c, h, w = input_shape
    live = c * h * w
    peak = live
    for conv in model.stem:
        if isinstance(conv, nn.Conv2d):
            h, w = _conv_out(h, conv.stride[0]), _conv_out(w, conv.stride[0])
            out = conv.out_channels * h * w
            peak, live = max(peak, live + out), out
    for stage in model.stages:
        peak, live, (h, w) = _stage_peak(stage, live, peak, h, w)
    if model.head_conv is not None:
        peak = max(peak, live + model.head_conv[0].out_channels * h * w)
    return int(4 * peak)


def _stage_peak(stage, stage_input: int, peak: int, h: int, w: int):
    dag, ch = stage.dag, stage.channels
    stride = stage.levels[0].stride
    h2, w2 = (_conv_out(h, stride), _conv_out(w, stride)) if stride != 1 else (h, w)
    node, node_in = ch * h2 * w2, stage.in_channels
    readers = [0] * dag.n
    for u, _ in dag.edges:
        readers[u] += 1
    preds = dag.predecessors()
    inputs = set(dag.input_nodes().tolist())
    left_inputs = len(inputs)
    held = stage_input + node          # stage input, and the output sum
    for v in range(dag.n):
        if v in inputs:   # ReLU of the stage input, depthwise output, pointwise output
            work = node_in * (h * w + h2 * w2) + node
        else:             # weighted sum, depthwise output, pointwise output
            work = 3 * node
        peak = max(peak, held + work)
        if v in inputs:
            left_inputs -= 1
            if left_inputs == 0:
                held -= stage_input
        for u in preds[v]:
            readers[u] -= 1
            if readers[u] == 0:
                held -= node
        if readers[v] > 0:   # an output node is added into the sum and dropped
            held += node
    return peak, node, (h2, w2)


def median_seconds(call: Callable[[], object], *, repeats: int, warmup: int) -> float:
    """Median wall time of ``call()`` over ``repeats`` timed calls after ``warmup``."""
    for _ in range(warmup):
        call()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        call()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


@dataclass(frozen=True)
class CostSettings:
    """How :func:`measure_cost` times (recorded with the figures)."""

    repeats: int = 30              #: timed calls per figure (the median is reported)
    warmup: int = 5                #: untimed calls first
    batch: int = 64                #: images per call for the throughput figures
    threads: int = 1               #: CPU threads of torch and onnxruntime while timing
    calibration_images: int = 128  #: training images that calibrate the int8 file
    int8: bool = True              #: also quantise and time the int8 file


def torch_seconds(model, x, settings: CostSettings) -> float:
    """Median seconds of ``model(x)`` (no grad) on ``settings.threads`` torch threads."""
    old = torch.get_num_threads()
    torch.set_num_threads(settings.threads)
    try:
        with torch.no_grad():
            return median_seconds(lambda: model(x), repeats=settings.repeats,
                                  warmup=settings.warmup)
    finally:
        torch.set_num_threads(old)


def session_seconds(session, x, settings: CostSettings) -> float:
    """Median seconds of one onnxruntime call on input ``x`` (after warm-up)."""
    feed = {session.get_inputs()[0].name: x.numpy()}
    return median_seconds(lambda: session.run(None, feed), repeats=settings.repeats,
                          warmup=settings.warmup)


def measure_cost(model: RandWireNet, input_shape: tuple[int, int, int],
                 calibration: torch.Tensor, settings: CostSettings | None = None
                 ) -> dict:
    """Counts, memory, ONNX file sizes and CPU timings of ``model`` (see module).

    ``calibration``: training images, of which the first ``settings.calibration_images``
    calibrate the int8 file. Latencies in milliseconds (batch 1), throughputs in images
    per second (batch ``settings.batch``); inputs are zeros (the network has no
    data-dependent branches). Needs onnx and onnxruntime.
    """
    from topocli.training.onnx_export import export_onnx, onnx_session, quantize_int8

    settings = settings or CostSettings()
    model = model.cpu().eval()
    cx = complexity(model, input_shape)
    cost = {"params": cx["params"], "trainable_params": cx["trainable_params"],
            "macs": cx["macs"], "macs_sparse": sparse_macs(model, input_shape),
            "peak_activation_bytes": peak_activation_bytes(model, input_shape)}
    one, many = torch.zeros(1, *input_shape), torch.zeros(settings.batch, *input_shape)
    cost["latency_ms_torch"] = 1e3 * torch_seconds(model, one, settings)
    cost["throughput_torch"] = settings.batch / torch_seconds(model, many, settings)
    with tempfile.TemporaryDirectory() as tmp:
        files = {"fp32": export_onnx(model, Path(tmp) / "model.onnx", input_shape)}
        if settings.int8:
            files["int8"] = quantize_int8(files["fp32"], Path(tmp) / "model.int8.onnx",
                                          calibration[:settings.calibration_images])
        for kind, path in files.items():
            session = onnx_session(path, threads=settings.threads)
            cost[f"onnx_bytes_{kind}"] = path.stat().st_size
            cost[f"latency_ms_onnx_{kind}"] = 1e3 * session_seconds(session, one, settings)
            cost[f"throughput_onnx_{kind}"] = settings.batch / session_seconds(
                session, many, settings)
    cost["cost_settings"] = asdict(settings)
    return cost
