"""The sweep machinery: planning, storing, resuming, local and Dask execution.

Most tests inject the deterministic stand-ins (``stand_in_prepare``, ``stand_in_train``)
so they are fast and can fail or slow down on demand; ``test_sweep_real.py`` runs the real
null models, metrics and training end to end.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from functools import partial
from pathlib import Path

import pandas as pd
import pytest

from topocli.seeding import derive_seed
from topocli.sweep import plan_sweep, run_sweep
from topocli.sweep._stand_ins import stand_in_prepare, stand_in_train
from topocli.sweep.export import CURVE_COLUMNS, GRAPH_COLUMNS, RUN_COLUMNS
from topocli.sweep.store import SweepStore

# Columns that describe where/how fast a run executed, not what it computed.
EXECUTION_COLUMNS = ["worker", "wall_time_s", "images_per_s", "config"]


def sweep(out, *, jobs=1, scheduler=None, retries=0, count=2, **train_kwargs):
    """A small stand-in sweep: real + 2 ws + 2 er graphs, 2 seeds each (10 runs)."""
    return run_sweep("celegans-varshney2011", out, families="real,ws,er", count=count,
                     seeds=2, seed=7, jobs=jobs, scheduler=scheduler, retries=retries,
                     train_fn=partial(stand_in_train, **train_kwargs),
                     prepare_fn=stand_in_prepare, progress=False)


def result_rows(out: Path) -> pd.DataFrame:
    runs = pd.read_csv(out / "runs.csv")
    configs = runs["config"].map(json.loads)
    runs = runs.drop(columns=EXECUTION_COLUMNS)
    runs["config_seed"] = [c["seed"] for c in configs]
    return runs


# ---------------------------------------------------------------------- planning
def test_plan_derives_every_seed_from_the_base_seed():
    plan = plan_sweep(["real", "ws", "er"], count=3, seeds=2, seed=5)
    assert [g.graph_id for g in plan.graphs] == ["real", "ws-000", "ws-001", "ws-002",
                                                 "er-000", "er-001", "er-002"]
    # Null i of family f uses the stream nullmodels.generate_many uses.
    assert plan.graphs[2].seed == derive_seed(5, "ws", 1)
    assert len(plan.runs) == 14 and len({r.run_id for r in plan.runs}) == 14
    # Paired design: every graph is trained with the same K seeds.
    by_k = {}
    for run in plan.runs:
        by_k.setdefault(run.seed_index, set()).add(run.seed)
    assert all(len(s) == 1 for s in by_k.values()) and len(by_k) == 2
    assert plan == plan_sweep(["real", "ws", "er"], count=3, seeds=2, seed=5)
    assert plan.graphs[1].seed != plan_sweep(["ws"], count=1, seeds=1, seed=6).graphs[0].seed


def test_store_keeps_each_run_once(tmp_path):
    kwargs = {"graph_id": "g", "family": "real", "seed_index": 0, "seed": 1, "config": {},
              "task_s": 0.1}
    with SweepStore(tmp_path / "s.sqlite") as store:
        assert store.record_run(run_id="r", status="failed", error="E: boom", result={},
                                **kwargs)
        assert store.record_run(run_id="r", status="ok", error=None, result={"test_acc": 1},
                                **kwargs)
        # A duplicate delivery of a finished run changes nothing.
        assert not store.record_run(run_id="r", status="failed", error="late", result={},
                                    **kwargs)
        assert store.run_states() == {"r": ("ok", 2)}
        assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


# ---------------------------------------------------------------------- outputs
def test_sweep_writes_the_contract_tables(tmp_path):
    out = tmp_path / "sw"
    result = sweep(out, fail_runs=("er-001-s1",))
    assert (result.ok, result.failed) == (9, 1)
    assert (out / "kind.txt").read_text().strip() == "sweep"
    config = json.loads((out / "config.json").read_text())
    assert config["identity"]["count"] == 2 and config["topocli_version"]
    graphs = pd.read_csv(out / "graphs.csv")
    assert list(graphs.columns[:8]) == GRAPH_COLUMNS and "transitivity" in graphs
    assert list(graphs["graph_id"]) == ["real", "ws-000", "ws-001", "er-000", "er-001"]
    assert all((out / f).exists() for f in graphs["file"])
    runs = pd.read_csv(out / "runs.csv")
    assert list(runs.columns[:len(RUN_COLUMNS)]) == RUN_COLUMNS
    failed = runs[runs["status"] == "failed"]
    assert list(failed["run_id"]) == ["er-001-s1"]
    assert failed["error"].iloc[0] == "RuntimeError: stand-in failure for er-001-s1"
    assert runs["params"].dtype.kind == "i" or runs["params"].isna().sum() == 1
    curves = pd.read_csv(out / "curves.csv")
    assert list(curves.columns) == CURVE_COLUMNS and len(curves) == 9 * 2


def test_each_run_records_its_code_and_a_resume_from_other_code_says_so(tmp_path):
    from topocli.provenance import code_revision
    from topocli.reports.sweep_tables import sweep_tables

    out = tmp_path / "sw"
    sweep(out)
    runs = pd.read_csv(out / "runs.csv")
    assert set(runs["code"]) == {code_revision()}
    with sqlite3.connect(out / "sweep.sqlite") as db:   # one run from older code, one lost
        (result,) = db.execute("SELECT result FROM runs WHERE run_id = 'real-s0'").fetchone()
        older = {**json.loads(result), "code": "0.0.1+gdeadbeef"}
        db.execute("UPDATE runs SET result = ? WHERE run_id = 'real-s0'", (json.dumps(older),))
        db.execute("DELETE FROM runs WHERE run_id = 'er-001-s1'")
    said = []
    run_sweep("celegans-varshney2011", out, families="real,ws,er", count=2, seeds=2, seed=7,
              train_fn=stand_in_train, prepare_fn=stand_in_prepare, progress=False,
              echo=said.append)
    warning = [line for line in said if line.startswith("warning: finished runs")]
    assert len(warning) == 1 and "1 by 0.0.1+gdeadbeef" in warning[0]
    assert f"this is {code_revision()}" in warning[0]
    tables = sweep_tables(None, pd.read_csv(out / "runs.csv"), resamples=20)
    assert any("came from 2 code revisions (9 by" in n for n in tables.notes)


def test_code_revision_is_the_version_alone_outside_a_checkout(tmp_path):
    """An installed copy (no git around its files) records the version only."""
    import shutil

    import topocli
    from topocli.provenance import code_revision

    here = code_revision()
    assert here.startswith(topocli.__version__)
    root = Path(topocli.__file__).parent
    head = subprocess.run(["git", "-C", str(root), "rev-parse", "--short=12", "HEAD"],
                          capture_output=True, text=True)
    if head.returncode == 0:   # a checkout git can read: its commit is recorded
        assert f"+g{head.stdout.strip()}" in here
    copy = tmp_path / "site" / "topocli"
    shutil.copytree(Path(topocli.__file__).parent, copy,
                    ignore=shutil.ignore_patterns("__pycache__"))
    done = subprocess.run([sys.executable, "-c", "from topocli.provenance import "
                           "code_revision; print(code_revision())"], cwd=tmp_path,
                          env={**os.environ, "PYTHONPATH": str(copy.parent)},
                          capture_output=True, text=True, check=True)
    assert done.stdout.strip() == topocli.__version__


def test_failures_are_recorded_and_retried(tmp_path):
    out, marks = tmp_path / "sw", tmp_path / "marks"
    marks.mkdir()
    first = sweep(out, count=1, fail_once_dir=str(marks))
    assert (first.ok, first.failed) == (0, 6)
    again = sweep(out, count=1, fail_once_dir=str(marks))  # same command: nothing to redo
    assert again.ran == 0 and again.failed == 6
    retried = sweep(out, count=1, retries=1, fail_once_dir=str(marks))
    assert (retried.ran, retried.ok, retried.failed) == (6, 6, 0)
    runs = pd.read_csv(out / "runs.csv")
    assert set(runs["attempts"]) == {2} and len(runs) == 6


def test_a_different_sweep_in_the_folder_is_refused(tmp_path, run_cli):
    out = tmp_path / "sw"
    sweep(out, count=1)
    with pytest.raises(Exception, match="holds a different sweep .*count: 1 there, 2 now"):
        sweep(out, count=2)
    res = run_cli("train-sweep", "celegans-varshney2011", "--count", "3", "--out", out)
    assert res.exit_code == 2
    assert res.stderr.startswith("topocli: error:") and res.stderr.count("\n") == 1
    assert "holds a different sweep" in res.stderr
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    with pytest.raises(Exception, match="is not empty"):
        sweep(tmp_path / "other", count=1)


# ---------------------------------------------------------------------- parallel
@pytest.fixture(scope="module")
def serial_sweep(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("serial") / "sw"
    sweep(out, jobs=1)
    return out


def test_serial_and_two_local_workers_give_identical_rows(tmp_path, serial_sweep):
    sweep(tmp_path / "two", jobs=2)
    pd.testing.assert_frame_equal(result_rows(serial_sweep), result_rows(tmp_path / "two"))
    pd.testing.assert_frame_equal(pd.read_csv(serial_sweep / "graphs.csv"),
                                  pd.read_csv(tmp_path / "two" / "graphs.csv"))


def _kill_first_worker(log_dir: Path, victims: list[int], after: int = 1) -> None:
    """Watch the stand-in's execution log; SIGKILL the process running a run."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        logs = sorted(log_dir.iterdir(), key=lambda p: p.stat().st_mtime_ns)
        if len(logs) >= after:
            pid = int(logs[after - 1].name.split(".")[1])
            victims.append(pid)
            os.kill(pid, signal.SIGKILL)
            return
        time.sleep(0.05)


def test_a_killed_local_worker_is_survived(tmp_path):
    log_dir = tmp_path / "log"
    log_dir.mkdir()
    victims: list[int] = []
    killer = threading.Thread(target=_kill_first_worker, args=(log_dir, victims, 3))
    killer.start()
    result = sweep(tmp_path / "sw", jobs=2, count=1, sleep=0.4, log_dir=str(log_dir))
    killer.join()
    assert victims and victims[0] != os.getpid()
    assert (result.ok, result.failed) == (6, 0)
    runs = pd.read_csv(tmp_path / "sw" / "runs.csv")
    assert sorted(runs["run_id"]) == sorted(r.run_id for r in result.plan.runs)


def test_local_workers_are_kept_across_training_runs(tmp_path):
    """A worker whose memory grows by its first training run (torch, kernels, caches: here
    400 MB held by the stand-in) is not restarted by loky as leaking (measured: a
    restart cost ~5 s per worker in the demo-sized sweep): every run of the sweep ran in
    one of the two worker processes."""
    import psutil  # noqa: F401 - loky measures its workers' memory with psutil

    log_dir = tmp_path / "log"
    log_dir.mkdir()
    result = sweep(tmp_path / "sw", jobs=2, count=1, sleep=1.1, hold_mb=400,
                   log_dir=str(log_dir))
    assert (result.ok, result.failed) == (6, 0)
    pids = {p.name.split(".")[1] for p in log_dir.iterdir()}
    assert len(pids) == 2 and str(os.getpid()) not in pids


# ---------------------------------------------------------------------- kill -9
def test_sigkilled_sweep_resumes_without_redoing_or_duplicating(tmp_path):
    out, log_dir = tmp_path / "sw", tmp_path / "log"
    log_dir.mkdir()
    code = (f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
            f"from test_sweep import sweep; "
            f"sweep({str(out)!r}, jobs=2, count=1, sleep=0.3, log_dir={str(log_dir)!r})")
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, start_new_session=True,
                            stderr=subprocess.DEVNULL)
    try:
        store = out / "sweep.sqlite"
        deadline = time.monotonic() + 60
        done_before: set[str] = set()
        while time.monotonic() < deadline and len(done_before) < 2:
            time.sleep(0.05)
            if store.exists():
                try:
                    with sqlite3.connect(store) as db:
                        done_before = {r[0] for r in db.execute("SELECT run_id FROM runs")}
                except sqlite3.OperationalError:
                    pass
        assert len(done_before) >= 2, "the sweep did not get going"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the sweep and its worker processes
        proc.wait()
    with sqlite3.connect(out / "sweep.sqlite") as db:
        done_before = {r[0] for r in db.execute("SELECT run_id FROM runs")}
    assert 2 <= len(done_before) < 6
    executions_before = {p.name for p in log_dir.iterdir()}

    result = sweep(out, jobs=2, count=1, sleep=0.3, log_dir=str(log_dir))
    assert (result.ok, result.failed, result.already_done) == (6, 0, len(done_before))
    rerun = [p.name.split(".")[0] for p in log_dir.iterdir() if p.name not in executions_before]
    assert not set(rerun) & done_before, "a finished run was trained again"
    assert sorted(rerun) == sorted({r.run_id for r in result.plan.runs} - done_before)
    runs = pd.read_csv(out / "runs.csv")
    assert len(runs) == 6 and runs["run_id"].is_unique and set(runs["attempts"]) == {1}


# ---------------------------------------------------------------------- Dask
def test_dask_cluster_gives_the_same_rows(tmp_path, dask_cluster, serial_sweep):
    sweep(tmp_path / "dask", scheduler=dask_cluster.address)
    pd.testing.assert_frame_equal(result_rows(serial_sweep), result_rows(tmp_path / "dask"))
    pd.testing.assert_frame_equal(pd.read_csv(serial_sweep / "graphs.csv"),
                                  pd.read_csv(tmp_path / "dask" / "graphs.csv"))
    workers = pd.read_csv(tmp_path / "dask" / "runs.csv")["worker"]
    assert not workers.str.endswith(f":{os.getpid()}").any()  # ran on the workers


def test_a_dask_worker_killed_mid_run_is_survived(tmp_path, dask_cluster):
    log_dir = tmp_path / "log"
    log_dir.mkdir()
    victims: list[int] = []
    workers = dask_cluster.worker_pids()
    killer = threading.Thread(target=_kill_first_worker, args=(log_dir, victims, 2))
    killer.start()
    result = sweep(tmp_path / "sw", scheduler=dask_cluster.address, count=1, sleep=0.5,
                   log_dir=str(log_dir))
    killer.join()
    assert victims and victims[0] in workers
    assert (result.ok, result.failed) == (6, 0)
    runs = pd.read_csv(tmp_path / "sw" / "runs.csv")
    assert runs["run_id"].is_unique and len(runs) == 6
    killed_run = next(p.name.split(".")[0] for p in log_dir.iterdir()
                      if p.name.split(".")[1] == str(victims[0]))
    # The run the dead worker was doing was done again, elsewhere.
    assert runs.set_index("run_id").loc[killed_run, "status"] == "ok"
    assert not runs.set_index("run_id").loc[killed_run, "worker"].endswith(f":{victims[0]}")


# ---------------------------------------------------------------------- cluster fixture
def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LocalDaskCluster:
    """``dask scheduler`` + two ``dask worker`` processes (1 thread each) on 127.0.0.1."""

    def __init__(self, log_dir: Path, workers: int = 2):
        dask = str(Path(sys.executable).with_name("dask"))
        port = _free_port()
        self.address = f"tcp://127.0.0.1:{port}"
        env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        self.procs: list[subprocess.Popen] = []
        self._spawn([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                     "--no-dashboard"], env, log_dir / "scheduler.log")
        for i in range(workers):
            self._spawn([dask, "worker", self.address, "--nthreads", "1", "--nworkers", "1",
                         "--host", "127.0.0.1", "--no-dashboard", "--memory-limit", "0",
                         "--death-timeout", "60"], env, log_dir / f"worker{i}.log")
        from distributed import Client

        self.client = Client(self.address, timeout="30s", set_as_default=False)
        self.client.wait_for_workers(workers, timeout=60)

    def _spawn(self, cmd: list[str], env: dict, log: Path) -> None:
        with open(log, "wb") as fh:
            self.procs.append(subprocess.Popen(cmd, env=env, stdout=fh, stderr=fh,
                                               start_new_session=True))

    def worker_pids(self) -> set[int]:
        return set(self.client.run(os.getpid).values())

    def close(self) -> None:
        self.client.close()
        for proc in reversed(self.procs):  # workers first, then the scheduler
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    cluster = LocalDaskCluster(tmp_path_factory.mktemp("dask"))
    try:
        yield cluster
    finally:
        cluster.close()


# ---------------------------------------------------------------------- real modules
def _tiny_budget() -> list[str]:
    """``topocli train`` options for the smallest budget: digits, 1 epoch, few channels."""
    from topocli.cli import cli

    names = {opt for p in cli.commands["train-sweep"].params for opt in p.opts}
    options = ["--dataset", "digits", "--epochs", "1"]
    for name, value in (("--channels", "4"), ("--batch-size", "128"), ("--max-train", "128")):
        if name in names:
            options += [name, value]
    return options


def test_real_sweep_end_to_end_serial_parallel_and_dask(tmp_path, run_cli, dask_cluster):
    """The documented command with the real null models, statistics and training."""
    base = ["train-sweep", "celegans-varshney2011", "--families", "real,er",
            "--count", "1", "--seeds", "2", *_tiny_budget()]
    serial = run_cli(*base, "--jobs", "1", "--out", tmp_path / "serial")
    assert serial.exit_code == 0, serial.stderr
    assert "sweep plan: 2 graphs (real 1, er 1), 4 runs (2 seeds each)" in serial.stderr
    # The default --dag random-order ignores directions: the real graph is the undirected
    # view (2990 arcs -> 2287 edges), the plan says so, and gives a time from a pilot.
    assert "graphs undirected" in serial.stderr and "estimated ~" in serial.stderr
    assert "pilot" in serial.stderr
    out = tmp_path / "serial"
    graphs = pd.read_csv(out / "graphs.csv")
    assert list(graphs["graph_id"]) == ["real", "er-000"]
    assert {"clustering_avg_zero", "modularity", "path_length", "sigma", "omega",
            "motif3:triangle", "m_dag"} <= set(graphs.columns)
    assert list(graphs["m"]) == [2287, 2287] and not graphs["directed"].any()
    assert list(graphs["m_dag"]) == [2287, 2287]
    runs = pd.read_csv(out / "runs.csv")
    assert (runs["status"] == "ok").all() and runs["test_acc"].between(0, 1).all()
    assert len(pd.read_csv(out / "curves.csv")) == 4  # 1 epoch each
    config = json.loads(runs.loc[0, "config"])
    assert config["dataset"] == "digits" and config["seed"] == runs.loc[0, "seed"]

    two = run_cli(*base, "--jobs", "2", "--out", tmp_path / "two")
    dask = run_cli(*base, "--scheduler", dask_cluster.address, "--out", tmp_path / "dask")
    assert two.exit_code == 0 and dask.exit_code == 0, two.stderr + dask.stderr
    for other in ("two", "dask"):
        pd.testing.assert_frame_equal(result_rows(out), result_rows(tmp_path / other))
        pd.testing.assert_frame_equal(graphs, pd.read_csv(tmp_path / other / "graphs.csv"))

    again = run_cli(*base, "--jobs", "1", "--out", out)  # the same command: nothing to do
    assert again.exit_code == 0 and "4 already done, 0 to run" in again.stderr
    assert "nothing left to run" in again.stderr and "pilot" not in again.stderr
    pd.testing.assert_frame_equal(runs, pd.read_csv(out / "runs.csv"))
