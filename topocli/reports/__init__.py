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
:mod:`~topocli.reports.analyze_page` and :mod:`~topocli.reports.sweep_page` (the pages).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from topocli.errors import TopocliError
from topocli.reports.folders import detect_kind, load_folder

__all__ = ["build_report", "detect_kind"]


def _check_out(out: Path) -> None:
    """Refuse to replace a folder that is not a previous report."""
    if not out.exists():
        return
    if not out.is_dir():
        raise TopocliError(f"{out} exists and is not a folder; choose another --out")
    entries = list(out.iterdir())
    if not entries:
        return
    index = out / "index.html"
    if index.is_file():
        head = index.read_text(errors="replace")[:2000]
        from topocli.reports.html import GENERATOR

        if f'name="generator" content="{GENERATOR}"' in head:
            return
    raise TopocliError(f"{out} exists and was not written by 'topocli report'; "
                       "choose another --out or remove it")


def build_report(directory: str | Path, out: str | Path | None = None, *, seed: int = 0,
                 resamples: int = 2000, metric: str | None = None,
                 higher_is_better: bool | None = None) -> Path:
    """Write the HTML report of an analyze or sweep folder; return the index.html path.

    Parameters
    ----------
    directory : path
        A folder written by ``topocli analyze --out`` or ``topocli train-sweep --out``
        (recognised by its ``kind.txt``, else by its files).
    out : path, optional
        Report folder (default ``directory/report``). Replaced atomically if it holds a
        previous report; any other existing, non-empty folder is an error.
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

    Returns
    -------
    Path
        ``out/index.html``.
    """
    from topocli.reports import analyze_page, html, sweep_page

    directory = Path(directory)
    folder = load_folder(directory)
    out = Path(out) if out is not None else directory / "report"
    _check_out(out)
    if resamples < 0:
        raise TopocliError(f"--resamples must be >= 0, not {resamples}")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        if folder.kind == "analyze":
            page = analyze_page.analyze_page(folder, tmp, seed=seed)
        else:
            page = sweep_page.sweep_page(folder, tmp, seed=seed, resamples=resamples,
                                         metric=metric, higher_is_better=higher_is_better)
        text = html.render(page.title, page.summary, page.sections, meta=page.meta,
                           notes=page.notes)
        (tmp / "index.html").write_text(text, encoding="utf-8")
        os.chmod(tmp, 0o755)
        try:
            _swap_in(tmp, out)
        except OSError as exc:  # e.g. --out . (the current folder cannot be renamed)
            raise TopocliError(f"cannot put the report at {out} ({exc.strerror or exc}); "
                               "choose another --out") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out / "index.html"


def _swap_in(tmp: Path, out: Path) -> None:
    """Move the finished ``tmp`` folder to ``out``, replacing an old report last."""
    if not out.exists():
        os.replace(tmp, out)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
    old.rmdir()
    os.replace(out, old)
    try:
        os.replace(tmp, out)
    except OSError:
        os.replace(old, out)
        raise
    shutil.rmtree(old, ignore_errors=True)
