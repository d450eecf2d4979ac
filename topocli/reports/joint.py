"""One report from several sweep folders of one experiment (``topocli report DIR --with
OTHER``).

A study often grows in folders: the decisive comparison first (the connectome against
its degree-preserving nulls), then controls that explain it (other null families) in a
second sweep with the same protocol and seeds. Read apart, each page compares its
families only with its own; read together, the controls meet the study's nulls in one
variance model. :func:`join_sweeps` checks that the folders are one experiment and
merges them:

- the same data, training protocol or task, graph (source, view and fingerprint),
  statistics, base seed and real graphs, so that seed ``k`` is the same stream in every
  folder; only the families, their graph counts, their parameters and the seed count
  may differ;
- every null family in one folder only (the same family in two folders would be the same
  seeded draws twice, or graphs whose ids clash);
- the real graph's runs equal, run for run, at the seeds both folders ran (a difference
  means different code trained them, and a joint report would mix the two).

The joint folder keeps the first folder's real-graph runs, its declared primary
comparison and its config (with every family listed), and says on the page which
folders it joins.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import numpy as np
import pandas as pd

from topocli.errors import TopocliError
from topocli.reports.folders import ResultFolder

__all__ = ["FREE_IDENTITY", "join_sweeps"]

#: Identity fields in which joined sweeps may differ: what each folder trains.
FREE_IDENTITY = ("families", "count", "null_params", "grid", "seeds")
#: Columns of a run's results (every score a page can be read by): the real graph's runs
#: must agree in these, and in its seed, where both folders ran a seed.
_RESULT_PREFIXES = ("test_", "val_", "score_", "generations_")


def join_sweeps(base: ResultFolder, others: Sequence[ResultFolder]) -> ResultFolder:
    """``base`` with the null families of ``others`` (see the module notes)."""
    folders = [base, *others]
    for f in folders:
        if f.kind != "sweep":
            raise TopocliError(f"--with joins sweep folders; {f.path} is an {f.kind} folder")
        if "runs" not in f.tables:
            raise TopocliError(f"{f.path} has no runs yet: nothing to join")
    _check_same_experiment(base, others)
    joined = ResultFolder(path=base.path, kind="sweep", config=copy.deepcopy(base.config),
                          graph_files=dict(base.graph_files), notes=list(base.notes))
    tables = {name: [t] for name, t in base.tables.items()}
    seen = {fam: base.path for fam in _null_families(base)}
    run_ids = set(base.tables["runs"]["run_id"].astype(str))
    checks = []
    graph_ids = set(base.tables["runs"]["graph_id"].astype(str))
    for other in others:
        for fam in _null_families(other):
            if fam in seen:
                raise TopocliError(f"family '{fam}' is in both {seen[fam]} and {other.path}: "
                                   "each null family must come from one folder (the same "
                                   "seeded family twice is the same graphs twice)")
            seen[fam] = other.path
        compared, extra = _check_real_runs(base, other)
        checks.append(f"{other.path}: {compared} real-graph run(s) compared, equal"
                      if compared else f"{other.path}: no real-graph seed in common, so "
                      "the real graph's runs could not be compared")
        runs = other.tables["runs"]
        nulls = runs[runs["family"].astype(str) != "real"]
        clash = graph_ids & set(nulls["graph_id"].astype(str))
        if clash:
            raise TopocliError(f"graph id {sorted(clash)[0]!r} is in both {base.path} and "
                               f"{other.path}: a joint report needs distinct graphs")
        graph_ids |= set(nulls["graph_id"].astype(str))
        # run ids are per folder: a clash (numbered runs) is resolved by the folder's name
        incoming = set(nulls["run_id"].astype(str)) | extra
        rename = bool(run_ids & incoming)
        run_ids |= incoming
        for name, table in other.tables.items():
            keep = table
            if "family" in table:   # its nulls, and real runs at seeds the base lacks
                keep = table[(table["family"].astype(str) != "real")
                             | table["run_id"].astype(str).isin(extra)] \
                    if "run_id" in table else table[table["family"].astype(str) != "real"]
            if rename and "run_id" in keep:
                keep = keep.assign(run_id=f"{other.path.name}/" + keep["run_id"].astype(str))
            tables.setdefault(name, []).append(keep)
        for graph_id, path in other.graph_files.items():
            joined.graph_files.setdefault(graph_id, path)
        joined.notes += [f"{other.path}: {note}" for note in other.notes]
    joined.tables = {name: pd.concat(parts, ignore_index=True) for name, parts in
                     tables.items()}
    identity = joined.config.setdefault("identity", {})
    identity["families"] = ["real", *seen]
    names = ", ".join(str(f.path) for f in others)
    joined.notes.insert(0, (
        f"Joint report of {base.path} and {names}: the same data, protocol, graph and seed "
        f"streams (checked in config.json); {'; '.join(checks)}. The real graph's runs are "
        f"{base.path}'s (and the others' at seeds it lacks), and the primary comparison is "
        f"the one {base.path} declared."))
    return joined


def _null_families(folder: ResultFolder) -> list[str]:
    runs = folder.tables["runs"]
    return [f for f in pd.unique(runs["family"].astype(str)) if f != "real"]


def _check_same_experiment(base: ResultFolder, others: Sequence[ResultFolder]) -> None:
    def fixed(f: ResultFolder) -> dict:
        identity = f.config.get("identity")
        if not isinstance(identity, dict) or not identity:
            raise TopocliError(f"{f.path}/config.json has no identity: a joint report needs "
                               "folders written by topocli train-sweep")
        refs = (f.config.get("notes") or {}).get("references")
        return {**{k: v for k, v in identity.items() if k not in FREE_IDENTITY},
                "references": refs}

    want = fixed(base)
    for other in others:
        got = fixed(other)
        differ = sorted(k for k in want.keys() | got.keys() if want.get(k) != got.get(k))
        if differ:
            raise TopocliError(
                f"{other.path} is not the same experiment as {base.path}: they differ in "
                f"{', '.join(differ)} (config.json identity); a joint report needs the "
                "same data, protocol, graph and seeds, only other families")


def _check_real_runs(base: ResultFolder, other: ResultFolder) -> tuple[int, set[str]]:
    """Compare the real graph's successful runs where both folders ran a seed (its seed
    and every result column, NaN equal to NaN); return how many were compared and the
    run ids of ``other``'s real runs at seeds ``base`` lacks."""
    def reals(f: ResultFolder) -> pd.DataFrame:
        runs = f.tables["runs"]
        ok = runs[runs["family"].astype(str) == "real"]
        if "status" in ok:
            ok = ok[ok["status"].astype(str) == "ok"]
        key = [c for c in ("reference", "seed_index") if c in ok] or ["seed"]
        return ok.set_index(key)

    a, b = reals(base), reals(other)
    shared = a.index.intersection(b.index)
    columns = ["seed"] + [c for c in a.columns if c.startswith(_RESULT_PREFIXES) and c in b]
    for col in (c for c in columns if c in a and c in b):
        x = pd.to_numeric(a.loc[shared, col], errors="coerce").to_numpy(float)
        y = pd.to_numeric(b.loc[shared, col], errors="coerce").to_numpy(float)
        if not np.array_equal(x, y, equal_nan=True):
            raise TopocliError(
                f"the real graph's runs differ between {base.path} and {other.path} ({col} "
                f"at the same seed): different code trained them, and a joint report "
                "would mix the two; rerun one folder with the other's topocli version")
    extra = b.index.difference(a.index)
    ids = set(b.loc[extra, "run_id"].astype(str)) if "run_id" in b else set()
    return len(shared), ids
