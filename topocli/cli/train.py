"""``topocli train``: turn one graph into a RandWire-style network and train it."""

from __future__ import annotations

import dataclasses
import functools
import json

import click
from click.core import ParameterSource

from topocli.cli.group import cli
from topocli.cli.options import config_options, seed_option, view_options
from topocli.cli.progress import ProgressLine
from topocli.training.config import TrainConfig, config_from_preset

#: The TrainConfig fields that are options (all but the preset, which picks the values).
CONFIG_OPTIONS = tuple(f.name for f in dataclasses.fields(TrainConfig)
                       if f.metadata["cli"] and f.name != "preset")


def train_options(func):
    """Add the training options, generated from :class:`TrainConfig`'s fields (their
    defaults, help and choices: :func:`topocli.cli.options.config_options`); the command
    receives ``config: TrainConfig`` (seed 0: the command sets the seed itself, e.g.
    ``config.replace(seed=seed)``).

    ``--preset`` fills in a named set of values; options given on the command line
    override them, and the config records the preset and every final value.
    """

    @config_options(TrainConfig)
    @functools.wraps(func)
    def wrapper(*args, preset, **kwargs):
        ctx = click.get_current_context()
        values = {name: kwargs.pop(name) for name in CONFIG_OPTIONS}
        # A preset fills in what the command line leaves at its default.
        explicit = {name: value for name, value in values.items()
                    if preset is None or ctx.get_parameter_source(name)
                    not in (ParameterSource.DEFAULT, ParameterSource.DEFAULT_MAP)}
        config = config_from_preset(preset, **explicit)
        return func(*args, config=config, **kwargs)

    return wrapper


@cli.command("train")
@click.argument("graph", required=False)
@view_options
@train_options
@seed_option
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Folder for result.json, curve.csv, config.json, checkpoint.pt "
                   "(an existing run there with the same config is resumed).")
@click.option("--json", "as_json", is_flag=True, help="Print the result JSON on stdout.")
def train_command(graph, view, config, seed, out, as_json):
    """Train the RandWire-style network wired like GRAPH and report its accuracy.

    \b
    Examples:
      topocli train celegans-varshney2011 --out run/
      topocli train celegans-varshney2011 --dag feedback-arc --epochs 5
      topocli train --no-graph --dataset mnist --data-dir data/mnist --out base/
      topocli train mouse-v1-bock2011 --undirected --all-components --keep-isolated \\
          --preset dcn --channels 8 --frozen --dataset mnist --data-dir data/mnist
    """
    from topocli.errors import TopocliError
    from topocli.graphs import load_graph
    from topocli.training import train_graph

    config = config.replace(seed=seed).validate()
    if graph is None and not config.no_graph:
        raise TopocliError("missing GRAPH (a bundled name or a file; topocli graphs lists "
                           "them), or pass --no-graph for the baseline")
    loaded = None if config.no_graph else load_graph(graph, view)
    display = ProgressLine(enabled=not as_json or out is not None)
    with display:
        result = train_graph(loaded, config, out_dir=out, progress=display)
    if as_json:
        click.echo(json.dumps(result, indent=2))
        return
    dag = result["dag"]
    wiring = (f"DAG {dag['method']}: {dag['n_nodes']} nodes, {dag['edges_kept']} edges, "
              f"depth {dag['depth']}, widest level {dag['max_width']}, "
              f"{dag['n_inputs']} inputs, {dag['n_outputs']} outputs") if dag else "no graph"
    click.echo(wiring)
    click.echo(f"params {result['params']:,}  MACs/image {result['macs']:,}")
    val = "n/a" if result["val_acc"] is None else f"{result['val_acc']:.4f}"
    click.echo(f"test_acc {result['test_acc']:.4f}  val_acc {val}  "
               f"test_loss {result['test_loss']:.4f}  "
               f"{result['wall_time_s']:.1f} s, {result['images_per_s']:.0f} images/s")
    if "best_epoch" in result:   # --patience
        end = (f"stopped after epoch {result['epochs_run']}" if result["stopped_early"]
               else f"ran to the --epochs cap ({result['epochs_run']})")
        click.echo(f"{end}; scores at the best validation epoch, {result['best_epoch']}")
    if out:
        click.echo(f"wrote {out}/result.json and {out}/curve.csv")
