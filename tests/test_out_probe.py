"""Every command that writes refuses an impossible --out in one line, before its work."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("args", [
    ["rewire", "celegans-white1986", "--model", "er", "-n", "1", "--out", "{blocker}/x"],
    ["report", "{sweep}", "--out", "{blocker}/x"],
    ["reservoir", "celegans-white1986", "--steps", "600", "--washout", "50", "--out",
     "{blocker}/r.json"],
    ["graphs", "export", "celegans-white1986", "{blocker}/g.graphml"],
])
def test_an_out_below_a_file_is_one_line(args, run_cli, tmp_path):
    from test_reports_data import make_sweep_folder

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n")
    sweep = tmp_path / "sweep"
    if "{sweep}" in args:
        make_sweep_folder(sweep, count=2, seeds=2, failed_run=False, graph_files=False,
                          curves=False)
    result = run_cli(*[a.format(blocker=blocker, sweep=sweep) for a in args])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and len(result.stderr.strip().splitlines()) == 1
    assert "not a folder" in result.stderr or "Not a directory" in result.stderr
    assert blocker.read_text() == "not a folder\n"
