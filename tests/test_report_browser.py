"""The report page in a real browser: headless Chromium renders it from disk, offline.

Checks, for a sweep and an analyze report: every image decoded (the page's inline script
writes ``data-images-loaded="k/k"`` on the body once loaded, and ``--dump-dom`` prints the
DOM after the load event), no console message at all (Chromium logs each one as a
``CONSOLE`` line with ``--enable-logging=stderr``; the page logs nothing when healthy), the
summary sentence is in the rendered DOM, and a screenshot is taken (a PNG of the
requested size that is not blank).

Chromium is Debian's package (``scripts/test.sh`` installs it when missing).
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from test_reports_data import make_analyze_folder, make_sweep_folder

from topocli.reports import build_report

WIDTH, HEIGHT = 1200, 2400


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    pytest.fail("Chromium is needed for the report's browser test: "
                "apt-get install -y chromium (scripts/test.sh does it when root)")


def _run_chromium(url: str, profile: Path, *extra: str) -> subprocess.CompletedProcess:
    cmd = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
           "--no-first-run", "--disable-background-networking", "--disable-component-update",
           "--disable-sync", "--disable-extensions", "--hide-scrollbars", "--mute-audio",
           f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
           "--virtual-time-budget=5000", *extra, url]
    return subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=90)


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", "screenshot is not a PNG"
    return struct.unpack(">II", head[16:24])


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    base = tmp_path_factory.mktemp("browser")
    sweep = build_report(make_sweep_folder(base / "sweep", graph_files=False), resamples=100)
    analysis = build_report(make_analyze_folder(base / "analysis", n_nulls=20))
    return {"sweep": sweep, "analyze": analysis}


@pytest.mark.parametrize("kind, summary", [
    ("sweep", "The real connectome ranks 1st of 13 graphs"),
    ("analyze", "celegans-varshney2011 (279 nodes, 2990 edges) against 20 degree nulls"),
])
def test_report_renders_in_chromium(pages, tmp_path, kind, summary):
    index = pages[kind]
    url = index.resolve().as_uri()
    n_images = len(re.findall(r"<img ", index.read_text(encoding="utf-8")))
    assert n_images >= 5

    dom = _run_chromium(url, tmp_path / "profile-dom", "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert f'data-images-loaded="{n_images}/{n_images}"' in dom.stdout, (
        "not every image loaded: " + str(re.findall(r'data-images-loaded="[^"]*"', dom.stdout)))
    assert summary in dom.stdout
    console = [line for line in dom.stderr.splitlines()
               if "CONSOLE" in line or "Uncaught" in line]
    assert console == [], console

    shot = tmp_path / f"{kind}.png"
    res = _run_chromium(url, tmp_path / "profile-shot", f"--screenshot={shot}",
                        f"--window-size={WIDTH},{HEIGHT}")
    assert res.returncode == 0, res.stderr[-2000:]
    assert _png_size(shot) == (WIDTH, HEIGHT)
    # a rendered page with figures compresses far less than a blank one (~10 kB)
    assert shot.stat().st_size > 100_000
