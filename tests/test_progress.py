"""One progress display (in the CLI); the library only calls a callback."""

from __future__ import annotations

import io
import subprocess
import sys

from topocli.cli.progress import ProgressLine
from topocli.sweep.execute import Progress


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_log_gets_a_line_every_tenth_and_at_the_end():
    log = io.StringIO()
    display = ProgressLine(log)
    for done in range(1, 21):
        display("runs", done, 20, "0 failed")
    lines = log.getvalue().splitlines()
    assert len(lines) == 10 and all(line.startswith("topocli: runs ") for line in lines)
    assert lines[0].startswith("topocli: runs 2/20 done, 0 failed, ~")
    assert lines[-1].startswith("topocli: runs 20/20 done, 0 failed, took ")


def test_a_terminal_line_rewrites_itself_and_ends_open_lines():
    tty = _Tty()
    with ProgressLine(tty) as display:
        display("epoch 1/2", 1, 3, "loss 2.000")
        display("epoch 1/2", 3, 3, "train_loss 1.9")
        display("epoch 2/2", 1, 3)
    text = tty.getvalue()
    assert text.count("\r") == 3 and text.endswith("\n") and text.count("\n") == 2
    assert ProgressLine(io.StringIO(), tty_only=True).enabled is False


def test_the_sweep_counter_reports_through_the_callback():
    heard = []
    counter = Progress(3, label="runs", report=lambda *a: heard.append(a))
    counter.update()
    counter.update(failed=True)
    assert heard == [("runs", 1, 3, "0 failed"), ("runs", 2, 3, "1 failed")]
    Progress(2, report=None).update()  # no callback: silent, no error


def test_library_code_does_not_import_click():
    code = ("import sys, topocli.graphs, topocli.metrics, topocli.nullmodels, "
            "topocli.training.train, topocli.sweep, topocli.sweep.store, topocli.reports; "
            "print('click' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


# ------------------------------------------------------------------ the one signature
def _functions_taking_progress():
    """(module path, function name, annotation) of every function in topocli/ with a
    ``progress`` parameter, read from the source (nothing imported)."""
    import ast
    from pathlib import Path

    import topocli

    root = Path(topocli.__file__).parent
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                args = node.args
                for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs]:
                    if arg.arg == "progress":
                        note = ast.unparse(arg.annotation) if arg.annotation else None
                        found.append((str(path.relative_to(root)), node.name, note))
    return found


def test_every_function_that_reports_progress_takes_the_one_signature():
    """``progress: ProgressFn | None`` (``progress(label, done, total, note)``) everywhere:
    no ``(phase, done, total)`` or ``(increment)`` callbacks left."""
    found = _functions_taking_progress()
    names = {name for _, name, _ in found}
    assert {"analyze", "write_ensemble", "write_grid", "degree_preserving_edge_arrays",
            "run_sweep", "train_graph", "_train_runs"} <= names
    typed = {"ProgressFn | None", "ProgressFn"}
    assert [f for f in found if f[2] not in typed] == []


def _recorder():
    heard = []

    def progress(label: str, done: int, total: int, note: str) -> None:  # no defaults
        heard.append((label, done, total, note))

    return progress, heard


def _check_calls(heard):
    assert heard, "no progress reported"
    for label, done, total, note in heard:
        assert isinstance(label, str) and isinstance(note, str)
        assert isinstance(done, int) and isinstance(total, int) and 0 <= done <= total
    assert heard[-1][1] == heard[-1][2]          # the last call says the work is done


def test_library_functions_call_progress_with_label_done_total_note(tmp_path):
    import igraph as ig

    from topocli.analysis import analyze
    from topocli.nullmodels import degree_preserving_edge_arrays, write_ensemble
    from topocli.nullmodels.grid import grid_points, parse_grid, write_grid

    ring = ig.Graph.Lattice([30], nei=2, circular=True)
    ring.vs["name"] = [f"n{i}" for i in range(30)]

    progress, heard = _recorder()
    degree_preserving_edge_arrays(ring, 3, seed=0, progress=progress)
    assert heard == [("rewiring", 1, 3, ""), ("rewiring", 2, 3, ""), ("rewiring", 3, 3, "")]

    progress, heard = _recorder()
    analyze(ring, nulls=3, lattice_nulls=2, seed=0, motifs_on=False, progress=progress)
    _check_calls(heard)
    assert {label for label, *_ in heard} == {"drawing nulls", "measuring nulls",
                                             "lattice nulls"}

    progress, heard = _recorder()
    write_ensemble(ring, ["er", "degree"], 2, tmp_path / "nulls", seed=0, progress=progress)
    assert heard == [("rewiring", 2, 4, ""), ("rewiring", 4, 4, "")]

    progress, heard = _recorder()   # one count across the grid's points
    points = grid_points(parse_grid(["ws.p=0,1"]))
    write_grid(ring, points, 2, tmp_path / "grid", seed=0, progress=progress)
    assert heard == [("rewiring", 2, 4, ""), ("rewiring", 4, 4, "")]


def test_part_of_counts_the_parts_of_one_job():
    from topocli.progress import part_of

    progress, heard = _recorder()
    part_of(progress, 0, 5)("rewiring", 2, 2, "")
    part_of(progress, 2, 5)("rewiring", 3, 3, "x")
    assert heard == [("rewiring", 2, 5, ""), ("rewiring", 5, 5, "x")]
    assert part_of(None, 0, 5) is None and part_of(False, 0, 5) is None
