"""The ``--out`` folder of ``topocli analyze`` and the ``--json`` document."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from topocli import __version__
from topocli.analysis.run import Analysis
from topocli.errors import TopocliError
from topocli.fileio import write_text_atomic
from topocli.outdir import is_empty_folder, probe_writable
from topocli.provenance import versions

__all__ = ["TABLES", "check_out_dir", "tables", "to_json", "write_analyses"]

TABLES = ("metrics", "nulls", "motifs", "class_matrix", "rich_club", "fidelity")


def tables(analyses: list[Analysis]) -> dict[str, pd.DataFrame]:
    """The folder's tables, every row labelled with its graph."""
    def stack(attr: str) -> pd.DataFrame:
        frames = [getattr(a, attr).assign(graph=a.name) for a in analyses]
        df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        return df[["graph"] + [c for c in df.columns if c != "graph"]] if len(df.columns) else df

    return {key: stack(key) for key in TABLES}


def to_json(analyses: list[Analysis]) -> dict:
    """JSON-ready dict: per graph its metrics, fidelity, motifs, class matrix, rich club,
    config."""
    def records(df: pd.DataFrame) -> list[dict]:
        return json.loads(df.to_json(orient="records"))

    return {"topocli_version": __version__,
            "graphs": [{"graph": a.name, "config": a.config, "metrics": records(a.metrics),
                        "fidelity": records(a.fidelity), "motifs": records(a.motifs),
                        "class_matrix": records(a.class_matrix),
                        "rich_club": records(a.rich_club)} for a in analyses]}


def check_out_dir(out_dir: str | Path) -> None:
    """Refuse an ``--out`` folder that holds a result already, holds files topocli did
    not write, cannot be written, or is a file (called before any work, so a long
    analysis never ends in a refusal). The command also locks the folder while it runs
    (:func:`topocli.outdir.claim_folder`)."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise TopocliError(f"{out} exists and is not a folder; choose another --out")
    if (out / "config.json").exists():
        raise TopocliError(f"{out} already holds a result (config.json); choose another --out "
                           "folder or remove it")
    if not is_empty_folder(out):
        raise TopocliError(f"{out} is not empty and holds no topocli analyze config.json; "
                           "choose a new or empty --out folder (topocli replaces no file it "
                           "did not write)")
    probe_writable(out)


def write_analyses(analyses: list[Analysis], out_dir: str | Path, *, command: str = "",
                   options: dict | None = None, force: bool = False) -> Path:
    """Write the ``--out`` folder (see the team contract); refuse to overwrite a result.

    Files: ``kind.txt`` (``analyze``), ``config.json``, ``metrics.csv``, ``metrics.json``,
    ``nulls.csv``, ``motifs.csv``, ``class_matrix.csv``, ``rich_club.csv``,
    ``fidelity.csv`` and ``graphs/<graph>.graphml.gz``.
    """
    from topocli.graphs import write_graphml

    out = Path(out_dir)
    if not force:
        check_out_dir(out)
    (out / "graphs").mkdir(parents=True, exist_ok=True)
    names = [a.name for a in analyses]
    if len(set(names)) != len(names):
        raise TopocliError(f"two graphs share a name ({', '.join(names)}); rename the files")
    for key, df in tables(analyses).items():
        write_text_atomic(out / f"{key}.csv", df.to_csv(index=False))
    write_text_atomic(out / "metrics.json", json.dumps(to_json(analyses), indent=1, default=str))
    for a in analyses:
        write_graphml(a.graph, out / "graphs" / f"{a.name}.graphml.gz")
    config = {"kind": "analyze", "command": command, "options": options or {},
              "versions": versions(), "graphs": [a.config for a in analyses],
              "seed": analyses[0].config["seed"] if analyses else None}
    write_text_atomic(out / "kind.txt", "analyze\n")
    write_text_atomic(out / "config.json", json.dumps(config, indent=1, default=str))
    return out
