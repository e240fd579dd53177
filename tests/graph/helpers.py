"""Shared helpers for the graph tests: run a graph function on fed values, finite differences."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import dataflowio as tf


def run_graph(fn: Callable[..., Any], *values: np.ndarray) -> Any:
    """Builds `fn` on placeholders shaped like `values` in a fresh graph and runs it."""
    with tf.Graph().as_default():
        phs = [tf.placeholder(tf.as_dtype(v.dtype), v.shape) for v in values]
        out = fn(*phs)
        with tf.Session() as sess:
            return sess.run(out, dict(zip(phs, values))), out


def numeric_grad(f: Callable[[list[np.ndarray]], float], xs: Sequence[np.ndarray], eps: float = 1e-6) -> list[np.ndarray]:
    """Central finite differences of scalar `f` at `xs` (float64)."""
    grads = []
    for i, x in enumerate(xs):
        g = np.zeros_like(x, dtype=np.float64)
        for idx in np.ndindex(*x.shape):
            plus = [v.copy() for v in xs]
            minus = [v.copy() for v in xs]
            plus[i][idx] += eps
            minus[i][idx] -= eps
            g[idx] = (f(plus) - f(minus)) / (2 * eps)
        grads.append(g)
    return grads


def check_gradients(fn: Callable[..., Any], xs: Sequence[np.ndarray], atol: float = 1e-5,
                    rtol: float = 1e-4, seed: int = 0, eps: float = 1e-6) -> None:
    """Compares `tf.gradients` of `sum(fn(*xs) * w)` (random `w`) with central differences
    (step `eps`: larger where `fn` rounds through float32, whose steps are ~1e-7)."""
    xs = [np.asarray(x, np.float64) for x in xs]
    with tf.Graph().as_default():
        phs = [tf.placeholder(tf.float64, x.shape) for x in xs]
        out = fn(*phs)
        w = np.random.default_rng(seed).normal(size=out.shape.as_list()).astype(np.float64)
        y = tf.reduce_sum(out * w)
        grads = tf.gradients(y, phs)
        with tf.Session() as sess:
            got = sess.run([g if g is not None else tf.zeros_like(p) for g, p in zip(grads, phs)],
                           dict(zip(phs, xs)))
            want = numeric_grad(lambda vals: float(sess.run(y, dict(zip(phs, vals)))), xs, eps)
    for g, n in zip(got, want):
        np.testing.assert_allclose(g, n, atol=atol, rtol=rtol)
