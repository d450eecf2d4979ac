"""``topocli export``: a trained run as an ONNX file, and its int8 form with what it loses."""

from __future__ import annotations

import json

import click

from topocli.cli.group import cli

#: Literal copy of :data:`topocli.training.deploy.FORMATS` (checked by a test) so that
#: ``topocli --help`` imports no torch.
FORMAT_NAMES = ("onnx",)


@cli.command("export")
@click.argument("run_dir", type=click.Path(file_okay=False))
@click.option("--format", "fmt", type=click.Choice(FORMAT_NAMES), default="onnx",
              show_default=True, help="File format of the exported network.")
@click.option("--int8", is_flag=True,
              help="Also write model.int8.onnx: static post-training int8 quantisation "
                   "calibrated on training images, with test accuracy before and after.")
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Folder for model.onnx, model.int8.onnx and export.json "
                   "[default: RUN_DIR].")
@click.option("--data-dir", type=click.Path(file_okay=False), default=None,
              help="The run's dataset folder, where it has moved since training.")
@click.option("--json", "as_json", is_flag=True, help="Print export.json on stdout.")
def export_command(run_dir, fmt, int8, out, data_dir, as_json):
    """Export the network trained in RUN_DIR (topocli train --out RUN_DIR).

    Checks the file with onnx.checker and that onnxruntime reproduces torch's logits to
    1e-4 on the first test batch; export.json beside it records file sizes, test
    accuracies (torch, fp32 file, int8 file) and batch-1 latencies.

    \b
    Examples:
      topocli export run/ --format onnx
      topocli export run/ --format onnx --int8
    """
    from topocli.training.deploy import export_run

    record = export_run(run_dir, fmt=fmt, int8=int8, out=out, data_dir=data_dir)
    if as_json:
        click.echo(json.dumps(record, indent=2))
        return
    line = (f"wrote {record['onnx_file']} ({record['bytes_fp32']:,} bytes, test_acc "
            f"{record['test_acc_fp32']:.4f}, {record['latency_ms_fp32']:.2f} ms)")
    if int8:
        line += (f" and {record['int8_file']} ({record['bytes_int8']:,} bytes, test_acc "
                 f"{record['test_acc_int8']:.4f}, {record['latency_ms_int8']:.2f} ms)")
    click.echo(line)
