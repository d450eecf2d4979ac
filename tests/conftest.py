"""Shared fixtures: tiny graphs, and a CLI runner that goes through ``topocli.cli.main``."""

from __future__ import annotations

import igraph as ig
import pytest
from click.testing import CliRunner

from topocli.graphs import GraphView, load_graph


@pytest.fixture(scope="session")
def varshney() -> ig.Graph:
    """The bundled Varshney graph, default view (directed, both layers, 279 neurons)."""
    return load_graph("celegans-varshney2011")


@pytest.fixture(scope="session")
def varshney_chemical() -> ig.Graph:
    return load_graph("celegans-varshney2011", GraphView(layer="chemical"))


class Result:
    def __init__(self, exit_code: int, stdout: str, stderr: str):
        self.exit_code, self.stdout, self.stderr = exit_code, stdout, stderr

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@pytest.fixture
def run_cli():
    """Run ``topocli ARGS`` in-process exactly as the console script does."""
    from topocli.cli import main

    def run(*args: str, input: str | None = None) -> Result:
        runner = CliRunner()
        with runner.isolation(input=input) as (out, err, _):
            try:
                main([str(a) for a in args])
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            return Result(code, out.getvalue().decode(), err.getvalue().decode())

    return run


def interrupt_at_epoch(monkeypatch, epoch: int):
    """Make training raise KeyboardInterrupt when ``epoch`` starts (an interrupted run);
    returns the call that restores the real epoch loop."""
    import topocli.training.train as trainer

    real_epoch = trainer.train_epoch

    def interrupted(model, optimizers, data, config, at, progress):
        if at == epoch:
            raise KeyboardInterrupt
        return real_epoch(model, optimizers, data, config, at, progress)

    monkeypatch.setattr(trainer, "train_epoch", interrupted)
    return lambda: monkeypatch.setattr(trainer, "train_epoch", real_epoch)
