"""``topocli analyze``: topology statistics of graphs against null ensembles."""

from __future__ import annotations

import contextlib
import json
import math
from pathlib import Path

import click

from topocli.cli.group import cli
from topocli.cli.options import command_line, report_option, seed_option, view_options
from topocli.cli.options import write_report as _write_report
from topocli.cli.progress import ProgressLine

#: The most nulls ``analyze`` draws per graph (p resolution 2/(N+1) ~ 2e-5; memory and
#: time grow linearly with N).
MAX_NULLS = 100_000
SUMMARY = ("n", "m", "path_length_undirected", "clustering_avg_zero", "transitivity", "sigma",
           "omega", "propensity", "modularity", "class_assortativity")


class RegisteredModels(click.Choice):
    """The registered null models that need no option (analyze passes none), read from
    :mod:`topocli.nullmodels.registry` when the command runs, not when it is defined."""

    def __init__(self) -> None:
        super().__init__(())

    @property
    def choices(self) -> tuple[str, ...]:
        from topocli.nullmodels import registry

        return tuple(m.name for m in registry.records()
                     if all(o.default is not registry.REQUIRED for o in m.options))

    @choices.setter
    def choices(self, value) -> None:
        pass


@cli.command("analyze")
@click.argument("graphs", nargs=-1, required=True)
@view_options
@click.option("--nulls", type=click.IntRange(min=0), default=100, show_default=True,
              help="Null graphs to compare against (0: values only). The two-sided "
                   "empirical p is at least 2/(N+1), so Holm over K statistics needs "
                   "N >= 40K - 1 (999 for K = 25).")
@click.option("--null-model", type=RegisteredModels(), default="degree",
              show_default=True,
              help="Null model (topocli.nullmodels). degree keeps every node's in-degree, "
                   "out-degree and number of mutual pairs (Milo et al. 2002), so reciprocity "
                   "and the undirected view's edges and degrees equal the graph's: statistics "
                   "of the undirected view (clustering, path length, sigma, omega, 4-node "
                   "motifs, rich club) compare like for like. inout is the plain in/out-degree "
                   "swap, which lets reciprocity fall (Varshney: 0.47 -> 0.08). ws, er, ba "
                   "and lattice match n and m exactly; er on a directed graph also keeps "
                   "the number of mutual pairs.")
@click.option("--lattice-nulls", type=click.IntRange(min=0), default=None,
              help="Lattice references for omega and propensity [default: min(nulls, 20)].")
@seed_option
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True,
              help="Processes for drawing and measuring nulls.")
@click.option("--no-motifs", is_flag=True, help="Skip the motif census.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout instead of tables.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Write metrics.csv/json, nulls.csv, motifs.csv, class_matrix.csv, "
                   "rich_club.csv, fidelity.csv, config.json and the graphs into this "
                   "folder.")
@report_option
def analyze_command(graphs, view, nulls, null_model, lattice_nulls, seed, jobs, no_motifs,
                    as_json, out, write_report: bool) -> None:
    """Statistics of each GRAPH (value, null mean +- sd, z, empirical p, normal p).

    p is the two-sided empirical p, 2(k+1)/(N+1) (k: nulls at least as extreme on the
    rarer side); p_normal, labelled as such, is the two-sided normal p of z. A fidelity
    table follows: what the nulls held (n, m, undirected m, reciprocity, degree
    sequences), real against null mean, min and max; a quantity the model promises
    that is more than 1% off is also a warning on stderr.

    \b
    Examples:
      topocli analyze celegans-varshney2011 --nulls 1000 --jobs 2
      topocli analyze celegans-white1986 --layer chemical --all-cells --all-components \\
          --min-synapses 5 --nulls 200 --out white5/
      topocli analyze a.graphml b.graphml --nulls 0 --json
    """
    from topocli.errors import TopocliError
    from topocli.outdir import claim_folder
    from topocli.system import cap_jobs

    if nulls > MAX_NULLS:   # refused before any work: the tables alone would not fit
        raise TopocliError(
            f"--nulls {nulls:,} would keep {nulls:,} null rows of every statistic (about "
            f"{nulls * 40 * 8 / 1e9:,.0f} GB) and draw as many graphs; topocli analyze "
            f"stops at {MAX_NULLS:,} (an empirical p of 2/{MAX_NULLS + 1:,} at best)")
    jobs = cap_jobs(jobs, max(nulls, 1) * len(graphs), what="null graphs")
    if write_report and out is None:
        raise TopocliError("--report needs --out DIR (the report is written to "
                           "DIR/report/index.html)")
    # the folder is checked and locked before any work, and held until it is written
    with claim_folder(out, "analyze") if out is not None else contextlib.nullcontext():
        analyses = _analyze_all(graphs, view, nulls=nulls, null_model=null_model, seed=seed,
                                jobs=jobs, no_motifs=no_motifs, lattice_nulls=lattice_nulls)
        if out is not None:
            _write_out(analyses, out, view=view, nulls=nulls, null_model=null_model,
                       lattice_nulls=lattice_nulls, seed=seed, jobs=jobs,
                       no_motifs=no_motifs)
    if out is not None and write_report:
        _write_report(out)
    _print(analyses, as_json)


def _analyze_all(graphs, view, *, nulls, null_model, seed, jobs, no_motifs, lattice_nulls):
    from topocli.analysis import analyze
    from topocli.graphs import load_graph

    analyses = []
    for source in graphs:
        graph = load_graph(source, view)
        with ProgressLine(tty_only=True, enabled=nulls > 0) as prog:
            analyses.append(analyze(graph, nulls=nulls, null_model=null_model, seed=seed,
                                    jobs=jobs, progress=prog, motifs_on=not no_motifs,
                                    lattice_nulls=lattice_nulls,
                                    name=_name(source) if len(graphs) > 1 else None))
    return analyses


def _write_out(analyses, out, *, view, nulls, null_model, lattice_nulls, seed, jobs,
               no_motifs) -> None:
    from topocli.analysis import write_analyses

    options = {"nulls": nulls, "null_model": null_model, "lattice_nulls": lattice_nulls,
               "seed": seed, "jobs": jobs, "motifs": not no_motifs, "view": view.to_dict()}
    write_analyses(analyses, out, command=command_line(),
                   options=options)
    click.echo(f"wrote {out}/ (metrics.csv, nulls.csv, motifs.csv, class_matrix.csv, "
               "rich_club.csv, fidelity.csv, config.json)", err=True)


def _print(analyses, as_json: bool) -> None:
    from topocli.analysis import to_json

    if as_json:
        click.echo(json.dumps(to_json(analyses), indent=1, default=str))
        return
    if len(analyses) == 1:
        click.echo(_long_table(analyses[0]))
    else:
        click.echo(_wide_table(analyses))


def _name(source: str) -> str:
    return Path(source).name.split(".graphml")[0].split(".")[0] or source


def _fmt(x) -> str:
    try:
        x = float(x)
    except (TypeError, ValueError):
        return str(x)
    if math.isnan(x):
        return "-"
    if math.isinf(x):   # e.g. sigma of a null whose clustering is 0
        return "inf" if x > 0 else "-inf"
    if x == int(x) and abs(x) < 1e9:
        return f"{int(x)}"
    return f"{x:.4g}"


def _long_table(a) -> str:
    lines = [(f"# {a.name}  ({a.config['nulls']} {a.config['null_model']} nulls, seed "
              f"{a.config['seed']})")]
    if a.config.get("undirected_view"):
        lines.append(f"# analysed as the {a.config['undirected_view']}")
    rows = [("statistic", "value", "null mean ± sd", "z", "p", "p (normal)", "note")]
    for r in a.metrics.itertuples():
        null = "-" if math.isnan(r.null_mean) else f"{_fmt(r.null_mean)} ± {_fmt(r.null_sd)}"
        rows.append((r.statistic, _fmt(r.value), null, _fmt(r.z), _fmt(r.p),
                     _fmt(r.p_normal), r.note))
    lines += _align(rows)
    lines.append("# p: two-sided empirical, 2(k+1)/(N+1); p (normal): two-sided, from z")
    if len(a.fidelity):
        lines += ["", "# fidelity: what the nulls held (promised: the model is built to "
                      "hold it; held: within 1% on every null)"]
        rows = [("family", "quantity", "promised", "real", "null mean [min, max]", "held",
                 "note")]
        for r in a.fidelity.itertuples():
            rows.append((r.family, r.quantity, "yes" if r.promised else "no", _fmt(r.real),
                         f"{_fmt(r.null_mean)} [{_fmt(r.null_min)}, {_fmt(r.null_max)}]",
                         "yes" if r.held else "NO", r.note))
        lines += _align(rows)
    if len(a.motifs):
        lines += ["", "# motifs (induced subgraphs; sp = significance profile)"]
        rows = [("size", "motif", "description", "count", "null mean ± sd", "z", "sp")]
        for r in a.motifs.itertuples():
            rows.append((str(r.size), r.motif, r.description, _fmt(r.count),
                         f"{_fmt(r.null_mean)} ± {_fmt(r.null_sd)}", _fmt(r.z), _fmt(r.sp)))
        lines += _align(rows)
    for key, reason in a.config.get("skipped", {}).items():
        lines.append(f"# {key}: {reason}")
    return "\n".join(lines)


def _wide_table(analyses) -> str:
    rows = [("graph",) + SUMMARY + ("sigma_z", "modularity_z")]
    for a in analyses:
        m = a.metrics.set_index("statistic")
        vals = [_fmt(m["value"].get(k, float("nan"))) for k in SUMMARY]
        zs = [_fmt(m["z"].get(k, float("nan"))) for k in ("sigma", "modularity")]
        rows.append((a.name, *vals, *zs))
    notes = [f"# {a.name}: analysed as the {a.config['undirected_view']}" for a in analyses
             if a.config.get("undirected_view")]
    return "\n".join(_align(rows) + notes + ["(details per statistic: --json or --out DIR)"])


def _align(rows) -> list[str]:
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
