"""Options shared by several commands (graph views, seeds), defined once, and the one
recorder of the command line that a result folder keeps."""

from __future__ import annotations

import functools
import shlex

import click

from topocli.graphs import LAYERS, GraphView

_ARGV = "topocli.argv"


class RecordingGroup(click.Group):
    """The ``topocli`` group: keeps the arguments it was given, before click parses them,
    so that :func:`command_line` can write down the command exactly as typed, global
    options (``-v``, ``-q``) included."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta.setdefault(_ARGV, list(args))   # (click consumes ``args`` as it parses)
        return super().parse_args(ctx, args)


def command_line() -> str:
    """The running command as a shell line, ``topocli -v analyze g --out 'my dir'``, for a
    result folder's ``config.json`` or manifest.

    Read from the arguments the ``topocli`` group parsed (not ``sys.argv``), so it is the
    same under the console script, ``python -m topocli`` and click's test runner.
    """
    args = click.get_current_context().meta.get(_ARGV, [])
    return shlex.join(["topocli", *args])


def view_options(func):
    """Add the graph-view options; the command receives ``view: GraphView``."""

    @click.option("--layer", type=click.Choice(LAYERS), default="both", show_default=True,
                  help="Synapse types: chemical, electrical (gap junctions) or both.")
    @click.option("--directed/--undirected", "directed", default=None,
                  help="Force directed or undirected (default: as the source).")
    @click.option("--weighted", is_flag=True, help="Use synapse counts as edge weights.")
    @click.option("--all-cells", is_flag=True,
                  help="Keep muscles, glia and other non-neurons (default: neurons only).")
    @click.option("--all-components", is_flag=True,
                  help="Keep every component (default: largest weakly connected one).")
    @click.option("--min-synapses", type=float, default=1.0, show_default=True,
                  help="Drop connections with fewer synapses (e.g. 5 as Milo et al. 2002).")
    @click.option("--keep-isolated", is_flag=True,
                  help="With --all-components, keep nodes that have no edge.")
    @functools.wraps(func)
    def wrapper(*args, layer, directed, weighted, all_cells, all_components, min_synapses,
                keep_isolated, **kwargs):
        view = GraphView(layer=layer, directed=directed, weighted=weighted,
                         neurons_only=not all_cells, largest_component=not all_components,
                         min_synapses=min_synapses, keep_isolated=keep_isolated)
        return func(*args, view=view, **kwargs)

    return wrapper


seed_option = click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
                           help="Base random seed; every random stream derives from it.")


report_option = click.option("--report", "write_report", is_flag=True,
                             help="Also write the HTML report to OUT/report/index.html "
                                  "(as topocli report OUT does).")


def write_report(directory) -> None:
    """Write ``directory/report/index.html`` and say where it is (``--report``)."""
    from topocli.reports import build_report

    index = build_report(directory)
    click.echo(f"topocli: report: {index}", err=True)
