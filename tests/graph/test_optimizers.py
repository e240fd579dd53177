"""Optimizers against a closed-form few-step run on a quadratic, plus minimize/apply details."""

from __future__ import annotations

import numpy as np
import pytest

import dataflowio as tf

A = np.array([1.0, 3.0, 0.5])
C = np.array([2.0, -1.0, 4.0])
W0 = np.array([0.0, 0.5, -1.0])


def grad(w):
    return A * (w - C)


def run_optimizer(opt_factory, steps=5, **minimize_kwargs):
    with tf.Graph().as_default():
        w = tf.Variable(W0.astype(np.float64))
        loss = tf.reduce_sum(0.5 * A * tf.square(w - C))
        opt = opt_factory()
        train = opt.minimize(loss, **minimize_kwargs)
        out = []
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for _ in range(steps):
                sess.run(train)
                out.append(sess.run(w))
        return out, opt, w


def test_gradient_descent_matches_closed_form():
    got, _, _ = run_optimizer(lambda: tf.train.GradientDescentOptimizer(0.1))
    w = W0.copy()
    for g in got:
        w = w - 0.1 * grad(w)
        np.testing.assert_allclose(g, w, rtol=1e-12)


@pytest.mark.parametrize("nesterov", [False, True])
def test_momentum_matches_closed_form(nesterov):
    got, opt, w_var = run_optimizer(lambda: tf.train.MomentumOptimizer(0.05, 0.9, use_nesterov=nesterov))
    w, acc = W0.copy(), np.zeros(3)
    for g in got:
        gr = grad(w)
        acc = 0.9 * acc + gr
        w = w - (0.05 * gr + 0.05 * 0.9 * acc if nesterov else 0.05 * acc)
        np.testing.assert_allclose(g, w, rtol=1e-12)
    assert opt.get_slot_names() == ["momentum"] and opt.get_slot(w_var, "momentum").name == "Variable/Momentum:0"


def test_adam_matches_closed_form():
    got, opt, w_var = run_optimizer(lambda: tf.train.AdamOptimizer(0.1), steps=6)
    w, m, v = W0.copy(), np.zeros(3), np.zeros(3)
    for t, g in enumerate(got, start=1):
        gr = grad(w)
        m = 0.9 * m + 0.1 * gr
        v = 0.999 * v + 0.001 * gr * gr
        lr_t = 0.1 * np.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t)
        w = w - lr_t * m / (np.sqrt(v) + 1e-8)
        np.testing.assert_allclose(g, w, rtol=1e-10)
    assert sorted(v.op.name for v in opt.variables()) == ["Variable/Adam", "Variable/Adam_1", "beta1_power",
                                                          "beta2_power"]


def test_minimize_increments_global_step_and_respects_var_list():
    with tf.Graph().as_default():
        step = tf.train.get_or_create_global_step()
        assert tf.train.get_global_step() is step
        a, b = tf.Variable(1.0), tf.Variable(1.0)
        loss = a * a + b * b
        train = tf.train.GradientDescentOptimizer(0.25).minimize(loss, global_step=step, var_list=[a])
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            sess.run(train)
            sess.run(train)
            assert sess.run([a, b, step]) == [0.25, 1.0, 2]


def test_compute_and_apply_gradients_with_a_placeholder_learning_rate():
    with tf.Graph().as_default():
        lr = tf.placeholder(tf.float32, [])
        w = tf.Variable([1.0, 2.0])
        opt = tf.train.GradientDescentOptimizer(lr)
        gv = opt.compute_gradients(tf.reduce_sum(w * w))
        assert gv[0][1] is w
        clipped = [(tf.clip_by_value(g, -1.0, 1.0), v) for g, v in gv]
        train = opt.apply_gradients(clipped)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            sess.run(train, {lr: 0.5})
            assert sess.run(w).tolist() == [0.5, 1.5]


def test_optimizer_errors():
    with tf.Graph().as_default():
        w = tf.Variable(1.0)
        c = tf.constant(3.0)
        with pytest.raises(ValueError, match="No gradients provided for any variable"):
            tf.train.GradientDescentOptimizer(0.1).minimize(c * 2.0, var_list=[w])
    with tf.Graph().as_default(), pytest.raises(ValueError, match="No variables to optimize"):
        tf.train.GradientDescentOptimizer(0.1).minimize(tf.constant(1.0))


def test_training_a_small_mlp_reduces_the_loss():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype(np.float32)
    y = (x[:, 0] * x[:, 1] > 0).astype(np.int64)
    with tf.Graph().as_default():
        tf.set_random_seed(1)
        xs = tf.placeholder(tf.float32, [None, 4])
        ys = tf.placeholder(tf.int64, [None])
        with tf.variable_scope("mlp"):
            w1 = tf.get_variable("w1", [4, 16])
            b1 = tf.get_variable("b1", [16], initializer=tf.zeros_initializer())
            w2 = tf.get_variable("w2", [16, 2], initializer=tf.truncated_normal_initializer(stddev=0.1))
        h = tf.nn.relu(tf.matmul(xs, w1) + b1)
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=ys, logits=tf.matmul(h, w2)))
        train = tf.train.AdamOptimizer(0.05).minimize(loss)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            first = sess.run(loss, {xs: x, ys: y})
            for _ in range(100):
                sess.run(train, {xs: x, ys: y})
            assert sess.run(loss, {xs: x, ys: y}) < first * 0.5
