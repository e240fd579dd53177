"""Every kernel against a float64 NumPy reference, eagerly and in a graph, with Hypothesis over
shapes and broadcasting; static shapes/dtypes must match what the kernels produce."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dataflowio as tf

from .helpers import run_graph

UNARY = {
    "negative": (tf.negative, np.negative, None),
    "abs": (tf.abs, np.abs, None),
    "sign": (tf.sign, np.sign, None),
    "exp": (tf.exp, np.exp, (-3, 3)),
    "log": (tf.log, np.log, (0.125, 5)),
    "log1p": (tf.log1p, np.log1p, (0.0, 5)),
    "sqrt": (tf.sqrt, np.sqrt, (0.0, 5)),
    "rsqrt": (tf.rsqrt, lambda x: 1 / np.sqrt(x), (0.125, 5)),
    "square": (tf.square, np.square, None),
    "reciprocal": (tf.reciprocal, np.reciprocal, (0.5, 5)),
    "floor": (tf.floor, np.floor, None),
    "ceil": (tf.ceil, np.ceil, None),
    "round": (tf.round, np.round, None),
    "sin": (tf.sin, np.sin, None),
    "cos": (tf.cos, np.cos, None),
    "sigmoid": (tf.sigmoid, lambda x: 1 / (1 + np.exp(-x)), None),
    "tanh": (tf.tanh, np.tanh, None),
    "relu": (tf.nn.relu, lambda x: np.maximum(x, 0), None),
}

BINARY = {
    "add": (tf.add, np.add), "subtract": (tf.subtract, np.subtract), "multiply": (tf.multiply, np.multiply),
    "divide": (tf.divide, np.divide), "maximum": (tf.maximum, np.maximum), "minimum": (tf.minimum, np.minimum),
    "pow": (tf.pow, np.power), "floordiv": (tf.floordiv, np.floor_divide), "mod": (tf.mod, np.mod),
    "squared_difference": (tf.squared_difference, lambda a, b: (a - b) ** 2),
}

COMPARE = {
    "equal": (tf.equal, np.equal), "not_equal": (tf.not_equal, np.not_equal), "less": (tf.less, np.less),
    "less_equal": (tf.less_equal, np.less_equal), "greater": (tf.greater, np.greater),
    "greater_equal": (tf.greater_equal, np.greater_equal),
}

shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)


def _floats(shape, lo=-4.0, hi=4.0):
    return hnp.arrays(np.float32, shape, elements=st.floats(lo, hi, width=32))


def _check(got, want, out_tensor, rtol=1e-5, atol=1e-5):
    got = np.asarray(got)
    assert got.dtype == out_tensor.dtype.np, (got.dtype, out_tensor.dtype)
    assert out_tensor.shape.is_compatible_with(got.shape), (out_tensor.shape, got.shape)
    np.testing.assert_allclose(got.astype(np.float64), want, rtol=rtol, atol=atol)


@pytest.mark.parametrize("name", sorted(UNARY))
@given(data=st.data())
def test_unary_kernels_match_float64_numpy_eagerly_and_in_graphs(name, data):
    fn, ref, bounds = UNARY[name]
    lo, hi = bounds or (-4.0, 4.0)
    x = data.draw(_floats(data.draw(shapes), lo, hi))
    want = ref(x.astype(np.float64))
    got, out = run_graph(fn, x)
    _check(got, want, out, rtol=1e-4, atol=1e-5 if name not in ("round", "floor", "ceil") else 0)
    eager = fn(x)
    np.testing.assert_allclose(np.asarray(eager, np.float64), want, rtol=1e-4, atol=1e-5)


def _broadcastable(draw):
    a = draw(shapes)
    b = list(a)
    # drop leading dims and set some dims to 1 to exercise broadcasting
    b = b[draw(st.integers(0, len(b))):]
    b = [1 if draw(st.booleans()) else d for d in b]
    return (tuple(a), tuple(b)) if draw(st.booleans()) else (tuple(b), tuple(a))


@pytest.mark.parametrize("name", sorted(BINARY))
@given(data=st.data())
def test_binary_kernels_broadcast_like_numpy(name, data):
    fn, ref = BINARY[name]
    sa, sb = _broadcastable(data.draw)
    lo = 0.5 if name in ("pow", "divide", "floordiv", "mod") else -4.0
    a = data.draw(_floats(sa, lo, 3.0))
    b = data.draw(_floats(sb, lo, 3.0))
    want = ref(a.astype(np.float64), b.astype(np.float64))
    got, out = run_graph(fn, a, b)
    tol = 1e-3 if name in ("pow", "floordiv", "mod") else 1e-5
    if name in ("floordiv", "mod"):  # float32 rounding can flip a floor at exact multiples
        want = ref(a, b).astype(np.float64)
    _check(got, want, out, rtol=tol, atol=tol)
    np.testing.assert_allclose(np.asarray(fn(a, b), np.float64), want, rtol=tol, atol=tol)


@pytest.mark.parametrize("name", sorted(COMPARE))
@given(data=st.data())
def test_comparisons_give_bool_tensors(name, data):
    fn, ref = COMPARE[name]
    sa, sb = _broadcastable(data.draw)
    a = data.draw(hnp.arrays(np.int32, sa, elements=st.integers(-3, 3)))
    b = data.draw(hnp.arrays(np.int32, sb, elements=st.integers(-3, 3)))
    got, out = run_graph(fn, a, b)
    assert out.dtype == tf.bool
    np.testing.assert_array_equal(got, ref(a, b))


REDUCERS = {"reduce_sum": np.sum, "reduce_mean": np.mean, "reduce_max": np.max, "reduce_min": np.min,
            "reduce_prod": np.prod}


@pytest.mark.parametrize("name", sorted(REDUCERS))
@given(data=st.data())
def test_reductions_over_any_axes(name, data):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    x = data.draw(_floats(shape, -2, 2))
    axis = data.draw(st.one_of(st.none(), st.lists(st.integers(-len(shape), len(shape) - 1),
                                                   min_size=1, max_size=len(shape), unique=True)))
    if axis is not None and len({a % len(shape) for a in axis}) != len(axis):
        axis = None
    keep = data.draw(st.booleans())
    fn = getattr(tf, name)
    want = REDUCERS[name](x.astype(np.float64), axis=None if axis is None else tuple(axis), keepdims=keep)
    got, out = run_graph(lambda t: fn(t, axis=axis, keepdims=keep), x)
    _check(got, want, out, rtol=1e-4, atol=1e-4)


@given(data=st.data())
def test_matmul_with_transposes(data):
    m, k, n = (data.draw(st.integers(1, 5)) for _ in range(3))
    ta, tb = data.draw(st.booleans()), data.draw(st.booleans())
    a = data.draw(_floats((k, m) if ta else (m, k)))
    b = data.draw(_floats((n, k) if tb else (k, n)))
    want = (a.T if ta else a).astype(np.float64) @ (b.T if tb else b).astype(np.float64)
    got, out = run_graph(lambda x, y: tf.matmul(x, y, transpose_a=ta, transpose_b=tb), a, b)
    _check(got, want, out, rtol=1e-4, atol=1e-4)


def _softmax64(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


@given(x=hnp.arrays(np.float32, hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=5),
                    elements=st.floats(-20, 20, width=32)))
def test_softmax_family_matches_reference(x):
    x64 = x.astype(np.float64)
    got, out = run_graph(tf.nn.softmax, x)
    _check(got, _softmax64(x64), out, rtol=1e-4, atol=1e-6)
    got, out = run_graph(tf.nn.log_softmax, x)
    _check(got, np.log(_softmax64(x64)), out, rtol=1e-4, atol=1e-4)


@given(data=st.data())
def test_cross_entropies_match_reference(data):
    n, c = data.draw(st.integers(1, 6)), data.draw(st.integers(2, 6))
    logits = data.draw(_floats((n, c), -10, 10))
    labels = data.draw(hnp.arrays(np.int64, (n,), elements=st.integers(0, c - 1)))
    logp = np.log(_softmax64(logits.astype(np.float64)))
    want = -logp[np.arange(n), labels]
    got, out = run_graph(lambda lab, lg: tf.nn.sparse_softmax_cross_entropy_with_logits(labels=lab, logits=lg),
                         labels, logits)
    _check(got, want, out, rtol=1e-4, atol=1e-4)
    onehot = np.eye(c, dtype=np.float32)[labels]
    got, out = run_graph(lambda lab, lg: tf.nn.softmax_cross_entropy_with_logits(labels=lab, logits=lg),
                         onehot, logits)
    _check(got, want, out, rtol=1e-4, atol=1e-4)


def _conv_ref(x, f, stride, padding):
    n, h, w, _ = x.shape
    kh, kw, _, co = f.shape
    if padding == "SAME":
        oh, ow = -(-h // stride), -(-w // stride)
        ph, pw = max((oh - 1) * stride + kh - h, 0), max((ow - 1) * stride + kw - w, 0)
        x = np.pad(x, ((0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0)))
    else:
        oh, ow = (h - kh) // stride + 1, (w - kw) // stride + 1
    out = np.zeros((n, oh, ow, co))
    for i in range(oh):
        for j in range(ow):
            patch = x[:, i * stride:i * stride + kh, j * stride:j * stride + kw, :]
            out[:, i, j, :] = np.tensordot(patch, f, axes=([1, 2, 3], [0, 1, 2]))
    return out


@pytest.mark.parametrize("padding", ["SAME", "VALID"])
@pytest.mark.parametrize("stride", [1, 2])
def test_conv2d_matches_direct_convolution(padding, stride):
    rng = np.random.default_rng(stride)
    x = rng.normal(size=(2, 6, 5, 3)).astype(np.float32)
    f = rng.normal(size=(3, 2, 3, 4)).astype(np.float32)
    got, out = run_graph(lambda a, b: tf.nn.conv2d(a, b, [1, stride, stride, 1], padding), x, f)
    _check(got, _conv_ref(x.astype(np.float64), f.astype(np.float64), stride, padding), out, 1e-4, 1e-4)


def _pool_ref(x, k, s, padding, reduce):
    n, h, w, c = x.shape
    if padding == "SAME":
        oh, ow = -(-h // s), -(-w // s)
        ph, pw = max((oh - 1) * s + k - h, 0), max((ow - 1) * s + k - w, 0)
        top, left = ph // 2, pw // 2
    else:
        oh, ow, top, left = (h - k) // s + 1, (w - k) // s + 1, 0, 0
    out = np.zeros((n, oh, ow, c))
    for i in range(oh):
        for j in range(ow):
            r0, c0 = i * s - top, j * s - left
            win = x[:, max(r0, 0):r0 + k, max(c0, 0):c0 + k, :]
            out[:, i, j, :] = reduce(win, axis=(1, 2))
    return out


@pytest.mark.parametrize("padding", ["SAME", "VALID"])
def test_pooling_matches_reference(padding):
    x = np.random.default_rng(0).normal(size=(2, 5, 7, 3)).astype(np.float32)
    got, out = run_graph(lambda a: tf.nn.max_pool(a, [1, 2, 2, 1], [1, 2, 2, 1], padding), x)
    _check(got, _pool_ref(x.astype(np.float64), 2, 2, padding, np.max), out)
    got, out = run_graph(lambda a: tf.nn.avg_pool(a, [1, 3, 3, 1], [1, 2, 2, 1], padding), x)
    _check(got, _pool_ref(x.astype(np.float64), 3, 2, padding, np.mean), out, 1e-5, 1e-5)


def test_array_ops_match_numpy():
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    cases = [
        (lambda t: tf.reshape(t, [4, -1]), x.reshape(4, -1)),
        (lambda t: tf.transpose(t, [2, 0, 1]), x.transpose(2, 0, 1)),
        (lambda t: tf.transpose(t), x.T),
        (lambda t: tf.expand_dims(t, 1), x[:, None]),
        (lambda t: tf.squeeze(tf.expand_dims(t, 0)), x),
        (lambda t: tf.concat([t, t], 1), np.concatenate([x, x], 1)),
        (lambda t: tf.stack([t, t], axis=1), np.stack([x, x], 1)),
        (lambda t: tf.unstack(t, axis=1)[2], x[:, 2]),
        (lambda t: tf.tile(t, [1, 2, 1]), np.tile(x, (1, 2, 1))),
        (lambda t: tf.gather(t, [2, 0], axis=2), x[:, :, [2, 0]]),
        (lambda t: t[1, ::2, -1], x[1, ::2, -1]),
        (lambda t: t[..., 1:3][:, tf.newaxis], x[..., 1:3][:, None]),
        (lambda t: tf.slice(t, [0, 1, 1], [2, -1, 2]), x[:, 1:, 1:3]),
        (lambda t: tf.pad(t, [[0, 0], [1, 0], [0, 2]]), np.pad(x, ((0, 0), (1, 0), (0, 2)))),
        (lambda t: tf.split(t, 2, axis=2)[1], x[:, :, 2:]),
        (lambda t: tf.cast(tf.shape(t), tf.float32), np.array(x.shape, np.float32)),
        (lambda t: tf.cast(tf.size(t), tf.float32), np.float32(24)),
        (lambda t: tf.cast(tf.rank(t), tf.float32), np.float32(3)),
        (lambda t: tf.zeros_like(t) + tf.ones_like(t), np.ones_like(x)),
        (lambda t: tf.fill(tf.shape(t), 2.0), np.full(x.shape, 2.0)),
        (lambda t: tf.where(t > 10, t, -t), np.where(x > 10, x, -x)),
        (lambda t: tf.clip_by_value(t, 3.0, 7.0), np.clip(x, 3, 7)),
        (lambda t: tf.cast(tf.argmax(t, 1), tf.float32), x.argmax(1).astype(np.float32)),
        (lambda t: tf.cast(tf.argmin(t, 2), tf.float32), x.argmin(2).astype(np.float32)),
        (lambda t: tf.add_n([t, t, t]), 3 * x),
        (lambda t: tf.nn.bias_add(t, np.ones(4, np.float32)), x + 1),
        (lambda t: tf.nn.l2_loss(t), (x.astype(np.float64) ** 2).sum() / 2),
    ]
    for fn, want in cases:
        got, out = run_graph(fn, x)
        _check(got, np.asarray(want, np.float64), out)
        np.testing.assert_allclose(np.asarray(fn(x), np.float64), want, rtol=1e-6)


def test_integer_and_logical_ops():
    i = np.array([[0, 2, 1], [1, 1, 9]], np.int64)
    got, out = run_graph(lambda t: tf.one_hot(t, 3), i)
    assert out.dtype == tf.float32 and out.shape.as_list() == [2, 3, 3]
    np.testing.assert_array_equal(got, (i[..., None] == np.arange(3)).astype(np.float32))
    b1, b2 = np.array([True, False, True]), np.array([True, True, False])
    for fn, ref in [(tf.logical_and, np.logical_and), (tf.logical_or, np.logical_or),
                    (tf.logical_xor, np.logical_xor)]:
        np.testing.assert_array_equal(run_graph(fn, b1, b2)[0], ref(b1, b2))
    np.testing.assert_array_equal(run_graph(tf.logical_not, b1)[0], ~b1)
    assert tf.range(2, 11, 3).tolist() == [2, 5, 8]
    assert tf.cast(np.array([1.9, -1.9], np.float32), tf.int32).tolist() == [1, -1]
    assert tf.reduce_mean(np.array([1, 2], np.int32)).item() == 1


def test_top_k_and_in_top_k():
    x = np.array([[1.0, 5.0, 5.0, 2.0], [4.0, 3.0, 2.0, 1.0]], np.float32)
    (vals, idx), (v_t, i_t) = run_graph(lambda t: tf.nn.top_k(t, 2), x)
    assert vals.tolist() == [[5.0, 5.0], [4.0, 3.0]] and idx.tolist() == [[1, 2], [0, 1]]
    assert i_t.dtype == tf.int32 and v_t.shape.as_list() == [2, 2]
    got, _ = run_graph(lambda p, t: tf.nn.in_top_k(p, t, 1), x, np.array([2, 1], np.int32))
    assert got.tolist() == [True, False]


def test_dropout_scales_kept_values_and_keeps_the_expected_fraction():
    x = np.ones((200, 50), np.float32)
    got, _ = run_graph(lambda t: tf.nn.dropout(t, keep_prob=0.25, seed=3), x)
    kept = got[got != 0]
    np.testing.assert_allclose(kept, 4.0)
    assert 0.2 < kept.size / got.size < 0.3


@given(data=st.data())
def test_sparse_cross_entropy_rows_far_apart_keep_full_precision(data):
    # the CPU kernel shifts by the batch's largest logit; rows far below it (or not finite) must
    # still get their own shift: loss and gradient as the float64 per-row reference
    from dataflowio.graph.ops.nn_ops import _sparse_xent_kernel

    n, c = data.draw(st.integers(2, 6)), data.draw(st.integers(2, 6))
    logits = data.draw(_floats((n, c), -10, 10))
    offsets = data.draw(hnp.arrays(np.float32, (n, 1), elements=st.sampled_from([0.0, -60.0, -500.0, 300.0])))
    logits = logits + offsets
    labels = data.draw(hnp.arrays(np.int64, (n,), elements=st.integers(0, c - 1)))
    p = _softmax64(logits.astype(np.float64))
    loss, grad = _sparse_xent_kernel(np, labels, logits)
    np.testing.assert_allclose(loss, -np.log(p[np.arange(n), labels]), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(grad, p - np.eye(c)[labels], rtol=1e-4, atol=1e-5)
