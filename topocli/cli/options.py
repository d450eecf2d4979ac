"""Options shared by several commands (graph views, seeds, config fields), defined once,
and the one recorder of the command line that a result folder keeps."""

from __future__ import annotations

import dataclasses
import functools
import shlex
import typing

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


def split_names(value: str | tuple[str, ...], known: tuple[str, ...],
                what: str = "task") -> tuple[str, ...]:
    """``a,b`` -> ``("a", "b")``, each checked against ``known`` (click's one-line error)."""
    names = value if isinstance(value, tuple) else \
        tuple(t.strip() for t in str(value).split(",") if t.strip())
    for name in names:
        if name not in known:
            raise click.BadParameter(f"unknown {what} {name!r}; choose from "
                                     f"{', '.join(known)}")
    return names


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


def config_options(config_cls, *, skip: tuple[str, ...] = ()):
    """Click options generated from a config dataclass's fields (datasette-style).

    Each field with ``metadata["cli"]`` true (:func:`topocli.training.config._option`)
    becomes ``--field-name`` with the field's default, its ``help`` and its ``choices``
    (a ``click.Choice``, an ``IntRange`` for integer choices, nothing where ``strict`` is
    false: the config's ``validate`` checks those); booleans become flags. The default
    and the help live in the dataclass only. Returns one decorator for all of them, in
    field order; the command receives each value under the field's name.
    """
    hints = typing.get_type_hints(config_cls)
    decorators = []
    for f in dataclasses.fields(config_cls):
        meta = f.metadata
        if not meta.get("cli") or f.name in skip:
            continue
        kind = _base_type(hints[f.name])
        name = "--" + f.name.replace("_", "-")
        extra: dict = {}
        if kind is bool:
            extra["is_flag"] = True
        else:
            extra["type"] = _click_type(kind, meta)
            extra["show_default"] = f.default is not None
        if meta.get("metavar"):
            extra["metavar"] = meta["metavar"]
        decorators.append(click.option(name, default=f.default, help=meta["help"], **extra))

    def decorate(func):
        for decorator in reversed(decorators):
            func = decorator(func)
        return func

    return decorate


def _base_type(hint) -> type:
    """``int`` for ``int | None``, and so on."""
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    return args[0] if args else hint


def _click_type(kind: type, meta) -> click.ParamType | type:
    choices = meta.get("choices") if meta.get("strict", True) else None
    if choices and kind is int:
        if sorted(choices) != list(range(min(choices), max(choices) + 1)):
            raise ValueError(f"integer choices must be a range, not {choices}")
        return click.IntRange(min(choices), max(choices))
    if choices:
        return click.Choice(choices)
    if meta.get("path"):
        return click.Path()
    return kind
