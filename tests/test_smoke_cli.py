def test_graphs_lists_bundled(run_cli):
    res = run_cli("graphs")
    assert res.exit_code == 0
    assert "celegans-varshney2011" in res.stdout


def test_unknown_graph_is_one_line_error(run_cli):
    res = run_cli("graphs", "show", "celegans-varshney211")
    assert res.exit_code == 2
    assert res.stderr.strip().count("\n") == 0
    assert "did you mean celegans-varshney2011" in res.stderr


# ---------------------------------------------------------------- the recorded command line
def test_every_recorded_command_line_is_the_command_as_typed(run_cli, tmp_path, monkeypatch):
    """analyze, rewire and train-sweep record one command line, global options (``-v``,
    ``-q``) before the subcommand included and arguments quoted for a shell."""
    import json
    from types import SimpleNamespace

    import topocli.sweep

    out = tmp_path / "an analysis"
    res = run_cli("-v", "analyze", "celegans-white1986", "--nulls", "0", "--no-motifs",
                  "--out", out)
    assert res.exit_code == 0, res.stderr
    assert json.loads((out / "config.json").read_text())["command"] == (
        f"topocli -v analyze celegans-white1986 --nulls 0 --no-motifs --out '{out}'")

    out = tmp_path / "nulls"
    res = run_cli("-q", "rewire", "celegans-white1986", "--model", "er", "--count", "1",
                  "--out", out)
    assert res.exit_code == 0, res.stderr
    assert json.loads((out / "manifest.json").read_text())["command"] == (
        f"topocli -q rewire celegans-white1986 --model er --count 1 --out {out}")

    heard = {}

    def recording_sweep(graphs, out, **options):
        heard["command"] = options["command"]
        return SimpleNamespace(failed=0)

    monkeypatch.setattr(topocli.sweep, "run_sweep", recording_sweep)
    res = run_cli("-v", "-v", "train-sweep", "celegans-white1986", "--count", "1",
                  "--out", tmp_path / "sw")
    assert res.exit_code == 0, res.stderr
    assert heard["command"] == (
        f"topocli -v -v train-sweep celegans-white1986 --count 1 --out {tmp_path / 'sw'}")
