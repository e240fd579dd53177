"""TFRecordDataset: files / lists / datasets of names, GZIP / ZLIB, chunked reads, corruption
(DataLossError naming file and offset; ignore_errors resyncs and counts), checkpoints, tf.data."""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dataflowio.data import Dataset, TFRecordDataset
from dataflowio.errors import DataLossError, InvalidArgumentError, NotFoundError
from record_format.tfrecord import TFRecordWriter
from tests.data.ops.h3b_support import assert_same_as_tf
from tests.harness import assert_checkpoint_roundtrip, assert_matches_reference

HEADER, FOOTER = 12, 4


def write(path, records, compression=None):
    with TFRecordWriter(str(path), compression) as w:
        for r in records:
            w.write(r)
    return str(path)


def offsets(records):
    out, pos = [], 0
    for r in records:
        out.append(pos)
        pos += HEADER + len(r) + FOOTER
    return out


def records_for(i, n):
    return [f"file{i}-record{j}-".encode() * (j % 3 + 1) for j in range(n)]


@settings(max_examples=15)
@given(sizes=st.lists(st.integers(0, 6), min_size=1, max_size=3), comp=st.sampled_from([None, "GZIP", "ZLIB"]),
       b=st.integers(1, 5))
def test_tfrecord_reads_every_record_in_order_element_wise_and_in_batches(tmp_path_factory, sizes, comp, b):
    d = tmp_path_factory.mktemp("tfr")
    files = [write(d / f"{i}.tfrecord", records_for(i, n), comp) for i, n in enumerate(sizes)]
    want = [r for i, n in enumerate(sizes) for r in records_for(i, n)]
    assert_matches_reference(TFRecordDataset(files, compression_type=comp), want)
    batches = [b_.tolist() for b_ in TFRecordDataset(files, compression_type=comp).batch(b)]
    assert batches == [want[i:i + b] for i in range(0, len(want), b)]


def test_tfrecord_accepts_a_path_a_list_and_a_dataset_of_names(tmp_path):
    a = write(tmp_path / "a", [b"1", b"2"])
    bb = write(tmp_path / "b", [b"3"])
    assert list(TFRecordDataset(a)) == [b"1", b"2"]
    assert list(TFRecordDataset([a, bb])) == [b"1", b"2", b"3"]
    assert list(TFRecordDataset(Dataset.from_tensor_slices([bb, a]))) == [b"3", b"1", b"2"]
    assert list(TFRecordDataset([])) == []


def test_tfrecord_batches_are_object_columns_of_bytes(tmp_path):
    p = write(tmp_path / "a", [b"x" * i for i in range(5)])
    first = next(iter(TFRecordDataset(p).batch(4)))
    assert first.dtype == object and first.shape == (4,) and first[3] == b"xxx"


def test_tfrecord_missing_file_raises_not_found_naming_it(tmp_path):
    ds = TFRecordDataset([str(tmp_path / "nope.tfrecord")])
    with pytest.raises(NotFoundError, match=r"nope\.tfrecord"):
        list(ds)


def test_tfrecord_rejects_bad_arguments():
    with pytest.raises(InvalidArgumentError, match=r"compression type must be None"):
        TFRecordDataset("x", compression_type="LZ4")
    with pytest.raises(InvalidArgumentError, match=r"`num_parallel_reads` must be None, AUTOTUNE \(-1\) or >= 1, got 0"):
        TFRecordDataset("x", num_parallel_reads=0)
    with pytest.raises(TypeError, match=r"a `filenames` dataset must yield scalar strings"):
        TFRecordDataset(Dataset.range(3))


def _corrupt(path, at, delta=1):
    with open(path, "rb") as f:
        data = bytearray(f.read())
    data[at] ^= delta
    with open(path, "wb") as f:
        f.write(bytes(data))


def test_tfrecord_corrupt_record_raises_data_loss_naming_file_and_offset_after_the_good_ones(tmp_path):
    recs = records_for(0, 6)
    p = write(tmp_path / "c.tfrecord", recs)
    _corrupt(p, offsets(recs)[3] + HEADER + 2)  # data of record 3
    it = iter(TFRecordDataset(p))
    assert [next(it) for _ in range(3)] == recs[:3]
    with pytest.raises(DataLossError, match=rf"c\.tfrecord: corrupted record at byte {offsets(recs)[3]} \(data CRC mismatch"):
        next(it)


@pytest.mark.parametrize("where", ["data", "length", "length_crc"])
def test_ignore_errors_skips_a_corrupt_record_and_keeps_reading_the_same_file(tmp_path, where):
    recs = records_for(0, 8)
    p = write(tmp_path / "c.tfrecord", recs)
    off = offsets(recs)[2] + {"data": HEADER + 1, "length": 0, "length_crc": 9}[where]
    _corrupt(p, off)
    q = write(tmp_path / "d.tfrecord", [b"next-file"])
    it = iter(TFRecordDataset([p, q]).ignore_errors())
    assert list(it) == recs[:2] + recs[3:] + [b"next-file"]
    assert any(s.get("skipped") == 1 for s in it.stats()["stages"])


def test_ignore_errors_counts_each_damaged_record_and_handles_batches(tmp_path):
    recs = records_for(0, 12)
    p = write(tmp_path / "c.tfrecord", recs)
    for k in (1, 5, 8, 9):  # 8 and 9 are adjacent: one damaged region, skipped (and counted) once
        _corrupt(p, offsets(recs)[k] + HEADER)
    it = iter(TFRecordDataset(p).ignore_errors().batch(4))
    got = [r for b in it for r in b.tolist()]
    assert got == [r for k, r in enumerate(recs) if k not in (1, 5, 8, 9)]
    assert any(s.get("skipped") == 3 for s in it.stats()["stages"])


def test_truncated_file_raises_and_ignore_errors_keeps_the_complete_records(tmp_path):
    recs = records_for(0, 4)
    p = write(tmp_path / "t.tfrecord", recs)
    with open(p, "rb") as f:
        data = f.read()
    with open(p, "wb") as f:
        f.write(data[:-7])
    with pytest.raises(DataLossError, match=rf"t\.tfrecord: corrupted record at byte {offsets(recs)[3]}"):
        list(TFRecordDataset(p))
    assert list(TFRecordDataset(p).ignore_errors()) == recs[:3]


@pytest.mark.parametrize("comp", [None, "GZIP"])
@pytest.mark.parametrize("at", [0, 1, 4, 9])
def test_tfrecord_checkpoint_restores_the_exact_suffix(tmp_path, comp, at):
    files = [write(tmp_path / f"{i}", records_for(i, 4), comp) for i in range(3)]
    assert_checkpoint_roundtrip(TFRecordDataset(files, compression_type=comp), at=at)
    assert_checkpoint_roundtrip(TFRecordDataset(files, compression_type=comp).batch(3), at=at // 3)
    assert_checkpoint_roundtrip(TFRecordDataset(Dataset.from_tensor_slices(files), compression_type=comp), at=at)


@pytest.mark.parametrize("at", [0, 1, 2, 3, 5])
def test_tfrecord_checkpoint_around_a_corrupt_record_under_ignore_errors(tmp_path, at):
    recs = records_for(0, 7)
    p = write(tmp_path / "c", recs)
    _corrupt(p, offsets(recs)[3] + HEADER)
    assert_checkpoint_roundtrip(TFRecordDataset(p).ignore_errors(), at=at)


def test_tfrecord_num_parallel_reads_interleaves_files_record_by_record(tmp_path):
    files = [write(tmp_path / f"{i}", records_for(i, n)) for i, n in enumerate([3, 1, 2])]
    got = list(TFRecordDataset(files, num_parallel_reads=2))
    r = [records_for(i, n) for i, n in enumerate([3, 1, 2])]
    assert got == [r[0][0], r[1][0], r[0][1], r[0][2], r[2][0], r[2][1]]  # tf.data order


def test_tfrecord_close_releases_the_file(tmp_path):
    p = write(tmp_path / "a", records_for(0, 100))
    before = len(os.listdir("/proc/self/fd"))
    it = iter(TFRecordDataset([p, p]))
    next(it)
    assert len(os.listdir("/proc/self/fd")) == before + 1
    it.close()
    assert len(os.listdir("/proc/self/fd")) == before


@pytest.mark.parametrize("comp", [None, "GZIP", "ZLIB"])
def test_tfrecord_reads_files_tensorflow_wrote_as_tf_does(tf, tmp_path, comp):
    files = []
    for i, n in enumerate([3, 0, 5]):
        path = str(tmp_path / f"tf{i}.tfrecord")
        with tf.io.TFRecordWriter(path, comp) as w:
            for r in records_for(i, n):
                w.write(r)
        files.append(path)
    assert_same_as_tf(TFRecordDataset(files, compression_type=comp),
                      tf.data.TFRecordDataset(files, compression_type=comp))
    assert_same_as_tf(TFRecordDataset(files, compression_type=comp).batch(2),
                      tf.data.TFRecordDataset(files, compression_type=comp).batch(2))


@pytest.mark.parametrize("npr", [1, 2, 3])
def test_tfrecord_num_parallel_reads_matches_tf(tf, tmp_path, npr):
    files = [write(tmp_path / f"{i}", records_for(i, n)) for i, n in enumerate([4, 1, 3, 2])]
    assert_same_as_tf(TFRecordDataset(files, num_parallel_reads=npr),
                      tf.data.TFRecordDataset(files, num_parallel_reads=npr))


def test_tensorflow_reads_the_files_we_read_identically(tf, tmp_path):
    p = write(tmp_path / "ours.tfrecord", [np.arange(i).tobytes() for i in range(6)], "GZIP")
    assert_same_as_tf(TFRecordDataset(Dataset.from_tensor_slices([p]), compression_type="GZIP"),
                      tf.data.TFRecordDataset(tf.data.Dataset.from_tensor_slices([p]), compression_type="GZIP"))


def test_tfrecord_file_names_from_a_placeholder_fed_at_initialization(tmp_path):
    import dataflowio as tf1

    paths = [write(tmp_path / f"{i}", [b"r%d" % i]) for i in range(2)]
    names = tf1.placeholder(tf1.string, shape=[None])
    it = TFRecordDataset(names).make_initializable_iterator()
    nxt = it.get_next()
    with tf1.Session() as sess:
        sess.run(it.initializer, feed_dict={names: paths})
        assert [sess.run(nxt), sess.run(nxt)] == [b"r0", b"r1"]
        sess.run(it.initializer, feed_dict={names: paths[1:]})
        assert sess.run(nxt) == b"r1"
        with pytest.raises(tf1.errors.OutOfRangeError):
            sess.run(nxt)


@pytest.mark.parametrize("at", [0, 2, 5])
def test_tfrecord_parallel_reads_checkpoint_restores_the_exact_suffix(tmp_path, at):
    files = [write(tmp_path / f"{i}", records_for(i, n)) for i, n in enumerate([3, 1, 4])]
    assert_checkpoint_roundtrip(TFRecordDataset(files, num_parallel_reads=2), at=at)


def test_list_files_interleaved_with_the_tfrecord_class_as_function(tmp_path):
    for i in range(3):
        write(tmp_path / f"{i}.tfrecord", records_for(i, 2))
    ds = Dataset.list_files(str(tmp_path / "*.tfrecord"), shuffle=False).interleave(TFRecordDataset, cycle_length=2)
    r = [records_for(i, 2) for i in range(3)]
    assert list(ds) == [r[0][0], r[1][0], r[0][1], r[1][1], r[2][0], r[2][1]]
    assert_checkpoint_roundtrip(ds, at=3)


def test_chunked_reads_yield_the_good_records_before_a_corrupt_one(tmp_path):
    from dataflowio.data.ops._nested import open_plan
    from dataflowio.data.ops.tfrecord import TFRecordSource
    from dataflowio.data.options import Options
    from dataflowio.data.plan import ExecContext

    recs = records_for(0, 6)
    p = write(tmp_path / "c", recs)
    _corrupt(p, offsets(recs)[4] + HEADER)
    it = open_plan(TFRecordSource(filenames=(p,)), ExecContext(Options()))
    assert it.next_chunk(3).columns().tolist() == recs[:3]
    assert it.next_chunk(3).columns().tolist() == recs[3:4]
    with pytest.raises(DataLossError, match=rf"at byte {offsets(recs)[4]}"):
        it.next_chunk(3)
    assert it.next_chunk(3).columns().tolist() == recs[5:]  # stepped over the damage


@pytest.mark.parametrize("k", range(7))
def test_state_taken_right_after_stepping_over_damage_restores_exactly(tmp_path, k):
    from dataflowio.data.ops._nested import open_plan
    from dataflowio.data.ops.ignore_errors import IgnoreErrors
    from dataflowio.data.ops.tfrecord import TFRecordSource
    from dataflowio.data.options import Options
    from dataflowio.data.plan import ExecContext

    recs = records_for(0, 8)
    p = write(tmp_path / "c", recs)
    _corrupt(p, offsets(recs)[3] + HEADER)
    node = IgnoreErrors(inputs=(TFRecordSource(filenames=(p,)),))
    it = open_plan(node, ExecContext(Options()))
    head = [next(it) for _ in range(k)]
    state = it.get_state()
    rest = list(it)
    it2 = open_plan(node, ExecContext(Options()))
    it2.set_state(state)
    assert head + list(it2) == head + rest == [r for i, r in enumerate(recs) if i != 3]
