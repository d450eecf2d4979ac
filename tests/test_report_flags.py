"""``--report`` on analyze and train-sweep writes the same page as ``topocli report``."""

from __future__ import annotations

from topocli.reports.html import GENERATOR

TINY_TRAIN = ["--epochs", "1", "--max-train", "64", "--channels", "4", "--batch-size", "32"]


def _is_report(index) -> bool:
    return index.is_file() and f'name="generator" content="{GENERATOR}"' in index.read_text()


def test_analyze_report_flag_writes_the_page(tmp_path, run_cli):
    out = tmp_path / "analysis"
    res = run_cli("analyze", "celegans-witvliet2021-1", "--nulls", "3", "--no-motifs",
                  "--out", out, "--report")
    assert res.exit_code == 0, res.stderr
    assert _is_report(out / "report" / "index.html")
    assert f"report: {out / 'report' / 'index.html'}" in res.stderr


def test_analyze_report_flag_needs_out(run_cli):
    res = run_cli("analyze", "celegans-witvliet2021-1", "--nulls", "0", "--report")
    assert res.exit_code == 2
    assert res.stderr.strip().splitlines() == [
        "topocli: error: --report needs --out DIR (the report is written to "
        "DIR/report/index.html)"]


def test_analyze_refuses_a_used_out_before_computing(tmp_path, run_cli):
    out = tmp_path / "analysis"
    assert run_cli("analyze", "celegans-witvliet2021-1", "--nulls", "0", "--out",
                   out).exit_code == 0
    before = (out / "metrics.csv").read_bytes()
    res = run_cli("analyze", "celegans-witvliet2021-1", "--nulls", "0", "--out", out)
    assert res.exit_code == 2 and "already holds a result" in res.stderr
    assert (out / "metrics.csv").read_bytes() == before


def test_train_sweep_report_flag_writes_the_page(tmp_path, run_cli):
    out = tmp_path / "sweep"
    res = run_cli("train-sweep", "celegans-witvliet2021-1", "--families", "real,er",
                  "--count", "1", "--seeds", "1", *TINY_TRAIN, "--jobs", "1", "--out", out,
                  "--report")
    assert res.exit_code == 0, res.stderr
    assert _is_report(out / "report" / "index.html")
