"""CuPy path: the same graphs pinned to /gpu:0 give what the NumPy kernels give (needs a GPU)."""

from __future__ import annotations

import numpy as np
import pytest

import dataflowio as tf

from .test_tf_differential import CASES, X, Y

pytestmark = pytest.mark.gpu


def _run(fn, device):
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [None, 5])
        y = tf.placeholder(tf.float32, [5])
        with tf.device(device):
            out = fn(tf, x, y)
        with tf.Session() as sess:
            return sess.run(out, {x: X, y: Y})


@pytest.mark.parametrize("name", sorted(CASES))
def test_cupy_kernels_match_numpy(name):
    cpu = _run(CASES[name], "/cpu:0")
    gpu = _run(CASES[name], "/gpu:0")
    assert type(gpu) is type(cpu) or np.ndim(cpu) == 0  # fetches come back as NumPy values
    np.testing.assert_allclose(gpu, cpu, rtol=1e-5, atol=1e-5)


def test_gpu_gradients_conv_pool_and_training_match_cpu():
    rng = np.random.default_rng(1)
    img = rng.normal(size=(4, 8, 8, 3)).astype(np.float32)
    lab = rng.integers(0, 5, size=4)

    def train(device):
        with tf.Graph().as_default():
            tf.set_random_seed(0)
            x = tf.placeholder(tf.float32, [None, 8, 8, 3])
            y = tf.placeholder(tf.int64, [None])
            with tf.device(device):
                f = tf.Variable(rng_init((3, 3, 3, 4)))
                w = tf.Variable(rng_init((4 * 4 * 4, 5)))
                h = tf.nn.max_pool(tf.nn.relu(tf.nn.conv2d(x, f, [1, 1, 1, 1], "SAME")), [1, 2, 2, 1],
                                   [1, 2, 2, 1], "SAME")
                logits = tf.matmul(tf.reshape(h, [-1, 64]), w)
                loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
                grads = tf.gradients(loss, [f, w])
                step = tf.train.AdamOptimizer(0.01).minimize(loss)
            with tf.Session() as sess:
                sess.run(tf.global_variables_initializer())
                g = sess.run(grads, {x: img, y: lab})
                for _ in range(3):
                    sess.run(step, {x: img, y: lab})
                return g + sess.run([f, w, loss], {x: img, y: lab})

    def rng_init(shape):
        return np.random.default_rng(sum(shape)).normal(size=shape).astype(np.float32) * 0.1

    for a, b in zip(train("/gpu:0"), train("/cpu:0")):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_gpu_placement_is_logged_and_iterators_feed_gpu_ops(capfd):
    with tf.Graph().as_default():
        ds = tf.data.Dataset.from_tensor_slices(np.arange(6, dtype=np.float32).reshape(3, 2)).batch(2)
        with tf.device("/gpu:0"):
            nxt = ds.make_one_shot_iterator().get_next()
            out = tf.reduce_sum(nxt * 2.0, 1)
        with tf.Session(config=tf.ConfigProto(log_device_placement=True)) as sess:
            assert sess.run(out).tolist() == [2.0, 10.0]
    err = capfd.readouterr().err
    assert "Sum: (Sum): /job:localhost/replica:0/task:0/device:GPU:0" in err
    assert "IteratorGetNext: (IteratorGetNext): /job:localhost/replica:0/task:0/device:CPU:0" in err


def test_gpu_buffer_forwarding_softmax_training_matches_cpu():
    """The W6 step on the GPU (gradient descent writing into the gradient's buffer, large binary
    ops writing into their first input) gives the CPU's values."""
    from dataflowio.graph.ops.elementwise import FORWARD_MIN_SIZE

    rng = np.random.default_rng(2)
    xs = rng.random((300, 784), dtype=np.float32)
    ys = rng.integers(0, 10, 300)
    big = rng.random((64, FORWARD_MIN_SIZE // 64), dtype=np.float32)

    def train(device):
        with tf.Graph().as_default():
            images, labels = tf.data.Dataset.from_tensor_slices((xs, ys)).batch(100) \
                .make_one_shot_iterator().get_next()
            with tf.device(device):
                w, b = tf.Variable(tf.zeros([784, 10])), tf.Variable(tf.zeros([10]))
                loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
                    labels=labels, logits=tf.matmul(images, w) + b))
                step = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
                c = tf.constant(big)
                chained = (c * 2.0 + c) - 1.0
            with tf.Session() as sess:
                sess.run(tf.global_variables_initializer())
                for _ in range(3):
                    sess.run(step)
                return sess.run([w, b, chained])

    for a, b in zip(train("/gpu:0"), train("/cpu:0")):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
