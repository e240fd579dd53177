"""Every gradient rule against central finite differences in float64."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dataflowio as tf

from .helpers import check_gradients

rng = np.random.default_rng(0)


def r(*shape, lo=-2.0, hi=2.0):
    return rng.uniform(lo, hi, size=shape)


def away_from_zero(*shape):
    x = r(*shape)
    return np.where(np.abs(x) < 0.3, 0.7, x)


UNARY = [
    ("negative", tf.negative, r(2, 3)), ("abs", tf.abs, away_from_zero(2, 3)),
    ("exp", tf.exp, r(2, 3)), ("log", tf.log, r(2, 3, lo=0.5, hi=3)),
    ("log1p", tf.log1p, r(3, lo=0.1, hi=3)), ("sqrt", tf.sqrt, r(2, 3, lo=0.5, hi=3)),
    ("rsqrt", tf.rsqrt, r(3, lo=0.5, hi=3)), ("square", tf.square, r(2, 3)),
    ("reciprocal", tf.reciprocal, r(3, lo=0.5, hi=3)), ("sin", tf.sin, r(4)), ("cos", tf.cos, r(4)),
    ("sigmoid", tf.sigmoid, r(2, 3)), ("tanh", tf.tanh, r(2, 3)), ("relu", tf.nn.relu, away_from_zero(2, 3)),
    ("softmax", tf.nn.softmax, r(2, 4)), ("log_softmax", tf.nn.log_softmax, r(2, 4)),
    ("softmax_axis0", lambda x: tf.nn.softmax(x, axis=0), r(3, 2)),
    ("l2_loss", lambda x: tf.reshape(tf.nn.l2_loss(x), [1]), r(2, 3)),
    ("reduce_sum", lambda x: tf.reduce_sum(x, 1), r(2, 3)),
    ("reduce_sum_all_keep", lambda x: tf.reduce_sum(x, keepdims=True), r(2, 3)),
    ("reduce_mean", lambda x: tf.reduce_mean(x, [0, 2]), r(2, 3, 2)),
    ("reduce_max", lambda x: tf.reduce_max(x, 1), r(3, 4)),
    ("reduce_min", lambda x: tf.reduce_min(x, 0, keepdims=True), r(3, 4)),
    ("reduce_prod", lambda x: tf.reduce_prod(x, 1), away_from_zero(2, 3)),
    ("reshape", lambda x: tf.reshape(x, [3, 2]) * [[1.0, 2.0]], r(2, 3)),
    ("transpose", lambda x: tf.transpose(x, [1, 2, 0]), r(2, 3, 2)),
    ("expand_squeeze", lambda x: tf.squeeze(tf.expand_dims(x, 0) * 2.0), r(2, 3)),
    ("slice", lambda x: x[1:, ::2], r(3, 4)),
    ("tile", lambda x: tf.tile(x, [2, 3]), r(2, 2)),
    ("gather", lambda x: tf.gather(x, [0, 2, 0], axis=1), r(2, 3)),
    ("pad", lambda x: tf.pad(x, [[1, 0], [0, 2]]), r(2, 3)),
    ("concat_self", lambda x: tf.concat([x, x * 3.0], 0), r(2, 3)),
    ("stack_unstack", lambda x: tf.stack(tf.unstack(x, axis=1)[::-1], axis=0), r(2, 3)),
    ("split", lambda x: tf.split(x, [1, 2], axis=1)[1] * 2.0, r(2, 3)),
    ("identity", tf.identity, r(3)),
    ("clip", lambda x: tf.clip_by_value(x, -0.5, 0.5), np.array([-1.0, -0.2, 0.3, 1.2])),
    ("max_pool", lambda x: tf.nn.max_pool(x, [1, 2, 2, 1], [1, 1, 1, 1], "VALID"), r(1, 3, 3, 2)),
    ("max_pool_same", lambda x: tf.nn.max_pool(x, [1, 2, 2, 1], [1, 2, 2, 1], "SAME"), r(1, 3, 3, 1)),
    ("avg_pool_same", lambda x: tf.nn.avg_pool(x, [1, 2, 2, 1], [1, 2, 2, 1], "SAME"), r(1, 3, 3, 2)),
    ("top_k_values", lambda x: tf.nn.top_k(x, 2)[0], r(2, 4)),
    ("dropout_keep_all", lambda x: tf.nn.dropout(x, keep_prob=1.0), r(3)),
]


@pytest.mark.parametrize("name,fn,x", UNARY, ids=[u[0] for u in UNARY])
def test_unary_gradients_match_finite_differences(name, fn, x):
    check_gradients(fn, [x])


BINARY = [
    ("add", tf.add, (2, 3), (3,)), ("subtract", tf.subtract, (2, 1), (1, 3)),
    ("multiply", tf.multiply, (2, 3), (2, 1)), ("divide", tf.divide, (3,), (2, 3)),
    ("maximum", tf.maximum, (2, 3), (3,)), ("minimum", tf.minimum, (2, 3), (2, 3)),
    ("squared_difference", tf.squared_difference, (2, 3), (3,)),
    ("matmul", tf.matmul, (2, 3), (3, 4)),
    ("matmul_ta", lambda a, b: tf.matmul(a, b, transpose_a=True), (3, 2), (3, 4)),
    ("matmul_tb", lambda a, b: tf.matmul(a, b, transpose_b=True), (2, 3), (4, 3)),
    ("matmul_tatb", lambda a, b: tf.matmul(a, b, transpose_a=True, transpose_b=True), (3, 2), (4, 3)),
    ("where", lambda a, b: tf.where(a > 0, a * 2.0, b), (2, 3), (2, 3)),
    ("add_n", lambda a, b: tf.add_n([a, b, a]), (2, 2), (2, 2)),
    ("conv2d_same", lambda x, f: tf.nn.conv2d(x, f, [1, 2, 2, 1], "SAME"), (1, 4, 3, 2), (2, 2, 2, 3)),
    ("conv2d_valid", lambda x, f: tf.nn.conv2d(x, f, [1, 1, 1, 1], "VALID"), (2, 3, 3, 1), (2, 2, 1, 2)),
]


@pytest.mark.parametrize("name,fn,sa,sb", BINARY, ids=[b[0] for b in BINARY])
def test_binary_gradients_match_finite_differences(name, fn, sa, sb):
    a, b = r(*sa), r(*sb)
    if name in ("divide",):
        b = np.where(np.abs(b) < 0.5, 1.0, b)
    if name in ("maximum", "minimum"):
        b = np.broadcast_to(b, np.broadcast_shapes(sa, sb)).copy() if name == "minimum" else b
        a = a + 0.05  # keep ties away from the kink
    check_gradients(fn, [a, b])


def test_cast_passes_gradients_between_float_types():
    # linear in x, so a large step is exact; a 1e-6 step would mostly measure float32 rounding
    check_gradients(lambda x: tf.cast(tf.cast(x, tf.float32), tf.float64) * 3.0, [r(3)], atol=1e-3, rtol=1e-3,
                    eps=1e-2)


def test_pow_gradient_for_both_inputs():
    check_gradients(tf.pow, [r(2, 3, lo=0.5, hi=2), r(2, 3, lo=-1, hi=2)])


def test_cross_entropy_gradients():
    labels = np.array([2, 0, 1])
    check_gradients(lambda lg: tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=lg),
                    [r(3, 4)])
    onehot = np.eye(4)[labels]
    check_gradients(lambda lg: tf.nn.softmax_cross_entropy_with_logits(labels=onehot, logits=lg), [r(3, 4)])
    soft = np.abs(r(3, 4)) + 0.1
    check_gradients(lambda lab, lg: tf.nn.softmax_cross_entropy_with_logits_v2(labels=lab, logits=lg),
                    [soft, r(3, 4)])
    check_gradients(lambda lg: tf.nn.sigmoid_cross_entropy_with_logits(labels=np.ones((2, 2)), logits=lg),
                    [r(2, 2)])


@pytest.mark.parametrize("reduce", [tf.reduce_mean, tf.reduce_sum])
def test_gradient_of_a_reduced_cross_entropy_loss_and_its_second_order(reduce):
    # d reduce(xent)/d logits is one scaling kernel (ScaleByReducedGradient); it, and its own
    # gradient in both inputs, match central differences
    labels = np.array([2, 0, 1])
    onehot = np.eye(4)[labels]

    def loss(lg):
        return reduce(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=lg))

    def dense_loss(lg):
        return reduce(tf.nn.softmax_cross_entropy_with_logits_v2(labels=onehot, logits=lg))

    for fn in (loss, dense_loss):
        check_gradients(lambda lg, fn=fn: tf.reshape(fn(lg), [1]), [r(3, 4)])
    with tf.Graph().as_default():
        lg = tf.placeholder(tf.float64, [3, 4])
        g = tf.gradients(loss(lg), lg)[0]
        assert g.op.type == "ScaleByReducedGradient"

    def scaled(y, c):  # the op itself, differentiated in both its inputs
        from dataflowio.graph.ops.reduce import times_row_gradient

        v = tf.reduce_sum(y, axis=1)
        row_grad = tf.gradients(reduce(v), v, grad_ys=tf.reshape(c, []))[0]
        out = times_row_gradient(row_grad, y * y)
        assert out.op.type == "ScaleByReducedGradient"
        return out

    check_gradients(scaled, [r(3, 4), r(1)])


def test_second_order_gradients_through_the_cross_entropies():
    # the gradient of a gradient flows through the cross entropies' backprop output
    labels = np.array([2, 0, 1])
    w = np.random.default_rng(3).normal(size=3)

    def sparse(lg):
        loss = tf.reduce_sum(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=lg) * w)
        return tf.gradients(loss, lg)[0]

    def dense(lab, lg):
        loss = tf.reduce_sum(tf.nn.softmax_cross_entropy_with_logits_v2(labels=lab, logits=lg) * w)
        return tf.gradients(loss, lg)[0]

    check_gradients(sparse, [r(3, 4)])
    check_gradients(dense, [np.abs(r(3, 4)) + 0.1, r(3, 4)])


@settings(max_examples=15)
@given(st.lists(st.integers(1, 3), min_size=1, max_size=3), st.data())
def test_broadcast_gradients_sum_over_broadcast_axes(shape, data):
    other = [1 if data.draw(st.booleans()) else d for d in shape][data.draw(st.integers(0, len(shape) - 1)):]
    check_gradients(lambda a, b: a * b + a, [r(*shape), r(*other)])


def test_fan_out_gradients_accumulate_and_unconnected_are_none():
    with tf.Graph().as_default():
        x = tf.constant(2.0)
        z = tf.constant(5.0)
        y = x * x * x + tf.stop_gradient(x) * x
        dx, dz = tf.gradients(y, [x, z])
        assert dz is None
        assert tf.Session().run(dx) == pytest.approx(3 * 4 + 2)
        dz0 = tf.gradients(y, z, unconnected_gradients="zero")[0]
        assert tf.Session().run(dz0) == 0.0


def test_gradients_with_grad_ys_and_integer_paths():
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [3])
        y = x * 2.0 + tf.cast(tf.cast(x, tf.int32), tf.float32)
        g, = tf.gradients(y, x, grad_ys=[1.0, 2.0, 3.0])
        assert tf.Session().run(g, {x: [0.5, 1.5, 2.5]}).tolist() == [2.0, 4.0, 6.0]


def test_missing_gradient_rule_raises_lookup_error():
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [2])
        y = tf.py_func(lambda a: a * 2, [x], tf.float32)
        with pytest.raises(LookupError, match="No gradient defined for operation 'PyFunc'"):
            tf.gradients(tf.reduce_sum(y), x)
