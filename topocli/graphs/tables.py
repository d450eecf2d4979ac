"""Tables: edge lists and adjacency matrices (CSV, TSV, whitespace), read into the raw form.

One reader takes both, since a file's suffix does not say which it holds:
:func:`_matrix_layout` decides from the first row and the cells, and a table of a
matrix's shape is read as a matrix or refused, never taken for an edge list.
"""

from __future__ import annotations

import csv
import io
import logging
import math

import igraph as ig
import numpy as np
import pandas as pd

from topocli.errors import TopocliError
from topocli.graphs.fields import _TYPE_NAMES, _WEIGHT_NAMES, _check_length
from topocli.graphs.raw import _few, _short, build_raw

log = logging.getLogger("topocli")

_HEADER_SOURCE = {"source", "src", "from", "pre", "presynaptic", "node1", "u", "origin", "neuron1"}

# Cells that stand for "no value". Tables are read as plain text (pandas' NA parsing is
# off), so that nodes named NA, null, None or nan keep their names; in a weight column
# these cells are a missing weight (set to 1, with a note).
_MISSING = frozenset({"", "na", "n/a", "nan", "null", "none"})


def _is_number(text: object) -> bool:
    """Whether ``text`` is a finite number."""
    try:
        return math.isfinite(float(text))
    except (TypeError, ValueError):
        return False


def _is_value(text: object) -> bool:
    """Whether a cell holds a number (``nan``, ``inf`` included) or nothing at all.

    This is how a weight or a matrix cell looks, right or wrong; a name does not.
    A missing field (a short row: not a ``str``) counts as nothing.
    """
    if not isinstance(text, str):
        return True
    try:
        float(text)
    except ValueError:
        return text.lower() in _MISSING
    return True


def _is_name(text: object) -> bool:
    """Whether a header cell names a node: not empty, not a number (``nan`` and ``NA`` can be
    names; ``inf`` and ``1e3`` cannot)."""
    if not isinstance(text, str) or not text:
        return False
    try:
        return math.isnan(float(text))
    except ValueError:
        return True


def _is_entry(text: object) -> bool:
    """Whether a cell looks like a matrix entry: a finite number, or empty."""
    return not isinstance(text, str) or not text or _is_number(text)


def read_table_text(text: str, fmt: str, label: str) -> ig.Graph:
    """An edge list or an adjacency matrix (see :func:`_matrix_layout` for which)."""
    table = _parse_table(text, fmt, label)
    matrix = _matrix_cells(table, label)
    if matrix is not None:
        return _from_matrix(*matrix, label)
    return _read_edge_list(table, label)


def _parse_table(text: str, fmt: str, label: str) -> pd.DataFrame:
    """Cells as stripped strings; a short line's missing fields are NaN, never ``""``."""
    lines = [ln for ln in text.splitlines()
             if ln.strip() and not ln.lstrip().startswith(("#", "%"))]
    if not lines:
        raise TopocliError(f"{label} has only comments; a graph file needs at least one edge")
    longest = max(range(len(lines)), key=lambda i: len(lines[i]))
    _check_length(lines[longest], f"line {longest + 1} (not counting comments)", label)
    sep = {"csv": ",", "tsv": "\t"}.get(fmt)
    if sep is None:
        sep = "\t" if "\t" in lines[0] else ("," if "," in lines[0] else r"\s+")
    # As many columns as the longest line, so that a first line without a weight does not
    # make every later weight an error.
    width = max(len(ln.split()) for ln in lines) if sep == r"\s+" else \
        max(len(row) for row in csv.reader(lines, delimiter=sep, skipinitialspace=True))
    try:
        table = pd.read_csv(io.StringIO("\n".join(lines)), sep=sep, header=None, dtype=str,
                            engine="python", skipinitialspace=True, keep_default_na=False,
                            na_filter=False, names=range(width))
    except Exception as exc:
        raise TopocliError(f"{label}: cannot parse as a table ({exc}); give one edge per line "
                           "('source target [weight]') or an adjacency matrix") from None
    table = table.apply(lambda col: col.str.strip())
    if table.shape[1] < 2:
        raise TopocliError(f"{label}: each line needs at least two columns (source target "
                           "[weight]); found one")
    return table


def _share(cells: pd.DataFrame, test) -> float:
    return float(cells.apply(lambda c: c.map(test)).to_numpy().mean()) if cells.size else 0.0


def _matrix_layout(table: pd.DataFrame) -> str | None:
    """``"named rows"``, ``"header only"`` or ``None`` (an edge list).

    The first row of a matrix names the nodes. Its rows are named too when

    - the corner cell is empty and a row is named like a column (``,a,b,c`` / ``a,0,1,0``);
    - the corner is a name, the cells mostly numbers, and two or more rows named like
      columns, each once, at most one column having no row (``node,1,2,3`` / ``1,0,1,0``);
    - the header is distinct names, the cells mostly numbers, two or more rows, and at
      least half of them named like columns, or the body square with named rows.

    Without row names, the header is all names (its third not ``count``, ``weight``, ``type``
    or the like: that is an edge list's header) and the body a square of mostly numbers.
    A table of this shape is read as a matrix or refused (:func:`_matrix_cells`), never
    taken for an edge list. (Mostly numbers: three in four cells finite numbers or empty,
    so that a bad cell or a short row still reads as a matrix.)
    """
    first = [cell for cell in table.iloc[0] if isinstance(cell, str)]   # a short header
    body = table.iloc[1:]
    if table.shape[1] < 3 or body.empty or first[0].lower() in _HEADER_SOURCE:
        return None
    names, rows = first[1:], list(body.iloc[:, 0])
    in_names = sum(r in names for r in rows)
    if first[0] == "" and in_names:
        return "named rows"
    mostly_numbers = _share(body.iloc[:, 1:], _is_entry) >= 0.75
    if (mostly_numbers and _is_name(first[0]) and len(set(rows)) == in_names == len(rows)
            and len(rows) >= max(2, len(names) - 1)):
        return "named rows"
    if not all(_is_name(n) for n in names) or len(set(names)) < len(names):
        return None
    if mostly_numbers and len(rows) >= 2:
        row_named = [r for r in rows if _is_name(r)]
        if row_named and 2 * in_names >= len(rows):
            return "named rows"
        if len(row_named) == len(rows) >= 2 and len(rows) == len(names):
            return "named rows"
    weights_named = len(first) > 2 and first[2].lower() in _WEIGHT_NAMES + _TYPE_NAMES
    if (_is_name(first[0]) and len(body) == len(first) and not weights_named
            and all(_is_value(r) for r in rows) and _share(body, _is_entry) >= 0.75):
        return "header only"
    return None


def _matrix_cells(table: pd.DataFrame, label: str) -> tuple[np.ndarray, list[str]] | None:
    """The weights and node names of an adjacency matrix; ``None`` for an edge list.

    A matrix with a short row, a missing or unknown row, or a cell that is not a finite
    number >= 0 (empty, ``nan``, ``inf``, text) is refused in one line naming the place.
    """
    layout = _matrix_layout(table)
    if layout is None:
        return None
    first = [cell for cell in table.iloc[0] if isinstance(cell, str)]   # a short header
    body = table.iloc[1:]
    named = layout == "named rows"
    names = first[1:] if named else first
    rows = list(body.iloc[:, 0]) if named else [str(i + 1) for i in range(len(body))]
    cells = body.iloc[:, 1:] if named else body
    what = f"{label}: adjacency matrix"
    if len(set(names)) < len(names) or "" in names:
        raise TopocliError(f"{what} header names {_few([repr(n) for n in names])}: every "
                           "column needs a name, each name once")
    for row_name, row in zip(rows, cells.itertuples(index=False)):
        given = sum(isinstance(x, str) for x in row)
        if given != len(names):
            raise TopocliError(f"{what} row {row_name} has {given} cells but the header "
                               f"names {len(names)} nodes; give one cell per node")
    cells = cells.iloc[:, :len(names)]   # the columns a longer line opened are empty
    if len(rows) != len(names):
        missing = [n for n in names if n not in rows] if named else []
        raise TopocliError(f"{what} header names {len(names)} nodes but {len(rows)} rows "
                           "follow" + (f" (no row for {_few(missing)})" if missing else "")
                           + "; a matrix has one row per node")
    order = np.arange(len(rows))
    if named:
        unknown = [r for r in rows if r not in names]
        if unknown or len(set(rows)) < len(rows):
            raise TopocliError(f"{what} rows and columns name different nodes (row "
                               f"{(unknown or rows)[0]!r}); rows must name the column nodes, "
                               "each once")
        order = np.array([rows.index(n) for n in names])
    values = _matrix_values(cells.to_numpy()[order], [rows[i] for i in order], names, what)
    return values, list(names)


def _matrix_values(cells: np.ndarray, rows: list[str], names: list[str],
                   what: str) -> np.ndarray:
    """The cells as floats; one line naming the first one that is not a count."""
    values = np.full(cells.shape, np.nan)
    for (i, j), cell in np.ndenumerate(cells):
        try:
            values[i, j] = float(cell)
        except ValueError:
            pass
    bad = np.argwhere(~np.isfinite(values) | (values < 0))
    if len(bad):
        i, j = bad[0]
        cell = cells[i, j]
        how = "empty" if not cell else f"{_short(cell)!r}" + (
            "" if _is_value(cell) else " (not a number)")
        more = f" ({len(bad)} cells like it)" if len(bad) > 1 else ""
        raise TopocliError(f"{what} cell (row {rows[i]}, column {names[j]}) is {how}{more}; "
                           "every cell must be a number >= 0 (0 for no edge)")
    return values


def _read_edge_list(table: pd.DataFrame, label: str) -> ig.Graph:
    """``source target [weight [type]]`` per line, with an optional header line."""
    first = list(table.iloc[0].fillna(""))
    n_cols = table.shape[1]
    header = None
    second = list(table.iloc[1].fillna("")) if len(table) > 1 else None
    # A third column that is no number (not even nan or inf) names the weights.
    if first[0].lower() in _HEADER_SOURCE or (
            n_cols >= 3 and not _is_value(first[2])
            and (second is None or _is_value(second[2]))):
        header = [h.lower() for h in first]
        table = table.iloc[1:]
    if header is not None:
        cols = {h: i for i, h in enumerate(header)}
        w_col = next((cols[n] for n in _WEIGHT_NAMES if n in cols), None)
        t_col = next((cols[n] for n in _TYPE_NAMES if n in cols), None)
    else:
        w_col = 2 if n_cols >= 3 else None
        t_col = 3 if n_cols >= 4 else None
    edges = pd.DataFrame({"source": table.iloc[:, 0], "target": table.iloc[:, 1]})
    short = int(edges["target"].isna().sum())
    if short:
        log.warning("%s: skipped %d lines with a single field (an edge needs source and "
                    "target)", label, short)
        edges = edges.dropna()
    if w_col is not None:
        w = table.iloc[:, w_col]
        given = w[[isinstance(x, str) and x.lower() not in _MISSING for x in w]]
        if len(given) and pd.to_numeric(given, errors="coerce").isna().all():
            raise TopocliError(f"{label}: the third column is not numeric; an edge list is "
                               "'source target [weight [type]]'")
        edges["weight"] = pd.to_numeric(w.where(w.isin(given)), errors="coerce")
    if t_col is not None:
        edges["synapse_type"] = table.iloc[:, t_col]
    if edges.empty:
        raise TopocliError(f"{label} lists no edges")
    return build_raw(pd.DataFrame({"name": []}), edges, directed=True, label=label)


def _from_matrix(values: np.ndarray, names: list[str], label: str) -> ig.Graph:
    directed = not np.allclose(values, values.T)
    log.info("%s: read as a %s adjacency matrix", label,
             "directed" if directed else "symmetric (undirected)")
    if not directed:
        values = np.triu(values)
    src, dst = np.nonzero(values)
    names_arr = np.asarray(names, dtype=str)
    edges = pd.DataFrame({"source": names_arr[src], "target": names_arr[dst],
                          "weight": values[src, dst]})
    return build_raw(pd.DataFrame({"name": names}), edges, directed=directed, label=label)
