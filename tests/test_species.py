"""Beyond the worm (issue 26): the fly graphs, their converters, and the comparison of
connectomes each against its own nulls."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pandas as pd
import pytest

from topocli.errors import TopocliError
from topocli.graphs import bundled, fly, load_graph, load_raw, read_graph_file
from topocli.reports.analyze_compare import compare_graphs
from topocli.reports.analyze_tables import AnalyzeTables

FLY = ("drosophila-larva-mb-left", "drosophila-larva-mb-right",
       "drosophila-visual-lappalainen2024")


# ------------------------------------------------------------------ tiny sources
def _tiny_graspologic(root):
    """A graspologic-shaped folder: 4 cells (P, K, K, O) per hemisphere."""
    base = root / "datasets" / "drosophila"
    base.mkdir(parents=True)
    adj = "0 3 0 0\n0 0 2 1\n0 1 0 0\n0 0 0 0\n"
    for side in ("left", "right"):
        (base / f"{side}_adjacency.csv").write_text(adj)
        (base / f"{side}_cell_labels.csv").write_text("P\nK\nK\nO\n")
    return root


def _tiny_flyvis_spec():
    """Three types on the lattice: R1 (input) -> A (intrinsic) -> T1 (output), plus a
    sparse type S with strides (3, 2) that A feeds at offset (0, 0)."""
    stride = lambda su, sv: ["stride", [su, sv]]
    return {"nodes": [{"name": "R1", "pattern": stride(1, 1)},
                      {"name": "A", "pattern": stride(1, 1)},
                      {"name": "T1", "pattern": stride(1, 1)},
                      {"name": "S", "pattern": stride(3, 2)}],
            "edges": [{"src": "R1", "tar": "A", "offsets": [[[0, 0], 40.0]], "alpha": 1},
                      {"src": "A", "tar": "T1", "offsets": [[[0, 0], 5.0], [[1, 0], 2.5]],
                       "alpha": -1},
                      {"src": "A", "tar": "S", "offsets": [[[0, 0], 1.0]], "alpha": 1}],
            "input_units": ["R1"], "output_units": ["T1"], "receptors": []}


def _write_wheel(path, package, files: dict[str, bytes]):
    with zipfile.ZipFile(path, "w") as wheel:
        for member, data in files.items():
            wheel.writestr(f"{package}/{member}", data)
    return path


# ------------------------------------------------------------------ converters
def test_mushroom_body_converter_maps_types_and_keeps_synapse_counts(tmp_path):
    files = fly.PackageFiles("graspologic", "3.4.4", _tiny_graspologic(tmp_path / "g"))
    g = fly.raw_from_graspologic_mb("left", files)
    assert g.vs["name"] == ["P1", "K1", "K2", "O1"]
    assert g.vs["cell_class"] == ["sensory", "interneuron", "interneuron", "motor"]
    edges = {(g.vs[e.source]["name"], g.vs[e.target]["name"]): e["weight"] for e in g.es}
    assert edges == {("P1", "K1"): 3.0, ("K1", "K2"): 2.0, ("K1", "O1"): 1.0,
                     ("K2", "K1"): 1.0}
    with pytest.raises(TopocliError, match="left or right"):
        fly.raw_from_graspologic_mb("middle", files)


def test_flyvis_expansion_follows_the_lattice_and_offsets():
    spec = _tiny_flyvis_spec()
    g = fly.raw_from_flyvis(spec, 1)                  # 7 columns
    assert fly.columns(1) == 7 and fly.columns(15) == 721
    types = pd.Series(g.vs["cell_type"]).value_counts().to_dict()
    # S (strides 3, 2) sits only where u % 3 == 0 and v % 2 == 0: the centre column.
    assert types == {"R1": 7, "A": 7, "T1": 7, "S": 1}
    cls = dict(zip(g.vs["cell_type"], g.vs["cell_class"]))
    assert cls == {"R1": "sensory", "A": "interneuron", "T1": "motor", "S": "interneuron"}
    # R1->A 7 (one per column); A->T1 at (0,0) 7 plus at (+1,0): columns with u+1 <= 1
    # and u+1+v within the hexagon (4 of 7); A->S at the centre only.
    names = g.vs["name"]
    pairs = [(g.vs[e.source]["cell_type"], g.vs[e.target]["cell_type"]) for e in g.es]
    assert pairs.count(("R1", "A")) == 7
    assert pairs.count(("A", "T1")) == 7 + 4
    assert pairs.count(("A", "S")) == 1
    assert g.ecount() == len(pairs) == 19
    shifted = [(names[e.source], names[e.target]) for e in g.es if e["weight"] == 2.5]
    assert ("A[0,0]", "T1[1,0]") in shifted and ("A[1,0]", "T1[2,0]") not in shifted
    assert set(g.es["sign"]) == {1, -1}
    assert fly.raw_from_flyvis(spec, 0).vcount() == 4
    with pytest.raises(TopocliError, match="radius"):
        fly.raw_from_flyvis(spec, 41)


def test_regenerate_fly_from_wheels(tmp_path, run_cli):
    grasp = _tiny_graspologic(tmp_path / "src")
    base = "datasets/drosophila"
    gw = _write_wheel(tmp_path / "graspologic-3.4.4-py3-none-any.whl", "graspologic",
                      {f"{base}/{p.name}": p.read_bytes()
                       for p in (grasp / "datasets" / "drosophila").iterdir()})
    fw = _write_wheel(tmp_path / "flyvis-1.2.0-py3-none-any.whl", "flyvis",
                      {fly.FLYVIS_FILE: json.dumps(_tiny_flyvis_spec()).encode()})
    out = tmp_path / "out"
    res = run_cli("graphs", "regenerate", "--fly", "all", "--graspologic-wheel", gw,
                  "--flyvis-wheel", fw, "--flyvis-extent", "2", "--out", out)
    assert res.exit_code == 0, res.stderr
    index = json.loads((out / "index.json").read_text())
    assert set(index) == {"drosophila-larva-mb-left", "drosophila-larva-mb-right",
                          "drosophila-visual-lappalainen2024-r2"}
    vis = index["drosophila-visual-lappalainen2024-r2"]
    assert vis["columns"] == 19 and "flyvis 1.2.0" in vis["converted_from"]
    assert vis["class_map"]["T1"].endswith("-> motor")
    g = read_graph_file(out / vis["file"], match_cells=False)
    # S (strides 3, 2) at u = 0 and v in (-2, 0, 2) of the radius-2 hexagon
    assert g.vcount() == vis["counts"]["nodes"] == 3 * 19 + 3
    assert g["doi"] == "10.1038/s41586-024-07939-3"
    assert index["drosophila-larva-mb-left"]["counts"]["chemical_synapses"] == 7
    bad = run_cli("graphs", "regenerate", "--fly", "flyvis", "--flyvis-wheel", gw,
                  "--out", tmp_path / "o2")
    assert bad.exit_code == 2 and "flyvis/connectome" in bad.stderr
    assert "Traceback" not in bad.output


# ------------------------------------------------------------------ bundled graphs
@pytest.fixture(scope="module")
def visual():
    return load_raw("drosophila-visual-lappalainen2024")


def _cell_type(name: str) -> str:
    """The source type in a node name: ``K12`` -> ``K``, ``CT1(Lo1)[0,-1]`` -> ``CT1(Lo1)``."""
    return name.rsplit("[", 1)[0] if name.endswith("]") else name.rstrip("0123456789")


@pytest.mark.parametrize("name", FLY)
def test_bundled_fly_graphs_carry_their_source_and_class_map(name, request):
    info = bundled.index()[name]
    assert info["species"].startswith("Drosophila melanogaster")
    assert info["licence"] and info["doi"] and info["class_map"]
    raw = request.getfixturevalue("visual") if "visual" in name else load_raw(name)
    assert set(raw.vs["cell_class"]) == {"sensory", "interneuron", "motor"}
    became = {t: info["class_map"][t].rsplit("-> ", 1)[1] for t in info["class_map"]}
    assert all(became[_cell_type(v)] == c for v, c in zip(raw.vs["name"],
                                                          raw.vs["cell_class"]))


def test_bundled_visual_system_is_the_stated_expansion(visual):
    info = bundled.index()["drosophila-visual-lappalainen2024"]
    raw = visual
    per_type = pd.Series([_cell_type(v) for v in raw.vs["name"]]).value_counts()
    assert info["columns"] == fly.columns(info["extent"])
    assert (per_type[[f"R{i}" for i in range(1, 9)]] == info["columns"]).all()
    assert len(per_type) == 65 and int(per_type.max()) == info["columns"]
    assert raw.is_directed() and min(raw.es["weight"]) > 0


def test_graphs_lists_species_and_show_prints_the_class_map(run_cli):
    listing = run_cli("graphs")
    assert listing.exit_code == 0
    for name in FLY + ("mouse-v1-bock2011", "celegans-cook2019-male"):
        line = next(ln for ln in listing.output.splitlines() if ln.strip().startswith(name))
        assert "(MIT)" in line or "cited paper" in line
    assert "Eichler et al. (2017)" in listing.output and "Mus musculus" in listing.output
    shown = run_cli("graphs", "show", "drosophila-larva-mb-right")
    assert shown.exit_code == 0
    assert "class map   O: mushroom body output neuron -> motor" in shown.output


def test_class_order_dag_and_homophily_work_on_the_mushroom_body():
    from topocli.metrics.homophily import class_matrix
    from topocli.training.dag import build_dag

    g = load_graph("drosophila-larva-mb-right")
    dag = build_dag(g, "class-order", seed=0)
    rank = {"sensory": 0, "interneuron": 1, "motor": 2}
    cls = [g.vs.find(name=name)["cell_class"] for name in dag.names]
    # every kept edge runs forward in sensory -> inter -> motor order
    assert all(rank[cls[u]] <= rank[cls[v]] for u, v in dag.edges)
    assert {cls[i] for i in dag.input_nodes()} >= {"sensory"}
    matrix = class_matrix(g)
    assert sum(matrix.values()) == g.ecount()
    assert matrix[("sensory", "interneuron")] > 0    # projection neurons feed the Kenyon cells


# ------------------------------------------------------------------ comparison
def _metrics(graph, rows):
    return pd.DataFrame([{"graph": graph, "statistic": s, "value": v, "null_mean": mu,
                          "null_sd": sd, "z": (v - mu) / sd if sd else np.nan,
                          "percentile": pct} for s, v, mu, sd, pct in rows])


def test_comparison_puts_each_graph_against_its_own_nulls():
    a = _metrics("worm", [("n", 10, 10, 0, np.nan), ("transitivity", 0.5, 0.25, 0.05, 1.0),
                          ("path_length", 2.2, 2.0, 0.1, 0.98),
                          ("degree_assortativity", 0.1, -0.2, 0.05, 1.0)])
    b = _metrics("fly", [("n", 900, 900, 0, np.nan), ("transitivity", 0.3, 0.1, 0.01, 1.0),
                         ("path_length", 4.0, 3.0, 0.1, 1.0)])
    t = AnalyzeTables(graphs=("worm", "fly"), metrics=pd.concat([a, b], ignore_index=True))
    c = compare_graphs(t)
    table = c.table.set_index("statistic")
    assert "n" not in table.index                      # fixed by the nulls: no z
    assert table.loc["transitivity", "z worm"] == pytest.approx(5.0)
    assert table.loc["transitivity", "ratio fly"] == pytest.approx(3.0)
    assert np.isnan(table.loc["degree_assortativity", "ratio worm"])  # null mean < 0
    assert np.isnan(table.loc["degree_assortativity", "z fly"])      # the fly has no row
    assert c.in_every == ("transitivity",)
    # the worm's path length is 2 sds out but inside its nulls: extreme only in the fly;
    # degree assortativity is measured on the worm only
    assert c.in_one == (("path_length", "fly"), ("degree_assortativity", "worm"))
    assert list(c.graph_table["nodes"]) == [10, 900]
    assert compare_graphs(AnalyzeTables(graphs=("worm",), metrics=a)) is None


def test_analyze_report_of_several_graphs_has_the_comparison(tmp_path, run_cli):
    out = tmp_path / "cmp"
    res = run_cli("analyze", "celegans-cook2020-pharynx", "mouse-v1-bock2011", "--nulls", "2",
                  "--lattice-nulls", "1", "--no-motifs", "--out", out, "--report")
    assert res.exit_code == 0, res.stderr
    html = (out / "report" / "index.html").read_text()
    assert "Graphs compared, each against its own nulls" in html
    cmp = pd.read_csv(out / "report" / "compare.csv")
    assert {"z celegans-cook2020-pharynx", "ratio mouse-v1-bock2011"} <= set(cmp.columns)
    metrics = pd.read_csv(out / "metrics.csv")
    row = metrics[(metrics["graph"] == "mouse-v1-bock2011")
                  & (metrics["statistic"] == "transitivity")].iloc[0]
    got = cmp.set_index("statistic").loc["transitivity", "z mouse-v1-bock2011"]
    assert got == pytest.approx(row["z"])


def test_installed_package_is_found_without_importing_it(tmp_path, monkeypatch):
    pkg = tmp_path / "site" / "flyvis"
    (pkg / "connectome").mkdir(parents=True)
    (pkg / "__init__.py").write_text("raise ImportError('must not be imported')\n")
    (pkg / fly.FLYVIS_FILE).write_text(json.dumps(_tiny_flyvis_spec()))
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    files = fly.package_files("flyvis")
    assert files.location == pkg
    assert fly.raw_from_flyvis(fly.flyvis_spec(files), 0).vcount() == 4
    with pytest.raises(TopocliError, match="not installed"):
        fly.package_files("no_such_package_xyz")
