"""Differential tests against TensorFlow's tf.compat.v1 for ops and small graphs (skipped without TF)."""

from __future__ import annotations

import numpy as np
import pytest

import dataflowio as ours

rng = np.random.default_rng(0)
X = rng.normal(size=(4, 5)).astype(np.float32)
Y = rng.normal(size=(5,)).astype(np.float32)
L = np.array([1, 0, 4, 2], np.int64)
IMG = rng.normal(size=(2, 6, 6, 3)).astype(np.float32)
FILT = rng.normal(size=(3, 3, 3, 4)).astype(np.float32)

CASES = {
    "add": lambda tf, x, y: x + y,
    "sub_mul_div": lambda tf, x, y: (x - y) * y / (tf.abs(y) + 1.0),
    "pow_sqrt": lambda tf, x, y: tf.sqrt(tf.abs(x)) ** 1.5,
    "max_min": lambda tf, x, y: tf.maximum(x, y) - tf.minimum(x, 0.5),
    "floordiv_mod": lambda tf, x, y: tf.floordiv(x, 0.7) + tf.mod(x, 0.7),
    "reduce": lambda tf, x, y: tf.reduce_sum(x, 1) + tf.reduce_mean(x, 1) + tf.reduce_max(x, 1) - tf.reduce_min(x, 1),
    "reduce_keep": lambda tf, x, y: tf.reduce_sum(x, axis=[0], keepdims=True) * tf.reduce_prod(x),
    "matmul": lambda tf, x, y: tf.matmul(x, tf.reshape(y, [5, 1]), transpose_a=False),
    "matmul_t": lambda tf, x, y: tf.matmul(x, x, transpose_b=True),
    "softmax": lambda tf, x, y: tf.nn.softmax(x) + tf.nn.log_softmax(x),
    "activations": lambda tf, x, y: tf.nn.relu(x) + tf.sigmoid(x) + tf.tanh(x),
    "argmax": lambda tf, x, y: tf.cast(tf.argmax(x, 1), tf.float32) + tf.cast(tf.argmin(x, 0)[0], tf.float32),
    "compare": lambda tf, x, y: tf.cast(tf.logical_and(x > 0, tf.not_equal(x, y)), tf.float32),
    "shape_ops": lambda tf, x, y: tf.transpose(tf.concat([x, x], 0))[1:3, ::2],
    "stack_tile": lambda tf, x, y: tf.tile(tf.stack([y, y], axis=1), [2, 1]),
    "gather_onehot": lambda tf, x, y: tf.gather(x, [3, 0]) + tf.reduce_sum(tf.one_hot([1, 3], 5), 0),
    "where_clip": lambda tf, x, y: tf.where(x > 0, x, tf.zeros_like(x)) + tf.clip_by_value(x, -0.1, 0.1),
    "round_floor_sign": lambda tf, x, y: tf.round(x * 3) + tf.floor(x) + tf.sign(x) + tf.ceil(x),
    "squeeze_expand": lambda tf, x, y: tf.squeeze(tf.expand_dims(x, 2), [2]),
    "xent": lambda tf, x, y: tf.nn.softmax_cross_entropy_with_logits(labels=tf.nn.softmax(x * 2), logits=x),
    "sparse_xent": lambda tf, x, y: tf.nn.sparse_softmax_cross_entropy_with_logits(labels=L, logits=x),
    "l2_loss": lambda tf, x, y: tf.nn.l2_loss(x) + tf.reduce_sum(tf.nn.bias_add(x, y)),
    "in_top_k": lambda tf, x, y: tf.cast(tf.nn.in_top_k(x, tf.constant([1, 0, 4, 2]), 2), tf.float32),
    "losses": lambda tf, x, y: tf.losses.sparse_softmax_cross_entropy(L, x) + tf.losses.mean_squared_error(x, x * y)
    + tf.losses.softmax_cross_entropy(tf.one_hot(L, 5), x, label_smoothing=0.1) + tf.losses.absolute_difference(x, x * y),
    "math_namespace": lambda tf, x, y: tf.math.reduce_sum(tf.math.squared_difference(x, y), 1) + tf.math.log1p(tf.abs(y[0])),
    "top_k": lambda tf, x, y: tf.nn.top_k(x, 3)[0] + tf.cast(tf.nn.top_k(x, 3)[1], tf.float32),
    "cond": lambda tf, x, y: tf.cond(tf.reduce_sum(y) > 0, lambda: x * y, lambda: x - y)
    + tf.cond(tf.reduce_sum(y) < 0, lambda: tf.exp(x), lambda: (x, x)[0]),
}


def _run(tf, fn):
    v1 = tf.compat.v1 if hasattr(tf.compat.v1, "placeholder") else tf
    with v1.Graph().as_default():
        x = v1.placeholder(tf.float32, [None, 5])
        y = v1.placeholder(tf.float32, [5])
        out = fn(v1 if v1 is not tf else tf, x, y)
        with v1.Session() as sess:
            return sess.run(out, {x: X, y: Y})


@pytest.fixture(scope="module")
def v1(tf):
    # Graphs are built inside `Graph().as_default()`, where TF2 runs v1 placeholders and Sessions with
    # eager execution left on: disabling it would leak into every later test that uses TensorFlow.
    return tf.compat.v1


@pytest.mark.parametrize("name", sorted(CASES))
def test_ops_match_tensorflow(v1, name):
    theirs = _run_tf(v1, CASES[name])
    mine = _run(ours, CASES[name])
    np.testing.assert_allclose(mine, theirs, rtol=1e-5, atol=1e-5)


def _run_tf(v1, fn):
    with v1.Graph().as_default():
        x = v1.placeholder(v1.float32, [None, 5])
        y = v1.placeholder(v1.float32, [5])
        tfns = _TFNamespace(v1)
        out = fn(tfns, x, y)
        with v1.Session() as sess:
            return sess.run(out, {x: X, y: Y})


class _TFNamespace:
    """tf.compat.v1 with the TF2 spellings of ops it lacks as attributes in graph code."""

    def __init__(self, v1):
        self._v1 = v1

    def __getattr__(self, name):
        return getattr(self._v1, name)


def test_conv_and_pool_match_tensorflow(v1):
    def build(tf, img, filt):
        c = tf.nn.conv2d(img, filt, [1, 2, 2, 1], "SAME")
        return [c, tf.nn.max_pool(c, [1, 2, 2, 1], [1, 1, 1, 1], "VALID"),
                tf.nn.avg_pool(img, [1, 3, 3, 1], [1, 2, 2, 1], "SAME")]

    with v1.Graph().as_default():
        theirs = v1.Session().run(build(v1, v1.constant(IMG), v1.constant(FILT)))
    with ours.Graph().as_default():
        mine = ours.Session().run(build(ours, ours.constant(IMG), ours.constant(FILT)))
    for m, t in zip(mine, theirs):
        np.testing.assert_allclose(m, t, rtol=1e-4, atol=1e-4)


def test_small_graph_training_matches_tensorflow(v1):
    """A two-layer net trained with Momentum then Adam: same weights after a few steps."""
    w1_0 = rng.normal(size=(5, 8)).astype(np.float32) * 0.3
    w2_0 = rng.normal(size=(8, 5)).astype(np.float32) * 0.3

    def train(tf, opt_cls, **kw):
        with tf.Graph().as_default():
            x = tf.placeholder(tf.float32, [None, 5])
            lab = tf.placeholder(tf.int64, [None])
            w1, w2 = tf.Variable(w1_0), tf.Variable(w2_0)
            logits = tf.matmul(tf.nn.tanh(tf.matmul(x, w1)), w2)
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=lab, logits=logits))
            grads = tf.gradients(loss, [w1, w2])
            step = opt_cls(**kw).minimize(loss)
            with tf.Session() as sess:
                sess.run(tf.global_variables_initializer())
                g0 = sess.run(grads, {x: X, lab: L})
                for _ in range(5):
                    sess.run(step, {x: X, lab: L})
                return g0 + sess.run([w1, w2, loss], {x: X, lab: L})

    for opt, kw in [("MomentumOptimizer", {"learning_rate": 0.1, "momentum": 0.9}),
                    ("AdamOptimizer", {"learning_rate": 0.01}),
                    ("GradientDescentOptimizer", {"learning_rate": 0.5})]:
        theirs = train(v1, getattr(v1.train, opt), **kw)
        mine = train(ours, getattr(ours.train, opt), **kw)
        for m, t in zip(mine, theirs):
            np.testing.assert_allclose(m, t, rtol=1e-4, atol=1e-5)


def test_error_classes_match_tensorflow(v1):
    with v1.Graph().as_default():
        x = v1.placeholder(v1.float32, [None, 3])
        with pytest.raises(ValueError):
            v1.Session().run(x, {x: np.zeros((2, 2))})
    with ours.Graph().as_default():
        x = ours.placeholder(ours.float32, [None, 3])
        with pytest.raises(ValueError):
            ours.Session().run(x, {x: np.zeros((2, 2))})
    with v1.Graph().as_default():
        v = v1.Variable(1.0)
        with pytest.raises(v1.errors.FailedPreconditionError):
            v1.Session().run(v)
        with pytest.raises(ValueError):
            v1.matmul(v1.zeros([2, 3]), v1.zeros([4, 5]))


def test_cond_gradients_match_tensorflow(v1):
    def grads(tf, taken):
        with tf.Graph().as_default():
            x, y = tf.constant(X), tf.constant(Y)
            p = tf.placeholder(tf.bool, [])
            out = tf.cond(p, lambda: tf.reduce_sum(x * x * y), lambda: tf.reduce_sum(tf.sin(x)) + tf.reduce_sum(y))
            with tf.Session() as sess:
                return sess.run(tf.gradients(out, [x, y]), {p: taken})

    for taken in (True, False):
        for m, t in zip(grads(ours, taken), grads(v1, taken)):
            np.testing.assert_allclose(m, t, rtol=1e-5, atol=1e-6)
