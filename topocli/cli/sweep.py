"""``topocli train-sweep``: the real graph and its null ensembles, trained and stored."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from topocli.cli.control import controller_options, split_control_tasks
from topocli.cli.group import cli
from topocli.cli.options import command_line, report_option, seed_option, view_options
from topocli.cli.options import write_report as _write_report
from topocli.cli.progress import ProgressLine
from topocli.cli.reservoir import reservoir_options
from topocli.cli.train import train_options

EPILOG = """\b
Examples:
  topocli train-sweep celegans-varshney2011 --families real,ws,er,ba,degree \\
      --count 4 --seeds 3 --dataset digits --out sweep/
  topocli train-sweep celegans-varshney2011 --families real,degree \\
      --grid ws.p=0,0.01,0.05,0.1,0.2,0.5,1 --count 2 --seeds 3 --out ws-grid/
  topocli train-sweep celegans-varshney2011 celegans-white1986 --count 4 --out two/
  topocli train-sweep celegans-varshney2011 --count 20 --out sweep/ --jobs 2
  topocli train-sweep celegans-varshney2011 --count 20 --out sweep/ \\
      --scheduler tcp://10.0.0.5:8786     # an existing `dask scheduler` + `dask worker`s

\b
Each run uses 1 torch thread unless --threads says otherwise, so results do not depend on
--jobs or --scheduler (torch's sums differ in the last digits between thread counts).
Run the same command again after an interruption: finished runs are kept and only the
rest run. Exit status: 0 all runs ok, 1 some runs failed (see runs.csv), 2 usage error.

\b
--stack K trains up to K runs of one training seed (the same batches) as one model: the
union of their DAGs runs level by level, each run keeping its own parameters, optimiser,
BN statistics, curve and row. A run's numbers do not depend on what it was stacked with
(to float rounding); resume and --retries stay per run, and a stack that fails is
retried run by run. --stack 1 is one run per task.

\b
Every family is compared in one convention. --dag random-order and class-order ignore
edge directions, so the real graph is the source's undirected view (a directed
connectome's reciprocal arcs collapse to one edge) and every null is drawn from it;
--dag feedback-arc keeps directions, so all graphs are directed and the undirected
families ws and ba are refused. config.json and the plan line say which was used.

\b
--model reservoir scores every graph as an echo-state (or --neuron lif) reservoir
instead of training a network (seconds for thousands of graphs; see topocli reservoir
for the options): runs.csv gets a score_<task> column per --task, graphs.csv the fast
statistics plus degree_cv and the adjacency spectral radius (no small-world indices or
motifs). Graphs are the undirected view (as --dag random-order; --dag feedback-arc
keeps directions and refuses ws and ba); --signs transmitter (synapse) gives er, ws and
ba nulls the real graph's transmitters (synapse signs) in a seeded random order;
--weighted is refused (nulls have no synapse counts).
  topocli train-sweep celegans-varshney2011 --model reservoir --families real,er,ws,ba,degree \\
      --count 250 --seeds 3 --task memory-capacity,narma10 --out rsweep/
  topocli report rsweep/ --metric score_memory-capacity

\b
--model controller trains a policy wired by every graph with evolution strategies (or
--trainer gradient; see topocli control for the options) on each --task (motor:
cartpole, acrobot, pendulum, swimmer; non-motor: digits-seq): runs.csv gets
score_<task> (final return, or test accuracy) and generations_<task> (generations to
the task's solved return; runs that never reach it count as the budget + 1), curves.csv
the return per generation, and the report a return-against-generations figure per task.
--circuit motor wires by the C. elegans motor circuit and draws every null from it.
Graphs are prepared as for --model reservoir.
  topocli train-sweep celegans-varshney2011 --model controller --families real,degree,er \
      --count 4 --seeds 3 --task cartpole,digits-seq --out csweep/
  topocli report csweep/ --metric score_cartpole
"""


@cli.command("train-sweep", epilog=EPILOG)
@click.argument("graphs", metavar="GRAPH...", nargs=-1, required=True)
@view_options
@click.option("--families", default="real,ws,er,ba,degree", show_default=True,
              help="Comma-separated: real and/or null models (see topocli rewire).")
@click.option("--grid", "grid", multiple=True, metavar="MODEL.PARAM=V1,V2,...",
              help="A parameter grid, e.g. ws.p=0,0.01,0.1,1 (repeatable; grids of one "
                   "model multiply): --count graphs per point, each point a family; the "
                   "model is then drawn at its grid points only.")
@click.option("--count", type=click.IntRange(min=1), default=4, show_default=True,
              help="Samples of each null family (and of each grid point).")
@click.option("--seeds", type=click.IntRange(min=1), default=2, show_default=True,
              help="Training seeds per graph (the same K seeds for every graph).")
@click.option("--model", type=click.Choice(("randwire", "reservoir", "controller")),
              default="randwire", show_default=True,
              help="randwire: train the RandWire-style network; reservoir: score the graph "
                   "as a reservoir (the reservoir options below; training options ignored); "
                   "controller: train a policy wired by the graph with evolution strategies "
                   "or --trainer gradient (--task cartpole,digits-seq by default; see "
                   "topocli control).")
@train_options
@reservoir_options
@controller_options
@seed_option
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Sweep folder: created, or resumed if it holds this same sweep.")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="Local worker processes [default: one per core].")
@click.option("--scheduler", metavar="ADDRESS", default=None,
              help="Run on an existing Dask cluster instead, e.g. tcp://host:8786.")
@click.option("--retries", type=click.IntRange(min=0), default=0, show_default=True,
              help="Re-run a failed run up to this many more times.")
@click.option("--stack", type=int, default=None, metavar="K",
              help="Train up to K runs that share a training seed together as one stacked "
                   "model (each keeps its own parameters, row and checkpoint; results "
                   "equal training alone to float rounding); 1: each run alone "
                   "[default: 1 on the CPU, 8 on a CUDA GPU].")
@click.option("--primary", metavar="FAMILY", default=None,
              help="The null family the report's headline compares the real graph with, "
                   "declared before the runs [default: degree, wiring beyond the degree "
                   "sequence, when drawn]; the other families are secondary comparisons.")
@click.option("--lr-from", "lr_from", metavar="DIR", default=None,
              type=click.Path(file_okay=False, path_type=Path),
              help="Train at the learning rate that topocli lr-check chose in DIR (the "
                   "check must be of this protocol and graph); the report says how it "
                   "was chosen.")
@report_option
def train_sweep(graphs, view, families, grid, count, seeds, model, config, reservoir,
                controller, seed, out, jobs, scheduler, retries, stack, primary, lr_from,
                write_report):
    """Train GRAPH and COUNT null samples per family, SEEDS runs each, into --out.

    Several GRAPHs (e.g. celegans-varshney2011 celegans-white1986) each get their own
    matched nulls; the report ranks each against its own nulls.

    Writes graphs.csv (one row per graph: its statistics, small-world indices, motif
    counts, the edges its DAG keeps and every generator parameter), runs.csv (one row
    per run), curves.csv (per epoch), config.json, sweep.sqlite and graphs/*.graphml.gz.
    The plan printed first gives a rough time from a pilot of a few training steps of
    the real graph.
    """
    from topocli.errors import TopocliError
    from topocli.sweep import run_sweep
    from topocli.sweep.execute import release_local_workers

    if jobs and scheduler:
        raise TopocliError("give either --jobs (local processes) or --scheduler (a Dask "
                           "cluster), not both")
    if stack is not None and stack < 1:
        raise TopocliError(f"--stack must be at least 1 (got {stack}); 1 trains each run "
                           "alone")
    kind = None
    if model == "reservoir":
        from topocli.sweep.reservoir_task import ReservoirScoring

        if view.weighted:  # null models carry weight 1: not like for like
            raise TopocliError("--model reservoir compares binary graphs: the null models "
                               "have no synapse counts, so drop --weighted")
        kind = ReservoirScoring(reservoir.validate())
    elif model == "controller":
        from topocli.sweep.control_task import ControllerTraining

        given = click.get_current_context().get_parameter_source("tasks")
        tasks = ("cartpole", "digits-seq") if given == click.core.ParameterSource.DEFAULT \
            else reservoir.tasks
        try:
            tasks = split_control_tasks(tasks)
        except click.BadParameter as exc:
            raise click.UsageError(f"--task: {exc.message}") from None
        kind = ControllerTraining(controller.replace(tasks=tasks).validate())
    lr_check = None
    if lr_from is not None:
        config, lr_check = _lr_from(lr_from, graphs, config, view, model)
    try:
        result = run_sweep(list(graphs), out, families=families, count=count, seeds=seeds,
                           seed=seed, grid=grid, config=config, view=view, jobs=jobs,
                           scheduler=scheduler, retries=retries, stack=stack,
                           primary=primary, lr_check=lr_check,
                           echo=lambda line: click.echo(f"topocli: {line}", err=True),
                           progress=ProgressLine(), command=command_line(), kind=kind)
    finally:   # this command ends here: its idle workers need not tear down cleanly
        release_local_workers()
    if write_report:
        _write_report(out)
    if result.failed:
        click.echo(f"topocli: warning: {result.failed} run(s) failed; errors are in "
                   f"{out / 'runs.csv'} (error column); rerun with --retries 1 to retry them",
                   err=True)
        sys.exit(1)



def _lr_from(directory: Path, graphs, config, view, model: str):
    """The config at the rate the check in ``directory`` chose, and its declaration."""
    from topocli.errors import TopocliError
    from topocli.sweep.lr_check import declaration, load_lr_check

    if model != "randwire":
        raise TopocliError("--lr-from chooses a training learning rate: it needs --model "
                           "randwire")
    if click.get_current_context().get_parameter_source("lr") not in (
            click.core.ParameterSource.DEFAULT, click.core.ParameterSource.DEFAULT_MAP):
        raise TopocliError("give --lr or --lr-from (the rate a learning-rate check chose), "
                           "not both")
    record = load_lr_check(directory, graphs=list(graphs), config=config, view=view)
    return config.replace(lr=float(record["lr"])), declaration(record, directory)
