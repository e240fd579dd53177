"""Neural-network primitives: softmax family, cross entropies, conv2d, pooling, top_k, in_top_k,
and the composites relu / bias_add / l2_loss / dropout.

Images are NHWC and filters HWIO, as in TensorFlow's defaults; padding is "SAME" or "VALID".
Convolution and pooling loop over the (small) window positions and do one matmul / max per
position, so the same code runs on NumPy and CuPy.

>>> softmax([[1.0, 1.0]]).tolist(), top_k([3, 1, 2], 2)[1].tolist()
([[0.5, 0.5]], [0, 2])
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from dataflowio import dtypes
from dataflowio.dtypes import as_dtype
from dataflowio.errors import InvalidArgumentError
from dataflowio.graph.backend import ones_vector, row_starts
from dataflowio.graph.ops.core import apply, as_tensor, build, is_graph, spec
from dataflowio.graph.ops.reduce import times_row_gradient
from dataflowio.graph.ops.registry import OpDef, register
from dataflowio.tensor_shape import TensorShape


# ---- softmax and cross entropy -------------------------------------------------------------
def _softmax_kernel(xp: Any, x: Any) -> Any:
    e = xp.exp(x - xp.max(x, axis=-1, keepdims=True))
    e /= xp.sum(e, axis=-1, keepdims=True)
    return e


def _log_softmax_kernel(xp: Any, x: Any) -> Any:
    s = x - xp.max(x, axis=-1, keepdims=True)
    return s - xp.log(xp.sum(xp.exp(s), axis=-1, keepdims=True))


def _g_softmax(op: Any, g: Any) -> list:
    from dataflowio.graph.ops.reduce import reduce_sum

    y = op.outputs[0]
    return [(g - reduce_sum(g * y, axis=-1, keepdims=True)) * y]


def _g_log_softmax(op: Any, g: Any) -> list:
    from dataflowio.graph.ops.elementwise import exp
    from dataflowio.graph.ops.reduce import reduce_sum

    return [g - exp(op.outputs[0]) * reduce_sum(g, axis=-1, keepdims=True)]


def _float_infer(ins: list) -> list:
    if not ins[0].dtype.is_floating:
        raise InvalidArgumentError(f"expected a floating-point input, got {ins[0].dtype.name}.")
    if ins[0].shape.rank == 0:
        raise InvalidArgumentError("expected an input of rank >= 1, got a scalar.")
    return [spec(ins[0])]


SOFTMAX = register(OpDef("Softmax", infer=_float_infer, kernel=_softmax_kernel, grad=_g_softmax))
LOG_SOFTMAX = register(OpDef("LogSoftmax", infer=_float_infer, kernel=_log_softmax_kernel,
                             grad=_g_log_softmax))


def _moveaxis_call(fn: Any, logits: Any, axis: int, name: str | None) -> Any:
    from dataflowio.graph.ops.array import transpose

    rank = as_tensor(logits).shape.rank if is_graph([logits]) else np.ndim(logits)
    if axis in (-1, None) or (rank is not None and axis == rank - 1):
        return apply(fn, [logits], None, name)
    perm = list(range(rank))
    perm[axis], perm[-1] = perm[-1], perm[axis]
    return transpose(apply(fn, [transpose(logits, perm)], None), perm)


def softmax(logits: Any, axis: int | None = None, name: str | None = None, dim: int | None = None) -> Any:
    """Returns `exp(logits) / sum(exp(logits))` along `axis` (default last).

    >>> [round(v, 4) for v in softmax([0.0, 1.0]).tolist()]
    [0.2689, 0.7311]
    """
    return _moveaxis_call(SOFTMAX, logits, axis if axis is not None else (dim if dim is not None else -1), name)


def log_softmax(logits: Any, axis: int | None = None, name: str | None = None, dim: int | None = None) -> Any:
    """Returns `logits - log(sum(exp(logits)))` along `axis` (default last)."""
    return _moveaxis_call(LOG_SOFTMAX, logits, axis if axis is not None else (dim if dim is not None else -1), name)


def _xent_infer(ins: list) -> list:
    labels, logits = ins
    if labels.dtype != logits.dtype:
        raise InvalidArgumentError(f"labels ({labels.dtype.name}) and logits ({logits.dtype.name}) "
                                   "must have the same dtype.")
    if not labels.shape.is_compatible_with(logits.shape):
        raise InvalidArgumentError(f"logits and labels must be broadcastable: logits_size="
                                   f"{list(logits.shape)} labels_size={list(labels.shape)}.")
    s = logits.shape
    return [(s[:-1] if s.rank is not None else TensorShape(None), logits.dtype), spec(logits)]


def _xent_kernel(xp: Any, labels: Any, logits: Any) -> tuple:
    if np.shape(labels) != np.shape(logits):
        raise InvalidArgumentError(f"logits and labels must be the same size: logits_size="
                                   f"{list(np.shape(logits))} labels_size={list(np.shape(labels))}")
    logp = _log_softmax_kernel(xp, logits)
    loss = -xp.sum(labels * logp, axis=-1)
    return loss, xp.exp(logp) * xp.sum(labels, axis=-1, keepdims=True) - labels


def _softmax_jvp(g_backprop: Any, logits: Any) -> tuple[Any, Any]:
    """`(softmax, (g - sum(g * softmax)) * softmax)`: the gradient that flows into the logits
    from the cross entropies' second output (backprop = softmax - labels) — second order."""
    from dataflowio.graph.ops.reduce import reduce_sum

    sm = softmax(logits)
    return sm, (g_backprop - reduce_sum(g_backprop * sm, axis=-1, keepdims=True)) * sm


def _add_grads(a: Any, b: Any) -> Any:
    return b if a is None else a + b


def _g_xent(op: Any, g: Any, g_backprop: Any = None) -> list:
    # backprop = softmax(logits) * sum(labels) - labels
    labels, logits = op.inputs
    g_logits = times_row_gradient(g, op.outputs[1]) if g is not None else None
    g_labels = times_row_gradient(g, -log_softmax(logits)) \
        if g is not None and op.attrs.get("labels_grad") else None
    if g_backprop is not None:
        from dataflowio.graph.ops.reduce import reduce_sum

        sm, jvp = _softmax_jvp(g_backprop, logits)
        g_logits = _add_grads(g_logits, jvp * reduce_sum(labels, axis=-1, keepdims=True))
        if op.attrs.get("labels_grad"):
            g_labels = _add_grads(g_labels, reduce_sum(g_backprop * sm, axis=-1, keepdims=True)
                                  - g_backprop)
    return [g_labels, g_logits]


XENT = register(OpDef("SoftmaxCrossEntropyWithLogits", infer=lambda ins, labels_grad: _xent_infer(ins),
                      kernel=lambda xp, labels, logits, labels_grad: _xent_kernel(xp, labels, logits),
                      grad=_g_xent))


def softmax_cross_entropy_with_logits_v2(labels: Any, logits: Any, axis: int = -1,
                                         name: str | None = None, dim: int | None = None) -> Any:
    """Returns the per-example cross entropy `-sum(labels * log_softmax(logits))` (last axis).

    Gradients flow into `labels` too (the v2 behaviour).

    >>> round(softmax_cross_entropy_with_logits_v2([[0.0, 1.0]], [[0.0, 0.0]]).tolist()[0], 4)
    0.6931
    """
    from dataflowio.graph.ops.elementwise import binary_args

    labels, logits, _ = binary_args(labels, logits, "SoftmaxCrossEntropyWithLogits")
    out = apply(XENT, [labels, logits], {"labels_grad": True}, name)
    return out[0]


def softmax_cross_entropy_with_logits(_sentinel: Any = None, labels: Any = None, logits: Any = None,
                                      dim: int = -1, name: str | None = None, axis: int | None = None) -> Any:
    """TF1 version: like `_v2` but no gradient flows into `labels`. Arguments must be named."""
    if _sentinel is not None:
        raise ValueError("Only call `softmax_cross_entropy_with_logits` with named arguments "
                         "(labels=..., logits=..., ...).")
    from dataflowio.graph.ops.elementwise import binary_args

    labels, logits, _ = binary_args(labels, logits, "SoftmaxCrossEntropyWithLogits")
    return apply(XENT, [labels, logits], {"labels_grad": False}, name)[0]


def _sparse_xent_infer(ins: list) -> list:
    labels, logits = ins
    if not labels.dtype.is_integer:
        raise InvalidArgumentError(f"labels must be int32 or int64, got {labels.dtype.name}.")
    if labels.shape.rank is not None and logits.shape.rank is not None and \
            labels.shape.rank != logits.shape.rank - 1:
        raise InvalidArgumentError(f"Rank mismatch: Rank of labels (received {labels.shape.rank}) should "
                                   f"equal rank of logits minus 1 (received {logits.shape.rank}).")
    s = logits.shape
    return [(s[:-1] if s.rank is not None else TensorShape(None), logits.dtype), spec(logits)]


# the unsigned type of each label width: negative labels wrap to huge values in that view
_UNSIGNED = {np.dtype(t).itemsize: np.dtype(t) for t in (np.uint8, np.uint16, np.uint32, np.uint64)}


def _sparse_xent_kernel(xp: Any, labels: Any, logits: Any) -> tuple:
    n = logits.shape[-1]
    # one range check: one reduction over the labels' unsigned view
    if xp is np and labels.size and \
            np.maximum.reduce(labels.view(_UNSIGNED[labels.itemsize]), axis=None) >= n:
        bad = labels[(labels < 0) | (labels >= n)].flat[0]
        raise InvalidArgumentError(f"Received a label value of {bad} which is outside the valid "
                                   f"range of [0, {n}).")
    if logits.ndim == 2:  # the common case: flat gathers at row * n + label, no one-hot matrix
        return _sparse_xent_rows(xp, labels, logits, n)
    logp = _log_softmax_kernel(xp, logits)
    lab = xp.expand_dims(labels.astype(np.int64), -1)
    loss = -xp.take_along_axis(logp, lab, axis=-1)[..., 0]
    back = xp.exp(logp)
    onehot = xp.expand_dims(labels, -1) == xp.arange(n)
    return loss, back - onehot.astype(back.dtype)


# Below this a row's softmax sum may have lost precision to the shared shift: use its own max.
_SHIFT_TINY = 1e-20


def _sparse_xent_rows(xp: Any, labels: Any, logits: Any, n: int) -> tuple:
    """Loss and gradient for `[batch, classes]` logits. On the CPU the shift is the batch's
    largest logit (one reduction instead of a slow one per row of ~10 classes) and the row sums
    are a product with ones; a row whose sum falls below `_SHIFT_TINY` under that shared shift
    (logits far apart, or not finite) makes it redo the batch with each row's own maximum."""
    shared = xp is np and logits.dtype.kind == "f" and logits.size > 0
    if shared:  # (ufunc reductions directly: ndarray.max / .min add a Python wrapper call)
        s = logits - np.maximum.reduce(logits, axis=None)
        e = np.exp(s)
        se = e.dot(ones_vector(np, n, e.dtype))
    if not shared or not np.minimum.reduce(se) >= _SHIFT_TINY:
        s = logits - logits.max(axis=1, keepdims=True)
        e = xp.exp(s)
        se = e.sum(axis=1)
    at = row_starts(xp, logits.shape[0], n) + labels.astype(np.intp, copy=False)
    loss = xp.log(se) - s.reshape(-1).take(at)
    e /= se[:, None]
    e.reshape(-1)[at] -= 1
    return loss, e


SPARSE_XENT = register(OpDef("SparseSoftmaxCrossEntropyWithLogits", infer=_sparse_xent_infer,
                             kernel=_sparse_xent_kernel, fresh=True,
                             grad=lambda op, g, g_backprop=None: [None, _g_sparse_xent(op, g, g_backprop)]))


def _g_sparse_xent(op: Any, g: Any, g_backprop: Any) -> Any:
    # backprop = softmax(logits) - onehot(labels)
    g_logits = times_row_gradient(g, op.outputs[1]) if g is not None else None
    if g_backprop is not None:
        g_logits = _add_grads(g_logits, _softmax_jvp(g_backprop, op.inputs[1])[1])
    return g_logits


def sparse_softmax_cross_entropy_with_logits(_sentinel: Any = None, labels: Any = None,
                                             logits: Any = None, name: str | None = None) -> Any:
    """Returns the per-example cross entropy for integer class `labels`.

    >>> round(sparse_softmax_cross_entropy_with_logits(labels=[1], logits=[[0.0, 0.0]]).tolist()[0], 4)
    0.6931
    """
    if _sentinel is not None:
        raise ValueError("Only call `sparse_softmax_cross_entropy_with_logits` with named arguments.")
    return apply(SPARSE_XENT, [labels, logits], None, name)[0]


def sigmoid_cross_entropy_with_logits(_sentinel: Any = None, labels: Any = None, logits: Any = None,
                                      name: str | None = None) -> Any:
    """Returns `max(x, 0) - x * z + log(1 + exp(-|x|))` (composite, numerically stable)."""
    from dataflowio.graph.ops.elementwise import (
        abs,
        binary_args,
        exp,
        log1p,
        maximum,
        multiply,
        negative,
    )

    labels, logits, _ = binary_args(labels, logits, "sigmoid_cross_entropy_with_logits")
    return maximum(logits, 0) - multiply(logits, labels) + log1p(exp(negative(abs(logits))))


# ---- convolution and pooling ---------------------------------------------------------------
def _norm4(v: Any, name: str) -> tuple[int, int]:
    v = [int(x) for x in (v if isinstance(v, (list, tuple)) else [v])]
    if len(v) == 1:
        return v[0], v[0]
    if len(v) == 2:
        return v[0], v[1]
    if len(v) == 4 and v[0] == 1 and v[3] == 1:
        return v[1], v[2]
    raise InvalidArgumentError(f"{name} must be [1, h, w, 1] (NHWC), got {v}.")


def _out_and_pad(n: int | None, k: int, s: int, padding: str) -> tuple[int | None, int]:
    if n is None:
        return None, 0
    if padding == "VALID":
        return (n - k) // s + 1 if n >= k else 0, 0
    out = -(-n // s)
    return out, max((out - 1) * s + k - n, 0)


def _check_padding(padding: str) -> str:
    p = padding.upper() if isinstance(padding, str) else padding
    if p not in ("SAME", "VALID"):
        raise InvalidArgumentError(f"padding must be 'SAME' or 'VALID', got {padding!r}.")
    return p


def _pad_nhwc(xp: Any, x: Any, kh: int, kw: int, sh: int, sw: int, padding: str, value: float) -> tuple:
    _, h, w, _ = x.shape
    oh, ph = _out_and_pad(h, kh, sh, padding)
    ow, pw = _out_and_pad(w, kw, sw, padding)
    if ph or pw:
        x = xp.pad(x, ((0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0)),
                   constant_values=value)
    return x, oh, ow, ph // 2, pw // 2


def _conv_infer(ins: list, strides: tuple, padding: str) -> list:
    x, f = ins
    if x.dtype != f.dtype:
        raise InvalidArgumentError(f"conv2d: input ({x.dtype.name}) and filter ({f.dtype.name}) dtypes differ.")
    if x.shape.rank not in (None, 4) or f.shape.rank not in (None, 4):
        raise InvalidArgumentError(f"conv2d: input must be rank 4 (NHWC) and filter rank 4 (HWIO), "
                                   f"got shapes {list(x.shape)} and {list(f.shape)}.")
    if x.shape.rank is None or f.shape.rank is None:
        return [(TensorShape([None] * 4), x.dtype)]
    if x.shape[3] is not None and f.shape[2] is not None and x.shape[3] != f.shape[2]:
        raise InvalidArgumentError(f"conv2d: input depth {x.shape[3]} does not match filter in_channels "
                                   f"{f.shape[2]} (input {list(x.shape)}, filter {list(f.shape)}).")
    oh = _out_and_pad(x.shape[1], f.shape[0], strides[0], padding)[0] if f.shape[0] else None
    ow = _out_and_pad(x.shape[2], f.shape[1], strides[1], padding)[0] if f.shape[1] else None
    return [(TensorShape([x.shape[0], oh, ow, f.shape[3]]), x.dtype)]


def _conv_kernel(xp: Any, x: Any, f: Any, strides: tuple, padding: str) -> Any:
    kh, kw, _, co = f.shape
    sh, sw = strides
    xp_, oh, ow, _, _ = _pad_nhwc(xp, x, kh, kw, sh, sw, padding, 0)
    out = xp.zeros((x.shape[0], oh, ow, co), dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            patch = xp_[:, i:i + sh * (oh - 1) + 1:sh, j:j + sw * (ow - 1) + 1:sw, :]
            out += patch @ f[i, j]
    return out


def _conv_bwd_input(xp: Any, g: Any, x: Any, f: Any, strides: tuple, padding: str) -> Any:
    kh, kw, _, _ = f.shape
    sh, sw = strides
    xp_, oh, ow, ph, pw = _pad_nhwc(xp, xp.zeros_like(x), kh, kw, sh, sw, padding, 0)
    dx = xp.zeros(xp_.shape, dtype=g.dtype)
    for i in range(kh):
        for j in range(kw):
            dx[:, i:i + sh * (oh - 1) + 1:sh, j:j + sw * (ow - 1) + 1:sw, :] += g @ f[i, j].T
    return dx[:, ph:ph + x.shape[1], pw:pw + x.shape[2], :]


def _conv_bwd_filter(xp: Any, g: Any, x: Any, f: Any, strides: tuple, padding: str) -> Any:
    kh, kw, ci, co = f.shape
    sh, sw = strides
    xp_, oh, ow, _, _ = _pad_nhwc(xp, x, kh, kw, sh, sw, padding, 0)
    df = xp.zeros(f.shape, dtype=g.dtype)
    g2 = g.reshape(-1, co)
    for i in range(kh):
        for j in range(kw):
            patch = xp_[:, i:i + sh * (oh - 1) + 1:sh, j:j + sw * (ow - 1) + 1:sw, :]
            df[i, j] = patch.reshape(-1, ci).T @ g2
    return df


CONV_BWD_INPUT = register(OpDef("Conv2DBackpropInput", infer=lambda ins, **a: [spec(ins[1])],
                                kernel=_conv_bwd_input))
CONV_BWD_FILTER = register(OpDef("Conv2DBackpropFilter", infer=lambda ins, **a: [spec(ins[2])],
                                 kernel=_conv_bwd_filter))


def _g_conv(op: Any, g: Any) -> list:
    x, f = op.inputs
    return [build(CONV_BWD_INPUT, [g, x, f], dict(op.attrs)),
            build(CONV_BWD_FILTER, [g, x, f], dict(op.attrs))]


CONV2D = register(OpDef("Conv2D", infer=_conv_infer, kernel=_conv_kernel, grad=_g_conv))


def conv2d(input: Any, filter: Any = None, strides: Any = None, padding: str = "VALID",
           use_cudnn_on_gpu: bool = True, data_format: str = "NHWC", dilations: Any = None,
           name: str | None = None, filters: Any = None) -> Any:
    """Returns the 2-D convolution of NHWC `input` with HWIO `filter`.

    >>> x = np.arange(9, dtype=np.float32).reshape(1, 3, 3, 1)
    >>> conv2d(x, np.ones((2, 2, 1, 1), np.float32), [1, 1, 1, 1], "VALID")[0, :, :, 0].tolist()
    [[8.0, 12.0], [20.0, 24.0]]
    """
    if data_format != "NHWC":
        raise InvalidArgumentError(f"conv2d: only data_format='NHWC' is supported, got {data_format!r}.")
    filt = filter if filter is not None else filters
    from dataflowio.graph.ops.elementwise import binary_args

    x, f, _ = binary_args(input, filt, "Conv2D")
    attrs = {"strides": _norm4(strides if strides is not None else 1, "strides"),
             "padding": _check_padding(padding)}
    return apply(CONV2D, [x, f], attrs, name)


def _pool_infer(ins: list, ksize: tuple, strides: tuple, padding: str) -> list:
    x = ins[0]
    if x.shape.rank not in (None, 4):
        raise InvalidArgumentError(f"pooling: input must be rank 4 (NHWC), got shape {list(x.shape)}.")
    if x.shape.rank is None:
        return [(TensorShape([None] * 4), x.dtype)]
    oh = _out_and_pad(x.shape[1], ksize[0], strides[0], padding)[0]
    ow = _out_and_pad(x.shape[2], ksize[1], strides[1], padding)[0]
    return [(TensorShape([x.shape[0], oh, ow, x.shape[3]]), x.dtype)]


def _windows(xp: Any, x: Any, ksize: tuple, strides: tuple, padding: str, value: float) -> Any:
    kh, kw = ksize
    sh, sw = strides
    xp_, oh, ow, ph, pw = _pad_nhwc(xp, x, kh, kw, sh, sw, padding, value)
    for i in range(kh):
        for j in range(kw):
            yield i, j, (slice(None), slice(i, i + sh * (oh - 1) + 1, sh),
                         slice(j, j + sw * (ow - 1) + 1, sw), slice(None)), xp_, ph, pw


def _max_pool_kernel(xp: Any, x: Any, ksize: tuple, strides: tuple, padding: str) -> Any:
    out = None
    low = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
    for _, _, key, xpad, _, _ in _windows(xp, x, ksize, strides, padding, low):
        out = xpad[key] if out is None else xp.maximum(out, xpad[key])
    return out


def _max_pool_grad(xp: Any, g: Any, x: Any, ksize: tuple, strides: tuple, padding: str) -> Any:
    best = arg = None
    keys = []
    low = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
    for n, (_, _, key, xpad, ph, pw) in enumerate(_windows(xp, x, ksize, strides, padding, low)):
        keys.append(key)
        v = xpad[key]
        if best is None:
            best, arg = v, xp.zeros(v.shape, np.int32)
        else:
            upd = v > best
            best = xp.where(upd, v, best)
            arg = xp.where(upd, n, arg)
    dx = xp.zeros(xpad.shape, dtype=g.dtype)
    for n, key in enumerate(keys):
        dx[key] += xp.where(arg == n, g, 0)
    return dx[:, ph:ph + x.shape[1], pw:pw + x.shape[2], :]


def _avg_pool_kernel(xp: Any, x: Any, ksize: tuple, strides: tuple, padding: str) -> Any:
    total = count = None
    ones = xp.ones((1,) + x.shape[1:3] + (1,), dtype=x.dtype)
    cnt_windows = list(_windows(xp, ones, ksize, strides, padding, 0))
    for (_, _, key, xpad, _, _), (_, _, _, opad, _, _) in zip(_windows(xp, x, ksize, strides, padding, 0),
                                                               cnt_windows):
        total = xpad[key] if total is None else total + xpad[key]
        count = opad[key] if count is None else count + opad[key]
    return total / count


def _avg_pool_grad(xp: Any, g: Any, x: Any, ksize: tuple, strides: tuple, padding: str) -> Any:
    ones = xp.ones((1,) + x.shape[1:3] + (1,), dtype=g.dtype)
    count = _avg_pool_kernel(xp, ones, ksize, strides, padding) * 0
    for _, _, key, opad, _, _ in _windows(xp, ones, ksize, strides, padding, 0):
        count = count + opad[key]
    gs = g / count
    dx = None
    for _, _, key, zpad, ph, pw in _windows(xp, xp.zeros(x.shape, g.dtype), ksize, strides, padding, 0):
        if dx is None:
            dx = zpad
        dx[key] += gs
    return dx[:, ph:ph + x.shape[1], pw:pw + x.shape[2], :]


MAX_POOL_GRAD = register(OpDef("MaxPoolGrad", infer=lambda ins, **a: [spec(ins[1])], kernel=_max_pool_grad))
AVG_POOL_GRAD = register(OpDef("AvgPoolGrad", infer=lambda ins, **a: [spec(ins[1])], kernel=_avg_pool_grad))
MAX_POOL = register(OpDef("MaxPool", infer=_pool_infer, kernel=_max_pool_kernel,
                          grad=lambda op, g: [build(MAX_POOL_GRAD, [g, op.inputs[0]], dict(op.attrs))]))
AVG_POOL = register(OpDef("AvgPool", infer=_pool_infer, kernel=_avg_pool_kernel,
                          grad=lambda op, g: [build(AVG_POOL_GRAD, [g, op.inputs[0]], dict(op.attrs))]))


def _pool(opdef: OpDef, value: Any, ksize: Any, strides: Any, padding: str, data_format: str,
          name: str | None) -> Any:
    if data_format != "NHWC":
        raise InvalidArgumentError(f"pooling: only data_format='NHWC' is supported, got {data_format!r}.")
    attrs = {"ksize": _norm4(ksize, "ksize"), "strides": _norm4(strides, "strides"),
             "padding": _check_padding(padding)}
    return apply(opdef, [value], attrs, name)


def max_pool(value: Any, ksize: Any, strides: Any, padding: str, data_format: str = "NHWC",
             name: str | None = None, input: Any = None) -> Any:
    """Returns the max over each `ksize` window (NHWC).

    >>> x = np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1)
    >>> max_pool(x, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")[0, :, :, 0].tolist()
    [[5.0, 7.0], [13.0, 15.0]]
    """
    return _pool(MAX_POOL, value if value is not None else input, ksize, strides, padding, data_format, name)


def avg_pool(value: Any, ksize: Any, strides: Any, padding: str, data_format: str = "NHWC",
             name: str | None = None, input: Any = None) -> Any:
    """Returns the mean over each `ksize` window (NHWC; SAME padding averages real entries only)."""
    return _pool(AVG_POOL, value if value is not None else input, ksize, strides, padding, data_format, name)


# ---- top_k / in_top_k ----------------------------------------------------------------------
def _topk_infer(ins: list, k: int, sorted: bool) -> list:
    s = ins[0].shape
    if s.rank is not None and s.rank >= 1 and s[-1] is not None and s[-1] < k:
        raise InvalidArgumentError(f"input must have at least k={k} columns, got shape {list(s)}.")
    out = TensorShape(list(s[:-1]) + [k]) if s.rank is not None else TensorShape(None)
    return [(out, ins[0].dtype), (out, dtypes.int32)]


def _topk_kernel(xp: Any, x: Any, k: int, sorted: bool) -> tuple:
    if xp is np:
        idx = np.argsort(-x if x.dtype.kind != "u" else -(x.astype(np.int64)), axis=-1, kind="stable")[..., :k]
    else:
        idx = xp.argsort(-x, axis=-1)[..., :k]
    return xp.take_along_axis(x, idx, axis=-1), idx.astype(np.int32)


def _g_topk(op: Any, g: Any, _gi: Any = None) -> list:
    return [build(TOPK_GRAD, [g, op.outputs[1], op.inputs[0]], {})]


def _topk_grad_kernel(xp: Any, g: Any, idx: Any, x: Any) -> Any:
    out = xp.zeros(x.shape, g.dtype)
    xp.put_along_axis(out, idx.astype(np.int64), g, axis=-1) if xp is np else None
    if xp is not np:
        flat = out.reshape(-1, x.shape[-1])
        rows = xp.arange(flat.shape[0])[:, None]
        flat[rows, idx.reshape(-1, idx.shape[-1])] = g.reshape(-1, idx.shape[-1])
    return out


TOPK = register(OpDef("TopKV2", infer=_topk_infer, kernel=_topk_kernel, grad=_g_topk))
TOPK_GRAD = register(OpDef("TopKGrad", infer=lambda ins: [spec(ins[2])], kernel=_topk_grad_kernel))


def top_k(input: Any, k: int = 1, sorted: bool = True, name: str | None = None) -> tuple:
    """Returns `(values, indices)` of the `k` largest entries of the last axis (ties: lower index first).

    >>> v, i = top_k([[1, 3, 2]], k=2); v.tolist(), i.tolist()
    ([[3, 2]], [[1, 2]])
    """
    return apply(TOPK, [input], {"k": int(k), "sorted": bool(sorted)}, name)


def _in_top_k_kernel(xp: Any, pred: Any, targets: Any, k: int) -> Any:
    tgt = xp.take_along_axis(pred, xp.expand_dims(targets.astype(np.int64), -1), axis=-1)
    n_greater = xp.sum(pred > tgt, axis=-1)
    return (n_greater < k) & xp.isfinite(tgt[..., 0])


IN_TOP_K = register(OpDef("InTopKV2", infer=lambda ins, k: [(ins[1].shape, dtypes.bool)],
                          kernel=_in_top_k_kernel, grad=lambda op, g: [None, None]))


def in_top_k(predictions: Any, targets: Any, k: int, name: str | None = None) -> Any:
    """Returns whether each target class is among the top `k` predictions (ties count as in).

    >>> in_top_k([[0.1, 0.9], [0.8, 0.2]], [1, 1], 1).tolist()
    [True, False]
    """
    return apply(IN_TOP_K, [predictions, targets], {"k": int(k)}, name)


# ---- composites ----------------------------------------------------------------------------
def relu(features: Any, name: str | None = None) -> Any:
    """Returns `max(features, 0)`.

    >>> relu([-1.0, 2.0]).tolist()
    [0.0, 2.0]
    """
    from dataflowio.graph.ops.elementwise import RELU

    return apply(RELU, [features], None, name)


def relu6(features: Any, name: str | None = None) -> Any:
    """Returns `min(max(features, 0), 6)` (composite)."""
    from dataflowio.graph.ops.elementwise import minimum

    return minimum(relu(features), 6, name=name)


def bias_add(value: Any, bias: Any, data_format: str | None = None, name: str | None = None) -> Any:
    """Returns `value + bias` with `bias` along the last axis (composite).

    >>> bias_add([[1, 2]], [10, 20]).tolist()
    [[11, 22]]
    """
    from dataflowio.graph.ops.elementwise import add

    return add(value, bias, name=name)


def l2_loss(t: Any, name: str | None = None) -> Any:
    """Returns `sum(t ** 2) / 2` (composite).

    >>> l2_loss([1.0, 2.0]).item()
    2.5
    """
    from dataflowio.graph.ops.elementwise import square
    from dataflowio.graph.ops.reduce import reduce_sum

    return reduce_sum(square(t), name=name) * np.asarray(0.5, np.float32) if not is_graph([t]) else \
        _half(reduce_sum(square(t)), name)


def _half(x: Any, name: str | None) -> Any:
    from dataflowio.graph.ops.elementwise import multiply

    return multiply(x, 0.5, name=name)


def dropout(x: Any, keep_prob: Any = None, noise_shape: Any = None, seed: int | None = None,
            name: str | None = None, rate: Any = None) -> Any:
    """Returns `x / keep_prob` where a uniform draw < `keep_prob`, else 0 (composite; TF1 `keep_prob`
    or TF2 `rate = 1 - keep_prob`).

    >>> dropout(np.ones(4, np.float32), keep_prob=1.0).tolist()
    [1.0, 1.0, 1.0, 1.0]
    """
    from dataflowio.graph.ops.array import shape as shape_op
    from dataflowio.graph.ops.elementwise import cast, divide, floor, multiply
    from dataflowio.graph.ops.random import random_uniform

    if keep_prob is None:
        if rate is None:
            raise ValueError("dropout: pass keep_prob (TF1) or rate (TF2).")
        keep_prob = 1 - rate
    if not is_graph([x, keep_prob]):
        arr = np.asarray(x)
        kp = float(keep_prob)
        if kp >= 1.0:
            return arr
        rng = np.random.default_rng(seed)
        mask = rng.random(np.shape(arr) if noise_shape is None else tuple(noise_shape)) < kp
        return (arr * mask / np.asarray(kp, arr.dtype)).astype(arr.dtype)
    xt = as_tensor(x)
    ns = noise_shape if noise_shape is not None else (
        xt.shape.as_list() if xt.shape.is_fully_defined() else shape_op(xt))
    kp = keep_prob if is_graph([keep_prob]) else np.asarray(keep_prob, xt.dtype.np)
    u = random_uniform(ns, dtype=xt.dtype, seed=seed)
    mask = floor(u + kp)
    return multiply(divide(xt, kp), cast(mask, xt.dtype), name=name)


_ = (math, as_dtype)
