"""Record indexes: offsets and sizes, the tfrecord package's file format, random access."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from record_format.errors import DataLossError, InvalidArgumentError
from record_format.index import IndexedReader, build_index, load_index, read_index, write_index
from record_format.reader import RecordReader
from record_format.tfrecord import TFRecordWriter


def write(path, records, options=None):
    with TFRecordWriter(str(path), options) as w:
        for r in records:
            w.write(r)
    return str(path)


@given(st.lists(st.binary(max_size=100), max_size=15), st.sampled_from(["", "GZIP"]))
def test_index_offsets_are_where_the_reader_finds_records(tmp_path_factory, records, compression):
    path = write(tmp_path_factory.mktemp("ix") / "f", records, compression)
    idx = build_index(path, compression)
    assert idx.sizes.tolist() == [len(r) + 16 for r in records]
    with RecordReader(path, compression) as r:
        for off, rec in zip(idx.tolist(), records):
            assert r.tell() == off
            assert r.read_batch(1) == [rec]
    if not compression:
        with IndexedReader(path, idx) as ir:
            order = list(range(len(records)))[::-1]
            assert ir.read_many(order) == [records[i] for i in order]


def test_write_read_round_trip_and_the_file_format(tmp_path):
    path = write(tmp_path / "f", [b"a", b"bb"])
    write_index(tmp_path / "f.index", build_index(path))
    assert (tmp_path / "f.index").read_text() == "0 17\n17 18\n"
    back = load_index(tmp_path / "f.index")
    assert back.tolist() == [0, 17] and back.sizes.tolist() == [17, 18]
    assert read_index(tmp_path / "f.index").tolist() == [0, 17]
    with pytest.raises(InvalidArgumentError, match="pass a RecordIndex"):
        write_index(tmp_path / "g.index", [0, 17])


def test_same_index_file_as_the_tfrecord_package(tmp_path):
    recs = [os.urandom(n) for n in (0, 5, 300, 70)]
    path = write(tmp_path / "f.tfrecord", recs)
    write_index(tmp_path / "ours.index", build_index(path))
    code = (
        "import sys; from tfrecord.tools.tfrecord2idx import create_index; "
        "create_index(sys.argv[1], sys.argv[2])"
    )
    # The tfrecord package never shares a process with TensorFlow: run it apart.
    done = subprocess.run(
        [sys.executable, "-c", code, path, str(tmp_path / "theirs.index")],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0 and "No module named 'tfrecord'" in done.stderr:
        pytest.skip("the tfrecord package is not installed")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "ours.index").read_bytes() == (tmp_path / "theirs.index").read_bytes()


def test_damage_is_reported_by_index_building_and_random_access(tmp_path):
    path = write(tmp_path / "f", [b"abc", b"def"])
    idx = build_index(path)
    raw = bytearray(open(path, "rb").read())
    raw[19 + 13] ^= 4  # a data byte of record 1
    open(path, "wb").write(raw)
    with pytest.raises(DataLossError, match=r"at byte 19 \(data CRC mismatch"):
        IndexedReader(path, idx)[1]
    assert IndexedReader(path, idx)[0] == b"abc"
    with pytest.raises(DataLossError, match="data CRC"):
        build_index(path, verify_crc=True)
    open(path, "wb").write(raw[:-3])
    with pytest.raises(DataLossError, match=r"at byte 19 \(truncated record"):
        build_index(path)
    with pytest.raises(IndexError):
        IndexedReader(write(tmp_path / "g", [b"x"]))[1]


def test_index_pickles_with_its_sizes(tmp_path):
    import pickle

    idx = build_index(write(tmp_path / "f", [b"x", b"yy"]))
    back = pickle.loads(pickle.dumps(idx))
    assert back.tolist() == [0, 17] and back.sizes.tolist() == [17, 18]
    assert isinstance(np.asarray(back), np.ndarray)
