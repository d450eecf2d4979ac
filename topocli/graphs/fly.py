"""Converters for the two Drosophila connectomes topocli bundles.

* The larva's mushroom body, left and right hemispheres (Eichler et al. 2017), as
  ``graspologic`` 3.4.4 ships it (``datasets/drosophila/{left,right}_{adjacency,
  cell_labels}.csv``): a weighted directed adjacency matrix (synapse counts) and one cell
  type per row.
* The fly's visual system (Lappalainen et al. 2024, from the FIB-25/FIB-19 reconstructions)
  as ``flyvis`` 1.2.0 ships it (``connectome/fib25-fib19_v2.2.json``): 65 cell types and
  605 type-to-type edges, each with offsets on a hexagonal lattice of columns and a mean
  synapse count. :func:`raw_from_flyvis` expands it over a hexagon of columns of radius
  ``extent`` (``1 + 3 extent (extent + 1)`` columns) the way flyvis's ``Connectome`` does
  (``add_strided_nodes``, ``add_conv_edges``), with the reported offsets only: flyvis's
  optional filling of each edge's convex hull with one-synapse offsets (``n_syn_fill``) is
  not applied, so every edge is one the reconstruction reported.

Both are read from the installed package's files located without importing it
(``importlib.util.find_spec``: graspologic's ``__init__`` pulls in heavy dependencies), or
from a wheel file the user passes. Each source class becomes one of topocli's classes as
the tables :data:`MB_CLASS_MAP` and :func:`flyvis_class_map` say (inputs to the circuit are
``sensory``, its outputs ``motor``, the rest ``interneuron``), so class-ordered DAGs, the
reservoir's sensory input and motor readout, and homophily work on these graphs.

The visual system's synapses are signed (flyvis's per-edge ``alpha``: +1 excitatory, -1
inhibitory), and topocli reads each cell's sign from the synapses it sends (node attribute
``sign``, see :func:`raw_from_flyvis`), so the reservoir's ``auto`` signs and the
controller's ``dale`` signs are flyvis's on this graph and travel with their cells into
the node-keeping nulls. The sign is mostly one per presynaptic type, but not always: of
the 63 types that send synapses, 59 send one sign; R8, Am, C2 and C3 send both (R8
inhibits L1, L3, R7, Tm20, Tm5c and excites Mi1, Mi4, Mi9, Mi15; Am excites L1 and T1;
C2 and C3 excite L1 and L2; each inhibits its other targets). Each such cell takes the
sign of most of its synapses: R8, C2 and C3 inhibitory, Am excitatory. Mi11 and Tm30
send none, so their cells (and edge cells of the hexagon left without an out-edge) are
unsigned (0), which the sign rules read as excitatory; it changes nothing in the real
graph, where they have no synapse to sign. In the bundled file (radius 3) 914 of the
2,345 cells are inhibitory, 1,345 excitatory and 86 unsigned; in its default view 914 of
2,331 are inhibitory (39.2 %).
"""

from __future__ import annotations

import importlib.util
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

import igraph as ig
import numpy as np
import pandas as pd

from topocli.errors import TopocliError
from topocli.graphs import classes
from topocli.graphs.raw import build_raw


@dataclass(frozen=True)
class PackageFiles:
    """Data files of one Python distribution: its installed folder or its wheel."""

    package: str
    version: str
    location: Path

    def read_bytes(self, member: str) -> bytes:
        if self.location.is_file():
            with zipfile.ZipFile(self.location) as wheel:
                try:
                    return wheel.read(f"{self.package}/{member}")
                except KeyError:
                    raise TopocliError(f"{self.location} holds no {self.package}/{member}; "
                                       f"pass a {self.package} wheel") from None
        path = self.location / member
        if not path.is_file():
            raise TopocliError(f"{path}: no such file; is {self.package} "
                               f"{self.version} installed?")
        return path.read_bytes()


def package_files(package: str, wheel: str | Path | None = None) -> PackageFiles:
    """Where ``package``'s data lie: ``wheel`` when given, else the installed package
    (found without importing it)."""
    if wheel is not None:
        wheel = Path(wheel)
        if not zipfile.is_zipfile(wheel):
            raise TopocliError(f"{wheel} is not a wheel; pass the {package}-*.whl file")
        version = wheel.name.split("-")[1] if wheel.name.count("-") >= 2 else "unknown"
        return PackageFiles(package, version, wheel)
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise TopocliError(f"{package} is not installed; pip install --no-deps {package} "
                           f"(or pass its wheel with --{package}-wheel)")
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version(package)
    except PackageNotFoundError:
        found = "unknown"
    return PackageFiles(package, found, Path(list(spec.submodule_search_locations)[0]))


# ------------------------------------------------------------- larval mushroom body
#: What each cell type of Eichler et al. 2017 (graspologic's labels) became.
MB_CLASS_MAP: dict[str, tuple[str, str]] = {
    "P": ("projection neuron (olfactory input from the antennal lobe)", classes.SENSORY),
    "K": ("Kenyon cell", classes.INTERNEURON),
    "I": ("mushroom body input neuron (modulatory: dopaminergic, octopaminergic...)",
          classes.INTERNEURON),
    "O": ("mushroom body output neuron", classes.MOTOR),
}


def raw_from_graspologic_mb(hemisphere: str, files: PackageFiles) -> ig.Graph:
    """The larval mushroom body's ``hemisphere`` (``left`` or ``right``) in the raw form.

    Row ``i`` of the adjacency matrix becomes node ``<type><k>`` (``K1``, ``K2``... the
    k-th cell of its type in the file's order); every nonzero entry ``A[i, j]`` a directed
    ``chemical`` edge ``i -> j`` weighted by its synapse count.
    """
    if hemisphere not in ("left", "right"):
        raise TopocliError(f"hemisphere {hemisphere!r}: choose left or right")
    base = "datasets/drosophila"
    adj = np.loadtxt(io.BytesIO(files.read_bytes(f"{base}/{hemisphere}_adjacency.csv")))
    labels = files.read_bytes(f"{base}/{hemisphere}_cell_labels.csv").decode().split()
    if adj.shape != (len(labels), len(labels)):
        raise TopocliError(f"{files.location}: {hemisphere} adjacency {adj.shape} does not "
                           f"match its {len(labels)} cell labels")
    unknown = sorted(set(labels) - set(MB_CLASS_MAP))
    if unknown:
        raise TopocliError(f"{files.location}: unknown mushroom body cell types {unknown}")
    seen: dict[str, int] = {}
    names = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        names.append(f"{label}{seen[label]}")
    nodes = pd.DataFrame({"name": names, "cell_class": [MB_CLASS_MAP[t][1] for t in labels],
                          "neurotransmitter": ""})
    s, t = np.nonzero(adj)
    edges = pd.DataFrame({"source": np.array(names)[s], "target": np.array(names)[t],
                          "weight": adj[s, t], "synapse_type": "chemical"})
    graph = build_raw(nodes, edges, directed=True, label=f"{hemisphere}_adjacency.csv")
    graph.vs["cell_type"] = labels
    return graph


# ------------------------------------------------------------------ fly visual system
FLYVIS_FILE = "connectome/fib25-fib19_v2.2.json"


def flyvis_spec(files: PackageFiles) -> dict:
    return json.loads(files.read_bytes(FLYVIS_FILE))


def flyvis_class_map(spec: dict) -> dict[str, tuple[str, str]]:
    """What each flyvis cell type became: the input units (photoreceptors R1-R8) sensory,
    the output units (the visual system's outputs, T1-T5, Tm, TmY) motor, the rest
    interneuron."""
    inputs, outputs = set(spec["input_units"]), set(spec["output_units"])
    out = {}
    for node in spec["nodes"]:
        name = node["name"]
        if name in inputs:
            out[name] = ("photoreceptor (flyvis input unit)", classes.SENSORY)
        elif name in outputs:
            out[name] = ("output of the visual system (flyvis output unit)", classes.MOTOR)
        else:
            out[name] = ("intrinsic visual-system neuron", classes.INTERNEURON)
    return out


def columns(extent: int) -> int:
    """Columns in a hexagon of radius ``extent``."""
    return 1 + 3 * extent * (extent + 1)


def _lattice(extent: int, u_stride: int, v_stride: int) -> list[tuple[int, int]]:
    """Columns (u, v) of a cell type with these strides, in flyvis's order."""
    return [(u, v) for u in range(-extent, extent + 1)
            for v in range(max(-extent, -extent - u), min(extent, extent - u) + 1)
            if u % u_stride == 0 and v % v_stride == 0]


def raw_from_flyvis(spec: dict, extent: int) -> ig.Graph:
    """The fly visual system expanded over a hexagon of ``extent`` columns' radius.

    One node ``<type>[u,v]`` per cell type and column it occupies (types with stride
    ``(su, sv)`` only where ``u % su == v % sv == 0``, as in flyvis); for every type-to-type
    edge and reported offset ``(du, dv)``, one ``chemical`` edge from each source cell at
    ``(u, v)`` to the target cell at ``(u + du, v + dv)`` where that column exists,
    weighted by the mean synapse count. The edge's sign (flyvis's ``alpha``, +1 excitatory,
    -1 inhibitory) is kept as the edge attribute ``sign``, which the file stores, and each
    cell's sign as the node attribute ``sign`` (:func:`~topocli.graphs.raw.build_raw`: the
    sign of its out-edges, or of most of its synapses where they mix; 0 for a cell that
    sends none), which is what the reservoir's and the controller's sign rules use.
    """
    if not 0 <= extent <= 40:
        raise TopocliError(f"fly visual extent {extent}: choose a column radius from 0 to 40 "
                           f"(15 is flyvis's default, {columns(15)} columns)")
    class_map = flyvis_class_map(spec)
    cells: dict[str, dict[tuple[int, int], str]] = {}
    names, types = [], []
    for node in spec["nodes"]:
        pattern, strides = node["pattern"]
        if pattern != "stride":
            raise TopocliError(f"flyvis node pattern {pattern!r} is not supported")
        col = cells.setdefault(node["name"], {})
        for u, v in _lattice(extent, *strides):
            col[u, v] = f"{node['name']}[{u},{v}]"
            names.append(col[u, v])
            types.append(node["name"])
    src, tar, weight, sign = [], [], [], []
    for edge in spec["edges"]:
        sources, targets = cells[edge["src"]], cells[edge["tar"]]
        for (du, dv), n_syn in edge["offsets"]:
            for (u, v), name in sources.items():
                target = targets.get((u + du, v + dv))
                if target is not None:
                    src.append(name)
                    tar.append(target)
                    weight.append(float(n_syn))
                    sign.append(int(edge["alpha"]))
    nodes = pd.DataFrame({"name": names, "cell_class": [class_map[t][1] for t in types],
                          "neurotransmitter": ""})
    edges = pd.DataFrame({"source": src, "target": tar, "weight": weight,
                          "synapse_type": "chemical", "sign": sign})
    graph = build_raw(nodes, edges, directed=True, label=FLYVIS_FILE)
    graph.vs["cell_type"] = types
    # build_raw keeps the edge order (no duplicates: one edge per type pair and offset).
    if graph.ecount() == len(sign):
        graph.es["sign"] = sign
    return graph


# ------------------------------------------------------------------ bundling
EICHLER2017 = ("Eichler, Li, Litwin-Kumar, Park, Andrade, Schneider-Mizell, Saumweber, "
               "Huser, Eschbach, Gerber, Fetter, Truman, Priebe, Abbott, Thum, Zlatic & "
               "Cardona (2017) The complete connectome of a learning and memory centre in "
               "an insect brain. Nature 548:175-182", "10.1038/nature23455")
LAPPALAINEN2024 = ("Lappalainen, Tschopp, Prakhya, McGill, Nern, Shinomiya, Takemura, "
                   "Gruntman, Macke & Turaga (2024) Connectome-constrained networks predict "
                   "neural activity across the fly visual system. Nature 634:1132-1140",
                   "10.1038/s41586-024-07939-3")
#: Column radius of the bundled fly visual system: 37 columns, 2,345 neurons, about 58,000
#: edges, small enough for ``analyze --nulls 100`` and training; larger expansions come
#: from ``topocli graphs regenerate --flyvis-extent N``.
FLYVIS_BUNDLED_EXTENT = 3
VISUAL_NAME = "drosophila-visual-lappalainen2024"


def visual_name(extent: int) -> str:
    return VISUAL_NAME if extent == FLYVIS_BUNDLED_EXTENT else f"{VISUAL_NAME}-r{extent}"


def fly_entries(graspologic: PackageFiles | None, flyvis: PackageFiles | None,
                extent: int, today: str) -> list[tuple[ig.Graph, dict]]:
    """Each fly graph to bundle with its provenance (index entry without file and counts)."""
    out = []
    if graspologic is not None:
        paper, doi = EICHLER2017
        for side in ("left", "right"):
            graph = raw_from_graspologic_mb(side, graspologic)
            out.append((graph, {
                "name": f"drosophila-larva-mb-{side}", "species": "Drosophila melanogaster "
                "(first-instar larva)",
                "title": f"Drosophila larva mushroom body, {side} hemisphere",
                "paper": paper, "doi": doi,
                "converter": "topocli.graphs.fly.raw_from_graspologic_mb",
                "converted_from": f"graspologic {graspologic.version} "
                                  f"datasets/drosophila/{side}_adjacency.csv and "
                                  f"{side}_cell_labels.csv",
                "converted": today, "licence": "graspologic (MIT); data from the cited paper",
                "class_map": {k: f"{d} -> {c}" for k, (d, c) in MB_CLASS_MAP.items()}}))
    if flyvis is not None:
        spec = flyvis_spec(flyvis)
        paper, doi = LAPPALAINEN2024
        graph = raw_from_flyvis(spec, extent)
        out.append((graph, {
            "name": visual_name(extent), "species": "Drosophila melanogaster (adult)",
            "title": f"Drosophila visual system (optic lobe), {len(spec['nodes'])} cell types "
                     f"expanded over {columns(extent)} columns (hexagon radius {extent})",
            "paper": paper, "doi": doi,
            "converter": "topocli.graphs.fly.raw_from_flyvis",
            "converted_from": f"flyvis {flyvis.version} {FLYVIS_FILE}, extent {extent}, "
                              "reported offsets only (no convex-hull filling)",
            "converted": today, "licence": "flyvis (MIT); data from the cited paper and the "
                                           "FIB-25/FIB-19 reconstructions",
            "columns": columns(extent), "extent": extent,
            "class_map": {k: f"{d} -> {c}" for k, (d, c) in flyvis_class_map(spec).items()}}))
    return out
