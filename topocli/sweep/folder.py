"""A sweep's identity and its folder: what decides the results, and refusing to mix sweeps.

:func:`sweep_identity` is everything that decides a sweep's results (not how or where it
executes); its hash, the *fingerprint*, is written to ``config.json`` and to the store.
:func:`open_folder` creates the folder for a new sweep, or checks that an existing one
holds this very sweep, so a resumed sweep never mixes two experiments.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import igraph as ig

from topocli import __version__
from topocli.errors import TopocliError
from topocli.fileio import write_json_atomic, write_text_atomic
from topocli.provenance import versions
from topocli.sweep.store import SweepStore
from topocli.sweep.tasks import SMALL_WORLD, config_dict, graph_fingerprint
from topocli.training.config import EXECUTION_FIELDS

if TYPE_CHECKING:  # torch is imported only when a sweep trains
    from topocli.sweep.direction import DagForm
    from topocli.training.config import TrainConfig

__all__ = ["KIND", "LATER_KEYS", "STORE_NAME", "check_store", "data_identity",
           "check_store_file", "fingerprint", "open_folder",
           "reference_names", "sweep_identity", "task_name"]

KIND = "sweep"
STORE_NAME = "sweep.sqlite"
# Execution details that may change between a sweep and its resumption (the data folder,
# checkpoints, the device); torch threads do change results in the last digits, so they
# are part of the identity. The per-run seed is set per run.
_NOT_IDENTITY = ("seed", *EXECUTION_FIELDS)


def _graph_identity(real: ig.Graph, direction: DagForm | None) -> dict:
    source = str(real["source"]) if "source" in real.attributes() else "graph"
    view = real["view"] if "view" in real.attributes() else None
    direction = direction or {"directed": real.is_directed()}
    return {"source": source, "view": _maybe_json(view), "n": real.vcount(),
            "m": real.ecount(), "fingerprint": graph_fingerprint(real),
            # the reason is prose for people: in config.json's notes, not the identity
            **{k: v for k, v in direction.items() if k not in ("dag", "reason")}}


def sweep_identity(real: ig.Graph | dict[str, ig.Graph], families: list[str], *, count: int,
                   seeds: int, seed: int, config: TrainConfig | None,
                   null_params: dict | None, train_fn: Callable | None,
                   prepare_fn: Callable | None = None,
                   direction: DagForm | dict[str, DagForm] | None = None,
                   grid: dict[str, dict[str, tuple[object, ...]]] | None = None,
                   data: dict | None = None) -> dict:
    """Everything that decides the sweep's results (not how or where it executes).

    ``real`` is the graph as the sweep uses it (after
    :func:`~topocli.sweep.direction.graph_for_dag`), or a dict of them by reference name
    for a sweep of several real graphs; ``direction`` (its ``info``, or a dict of them by
    reference) records whether it is the source's undirected view and why. The
    small-world settings of the per-graph statistics are recorded under ``statistics``;
    ``grid`` (``{model: {param: values}}``) only when given, so sweeps written before
    grids existed keep their fingerprint; likewise ``data`` (:func:`data_identity`, the
    data the runs see), given when the sweep trains networks.
    """
    train = ({k: v for k, v in config_dict(config).items() if k not in _NOT_IDENTITY}
             if config is not None else {})
    identity: dict = {}
    if isinstance(real, dict):
        directions = direction if isinstance(direction, dict) else {}
        identity["graphs"] = {ref: _graph_identity(g, directions.get(ref))
                              for ref, g in real.items()}
    else:
        identity["graph"] = _graph_identity(real, direction)
    identity.update({
        "families": list(families), "count": count, "seeds": seeds, "seed": seed,
        "null_params": null_params or {}, "train": _jsonable(train),
        "task": task_name(train_fn, "topocli.training.train_graph"),
        "prepare": task_name(prepare_fn, "topocli.sweep.tasks.prepare_graph"),
        "statistics": {"small_world": dict(SMALL_WORLD)},
    })
    if grid:
        identity["grid"] = _jsonable(grid)
    if data:
        identity["data"] = _jsonable(data)
    return identity


def data_identity(config: TrainConfig) -> dict:
    """The data every run of a sweep sees: the split sizes, input shape and a content
    hash of the split tensors (what ``--dataset``, ``--data-dir``, ``--max-train`` and the
    split settings produce). Loading it here also refuses a missing or truncated
    ``--data-dir`` before anything is written."""
    from topocli.training.data import load_dataset

    data = load_dataset(config.dataset, config.data_dir, val_fraction=config.val_fraction,
                        split_seed=config.split_seed, max_train=config.max_train)
    digest = hashlib.sha256()
    for name in ("x_train", "y_train", "x_val", "y_val", "x_test", "y_test"):
        tensor = getattr(data, name).contiguous()
        digest.update(f"{name}{tuple(tensor.shape)}{tensor.dtype}".encode())
        digest.update(tensor.numpy().tobytes())
    return {"dataset": config.dataset, **data.sizes(), "input_shape": list(data.input_shape),
            "sha256": digest.hexdigest()[:16]}


#: Identity keys added after sweeps were first written: a folder whose config.json lacks
#: one of them is the same sweep if its fingerprint matches the identity without them;
#: the key is then recorded on resume (:func:`open_folder`).
LATER_KEYS = ("data",)


def _legacy(identity: dict) -> dict:
    return {k: v for k, v in identity.items() if k not in LATER_KEYS}


def fingerprint(identity: dict) -> str:
    text = json.dumps(identity, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def open_folder(out: Path, identity: dict, *, command: str | None,
                notes: dict | None = None, existing: dict | None = None,
                design: dict | None = None) -> None:
    """Write ``config.json`` for this sweep into the claimed folder ``out``, or check that
    ``existing`` (its config.json, read under the folder's lock by
    :func:`topocli.outdir.claim_folder`) holds this very sweep.

    A sweep written before an identity key of :data:`LATER_KEYS` existed (e.g. the data
    a run sees) resumes if it matches on everything else; the key is recorded then, with
    a note that the runs finished before were not checked against it.

    ``design`` is what the sweep declares before its runs about how they will be read
    (``{"primary": FAMILY}``: the one comparison its headline tests). It is not part of
    the identity (it decides no run), but a resumed sweep may not change it: a primary
    comparison chosen after seeing results is not a primary comparison.
    """
    config_path = out / "config.json"
    expected = fingerprint(identity)
    if existing is not None:
        _check_design(out, existing, design)
        if existing.get("fingerprint") == expected:
            _complete_folder(out)
            return
        old_identity = existing.get("identity")
        old_identity = old_identity if isinstance(old_identity, dict) else {}
        if (existing.get("fingerprint") == fingerprint(_legacy(identity))
                and not set(LATER_KEYS) & set(old_identity)):
            recorded = time.strftime("%Y-%m-%dT%H:%M:%S%z")
            old_notes = existing.get("notes") if isinstance(existing.get("notes"), dict) \
                else {}
            write_json_atomic(config_path, {
                **existing, "fingerprint": expected, "identity": identity,
                "notes": {**old_notes, "identity_recorded": {
                    key: f"recorded on resume at {recorded}; runs finished before were "
                         "not checked against it" for key in LATER_KEYS}}})
            _complete_folder(out)
            return
        diff = _differences(old_identity, identity)
        raise TopocliError(f"{out} holds a different sweep ({diff}); rerun with the same "
                           "options to resume it, or choose another --out folder")
    # config.json first: once it exists the folder is this sweep's, whatever else is missing.
    write_json_atomic(config_path, {
        "kind": KIND, "fingerprint": expected, "identity": identity,
        "notes": notes or {}, **({"design": design} if design else {}),
        "command": command, "topocli_version": __version__,
        "python": sys.version.split()[0], "versions": versions(),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    })
    _complete_folder(out)


def _check_design(out: Path, existing: dict, design: dict | None) -> None:
    """Refuse a resume that declares another primary comparison than the sweep did."""
    declared = existing.get("design")
    if design and isinstance(declared, dict) and declared.get("primary") != \
            design.get("primary"):
        raise TopocliError(
            f"{out} declared --primary {declared.get('primary')} before its runs; a sweep "
            f"cannot change its primary comparison on resume (asked: "
            f"{design.get('primary')}): resume with --primary {declared.get('primary')}, "
            "or start a new --out folder")


def _complete_folder(out: Path) -> None:
    (out / "graphs").mkdir(exist_ok=True)
    if not (out / "kind.txt").exists():
        write_text_atomic(out / "kind.txt", KIND + "\n")


def check_store(store: SweepStore, out: Path, identity: dict) -> None:
    """Claim a new store for this sweep, or refuse one that belongs to another."""
    expected = fingerprint(identity)
    stored = store.get_meta("fingerprint")
    if stored is None or (stored != expected and stored == fingerprint(_legacy(identity))):
        store.set_meta("fingerprint", expected)   # new, or an identity key recorded now
    elif stored != expected:
        raise TopocliError(f"{out / STORE_NAME} belongs to a different sweep than its "
                           "config.json; choose another --out folder")


def check_store_file(out: Path, *, resuming: bool) -> None:
    """Say what an empty or missing store in a resumed sweep means, in one line.

    A store lost or emptied (0 bytes) while ``runs.csv`` lists finished runs is refused:
    starting it afresh would retrain them and replace their table. With no finished runs
    listed, the sweep starts its store afresh and says so.
    """
    path = out / STORE_NAME
    if not resuming or (path.exists() and path.stat().st_size > 0):
        return
    state = "is empty (0 bytes)" if path.exists() else "is missing"
    listed = _listed_runs(out / "runs.csv")
    if listed:
        raise TopocliError(f"{path} {state} but runs.csv lists {listed} finished run(s); "
                           "restore the store (or move the folder aside and rerun to start "
                           "over), or choose another --out folder")
    import logging

    logging.getLogger("topocli").warning("%s %s and no finished runs are listed: the "
                                         "sweep starts its store afresh", path, state)


def _listed_runs(path: Path) -> int:
    try:
        with path.open(newline="") as fh:
            return max(0, sum(1 for line in fh if line.strip()) - 1)
    except OSError:
        return 0


def _differences(old: dict, new: dict, prefix: str = "") -> str:
    diffs = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            inner = _differences(a, b, f"{prefix}{key}.")
            if inner:
                diffs.append(inner)
        elif a != b:
            diffs.append(f"{prefix}{key}: {_short(a)} there, {_short(b)} now")
    return "; ".join(diffs[:3]) + ("; ..." if len(diffs) > 3 else "")


def _short(value: object) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 40 else text[:37] + "..."


def task_name(fn: Callable | None, default: str) -> str:
    """``module.function`` of an injected task (with its bound keywords), else ``default``."""
    if fn is None:
        return default
    func = getattr(fn, "func", fn)
    name = f"{getattr(func, '__module__', '?')}.{getattr(func, '__qualname__', repr(func))}"
    keywords = getattr(fn, "keywords", None)
    return f"{name}({json.dumps(keywords, sort_keys=True, default=str)})" if keywords else name


def _maybe_json(value: object) -> object:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _jsonable(value: object) -> object:
    return json.loads(json.dumps(value, default=str))


def reference_names(sources: Sequence[object]) -> list[str]:
    """Short, distinct names for several real graphs (bundled name or file stem)."""
    names = []
    for i, source in enumerate(sources):
        if isinstance(source, ig.Graph):
            text = str(source["source"]) if "source" in source.attributes() else f"graph{i}"
        else:
            text = str(source)
        stem = Path(text).name
        for suffix in (".gz", ".graphml", ".gml", ".csv", ".txt", ".edges", ".json"):
            stem = stem.removesuffix(suffix)
        stem = "".join(c if c.isalnum() or c in "-_" else "-" for c in stem) or f"graph{i}"
        name, k = stem, 2
        while name in names:
            name, k = f"{stem}-{k}", k + 1
        names.append(name)
    return names
