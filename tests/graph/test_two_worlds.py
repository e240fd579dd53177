"""One function, two worlds: ops on concrete values compute with NumPy at once (TF dtype rules),
ops on graph tensors build nodes; py_func / two_worlds lift NumPy functions into graphs."""

from __future__ import annotations

import timeit

import numpy as np
import pytest

import dataflowio as tf
from dataflowio.graph.ops.core import eager_mode
from dataflowio.graph.py_func import two_worlds


def test_concrete_inputs_give_numpy_values_with_tf_literal_dtypes():
    assert type(tf.add([1, 2], 3)) is np.ndarray and tf.add([1, 2], 3).dtype == np.int32
    assert tf.multiply(2.5, 2.0).dtype == np.float32 and isinstance(tf.multiply(2.5, 2.0), np.float32)
    assert tf.cast(np.array([1, 255], np.uint8), tf.float32).tolist() == [1.0, 255.0]
    x = np.array([2.0], np.float64)
    assert tf.add(x, 1).dtype == np.float64  # Python scalars adopt the array's dtype
    assert tf.reduce_sum(np.ones((2, 2), np.float32)).dtype == np.float32
    assert tf.identity(b"abc") == b"abc"
    assert tf.reshape(np.arange(4), [2, 2]).shape == (2, 2)


def test_mixed_dtype_arrays_are_an_error_like_tensorflow():
    with pytest.raises(TypeError, match="different dtypes"):
        tf.add(np.ones(2, np.float32), np.ones(2, np.int32))
    with pytest.raises(tf.errors.InvalidArgumentError, match="fractional part"):
        tf.add(np.ones(2, np.int32), 1.5)
    with tf.Graph().as_default():
        with pytest.raises(TypeError, match="does not match type"):
            tf.constant([1.0]) + tf.constant([1])
        assert (tf.constant([1.0]) + 1).dtype == tf.float32
        assert (tf.constant([1]) / 2).dtype == tf.float64  # TF's true division of int32
        assert (tf.constant(np.array([1], np.uint8)) / 2).dtype == tf.float32


def test_graph_inputs_build_nodes():
    with tf.Graph().as_default() as g:
        x = tf.placeholder(tf.float32, [None])
        y = tf.cast(x, tf.int32)
        assert isinstance(y, tf.Tensor) and y.graph is g and y.op.type == "Cast"
        assert tf.Session().run(tf.nn.relu(x - 1.0), {x: [0.0, 3.0]}).tolist() == [0.0, 2.0]


def test_dataset_map_with_tf_ops_runs_on_numpy():
    ds = tf.data.Dataset.from_tensor_slices((np.array([[0, 255]], np.uint8), np.array([3])))
    out = list(ds.map(lambda x, y: (tf.cast(x, tf.float32) / 255, tf.one_hot(y, 4))))
    assert out[0][0].tolist() == [0.0, 1.0] and out[0][1].tolist() == [0, 0, 0, 1]


def test_creation_ops_are_graph_nodes_unless_in_eager_mode():
    with tf.Graph().as_default():
        assert isinstance(tf.zeros([2]), tf.Tensor) and isinstance(tf.random_uniform([2]), tf.Tensor)
        with eager_mode():
            assert tf.zeros([2]).tolist() == [0, 0] and tf.random_normal([3]).shape == (3,)
            assert tf.constant([1, 2]).tolist() == [1, 2]


def test_eager_errors_name_the_op():
    with pytest.raises(tf.errors.InvalidArgumentError, match="MatMul"):
        tf.matmul(np.ones((2, 3), np.float32), np.ones((4, 5), np.float32))


def test_eager_dispatch_is_cheap():
    x = np.ones((128, 784), np.uint8)
    per_call = min(timeit.repeat(lambda: tf.cast(x, tf.float32), number=200, repeat=3)) / 200
    bare = min(timeit.repeat(lambda: x.astype(np.float32), number=200, repeat=3)) / 200
    assert per_call - bare < 20e-6  # a few microseconds of dispatch on top of the NumPy work


def test_py_func_in_both_worlds():
    assert tf.py_func(lambda a: a * 2, [np.array([1, 2])], tf.int64).tolist() == [2, 4]
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [None])
        a, b = tf.numpy_function(lambda v: (v + 1, v.sum()), [x], [tf.float32, tf.float32])
        assert a.dtype == tf.float32
        with tf.Session() as sess:
            out = sess.run([a, b], {x: [1.0, 2.0]})
        assert out[0].tolist() == [2.0, 3.0] and out[1] == 3.0
        bad = tf.py_func(lambda v: (v, v), [x], [tf.float32])
        with pytest.raises(tf.errors.InvalidArgumentError, match="returned 2 values, Tout declares 1"):
            tf.Session().run(bad, {x: [1.0]})


def test_two_worlds_decorator_lifts_nested_outputs():
    @two_worlds(lambda s, n: {"head": tf.TensorSpec([None], tf.int64), "n": tf.TensorSpec([], tf.int64)})
    def head(s, n):
        return {"head": np.asarray(s[:n], np.int64), "n": np.int64(n)}

    assert head([5, 6, 7], 2)["head"].tolist() == [5, 6]
    with tf.Graph().as_default():
        s = tf.placeholder(tf.int64, [None])
        out = head(s, 2)
        assert out["head"].shape.as_list() == [None] and out["n"].dtype == tf.int64
        got = tf.Session().run(out, {s: [9, 8, 7]})
        assert got["head"].tolist() == [9, 8] and got["n"] == 2
