"""``topocli graphs``: list, inspect, export and regenerate graphs."""

from __future__ import annotations

from pathlib import Path

import click
import numpy as np
import pandas as pd

from topocli import graphs as tg
from topocli.cli.group import cli
from topocli.cli.options import seed_option, view_options
from topocli.errors import TopocliError
from topocli.graphs import bundled, converters


@cli.group(invoke_without_command=True)
@click.pass_context
def graphs(ctx: click.Context) -> None:
    """List the bundled connectomes (or use a subcommand).

    \b
    Examples:
      topocli graphs
      topocli graphs show celegans-white1986 --layer chemical --min-synapses 5
      topocli graphs export celegans-varshney2011 varshney.graphml.gz
      topocli graphs make ws --n 32 --k 4 --p 0.75 --seed 0 --out ws.graphml
    """
    if ctx.invoked_subcommand is None:
        click.echo(bundled_table().to_string(index=False))


def bundled_table() -> pd.DataFrame:
    rows = []
    for name, info in bundled.index().items():
        c = info["counts"]
        rows.append({"name": name, "species": info.get("species", ""), "nodes": c["nodes"],
                     "neurons": c["neurons"], "chemical": c["chemical_edges"],
                     "electrical": c["electrical_edges"],
                     "source": short_citation(info["paper"]),
                     "licence": info.get("licence", "")})
    return pd.DataFrame(rows)


def short_citation(paper: str) -> str:
    """``Eichler et al. (2017)`` from a full reference ``Eichler, Li, ... (2017) Title...``."""
    authors, _, rest = paper.partition(" (")
    year = rest[:4]
    first = authors.split(",")[0].split(" & ")[0].split(" et al")[0].strip()
    several = "," in authors or "&" in authors or "et al" in authors
    return f"{first}{' et al.' if several else ''} ({year})"


def describe(graph) -> str:
    deg = np.array(graph.degree(), dtype=float)
    lines = [f"source      {graph['source']}",
             f"view        {tg.GraphView(**__import__('json').loads(graph['view'])).describe()}",
             f"nodes       {graph.vcount()}",
             f"edges       {graph.ecount()} "
             f"({'directed' if graph.is_directed() else 'undirected'})"]
    types = pd.Series(graph.es["synapse_type"]).value_counts()
    lines.append("edge types  " + ", ".join(f"{k} {v}" for k, v in types.items()))
    classes = pd.Series(graph.vs["cell_class"]).value_counts()
    lines.append("classes     " + ", ".join(f"{k} {v}" for k, v in classes.items()))
    lines.append(f"degree      mean {deg.mean():.2f}, median {np.median(deg):g}, "
                 f"min {deg.min():g}, max {deg.max():g} (in+out)")
    if graph.is_directed():
        ind, outd = np.array(graph.indegree()), np.array(graph.outdegree())
        lines.append(f"in/out      max in {ind.max()}, max out {outd.max()}, "
                     f"sources {(ind == 0).sum()}, sinks {(outd == 0).sum()}")
    lines.append(f"synapses    {int(sum(graph.es['synapses']))}")
    return "\n".join(lines)


@graphs.command("show")
@click.argument("graph")
@view_options
def show(graph: str, view: tg.GraphView) -> None:
    """Counts, cell classes and degrees of GRAPH under the chosen view (and, for a bundled
    graph, its source and what each source cell type became)."""
    click.echo(describe(tg.load_graph(graph, view)))
    info = bundled.index().get(graph)
    if info is not None:
        click.echo(f"species     {info.get('species', '')}\n"
                   f"paper       {info['paper']} (doi:{info['doi']})\n"
                   f"licence     {info.get('licence', '')}")
        for source_type, became in info.get("class_map", {}).items():
            click.echo(f"class map   {source_type}: {became}")


@graphs.command("export")
@click.argument("graph")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--raw", is_flag=True, help="Export the raw graph (all cells, both layers) "
              "instead of the view.")
@click.option("--force", is_flag=True, help="Overwrite OUT if it exists.")
@view_options
def export(graph: str, out: Path, raw: bool, force: bool, view: tg.GraphView) -> None:
    """Write GRAPH as GraphML (.graphml or .graphml.gz) for other tools."""
    if out.exists() and not force:
        raise TopocliError(f"{out} exists; pass --force to overwrite it")
    if not out.name.endswith((".graphml", ".graphml.gz")):
        raise TopocliError(f"{out}: export writes GraphML; name it .graphml or .graphml.gz")
    g = tg.load_raw(graph) if raw else tg.load_graph(graph, view)
    tg.write_graphml(g, out)
    click.echo(f"wrote {out} ({g.vcount()} nodes, {g.ecount()} edges)")


@graphs.command("regenerate")
@click.option("--cect-dir", type=click.Path(exists=True, file_okay=False),
              help="An unpacked cect wheel (default: the installed cect package).")
@click.option("--bock2011-dir", type=click.Path(exists=True, file_okay=False),
              help="Instead of cect: rebuild mouse-v1-bock2011 from this folder "
                   "(edges.csv and mouse_v1_bock2011.graphml).")
@click.option("--fly", "fly", type=click.Choice(["all", "graspologic", "flyvis"]),
              help="Instead of cect: rebuild the Drosophila graphs (the larval mushroom body "
                   "from graspologic, the visual system from flyvis, or both), read from the "
                   "installed packages (never imported) or the wheels given below.")
@click.option("--graspologic-wheel", type=click.Path(exists=True, dir_okay=False),
              help="With --fly: a graspologic wheel to read instead of the installed package.")
@click.option("--flyvis-wheel", type=click.Path(exists=True, dir_okay=False),
              help="With --fly: a flyvis wheel to read instead of the installed package.")
@click.option("--flyvis-extent", type=click.IntRange(0, 40), default=None,
              help="With --fly: column radius of the visual-system expansion "
                   "(1 + 3r(r+1) columns; default 3, the bundled 37 columns; 15 is flyvis's "
                   "721). Other radii are named drosophila-visual-lappalainen2024-r<r>.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              default=bundled.DATA_DIR, show_default=True, help="Folder to write into.")
def regenerate(cect_dir: str | None, bock2011_dir: str | None, fly: str | None,
               graspologic_wheel: str | None, flyvis_wheel: str | None,
               flyvis_extent: int | None, out: Path) -> None:
    """Rebuild the bundled connectome files from cect (pip install 'topocli[cect]').

    \b
    Examples:
      topocli graphs regenerate --fly all
      topocli graphs regenerate --fly flyvis --flyvis-extent 15 --out big/
    """
    if bock2011_dir is not None:
        index = {"mouse-v1-bock2011": converters.regenerate_bock2011(bock2011_dir, out)}
    elif fly is not None:
        only = ("graspologic", "flyvis") if fly == "all" else (fly,)
        index = converters.regenerate_fly(out, graspologic_wheel=graspologic_wheel,
                                          flyvis_wheel=flyvis_wheel, extent=flyvis_extent,
                                          only=only)
    else:
        index = converters.regenerate(out, cect_dir)
    for name, info in index.items():
        click.echo(f"{name}: {info['counts']['nodes']} nodes -> {out / info['file']}")


#: The largest graph ``graphs make`` draws (a connectome is thousands of edges; the
#: bound keeps a typo such as --n 100000000 from filling memory and disk).
MAKE_MAX_EDGES = 10_000_000


@graphs.group("make")
def make() -> None:
    """Make a model graph (written as GraphML, nodes in the generator's order)."""


@make.command("ws")
@click.option("--n", "n", type=int, required=True, help="Nodes on the ring.")
@click.option("--k", "k", type=int, required=True, help="Ring neighbours (even).")
@click.option("--p", "p", type=float, required=True,
              help="Rewiring probability (0: the unrewired ring).")
@seed_option
@click.option("--allow-disconnected", is_flag=True,
              help="Keep the first draw even if disconnected (default: redraw until "
                   "connected, as networkx's connected_watts_strogatz_graph).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="GraphML file to write (.graphml or .graphml.gz).")
@click.option("--force", is_flag=True, help="Overwrite OUT if it exists.")
def make_ws(n: int, k: int, p: float, seed: int, allow_disconnected: bool, out: Path,
            force: bool) -> None:
    """A Watts-Strogatz graph WS(n, k, p), nodes numbered clockwise around the ring.

    \b
    Examples (Deep Connectomics Networks, Table 1 and the authors' code):
      topocli graphs make ws --n 32 --k 4 --p 0 --out ring.graphml
      topocli graphs make ws --n 32 --k 4 --p 0.75 --seed 0 --out ws.graphml
    """
    from topocli.nullmodels.smallworld import ring_watts_strogatz

    if out.exists() and not force:
        raise TopocliError(f"{out} exists; pass --force to overwrite it")
    if not out.name.endswith((".graphml", ".graphml.gz")):
        raise TopocliError(f"{out}: make writes GraphML; name it .graphml or .graphml.gz")
    edges = n * k // 2
    if edges > MAKE_MAX_EDGES:   # refused before drawing: a ring this size takes hours
        raise TopocliError(
            f"WS(n={n:,}, k={k}) has {edges:,} edges, about {edges * 60 / 1e9:.1f} GB of "
            f"GraphML and {edges * 100 / 1e9:.1f} GB of memory while drawing; topocli "
            f"graphs make stops at {MAKE_MAX_EDGES:,} edges")
    g = ring_watts_strogatz(n, k, p, seed=seed, connected=not allow_disconnected)
    tg.write_graphml(g, out)
    click.echo(f"wrote {out} ({g.vcount()} nodes, {g.ecount()} edges, {g['source']})")
