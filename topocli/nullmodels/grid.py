"""Parameter grids over null-model generators: ``--grid MODEL.PARAM=V1,V2,...``.

A grid names values for one parameter of one generator (``ws.p=0,0.01,0.1,1``).
Several grids of the same model multiply (``ws.p=0,1`` with ``ws.k=4,8`` gives four
points); grids of different models are independent. Each point is a family of graphs
of its own, labelled ``ws p=0.01`` (``ws k=4 p=0.01`` for several parameters), drawn
with the seeds :func:`topocli.nullmodels.generate_many` uses (null ``i`` of every point
of ``ws`` draws from ``derive_seed(seed, "ws", i)``: common random numbers, so two points
differ by their parameters, not by their draws).

Names and types are checked against the model's registry record (its generator's
signature) before anything is drawn, so a typo
(``ws.pp=0.1``) is a one-line error, not a failed sweep an hour later.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from topocli.errors import TopocliError
from topocli.progress import ProgressFn, part_of

__all__ = ["GridPoint", "check_value", "format_value", "grid_points", "parameter_columns",
           "parse_grid", "parse_value", "write_grid"]

_SPEC = re.compile(r"^\s*([A-Za-z0-9_]+)\.([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$", re.S)


@dataclass(frozen=True)
class GridPoint:
    """One point of a grid: a generator and its parameter values (sorted by name)."""

    model: str
    params: tuple[tuple[str, object], ...]

    def as_dict(self) -> dict[str, object]:
        return dict(self.params)

    @property
    def label(self) -> str:
        """The family label: ``ws p=0.01`` (the model, then ``name=value`` pairs)."""
        return " ".join([self.model] + [f"{k}={format_value(v)}" for k, v in self.params])

    @property
    def slug(self) -> str:
        """A file-name-safe form of the label: ``ws.p0.01``."""
        text = ".".join([self.model] + [f"{k}{format_value(v)}" for k, v in self.params])
        return re.sub(r"[^A-Za-z0-9._-]+", "_", text)


def parse_value(text: str) -> object:
    """``"0.1"`` -> 0.1, ``"4"`` -> 4, ``"true"`` -> True, anything else stays a string."""
    word = text.strip()
    if word.lower() in ("true", "false"):
        return word.lower() == "true"
    for kind in (int, float):
        try:
            return kind(word)
        except ValueError:
            pass
    return word


def format_value(value: object) -> str:
    """The shortest faithful text of a grid value (``0.01``, ``4``, ``true``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value) if value != int(value) else f"{value:.1f}".rstrip("0").rstrip(".")
    return str(value)


def check_value(model: str, param: str, value: object) -> object:
    """``value`` if it has the type ``model``'s ``param`` is declared with (its
    :class:`~topocli.nullmodels.registry.ModelOption`), else a one-line
    :class:`TopocliError` (``ws.k=2.5``: an int is declared; ``ws.p=nan``: a number must
    be finite; ``er.keep_mutual=maybe``: a bool is declared)."""
    import math

    from topocli.nullmodels import registry

    kinds = registry.get(model).option(param).kinds
    shown = f"{model}.{param}={format_value(value) if not isinstance(value, float) else value}"
    if isinstance(value, float) and not math.isfinite(value):
        raise TopocliError(f"--grid {shown}: a value must be a finite number")
    if "bool" in kinds and not kinds & {"int", "float"}:
        if not isinstance(value, bool):
            raise TopocliError(f"--grid {shown}: {param} is true or false")
    elif "int" in kinds and "float" not in kinds:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TopocliError(f"--grid {shown}: {param} is a whole number")
    elif "float" in kinds:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TopocliError(f"--grid {shown}: {param} is a number")
    return value


def model_parameters(model: str) -> tuple[str, ...]:
    """The keyword parameters generator ``model`` accepts (its registry record's options)."""
    from topocli.nullmodels import registry

    return tuple(opt.name for opt in registry.get(model).options)


def parse_grid(specs: Iterable[str]) -> dict[str, dict[str, tuple[object, ...]]]:
    """``["ws.p=0,1", "ws.k=4,8"]`` -> ``{"ws": {"p": (0, 1), "k": (4, 8)}}``.

    Raises
    ------
    TopocliError
        A malformed spec, an unknown model or parameter, a value of the wrong type (not
        a finite number, not a whole number, not true/false: :func:`check_value`), an empty
        or repeated value list, or the same ``MODEL.PARAM`` given twice.
    """
    from topocli.nullmodels import check_model

    grids: dict[str, dict[str, tuple[object, ...]]] = {}
    for spec in specs:
        match = _SPEC.match(str(spec))
        if not match:
            raise TopocliError(f"--grid {spec!r} is not MODEL.PARAM=V1,V2,... "
                               "(for example --grid ws.p=0,0.01,0.1,1)")
        model, param, values_text = match.groups()
        model = check_model(model.lower())
        known = model_parameters(model)
        if param not in known:
            choices = ", ".join(known) or "none"
            raise TopocliError(f"--grid {spec}: the {model} model has no parameter {param!r} "
                               f"(its parameters: {choices})")
        words = [w for w in values_text.split(",") if w.strip()]
        if not words:
            raise TopocliError(f"--grid {spec}: no values after '='")
        values = tuple(check_value(model, param, parse_value(w)) for w in words)
        if len(set(map(repr, values))) != len(values):
            raise TopocliError(f"--grid {spec}: a value is listed twice")
        if param in grids.get(model, {}):
            raise TopocliError(f"--grid gives {model}.{param} twice; list all its values in "
                               "one --grid")
        grids.setdefault(model, {})[param] = values
    return grids


def grid_points(grids: dict[str, dict[str, Sequence[object]]]) -> list[GridPoint]:
    """Every point of every model's grid: the product of its parameters' values, in the
    order the values were given (models in the order first given)."""
    points = []
    for model, axes in grids.items():
        names = sorted(axes)
        for combo in itertools.product(*(axes[name] for name in names)):
            points.append(GridPoint(model, tuple(zip(names, combo))))
    return points


def parameter_columns(params: dict | str | None, reserved: Iterable[str] = ()) -> dict:
    """Every generator parameter of one graph as a table column (``p``, ``k``, ...).

    ``params`` is a null's ``null_params`` (a dict or its JSON text). A name already used
    by a column in ``reserved`` (``seed``, ``n``, ``m``, a statistic) becomes
    ``param_<name>``; nested values (dicts, lists) are left to the ``params`` JSON column.
    """
    import json

    if isinstance(params, str):
        try:
            params = json.loads(params)
        except ValueError:
            return {}
    if not isinstance(params, dict):
        return {}
    taken = set(reserved)
    return {(f"param_{k}" if k in taken else k): v for k, v in params.items()
            if isinstance(v, (int, float, str, bool)) or v is None}


def write_grid(graph, points: Sequence[GridPoint], count: int, out: str | Path, *, seed: int,
               jobs: int = 1, params: dict[str, dict] | None = None, force: bool = False,
               meta: dict | None = None,
               progress: ProgressFn | None = None) -> list[dict]:
    """``count`` nulls per grid point, each point in ``out/<slug>/`` with its manifest,
    and ``out/grid.csv``: one row per null with its point and every parameter a column.

    ``params`` are per-model parameters every point starts from (the point's own values
    win). Each point is written by :func:`topocli.nullmodels.write_ensemble`, so its
    folder is a plain ``topocli rewire`` folder (and ``force`` works the same way).
    """
    import pandas as pd

    from topocli.fileio import write_text_atomic
    from topocli.nullmodels.ensemble import write_ensemble

    out = Path(out)
    if not points:
        return []
    if (out / "grid.csv").exists() and not force:
        raise TopocliError(f"{out} already holds grid.csv; choose a new --out folder or pass "
                           "--force to overwrite it")
    params = params or {}
    rows: list[dict] = []
    for point in points:
        if (out / point.slug).is_symlink():   # a crafted folder: never clean outside --out
            raise TopocliError(f"{out / point.slug} is a link; topocli writes a grid point's "
                               "nulls into a folder of its own there: remove it, or choose "
                               "another --out folder")
        point_params = {**params.get(point.model, {}), **point.as_dict()}
        written = write_ensemble(graph, [point.model], count, out / point.slug, seed=seed,
                                 jobs=jobs, params={point.model: point_params}, force=force,
                                 meta={**(meta or {}), "grid_point": point.label},
                                 progress=part_of(progress, len(rows),
                                                  count * len(points)))
        for row in written:
            columns = parameter_columns(row["params"], reserved=row)
            rows.append({"point": point.label, **row, "file": f"{point.slug}/{row['file']}",
                         **columns})
    write_text_atomic(out / "grid.csv", pd.DataFrame(rows).to_csv(index=False))
    return rows
