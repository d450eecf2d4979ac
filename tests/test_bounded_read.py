"""Input files are bounded (issue 28): regular files only, a cap on what one may expand to.

Every file is tiny: the cap is lowered with ``TOPOCLI_MAX_INPUT_MB`` instead of writing
hundreds of megabytes.
"""

from __future__ import annotations

import gzip
import os
import re

import numpy as np
import pytest

from topocli.bounded_read import MAX_INPUT_ENV, read_input_bytes
from topocli.errors import TopocliError
from topocli.graphs import read_graph_file
from topocli.training.data import load_dataset, read_idx

EDGES = b"".join(b"n%d n%d 1\n" % (i, i + 1) for i in range(2000))   # about 22 KB


def _one_line_refusal(run_cli, path, expected: str) -> None:
    with pytest.raises(TopocliError, match=re.escape(expected)):
        read_graph_file(path)
    res = run_cli("graphs", "show", path)
    lines = res.stderr.strip().splitlines()
    assert res.exit_code == 2 and len(lines) == 1 and expected in lines[0], res.output


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_is_refused_without_blocking(tmp_path, run_cli):
    fifo = tmp_path / "g.graphml"
    os.mkfifo(fifo)       # nobody writes: opening it for reading would block forever
    _one_line_refusal(run_cli, fifo, "is a FIFO (named pipe), not a regular file")


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_symlink_to_a_device_is_refused(tmp_path, run_cli):
    link = tmp_path / "g.graphml"
    link.symlink_to("/dev/zero")
    _one_line_refusal(run_cli, link, "is a character device, not a regular file")


def test_folder_is_refused(tmp_path, run_cli):
    (tmp_path / "g.txt").mkdir()
    _one_line_refusal(run_cli, tmp_path / "g.txt", "is a folder, not a regular file")


def test_gzip_bomb_stops_at_the_cap_which_the_environment_raises(tmp_path, run_cli,
                                                                 monkeypatch):
    bomb = tmp_path / "bomb.graphml.gz"
    bomb.write_bytes(gzip.compress(b"<" * 100_000))        # 100 KB from a few hundred bytes
    monkeypatch.setenv(MAX_INPUT_ENV, "0.05")               # about 52 KB
    _one_line_refusal(run_cli, bomb, "expands to more than 0.05 MiB")
    assert "TOPOCLI_MAX_INPUT_MB=" in run_cli("graphs", "show", bomb).stderr
    plain = tmp_path / "big.txt"
    plain.write_bytes(EDGES * 3)
    _one_line_refusal(run_cli, plain, "is more than 0.05 MiB")
    monkeypatch.setenv(MAX_INPUT_ENV, "1")
    assert read_graph_file(plain).ecount() == 2000
    with pytest.raises(TopocliError, match="malformed XML"):   # past the cap: parsed
        read_graph_file(bomb)
    monkeypatch.setenv(MAX_INPUT_ENV, "lots")
    with pytest.raises(TopocliError, match="not a size in MiB"):
        read_input_bytes(plain)


def test_default_cap_reads_a_multi_member_gzip(tmp_path):
    f = tmp_path / "e.txt.gz"
    f.write_bytes(gzip.compress(EDGES[:11]) + gzip.compress(EDGES[11:]))
    assert read_input_bytes(f) == EDGES


def test_one_huge_value_is_refused(tmp_path, monkeypatch):
    import topocli.graphs.fields as graph_io

    monkeypatch.setattr(graph_io, "_MAX_VALUE_CHARS", 1000)
    huge = "x" * 2000
    f = tmp_path / "g.graphml"
    f.write_text('<graphml xmlns="http://graphml.graphdrawing.org/xmlns">'
                 '<key id="c" for="node" attr.name="cell_class" attr.type="string"/>'
                 f'<graph edgedefault="directed"><node id="a"><data key="c">{huge}</data>'
                 '</node><node id="b"/><edge source="a" target="b"/></graph></graphml>')
    with pytest.raises(TopocliError, match="'cell_class' value is 0.0 M characters long"):
        read_graph_file(f)
    t = tmp_path / "g.txt"
    t.write_text(f"a b\n{huge} c\n")
    with pytest.raises(TopocliError, match="line 2"):
        read_graph_file(t)


def _idx_header(dims: list[int]) -> bytes:
    return bytes([0, 0, 8, len(dims)]) + b"".join(d.to_bytes(4, "big") for d in dims)


def test_idx_header_with_255_dimensions_is_one_line(tmp_path):
    f = tmp_path / "x-idx3-ubyte"
    f.write_bytes(_idx_header([1] * 255) + b"\x07")
    with pytest.raises(TopocliError, match="names 255 dimensions"):
        read_idx(f)
    f.write_bytes(_idx_header([2, 2]) + bytes(4))
    assert read_idx(f).shape == (2, 2)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_dataset_files_are_bounded_too(tmp_path, monkeypatch):
    os.mkfifo(tmp_path / "x.idx")
    with pytest.raises(TopocliError, match="FIFO"):
        read_idx(tmp_path / "x.idx")
    cifar = tmp_path / "cifar"
    cifar.mkdir()
    record = bytes([3]) + bytes(3072)
    (cifar / "data_batch_1.bin").write_bytes(record * 20)
    (cifar / "test_batch.bin").write_bytes(record * 2)
    assert len(load_dataset("cifar10", cifar, val_fraction=0.0).y_train) == 20
    monkeypatch.setenv(MAX_INPUT_ENV, "0.05")
    with pytest.raises(TopocliError, match="data_batch_1.bin is more than 0.05 MiB"):
        load_dataset("cifar10", cifar)
    images = tmp_path / "images.gz"
    images.write_bytes(gzip.compress(_idx_header([100, 28, 28]) + bytes(78_400)))
    with pytest.raises(TopocliError, match="expands to more than"):
        read_idx(images)
    monkeypatch.delenv(MAX_INPUT_ENV)
    assert np.array_equal(read_idx(images), np.zeros((100, 28, 28), np.uint8))
