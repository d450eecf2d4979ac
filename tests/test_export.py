"""Issue 24: the plain-ops network, ONNX export and int8, and the measured cost."""

from __future__ import annotations

import json

import numpy as np
import onnx
import pytest
import torch
from test_early_stopping import small_graph

from topocli.errors import TopocliError
from topocli.training import train_graph
from topocli.training.config import TrainConfig
from topocli.training.cost import CostSettings, measure_cost, peak_activation_bytes, sparse_macs
from topocli.training.dag import build_dag, dag_from_edges
from topocli.training.inference import InferenceNet, load_run
from topocli.training.model import RandWireNet, complexity
from topocli.training.onnx_export import onnx_logits, onnx_session

torch.set_num_threads(1)
TINY = TrainConfig(epochs=1, batch_size=32, channels=4, max_train=96, threads=1)


def _randomised(model: RandWireNet) -> RandWireNet:
    """Non-trivial BN statistics and edge weights, eval mode."""
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for name, t in list(model.named_buffers()) + list(model.named_parameters()):
            if name.endswith("running_var"):
                t.copy_(torch.rand(t.shape, generator=gen) + 0.5)
            elif name.endswith(("running_mean", "edge_weight", "bn_bias")):
                t.copy_(torch.randn(t.shape, generator=gen))
    return model.eval()


@pytest.mark.parametrize("head,stages,growth,in_shape", [
    ("pool", 1, 1, (1, 8, 8)), ("flatten", 1, 1, (1, 8, 8)),
    ("randwire", 2, 2, (3, 12, 12))])
def test_inference_net_matches_per_node_reference(head, stages, growth, in_shape):
    dag = build_dag(small_graph(), "random-order", seed=1)
    model = _randomised(RandWireNet(
        dag, in_channels=in_shape[0], num_classes=5, channels=4, stages=stages, head=head,
        input_size=in_shape[1:], channel_growth=growth, head_width=8))
    x = torch.randn(3, *in_shape, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        torch.testing.assert_close(InferenceNet(model, in_shape)(x),
                                   model(x, reference=True), atol=1e-5, rtol=1e-5)


def test_sparse_macs_count_only_nonzero_weights():
    dag = build_dag(small_graph(), "random-order", seed=1)
    model = RandWireNet(dag, in_channels=1, num_classes=3, channels=4)
    dense = complexity(model, (1, 8, 8))["macs"]
    assert sparse_macs(model, (1, 8, 8)) == dense
    level = model.stages[0].levels[1]
    with torch.no_grad():
        level.pw_weight[:5] = 0.0     # 5 rows of 4 input channels: 20 weights, 64 positions
    assert sparse_macs(model, (1, 8, 8)) == dense - 20 * 64


def test_peak_activation_bytes_of_a_chain_by_hand():
    # stem: 1 -> 4 channels on 6x6; a 3-node chain. Each node output is N = 4*36 floats;
    # while a node runs: the one live predecessor output (or the stage input), the output
    # sum, and the node's three intermediates: 5 N.
    dag = dag_from_edges(3, [(0, 1), (1, 2)])
    model = RandWireNet(dag, in_channels=1, num_classes=2, channels=4)
    assert peak_activation_bytes(model, (1, 6, 6)) == 4 * 5 * 4 * 36


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "run"
    result = train_graph(small_graph(), TINY, out_dir=out)
    return out, result


def test_export_writes_checked_fp32_and_int8_files(run_cli, digits_run):
    run_dir, result = digits_run
    done = run_cli("export", str(run_dir), "--format", "onnx", "--int8")
    assert done.exit_code == 0, done.output
    record = json.loads((run_dir / "export.json").read_text())
    run = load_run(run_dir)
    onnx.checker.check_model(onnx.load(str(run_dir / "model.onnx")))
    assert record["max_abs_logit_diff"] <= 1e-4
    assert record["test_acc_torch"] == pytest.approx(result["test_acc"])
    assert record["test_acc_fp32"] == pytest.approx(result["test_acc"])
    assert record["bytes_fp32"] == (run_dir / "model.onnx").stat().st_size
    assert record["bytes_int8"] == (run_dir / "model.int8.onnx").stat().st_size
    assert 0 <= record["test_acc_int8"] <= 1 and record["latency_ms_int8"] > 0
    assert record["seed"] == 0 and record["config"]["channels"] == 4
    # every conv's weights are stored as int8 (at this tiny size the file's graph
    # outweighs its weights; the digits network's sizes are in benchmarks/RESULTS.md)
    quantized = onnx.load(str(run_dir / "model.int8.onnx")).graph
    types = {t.name: t.data_type for t in quantized.initializer}
    convs = [node for node in quantized.node if node.op_type == "QLinearConv"]
    assert len(convs) == 2 * len(run.model.stages[0].levels) + 1   # dw + pw per level, stem
    assert all(types[node.input[3]] == onnx.TensorProto.INT8 for node in convs)
    # onnxruntime reproduces torch on the whole test split, not only the first batch
    from topocli.training.train import load_data
    data = load_data(run.config, torch.device("cpu"))
    with torch.no_grad():
        expected = run.model(data.x_test).numpy()
    got = onnx_logits(onnx_session(run_dir / "model.onnx"), data.x_test)
    np.testing.assert_allclose(got, expected, atol=1e-4, rtol=0)


def test_export_refuses_a_folder_without_a_trained_network(run_cli, tmp_path, digits_run):
    done = run_cli("export", str(tmp_path), "--format", "onnx")
    assert done.exit_code == 2
    assert done.stderr.startswith("topocli: ") and len(done.stderr.strip().splitlines()) == 1
    assert "no finished training run" in done.stderr
    broken = tmp_path / "broken"
    broken.mkdir()
    for name in ("config.json", "result.json", "dag.json"):
        (broken / name).write_bytes((digits_run[0] / name).read_bytes())
    (broken / "checkpoint.pt").write_bytes(b"not a checkpoint")
    done = run_cli("export", str(broken))
    assert done.exit_code == 2 and "checkpoint.pt" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_a_file_onnxruntime_cannot_run_is_one_line(tmp_path):
    bad = tmp_path / "model.onnx"
    bad.write_bytes(b"\x08\x07garbage")
    with pytest.raises(TopocliError, match="onnxruntime cannot run"):
        onnx_session(bad)


def test_measure_cost_reports_every_figure():
    dag = build_dag(small_graph(), "random-order", seed=1)
    model = _randomised(RandWireNet(dag, in_channels=1, num_classes=3, channels=4))
    calibration = torch.randn(16, 1, 8, 8, generator=torch.Generator().manual_seed(2))
    cost = measure_cost(model, (1, 8, 8), calibration,
                        CostSettings(repeats=3, warmup=1, batch=4, calibration_images=16))
    assert cost["macs"] == complexity(model, (1, 8, 8))["macs"] == cost["macs_sparse"]
    assert cost["peak_activation_bytes"] == peak_activation_bytes(model, (1, 8, 8))
    assert 0 < cost["onnx_bytes_int8"] < cost["onnx_bytes_fp32"]
    for key in ("latency_ms_torch", "latency_ms_onnx_fp32", "latency_ms_onnx_int8",
                "throughput_torch", "throughput_onnx_fp32", "throughput_onnx_int8"):
        assert cost[key] > 0, key
    assert cost["cost_settings"]["repeats"] == 3


def test_measure_cost_flag_reaches_result_and_runs_csv(tmp_path, monkeypatch):
    from topocli.sweep.records import StoredRun
    from topocli.training import cost

    monkeypatch.setattr(cost, "CostSettings", lambda: CostSettings(
        repeats=2, warmup=1, batch=4, calibration_images=16))
    result = train_graph(small_graph(), TINY.replace(measure_cost=True))
    assert result["cost"]["macs"] == result["macs"] and result["cost"]["macs_sparse"] > 0
    assert TINY.replace(measure_cost=True).experiment() == TINY.experiment()
    row = StoredRun("r", "g", "real", 0, 0, "done", None, 1, result, "{}", 0.0).columns("v")
    for key in ("macs_sparse", "latency_ms_torch", "latency_ms_onnx_fp32",
                "onnx_bytes_int8", "peak_activation_bytes"):
        assert row[key] == result["cost"][key]


def test_export_format_names_are_the_library_ones():
    from topocli.cli.export import FORMAT_NAMES
    from topocli.training.deploy import FORMATS

    assert FORMAT_NAMES == FORMATS


def test_pareto_front_by_hand():
    from topocli.reports.sweep_tables import pareto_front

    cost = [1.0, 2.0, 2.0, 3.0, 4.0, np.nan]
    score = [0.5, 0.7, 0.6, 0.7, 0.9, 1.0]
    # (2, 0.6) is beaten by (2, 0.7); (3, 0.7) by (2, 0.7); NaN is never on the front
    assert pareto_front(cost, score).tolist() == [True, True, False, False, True, False]


def test_cost_grid_sweep_has_cost_columns_and_a_pareto_figure(run_cli, tmp_path):
    import pandas as pd

    graph = tmp_path / "g.graphml"
    small_graph(n=16, m=48).write_graphml(str(graph))
    out = tmp_path / "sw"
    done = run_cli("train-sweep", str(graph), "--families", "real",
                   "--grid", "thin.keep=0.25,0.5", "--count", "1", "--seeds", "1",
                   "--epochs", "1", "--max-train", "64", "--channels", "4", "--threads", "1",
                   "--jobs", "1", "--measure-cost", "--out", str(out), "--report")
    assert done.exit_code == 0, done.output
    runs = pd.read_csv(out / "runs.csv")
    assert set(runs["family"]) == {"real", "thin keep=0.25", "thin keep=0.5"}
    for column in ("macs_sparse", "latency_ms_onnx_fp32", "latency_ms_torch",
                   "onnx_bytes_int8", "peak_activation_bytes"):
        assert runs[column].notna().all(), column
    macs = runs.set_index("family")["macs_sparse"]
    assert macs["thin keep=0.25"] < macs["thin keep=0.5"] < macs["real"]
    assert (out / "report" / "accuracy_vs_cost.png").is_file()
