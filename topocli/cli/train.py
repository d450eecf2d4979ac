"""``topocli train``: turn one graph into a RandWire-style network and train it."""

from __future__ import annotations

import functools
import json

import click
from click.core import ParameterSource

from topocli.cli import cli
from topocli.cli.options import seed_option, view_options
from topocli.cli.progress import ProgressLine

# Literal copies (checked by tests) so that ``topocli --help`` does not import torch.
DAG_METHODS = ("random-order", "generator-order", "class-order", "feedback-arc")
DATASETS = ("digits", "mnist", "fashion-mnist", "kmnist", "cifar10")
HEADS = ("pool", "flatten", "randwire")
PRESETS = ("dcn", "randwire-small")

#: Option name -> TrainConfig field, for the options a preset may set.
_CONFIG_OPTIONS = ("dag", "dataset", "data_dir", "epochs", "patience", "batch_size", "lr",
                   "optimizer", "momentum", "weight_decay", "label_smoothing", "channels", "stages",
                   "stem_stride", "stem_convs", "stage_stride", "channel_growth", "head",
                   "frozen", "no_graph", "val_fraction", "max_train", "threads", "device")


def train_options(func):
    """Add the training options; the command receives ``config: TrainConfig`` (seed 0:
    the command sets the seed itself, e.g. ``config.replace(seed=seed)``).

    ``--preset`` fills in a named set of values; options given on the command line
    override them, and the config records the preset and every final value.
    """

    @click.option("--preset", type=click.Choice(PRESETS), default=None,
                  help="Named settings: 'dcn' (Roberts et al. 2019: stem conv stride 2, one "
                       "stage at stride 1, flatten head, C=78, Adam 1e-3, no weight decay, "
                       "batch 32) or 'randwire-small' (Xie et al. 2019's small regime: two "
                       "stem convs, stages C/2C/4C at stride 2, randwire head, SGD 0.1, "
                       "label smoothing 0.1). Options given explicitly override it.")
    @click.option("--dag", type=click.Choice(DAG_METHODS), default="random-order",
                  show_default=True, help="How the graph becomes a DAG (generator-order: "
                  "the node order of the file or generator, as Xie et al.).")
    @click.option("--dataset", default="digits", show_default=True,
                  help=f"One of {', '.join(DATASETS)} (digits is bundled and mnist1d "
                       "generated offline; the others read --data-dir).")
    @click.option("--data-dir", type=click.Path(), default=None,
                  help="Folder with the dataset files (IDX or CIFAR-10 binary).")
    @click.option("--epochs", type=int, default=5, show_default=True)
    @click.option("--patience", type=int, default=0, show_default=True, metavar="N",
                  help="Stop a run when validation accuracy has not improved for N epochs; "
                       "--epochs is the cap; test accuracy at the best validation epoch "
                       "(0: off).")
    @click.option("--batch-size", type=int, default=64, show_default=True)
    @click.option("--lr", type=float, default=0.01, show_default=True,
                  help="Peak learning rate (half-period cosine schedule to 0).")
    @click.option("--optimizer", type=click.Choice(["adam", "sgd"]), default="adam",
                  show_default=True, help="Adam, or SGD with --momentum.")
    @click.option("--momentum", type=float, default=0.9, show_default=True)
    @click.option("--weight-decay", type=float, default=5e-5, show_default=True)
    @click.option("--label-smoothing", type=float, default=0.0, show_default=True)
    @click.option("--channels", type=int, default=16, show_default=True,
                  help="Channels C of the stem and of the first stage's nodes.")
    @click.option("--stages", type=int, default=1, show_default=True,
                  help="DAG stages (each one after the first halves the resolution).")
    @click.option("--stem-stride", type=click.Choice(["1", "2"]), default=None,
                  help="Stride of each stem conv (default: 2 for inputs >= 16 px, else 1).")
    @click.option("--stem-convs", type=click.IntRange(1, 2), default=1, show_default=True,
                  help="Stem convs: 1 (C channels) or 2 (C/2 then C, Xie et al.).")
    @click.option("--stage-stride", type=click.IntRange(1, 2), default=1, show_default=True,
                  help="Stride of the first stage's input nodes (Xie et al.: 2; DCN: 1).")
    @click.option("--channel-growth", type=click.IntRange(1, 2), default=1,
                  show_default=True, help="Channel multiplier per stage (Xie et al.: 2).")
    @click.option("--head", type=click.Choice(HEADS), default="pool", show_default=True,
                  help="Classifier head: pool (ReLU, global pool, linear), flatten (ReLU, "
                       "flatten, linear) or randwire (1x1 conv to 1,280 + BN + ReLU, "
                       "global pool, linear).")
    @click.option("--frozen", is_flag=True,
                  help="Do not train the DAG stage (DCN's frozen variant).")
    @click.option("--no-graph", is_flag=True,
                  help="Stem and head only (DCN's baseline); GRAPH is ignored.")
    @click.option("--val-fraction", type=float, default=0.1, show_default=True)
    @click.option("--max-train", type=int, default=None,
                  help="Use only this many training images.")
    @click.option("--threads", type=int, default=None,
                  help="Cap torch's CPU threads (default: torch's choice).")
    @click.option("--device", default="auto", show_default=True,
                  help="auto (a CUDA GPU, then Apple MPS, then the CPU), cpu, cuda, cuda:N "
                       "or mps; a device that is not there is an error, never a fall-back.")
    @functools.wraps(func)
    def wrapper(*args, preset, **kwargs):
        from topocli.training.config import config_from_preset

        ctx = click.get_current_context()
        values = {name: kwargs.pop(name) for name in _CONFIG_OPTIONS}
        if values["stem_stride"] is not None:
            values["stem_stride"] = int(values["stem_stride"])
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
