"""Fuzzed command lines: random option values to every command.

Each case runs ``topocli`` in-process (as the console script does) with a few options set
to random values: junk text, empty strings, signs, NaN, huge numbers, odd paths. Whatever
the values, the command either works (exit 0, or 1 for a sweep whose runs failed) or
says what is wrong in one ``topocli: error:`` line with exit 2; never a traceback, and a
folder's earlier results are never lost. Training is replaced by a sentinel once the
command has validated everything and starts to train (the fuzz is about the command
surface, not about training speed); null models, statistics and the store run for real
on an 8-node graph. ``graphs regenerate`` is left out: it rewrites the bundled data.
"""

from __future__ import annotations

import itertools
import os
from collections import Counter
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from topocli.cli import cli, main

CASES: Counter = Counter()
# Fixed examples (derandomize) keep CI repeatable; TOPOCLI_FUZZ_EXAMPLES=N and
# TOPOCLI_FUZZ_RANDOM=1 run a longer, fresh search by hand.
FUZZ = settings(max_examples=int(os.environ.get("TOPOCLI_FUZZ_EXAMPLES", 25)), deadline=None,
                database=None, derandomize=not os.environ.get("TOPOCLI_FUZZ_RANDOM"),
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
VALUES = st.one_of(
    st.sampled_from(["", " ", "-1", "0", "1", "2", "nan", "inf", "-inf", "1e400", "abc", "-",
                     "1.5", "0x10", "ü", "../nope", "/dev/null", "None", "true", ",",
                     "real,,er", "er,bogus", "both", "chemical", "digits", "cifar10",
                     "random-order", "feedback-arc", "100000000000000000000"]),
    st.text(max_size=8),
    st.integers(-5, 3).map(str))
# Options whose every value would wait on the network (a Dask scheduler address).
SKIP = {"--scheduler"}


class _TrainingStarted(BaseException):
    """Raised where training would begin: the options were all accepted."""


def _stop_training(*args, **kwargs):
    raise _TrainingStarted


def _commands() -> dict[str, click.Command]:
    found = {}

    def walk(group: click.Group, prefix: tuple[str, ...]) -> None:
        for name, command in group.commands.items():
            if isinstance(command, click.Group):
                walk(command, prefix + (name,))
            else:
                found[" ".join(prefix + (name,))] = command

    walk(cli, ())
    found.pop("graphs regenerate")
    return found


COMMANDS = _commands()


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("fuzzcli")
    edges = ["ADAL AVAL 3", "AVAL AVAR 2", "AVAR DA1 4", "DA1 ADAL 1", "AVAL DA1 2",
             "ADAL AIBL 1", "AIBL AVAR 2", "AIBL ASHL 1", "ASHL ADAL 2", "DA1 AIBL 1"]
    (root / "tiny.txt").write_text("\n".join(edges) + "\n")
    kept = root / "kept"
    kept.mkdir()
    (kept / "keep.txt").write_text("earlier results\n")
    from test_reports_data import make_sweep_folder

    make_sweep_folder(root / "pilot", count=3, seeds=2, failed_run=False, graph_files=False,
                      curves=False)
    return root


def _base(command: str, root: Path, out: Path) -> list[str]:
    graph = str(root / "tiny.txt")
    budget = ["--dataset", "digits", "--epochs", "1", "--max-train", "64", "--channels", "2"]
    return {
        "graphs show": ["graphs", "show", graph],
        "graphs export": ["graphs", "export", graph, str(out / "g.graphml")],
        "graphs make ws": ["graphs", "make", "ws", "--n", "12", "--k", "4", "--p", "0.5",
                           "--out", str(out / "ws.graphml")],
        "analyze": ["analyze", graph, "--nulls", "2", "--lattice-nulls", "1", "--out",
                    str(out)],
        "rewire": ["rewire", graph, "--model", "er", "-n", "1", "--out", str(out)],
        "train": ["train", graph, *budget],
        "train-sweep": ["train-sweep", graph, "--families", "real", "--count", "1",
                        "--seeds", "1", *budget, "--out", str(out)],
        "report": ["report", str(out)],
        "plan": ["plan", str(root / "pilot")],
        "lr-check": ["lr-check", graph, "--lrs", "1e-3,1e-2", "--families", "real",
                     "--count", "1", "--seeds", "1", *budget, "--out", str(out)],
        "export": ["export", str(root / "pilot")],   # no trained run there: refused
        "control": ["control", graph, "--generations", "1", "--population", "2",
                    "--out", str(out)],
        "reservoir": ["reservoir", graph, "--steps", "300", "--washout", "50",
                      "--out", str(out / "reservoir.json")],
    }[command]


def _run(args: list[str]) -> tuple[int | None, str]:
    runner = CliRunner()
    with runner.isolation() as (out, err, _):
        try:
            main(args)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except _TrainingStarted:
            code = None
        return code, err.getvalue().decode(errors="replace") + out.getvalue().decode(
            errors="replace")


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_random_option_values_never_crash_a_command(command, work, monkeypatch):
    import topocli.control
    import topocli.training

    monkeypatch.setattr(topocli.training, "train_graph", _stop_training)
    monkeypatch.setattr(topocli.control, "train_controller", _stop_training)
    # relative paths among the random values (--out 0, --out "") land in a scratch folder
    scratch = work / f"cwd-{command.replace(' ', '-')}"
    scratch.mkdir()
    monkeypatch.chdir(scratch)
    options = [p for p in COMMANDS[command].params
               if isinstance(p, click.Option) and p.opts[-1] not in SKIP]
    folders = itertools.count()

    @FUZZ
    @given(chosen=st.lists(st.tuples(st.sampled_from(options), VALUES, st.booleans()),
                           min_size=1, max_size=3),
           reuse_out=st.booleans())
    def case(chosen, reuse_out):
        out = work / "kept" if reuse_out else work / f"{command.replace(' ', '-')}-{next(folders)}"
        args = _base(command, work, out)
        for option, value, secondary in chosen:
            if option.is_flag:
                names = option.secondary_opts if secondary and option.secondary_opts \
                    else option.opts
                args.append(names[-1])
            else:
                args += [option.opts[-1], value]
        code, output = _run(args)
        assert "Traceback" not in output, (args, output)
        assert code in (0, 1, 2, None), (args, code, output)
        if code == 2:
            errors = [line for line in output.splitlines() if line.startswith("topocli: error")]
            assert len(errors) == 1, (args, output)
        assert (work / "kept" / "keep.txt").read_text() == "earlier results\n"
        CASES[command] += 1

    case()


def test_zz_how_many_cases_ran():
    print("fuzz cases per command:", dict(sorted(CASES.items())))
    assert set(CASES) == set(COMMANDS) and all(v >= 10 for v in CASES.values())
