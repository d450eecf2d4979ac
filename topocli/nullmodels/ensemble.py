"""Ensembles of nulls: seeded per index, generated in parallel, written with a manifest."""

from __future__ import annotations

import csv
import io
import json
import logging
import re
from collections.abc import Sequence
from pathlib import Path

import igraph as ig
import numpy as np

from topocli.errors import TopocliError
from topocli.fileio import write_text_atomic
from topocli.progress import ProgressFn, report
from topocli.seeding import derive_seed, resolve_seed

__all__ = ["MANIFEST_COLUMNS", "generate_many", "null_seeds", "remove_listed",
           "write_ensemble"]

MANIFEST_COLUMNS = ("file", "model", "index", "seed", "params", "n", "m", "directed",
                    "swaps_attempted", "swaps_accepted", "m_source", "m_mismatch")

log = logging.getLogger("topocli")


def null_seeds(seed: int | None, model: str, count: int, first_index: int = 0) -> list[int]:
    """Seeds of nulls ``first_index .. first_index + count - 1``.

    Null ``i`` gets ``derive_seed(seed, model, i)``.
    """
    return [derive_seed(seed, model, i) for i in range(first_index, first_index + count)]


def _make(graph: ig.Graph, model: str, seeds: Sequence[int], params: dict) -> list[ig.Graph]:
    from topocli.nullmodels import registry
    from topocli.nullmodels.registry import generate

    batch = registry.get(model).batch
    if batch is not None:
        return batch(graph, seeds, **params)
    return [generate(graph, model, seed=s, **params) for s in seeds]


def _split(items: list, parts: int) -> list[list]:
    parts = max(1, min(parts, len(items)))
    bounds = np.linspace(0, len(items), parts + 1).round().astype(int)
    return [items[bounds[i]:bounds[i + 1]] for i in range(parts)]


def generate_many(
    graph: ig.Graph,
    model: str,
    count: int,
    *,
    seed: int | None,
    jobs: int = 1,
    first_index: int = 0,
    **params,
) -> list[ig.Graph]:
    """``count`` nulls of ``model``; null ``i`` uses ``derive_seed(seed, model, i)``.

    ``seed=None`` draws a fresh base seed; every null records it as ``ensemble_seed``
    (and its own stream's seed as ``seed``), so the ensemble can be made again.

    The result does not depend on ``jobs`` (worker processes via joblib when > 1).
    ``degree``, ``inout`` and ``lattice`` nulls run as one batch per worker, each null a
    compiled swap chain of about a millisecond on a 300-node connectome (see
    :mod:`topocli.nullmodels.rewiring`). ``first_index``
    starts the numbering elsewhere (to make an ensemble in pieces).
    """
    from topocli.nullmodels._common import check_graph
    from topocli.nullmodels.registry import check_model

    check_model(model)
    if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count <= 0:
        raise TopocliError(f"count must be a positive whole number, not {count}")
    if isinstance(seed, np.random.Generator):
        raise TopocliError("generate_many needs an int seed (null i uses derive_seed(seed, "
                           "model, i))")
    check_graph(graph, model)
    seed = resolve_seed(seed)  # None: fresh entropy, recorded on every null
    seeds = null_seeds(seed, model, int(count), first_index)
    jobs = max(1, int(jobs or 1))
    if jobs == 1 or count == 1:
        nulls = _make(graph, model, seeds, params)
    else:
        from joblib import Parallel, delayed

        parts = _split(seeds, jobs)
        results = Parallel(n_jobs=len(parts), backend="loky")(
            delayed(_make)(graph, model, part, params) for part in parts)
        nulls = [g for part in results for g in part]
    for null in nulls:
        null["ensemble_seed"] = seed  # generate_many(seed=this) repeats the ensemble
    return nulls


def manifest_row(null: ig.Graph, file: str, index: int) -> dict:
    attrs = null.attributes()
    row = {"file": file, "model": null["null_model"], "index": index, "seed": null["seed"],
           "params": null["null_params"], "n": null.vcount(), "m": null.ecount(),
           "directed": null.is_directed()}
    for key in ("swaps_attempted", "swaps_accepted", "m_source", "m_mismatch"):
        row[key] = null[key] if key in attrs else None
    return row


def _listed_files(out: Path) -> list[str] | None:
    """File names the manifest in ``out`` lists (JSON, else CSV); None if unreadable."""
    try:
        document = json.loads((out / "manifest.json").read_text())
        return [str(row["file"]) for row in document["nulls"]]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    try:
        with open(out / "manifest.csv", newline="") as fh:
            return [str(row["file"]) for row in csv.DictReader(fh)]
    except (OSError, ValueError, KeyError, csv.Error):
        return None


def remove_listed(out: Path) -> int:
    """Delete the null files an old manifest in ``out`` lists, then the manifest itself.

    Only files named in the manifest that lie directly in ``out`` and are named as
    :func:`write_ensemble` names its files (``<model>-<index>.graphml.gz``) are removed;
    a listed name with a folder part, another name (``notes.txt``, ``../x``), a folder or
    anything else is left alone, so a crafted manifest cannot make ``--force`` delete a
    user's file. Returns the number of null files removed.
    """
    from topocli.nullmodels import registry

    written = re.compile(rf"(?:{'|'.join(map(re.escape, registry.names()))})-[0-9]+\.graphml\.gz")
    names = _listed_files(out)
    if names is None:
        log.warning("%s: the old manifest could not be read; its null files are left in "
                    "place", out)
        names = []
    removed = 0
    for name in dict.fromkeys(names):
        if not written.fullmatch(name) or Path(name).name != name:
            continue
        path = out / name
        if path.is_file() or path.is_symlink():
            path.unlink()
            removed += 1
    for manifest in ("manifest.csv", "manifest.json"):
        (out / manifest).unlink(missing_ok=True)
    return removed


def write_ensemble(
    graph: ig.Graph,
    models: Sequence[str],
    count: int,
    out: str | Path,
    *,
    seed: int,
    jobs: int = 1,
    params: dict[str, dict] | None = None,
    force: bool = False,
    meta: dict | None = None,
    progress: ProgressFn | None = None,
) -> list[dict]:
    """Write ``count`` nulls per model to ``out/<model>-<index>.graphml.gz`` and a manifest.

    ``out/manifest.csv`` (one row per null: ``MANIFEST_COLUMNS``) and ``out/manifest.json``
    (the same rows plus ``meta``: command, source, view, seed, versions). A folder that
    already holds a manifest is refused unless ``force``; with ``force`` the null files the
    old manifest lists are removed (once every model has been checked on the graph) so
    the folder holds exactly what the new manifest lists (:func:`remove_listed`).
    ``progress("rewiring", done, total, "")`` hears the nulls written so far
    (:mod:`topocli.progress`). Returns the manifest rows.
    """
    from topocli import __version__
    from topocli.graphs import write_graphml
    from topocli.nullmodels.registry import check_model

    out = Path(out)
    seed = resolve_seed(seed)  # None: fresh entropy; manifest.json records the drawn seed
    models = [check_model(m) for m in models]
    if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count <= 0:
        raise TopocliError(f"--count must be at least 1, not {count}")
    existing = [p.name for p in (out / "manifest.csv", out / "manifest.json") if p.exists()]
    if existing and not force:
        raise TopocliError(f"{out} already holds {existing[0]}; choose a new --out folder or "
                           "pass --force to overwrite it")
    if out.exists() and not out.is_dir():
        raise TopocliError(f"--out {out} exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    params = params or {}
    # Check every model on the graph before spending time on any of them.
    for model in models:
        generate_many(graph, model, 1, seed=seed, **params.get(model, {}))
    if existing:
        removed = remove_listed(out)
        log.info("%s: --force removed %d null files of the previous manifest", out, removed)
    rows: list[dict] = []
    piece = max(1, min(count, 50 * max(1, jobs)))
    for model in models:
        for start in range(0, count, piece):
            nulls = generate_many(graph, model, min(piece, count - start), seed=seed,
                                  jobs=jobs, first_index=start, **params.get(model, {}))
            for offset, null in enumerate(nulls):
                index = start + offset
                name = f"{model}-{index}.graphml.gz"
                write_graphml(null, out / name)
                rows.append(manifest_row(null, name, index))
            report(progress, "rewiring", len(rows), count * len(models))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=MANIFEST_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
    write_text_atomic(out / "manifest.csv", buffer.getvalue())
    document = {"topocli_version": __version__, "seed": seed, "count": count,
                "models": list(models), "params": params, **(meta or {}), "nulls": rows}
    write_text_atomic(out / "manifest.json", json.dumps(document, indent=2, default=str) + "\n")
    return rows
