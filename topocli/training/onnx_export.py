"""A trained network as an ONNX file, run by onnxruntime, and its int8 form.

:func:`export_onnx` traces :class:`~topocli.training.inference.InferenceNet` (the
network's eval-mode function as plain ops) into ONNX (opset 17, batch size free) and
checks the file with ``onnx.checker``. :func:`quantize_int8` is onnxruntime's static
post-training quantisation (int8 weights, uint8 activations, MinMax calibration on the
images given: training images, never test ones).
:func:`export_run` does both for a run folder and records what they cost and lose.

``onnx`` and ``onnxruntime`` are an extra (``pip install 'topocli[deploy]'``); without
them these functions raise one :class:`~topocli.errors.TopocliError` line.
"""

from __future__ import annotations

import contextlib
import io
import logging
import tempfile
import warnings
from pathlib import Path

import numpy as np
import torch

from topocli.errors import TopocliError
from topocli.training.inference import InferenceNet
from topocli.training.model import RandWireNet

__all__ = ["ONNX_OPSET", "compact", "export_onnx", "need_onnx", "onnx_logits", "onnx_session",
           "quantize_int8"]

ONNX_OPSET = 17


def need_onnx(what: str = "ONNX export"):
    """``(onnx, onnxruntime)``, or one line saying how to install them."""
    try:
        import onnx
        import onnxruntime
    except ImportError:
        raise TopocliError(f"{what} needs onnx and onnxruntime; install them with "
                           "pip install 'topocli[deploy]'") from None
    return onnx, onnxruntime


def export_onnx(model: RandWireNet, path: str | Path, input_shape) -> Path:
    """Write ``model`` (eval mode) as ONNX to ``path`` for ``(C, H, W)`` images; the
    input is ``image`` ``(batch, C, H, W)``, the output ``logits`` ``(batch, classes)``.
    The file passes ``onnx.checker.check_model``."""
    onnx, _ = need_onnx()
    path = Path(path)
    net = InferenceNet(model, input_shape)
    example = torch.zeros(1, *input_shape)
    buf = io.BytesIO()
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")   # the TorchScript exporter's deprecation notice
        torch.onnx.export(net, (example,), buf, dynamo=False, opset_version=ONNX_OPSET,
                          input_names=["image"], output_names=["logits"],
                          dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}})
    proto = compact(onnx.load_from_string(buf.getvalue()))
    onnx.checker.check_model(proto)
    path.write_bytes(proto.SerializeToString())
    return path


def compact(proto):
    """``proto`` with what a runtime does not need dropped: identical initializers
    merged into one, tensors renamed ``t0, t1, ...`` (the graph's input and output keep
    their names), node names, doc strings and shape annotations removed. Applied to the
    fp32 and the int8 file alike, so their sizes compare like for like."""
    graph = proto.graph
    keep = {v.name for v in graph.input} | {v.name for v in graph.output}
    alias, seen, kept = {}, {}, []
    for t in graph.initializer:
        name, t.name = t.name, ""
        key = t.SerializeToString()
        t.name = name
        if key in seen:
            alias[name] = seen[key]
        else:
            seen[key] = name
            kept.append(t)
    short: dict[str, str] = {}

    def rename(name: str) -> str:
        name = alias.get(name, name)
        if name == "" or name in keep:
            return name
        return short.setdefault(name, f"t{len(short)}")

    for t in kept:
        t.name = rename(t.name)
    del graph.initializer[:]
    graph.initializer.extend(kept)
    for node in graph.node:
        node.name, node.doc_string = "", ""
        node.input[:] = [rename(x) for x in node.input]
        node.output[:] = [rename(x) for x in node.output]
    del graph.value_info[:]
    return proto


def onnx_session(path: str | Path, *, threads: int = 1):
    """An onnxruntime CPU session on ``path`` with ``threads`` intra-op threads; a file
    onnxruntime cannot load is one :class:`TopocliError` line."""
    _, ort = need_onnx("running an ONNX file")
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    try:
        return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as exc:   # onnxruntime raises its own exception types
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise TopocliError(f"onnxruntime cannot run {path} ({first[:160]}); export the run "
                           "again with topocli export") from None


def onnx_logits(session, x: torch.Tensor | np.ndarray, *, batch: int = 500) -> np.ndarray:
    """Logits of ``session`` on images ``x`` ``(N, C, H, W)``, ``batch`` at a time."""
    x = x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)
    x = np.ascontiguousarray(x, dtype=np.float32)
    name = session.get_inputs()[0].name
    return np.concatenate([session.run(None, {name: x[i:i + batch]})[0]
                           for i in range(0, len(x), batch)])


class _Calibration:
    """onnxruntime's calibration reader over ``images`` in batches of ``batch``."""

    def __init__(self, name: str, images: np.ndarray, batch: int):
        self.batches = iter([{name: images[i:i + batch]} for i in range(0, len(images), batch)])

    def get_next(self):
        return next(self.batches, None)

    def rewind(self):   # pragma: no cover - onnxruntime calls it only for some methods
        pass


def quantize_int8(fp32_path: str | Path, int8_path: str | Path,
                  images: torch.Tensor | np.ndarray, *, batch: int = 64) -> Path:
    """Static post-training int8 quantisation of ``fp32_path`` into ``int8_path``,
    calibrated (MinMax) on ``images`` ``(N, C, H, W)`` (onnxruntime.quantization).

    The convolutions, the weighted-sum matrix products and the classifier become
    QLinearConv, QLinearMatMul and QGemm (operator format) with per-tensor int8 weights
    and uint8 activations (onnxruntime's U8S8 CPU kernels); reshapes and concatenations
    stay float. Chosen on the digits network (``benchmarks/RESULTS.md``, issue 24): the
    QDQ format costs more nodes (a larger file) and runs slower, per-channel weights add
    a scale and zero point per channel and lost more accuracy there, and quantising the
    reshapes as well broke the operator format's output.
    """
    onnx, _ = need_onnx("int8 quantisation")
    from onnxruntime.quantization import QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    images = images.detach().cpu().numpy() if isinstance(images, torch.Tensor) else images
    images = np.ascontiguousarray(images, dtype=np.float32)
    int8_path = Path(int8_path)
    with tempfile.TemporaryDirectory() as tmp, _quiet():
        prepared = Path(tmp) / "prepared.onnx"
        quant_pre_process(str(fp32_path), str(prepared), skip_symbolic_shape=True)
        name = onnx_session(prepared).get_inputs()[0].name
        quantized = Path(tmp) / "int8.onnx"
        quantize_static(str(prepared), str(quantized), _Calibration(name, images, batch),
                        quant_format=QuantFormat.QOperator, activation_type=QuantType.QUInt8,
                        weight_type=QuantType.QInt8, per_channel=False,
                        op_types_to_quantize=["Conv", "MatMul", "Gemm"])
        proto = compact(onnx.load(str(quantized)))
    onnx.checker.check_model(proto)
    int8_path.write_bytes(proto.SerializeToString())
    return int8_path


@contextlib.contextmanager
def _quiet():
    """onnxruntime.quantization logs at INFO and warns on the root logger; keep it down
    for the duration (the result is checked by its accuracy, not its log)."""
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        root.setLevel(level)
