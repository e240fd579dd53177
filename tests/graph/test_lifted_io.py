"""The record / image functions work in graphs too (PyFunc nodes with static specs)."""

from __future__ import annotations

import numpy as np

import dataflowio as tf


def _example(label: int, tags: list[int], raw: bytes) -> bytes:
    return tf.train.Example(features=tf.train.Features(feature={
        "img": tf.train.Feature(bytes_list=tf.train.BytesList(value=[raw])),
        "label": tf.train.Feature(int64_list=tf.train.Int64List(value=[label])),
        "tags": tf.train.Feature(int64_list=tf.train.Int64List(value=tags))})).SerializeToString()


FEATURES = {"img": tf.io.FixedLenFeature([], tf.string), "label": tf.io.FixedLenFeature([], tf.int64),
            "tags": tf.io.VarLenFeature(tf.int64)}


def test_parse_and_decode_in_a_graph_equal_the_concrete_results():
    records = [_example(3, [1, 2], b"\x01\x02\x03\x04"), _example(5, [9], b"\x05\x06\x07\x08")]
    with tf.Graph().as_default():
        s = tf.placeholder(tf.string, [None])
        one = tf.io.parse_single_example(s[0], FEATURES)
        batch = tf.io.parse_example(s, FEATURES)
        img = tf.image.resize(tf.reshape(tf.io.decode_raw(one["img"], tf.uint8), [2, 2, 1]), [3, 3])
        assert one["label"].dtype == tf.int64 and one["label"].shape.as_list() == []
        assert batch["label"].shape.as_list() == [None] and img.shape.as_list() == [3, 3, 1]
        assert img.dtype == tf.float32 and one["tags"].indices.shape.as_list() == [None, 1]
        with tf.Session() as sess:
            g_one, g_batch, g_img = sess.run([one, batch, img], {s: records})
    c_one = tf.io.parse_single_example(records[0], FEATURES)
    c_batch = tf.io.parse_example(np.array(records, dtype=object), FEATURES)
    c_img = tf.image.resize(tf.io.decode_raw(c_one["img"], tf.uint8).reshape(2, 2, 1), [3, 3])
    assert g_one["label"] == c_one["label"] == 3
    assert g_one["tags"].values.tolist() == c_one["tags"].values.tolist() == [1, 2]
    assert g_batch["tags"].dense_shape.tolist() == c_batch["tags"].dense_shape.tolist() == [2, 2]
    np.testing.assert_array_equal(g_img, c_img)


def test_decode_csv_in_a_graph_keeps_column_dtypes():
    with tf.Graph().as_default():
        lines = tf.placeholder(tf.string, [None])
        cols = tf.io.decode_csv(lines, [[0.0], [0], [""]])
        assert isinstance(cols, list) and [c.dtype for c in cols] == [tf.float32, tf.int32, tf.string]
        a, b, c = tf.Session().run(cols, {lines: ["1.5,2,x", "3,4,y"]})
    assert a.tolist() == [1.5, 3.0] and b.tolist() == [2, 4] and c.tolist() == [b"x", b"y"]


def test_lifted_functions_keep_their_library_identity():
    assert tf.io.decode_raw.__module__ == "dataflowio.io" and tf.image.resize.__module__ == "dataflowio.image"
    assert tf.io.decode_raw(b"\x01\x02", tf.uint8).tolist() == [1, 2]


def test_sparse_tensor_to_dense_in_both_worlds():
    records = [_example(3, [1, 2], b""), _example(5, [9], b"")]
    dense = tf.sparse_tensor_to_dense(tf.io.parse_example(np.array(records, dtype=object), FEATURES)["tags"])
    assert dense.tolist() == [[1, 2], [9, 0]]
    with tf.Graph().as_default():
        s = tf.placeholder(tf.string, [None])
        d = tf.sparse_tensor_to_dense(tf.io.parse_example(s, FEATURES)["tags"], default_value=-1)
        assert d.shape.as_list() == [None, None] and d.dtype == tf.int64
        assert tf.Session().run(d, {s: records}).tolist() == [[1, 2], [9, -1]]
