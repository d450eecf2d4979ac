def test_graphs_lists_bundled(run_cli):
    res = run_cli("graphs")
    assert res.exit_code == 0
    assert "celegans-varshney2011" in res.stdout


def test_unknown_graph_is_one_line_error(run_cli):
    res = run_cli("graphs", "show", "celegans-varshney211")
    assert res.exit_code == 2
    assert res.stderr.strip().count("\n") == 0
    assert "did you mean celegans-varshney2011" in res.stderr
