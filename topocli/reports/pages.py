"""Report pages: the :class:`Page` every kind shares, and the analyze page.

Each builder takes a :class:`~topocli.reports.folders.ResultFolder` and the folder to
write PNGs/CSVs into, and returns a :class:`Page`. A missing table drops its section with
a note; a figure that fails to draw is replaced by a note (and logged), so one odd input
never costs the whole report. The sweep page is :mod:`topocli.reports.sweep_page` (its
numbers: :mod:`topocli.reports.sweep_tables`).
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from topocli import __version__
from topocli.provenance import versions
from topocli.reports import figures as fg
from topocli.reports import stats as st
from topocli.reports.folders import ResultFolder
from topocli.reports.html import Section, pretty_json

log = logging.getLogger("topocli")

MAX_GRAPH_FIGURES = 4


@dataclass
class Page:
    title: str
    summary: str
    sections: list[Section] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    meta: str = ""


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", str(text)).strip("-.")[:60] or "x"


def _figure(section: Section, notes_to: Section, fn, filename: str, caption: str,
            out: Path, *args, **kwargs) -> None:
    """Draw one figure into ``out/filename``; on failure leave a note instead."""
    try:
        path = fn(*args, out / filename, **kwargs)
    except Exception as exc:  # noqa: BLE001 (a broken figure must not cost the report)
        log.warning("report: figure %s failed: %s: %s", filename, type(exc).__name__, exc)
        notes_to.note(f"Figure {filename} could not be drawn ({type(exc).__name__}: {exc}).")
        return
    if path is None:
        notes_to.note(f"Nothing to draw for: {caption}")
    else:
        section.figure(filename, caption)


def _num(x: object) -> float:
    try:
        return float(x)
    except (TypeError, ValueError):
        return math.nan


def versions_section(config: dict) -> Section:
    sec = Section("Config and versions", "config")
    report_versions = versions()  # the one collector: same packages as every result
    if config:
        sec.heading("config.json (as written with the results)")
        sec.pre(pretty_json(config))
    else:
        sec.note("No config.json in this folder.")
    sec.heading("Versions used to build this report")
    sec.pre(pretty_json(report_versions))
    return sec


# =========================================================================== analyze
def _tested_p(metrics: pd.DataFrame) -> pd.Series:
    """p-values of the rows that are tests: a statistic the null model fixes (null sd 0,
    e.g. n and m under degree-preserving rewiring) is no test and stays out of Holm."""
    if "p" not in metrics:
        return pd.Series(np.nan, index=metrics.index)
    p = pd.to_numeric(metrics["p"], errors="coerce")
    if "null_sd" in metrics:
        sd = pd.to_numeric(metrics["null_sd"], errors="coerce")
        p = p.where(~(sd == 0))
    return p


def _holm_by_graph(metrics: pd.DataFrame) -> pd.Series:
    """Holm-adjusted p across the statistics of each graph."""
    p = _tested_p(metrics)
    out = pd.Series(np.nan, index=metrics.index)
    groups = metrics.groupby("graph", sort=False).groups if "graph" in metrics else \
        {None: metrics.index}
    for idx in groups.values():
        out.loc[idx] = st.holm(p.loc[idx].to_numpy(float))
    return out


def _null_label(folder: ResultFolder, nulls: pd.DataFrame | None) -> str:
    opts = folder.config.get("options", {}) if isinstance(folder.config, dict) else {}
    model = None
    if isinstance(opts, dict):
        model = opts.get("null_model") or opts.get("null")
    graphs = folder.config.get("graphs") if isinstance(folder.config, dict) else None
    if model is None and isinstance(graphs, list) and graphs and isinstance(graphs[0], dict):
        model = graphs[0].get("null_model")
    if model is None and nulls is not None:
        for col in ("null_model", "model"):
            if col in nulls:
                model = ",".join(map(str, pd.unique(nulls[col])))
    return f"{model} nulls" if model else "null graphs"


def analyze_page(folder: ResultFolder, out: Path, *, seed: int = 0) -> Page:
    metrics = folder.table("metrics")
    nulls = folder.table("nulls")
    motifs = folder.table("motifs")
    cmat = folder.table("class_matrix")
    page = Page(title=f"topocli analyze report: {folder.path.name}", summary="")
    graph_names: list = []
    if metrics is not None and "graph" in metrics:
        graph_names = list(pd.unique(metrics["graph"]))
    elif metrics is not None:
        metrics = metrics.assign(graph=folder.path.name)
        graph_names = [folder.path.name]

    # ---- summary sentence
    page.summary = _analyze_summary(folder, metrics, nulls)

    # ---- metrics table
    sec = Section("Statistics against null models", "metrics")
    if metrics is None:
        sec.note("No metrics.csv (or metrics.json): the statistics table is left out.")
    else:
        m = metrics.copy()
        m["p_holm"] = _holm_by_graph(m)
        if nulls is not None:
            m["percentile"] = [
                st.percentile_of(_num(r["value"]), _null_values(nulls, r.get("graph"),
                                                                 r["statistic"]))
                for _, r in m.iterrows()]
        m.to_csv(out / "metrics_with_holm.csv", index=False)
        sec.text("z = (value − null mean) / null sd; p: two-sided empirical p as written by "
                 "analyze, 2(k+1)/(N+1); p (normal): two-sided normal p from z; p (Holm) "
                 "adjusts p across the statistics of each graph; percentile = share of "
                 "null graphs below the real value (ties count half).")
        cols = {"graph": "graph", "statistic": "statistic", "value": "value",
                "null_mean": "null mean", "null_sd": "null sd", "z": "z", "p": "p",
                "p_normal": "p (normal)", "p_holm": "p (Holm)", "percentile": "percentile",
                "note": "note"}
        if len(graph_names) <= 1:
            cols.pop("graph")
        sec.table(m, columns=cols, text_columns=("graph", "statistic", "note"))
    page.sections.append(sec)

    # ---- null distributions
    sec = Section("Null distributions", "nulls")
    if nulls is None:
        sec.note("No nulls.csv: the null distributions are left out.")
    else:
        for i, g in enumerate(graph_names[:MAX_GRAPH_FIGURES] or [None]):
            sub = nulls[nulls["graph"] == g] if g is not None and "graph" in nulls else nulls
            if sub.empty:
                sub = nulls
            values = {}
            if metrics is not None:
                rows = metrics[metrics["graph"] == g] if g is not None else metrics
                values = {r["statistic"]: _num(r["value"]) for _, r in rows.iterrows()}
            name = f"nulls_{i + 1}_{_slug(g)}.png"
            _figure(sec, sec, fg.null_distributions, name,
                    f"Each statistic over {len(sub)} {_null_label(folder, nulls)} "
                    f"(bars) with the real value of {g} (red line).", out, values, sub,
                    title=f"{g}: null distributions and the real value (red)")
    page.sections.append(sec)

    # ---- graph figures: degrees, adjacency
    sec = Section("Graphs", "graphs")
    graphs = _load_graphs(folder, sec)
    if graphs:
        _figure(sec, sec, fg.degree_distributions, "degrees.png",
                "Degree distributions of the analysed graph(s): histogram and "
                "complementary CDF on log–log axes.", out, graphs)
        for i, (name, g) in enumerate(list(graphs.items())[:MAX_GRAPH_FIGURES]):
            _figure(sec, sec, fg.adjacency, f"adjacency_{i + 1}_{_slug(name)}.png",
                    f"{name}: adjacency matrix (row = source, column = target) ordered by "
                    "neuron class (left) and by Leiden modularity community (right, "
                    f"undirected view, seed {seed}).", out, g, seed=seed,
                    title=f"{name}: adjacency matrix")
    elif not folder.graph_files:
        sec.note("No graphs/*.graphml.gz in this folder: degree distributions and "
                 "adjacency matrices are left out.")
    page.sections.append(sec)

    # ---- motifs
    sec = Section("Motifs", "motifs")
    if motifs is None:
        sec.note("No motifs.csv: the motif significance profile is left out.")
    else:
        _figure(sec, sec, fg.motif_profile, "motifs.png",
                "Motif significance profile: each motif's z-score against the nulls, "
                "normalised to unit length (Milo et al. 2004).", out, motifs)
        cols = {c: c for c in ("graph", "size", "motif", "description", "count",
                               "null_mean", "null_sd", "z", "p", "sp") if c in motifs}
        if len(graph_names) <= 1:
            cols.pop("graph", None)
        sec.table(motifs, columns=cols, text_columns=("graph", "motif", "description"))
    page.sections.append(sec)

    # ---- class matrix
    sec = Section("Edges between neuron classes", "classes")
    if cmat is None:
        sec.note("No class_matrix.csv: the class-to-class edge matrix is left out.")
    else:
        cgraphs = list(pd.unique(cmat["graph"])) if "graph" in cmat else [None]
        for i, g in enumerate(cgraphs[:MAX_GRAPH_FIGURES]):
            sub = cmat[cmat["graph"] == g] if g is not None else cmat
            _figure(sec, sec, fg.class_matrix, f"class_matrix_{i + 1}_{_slug(g)}.png",
                    f"{g if g is not None else 'graph'}: edges from each source class to "
                    "each target class, with the z-score against the nulls.", out, sub,
                    title=f"{g}: edges between neuron classes" if g else "")
        cols = {c: c for c in cmat.columns if not (c == "graph" and len(cgraphs) <= 1)}
        sec.table(cmat, columns=cols, text_columns=("graph", "source_class", "target_class"))
    page.sections.append(sec)

    # ---- rich club (written by analyze since its first version; optional here)
    rc = folder.table("rich_club")
    if rc is not None:
        sec = Section("Rich club", "richclub")
        _figure(sec, sec, fg.rich_club, "rich_club.png",
                "Rich-club coefficient by degree k divided by its null mean (above the "
                "dashed line: hubs connect among themselves more than in the nulls).", out, rc)
        cols = {c: c for c in rc.columns if not (c == "graph" and len(graph_names) <= 1)}
        sec.table(rc, columns=cols, text_columns=("graph",))
        page.sections.append(sec)
    page.sections.append(versions_section(folder.config))
    page.notes = list(folder.notes)
    page.meta = _meta(folder)
    return page


def _null_values(nulls: pd.DataFrame, graph, statistic: str) -> np.ndarray:
    if statistic not in nulls:
        return np.array([])
    sub = nulls[nulls["graph"] == graph] if graph is not None and "graph" in nulls else nulls
    return pd.to_numeric(sub[statistic], errors="coerce").dropna().to_numpy(float)


def _load_graphs(folder: ResultFolder, sec: Section) -> dict:
    from topocli.graphs import read_graph_file

    graphs = {}
    for name, path in list(folder.graph_files.items())[:MAX_GRAPH_FIGURES]:
        try:
            graphs[name] = read_graph_file(path)
        except Exception as exc:  # noqa: BLE001 (a corrupt graph drops its figures only)
            sec.note(f"graphs/{path.name} could not be read ({type(exc).__name__}: {exc}).")
    if len(folder.graph_files) > MAX_GRAPH_FIGURES:
        sec.note(f"Only the first {MAX_GRAPH_FIGURES} of {len(folder.graph_files)} graphs "
                 "are drawn.")
    return graphs


def _analyze_summary(folder: ResultFolder, metrics: pd.DataFrame | None,
                     nulls: pd.DataFrame | None) -> str:
    if metrics is None or metrics.empty:
        return (f"{folder.path.name}: no statistics table was found, so there is nothing "
                "to compare with the nulls; see the notes below.")
    g = metrics["graph"].iloc[0]
    rows = metrics[metrics["graph"] == g].copy()
    rows["p_holm"] = _holm_by_graph(rows)
    lookup = {r["statistic"]: _num(r["value"]) for _, r in rows.iterrows()}
    size = ""
    if np.isfinite(lookup.get("n", np.nan)) and np.isfinite(lookup.get("m", np.nan)):
        size = f" ({lookup['n']:.0f} nodes, {lookup['m']:.0f} edges)"
    n_nulls = None
    if nulls is not None:
        n_nulls = len(nulls[nulls["graph"] == g]) if "graph" in nulls else len(nulls)
    against = (f"{n_nulls} " if n_nulls else "") + _null_label(folder, nulls)
    text = f"{g}{size} against {against}"
    z = pd.to_numeric(rows["z"], errors="coerce") if "z" in rows else None
    clauses = []
    if z is not None and z.notna().any():
        r = rows.loc[z.abs().idxmax()]
        clauses.append(f"the most extreme statistic is {r['statistic']}, "
                       f"z = {_num(r['z']):+.1f} (real {_num(r['value']):.3g} vs null "
                       f"{_num(r.get('null_mean')):.3g} ± {_num(r.get('null_sd')):.2g})")
        clauses.append(f"{int((z.abs() >= 3).sum())} of {int(z.notna().sum())} statistics "
                       "have |z| ≥ 3")
    tested = int(rows["p_holm"].notna().sum())
    if tested:
        # Holm rejects at p_holm <= alpha; the smallest two-sided empirical p is
        # 2/(N+1), so nothing can pass unless 2K/(N+1) <= 0.05, i.e. N >= 40K - 1.
        k = int((rows["p_holm"] <= 0.05 + 1e-12).sum())
        holm = f"{k} of {tested} differ at Holm-adjusted p ≤ 0.05"
        if n_nulls and 40 * tested > n_nulls + 1:
            holm += (f" (with {n_nulls} nulls no two-sided empirical p, at least "
                     f"2/(N+1), can pass Holm's correction across {tested} statistics: "
                     f"use --nulls {40 * tested - 1} or more)")
        clauses.append(holm)
    clauses.extend(_fidelity_clause(folder, g))
    if clauses:
        text += ": " + "; ".join(clauses)
    more = len(pd.unique(metrics["graph"])) - 1
    if more > 0:
        text += f"; {more} more graph{'s' if more > 1 else ''} below"
    return text + "."


def _fidelity_clause(folder: ResultFolder, graph) -> list[str]:
    """One line on what the nulls held (fidelity.csv), warnings first."""
    fid = folder.table("fidelity")
    if fid is None or "quantity" not in fid:
        return []
    if "graph" in fid:
        fid = fid[fid["graph"] == graph]
    held = fid["held"].astype(str).str.lower() == "true"
    promised = fid["promised"].astype(str).str.lower() == "true"
    broken = fid[promised & ~held]
    if len(broken):
        return ["NULL FIDELITY WARNING: " + ", ".join(
            f"{r['family']} nulls off on {r['quantity']}" for _, r in broken.iterrows())]
    first = fid["family"].iloc[0] if len(fid) else None
    kept = fid[(fid["family"] == first) & held]["quantity"].tolist()
    lost = fid[(fid["family"] == first) & ~held]["quantity"].tolist()
    text = f"the {first} nulls hold {', '.join(kept)} (fidelity.csv)"
    return [text + (f" but not {', '.join(lost)}" if lost else "")] if kept else []


def _meta(folder: ResultFolder) -> str:
    cfg = folder.config if isinstance(folder.config, dict) else {}
    bits = [f"{folder.kind} folder {folder.path}"]
    if cfg.get("seed") is not None:
        bits.append(f"seed {cfg['seed']}")
    versions = cfg.get("versions")
    if isinstance(versions, dict) and versions.get("topocli"):
        bits.append(f"results written by topocli {versions['topocli']}")
    bits.append(f"report by topocli {__version__}")
    return "; ".join(bits)


def figure(section: Section, fn, filename: str, caption: str, out: Path, *args,
           **kwargs) -> None:
    """Draw one figure into ``section`` (its notes take a failure); see :func:`_figure`."""
    _figure(section, section, fn, filename, caption, out, *args, **kwargs)


#: The one-line provenance under a page's title (shared by every page kind).
meta_line = _meta
