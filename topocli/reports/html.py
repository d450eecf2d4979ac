"""The report page: a self-contained HTML file with inline CSS and PNGs beside it.

No network: no CDN, no web fonts, no external scripts. All text goes through
:func:`html.escape`. The only script is a few inline lines that mark, once the page has
loaded, whether every image decoded (``<body data-images-loaded="5/5">``), which the
browser test reads.
"""

from __future__ import annotations

import html
import json
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

GENERATOR = "topocli report"

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;
 max-width:1180px;margin:0 auto;padding:1.2em 1.5em 3em;color:#1b1b1b;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em} h2{border-bottom:2px solid #ddd;padding-bottom:.2em;
 margin-top:2em} h3{margin-top:1.4em}
.summary{font-size:1.15em;background:#f3f7fb;border-left:5px solid #1f77b4;
 padding:.8em 1em;margin:1em 0}
.meta{color:#666;font-size:.9em}
.note{background:#fff8e1;border-left:4px solid #f0b400;padding:.4em .8em;margin:.5em 0;
 font-size:.92em}
table{border-collapse:collapse;margin:.6em 0 1.2em;font-size:.88em}
th,td{border:1px solid #ddd;padding:.25em .55em;text-align:right;white-space:nowrap}
th{background:#f2f2f2} td.t,th.t{text-align:left}
td.t{white-space:normal;min-width:6em;max-width:30em}
tr.real td{background:#fde8e8;font-weight:600}
.scroll{overflow-x:auto}
figure{margin:1em 0 2em} figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{color:#555;font-size:.9em;margin-top:.3em}
pre{background:#f6f6f6;padding:.8em;overflow-x:auto;font-size:.82em}
nav a{margin-right:1em}
"""

# Marks the page once every image has decoded (read by the browser test; harmless otherwise).
SCRIPT = """
window.addEventListener("load", function () {
  var imgs = Array.prototype.slice.call(document.images);
  var ok = imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length;
  document.body.setAttribute("data-images-loaded", ok + "/" + imgs.length);
});
"""


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def fmt(value: object, digits: int = 3) -> str:
    """A table cell: floats to ``digits`` significant digits, NaN/None as an en dash."""
    if value is None:
        return "–"
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if math.isnan(v):
            return "–"
        if math.isinf(v):
            return "∞" if v > 0 else "−∞"
        if v == int(v) and abs(v) < 1e15:
            return str(int(v))
        if abs(v) >= 1000:
            return f"{v:.1f}"
        return f"{v:.{digits}g}"
    return str(value)


def table(df: pd.DataFrame, *, columns: dict[str, str] | None = None, digits: int = 3,
          highlight: tuple[str, object] | None = None, text_columns=()) -> str:
    """An HTML table of ``df``; ``columns`` maps column -> header (and picks them)."""
    if columns is None:
        columns = {c: c for c in df.columns}
    columns = {c: h for c, h in columns.items() if c in df.columns}
    head = "".join(
        f'<th class="t">{esc(h)}</th>' if (c in text_columns or df[c].dtype == object)
        else f"<th>{esc(h)}</th>" for c, h in columns.items())
    rows = []
    for _, row in df.iterrows():
        cls = ""
        if highlight and str(row.get(highlight[0])) == str(highlight[1]):
            cls = ' class="real"'
        cells = []
        for c in columns:
            v = row[c]
            left = c in text_columns or df[c].dtype == object
            cells.append(f'<td class="t">{esc(fmt(v, digits))}</td>' if left
                         else f"<td>{esc(fmt(v, digits))}</td>")
        rows.append(f"<tr{cls}>{''.join(cells)}</tr>")
    return (f'<div class="scroll"><table><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table></div>")


@dataclass
class Section:
    """A titled part of the page: its HTML pieces (already escaped) in order."""

    title: str
    anchor: str
    parts: list[str] = field(default_factory=list)

    def text(self, text: str) -> None:
        self.parts.append(f"<p>{esc(text)}</p>")

    def note(self, text: str) -> None:
        self.parts.append(f'<p class="note">{esc(text)}</p>')

    def heading(self, text: str) -> None:
        self.parts.append(f"<h3>{esc(text)}</h3>")

    def table(self, df: pd.DataFrame, **kw) -> None:
        self.parts.append(table(df, **kw))

    def figure(self, filename: str, caption: str) -> None:
        self.parts.append(
            f'<figure><img src="{esc(filename)}" alt="{esc(caption)}">'
            f"<figcaption>{esc(caption)}</figcaption></figure>")

    def pre(self, text: str) -> None:
        self.parts.append(f"<pre>{esc(text)}</pre>")


def render(title: str, summary: str, sections: list[Section], *, meta: str = "",
           notes: list[str] = ()) -> str:
    """The whole page: title, summary sentence first, then the sections."""
    nav = " ".join(f'<a href="#{esc(s.anchor)}">{esc(s.title)}</a>' for s in sections)
    body = [f"<h1>{esc(title)}</h1>"]
    if meta:
        body.append(f'<p class="meta">{esc(meta)}</p>')
    body.append(f'<p class="summary" id="summary">{esc(summary)}</p>')
    for n in notes:
        body.append(f'<p class="note">{esc(n)}</p>')
    body.append(f"<nav>{nav}</nav>")
    for s in sections:
        body.append(f'<section id="{esc(s.anchor)}"><h2>{esc(s.title)}</h2>'
                    + "\n".join(s.parts) + "</section>")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f'<meta name="generator" content="{esc(GENERATOR)}">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{esc(title)}</title><style>{CSS}</style></head>\n<body>\n"
            + "\n".join(body)
            + f"\n<script>{SCRIPT}</script>\n</body></html>\n")


def pretty_json(data: object) -> str:
    return json.dumps(data, indent=2, sort_keys=True, default=str)
