"""``topocli report DIR --with OTHER``: one page from sweep folders of one experiment."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest
from test_reports_data import make_sweep_folder

from topocli.errors import TopocliError
from topocli.reports import build_report

IDENTITY = {"families": ["real", "ws", "er", "degree"], "count": 4, "seeds": 2, "seed": 0,
            "graph": {"source": "celegans-varshney2011", "fingerprint": "abc"},
            "train": {"lr": 0.03, "epochs": 3}, "task": "topocli.training.train_graph"}


def _split(whole, tmp_path):
    """``whole`` split into two folders of one experiment: the study (real + degree,
    primary declared) and the controls (real + ws + er), each with its own config."""
    parts = {}
    for name, families in (("study", ["real", "degree"]), ("controls", ["real", "ws", "er"])):
        folder = tmp_path / name
        shutil.copytree(whole, folder)
        for table in ("graphs", "runs", "curves"):
            frame = pd.read_csv(folder / f"{table}.csv")
            frame[frame["family"].isin(families)].to_csv(folder / f"{table}.csv", index=False)
        config = json.loads((folder / "config.json").read_text())
        config["identity"] = {**IDENTITY, "families": families}
        config["design"] = {"primary": "degree" if name == "study" else "ws"}
        (folder / "config.json").write_text(json.dumps(config))
        parts[name] = folder
    config = json.loads((whole / "config.json").read_text())
    config["identity"], config["design"] = IDENTITY, {"primary": "degree"}
    (whole / "config.json").write_text(json.dumps(config))
    return parts["study"], parts["controls"]


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("joint")
    whole = make_sweep_folder(tmp / "whole", failed_run=False)
    study, controls = _split(whole, tmp)
    return whole, study, controls


def test_the_joint_report_of_a_split_sweep_is_the_whole_sweeps_report(folders):
    whole, study, controls = folders
    index = build_report(study, joined=[controls], resamples=100)
    assert index == study / "report-with-controls" / "index.html"
    one = build_report(whole, resamples=100)
    for table in ("real_vs_families", "family_accuracy"):
        joint = pd.read_csv(index.parent / f"{table}.csv").sort_values("family")
        alone = pd.read_csv(one.parent / f"{table}.csv").sort_values("family")
        pd.testing.assert_frame_equal(joint.reset_index(drop=True),
                                      alone.reset_index(drop=True), check_exact=False,
                                      rtol=1e-9)

    def pairs(folder):   # A - B in either order: the same pair, the same |difference|, p
        comp = pd.read_csv(folder / "family_comparisons.csv")
        return {(frozenset((a, b)), round(abs(d), 12), round(p, 12)) for a, b, d, p in
                zip(comp["family_a"], comp["family_b"], comp["diff"], comp["p_holm"])}
    assert pairs(index.parent) == pairs(one.parent)
    summary = json.loads((index.parent / "summary.json").read_text())
    assert summary["primary"]["family"] == "degree"   # the first folder's declaration
    page = index.read_text()
    assert f"Joint report of {study} and {controls}" in page


def test_a_joint_report_refuses_folders_that_are_not_one_experiment(folders, tmp_path):
    _, study, controls = folders
    other = tmp_path / "other-lr"
    shutil.copytree(controls, other)
    config = json.loads((other / "config.json").read_text())
    config["identity"]["train"]["lr"] = 0.01
    (other / "config.json").write_text(json.dumps(config))
    with pytest.raises(TopocliError, match="differ in train"):
        build_report(study, tmp_path / "r1", joined=[other])
    with pytest.raises(TopocliError, match="family 'degree' is in both"):
        build_report(study, tmp_path / "r2", joined=[study])
    changed = tmp_path / "other-code"
    shutil.copytree(controls, changed)
    runs = pd.read_csv(changed / "runs.csv")
    runs.loc[runs["family"] == "real", "test_loss"] += 1e-9
    runs.to_csv(changed / "runs.csv", index=False)
    with pytest.raises(TopocliError, match="the real graph's runs differ"):
        build_report(study, tmp_path / "r3", joined=[changed])
    assert not any((tmp_path / r).exists() for r in ("r1", "r2", "r3"))


def test_report_with_on_the_command_line(folders, tmp_path, run_cli):
    _, study, controls = folders
    res = run_cli("report", study, "--with", controls, "--out", tmp_path / "joint",
                  "--resamples", "50")
    assert res.exit_code == 0, res.stderr
    assert (tmp_path / "joint" / "index.html").is_file()
    res = run_cli("report", study, "--with", tmp_path / "missing", "--out",
                  tmp_path / "bad")
    assert res.exit_code != 0 and len(res.stderr.strip().splitlines()) == 1
    assert "does not exist" in res.stderr and not (tmp_path / "bad").exists()


def _copy_with(src, dest, edit):
    shutil.copytree(src, dest)
    runs = pd.read_csv(dest / "runs.csv")
    edit(runs)
    runs.to_csv(dest / "runs.csv", index=False)
    return dest


def test_the_real_graph_check_reads_every_score_nan_alike(folders, tmp_path):
    """A reservoir sweep's runs.csv has empty test_* columns and its scores in score_*:
    empty equals empty, and a score that differs is refused."""
    from topocli.reports.folders import load_folder
    from topocli.reports.joint import join_sweeps

    _, study, controls = folders

    def scored(runs):
        runs["test_loss"], runs["test_acc"] = float("nan"), float("nan")
        runs["score_memory-capacity"] = runs["seed"] * 1.5 + runs["run_id"] % 3

    def fixed_real(runs):
        scored(runs)
        real = runs["family"] == "real"
        runs.loc[real, "score_memory-capacity"] = runs.loc[real, "seed"] * 1.5

    a = _copy_with(study, tmp_path / "a", fixed_real)
    b = _copy_with(controls, tmp_path / "b", fixed_real)
    joined = join_sweeps(load_folder(a), [load_folder(b)])
    assert "2 real-graph run(s) compared, equal" in joined.notes[0]
    c = _copy_with(controls, tmp_path / "c", scored)   # its real runs score otherwise
    with pytest.raises(TopocliError, match=r"differ .*\(score_memory-capacity"):
        join_sweeps(load_folder(a), [load_folder(c)])


def test_the_others_real_runs_fill_the_seeds_the_first_folder_lacks(folders, tmp_path):
    from topocli.reports.folders import load_folder
    from topocli.reports.joint import join_sweeps

    whole, study, controls = folders
    short = tmp_path / "short"
    shutil.copytree(study, short)
    for table in ("runs", "curves"):
        frame = pd.read_csv(short / f"{table}.csv")
        frame[~((frame["family"] == "real") & (frame["seed"] == 1))].to_csv(
            short / f"{table}.csv", index=False)
    joined = join_sweeps(load_folder(short), [load_folder(controls)])
    real = joined.tables["runs"].query("family == 'real'")
    assert sorted(real["seed"]) == [0, 1]
    assert "1 real-graph run(s) compared, equal" in joined.notes[0]
    assert len(joined.tables["runs"]) == len(pd.read_csv(whole / "runs.csv"))
    assert joined.tables["runs"]["run_id"].is_unique
    assert set(joined.tables["curves"]["run_id"]) == set(joined.tables["runs"]["run_id"])
