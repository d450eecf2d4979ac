"""Fuzzed readers: random and mutated bytes never crash a reader.

Every reader of a file a user or a results folder hands topocli (GraphML, GML, edge
list, CSV adjacency, IDX, CIFAR binary, a sweep folder's config.json and store) either
returns its data or raises :class:`TopocliError` (one line); never another exception.
Three readers are held to more than that (issue 28): a matrix-shaped CSV with a fault is
refused as a matrix, nodes named like NA keep their names, and a GraphML value is read
as its key's type or refused.
Inputs are mutations of small valid files (bytes flipped, cut, spliced, repeated) and
plain random bytes. How many cases ran is counted in ``CASES`` and checked at the end.
"""

from __future__ import annotations

import gzip
import itertools
import json
import os
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from topocli.errors import TopocliError
from topocli.graphs import read_graph_file

CASES: Counter = Counter()
# Fixed examples (derandomize) keep CI repeatable; TOPOCLI_FUZZ_EXAMPLES=N and
# TOPOCLI_FUZZ_RANDOM=1 run a longer, fresh search by hand.
FUZZ = settings(max_examples=int(os.environ.get("TOPOCLI_FUZZ_EXAMPLES", 100)), deadline=None,
                database=None, derandomize=not os.environ.get("TOPOCLI_FUZZ_RANDOM"),
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

SEEDS = {
    "graphml": b'<?xml version="1.0"?><graphml xmlns="http://graphml.graphdrawing.org/xmlns">'
               b'<key id="t" for="edge" attr.name="synapse_type" attr.type="string"/>'
               b'<key id="w" for="edge" attr.name="weight" attr.type="double"/>'
               b'<key id="r" for="node" attr.name="role" attr.type="string"/>'
               b'<graph edgedefault="directed"><node id="ADAL"><data key="r">S</data></node>'
               b'<node id="AVAL"/><edge source="ADAL" target="AVAL"><data key="t">C</data>'
               b'<data key="w">2</data></edge><edge source="AVAL" target="b">'
               b'<data key="t">E</data><data key="w">1</data></edge></graph></graphml>',
    "gml": b'graph [\n directed 1\n node [ id 0 label "ADAL" role "S" ]\n node [ id 1 label '
           b'"AVAL" ]\n edge [ source 0 target 1 synapsetype "C" weight 3 ]\n edge [ source 1'
           b' target 0 synapsetype "E" weight 1 ]\n]\n',
    "txt": b"# comment\nADAL AVAL 3 chemical\nAVAL AVAR 1 gap junction\nAVAR ADAL 2 S\n",
    "csv": b",a,b,c\na,0,1,0\nb,1,0,2\nc,0,2,0\n",
    # issue 28: typed GraphML keys, a matrix with bad cells, nodes named like NA
    "typed.graphml": b'<?xml version="1.0"?><graphml xmlns="http://graphml.graphdrawing.org/'
                     b'xmlns"><key id="w" for="edge" attr.name="weight" attr.type="int"/>'
                     b'<key id="d" for="node" attr.name="size" attr.type="double"/>'
                     b'<key id="b" for="node" attr.name="seen" attr.type="boolean"/>'
                     b'<key id="l" for="graph" attr.name="year" attr.type="long"/>'
                     b'<graph edgedefault="undirected"><data key="l">2011</data><node id="a">'
                     b'<data key="d">1.5e3</data><data key="b">true</data></node><node id="b">'
                     b'<data key="d">nan</data><data key="b">0</data></node><edge source="a" '
                     b'target="b"><data key="w">3</data></edge></graph></graphml>',
    "holes.matrix.csv": b"node,NA,null,c\nNA,0,,inf\nnull,nan,0,x\nc,1,1\n",
    "na.names.txt": b"NA null 1\nNone n/a\nnan NULL nan\nnull NA NA\n",
}


def _mutate(data: bytes, ops: list[tuple[int, int, int]]) -> bytes:
    """Apply (kind, position, value) edits: flip a byte, cut, insert, duplicate a slice."""
    out = bytearray(data)
    for kind, pos, value in ops:
        if not out:
            out = bytearray([value])
            continue
        pos %= len(out)
        if kind == 0:
            out[pos] = value
        elif kind == 1:
            del out[pos:pos + 1 + value % 16]
        elif kind == 2:
            out[pos:pos] = bytes([value]) * (1 + value % 4)
        else:
            out[pos:pos] = out[pos:pos + 1 + value % 32]
    return bytes(out)


OPS = st.lists(st.tuples(st.integers(0, 3), st.integers(0, 10_000), st.integers(0, 255)),
               min_size=1, max_size=8)
SPECIAL = st.sampled_from([b"", b"\x00", b"\x1f\x8b", b"\x1f\x8b\x08\x00garbage", b"graph [",
                           b"<graphml>", b"a b nan", b"a b -1", b"a b inf", b"\xff\xfe",
                           b"<!DOCTYPE x [<!ENTITY a 'b'>]><graphml/>", b"source,target\n"])


def _bytes_for(fmt: str):
    return st.one_of(OPS.map(lambda ops: _mutate(SEEDS[fmt], ops)), st.binary(max_size=300),
                     SPECIAL)


def _read_or_refuse(reader, path: Path) -> None:
    try:
        reader(path)
    except TopocliError as exc:
        assert "\n" not in str(exc)


@pytest.mark.parametrize("fmt", sorted(SEEDS))
def test_graph_readers_survive_random_bytes(tmp_path, fmt):
    @FUZZ
    @given(data=_bytes_for(fmt), gz=st.booleans())
    def case(data, gz):
        path = tmp_path / (f"g.{fmt}.gz" if gz else f"g.{fmt}")
        path.write_bytes(gzip.compress(data) if gz else data)
        _read_or_refuse(read_graph_file, path)
        CASES[f"graph:{fmt}"] += 1

    case()


def _idx(values: np.ndarray) -> bytes:
    header = bytes([0, 0, 8, values.ndim]) + b"".join(
        int(d).to_bytes(4, "big") for d in values.shape)
    return header + values.astype(np.uint8).tobytes()


NA_NAMES = ["NA", "null", "None", "n/a", "nan", "NULL", "", "N/A", "#N/A", "<NA>"]
BAD_CELLS = ["", "nan", "NaN", "inf", "-inf", "x", "NA", "null", "-1", "1e400", "1;2"]


@st.composite
def _matrices(draw):
    """A matrix-shaped CSV with one fault: a bad cell, a short row or a missing row."""
    names = draw(st.lists(st.sampled_from(NA_NAMES[:6] + ["a", "b", "7", "AVAL"]),
                          min_size=2, max_size=5, unique=True))
    n = len(names)
    cells = [[str(draw(st.integers(0, 3))) for _ in range(n)] for _ in range(n)]
    # A 2-node matrix without a row and with a named corner is a 2-line edge list.
    fault = draw(st.sampled_from(["cell", "short row", "missing row"][: 2 + (n > 2)]))
    i, j = draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1))
    if fault == "cell":
        cells[i][j] = draw(st.sampled_from(BAD_CELLS))
    elif fault == "short row":
        cells[i] = cells[i][: draw(st.integers(1, n - 1))]
    corner = draw(st.sampled_from(["", "node"]))
    rows = [[names[k], *cells[k]] for k in range(n) if not (fault == "missing row" and k == i)]
    text = "\n".join(",".join(r) for r in [[corner, *names], *rows]) + "\n"
    return text, fault


@settings(FUZZ, max_examples=max(FUZZ.max_examples // 2, 1))
@given(case=_matrices())
def test_matrix_shaped_csv_with_a_fault_is_refused_as_a_matrix(tmp_path, case):
    """Issue 28: never read as an edge list; one line naming the fault."""
    text, fault = case
    path = tmp_path / "m.csv"
    path.write_text(text)
    with pytest.raises(TopocliError, match="adjacency matrix") as info:
        read_graph_file(path)
    assert "\n" not in str(info.value)
    assert {"cell": "cell (row", "short row": "cells but the header",
            "missing row": "rows follow"}[fault] in str(info.value)
    CASES["matrix faults"] += 1


@settings(FUZZ, max_examples=max(FUZZ.max_examples // 2, 1))
@given(edges=st.lists(st.tuples(st.sampled_from(NA_NAMES[:6] + ["N/A", "-", "x"]),
                                st.sampled_from(NA_NAMES[:6] + ["<NA>", "NaN", "y"]),
                                st.sampled_from(["", " 1", " 2", " nan", " NA"])),
                      min_size=1, max_size=8),
       sep=st.sampled_from([" ", "\t", ","]))
def test_nodes_named_like_missing_values_are_kept(tmp_path, edges, sep):
    """Issue 28: every name in an edge list is a node, however much it looks like NA."""
    path = tmp_path / "e.txt"
    path.write_text("".join(f"{u}{sep}{v}{w.replace(' ', sep)}\n" for u, v, w in edges))
    g = read_graph_file(path)
    assert set(g.vs["name"]) == {n for u, v, _ in edges for n in (u, v)}
    assert {(g.vs[e.source]["name"], g.vs[e.target]["name"]) for e in g.es} == \
        {(u, v) for u, v, _ in edges}
    CASES["NA-like names"] += 1


def _graphml_value_ok(typ: str, text: str) -> bool:
    """The oracle: what a <data> value of attr.type ``typ`` may hold."""
    value = text.strip()
    if not value or typ == "string":
        return True
    if typ == "boolean":
        return value.lower() in ("true", "false", "1", "0")
    try:
        number = float(value)
    except ValueError:
        return False
    return typ in ("double", "float") or number.is_integer()


@settings(FUZZ, max_examples=max(FUZZ.max_examples // 2, 1))
@given(typ=st.sampled_from(["int", "long", "double", "float", "boolean", "string"]),
       text=st.one_of(st.sampled_from(["3", "-2", "3.0", "3.5", "1e400", "nan", "NaN", "inf",
                                       "-inf", "abc", "", " 7 ", "true", "False", "0", "1",
                                       "maybe", "0x10", "1_000"]),
                      st.text(alphabet="0123456789.-+eEinfaTrue ", max_size=6)),
       where=st.sampled_from(["node", "edge", "graph"]))
def test_graphml_values_match_their_key_type_or_are_refused(tmp_path, typ, text, where):
    """Issue 28: a <data> value its key's attr.type cannot hold is one line, not a crash."""
    data = f'<data key="k">{text}</data>'
    body = {"node": (data, "", ""), "edge": ("", data, ""), "graph": ("", "", data)}[where]
    path = tmp_path / "t.graphml"
    path.write_text('<graphml xmlns="http://graphml.graphdrawing.org/xmlns">'
                    f'<key id="k" for="{where}" attr.name="extra" attr.type="{typ}"/>'
                    f'<graph edgedefault="directed">{body[2]}<node id="a">{body[0]}</node>'
                    f'<node id="b"/><edge source="a" target="b">{body[1]}</edge></graph>'
                    "</graphml>")
    if _graphml_value_ok(typ, text):
        assert read_graph_file(path).ecount() == 1
    else:
        with pytest.raises(TopocliError, match=f"is not a valid {typ}"):
            read_graph_file(path)
    CASES["typed GraphML"] += 1


def test_idx_reader_survives_random_bytes(tmp_path):
    from topocli.training.data import read_idx

    seed = _idx(np.arange(2 * 3 * 3).reshape(2, 3, 3))

    @FUZZ
    @given(data=st.one_of(OPS.map(lambda ops: _mutate(seed, ops)), st.binary(max_size=64)),
           gz=st.booleans(), damage_gz=st.booleans())
    def case(data, gz, damage_gz):
        path = tmp_path / ("x.idx.gz" if gz else "x.idx")
        payload = gzip.compress(data) if gz else data
        if gz and damage_gz:
            payload = payload[: len(payload) // 2]
        path.write_bytes(payload)
        _read_or_refuse(read_idx, path)
        CASES["idx"] += 1

    case()


def test_cifar_reader_survives_random_bytes(tmp_path):
    from topocli.training.data import load_dataset

    record = bytes([3]) + bytes(range(256)) * 12

    @FUZZ
    @given(train=st.one_of(OPS.map(lambda ops: _mutate(record * 2, ops)),
                           st.binary(max_size=64)),
           test=st.one_of(OPS.map(lambda ops: _mutate(record, ops)), st.just(record)))
    def case(train, test):
        (tmp_path / "data_batch_1.bin").write_bytes(train)
        (tmp_path / "test_batch.bin").write_bytes(test)
        _read_or_refuse(lambda p: load_dataset("cifar10", p, val_fraction=0.0), tmp_path)
        CASES["cifar"] += 1

    case()


def test_sweep_folder_config_and_store_survive_random_bytes(tmp_path):
    from topocli.sweep import run_sweep
    from topocli.sweep._stand_ins import stand_in_prepare, stand_in_train

    def sweep(out: Path) -> None:
        run_sweep("celegans-varshney2011", out, families="real", count=1, seeds=1, seed=1,
                  jobs=1, train_fn=stand_in_train, prepare_fn=stand_in_prepare)

    good = tmp_path / "good"
    sweep(good)
    config = (good / "config.json").read_bytes()
    store = (good / "sweep.sqlite").read_bytes()
    keep = (good / "runs.csv").read_bytes()
    folders = itertools.count()

    @settings(FUZZ, max_examples=40)
    @given(which=st.sampled_from(["config.json", "sweep.sqlite"]), ops=OPS,
           json_value=st.one_of(st.none(), st.integers(), st.lists(st.integers(), max_size=2),
                                st.dictionaries(st.sampled_from(["kind", "fingerprint"]),
                                                st.one_of(st.text(max_size=5), st.integers()),
                                                max_size=2)))
    def case(which, ops, json_value):
        out = tmp_path / f"case{next(folders)}"
        out.mkdir()
        for name in ("config.json", "sweep.sqlite", "runs.csv", "kind.txt"):
            (out / name).write_bytes((good / name).read_bytes())
        if which == "config.json" and ops[0][0] == 0:
            (out / which).write_text(json.dumps(json_value))
        else:
            (out / which).write_bytes(_mutate(config if which == "config.json" else store,
                                              ops))
        try:
            sweep(out)
        except TopocliError as exc:
            assert "\n" not in str(exc)
            assert (out / "runs.csv").read_bytes() == keep  # nothing written is lost
        CASES["sweep folder"] += 1

    case()


def test_zz_how_many_cases_ran():
    """Runs last in this file: every fuzzed reader saw its cases (printed with -s)."""
    print("fuzz cases per reader:", dict(sorted(CASES.items())))
    expected = {f"graph:{f}" for f in SEEDS} | {"idx", "cifar", "sweep folder",
                                                "matrix faults", "NA-like names", "typed GraphML"}
    assert set(CASES) == expected and all(v >= 20 for v in CASES.values())
