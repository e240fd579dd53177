"""The public `dataflowio.io` namespace and TF1 aliases: names, argument names, round trips."""

from __future__ import annotations

import numpy as np
import pytest

import dataflowio as tf
from dataflowio import io


def test_tf1_aliases_and_namespaces_point_at_record_format():
    assert tf.parse_example is io.parse_example and tf.decode_raw is io.decode_raw
    assert tf.FixedLenFeature is io.FixedLenFeature and tf.VarLenFeature is io.VarLenFeature
    assert tf.python_io.TFRecordWriter is io.TFRecordWriter
    assert tf.train.Example.DESCRIPTOR.full_name == "tensorflow.Example"
    assert tf.train.Saver is not None  # the graph helper's exports are still there


def test_tf1_style_mnist_record_round_trip(tmp_path):
    path = str(tmp_path / "mnist.tfrecord")
    images = np.arange(3 * 784, dtype=np.uint8).reshape(3, 784)
    with tf.python_io.TFRecordWriter(
        path, tf.io.TFRecordOptions(tf.io.TFRecordCompressionType.GZIP)
    ) as w:
        for i, img in enumerate(images):
            w.write(
                tf.train.Example(
                    features=tf.train.Features(
                        feature={
                            "image_raw": tf.train.Feature(
                                bytes_list=tf.train.BytesList(value=[img.tobytes()])
                            ),
                            "label": tf.train.Feature(int64_list=tf.train.Int64List(value=[i])),
                        }
                    )
                ).SerializeToString()
            )
    records = list(tf.io.tf_record_iterator(path, options="GZIP"))
    feats = tf.parse_example(
        records,
        features={
            "image_raw": tf.FixedLenFeature([], tf.string),
            "label": tf.FixedLenFeature([], tf.int64),
        },
    )
    pixels = tf.decode_raw(feats["image_raw"], tf.uint8)
    assert pixels.shape == (3, 784) and np.array_equal(pixels, images)
    assert feats["label"].tolist() == [0, 1, 2]
    one = tf.parse_single_example(
        serialized=records[1],
        features={
            "label": tf.FixedLenFeature(shape=[], dtype=tf.int64),
            "image_raw": tf.VarLenFeature(tf.string),
        },
    )
    assert int(one["label"]) == 1 and one["image_raw"].dense_shape.tolist() == [1]


def test_read_file_and_write_file(tmp_path):
    p = tmp_path / "blob"
    io.write_file(str(p), b"\x00abc")
    assert io.read_file(str(p)) == b"\x00abc"
    with pytest.raises(tf.errors.NotFoundError, match="no such file"):
        io.read_file(str(tmp_path / "missing"))


def test_decode_csv_takes_dataflowio_dtypes_for_required_columns():
    out = tf.decode_csv([b"1,2.5", b"3,4"], [tf.int64, [0.0]])
    assert out[0].dtype == np.int64 and out[1].dtype == np.float32


def test_map_of_parse_single_example_with_a_varlen_feature_yields_sparse_values():
    import dataflowio as tf

    ex = tf.train.Example(features=tf.train.Features(feature={
        "v": tf.train.Feature(int64_list=tf.train.Int64List(value=[1, 2, 3])),
        "y": tf.train.Feature(int64_list=tf.train.Int64List(value=[7]))}))
    spec = {"v": tf.io.VarLenFeature(tf.int64), "y": tf.io.FixedLenFeature([], tf.int64)}
    ds = tf.data.Dataset.from_tensors(ex.SerializeToString()).repeat(2)
    ds = ds.map(lambda r: tf.io.parse_single_example(r, spec))
    assert type(ds.element_spec["v"]).__name__ == "SparseTensorSpec"
    for e in ds:
        assert e["v"].values.tolist() == [1, 2, 3] and e["v"].dense_shape.tolist() == [3]
        assert int(e["y"]) == 7
