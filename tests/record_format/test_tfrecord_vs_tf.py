"""TFRecord files written by TensorFlow read here, and ours read by TensorFlow, byte for byte."""

from __future__ import annotations

import os
import random

import pytest

from record_format.multi import tf_record_iterator
from record_format.reader import RecordReader
from record_format.tfrecord import TFRecordOptions, TFRecordWriter

COMPRESSIONS = ["", "GZIP", "ZLIB"]


def payloads():
    rng = random.Random(7)
    recs = [b"", b"a", b"hello" * 40]
    recs += [rng.randbytes(rng.randrange(0, 3000)) for _ in range(120)]
    recs += [bytes(300_000), rng.randbytes(70_000)]
    return recs


@pytest.mark.parametrize("compression", COMPRESSIONS)
def test_same_payloads_give_identical_bytes_and_each_reads_the_other(tf, tmp_path, compression):
    recs = payloads()
    ours, theirs = str(tmp_path / "ours"), str(tmp_path / "theirs")
    with TFRecordWriter(ours, TFRecordOptions(compression_type=compression)) as w:
        for r in recs:
            w.write(r)
    with tf.io.TFRecordWriter(theirs, tf.io.TFRecordOptions(compression_type=compression)) as w:
        for r in recs:
            w.write(r)
    assert open(ours, "rb").read() == open(theirs, "rb").read()
    got_tf = [t.numpy() for t in tf.data.TFRecordDataset(ours, compression_type=compression)]
    assert got_tf == recs
    with RecordReader(theirs, compression) as r:
        assert list(r.records()) == recs


def test_tensorflow_rejects_our_corruption_too(tf, tmp_path):
    path = str(tmp_path / "f")
    with TFRecordWriter(path) as w:
        w.write(b"payload" * 10)
    raw = bytearray(open(path, "rb").read())
    raw[20] ^= 1
    open(path, "wb").write(raw)
    with pytest.raises(tf.errors.DataLossError):
        list(tf.data.TFRecordDataset(path))
    from record_format.errors import DataLossError

    with pytest.raises(DataLossError):
        list(tf_record_iterator(path))


def test_tf_reads_our_flushed_gzip_file(tf, tmp_path):
    path = str(tmp_path / "f.gz")
    w = TFRecordWriter(path, "GZIP")
    w.write(b"one")
    w.flush()
    w.write(b"two")
    w.close()
    assert [t.numpy() for t in tf.data.TFRecordDataset(path, "GZIP")] == [b"one", b"two"]
    os.remove(path)
