"""Buffer forwarding in session plans: an op may write its result into an input buffer only when
that buffer is a fresh intermediate nothing else reads (never a feed, a fetch, a constant or a
variable's value). Checked against NumPy on random graphs where every intermediate is large
enough to be forwarded."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import dataflowio as tf
from dataflowio.graph.ops.elementwise import FORWARD_MIN_SIZE
from dataflowio.graph.session import _forwardable

SHAPE = (64, FORWARD_MIN_SIZE // 64)  # every intermediate is large enough to be written in place
OPS = {"add": (tf.add, np.add), "sub": (tf.subtract, np.subtract), "mul": (tf.multiply, np.multiply)}


@st.composite
def graphs(draw: st.DrawFn) -> tuple:
    """(steps, fetched): each step combines two earlier values (inputs 0-2 are a constant, a
    variable and a placeholder; 3+ are earlier steps), with a row vector now and then."""
    steps = []
    for k in range(draw(st.integers(1, 8))):
        a = draw(st.integers(0, 2 + k))
        b = draw(st.one_of(st.integers(0, 2 + k), st.just("row")))
        steps.append((draw(st.sampled_from(sorted(OPS))), a, b))
    fetched = draw(st.lists(st.integers(0, 2 + len(steps)), min_size=1, max_size=4))
    return steps, fetched


@settings(max_examples=40, deadline=None)
@given(graphs(), st.integers(0, 2**31 - 1))
def test_forwarded_graphs_match_numpy_and_never_write_inputs(spec: tuple, seed: int) -> None:
    steps, fetched = spec
    rng = np.random.default_rng(seed)
    c0, v0, p0 = (rng.uniform(0.5, 1.5, SHAPE).astype(np.float32) for _ in range(3))
    row = rng.uniform(0.5, 1.5, SHAPE[1]).astype(np.float32)
    originals = [x.copy() for x in (c0, v0, p0, row)]
    with tf.Graph().as_default():
        p = tf.placeholder(tf.float32, [None, SHAPE[1]])
        var = tf.Variable(v0)
        values, ref = [tf.constant(c0), var.value(), p], [c0, v0, p0]
        r = tf.constant(row)
        for name, a, b in steps:
            graph_op, np_op = OPS[name]
            values.append(graph_op(values[a], r if b == "row" else values[b]))
            ref.append(np_op(ref[a], row if b == "row" else ref[b]))
        with tf.Session() as sess:
            sess.run(var.initializer)
            for _ in range(2):  # the plan is reused: nothing it wrote may leak into the next run
                got = sess.run([values[i] for i in fetched], {p: p0})
                for i, g in zip(fetched, got):
                    np.testing.assert_allclose(g, ref[i], rtol=1e-6)
            np.testing.assert_array_equal(sess.run(var), v0)
    for x, o in zip((c0, v0, p0, row), originals):
        np.testing.assert_array_equal(x, o)


def test_only_single_reader_fresh_intermediates_are_forwarded() -> None:
    x = tf.placeholder(tf.float32, SHAPE)
    w = tf.Variable(np.ones((SHAPE[1], SHAPE[1]), np.float32))
    once = tf.matmul(x, w)          # fresh, read once: forwarded into
    twice = tf.matmul(x, w)         # fresh, read by two ops
    a = once + 1.0
    b, c = twice * 2.0, twice - 1.0
    from_var = w.value() + 1.0      # a variable's value is never fresh
    from_feed = x + 1.0             # nor is a feed
    fetched = tf.matmul(x, w)
    d = fetched + 1.0               # fetched below: its buffer must stay as fetched
    shape_only = tf.zeros_like(once)  # reads once's shape alone: a still writes into once
    ops = sorted({t.op for t in (a, b, c, from_var, from_feed, d, shape_only, fetched)} |
                 {t.op.inputs[0].op for t in (a, b, c, d, from_var, from_feed)}, key=lambda o: o._id)
    targets = [a, b, c, from_var, from_feed, d, fetched, shape_only]
    chosen = _forwardable(ops, targets, {id(x): 0})
    assert a.op._id in {o._id for o in ops if id(o) in chosen}
    assert not {id(t.op) for t in (b, c, from_var, from_feed, d)} & chosen


def test_gradient_descent_writes_the_update_into_the_gradient_buffer_with_the_same_values() -> None:
    rng = np.random.default_rng(0)
    xv = rng.normal(size=(8, 5)).astype(np.float32)
    w0 = rng.normal(size=(5, 3)).astype(np.float32)
    x = tf.constant(xv)
    w = tf.Variable(w0)
    loss = tf.reduce_sum(tf.matmul(x, w))
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    with tf.Session() as sess:
        sess.run(w.initializer)
        before = sess.run(w)
        sess.run(train)
        sess.run(train)
        after = sess.run(w)
    expected = w0 - 2 * 0.1 * np.float32(1) * xv.sum(0)[:, None].repeat(3, 1)
    np.testing.assert_allclose(after, expected, rtol=1e-5)
    np.testing.assert_array_equal(before, w0)  # a value fetched earlier is not updated in place
