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
