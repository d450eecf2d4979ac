"""The parts every report page shares: :class:`Page`, the config section, figures, meta.

A page builder (:func:`topocli.reports.analyze_page.analyze_page`,
:func:`topocli.reports.sweep_page.sweep_page`) returns a :class:`Page`, which
:func:`topocli.reports.html.render` turns into ``index.html``. A figure that fails to draw
is replaced by a note (and logged), so one odd input never costs the whole report.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from topocli import __version__
from topocli.fileio import DISK_ERRORS
from topocli.provenance import versions
from topocli.reports.folders import ResultFolder
from topocli.reports.html import Section, pretty_json

__all__ = ["Page", "figure", "meta_line", "versions_section"]

log = logging.getLogger("topocli")


@dataclass
class Page:
    """One report page: its title, headline sentence, sections, notes and provenance line."""

    title: str
    summary: str
    sections: list[Section] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    meta: str = ""


def figure(section: Section, fn: Callable[..., Path | None], filename: str, caption: str,
           out: Path, *args, **kwargs) -> None:
    """Draw ``fn(*args, out / filename, **kwargs)`` into ``section``; on failure a note.

    ``fn`` returns the PNG's path, or None when there is nothing to draw, or a sentence
    saying why a figure would mislead (then the section says so instead of showing it).
    """
    import matplotlib

    try:
        # names come from files: a "$" in one must print as a dollar, not start mathtext
        with matplotlib.rc_context({"text.parse_math": False}):
            path = fn(*args, out / filename, **kwargs)
    except OSError as exc:
        if exc.errno in DISK_ERRORS:   # a full disk is not a broken figure: the report stops
            raise
        _figure_failed(section, filename, exc)
        return
    except Exception as exc:  # noqa: BLE001 (a broken figure must not cost the report)
        _figure_failed(section, filename, exc)
        return
    if path is None:
        section.note(f"Nothing to draw for: {caption}")
    elif isinstance(path, str):  # the figure's own reason for showing nothing
        section.note(path)
    else:
        section.figure(filename, caption)


def _figure_failed(section: Section, filename: str, exc: Exception) -> None:
    log.warning("report: figure %s failed: %s: %s", filename, type(exc).__name__, exc)
    section.note(f"Figure {filename} could not be drawn ({type(exc).__name__}: {exc}).")


def versions_section(config: dict) -> Section:
    """The config the results were written with, and the versions building the report."""
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


def meta_line(folder: ResultFolder) -> str:
    """The one-line provenance under a page's title: folder, seed, who wrote what."""
    cfg = folder.config if isinstance(folder.config, dict) else {}
    bits = [f"{folder.kind} folder {folder.path}"]
    if cfg.get("seed") is not None:
        bits.append(f"seed {cfg['seed']}")
    written_by = cfg.get("versions")
    if isinstance(written_by, dict) and written_by.get("topocli"):
        bits.append(f"results written by topocli {written_by['topocli']}")
    bits.append(f"report by topocli {__version__}")
    return "; ".join(bits)
