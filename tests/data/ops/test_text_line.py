"""TextLineDataset: line splitting exactly as TensorFlow (\\n, \\r\\n, last line), compression,
block boundaries, missing files, checkpoints, tf.data parity."""

from __future__ import annotations

import gzip
import os
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dataflowio.data import Dataset, TextLineDataset
from dataflowio.errors import NotFoundError
from tests.data.ops.h3b_support import assert_same_as_tf
from tests.harness import assert_checkpoint_roundtrip


def tf_lines(data: bytes) -> list[bytes]:
    """TensorFlow's ReadLine: split on \\n, drop one \\r before it (and at EOF); an empty last
    line (after stripping) is not a line."""
    out = []
    parts = data.split(b"\n")
    for i, p in enumerate(parts):
        if p.endswith(b"\r"):
            p = p[:-1]
        if i == len(parts) - 1 and not p:
            break
        out.append(p)
    return out


def write(path, data: bytes, comp=None):
    if comp == "GZIP":
        data = gzip.compress(data)
    elif comp == "ZLIB":
        data = zlib.compress(data)
    with open(path, "wb") as f:
        f.write(data)
    return str(path)


@settings(max_examples=25)
@given(data=st.binary(max_size=300).map(lambda b: b.replace(b"\x00", b"\n")) | st.text("ab\r\n", max_size=60).map(str.encode),
       comp=st.sampled_from([None, "GZIP", "ZLIB"]), buf=st.sampled_from([None, 4096]))
def test_text_line_splits_exactly_like_tensorflow(tmp_path_factory, data, comp, buf):
    p = write(tmp_path_factory.mktemp("t") / "a.txt", data, comp)
    assert list(TextLineDataset(p, compression_type=comp, buffer_size=buf)) == tf_lines(data)


def test_text_line_handles_lines_longer_than_a_block_and_many_files(tmp_path):
    big = b"x" * 10000
    a = write(tmp_path / "a", b"1\n" + big + b"\r\n2")
    b = write(tmp_path / "b", b"")
    c = write(tmp_path / "c", b"\n\n")
    ds = TextLineDataset([a, b, c], buffer_size=4096)
    assert list(ds) == [b"1", big, b"2", b"", b""]
    assert [x.tolist() for x in ds.batch(2)] == [[b"1", big], [b"2", b""], [b""]]


def test_text_line_reads_a_dataset_of_names(tmp_path):
    a = write(tmp_path / "a", b"a1\na2\n")
    b = write(tmp_path / "b", b"b1\n")
    assert list(TextLineDataset(Dataset.from_tensor_slices([b, a]))) == [b"b1", b"a1", b"a2"]
    assert list(TextLineDataset([a, b], num_parallel_reads=2)) == [b"a1", b"b1", b"a2"]


def test_text_line_missing_file_raises_not_found_naming_it(tmp_path):
    with pytest.raises(NotFoundError, match=r"missing\.txt"):
        list(TextLineDataset(str(tmp_path / "missing.txt")))


def test_text_line_rejects_non_string_filenames():
    with pytest.raises(TypeError, match=r"`filenames` must be strings, got int"):
        TextLineDataset([1, 2])


@pytest.mark.parametrize("comp", [None, "GZIP"])
@pytest.mark.parametrize("at", [0, 1, 5, 11])
def test_text_line_checkpoint_restores_the_exact_suffix(tmp_path, comp, at):
    files = [write(tmp_path / f"{i}", b"".join(b"line%d-%d\r\n" % (i, j) for j in range(5)), comp) for i in range(3)]
    assert_checkpoint_roundtrip(TextLineDataset(files, compression_type=comp), at=at)
    assert_checkpoint_roundtrip(TextLineDataset(files, compression_type=comp).batch(4), at=at // 4)


def test_text_line_close_releases_the_file(tmp_path):
    p = write(tmp_path / "a", b"a\nb\nc\n")
    before = len(os.listdir("/proc/self/fd"))
    it = iter(TextLineDataset(p))
    next(it)
    it.close()
    assert len(os.listdir("/proc/self/fd")) == before


@pytest.mark.parametrize("comp", [None, "GZIP", "ZLIB"])
def test_text_line_matches_tf(tf, tmp_path, comp):
    files = [write(tmp_path / "a", b"a,1\r\nb,2\n\nlast", comp), write(tmp_path / "b", b"", comp),
             write(tmp_path / "c", b"x\n\r", comp)]
    assert_same_as_tf(TextLineDataset(files, compression_type=comp), tf.data.TextLineDataset(files, compression_type=comp))
    assert_same_as_tf(TextLineDataset(files, compression_type=comp, num_parallel_reads=2).batch(2),
                      tf.data.TextLineDataset(files, compression_type=comp, num_parallel_reads=2).batch(2))
