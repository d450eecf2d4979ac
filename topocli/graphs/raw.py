"""The raw form every reader produces, and the repairs that get a messy file there.

The raw form (see :func:`build_raw`) is an ``igraph.Graph`` whose vertices carry
``name``, ``cell_class`` and ``neurotransmitter`` and whose edges carry ``synapse_type``
(``chemical``, ``electrical`` or ``unknown``) and ``weight`` (synapse count, 1.0 where the
file gives none). A graph whose file signs its synapses (node or edge attribute ``sign``,
as the fly visual system's) also has the node attribute ``sign``: each neuron's sign, +1
excitatory, -1 inhibitory, 0 unknown (:func:`build_raw`). Real files are messy, so
readers repair rather than refuse: duplicate edges are merged, self-loops dropped later by
the view, missing weights set to 1, and each repair is logged as a warning (the CLI prints
it on stderr).
"""

from __future__ import annotations

import logging

import igraph as ig
import numpy as np
import pandas as pd

from topocli.errors import TopocliError
from topocli.graphs import classes
from topocli.graphs.fields import normalise_synapse_type

log = logging.getLogger("topocli")


def build_raw(
    nodes: pd.DataFrame,
    edges: pd.DataFrame,
    *,
    directed: bool,
    label: str,
    attrs: dict | None = None,
) -> ig.Graph:
    """Build the raw graph from a node table and an edge table.

    ``nodes`` has a ``name`` column (str) and optional ``cell_class`` and
    ``neurotransmitter``; ``edges`` has ``source``, ``target`` (names), ``weight`` (may be
    NaN) and ``synapse_type``. Nodes named only in ``edges`` are added. Duplicate edges
    (same endpoints and synapse type; for an undirected graph either orientation) are
    merged with weights summed, except that an undirected file listing both ``u v w`` and
    ``v u w`` counts once. Each repair is logged.

    Synapse signs, where given (an optional ``sign`` column of ``nodes`` or ``edges``: > 0
    excitatory, < 0 inhibitory), become the node attribute ``sign`` (+1, -1, or 0 where
    unknown) as :func:`_node_signs` says; a graph without any has no ``sign`` attribute.
    """
    edges = edges.copy()
    edges["source"] = edges["source"].astype(str).str.strip()
    edges["target"] = edges["target"].astype(str).str.strip()
    no_end = (edges["source"] == "") | (edges["target"] == "")
    if no_end.any():
        log.warning("%s: dropped %d edges with an empty source or target", label,
                    int(no_end.sum()))
        edges = edges[~no_end]
    if "synapse_type" not in edges:
        edges["synapse_type"] = "unknown"
    _note_mapping(label, "synapse types", "synapse_type", edges["synapse_type"],
                  normalise_synapse_type)
    edges["synapse_type"] = edges["synapse_type"].map(normalise_synapse_type)
    weights = pd.to_numeric(edges.get("weight", pd.Series(np.nan, index=edges.index)),
                            errors="coerce")
    missing = int(weights.isna().sum())
    if missing and "weight" in edges and missing < len(edges):
        log.warning("%s: %d edges have no weight; set to 1", label, missing)
    edges["weight"] = weights.fillna(1.0).astype(float)
    bad = ~np.isfinite(edges["weight"]) | (edges["weight"] < 0)
    if bad.any():
        raise TopocliError(f"{label}: {int(bad.sum())} edge weights are negative or infinite; "
                           "weights must be synapse counts >= 0")
    zero = edges["weight"] == 0
    if zero.any():
        log.warning("%s: dropped %d edges of weight 0", label, int(zero.sum()))
        edges = edges[~zero]
    sent = _sent_signs(edges, directed=directed, label=label)

    if directed:
        edges["u"], edges["v"] = edges["source"], edges["target"]
        edges = _drop_mirrored_gap_junctions(edges, label)
    else:
        swap = edges["source"] > edges["target"]
        edges["u"] = np.where(swap, edges["target"], edges["source"])
        edges["v"] = np.where(swap, edges["source"], edges["target"])
    before = len(edges)
    if before:
        key = ["u", "v", "synapse_type"]
        if not directed:
            # "u v w" and "v u w" in an undirected file are one edge written twice.
            pairs, repeats = _mirrored_listings(edges)
            edges = pd.concat([edges[~pairs], edges[pairs & ~repeats]])
            n_mirrored = int(repeats.sum())
            if n_mirrored:
                log.warning("%s: undirected file lists %d edges in both directions; counted once",
                            label, n_mirrored)
        n_listed = len(edges)
        edges = edges.groupby(key, sort=False, as_index=False)["weight"].sum()
        if len(edges) < n_listed:
            log.warning("%s: merged %d duplicate edges (weights summed)", label,
                        n_listed - len(edges))
    else:
        edges = pd.DataFrame({"u": [], "v": [], "synapse_type": [], "weight": []})

    nodes = nodes.copy()
    nodes["name"] = nodes["name"].astype(str).str.strip()
    if nodes["name"].duplicated().any():
        dup = nodes["name"][nodes["name"].duplicated()].iloc[0]
        log.warning("%s: node %r listed more than once; kept the first", label, _short(dup))
        nodes = nodes.drop_duplicates("name")
    known = set(nodes["name"])
    extra = [str(n) for n in pd.unique(np.concatenate([edges["u"].to_numpy(dtype=str),
                                                       edges["v"].to_numpy(dtype=str)]))
             if n not in known]
    if extra:
        nodes = pd.concat([nodes, pd.DataFrame({"name": extra})], ignore_index=True)
    nodes["cell_class"] = _node_classes(nodes, label)
    if "neurotransmitter" not in nodes:
        nodes["neurotransmitter"] = ""
    nodes["neurotransmitter"] = [str(v).strip() if classes.is_given(v) else ""
                                 for v in nodes["neurotransmitter"]]

    signs = _node_signs(nodes, sent)

    index = {name: i for i, name in enumerate(nodes["name"])}
    graph = ig.Graph(n=len(nodes), directed=directed)
    graph.vs["name"] = list(nodes["name"])
    graph.vs["cell_class"] = list(nodes["cell_class"])
    graph.vs["neurotransmitter"] = list(nodes["neurotransmitter"])
    if signs is not None:
        graph.vs["sign"] = signs
    graph.add_edges(list(zip(edges["u"].map(index), edges["v"].map(index))))
    graph.es["synapse_type"] = list(edges["synapse_type"])
    graph.es["weight"] = [float(w) for w in edges["weight"]]
    for key, value in (attrs or {}).items():
        graph[key] = value
    return graph


def _sent_signs(edges: pd.DataFrame, *, directed: bool, label: str) -> dict[str, int]:
    """Each presynaptic node's sign from the ``sign`` of the synapses it sends.

    A node whose signed out-edges all agree takes their sign. One that sends both signs
    (a few cell types of the fly visual system do: :mod:`topocli.graphs.fly`) takes the
    sign of its net signed synapse count, ``sum(sign * weight)`` over its out-edges, i.e.
    of most of its synapses; a tie leaves it 0 (unknown). How many were mixed is logged
    (``-v``). Signs on undirected edges, which have no presynaptic
    end, are ignored with a warning. Returns ``{name: sign}`` for the nodes that send a
    signed edge (empty when no edge is signed).
    """
    if "sign" not in edges or not len(edges):
        return {}
    values = pd.to_numeric(edges["sign"], errors="coerce")
    signed = values.notna() & (values != 0)
    if not signed.any():
        return {}
    if not directed:
        log.warning("%s: edge signs ignored: an undirected edge has no presynaptic end "
                    "to give its sign to", label)
        return {}
    table = pd.DataFrame({"source": edges["source"][signed],
                          "sign": np.sign(values[signed]).astype(int),
                          "net": np.sign(values[signed]) * edges["weight"][signed]})
    by_source = table.groupby("source", sort=False)
    net = by_source["net"].sum()
    mixed = by_source["sign"].nunique() > 1
    out = {str(name): int(np.sign(v)) for name, v in net.items()}
    if mixed.any():
        ties = sum(out[str(name)] == 0 for name in mixed.index[mixed])
        log.info("%s: %d nodes send synapses of both signs; each took the sign of its net "
                 "signed synapse count%s", label, int(mixed.sum()),
                 f" ({ties} ties left unsigned)" if ties else "")
    return out


def _node_signs(nodes: pd.DataFrame, sent: dict[str, int]) -> list[int] | None:
    """Each node's sign: the node's own ``sign`` value where the file gives one, else the
    sign of the synapses it sends (:func:`_sent_signs`), else 0; ``None`` when no node
    has a sign (the graph then gets no ``sign`` attribute)."""
    given = (pd.to_numeric(nodes["sign"], errors="coerce") if "sign" in nodes
             else pd.Series(np.nan, index=nodes.index))
    if not sent and not (given.notna() & (given != 0)).any():
        return None
    return [int(np.sign(g)) if pd.notna(g) and g != 0 else sent.get(name, 0)
            for name, g in zip(nodes["name"], given)]


def _note_mapping(label: str, what: str, field: str, values: pd.Series, mapper) -> None:
    """Say on stderr which file values were read as which of ours (when any differ)."""
    counts = values.fillna("").astype(str).str.strip().value_counts()
    mapped = [(v, mapper(v), c) for v, c in counts.items() if v and mapper(v) != v]
    if not mapped:
        return
    read = [f"{v} -> {m} ({c})" for v, m, c in mapped if m not in (None, "unknown")]
    unread = [f"{v} ({c})" for v, m, c in mapped if m in (None, "unknown")]
    if not read:
        log.warning("%s: %s values name no %s topocli knows: %s", label, field, what,
                    _few(unread))
        return
    log.warning("%s: %s read from %s: %s%s", label, what, field, ", ".join(read),
                f"; not recognised: {_few(unread)}" if unread else "")


def _few(items: list[str], limit: int = 6) -> str:
    more = f", ... ({len(items)} values)" if len(items) > limit else ""
    return ", ".join(_short(item) for item in items[:limit]) + more


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


def _node_classes(nodes: pd.DataFrame, label: str) -> list[str]:
    """Each node's class from the file's ``cell_class`` value, else its ``role``.

    Values in our vocabulary pass; others are read with
    :func:`topocli.graphs.classes.class_from_label` (``S`` -> sensory, ...). What was
    mapped and what was not goes to stderr; nodes left ``unknown`` may still be matched
    by cell name (:func:`topocli.graphs.cell_names.match_cell_names`).
    """
    n = len(nodes)
    fields = {f: (nodes[f].tolist() if f in nodes else [None] * n) for f in ("cell_class", "role")}
    found: list[str] = []
    for value_class, value_role in zip(fields["cell_class"], fields["role"]):
        cls = None
        for value in (value_class, value_role):
            if classes.is_given(value):
                cls = classes.class_from_label(value)
                if cls is not None:
                    break
        found.append(cls or classes.UNKNOWN)
    for field in ("cell_class", "role"):
        values = pd.Series(fields[field], dtype=object)
        given = values[[classes.is_given(v) for v in values]]
        _note_mapping(label, "cell classes", field, given,
                      lambda v: classes.class_from_label(v) or "unknown")
    return found


def _drop_mirrored_gap_junctions(edges: pd.DataFrame, label: str) -> pd.DataFrame:
    """Keep one of ``u -E- v`` and ``v -E- u`` listed with the same count.

    Directed neurodata-style files list each gap junction in both directions; the raw
    form holds it once (the directed view makes it two arcs again), as the bundled
    graphs do.
    """
    elec = edges["synapse_type"] == "electrical"
    if not elec.any():
        return edges
    gap = edges[elec]
    _, repeats = _mirrored_listings(gap)
    drop = gap.index[repeats.to_numpy()]
    if len(drop):
        log.warning("%s: %d gap junctions are listed in both directions; counted once",
                    label, len(drop))
    return edges.drop(index=drop)


def _mirrored_listings(edges: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Which rows of an edge table list one edge twice, as ``a b w`` and ``b a w``.

    A pair is mirrored when exactly two rows join a and b with one synapse type, one in
    each direction, with the same count (more rows, or different counts, are duplicates
    that :func:`build_raw` merges by summing). Returns two masks on ``edges``: every row
    of a mirrored pair, and the second (repeated) row of each.
    """
    swap = (edges["source"] > edges["target"]).to_numpy()
    ends = pd.DataFrame({
        "lo": np.where(swap, edges["target"], edges["source"]),
        "hi": np.where(swap, edges["source"], edges["target"]),
        "synapse_type": edges["synapse_type"].to_numpy(), "orient": swap.astype(int),
        "weight": edges["weight"].to_numpy()}, index=edges.index)
    key = ["lo", "hi", "synapse_type"]
    g = ends.groupby(key, sort=False)
    pairs = (g["orient"].transform("nunique") == 2) & (g["weight"].transform("nunique") == 1) \
        & (g["weight"].transform("size") == 2)
    return pairs, pairs & ends.duplicated(key)
