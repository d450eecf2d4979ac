"""``topocli rewire``: draw seeded null-model graphs of a connectome and write them out."""

from __future__ import annotations

from pathlib import Path

import click

from topocli.cli.group import cli
from topocli.cli.options import command_line, seed_option, view_options
from topocli.cli.progress import ProgressLine
from topocli.errors import TopocliError
from topocli.nullmodels import registry
from topocli.outdir import probe_writable
from topocli.progress import part_of
from topocli.system import cap_jobs, cpu_count


def _spelled_options() -> dict:
    """Every rewire option of the registry (a :class:`registry.CliOption`) and the models
    that read it, in registration order."""
    readers: dict = {}
    for model in registry.records():
        for option in model.cli:
            readers.setdefault(option, []).append(model.name)
    return readers


def model_options(func):
    """Add one click option per option the registered models spell (``--p``, ``-Q``, ...),
    its help prefixed by the models that read it; the command receives them by name."""
    for option, models in reversed(list(_spelled_options().items())):
        kind = registry.get(models[0]).option(option.param).kind
        typed = {"is_flag": True} if kind == "bool" else \
            {"type": {"int": int, "float": float}.get(kind, str), "default": None}
        func = click.option(*option.flags, option.param, **typed,
                            help=f"{'/'.join(models)}: {option.help}")(func)
    return func


def model_params(models: list[str], options: dict) -> dict[str, dict]:
    """Per-model keyword arguments from the CLI options that were given.

    An option counts as given unless it is None (not passed) or False (a flag not set);
    0 and 0.0 are given values (``0 == False`` in Python, hence the identity tests).
    A value its option's check refuses, or an option none of ``models`` reads, is a
    one-line TopocliError.
    """
    given = {k: v for k, v in options.items() if v is not None and v is not False}
    spelled = {option.param: (option, readers)
               for option, readers in _spelled_options().items()}
    for name, value in given.items():
        spelled[name][0].check(value)
    for name in given:
        option, readers = spelled[name]
        if not set(readers) & set(models):
            raise TopocliError(f"{option.flags[-1]} applies to the {'/'.join(readers)} "
                               f"model, which is not among --model {','.join(models)}")
    return {m: {k: v for k, v in given.items() if m in spelled[k][1]} for m in models}


@cli.command("rewire")
@click.argument("graph")
@click.option("--model", "model_list", default=None,
              help=f"Null models, comma-separated: {', '.join(registry.names())} "
                   "[default: degree, or none with --grid]. degree keeps every "
                   "node's in-, out-degree and mutual pairs (Milo et al. 2002); inout is the "
                   "plain in/out swap; ws, er, ba and lattice match n and m exactly (ws/ba: of "
                   "the undirected view, connected; er on a directed graph also keeps the "
                   "number of mutual pairs).")
@click.option("--grid", "grid", multiple=True, metavar="MODEL.PARAM=V1,V2,...",
              help="A parameter grid, e.g. ws.p=0,0.1,1 (repeatable): COUNT nulls per point "
                   "in OUT/<point>/, and OUT/grid.csv with every parameter a column.")
@click.option("--count", "-n", type=int, default=10, show_default=True,
              help="Nulls per model.")
@seed_option
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for <model>-<index>.graphml.gz and manifest.csv/json.")
@click.option("--jobs", "-j", type=int, default=None,
              help="Worker processes [default: one per core]; results do not depend on it.")
@click.option("--force", is_flag=True,
              help="Overwrite a folder that already has a manifest (the null files it lists "
                   "are removed first).")
@model_options
@view_options
def rewire(graph: str, model_list: str | None, grid: tuple[str, ...], count: int, seed: int,
           out: Path, jobs: int, force: bool, view, **options) -> None:
    """Write COUNT null-model graphs of GRAPH per model, with a manifest.

    \b
    Examples:
      topocli rewire celegans-varshney2011 --model ws,er,ba,degree --count 10 --out nulls/
      topocli rewire celegans-varshney2011 --layer chemical --model degree -Q 20 \\
          --connected --count 100 --jobs 2 --out nulls-degree/
      topocli rewire celegans-varshney2011 --model ws --match-clustering --out ws/
      topocli rewire celegans-varshney2011 --grid ws.p=0,0.01,0.1,1 --count 5 --out ws-p/
    """
    import json

    from topocli import graphs as tg
    from topocli import nullmodels
    from topocli.nullmodels.grid import grid_points, parse_grid, write_grid

    points = grid_points(parse_grid(grid))
    if model_list is None:
        model_list = "" if points else "degree"
    models = [m.strip() for m in model_list.split(",") if m.strip()]
    if not models and not points:
        raise TopocliError("--model is empty; choose from " + ", ".join(registry.names()))
    models = [nullmodels.check_model(m) for m in models]
    if count <= 0:
        raise TopocliError(f"--count must be at least 1, not {count}")
    work = count * max(1, len(models) + len(points))
    if jobs is not None and jobs <= 0:
        raise TopocliError(f"--jobs must be at least 1, not {jobs}")
    jobs = min(cpu_count(), work) if jobs is None else cap_jobs(jobs, work, what="null graphs")
    params = model_params(models + [pt.model for pt in points], options)
    probe_writable(out)   # a folder that cannot be written: one line, before any drawing
    source = tg.load_graph(graph, view)
    meta = {"command": command_line(),
            "graph": graph, "view": json.loads(source["view"]),
            "source_n": source.vcount(), "source_m": source.ecount(),
            "source_directed": source.is_directed(),
            "notes": f"{', '.join(registry.undirected_models())} are undirected models: a "
                     "directed source is matched through its undirected view; "
                     f"{'/'.join(m.name for m in registry.records() if not m.keeps_nodes)} "
                     "nodes are n0.. with the source's classes in a seeded random order"}
    total = count * (len(models) + len(points))
    with ProgressLine(tty_only=True) as display:   # one count over the models and the grid
        rows = (nullmodels.write_ensemble(source, models, count, out, seed=seed, jobs=jobs,
                                          params=params, force=force, meta=meta,
                                          progress=part_of(display, 0, total))
                if models else [])
        grid_rows = write_grid(source, points, count, out, seed=seed, jobs=jobs,
                               params=params, force=force, meta=meta,
                               progress=part_of(display, count * len(models), total))
    if models:
        click.echo(f"wrote {len(rows)} null graphs ({', '.join(models)}) and "
                   f"manifest.csv/json to {out}")
    if points:
        click.echo(f"wrote {len(grid_rows)} null graphs at {len(points)} grid points and "
                   f"grid.csv to {out}")
