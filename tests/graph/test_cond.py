"""`tf.cond` in graphs: only the taken branch runs (its side effects, its iterator reads, its
errors), nested branches, gradients through the taken branch only, and clear errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dataflowio as tf


@pytest.fixture(autouse=True)
def fresh_graph():
    with tf.Graph().as_default() as g:
        yield g


def test_only_the_taken_branch_has_side_effects():
    p = tf.placeholder(tf.bool, [])
    a, b = tf.Variable(0), tf.Variable(0)
    out = tf.cond(p, lambda: tf.assign_add(a, 1), lambda: tf.assign_add(b, 10))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run(out, {p: True}) == 1
        assert sess.run(out, {p: True}) == 2
        assert sess.run(out, {p: False}) == 10
        assert sess.run([a, b]) == [2, 10]


def test_switching_between_two_iterators_reads_only_the_chosen_one():
    """The TF1 idiom: one input tensor, fed by the training or the validation iterator."""
    is_training = tf.placeholder(tf.bool, [])
    train = tf.data.Dataset.range(100).make_one_shot_iterator()
    val = tf.data.Dataset.range(1000, 1003).make_one_shot_iterator()
    x = tf.cond(is_training, train.get_next, val.get_next)
    with tf.Session() as sess:
        got = [sess.run(x, {is_training: t}) for t in (True, True, False, True, False, False)]
        assert got == [0, 1, 1000, 2, 1001, 1002]
        with pytest.raises(tf.errors.OutOfRangeError):
            sess.run(x, {is_training: False})
        assert sess.run(x, {is_training: True}) == 3  # the training iterator is untouched


def test_a_failing_branch_that_is_not_taken_does_not_fail():
    p = tf.placeholder(tf.bool, [])
    x = tf.placeholder(tf.float32, [])

    def fails(v):
        raise ValueError(f"bad input {v}")

    out = tf.cond(p, lambda: x * 2, lambda: tf.py_func(fails, [x], tf.float32))
    with tf.Session() as sess:
        assert sess.run(out, {p: True, x: 1.5}) == 3.0
        with pytest.raises(Exception, match="bad input 1.5"):
            sess.run(out, {p: False, x: 1.5})


def test_nested_conds_and_structures():
    p, q = tf.placeholder(tf.bool, []), tf.placeholder(tf.bool, [])
    x = tf.placeholder(tf.float32, [None])
    out = tf.cond(p, lambda: {"v": tf.cond(q, lambda: x * 2, lambda: x * 3), "n": [tf.constant(1), x]},
                  lambda: {"v": x - 1, "n": [tf.constant(2), x + 1]})
    with tf.Session() as sess:
        for pv, qv, v, n in [(True, True, [2, 4], 1), (True, False, [3, 6], 1), (False, True, [0, 1], 2)]:
            got = sess.run(out, {p: pv, q: qv, x: [1, 2]})
            assert got["v"].tolist() == v and got["n"][0] == n and isinstance(got["n"], list)
    assert out["v"].shape.as_list() == [None]


@settings(max_examples=25, deadline=None)
@given(st.booleans(), st.booleans(), st.floats(-2, 2, width=32), st.floats(-2, 2, width=32))
def test_gradients_flow_through_the_taken_branch_only(pv, qv, xv, wv):
    with tf.Graph().as_default():
        p, q = tf.placeholder(tf.bool, []), tf.placeholder(tf.bool, [])
        x = tf.placeholder(tf.float32, [])
        w = tf.Variable(np.float32(wv))
        y = tf.cond(p, lambda: tf.cond(q, lambda: x * x * w, lambda: tf.sin(x)), lambda: 3.0 * x + w * w)
        dx, dw = tf.gradients(y, [x, w])
        with tf.Session() as sess:
            sess.run(w.initializer)
            gx, gw = sess.run([dx, dw], {p: pv, q: qv, x: xv})
    if pv and qv:
        want = (2 * xv * wv, xv * xv)
    elif pv:
        want = (np.cos(xv), 0.0)
    else:
        want = (3.0, 2 * wv)
    np.testing.assert_allclose([gx, gw], want, rtol=1e-5, atol=1e-6)


def test_training_updates_only_the_variable_of_the_taken_branch():
    p = tf.placeholder(tf.bool, [])
    a, b = tf.Variable(1.0), tf.Variable(1.0)
    loss = tf.cond(p, lambda: a * a, lambda: 2.0 * b * b)
    step = tf.train.GradientDescentOptimizer(0.25).minimize(loss)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(step, {p: True})
        assert sess.run([a, b]) == [0.5, 1.0]
        sess.run(step, {p: False})
        assert sess.run([a, b]) == [0.5, 0.0]


def test_errors_name_what_is_wrong():
    p = tf.placeholder(tf.bool, [])
    x = tf.placeholder(tf.float32, [])
    kept = []
    out = tf.cond(p, lambda: kept.append(x * 2) or kept[0], lambda: x)
    with pytest.raises(ValueError, match="made inside a branch of a cond"):
        kept[0] + 1.0
    with tf.Session() as sess:
        assert sess.run(kept[0], {p: True, x: 1.0}) == 2.0
        with pytest.raises(tf.errors.InvalidArgumentError, match="did not take"):
            sess.run(kept[0], {p: False, x: 1.0})
        assert sess.run(out, {p: False, x: 1.0}) == 1.0
    with pytest.raises(ValueError, match="pred must be a scalar bool"):
        tf.cond(tf.constant([True, False]), lambda: x, lambda: x)
    with pytest.raises(ValueError, match="different dtypes"):
        tf.cond(p, lambda: tf.constant(1), lambda: tf.constant(1.0))
    with pytest.raises(ValueError, match="different structures"):
        tf.cond(p, lambda: (x, x), lambda: x)
    with pytest.raises(ValueError, match="different structures"):
        tf.cond(p, lambda: (x, [x]), lambda: ([x], x))
    with pytest.raises(TypeError, match="true_fn and false_fn"):
        tf.cond(p, lambda: x)


def test_variables_made_inside_a_branch_are_initialized_outside_it():
    p = tf.placeholder(tf.bool, [])
    out = tf.cond(p, lambda: tf.Variable(1.5) * 2, lambda: tf.constant(0.0))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())  # needs no pred
        assert sess.run(out, {p: True}) == 3.0 and sess.run(out, {p: False}) == 0.0
    with pytest.raises(ValueError, match="pass a callable"):
        tf.cond(p, lambda: tf.Variable(tf.random_normal([2])), lambda: tf.zeros([2]))
    lazy = tf.cond(p, lambda: tf.Variable(lambda: tf.random_normal([2], seed=1)), lambda: tf.zeros([2]))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run(lazy, {p: True}).shape == (2,)


def test_an_inner_pred_made_inside_the_outer_branch():
    p = tf.placeholder(tf.bool, [])
    x = tf.placeholder(tf.float32, [])
    calls = []
    counted = lambda v: tf.py_func(lambda a: calls.append(a) or a, [v], tf.float32)
    out = tf.cond(p, lambda: tf.cond(counted(x) > 0, lambda: x, lambda: -x), lambda: x * 10)
    with tf.Session() as sess:
        assert [sess.run(out, {p: pv, x: xv}) for pv, xv in [(True, 2.0), (True, -3.0), (False, -1.0)]] == \
            [2.0, 3.0, -10.0]
    assert calls == [2.0, -3.0]  # the inner pred is computed only inside the taken outer branch
