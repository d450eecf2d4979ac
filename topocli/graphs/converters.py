"""How the bundled connectomes are made: one-off converters from their published sources.

The C. elegans graphs are converted from the OpenWorm C. elegans Connectome Toolbox
(``cect``, MIT licence) by :func:`regenerate`; ``mouse-v1-bock2011`` from the edge table
of Bock et al. 2011, Fig. 5b (the "mouse visual cortex" of Deep Connectomics Networks,
Roberts et al. 2019) by :func:`regenerate_bock2011`. Each writes the gzipped GraphML
file and its ``index.json`` entry (source paper and DOI, converter and input, conversion
date, and the :func:`counts` the tests check the file against) that
:mod:`topocli.graphs.bundled` looks up.

Run them with ``topocli graphs regenerate`` (needs ``pip install 'topocli[cect]'``, or
``--cect-dir`` pointing at an unpacked cect wheel; ``--bock2011-dir`` for the mouse graph).
"""

from __future__ import annotations

import datetime as _dt
import importlib.resources
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import igraph as ig
import numpy as np
import pandas as pd

from topocli.errors import TopocliError
from topocli.fileio import write_text_atomic
from topocli.graphs import classes
from topocli.graphs.bundled import DATA_DIR, index
from topocli.graphs.formats import read_raw_file
from topocli.graphs.graphml import write_graphml
from topocli.graphs.raw import build_raw


@dataclass(frozen=True)
class Source:
    name: str
    reader: str
    title: str
    paper: str
    doi: str
    species: str = "Caenorhabditis elegans (hermaphrodite)"


_WITVLIET_STAGES = ["L1 (0 h)", "L1 (5 h)", "L1 (8 h)", "L1 (16 h)", "L2 (23 h)", "L3 (27 h)",
                    "adult (45 h)", "adult (45 h)"]
SOURCES: tuple[Source, ...] = (
    Source("celegans-varshney2011", "VarshneyDataReader",
           "C. elegans hermaphrodite somatic nervous system",
           "Varshney, Chen, Paniagua, Hall & Chklovskii (2011) Structural properties of the "
           "Caenorhabditis elegans neuronal network. PLoS Comput Biol 7:e1001066",
           "10.1371/journal.pcbi.1001066"),
    Source("celegans-white1986", "White_whole",
           "C. elegans hermaphrodite nervous system (the Watts-Strogatz 1998 / Milo 2002 data)",
           "White, Southgate, Thomson & Brenner (1986) The structure of the nervous system of "
           "the nematode Caenorhabditis elegans. Phil Trans R Soc B 314:1-340",
           "10.1098/rstb.1986.0056"),
    Source("celegans-cook2019-herm", "Cook2019HermReader",
           "C. elegans whole-animal hermaphrodite connectome (neurons and muscles)",
           "Cook et al. (2019) Whole-animal connectomes of both Caenorhabditis elegans sexes. "
           "Nature 571:63-71", "10.1038/s41586-019-1352-7"),
) + tuple(
    Source(f"celegans-witvliet2021-{i}", f"WitvlietDataReader{i}",
           f"C. elegans brain development, dataset {i}: {stage}",
           "Witvliet et al. (2021) Connectomes across development reveal principles of brain "
           "maturation. Nature 596:257-261", "10.1038/s41586-021-03778-8")
    for i, stage in enumerate(_WITVLIET_STAGES, start=1)
) + (
    Source("celegans-cook2019-male", "Cook2019MaleReader",
           "C. elegans whole-animal male connectome (neurons and muscles)",
           "Cook et al. (2019) Whole-animal connectomes of both Caenorhabditis elegans sexes. "
           "Nature 571:63-71", "10.1038/s41586-019-1352-7",
           "Caenorhabditis elegans (male)"),
    Source("celegans-yim2024-dauer", "Yim2024DataReader",
           "C. elegans dauer larva nerve ring (chemical synapses)",
           "Yim et al. (2024) Comparative connectomics of dauer reveals developmental "
           "plasticity. Nat Commun 15:1546", "10.1038/s41467-024-45943-3",
           "Caenorhabditis elegans (dauer larva)"),
    Source("celegans-cook2020-pharynx", "Cook2020DataReader",
           "C. elegans pharyngeal nervous system",
           "Cook, Crouse, Yemini, Hall, Emmons & Hobert (2020) The connectome of the "
           "Caenorhabditis elegans pharynx. J Comp Neurol 528:2767-2784",
           "10.1002/cne.24932"),
)


# --------------------------------------------------------------------------- from cect
def _cect_root(cect_dir: str | Path | None) -> Path:
    if cect_dir is not None:
        root = Path(cect_dir)
        if (root / "cect").is_dir():
            root = root / "cect"
        if not (root / "cache").is_dir():
            raise TopocliError(f"{cect_dir} holds no cect/cache folder; point --cect-dir at an "
                               "unpacked cect wheel")
        sys.path.insert(0, str(root.parent))
        return root
    try:
        return Path(str(importlib.resources.files("cect")))
    except ModuleNotFoundError:
        raise TopocliError("cect is not installed; pip install 'topocli[cect]' (or "
                           "pip install --no-deps cect) to read cect: graphs") from None


def _neurotransmitters(root: Path) -> dict[str, str]:
    table = root / "data" / "Modified celegans db dump.csv"
    if not table.exists():
        return {}
    df = pd.read_csv(table)
    df = df[df["Relationship"] == "Neurotransmitter"]
    return {cell: "+".join(sorted(set(map(str, group)))) for cell, group
            in df.groupby("Entity1")["Entity2"]}


def raw_from_cect(reader: str, cect_dir: str | Path | None = None) -> ig.Graph:
    """Convert cect's cached connectome ``reader`` into the raw form.

    Chemical synapses (``Generic_CS``) become directed edges weighted by synapse count;
    gap junctions (``Generic_GJ``, a symmetric matrix) become one ``electrical`` edge per
    connected pair (stored as source < target in node order), weighted by the count.
    """
    root = _cect_root(cect_dir)
    cache = root / "cache" / f"{reader}.json"
    if not cache.exists():
        available = sorted(p.stem for p in (root / "cache").glob("*.json"))
        raise TopocliError(f"cect has no reader {reader!r}; available: {', '.join(available)}")
    import cect
    import cect.Cells as cells

    data = json.loads(cache.read_text())
    node_names = [str(n) for n in data["nodes"]]
    nts = _neurotransmitters(root)
    nodes = pd.DataFrame({"name": node_names,
                          "cell_class": [classes.classify_cect(n, cells) for n in node_names],
                          "neurotransmitter": [nts.get(n, "") for n in node_names]})
    frames = []
    conns = data["connections"]
    if "Generic_CS" in conns:
        cs = np.asarray(conns["Generic_CS"], dtype=float)
        s, t = np.nonzero(cs)
        frames.append(pd.DataFrame({"source": np.array(node_names)[s], "target":
                                    np.array(node_names)[t], "weight": cs[s, t],
                                    "synapse_type": "chemical"}))
    if "Generic_GJ" in conns:
        gj = np.asarray(conns["Generic_GJ"], dtype=float)
        gj = np.maximum(gj, gj.T)
        s, t = np.nonzero(np.triu(gj))
        frames.append(pd.DataFrame({"source": np.array(node_names)[s], "target":
                                    np.array(node_names)[t], "weight": gj[s, t],
                                    "synapse_type": "electrical"}))
    edges = pd.concat(frames, ignore_index=True)
    return build_raw(nodes, edges, directed=True, label=reader,
                     attrs={"cect_version": cect.__version__, "cect_reader": reader})


def counts(graph: ig.Graph) -> dict[str, int]:
    """The counts recorded in the provenance and checked by the tests."""
    types = np.array(graph.es["synapse_type"]) if graph.ecount() else np.array([])
    weights = np.array(graph.es["weight"]) if graph.ecount() else np.array([])
    cls = pd.Series(graph.vs["cell_class"]).value_counts().to_dict()
    return {
        "nodes": graph.vcount(),
        "neurons": int(sum(v for k, v in cls.items() if k in classes.NEURON_CLASSES)),
        "chemical_edges": int((types == "chemical").sum()),
        "chemical_synapses": int(weights[types == "chemical"].sum()),
        "electrical_edges": int((types == "electrical").sum()),
        "electrical_synapses": int(weights[types == "electrical"].sum()),
        **{f"class_{k}": int(v) for k, v in sorted(cls.items())},
    }


def regenerate(out_dir: str | Path = DATA_DIR, cect_dir: str | Path | None = None,
               only: list[str] | None = None) -> dict[str, dict]:
    """Rebuild the bundled files and ``index.json`` from cect; returns the new index."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    today = _dt.date.today().isoformat()
    new_index: dict[str, dict] = {}
    index_path = out_dir / "index.json"
    old = json.loads(index_path.read_text()) if index_path.exists() else {}
    for src in SOURCES:
        if only and src.name not in only:
            if src.name in old:
                new_index[src.name] = old[src.name]
            continue
        graph = raw_from_cect(src.reader, cect_dir)
        provenance = {"name": src.name, "species": src.species, "title": src.title,
                      "paper": src.paper, "doi": src.doi,
                      "cect_version": graph["cect_version"], "cect_reader": src.reader,
                      "converted": today, "licence": "cect (MIT); data from the cited paper"}
        for key, value in provenance.items():
            graph[key] = value
        file_name = f"{src.name}.graphml.gz"
        write_graphml(graph, out_dir / file_name)
        new_index[src.name] = {**provenance, "file": file_name, "counts": counts(graph)}
    for name, info in old.items():          # graphs not from cect (mouse-v1-bock2011)
        if name not in new_index and "cect_reader" not in info:
            new_index[name] = info
    (out_dir / "index.json").write_text(json.dumps(new_index, indent=1) + "\n")
    index.cache_clear()
    return new_index


# --------------------------------------------------------------------------- Bock 2011
BOCK2011 = Source("mouse-v1-bock2011", "bock2011-edges-csv",
                  "Mouse primary visual cortex, EM reconstruction (Fig. 5b; DCN's "
                  "'mouse visual cortex')",
                  "Bock, Lee, Kerlin, Andermann, Hood, Wetzel, Yurgenson, Soucy, Kim & Reid "
                  "(2011) Network anatomy and in vivo physiology of visual cortical neurons. "
                  "Nature 471:177-182", "10.1038/nature09802")


def raw_from_bock2011(folder: str | Path) -> ig.Graph:
    """Bock et al. 2011's Fig. 5b graph from ``folder`` (``edges.csv`` and
    ``mouse_v1_bock2011.graphml``) in the raw form.

    Every cell of the GraphML (195, numbered as in the figure, two without connections)
    becomes a node of class ``unknown`` (the figure does not type them all), in that
    order; every row ``source,target,synapses`` of ``edges.csv`` one directed
    ``chemical`` edge weighted by its synapse count. Raises :class:`TopocliError` when a
    file is missing, or when an edge names a cell the GraphML does not list.
    """
    folder = Path(folder)
    edges_csv, cells_file = folder / "edges.csv", folder / "mouse_v1_bock2011.graphml"
    for path in (edges_csv, cells_file):
        if not path.is_file():
            raise TopocliError(f"{path}: no such file; --bock2011-dir must hold edges.csv and "
                               "mouse_v1_bock2011.graphml")
    cells = read_raw_file(cells_file).vs["name"]
    try:
        table = pd.read_csv(edges_csv, dtype=str)
        table = table[["source", "target", "synapses"]]
    except (KeyError, ValueError, pd.errors.ParserError) as exc:
        raise TopocliError(f"{edges_csv}: expected columns source,target,synapses ({exc})"
                           ) from None
    unknown = sorted(set(table["source"]).union(table["target"]) - set(cells))
    if unknown:
        raise TopocliError(f"{edges_csv}: cells {', '.join(unknown[:5])} are not in "
                           f"{cells_file.name}")
    nodes = pd.DataFrame({"name": cells, "cell_class": classes.UNKNOWN,
                          "neurotransmitter": ""})
    edges = pd.DataFrame({"source": table["source"], "target": table["target"],
                          "weight": pd.to_numeric(table["synapses"], errors="coerce"),
                          "synapse_type": "chemical"})
    return build_raw(nodes, edges, directed=True, label=edges_csv.name)


def regenerate_bock2011(source_dir: str | Path, out_dir: str | Path = DATA_DIR) -> dict:
    """Convert Bock et al. 2011 from ``source_dir`` into ``out_dir`` and add it to the
    ``index.json`` there; returns its index entry."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    graph = raw_from_bock2011(source_dir)
    src = BOCK2011
    provenance = {"name": src.name, "species": "Mus musculus", "title": src.title,
                  "paper": src.paper, "doi": src.doi,
                  "converter": "topocli.graphs.converters.raw_from_bock2011",
                  "converted_from": "edges.csv (214 directed connections with synapse counts) "
                                    "and mouse_v1_bock2011.graphml (195 cells), as "
                                    "distributed by neurodata.io (mouse_visual.cortex_2)",
                  "converted": _dt.date.today().isoformat(),
                  "licence": "data from the cited paper"}
    for key, value in provenance.items():
        graph[key] = value
    file_name = f"{src.name}.graphml.gz"
    write_graphml(graph, out_dir / file_name)
    entry = {**provenance, "file": file_name, "counts": counts(graph)}
    index_path = out_dir / "index.json"
    old = json.loads(index_path.read_text()) if index_path.exists() else {}
    old[src.name] = entry
    write_text_atomic(index_path, json.dumps(old, indent=1) + "\n")
    index.cache_clear()
    return entry


# --------------------------------------------------------------------------- Drosophila
def regenerate_fly(out_dir: str | Path = DATA_DIR, *, graspologic_wheel: str | Path | None = None,
                   flyvis_wheel: str | Path | None = None, extent: int | None = None,
                   only: tuple[str, ...] = ("graspologic", "flyvis")) -> dict[str, dict]:
    """Convert the larval mushroom body (graspologic) and the fly visual system (flyvis,
    expanded over a hexagon of ``extent`` columns' radius) into ``out_dir`` and add them
    to the ``index.json`` there; returns their index entries."""
    from topocli.graphs import fly

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    extent = fly.FLYVIS_BUNDLED_EXTENT if extent is None else extent
    grasp = fly.package_files("graspologic", graspologic_wheel) if "graspologic" in only \
        else None
    vis = fly.package_files("flyvis", flyvis_wheel) if "flyvis" in only else None
    entries = {}
    for graph, provenance in fly.fly_entries(grasp, vis, extent, _dt.date.today().isoformat()):
        for key, value in provenance.items():
            graph[key] = value
        file_name = f"{provenance['name']}.graphml.gz"
        write_graphml(graph, out_dir / file_name)
        entries[provenance["name"]] = {**provenance, "file": file_name, "counts": counts(graph)}
    index_path = out_dir / "index.json"
    old = json.loads(index_path.read_text()) if index_path.exists() else {}
    old.update(entries)
    write_text_atomic(index_path, json.dumps(old, indent=1) + "\n")
    index.cache_clear()
    return entries
