"""``topocli report``: the HTML report of an analyze or train-sweep folder."""

from __future__ import annotations

from pathlib import Path

import click

from topocli.cli.group import cli
from topocli.cli.options import seed_option


@cli.command("report")
@click.argument("directory", metavar="DIR", type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Report folder (default: DIR/report); a previous report there is "
                   "replaced, any other non-empty folder is refused.")
@click.option("--resamples", type=click.IntRange(min=0), default=2000, show_default=True,
              help="Bootstrap resamples and permutations per correlation.")
@click.option("--metric", default=None,
              help="runs.csv column a sweep is scored by [default: test_acc, or a reservoir "
                   "sweep's first score_<task>]; accuracies and the reservoir scores know "
                   "their direction and range (NRMSE: lower is better).")
@click.option("--higher-is-better/--lower-is-better", "higher_is_better", default=None,
              help="The metric's direction, for a column topocli does not know [default: "
                   "lower for names with err, loss, nrmse, mse, time or cost, else higher].")
@click.option("--with", "joined", multiple=True, metavar="OTHER",
              type=click.Path(path_type=Path),
              help="Another sweep folder of the same experiment (same data, protocol, "
                   "graph and seeds; other null families): its families join DIR's in "
                   "one report (default --out: DIR/report-with-OTHER). Repeatable.")
@seed_option
def report(directory: Path, out: Path | None, resamples: int, metric: str | None,
           higher_is_better: bool | None, joined: tuple[Path, ...], seed: int) -> None:
    """Write DIR/report/index.html (plus PNGs and CSVs) for an analyze or sweep folder.

    \b
    The page opens from disk with no network. For a sweep: does each real connectome
    beat its null families: the primary comparison declared before the runs (default:
    the degree-preserving nulls) with an interval that counts every noise source and
    the equivalence bound it reaches, the graph-effect test, secondary comparisons
    corrected for their number, ranks with intervals, null families of another size
    named as such; what the sweep can detect, whether accuracy is at the ceiling and
    whether the runs ended still learning; which statistic explains the score
    (Spearman/Pearson with bootstrap CIs, permutation p, Holm, partial correlation
    controlling for edges and parameters, a standardised regression); accuracy over
    the clustering x path-length plane with the sweet spot. For analyze: each statistic
    against its nulls, degrees, motifs, adjacency matrices by class and community,
    class-to-class edges.

    \b
    Examples:
      topocli report sweep/
      topocli report analysis/ --out analysis-report/
      topocli report rsweep/ --metric score_narma10      # NRMSE: lower is better
      topocli report study/ --with controls/   # the controls' families beside the study's
    """
    from topocli.reports import build_report

    index = build_report(directory, out, seed=seed, resamples=resamples, metric=metric,
                         higher_is_better=higher_is_better, joined=joined)
    click.echo(f"wrote {index}")
