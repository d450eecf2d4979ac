"""The sweep store defends itself: data not pickles, damaged files, one sweep per folder."""

from __future__ import annotations

import os
import pickle
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from topocli.errors import TopocliError
from topocli.graphs import load_graph
from topocli.sweep.store import SCHEMA_VERSION, SweepStore, graph_from_data, graph_to_data

TESTS = Path(__file__).parent


class _Exploit:
    """A pickle that, when loaded, creates a marker file (stands for arbitrary code)."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def _old_format_store(path: Path, payload: bytes) -> None:
    """A store as topocli wrote it before schema 2: graphs pickled into ``graph``."""
    with sqlite3.connect(path) as db:
        db.executescript("""
            CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE graphs (graph_id TEXT PRIMARY KEY, family TEXT, idx INTEGER,
                seed INTEGER, params TEXT, file TEXT, n INTEGER, m INTEGER,
                statistics TEXT, graph BLOB, prepared_s REAL);""")
        db.execute("INSERT INTO graphs VALUES ('real', 'real', 0, 0, '{}', 'g', 4, 3, '{}', "
                   "?, 0.0)", (payload,))


def test_graphs_are_stored_as_data_and_come_back_equal(tmp_path):
    graph = load_graph("celegans-varshney2011")
    data = graph_to_data(graph)
    assert b"\x80" not in data[:2] and data[:2] == b"\x1f\x8b"  # gzip, not a pickle
    back = graph_from_data(data)
    assert back.get_edgelist() == graph.get_edgelist()
    assert back.is_directed() == graph.is_directed()
    for seq_a, seq_b in ((back.vs, graph.vs), (back.es, graph.es)):
        assert seq_a.attributes() == seq_b.attributes()
        for attr in seq_b.attributes():
            assert seq_a[attr] == seq_b[attr]
    assert {k: back[k] for k in back.attributes()} == {k: graph[k] for k in graph.attributes()}
    with SweepStore(tmp_path / "s.sqlite") as store:
        store.add_graph(graph_id="real", family="real", index=0, seed=0, params={}, file="g",
                        graph=graph, statistics={}, prepared_s=0.0)
        assert store.load_graph("real").get_edgelist() == graph.get_edgelist()
        blob = store.db.execute("SELECT graph_json_gz FROM graphs").fetchone()[0]
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert blob == data


def test_a_planted_pickle_is_refused_not_executed(tmp_path):
    marker = tmp_path / "pwned"
    payload = pickle.dumps(_Exploit(marker))
    pickle.loads(payload)  # the payload is live: loading it does create the marker
    assert marker.exists()
    marker.unlink()
    _old_format_store(tmp_path / "sweep.sqlite", payload)
    with pytest.raises(TopocliError, match="stored graphs as Python pickles") as err:
        SweepStore(tmp_path / "sweep.sqlite")
    assert "\n" not in str(err.value) and str(tmp_path / "sweep.sqlite") in str(err.value)
    assert not marker.exists()


@pytest.mark.parametrize("damage", ["truncated", "not sqlite", "unknown schema"])
def test_a_damaged_store_is_one_error_naming_the_file(tmp_path, damage):
    path = tmp_path / "sweep.sqlite"
    with SweepStore(path) as store:
        for i in range(200):
            store.record_run(run_id=f"r{i}", graph_id="g", family="real", seed_index=0,
                             seed=i, status="ok", error=None, result={"x": "y" * 200},
                             config={}, task_s=0.1)
    if damage == "truncated":
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    elif damage == "not sqlite":
        path.write_bytes(b"these are not the bytes you are looking for\n" * 100)
    else:
        with sqlite3.connect(path) as db:
            db.execute("PRAGMA user_version = 99")
    with pytest.raises(TopocliError) as err:
        with SweepStore(path) as store:
            store.run_rows()
    message = str(err.value)
    assert str(path) in message and "\n" not in message
    assert ("move it aside" in message) or ("schema 99" in message)


def test_truncated_store_in_the_cli_is_exit_2_and_keeps_the_tables(tmp_path, run_cli):
    out = tmp_path / "sw"
    args = ["train-sweep", "celegans-varshney2011", "--families", "real", "--count", "1",
            "--seeds", "1", "--dataset", "digits", "--epochs", "1", "--channels", "4",
            "--batch-size", "128", "--max-train", "128", "--jobs", "1", "--out", out]
    first = run_cli(*args)
    assert first.exit_code == 0, first.stderr
    runs_before = (out / "runs.csv").read_bytes()
    store = out / "sweep.sqlite"
    store.write_bytes(store.read_bytes()[:1000])
    for wal in out.glob("sweep.sqlite-*"):
        wal.unlink()
    again = run_cli(*args)
    assert again.exit_code == 2
    assert again.stderr.startswith("topocli: error:") and again.stderr.count("\n") == 1
    assert str(store) in again.stderr and "Traceback" not in again.output
    assert (out / "runs.csv").read_bytes() == runs_before


# 6 runs x 1.5 s: the first sweep must still hold the folder while the second starts up
# (imports take seconds on a loaded machine; at 0.4 s a run the first could finish first).
_SWEEP_PROCESS = """
import sys
sys.path.insert(0, {tests!r})
from topocli.errors import TopocliError
from test_sweep import sweep
try:
    sweep({out!r}, jobs=1, count=1, sleep=1.5, log_dir={log!r})
except TopocliError as exc:
    print(f"topocli: error: {{exc}}", file=sys.stderr)
    sys.exit(2)
"""


def test_two_processes_on_one_folder_never_train_a_run_twice(tmp_path):
    out, log_dir = tmp_path / "sw", tmp_path / "log"
    log_dir.mkdir()
    code = _SWEEP_PROCESS.format(tests=str(TESTS), out=str(out), log=str(log_dir))
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    first = subprocess.Popen([sys.executable, "-c", code], env=env, stderr=subprocess.PIPE,
                             text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(log_dir.iterdir()):
        time.sleep(0.05)  # the first process holds the store and is training
    assert any(log_dir.iterdir()), "the first sweep did not get going"
    second = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                            text=True, timeout=120)
    first_err = first.communicate(timeout=120)[1]
    assert first.returncode == 0, first_err
    assert second.returncode == 2
    lines = second.stderr.strip().splitlines()
    assert len(lines) == 1 and "in use by another train-sweep (pid" in lines[0]
    executions = [p.name.split(".")[0] for p in log_dir.iterdir()]
    assert len(executions) == 6 and len(set(executions)) == 6  # each run trained once
    runs = pd.read_csv(out / "runs.csv")
    assert len(runs) == 6 and runs["run_id"].is_unique and (runs["status"] == "ok").all()
    # once the first has finished, the folder is free again: the same sweep resumes
    third = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                           text=True, timeout=120)
    assert third.returncode == 0, third.stderr
    assert len(list(log_dir.iterdir())) == 6


def test_no_reader_in_topocli_unpickles():
    """Every file topocli reads is parsed: no pickle.load(s), read_pickle, np.load with
    pickles, joblib.load, and torch.load only with weights_only=True."""
    import ast

    offenders = []
    for path in (TESTS.parent / "topocli").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            owner = getattr(func.value, "id", "") if isinstance(func, ast.Attribute) else ""
            keywords = {k.arg: getattr(k.value, "value", None) for k in node.keywords}
            if (name in ("loads", "load", "Unpickler") and owner in ("pickle", "cloudpickle",
                                                                      "dill", "joblib")) \
                    or name == "read_pickle" \
                    or keywords.get("allow_pickle") is True \
                    or (name == "load" and owner == "torch"
                        and keywords.get("weights_only") is not True):
                offenders.append(f"{path.name}:{node.lineno}")
    assert not offenders, offenders
