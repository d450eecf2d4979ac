"""``topocli plan``: how many null graphs and seeds a study needs, before its runs."""

from __future__ import annotations

from pathlib import Path

import click

from topocli.cli.group import cli
from topocli.cli.options import command_line, seed_option, view_options
from topocli.cli.progress import ProgressLine
from topocli.cli.train import train_options


@cli.command("plan")
@click.argument("directory", metavar="DIR", type=click.Path(path_type=Path))
@click.option("--difference", type=float, default=0.005, show_default=True,
              help="The true difference of the primary comparison to detect, in the "
                   "metric's units (0.005: half a point of accuracy).")
@click.option("--power", type=float, default=0.8, show_default=True,
              help="Probability of detecting it (two-sided test at 5%).")
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True,
              help="Workers the study will run on (local processes or Dask workers), for "
                   "the time estimate.")
@click.option("--nulls", type=click.IntRange(min=2), default=None,
              help="Also evaluate this design: null graphs (with --seeds).")
@click.option("--seeds", type=click.IntRange(min=2), default=None,
              help="Also evaluate this design: seeds per graph (with --nulls).")
@click.option("--metric", default=None,
              help="runs.csv column [default: test_acc, or a reservoir sweep's score].")
def plan(directory: Path, difference: float, power: float, jobs: int, nulls: int | None,
         seeds: int | None, metric: str | None) -> None:
    """Plan the primary comparison of a study from a pilot sweep folder DIR.

    \b
    From DIR (a small sweep of the study's protocol, or a finished one) it estimates one
    run's seed noise (sigma), the spread between null graphs (tau) and the time per run,
    then prints, for several numbers of seeds, the fewest null graphs that detect
    --difference with --power in the primary comparison (the real graph against its
    declared or degree-preserving nulls), the runs and hours it takes, and the
    equivalence bound each design reaches when there is no difference.

    \b
    Examples:
      topocli train-sweep celegans-varshney2011 --families real,degree --count 3 \\
          --seeds 3 --out pilot/ && topocli plan pilot/ --difference 0.005 --jobs 2
      topocli plan benchmarks/study-13 --nulls 20 --seeds 5
    """
    from topocli.reports.power import plan_from_folder

    result = plan_from_folder(directory, difference=difference, power=power, jobs=jobs,
                              metric=metric, nulls=nulls, seeds=seeds)
    click.echo(_render(result))


def _render(p) -> str:
    n = p.noise
    per_run = f"{n.seconds_per_run:.0f} s" if n.seconds_per_run else "unknown"
    tau = (f"{n.tau_estimate:.4f}, planned at its 80% upper bound {n.tau:.4f}"
           if n.tau_estimate > 0 else "0 (graph means spread no more than seed noise), "
           f"planned at its 80% upper bound {n.tau:.4f}")
    lines = [
        f"pilot {p.folder}: {n.pilot_graphs} graphs x {n.pilot_seeds} seeds, {p.metric} "
        f"({p.direction})",
        f"  one run's seed noise sigma = {n.sigma:.4f} ({n.sigma_dof} df); spread between "
        f"null graphs tau = {tau} ({n.within_dof} df); a run takes {per_run} (median)",
        f"primary comparison: the real graph against its '{p.primary}' nulls; to detect "
        f"a true difference of {p.difference:g} with {p.power:.0%} power (two-sided, 5%):",
        "",
        "| seeds | null graphs | runs | se | power | excluded beyond ± if no difference | "
        f"hours on {p.jobs} job{'s' if p.jobs != 1 else ''} |",
        "|---|---|---|---|---|---|---|",
    ]
    rows = list(p.designs) + ([p.chosen] if p.chosen else [])
    for i, d in enumerate(rows):
        mark = " (asked)" if p.chosen is not None and i == len(rows) - 1 else ""
        nulls = str(d.nulls) if d.nulls is not None else "none suffice"
        lines.append(f"| {d.seeds}{mark} | {nulls} | {d.runs if d.runs else '–'} | "
                     f"{d.se:.4f} | {d.power:.2f} | {d.equivalence:.4f} | "
                     f"{f'{d.hours:.1f}' if d.hours is not None else '–'} |")
    best = p.cheapest()
    lines.append("")
    if best is None:
        lines.append(f"No design up to {p.designs[-1].seeds} seeds reaches it: the protocol's "
                     "seed noise is too large for this difference. Lower it first (a "
                     "converged protocol: more epochs or images, a smaller learning rate).")
    else:
        hours = f", about {best.hours:.1f} h on {p.jobs} job(s)" if best.hours else ""
        lines.append(f"cheapest: {best.nulls} null graphs x {best.seeds} seeds = {best.runs} "
                     f"runs{hours}.")
    lines.append(f"The real graph is one graph: with K seeds no number of null graphs takes "
                 f"se below sigma / sqrt(K) ({n.sigma:.4f} / sqrt(K)); halving sigma cuts "
                 "the runs needed about fourfold.")
    return "\n".join(lines)


@cli.command("lr-check")
@click.argument("graphs", metavar="GRAPH...", nargs=-1, required=True)
@view_options
@click.option("--lrs", required=True, metavar="LR1,LR2,...",
              help="The learning rates to try, e.g. 3e-4,1e-3,3e-3.")
@click.option("--families", default="real,degree", show_default=True,
              help="The study's families: real and/or null models (see topocli rewire).")
@click.option("--count", type=click.IntRange(min=1), default=2, show_default=True,
              help="Graphs of each null family in the check.")
@click.option("--seeds", type=click.IntRange(min=1), default=1, show_default=True,
              help="Training seeds per graph in the check.")
@click.option("--tolerance", type=click.FloatRange(min=0), default=0.005,
              show_default=True,
              help="A rate suits every family when no family's validation accuracy falls "
                   "more than this below its own best rate's (0.005: half a point).")
@train_options
@seed_option
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Check folder: one resumable sweep per rate (lr-<rate>/) and "
                   "lr_check.json.")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="Local worker processes [default: one per core].")
@click.option("--scheduler", metavar="ADDRESS", default=None,
              help="Run on an existing Dask cluster instead, e.g. tcp://host:8786.")
def lr_check(graphs, view, lrs, families, count, seeds, tolerance, config, seed, out, jobs,
             scheduler):
    """Choose one learning rate that suits every family, before a study's runs.

    \b
    Trains a small sweep of the study's protocol (GRAPH and --count graphs of each
    family, --seeds each) at every rate of --lrs, one resumable sweep folder per rate,
    and picks the rate whose worst family falls least below that family's own best rate,
    by validation accuracy (the test split decides nothing). Then train the study with
    the same options and --lr-from DIR: it trains at the chosen rate, and its report says
    how the rate was chosen and whether it suits every family within --tolerance.

    \b
    Example:
      topocli lr-check celegans-varshney2011 --lrs 3e-4,1e-3,3e-3 --preset dcn \\
          --channels 8 --epochs 2 --dataset mnist --data-dir data/mnist --out lr/
      topocli train-sweep celegans-varshney2011 --families real,degree --count 20 \\
          --seeds 5 --preset dcn --channels 8 --epochs 2 --dataset mnist \\
          --data-dir data/mnist --lr-from lr/ --out study/
    """
    from topocli.errors import TopocliError
    from topocli.sweep import run_sweep
    from topocli.sweep.execute import release_local_workers
    from topocli.sweep.lr_check import parse_lrs, run_lr_check

    if click.get_current_context().get_parameter_source("lr") not in (
            click.core.ParameterSource.DEFAULT, click.core.ParameterSource.DEFAULT_MAP):
        raise TopocliError("lr-check chooses the learning rate from --lrs: drop --lr")
    rates = parse_lrs(lrs)
    try:
        choice = run_lr_check(
            list(graphs), out, rates, config=config, tolerance=tolerance, sweep=run_sweep,
            families=families, count=count, seeds=seeds, seed=seed, view=view, jobs=jobs,
            scheduler=scheduler, command=command_line(), progress=ProgressLine(),
            echo=lambda line: click.echo(f"topocli: {line}", err=True))
    finally:
        release_local_workers()
    click.echo(_render_lr_check(choice))


def _render_lr_check(choice) -> str:
    families = sorted({row["family"] for row in choice.table})
    rates = sorted({row["lr"] for row in choice.table})
    cell = {(row["family"], row["lr"]): row for row in choice.table}
    lines = ["validation accuracy by family and learning rate (mean over graphs and seeds):",
             "", "| lr | " + " | ".join(families) + " |",
             "|---|" + "---|" * len(families)]
    for lr in rates:
        mark = " (chosen)" if lr == choice.lr else ""
        lines.append(f"| {lr:g}{mark} | " + " | ".join(
            f"{cell[f, lr]['val_acc']:.4f} ({cell[f, lr]['runs']})" for f in families) + " |")
    best = ", ".join(f"{f} {lr:g}" for f, lr in sorted(choice.family_best.items()))
    verdict = ("suits every family" if choice.shared else
               "is the best compromise, but no rate suits every family")
    lines += ["", f"each family's best rate: {best}",
              f"lr {choice.lr:g} {verdict}: its worst family ({choice.worst_family}) falls "
              f"{choice.worst_loss * 100:.2f} points below its own best "
              f"(tolerance {choice.tolerance * 100:.2f}); train the study with --lr-from."]
    return "\n".join(lines)
