"""``topocli train``: outputs and one-line errors, driven like a user would."""

from __future__ import annotations

import csv
import gzip
import json

import numpy as np

from topocli.graphs import write_graphml

FAST = ["--epochs", "1", "--channels", "4", "--max-train", "64", "--batch-size", "32",
        "--threads", "1"]


def _graph_file(tmp_path):
    import igraph as ig

    rng = np.random.default_rng(0)
    n = 16
    pairs = [(a, b) for a in range(n) for b in range(n) if a != b]
    g = ig.Graph(n=n, edges=[pairs[i] for i in rng.choice(len(pairs), 40, replace=False)],
                 directed=True)
    g.vs["name"] = [f"c{i}" for i in range(n)]
    g.vs["cell_class"] = ["sensory"] * 5 + ["interneuron"] * 6 + ["motor"] * 5
    path = tmp_path / "tiny.graphml.gz"
    write_graphml(g, path)
    return path


def test_train_writes_result_and_curve(run_cli, tmp_path):
    out = tmp_path / "run"
    res = run_cli("train", _graph_file(tmp_path), "--dag", "class-order", *FAST,
                  "--seed", "3", "--out", out)
    assert res.exit_code == 0, res.output
    assert "test_acc" in res.stdout and "depth" in res.stdout
    assert "epoch 1/1" in res.stderr                       # progress on stderr only
    result = json.loads((out / "result.json").read_text())
    for key in ("test_acc", "val_acc", "test_loss", "val_loss", "params", "macs",
                "wall_time_s", "images_per_s", "dag", "config", "versions", "curve"):
        assert key in result
    assert result["config"]["seed"] == 3 and result["config"]["dag"] == "class-order"
    assert result["dag"]["edges_kept"] > 0 and result["versions"]["topocli"]
    rows = list(csv.DictReader((out / "curve.csv").open()))
    assert len(rows) == 1 and rows[0]["epoch"] == "1"
    assert (out / "checkpoint.pt").exists() and (out / "config.json").exists()


def test_train_json_and_no_graph(run_cli):
    res = run_cli("train", "--no-graph", *FAST, "--json")
    assert res.exit_code == 0, res.output
    result = json.loads(res.stdout)
    assert result["dag"] is None and result["config"]["no_graph"] is True
    assert 0.0 <= result["test_acc"] <= 1.0


def test_train_mnist_idx_folder(run_cli, tmp_path):
    rng = np.random.default_rng(1)
    for stem, arr in (("t10k-images-idx3-ubyte", rng.integers(0, 256, (60, 28, 28))),
                      ("t10k-labels-idx1-ubyte", rng.integers(0, 10, 60))):
        header = bytes([0, 0, 8, arr.ndim]) + b"".join(int(d).to_bytes(4, "big")
                                                        for d in arr.shape)
        (tmp_path / (stem + ".gz")).write_bytes(gzip.compress(header + arr.astype(
            np.uint8).tobytes()))
    res = run_cli("train", "--no-graph", "--dataset", "mnist", "--data-dir", tmp_path,
                  *FAST, "--json")
    assert res.exit_code == 0, res.output
    result = json.loads(res.stdout)
    assert result["data"]["test"] == 12 and result["model"]["stem_stride"] == 2


def test_train_bad_inputs_exit_2_with_one_line(run_cli, tmp_path):
    graph = _graph_file(tmp_path)
    cases = [
        (["train", graph, "--dataset", "imagenet"], "unknown dataset"),
        (["train", graph, "--dataset", "mnist", "--data-dir", tmp_path],
         "t10k-images-idx3-ubyte"),
        (["train", graph, "--dataset", "cifar10", "--data-dir", tmp_path], "test_batch.bin"),
        (["train", graph, "--channels", "0"], "--channels"),
        (["train", graph, "--batch-size", "1"], "--batch-size"),
        (["train", graph, "--batch-size", "100000"], "larger than"),
        (["train", graph, "--undirected", "--dag", "feedback-arc"], "undirected"),
        (["train"], "missing GRAPH"),
        (["train", "celegans-nope"], "nope"),
    ]
    for args, text in cases:
        res = run_cli(*args)
        assert res.exit_code == 2, (args, res.output)
        assert text in res.stderr, (args, res.stderr)
        assert res.stderr.strip().count("\n") == 0, res.stderr
        assert "Traceback" not in res.output


def test_preset_fills_in_and_explicit_options_override(run_cli, tmp_path):
    out = tmp_path / "dcn"
    res = run_cli("train", "--no-graph", "--preset", "dcn", "--channels", "4", "--epochs",
                  "1", "--max-train", "64", "--threads", "1", "--lr", "0.002", "--out", out)
    assert res.exit_code == 0, res.output
    config = json.loads((out / "config.json").read_text())["config"]
    assert config["preset"] == "dcn" and config["head"] == "flatten"
    assert config["batch_size"] == 32 and config["weight_decay"] == 0.0   # from the preset
    assert config["channels"] == 4 and config["lr"] == 0.002             # explicit
    assert config["stem_stride"] == 2 and config["stage_stride"] == 1
    result = json.loads((out / "result.json").read_text())
    assert result["model"]["head"] == "flatten" and result["dag"] is None
    plain = run_cli("train", "--no-graph", "--head", "randwire", *FAST, "--json")
    assert plain.exit_code == 0, plain.output
    cfg = json.loads(plain.stdout)["config"]
    assert cfg["preset"] is None and cfg["head"] == "randwire" and cfg["lr"] == 0.01


def test_train_options_come_from_train_config():
    """Every TrainConfig field with a command-line face is an option of train and
    train-sweep, with the field's default, help and choices (nothing repeated in the CLI);
    the names a config chooses between are written once."""
    import dataclasses

    import click

    from topocli.cli import cli
    from topocli.training import config as cfg
    from topocli.training import dag, data, model
    from topocli.training.config import TrainConfig

    fields = {f.name: f for f in dataclasses.fields(TrainConfig) if f.metadata["cli"]}
    assert {"dag", "dataset", "epochs", "patience", "head", "preset", "device"} <= set(fields)
    for command in ("train", "train-sweep"):
        params = {p.name: p for p in cli.commands[command].params}
        assert set(fields) <= set(params), command
        for name, f in fields.items():
            option, meta = params[name], f.metadata
            assert option.opts == ["--" + name.replace("_", "-")]
            assert option.default == f.default, name
            assert option.help == meta["help"], name
            choices = meta["choices"] if meta["strict"] else None
            if isinstance(option.type, click.Choice):
                assert tuple(option.type.choices) == choices, name
            elif isinstance(option.type, click.IntRange):
                assert (option.type.min, option.type.max) == (min(choices), max(choices))
            else:
                assert choices is None, name
    assert model.HEADS is cfg.HEADS and dag.DAG_METHODS is cfg.DAG_METHODS
    assert data.DATASETS is cfg.DATASETS
    assert fields["preset"].metadata["choices"] == tuple(cfg.PRESETS)


def test_help_and_readme_name_every_training_option(run_cli):
    """datasette's test_docs: --help and the README's training-options section name every
    option the config generates."""
    import dataclasses
    import re
    from pathlib import Path

    from topocli.training.config import TrainConfig

    readme = (Path(__file__).parents[1] / "README.md").read_text()
    section = readme.split("### Training options", 1)[1].split("\n#", 1)[0]
    help_text = run_cli("train", "--help").output
    options = ["--" + f.name.replace("_", "-") for f in dataclasses.fields(TrainConfig)
               if f.metadata["cli"]]
    for option in options:
        assert re.search(re.escape(option) + r"\b", help_text), option
        assert re.search(re.escape(option) + r"(?![\w-])", section), option


def test_training_options_load_without_torch():
    import subprocess
    import sys

    code = ("import sys\nimport topocli.training.config, topocli.cli.train\n"
            "assert 'torch' not in sys.modules, 'the training options pulled in torch'\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
