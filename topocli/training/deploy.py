"""``topocli export``: a trained run as an ONNX file (and its int8 form), checked.

:func:`export_run` reads the run folder (:func:`~topocli.training.inference.load_run`),
writes ``model.onnx`` and checks that onnxruntime reproduces torch's logits on the test
set's first batch (largest absolute difference at most :data:`LOGIT_TOLERANCE`). With
``int8`` it writes ``model.int8.onnx`` (static quantisation calibrated on the first
training images, :func:`~topocli.training.onnx_export.quantize_int8`) and the test
accuracy of torch, the fp32 file and the int8 file. ``export.json`` beside the files
records all of it with the measured latencies, the run's config and seed.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

from topocli.errors import TopocliError
from topocli.fileio import write_text_atomic
from topocli.provenance import versions
from topocli.training.cost import CostSettings, session_seconds, torch_seconds
from topocli.training.inference import load_run
from topocli.training.onnx_export import export_onnx, onnx_logits, onnx_session, quantize_int8

__all__ = ["FORMATS", "LOGIT_TOLERANCE", "export_run"]

FORMATS = ("onnx",)
#: Largest |onnxruntime - torch| logit difference accepted on the first test batch.
LOGIT_TOLERANCE = 1e-4


def _accuracy(logits: np.ndarray, y: torch.Tensor) -> float:
    return float((logits.argmax(1) == y.cpu().numpy()).mean())


def _latency_ms(session, x: torch.Tensor, settings: CostSettings) -> float:
    return 1e3 * session_seconds(session, x[:1], settings)


def export_run(run_dir: str | Path, *, fmt: str = "onnx", int8: bool = False,
               out: str | Path | None = None, data_dir: str | None = None,
               settings: CostSettings | None = None) -> dict:
    """Export the run in ``run_dir`` to ``out`` (default ``run_dir``); returns the record
    written to ``export.json``.

    Keys: ``onnx_file``, ``bytes_fp32``, ``max_abs_logit_diff`` (first test batch),
    ``test_acc_torch``, ``test_acc_fp32``, ``latency_ms_fp32``, ``latency_ms_torch`` (all
    batch 1, :class:`~topocli.training.cost.CostSettings`); with ``int8`` also
    ``int8_file``, ``bytes_int8``, ``test_acc_int8``, ``latency_ms_int8``,
    ``calibration_images``; and ``run``, ``config``, ``seed``, ``timing``, ``versions``.
    Raises :class:`TopocliError` for a folder without a trained network, or a file
    onnxruntime cannot run or that disagrees with torch.
    """
    from topocli.training.train import load_data

    settings = settings or CostSettings()
    if fmt not in FORMATS:
        raise TopocliError(f"unknown --format {fmt!r}; choose one of {', '.join(FORMATS)}")
    run = load_run(run_dir)
    config = run.config if data_dir is None else run.config.replace(data_dir=data_dir)
    data = load_data(config, torch.device("cpu"))
    if tuple(data.input_shape) != tuple(run.result["model"]["input_shape"]):
        raise TopocliError(f"the data found for {run_dir} does not have the run's image "
                           "shape; pass the run's --data-dir")
    out = Path(out) if out is not None else run.folder
    out.mkdir(parents=True, exist_ok=True)
    fp32 = export_onnx(run.model, out / "model.onnx", data.input_shape)
    session = onnx_session(fp32, threads=settings.threads)
    first = data.x_test[:config.batch_size]
    with torch.no_grad():
        torch_logits = torch.cat([run.model(data.x_test[i:i + 500])   # bounded memory
                                  for i in range(0, len(data.x_test), 500)]).numpy()
    diff = float(np.abs(onnx_logits(session, first) - torch_logits[:len(first)]).max())
    if not diff <= LOGIT_TOLERANCE:
        raise TopocliError(f"onnxruntime's logits differ from torch's by {diff:.2g} on the "
                           f"first test batch (more than {LOGIT_TOLERANCE:g}); the export "
                           "is wrong: please report it")
    record = {"run": str(run.folder), "format": fmt, "onnx_file": fp32.name,
              "bytes_fp32": fp32.stat().st_size, "max_abs_logit_diff": diff,
              "test_acc_torch": _accuracy(torch_logits, data.y_test),
              "test_acc_fp32": _accuracy(onnx_logits(session, data.x_test), data.y_test),
              "latency_ms_fp32": _latency_ms(session, data.x_test, settings),
              "latency_ms_torch": 1e3 * torch_seconds(run.model, data.x_test[:1], settings)}
    if int8:
        calibration = data.x_train[:settings.calibration_images]
        path = quantize_int8(fp32, out / "model.int8.onnx", calibration)
        quantized = onnx_session(path, threads=settings.threads)
        record.update(int8_file=path.name, bytes_int8=path.stat().st_size,
                      test_acc_int8=_accuracy(onnx_logits(quantized, data.x_test),
                                              data.y_test),
                      latency_ms_int8=_latency_ms(quantized, data.x_test, settings),
                      calibration_images=len(calibration))
    record.update(test_images=len(data.y_test), config=run.config.to_dict(),
                  seed=run.config.seed, timing=asdict(settings), versions=versions())
    write_text_atomic(out / "export.json", json.dumps(record, indent=2))
    return record
