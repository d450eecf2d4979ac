"""``topocli reservoir``: score one graph as an echo-state or spiking reservoir.

Imports only numpy/scipy/igraph on this path (never torch), so the command starts fast.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import click

from topocli.cli.control import CONTROL_TASK_NAMES
from topocli.cli.group import cli
from topocli.cli.options import seed_option, split_names, view_options

# Literal copies (checked by tests) so that ``topocli --help`` imports nothing heavy.
TASK_NAMES = ("memory-capacity", "narma10", "mackey-glass", "digits")
NEURON_NAMES = ("esn", "lif")
SIGN_RULE_NAMES = ("auto", "synapse", "transmitter", "random", "none")
NODE_CHOICE_NAMES = ("auto", "all")


def _split_tasks(ctx, param, value: str) -> tuple[str, ...]:
    # train-sweep's --task also names the controller's tasks (--model controller)
    known = TASK_NAMES + (CONTROL_TASK_NAMES if ctx.command.name == "train-sweep" else ())
    return split_names(value, known, "task")


def reservoir_options(func):
    """Add the reservoir options; the command receives ``reservoir: ReservoirConfig``
    (seed 0: the command sets it, ``weighted`` from the view's ``--weighted``)."""

    @click.option("--task", "tasks", default="memory-capacity", show_default=True,
                  callback=_split_tasks,
                  help=f"Comma-separated: {', '.join(TASK_NAMES)}.")
    @click.option("--neuron", type=click.Choice(NEURON_NAMES), default="esn",
                  show_default=True,
                  help="esn: leaky tanh echo-state units; lif: leaky integrate-and-fire "
                       "spiking neurons (liquid state).")
    @click.option("--spectral-radius", type=float, default=0.9, show_default=True,
                  help="Spectral radius the signed graph matrix is scaled to (> 0).")
    @click.option("--leak", type=float, default=1.0, show_default=True,
                  help="Leak rate in (0, 1] of the echo-state units (1: no leak).")
    @click.option("--input-scaling", type=float, default=None,
                  help="Input weights are uniform in [-s, s]  [default: 0.1 for esn, 1.0 for "
                       "lif, whose input adds to a bias current just below threshold].")
    @click.option("--signs", type=click.Choice(SIGN_RULE_NAMES), default="auto",
                  show_default=True,
                  help="synapse: each node's sign from the synapse signs of the graph "
                       "file (the fly visual system's); transmitter: GABAergic neurons "
                       "inhibitory; random: a seeded --inhibitory-fraction of nodes; "
                       "auto: synapse, else transmitter, where the graph has the data, "
                       "else random; none: all excitatory.")
    @click.option("--inhibitory-fraction", type=float, default=0.2, show_default=True,
                  help="Share of inhibitory nodes for --signs random.")
    @click.option("--input-nodes", type=click.Choice(NODE_CHOICE_NAMES), default="auto",
                  show_default=True,
                  help="auto: sensory neurons when the graph has classes, else all nodes.")
    @click.option("--readout-nodes", type=click.Choice(NODE_CHOICE_NAMES), default="auto",
                  show_default=True,
                  help="auto: motor neurons when the graph has classes, else all nodes.")
    @click.option("--activation", type=click.Choice(("tanh", "linear")), default="tanh",
                  show_default=True, help="Echo-state unit (linear: a linear reservoir).")
    @click.option("--steps", type=int, default=4000, show_default=True,
                  help="Length of the time series (memory capacity, NARMA-10, Mackey-Glass).")
    @click.option("--washout", type=int, default=200, show_default=True,
                  help="First steps not used by the readout.")
    @click.option("--max-delay", type=int, default=0, show_default=True,
                  help="Memory-capacity delays 1..K (0: as many as the graph has nodes).")
    @click.option("--steps-per-input", type=int, default=10, show_default=True,
                  help="lif: 1-ms steps each input value is held for.")
    @click.option("--synaptic-delay", type=int, default=0, show_default=True,
                  help="lif: synaptic delays drawn uniform in 1..D ms (0: 1 ms everywhere).")
    @functools.wraps(func)
    def wrapper(*args, tasks, neuron, spectral_radius, leak, input_scaling, signs,
                inhibitory_fraction, input_nodes, readout_nodes, activation, steps, washout,
                max_delay, steps_per_input, synaptic_delay, **kwargs):
        from topocli.reservoir import LIFParameters, ReservoirConfig

        config = ReservoirConfig(
            tasks=tasks, neuron=neuron, spectral_radius=spectral_radius, leak=leak,
            input_scaling=input_scaling, signs=signs,
            inhibitory_fraction=inhibitory_fraction, input_nodes=input_nodes,
            readout_nodes=readout_nodes, activation=activation, steps=steps,
            washout=washout, max_delay=max_delay,
            lif=LIFParameters(steps_per_input=steps_per_input, max_delay=synaptic_delay))
        return func(*args, reservoir=config, **kwargs)

    return wrapper


@cli.command("reservoir")
@click.argument("graph")
@view_options
@reservoir_options
@seed_option
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="Also write the result JSON to this file.")
@click.option("--json", "as_json", is_flag=True, help="Print the result JSON on stdout.")
def reservoir_command(graph, view, reservoir, seed, out, as_json):
    """Score GRAPH as a reservoir: only a ridge readout is trained.

    The graph is the recurrent matrix (synapse counts with --weighted), signed by Dale's
    principle and scaled to --spectral-radius; each --task reports its standard score:
    memory capacity in delays (Jaeger 2001), NARMA-10 NRMSE, Mackey-Glass (tau 17)
    84-step-ahead NRMSE, sequential 8x8 digits test accuracy. The ridge is chosen on a
    validation split. --neuron lif also reports synaptic events per input sample.

    \b
    Examples:
      topocli reservoir celegans-varshney2011 --task memory-capacity --json
      topocli reservoir celegans-varshney2011 --task narma10,mackey-glass --leak 0.3
      topocli reservoir celegans-varshney2011 --neuron lif --task digits
    """
    from topocli.fileio import write_json_atomic
    from topocli.graphs import load_graph
    from topocli.outdir import probe_writable
    from topocli.reservoir import score_reservoir

    config = reservoir.replace(seed=seed, weighted=view.weighted).validate()
    if out:   # a file that cannot be written: one line, before the reservoir runs
        probe_writable(Path(out).parent, option="the folder of --out")
    result = score_reservoir(load_graph(graph, view), config)
    result["graph"] = {"source": str(graph), "view": view.to_dict()}
    if out:
        write_json_atomic(out, result)
    if as_json:
        click.echo(json.dumps(result, indent=2, default=float))
        return
    d = result["description"]
    click.echo(f"{d['n_nodes']} nodes, {d['n_edges']} edges "
               f"({'directed' if d['directed'] else 'undirected'}, "
               f"{'weighted' if d['weighted'] else 'binary'}); signs {d['signs']} "
               f"({d['inhibitory_nodes']} inhibitory); input {d['input_nodes']} "
               f"({d['n_input']}), readout {d['readout_nodes']} ({d['n_readout']})")
    for task, score in result["scores"].items():
        line = f"{task}: {result['score_names'][task]} {score:.4f}"
        if "synaptic_events_per_sample" in result:
            line += (f"  synaptic events/sample "
                     f"{result['synaptic_events_per_sample'][task]:,.0f}")
        line += (f"  ~{result['energy_pj_per_sample_estimate'][task] / 1e3:,.1f} nJ/sample "
                 "(estimate)")
        click.echo(line)
    click.echo(f"{result['wall_time_s']:.2f} s" + (f"; wrote {out}" if out else ""))
