"""Reports: does the connectome win, and which topology explains accuracy?

:func:`build_report` turns a folder written by ``topocli analyze --out`` or
``topocli train-sweep --out`` into ``DIR/report/index.html`` with its PNGs (and the
statistics as CSV) beside it. The page opens from disk with no network.

Modules: :mod:`~topocli.reports.stats` (pure statistics both pages use),
:mod:`~topocli.reports.sweep_stats` (a sweep's graphs x seeds design, regression, sweet
spot), :mod:`~topocli.reports.inference` (the variance model: every interval, the primary
comparison, the graph-effect test, rank intervals), :mod:`~topocli.reports.sweep_simulation`
(simulated sweeps that check it), :mod:`~topocli.reports.power` (planning a study),
:mod:`~topocli.reports.scores` (each metric's direction and range),
:mod:`~topocli.reports.sweep_correlations` (the sweep's statistics against accuracy),
:mod:`~topocli.reports.analyze_tables` and :mod:`~topocli.reports.sweep_tables` (each
page's numbers, computed once, no figures or HTML),
:mod:`~topocli.reports.figure_style`, :mod:`~topocli.reports.analyze_figures` and
:mod:`~topocli.reports.sweep_figures` (one PNG per function), :mod:`~topocli.reports.html` (the
page), :mod:`~topocli.reports.folders` (reading result folders),
:mod:`~topocli.reports.page_parts` (what every page shares) and
:mod:`~topocli.reports.sweep_headline` (the sweep page's headline and ``summary.json``),
:mod:`~topocli.reports.analyze_page` and :mod:`~topocli.reports.sweep_page` (the pages).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from topocli.errors import TopocliError
from topocli.fileio import DISK_ERRORS
from topocli.outdir import probe_writable
from topocli.reports.folders import (
    ReportStage,
    check_report_out,
    detect_kind,
    load_folder,
)

__all__ = ["build_report", "detect_kind"]


def build_report(directory: str | Path, out: str | Path | None = None, *, seed: int = 0,
                 resamples: int = 2000, metric: str | None = None,
                 higher_is_better: bool | None = None,
                 joined: Sequence[str | Path] = ()) -> Path:
    """Write the HTML report of an analyze or sweep folder; return the index.html path.

    Parameters
    ----------
    directory : path
        A folder written by ``topocli analyze --out`` or ``topocli train-sweep --out``
        (recognised by its ``kind.txt``, else by its files).
    out : path, optional
        Report folder (default ``directory/report``). In a previous report the files a
        report wrote are replaced (each atomically) and a user's own files kept; any other
        existing, non-empty folder is an error.
    seed : int
        Seed of the bootstrap/permutation draws and of the community detection.
    resamples : int
        Bootstrap resamples and permutations per correlation.
    metric : str, optional
        The runs.csv column a sweep is scored by (default ``test_acc``, or a reservoir
        sweep's first ``score_<task>`` column); its direction and range come from
        :func:`topocli.reports.scores.score_for`. An unknown column is an error.
    higher_is_better : bool, optional
        Override the metric's direction (a column topocli does not know).
    joined : paths, optional
        Sweep folders of the same experiment whose null families join ``directory``'s in
        one report (:func:`topocli.reports.joint.join_sweeps`); the default ``out`` is
        then ``directory/report-with-NAME``.


    Returns
    -------
    Path
        ``out/index.html``.
    """
    directory = Path(directory)
    folder = load_folder(directory)
    if joined:
        from topocli.reports.joint import join_sweeps

        folder = join_sweeps(folder, [load_folder(Path(d)) for d in joined])
        default = directory / ("report-with-" + "-".join(Path(d).name for d in joined))
    else:
        default = directory / "report"
    out = Path(out) if out is not None else default
    check_report_out(out)
    probe_writable(out)   # before any figure is drawn
    if resamples < 0:
        raise TopocliError(f"--resamples must be >= 0, not {resamples}")
    try:
        _build(folder, out, seed=seed, resamples=resamples, metric=metric,
               higher_is_better=higher_is_better)
    except OSError as exc:
        if exc.errno not in DISK_ERRORS:   # the disk's error, not topocli's: one line
            raise
        raise TopocliError(f"cannot write the report at {out} ({exc.strerror or exc}); "
                           "free space or choose another --out") from None
    return out / "index.html"


def _build(folder, out: Path, *, seed: int, resamples: int, metric: str | None,
           higher_is_better: bool | None) -> None:
    from topocli.reports import analyze_page, html, sweep_page

    with ReportStage(out) as stage:
        tmp = stage.path
        if folder.kind == "analyze":
            page = analyze_page.analyze_page(folder, tmp, seed=seed)
        else:
            page = sweep_page.sweep_page(folder, tmp, seed=seed, resamples=resamples,
                                         metric=metric, higher_is_better=higher_is_better)
        text = html.render(page.title, page.summary, page.sections, meta=page.meta,
                           notes=page.notes)
        (tmp / "index.html").write_text(text, encoding="utf-8")
        try:
            stage.place()
        except OSError as exc:  # e.g. a read-only --out
            raise TopocliError(f"cannot put the report at {out} ({exc.strerror or exc}); "
                               "choose another --out") from None
