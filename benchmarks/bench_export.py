"""Issue 24: what the trained network costs on a CPU, fp32 against int8, in one run.

Two networks, each trained here (or read from ``--digits-run`` / ``--mnist-run``) and
exported with ``topocli export --format onnx --int8`` (:func:`topocli.training.deploy.
export_run`):

- the digits default network: Varshney's connectome, ``topocli train`` defaults (C = 16,
  5 epochs, 8x8 digits);
- the C = 8 MNIST network: Varshney, C = 8, pool head (``bench_train_dcn.py``'s
  default), trained ``--mnist-epochs`` on the MNIST test set in ``../shared/data/mnist-t10k``
  split 8,000 / 2,000 as the other MNIST benchmarks do.

Printed: torch fp32, onnxruntime fp32 and onnxruntime int8 latency at batch 1 (median of
``--repeats`` timed calls after 5 warm-up calls, one thread each; torch is the baseline
of the ratio column), the ONNX file sizes and their ratio, and the test accuracy of torch,
of the fp32 file and of the int8 file.

    .venv/bin/python benchmarks/bench_export.py [--digits-run DIR] [--mnist-run DIR]
        [--mnist-epochs 1] [--out DIR]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist-t10k"


def trained(folder: Path, config) -> Path:
    """``folder``, with the run of ``config`` on Varshney trained into it if it has none."""
    from topocli.graphs import load_graph
    from topocli.training import train_graph

    if not (folder / "result.json").is_file():
        t0 = time.perf_counter()
        train_graph(load_graph("celegans-varshney2011"), config, out_dir=folder)
        print(f"# trained {folder} in {time.perf_counter() - t0:.0f} s")
    return folder


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="bench-export")
    ap.add_argument("--digits-run", default=None)
    ap.add_argument("--mnist-run", default=None)
    ap.add_argument("--data-dir", default=str(DEFAULT_DATA))
    ap.add_argument("--mnist-epochs", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=30)
    args = ap.parse_args()

    from topocli.training import TrainConfig
    from topocli.training.cost import CostSettings
    from topocli.training.deploy import export_run

    out = Path(args.out)
    runs = {
        "digits default (C=16)": trained(
            Path(args.digits_run or out / "digits"), TrainConfig(threads=1)),
        "MNIST C=8, pool head": trained(
            Path(args.mnist_run or out / "mnist-c8"),
            TrainConfig(dataset="mnist", data_dir=args.data_dir, channels=8, threads=1,
                        epochs=args.mnist_epochs)),
    }
    settings = CostSettings(repeats=args.repeats)
    print(f"# batch 1, median of {settings.repeats} calls after {settings.warmup} warm-up, "
          f"{settings.threads} thread; int8: onnxruntime static quantisation, "
          f"{settings.calibration_images} training images")
    print("| network | torch fp32 ms | ORT fp32 ms (× torch) | ORT int8 ms (× torch) "
          "| fp32 file | int8 file (× fp32) | max logit diff | test acc torch / fp32 / int8 "
          "| int8 change (points) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, folder in runs.items():
        r = export_run(folder, int8=True, out=folder / "export", settings=settings)
        t = r["latency_ms_torch"]
        print(f"| {name} | {t:.2f} | {r['latency_ms_fp32']:.2f} "
              f"({r['latency_ms_fp32'] / t:.2f}) | {r['latency_ms_int8']:.2f} "
              f"({r['latency_ms_int8'] / t:.2f}) | {r['bytes_fp32']:,} B | "
              f"{r['bytes_int8']:,} B ({r['bytes_int8'] / r['bytes_fp32']:.3f}) | "
              f"{r['max_abs_logit_diff']:.1e} | {r['test_acc_torch']:.4f} / "
              f"{r['test_acc_fp32']:.4f} / {r['test_acc_int8']:.4f} | "
              f"{100 * (r['test_acc_int8'] - r['test_acc_fp32']):+.2f} |")


if __name__ == "__main__":
    main()
