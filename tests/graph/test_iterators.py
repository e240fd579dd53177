"""The dataset -> graph bridge: one-shot and initializable iterators, placeholders as dataset
parameters, OutOfRangeError at the end, and MNIST softmax trained from a one-shot iterator."""

from __future__ import annotations

import numpy as np
import pytest

import dataflowio as tf


@pytest.fixture(autouse=True)
def fresh_graph():
    with tf.Graph().as_default() as g:
        yield g


def test_one_shot_iterator_yields_structure_and_ends_with_out_of_range():
    ds = tf.data.Dataset.from_tensor_slices({"x": np.arange(5, dtype=np.int64), "y": np.ones((5, 2), np.float32)})
    nxt = ds.batch(2).make_one_shot_iterator().get_next()
    assert set(nxt) == {"x", "y"} and nxt["y"].shape.as_list() == [None, 2] and nxt["x"].dtype == tf.int64
    with tf.Session() as sess:
        got = [sess.run(nxt)["x"].tolist() for _ in range(3)]
        with pytest.raises(tf.errors.OutOfRangeError):
            sess.run(nxt)
        with pytest.raises(tf.errors.OutOfRangeError):
            sess.run(nxt)
    assert got == [[0, 1], [2, 3], [4]]
    with tf.Session() as sess:  # each session has its own pass
        assert sess.run(nxt)["x"].tolist() == [0, 1]


def test_one_shot_iterator_rejects_placeholders_in_the_dataset():
    ph = tf.placeholder(tf.int64, [None])
    with pytest.raises(ValueError, match="make_initializable_iterator"):
        tf.data.Dataset.from_tensor_slices(ph).make_one_shot_iterator()
    with pytest.raises(ValueError, match="does not have an initializer"):
        _ = tf.compat.v1.data.make_one_shot_iterator(tf.data.Dataset.range(2)).initializer


def test_initializable_iterator_takes_placeholders_as_dataset_parameters():
    xs = tf.placeholder(tf.int64, [None])
    it = tf.data.make_initializable_iterator(tf.data.Dataset.from_tensor_slices(xs).map(lambda v: v * 10))
    nxt = it.get_next()
    with tf.Session() as sess:
        with pytest.raises(tf.errors.FailedPreconditionError, match="has not been initialized"):
            sess.run(nxt)
        sess.run(it.initializer, {xs: [1, 2]})
        assert [int(sess.run(nxt)) for _ in range(2)] == [10, 20]
        with pytest.raises(tf.errors.OutOfRangeError):
            sess.run(nxt)
        sess.run(it.initializer, {xs: [7]})  # re-initializing restarts with new parameters
        assert int(sess.run(nxt)) == 70


def test_reinitializable_iterator_from_structure():
    train = tf.data.Dataset.range(3)
    test = tf.data.Dataset.range(10, 12)
    it = tf.data.Iterator.from_structure(tf.int64, tf.TensorShape([]))
    nxt = it.get_next()
    init_train, init_test = it.make_initializer(train), it.make_initializer(test)
    with tf.Session() as sess:
        sess.run(init_train)
        assert int(sess.run(nxt)) == 0
        sess.run(init_test)
        assert [int(sess.run(nxt)) for _ in range(2)] == [10, 11]


def test_training_loop_until_out_of_range_counts_steps():
    ds = tf.data.Dataset.from_tensor_slices((np.ones((10, 2), np.float32), np.arange(10))).batch(3).repeat(2)
    x, y = ds.make_one_shot_iterator().get_next()
    total = tf.Variable(0.0)
    step = total.assign_add(tf.reduce_sum(x))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        steps = 0
        try:
            while True:
                sess.run(step)
                steps += 1
        except tf.errors.OutOfRangeError:
            pass
        assert steps == 8 and sess.run(total) == 40.0


@pytest.mark.timeout(120)
def test_mnist_softmax_from_a_one_shot_iterator_reaches_90_percent(mnist_dir):
    from dataflowio.datasets import mnist

    (x, y), (xt, yt) = mnist.load_data(str(mnist_dir))
    x = x.reshape(-1, 784).astype(np.float32) / 255
    xt = xt.reshape(-1, 784).astype(np.float32) / 255
    images, labels = tf.data.Dataset.from_tensor_slices((x, y.astype(np.int64))).batch(100) \
        .make_one_shot_iterator().get_next()
    W = tf.Variable(tf.zeros([784, 10]))
    b = tf.Variable(tf.zeros([10]))
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels,
                                                                          logits=tf.matmul(images, W) + b))
    train_op = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
    tx = tf.placeholder(tf.float32, [None, 784])
    ty = tf.placeholder(tf.int64, [None])
    acc = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(tf.matmul(tx, W) + b, 1), ty), tf.float32))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        steps = 0
        try:
            while True:
                sess.run(train_op)
                steps += 1
        except tf.errors.OutOfRangeError:
            pass
        assert steps == 600
        assert sess.run(acc, {tx: xt, ty: yt.astype(np.int64)}) >= 0.90
