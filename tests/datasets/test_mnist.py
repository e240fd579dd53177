"""`dataflowio.datasets.mnist`: reading, verification errors, and downloads (file:// and 127.0.0.1 only)."""

from __future__ import annotations

import gzip
import http.server
import os
import shutil
import struct
import threading
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dataflowio.datasets import mnist
from dataflowio.datasets.atomic import leftover_temporaries
from dataflowio.datasets.download import fetch
from dataflowio.errors import DataLossError, NotFoundError


def idx_bytes(arr: np.ndarray) -> bytes:
    """Reference IDX encoder (uint8 payload), straight from the format description."""
    head = struct.pack(">BBBB", 0, 0, 0x08, arr.ndim) + b"".join(struct.pack(">I", d) for d in arr.shape)
    return head + arr.astype(np.uint8).tobytes()


@pytest.fixture(scope="module")
def mnist_arrays(mnist_dir):
    return mnist.load_data(mnist_dir, download=False)


def small_copy(src: Path, dst: Path) -> Path:
    """Copies the (small) label files and links the image files into `dst`."""
    dst.mkdir(parents=True, exist_ok=True)
    for spec in mnist.FILES.values():
        os.symlink(src / spec.name, dst / spec.name)
    return dst


def test_load_data_returns_keras_layout(mnist_arrays):
    (x, y), (xt, yt) = mnist_arrays
    assert (x.shape, x.dtype, y.shape, y.dtype) == ((60000, 28, 28), np.uint8, (60000,), np.int64)
    assert (xt.shape, yt.shape) == ((10000, 28, 28), (10000,))
    assert y[:8].tolist() == [5, 0, 4, 1, 9, 2, 1, 3]
    assert yt[:4].tolist() == [7, 2, 1, 0]
    assert min(np.bincount(y).tolist()) > 5000 and x.max() == 255


def test_uncompressed_files_read_the_same(mnist_dir, tmp_path, mnist_arrays):
    for spec in mnist.FILES.values():
        (tmp_path / spec.raw_name).write_bytes(gzip.decompress((mnist_dir / spec.name).read_bytes()))
    (x, y), (xt, yt) = mnist.load_data(tmp_path, download=False)
    (x0, y0), (xt0, yt0) = mnist_arrays
    assert np.array_equal(x, x0) and np.array_equal(y, y0)
    assert np.array_equal(xt, xt0) and np.array_equal(yt, yt0)


def test_missing_file_names_file_and_folder(mnist_dir, tmp_path):
    small_copy(mnist_dir, tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(NotFoundError, match=r"(?s)t10k-labels-idx1-ubyte\.gz not found in .*hint: get"):
        mnist.load_data(tmp_path, download=False)


def test_truncated_gzip_is_data_loss_naming_the_file(mnist_dir, tmp_path):
    small_copy(mnist_dir, tmp_path)
    p = tmp_path / "train-labels-idx1-ubyte.gz"
    blob = p.read_bytes()
    p.unlink()
    p.write_bytes(blob[: len(blob) // 2])
    with pytest.raises(DataLossError, match=r"train-labels-idx1-ubyte\.gz: not a complete gzip file"):
        mnist.load_data(tmp_path, download=False)


def test_truncated_raw_file_reports_sizes(tmp_path):
    p = tmp_path / "train-labels-idx1-ubyte"
    p.write_bytes(struct.pack(">II", 2049, 60000) + bytes(100))
    with pytest.raises(DataLossError, match=r"truncated: header says shape \(60000,\) = 60008 bytes, "
                                            r"the data has 108"):
        mnist.read_idx(p, mnist.FILES["train_labels"])


def test_md5_mismatch_is_reported_and_can_be_skipped(mnist_dir, tmp_path):
    raw = bytearray(gzip.decompress((mnist_dir / "t10k-labels-idx1-ubyte.gz").read_bytes()))
    raw[8] = (raw[8] + 1) % 10
    p = tmp_path / "t10k-labels-idx1-ubyte"
    p.write_bytes(bytes(raw))
    with pytest.raises(DataLossError, match=r"MD5 mismatch: expected 27ae3e4e.*, got "):
        mnist.read_idx(p, mnist.FILES["test_labels"])
    assert mnist.read_idx(p, mnist.FILES["test_labels"], verify_md5=False)[0] == raw[8]


def test_wrong_magic_and_wrong_file_are_rejected(tmp_path):
    p = tmp_path / "f"
    p.write_bytes(b"PK\x03\x04zipfile")
    with pytest.raises(DataLossError, match=r"not an IDX file \(magic number bytes 504b0304"):
        mnist.read_idx(p)
    p.write_bytes(idx_bytes(np.zeros((3,), np.uint8)))
    with pytest.raises(DataLossError, match=r"expected an array of shape \(60000, 28, 28\), got \(3,\)"):
        mnist.read_idx(p, mnist.FILES["train_images"])
    with pytest.raises(NotFoundError, match=r"file not found"):
        mnist.read_idx(tmp_path / "nope.gz")


@given(arr=st.lists(st.integers(0, 255), min_size=0, max_size=60).flatmap(
    lambda xs: st.sampled_from([(len(xs),), (1, len(xs))]).map(lambda s: np.array(xs, np.uint8).reshape(s))))
def test_read_idx_matches_reference_encoder(tmp_path_factory, arr):
    p = tmp_path_factory.mktemp("idx") / "a-ubyte.gz"
    p.write_bytes(gzip.compress(idx_bytes(arr)))
    got = mnist.read_idx(p)
    assert got.shape == arr.shape and np.array_equal(got, arr)


def test_every_truncation_of_an_idx_file_is_an_error(tmp_path):
    blob = idx_bytes(np.arange(12, dtype=np.uint8).reshape(3, 4))
    p = tmp_path / "x-ubyte"
    for cut in range(len(blob)):
        p.write_bytes(blob[:cut])
        with pytest.raises(DataLossError):
            mnist.read_idx(p)


def test_default_folder_follows_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DATAFLOWIO_DATA", str(tmp_path))
    assert mnist.default_data_dir() == tmp_path
    monkeypatch.delenv("DATAFLOWIO_DATA")
    assert mnist.default_data_dir() == Path.home() / ".cache" / "dataflowio" / "mnist"
    monkeypatch.setenv("DATAFLOWIO_MNIST_MIRRORS", "file:///a/, http://127.0.0.1:1/b/")
    assert mnist.mirrors() == ["file:///a/", "http://127.0.0.1:1/b/"]


def test_download_from_file_mirror_fills_the_cache(mnist_dir, tmp_path, monkeypatch, mnist_arrays):
    cache = tmp_path / "cache"
    monkeypatch.setenv("DATAFLOWIO_DATA", str(cache))
    monkeypatch.setenv("DATAFLOWIO_MNIST_MIRRORS", mnist_dir.as_uri() + "/")
    (_x, y), _ = mnist.load_data()
    assert np.array_equal(y, mnist_arrays[0][1])
    assert sorted(p.name for p in cache.iterdir()) == sorted(s.name for s in mnist.FILES.values())


def test_bad_mirror_is_skipped_and_nothing_half_written_stays(mnist_dir, tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "t10k-labels-idx1-ubyte.gz").write_bytes(b"not the file")
    dest = tmp_path / "dest"
    spec = mnist.FILES["test_labels"]
    p = fetch(spec.name, [bad.as_uri(), (tmp_path / "missing").as_uri(), mnist_dir.as_uri()],
              dest, md5=spec.md5_gz)
    assert Path(p).read_bytes() == (mnist_dir / spec.name).read_bytes()
    assert leftover_temporaries(dest) == []
    with pytest.raises(NotFoundError, match=r"(?s)could not fetch t10k-labels-idx1-ubyte\.gz .*"
                                            r"MD5 mismatch.*hint: download"):
        fetch(spec.name, [bad.as_uri()], tmp_path / "dest2", md5=spec.md5_gz)
    assert list((tmp_path / "dest2").iterdir()) == []


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep test output quiet
        pass


@pytest.mark.timeout(30)
def test_download_over_http_from_a_local_server(mnist_dir, tmp_path):
    served = tmp_path / "served"
    shutil.copytree(mnist_dir, served)
    handler = lambda *a, **k: _Handler(*a, directory=str(served), **k)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        files = mnist.ensure_files(tmp_path / "cache", mirror_list=[url])
        assert all(p.read_bytes() == (mnist_dir / p.name).read_bytes() for p in files.values())
    finally:
        server.shutdown()
        server.server_close()
