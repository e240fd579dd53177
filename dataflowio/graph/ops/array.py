"""Shape and indexing ops: reshape, transpose, concat, stack, gather, one_hot, slicing, fill, ...

Arguments that define shapes (`shape`, `dims`, `multiples`) may be graph tensors; everything the
static shape rule needs is read from constants when possible.

>>> reshape([1, 2, 3, 4], [2, -1]).tolist(), one_hot([0, 2], 3).tolist()
([[1, 2], [3, 4]], [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

import numpy as np

from dataflowio import dtypes
from dataflowio.dtypes import as_dtype, convert_to_numpy
from dataflowio.errors import InvalidArgumentError
from dataflowio.graph.ops.core import (
    apply,
    as_tensor,
    build,
    constant_value,
    in_eager_mode,
    is_graph,
    spec,
)
from dataflowio.graph.ops.registry import OpDef, register
from dataflowio.graph.ops.shapes import dims_product, normalize_axes
from dataflowio.graph.tensor import GraphValue
from dataflowio.tensor_shape import TensorShape

_pyslice = builtins.slice
_pyrange = builtins.range


def shape_of(x: Any) -> Any:
    """`x`'s shape as a constant list when static, else a Shape tensor."""
    t = as_tensor(x)
    if t.shape.is_fully_defined():
        return t.shape.as_list()
    return build(SHAPE, [t], {"out_type": dtypes.int32})


# ---- reshape -------------------------------------------------------------------------------
def _reshape_infer(ins: list) -> list:
    x, s = ins
    val = constant_value(s)
    if val is None:
        n = s.shape[0] if s.shape.rank == 1 else None
        return [(TensorShape(None if n is None else [None] * n), x.dtype)]
    dims = [int(d) for d in np.atleast_1d(val)] if val.ndim else []
    if sum(d == -1 for d in dims) > 1:
        raise InvalidArgumentError(f"only one input size may be -1, not both; got shape {dims}.")
    total = dims_product(list(x.shape)) if x.shape.rank is not None else None
    known = int(np.prod([d for d in dims if d != -1], dtype=np.int64))
    if -1 in dims:
        fill = None
        if total is not None:
            if known == 0 or total % known:
                raise InvalidArgumentError(f"Input to reshape is a tensor with {total} values, but the "
                                           f"requested shape {dims} cannot hold them.")
            fill = total // known
        dims = [fill if d == -1 else d for d in dims]
    elif total is not None and total != known:
        raise InvalidArgumentError(f"Cannot reshape a tensor with {total} elements to shape {dims} "
                                   f"({known} elements); input shape {list(x.shape)}.")
    return [(TensorShape(dims), x.dtype)]


def _reshape_kernel(xp: Any, x: Any, shape: Any) -> Any:
    return xp.reshape(x, tuple(int(d) for d in np.atleast_1d(shape)) if np.ndim(shape) else ())


RESHAPE = register(OpDef("Reshape", infer=_reshape_infer, kernel=_reshape_kernel, host_inputs=(1,),
                         grad=lambda op, g: [reshape(g, shape_of(op.inputs[0])), None]))


def reshape(tensor: Any, shape: Any, name: str | None = None) -> Any:
    """Returns `tensor` with a new shape (one entry may be -1).

    >>> reshape([[1, 2], [3, 4]], [-1]).tolist()
    [1, 2, 3, 4]
    """
    if is_graph([tensor]) and not isinstance(shape, GraphValue):
        shape = np.asarray(_static_list(shape), dtype=np.int32)
    elif not is_graph([tensor, shape]):
        arr = tensor if type(tensor) is np.ndarray else convert_to_numpy(tensor)
        return _leaf(arr.reshape(_static_list(shape)))
    return apply(RESHAPE, [tensor, shape], None, name)


def _static_list(v: Any) -> list[int]:
    if is_graph([v]):
        val = constant_value(v)
        if val is None:
            raise InvalidArgumentError("expected a static shape")
        v = val
    if isinstance(v, (list, tuple)):
        out = []
        for d in v:
            if isinstance(d, GraphValue):
                c = constant_value(d)
                if c is None:
                    raise InvalidArgumentError("shape entries must be static ints or one shape tensor.")
                d = c
            out.append(-1 if d is None else int(d))
        return out
    return [int(d) for d in np.atleast_1d(np.asarray(v))] if np.ndim(v) else []


def _leaf(a: Any) -> Any:
    return a if not isinstance(a, np.ndarray) or a.ndim else a[()]


# ---- transpose / expand / squeeze ----------------------------------------------------------
def _transpose_infer(ins: list, perm: Any) -> list:
    x = ins[0]
    if x.shape.rank is None:
        return [(TensorShape(None), x.dtype)]
    p = list(_pyrange(x.shape.rank))[::-1] if perm is None else list(perm)
    if sorted(p) != list(_pyrange(x.shape.rank)):
        raise InvalidArgumentError(f"transpose: perm {p} is not a permutation of the {x.shape.rank} "
                                   f"axes of shape {list(x.shape)}.")
    return [(TensorShape([x.shape[i] for i in p]), x.dtype)]


def _g_transpose(op: Any, g: Any) -> list:
    perm = op.attrs["perm"]
    if perm is None:
        return [transpose(g)]
    return [transpose(g, list(np.argsort(perm)))]


TRANSPOSE = register(OpDef("Transpose", infer=_transpose_infer,
                           kernel=lambda xp, x, perm: xp.transpose(x, perm), grad=_g_transpose))


def transpose(a: Any, perm: Any = None, name: str = "transpose", conjugate: bool = False) -> Any:
    """Returns `a` with axes permuted (`perm=None` reverses them).

    >>> transpose([[1, 2, 3]]).tolist()
    [[1], [2], [3]]
    """
    p = None if perm is None else tuple(_static_list(perm))
    return apply(TRANSPOSE, [a], {"perm": p}, name)


def _expand_infer(ins: list, axis: int) -> list:
    s = ins[0].shape
    if s.rank is None:
        return [(TensorShape(None), ins[0].dtype)]
    r = s.rank + 1
    if not -r <= axis < r:
        raise InvalidArgumentError(f"expand_dims: axis {axis} out of range for rank {s.rank}.")
    dims = list(s)
    dims.insert(axis % r, 1)
    return [(TensorShape(dims), ins[0].dtype)]


def _expanded_shape(shape: tuple, axis: int) -> tuple:
    at = axis % (len(shape) + 1)
    return shape[:at] + (1,) + shape[at:]


EXPAND_DIMS = register(OpDef("ExpandDims", infer=_expand_infer,
                             kernel=lambda xp, x, axis: x.reshape(_expanded_shape(x.shape, axis)),
                             grad=lambda op, g: [reshape(g, shape_of(op.inputs[0]))]))


def expand_dims(input: Any, axis: Any = None, name: str | None = None, dim: Any = None) -> Any:
    """Returns `input` with a length-1 axis inserted at `axis`.

    >>> expand_dims([1, 2], 0).tolist()
    [[1, 2]]
    """
    axis = axis if axis is not None else dim
    return apply(EXPAND_DIMS, [input], {"axis": int(np.asarray(_static_list([axis])[0]))}, name)


def _squeeze_infer(ins: list, axis: Any) -> list:
    s = ins[0].shape
    if s.rank is None:
        return [(TensorShape(None), ins[0].dtype)]
    if axis is None:
        if any(d is None for d in s):
            return [(TensorShape(None), ins[0].dtype)]
        return [(TensorShape([d for d in s if d != 1]), ins[0].dtype)]
    axes = normalize_axes(list(axis), s.rank, "squeeze axis")
    for a in axes:
        if s[a] not in (1, None):
            raise InvalidArgumentError(f"Can not squeeze dim[{a}], expected a dimension of 1, got {s[a]}.")
    return [(TensorShape([d for i, d in enumerate(s) if i not in axes]), ins[0].dtype)]


SQUEEZE = register(OpDef("Squeeze", infer=_squeeze_infer,
                         kernel=lambda xp, x, axis: xp.squeeze(x, axis=axis),
                         grad=lambda op, g: [reshape(g, shape_of(op.inputs[0]))]))


def squeeze(input: Any, axis: Any = None, name: str | None = None, squeeze_dims: Any = None) -> Any:
    """Returns `input` without its length-1 axes (or only those in `axis`).

    >>> squeeze([[1], [2]]).tolist()
    [1, 2]
    """
    axis = axis if axis is not None else squeeze_dims
    ax = None if axis is None else tuple(int(a) for a in np.atleast_1d(axis))
    return apply(SQUEEZE, [input], {"axis": ax}, name)


# ---- concat / stack / unstack --------------------------------------------------------------
def _concat_infer(ins: list, axis: int) -> list:
    ranks = {t.shape.rank for t in ins if t.shape.rank is not None}
    for t in ins[1:]:
        if t.dtype != ins[0].dtype:
            raise InvalidArgumentError(f"concat: all inputs must have dtype {ins[0].dtype.name}, got {t.dtype.name}.")
    if not ranks:
        return [(TensorShape(None), ins[0].dtype)]
    if len(ranks) > 1:
        raise InvalidArgumentError(f"concat: inputs must have the same rank, got shapes "
                                   f"{[list(t.shape) for t in ins]}.")
    r = ranks.pop()
    a = normalize_axes(axis, r, "concat axis")[0]
    out: list[int | None] = []
    for i in _pyrange(r):
        ds = [t.shape[i] for t in ins if t.shape.rank is not None]
        if i == a:
            out.append(None if None in ds else sum(ds))
        else:
            known = {d for d in ds if d is not None}
            if len(known) > 1:
                raise InvalidArgumentError(f"ConcatOp: dimension {i} of the inputs should match: shapes "
                                           f"{[list(t.shape) for t in ins]}.")
            out.append(known.pop() if known else None)
    return [(TensorShape(out), ins[0].dtype)]


def _concat_kernel(xp: Any, *xs: Any, axis: int) -> Any:
    return xp.concatenate(xs, axis=axis)


def _g_concat(op: Any, g: Any) -> list:
    return list(build(SPLIT_LIKE, [g, *op.inputs], {"axis": op.attrs["axis"]})) \
        if len(op.inputs) > 1 else [g]


def _split_like_kernel(xp: Any, g: Any, *xs: Any, axis: int) -> tuple:
    sizes = np.cumsum([np.shape(x)[axis] for x in xs])[:-1]
    return tuple(xp.split(g, sizes, axis=axis))


CONCAT = register(OpDef("ConcatV2", infer=_concat_infer, kernel=_concat_kernel, grad=_g_concat))
SPLIT_LIKE = register(OpDef("SplitLike", infer=lambda ins, axis: [spec(t) for t in ins[1:]],
                            kernel=_split_like_kernel))


def concat(values: Sequence[Any], axis: Any, name: str = "concat") -> Any:
    """Returns `values` joined along an existing `axis`.

    >>> concat([[1, 2], [3]], 0).tolist()
    [1, 2, 3]
    """
    values = list(values)
    ax = int(np.asarray(_static_list([axis])[0]))
    if len(values) == 1:
        return values[0] if is_graph(values) else convert_to_numpy(values[0])
    return apply(CONCAT, _same_dtype_args(values), {"axis": ax}, name)


def _same_dtype_args(values: list[Any]) -> list[Any]:
    ref = next((as_tensor(v).dtype for v in values if isinstance(v, GraphValue)), None)
    if ref is None:
        ref = next((as_dtype(v.dtype) for v in values if isinstance(v, np.ndarray)), None)
    if ref is None:
        return [convert_to_numpy(v) for v in values]
    from dataflowio.graph.ops.core import convert_value

    return [v if isinstance(v, GraphValue) else convert_value(v, ref, "concat/stack") for v in values]


def _pack_infer(ins: list, axis: int) -> list:
    shape = ins[0].shape
    for t in ins[1:]:
        if t.dtype != ins[0].dtype:
            raise InvalidArgumentError(f"stack: all inputs must have dtype {ins[0].dtype.name}, got {t.dtype.name}.")
        if not shape.is_compatible_with(t.shape):
            raise InvalidArgumentError(f"Shapes of all inputs must match: values[0].shape = {list(shape)} "
                                       f"!= values[{ins.index(t)}].shape = {list(t.shape)}.")
        shape = shape.merge_with(t.shape)
    if shape.rank is None:
        return [(TensorShape(None), ins[0].dtype)]
    dims = list(shape)
    a = normalize_axes(axis, shape.rank + 1, "stack axis")[0]
    dims.insert(a, len(ins))
    return [(TensorShape(dims), ins[0].dtype)]


PACK = register(OpDef("Pack", infer=_pack_infer, kernel=lambda xp, *xs, axis: xp.stack(xs, axis=axis),
                      grad=lambda op, g: list(unstack(g, num=len(op.inputs), axis=op.attrs["axis"]))))


def stack(values: Sequence[Any], axis: int = 0, name: str = "stack") -> Any:
    """Returns `values` stacked along a new `axis`.

    >>> stack([[1, 2], [3, 4]], axis=1).tolist()
    [[1, 3], [2, 4]]
    """
    return apply(PACK, _same_dtype_args(list(values)), {"axis": int(axis)}, name)


def _unpack_infer(ins: list, num: int, axis: int) -> list:
    s = ins[0].shape
    if s.rank is None:
        return [(TensorShape(None), ins[0].dtype)] * num
    a = normalize_axes(axis, s.rank, "unstack axis")[0]
    if s[a] is not None and s[a] != num:
        raise InvalidArgumentError(f"unstack: dimension {a} has size {s[a]}, expected num={num}.")
    dims = [d for i, d in enumerate(s) if i != a]
    return [(TensorShape(dims), ins[0].dtype)] * num


UNPACK = register(OpDef("Unpack", infer=_unpack_infer,
                        kernel=lambda xp, x, num, axis: tuple(xp.moveaxis(x, axis, 0)),
                        grad=lambda op, *gs: [stack([g if g is not None else zeros_like_t(t)
                                                     for g, t in zip(gs, op.outputs)],
                                                    axis=op.attrs["axis"])]))


def zeros_like_t(t: Any) -> Any:
    from dataflowio.graph.ops.elementwise import zeros_like

    return zeros_like(t)


def unstack(value: Any, num: int | None = None, axis: int = 0, name: str = "unstack") -> Any:
    """Returns the slices of `value` along `axis` as a list.

    >>> [v.tolist() for v in unstack([[1, 2], [3, 4]])]
    [[1, 2], [3, 4]]
    """
    if num is None:
        shape = as_tensor(value).shape if is_graph([value]) else np.shape(convert_to_numpy(value))
        num = shape[axis]
        if num is None:
            raise InvalidArgumentError(f"unstack: cannot infer num from shape {shape}; pass num=.")
    out = apply(UNPACK, [value], {"num": int(num), "axis": int(axis)}, name)
    return list(out) if isinstance(out, tuple) else [out]


# ---- shape / size / rank / fill / like ----------------------------------------------------
def _shape_kernel(xp: Any, x: Any, out_type: Any) -> Any:  # np.shape works on CuPy arrays too
    return np.asarray(np.shape(x), dtype=out_type.np)


SHAPE = register(OpDef("Shape", infer=lambda ins, out_type: [(TensorShape([ins[0].shape.rank]), out_type)],
                       kernel=_shape_kernel, grad=lambda op, g: [None]))
SIZE = register(OpDef("Size", infer=lambda ins, out_type: [(TensorShape([]), out_type)],
                      kernel=lambda xp, x, out_type: np.asarray(np.size(x), out_type.np),
                      grad=lambda op, g: [None]))
RANK = register(OpDef("Rank", infer=lambda ins: [(TensorShape([]), dtypes.int32)],
                      kernel=lambda xp, x: np.asarray(np.ndim(x), np.int32), grad=lambda op, g: [None]))


def shape(input: Any, name: str | None = None, out_type: Any = dtypes.int32) -> Any:
    """Returns the (dynamic) shape of `input` as an int32 vector.

    >>> shape([[1, 2, 3]]).tolist()
    [1, 3]
    """
    return apply(SHAPE, [input], {"out_type": as_dtype(out_type)}, name)


def size(input: Any, name: str | None = None, out_type: Any = dtypes.int32) -> Any:
    """Returns the number of elements of `input`.

    >>> size([[1, 2, 3]]).item()
    3
    """
    return apply(SIZE, [input], {"out_type": as_dtype(out_type)}, name)


def rank(input: Any, name: str | None = None) -> Any:
    """Returns the number of dimensions of `input`.

    >>> rank([[1, 2, 3]]).item()
    2
    """
    return apply(RANK, [input], None, name)


def _fill_infer(ins: list) -> list:
    val = constant_value(ins[0])
    if val is None:
        n = ins[0].shape[0] if ins[0].shape.rank == 1 else None
        return [(TensorShape(None if n is None else [None] * n), ins[1].dtype)]
    return [(TensorShape([int(d) for d in np.atleast_1d(val)] if np.ndim(val) else []), ins[1].dtype)]


FILL = register(OpDef("Fill", infer=_fill_infer,
                      kernel=lambda xp, dims, value: xp.full(tuple(int(d) for d in np.atleast_1d(dims))
                                                             if np.ndim(dims) else (), value,
                                                             dtype=value.dtype),
                      grad=lambda op, g: [None, _sum_all(g)], host_inputs=(0,)))


def _sum_all(g: Any) -> Any:
    from dataflowio.graph.ops.reduce import reduce_sum

    return reduce_sum(g)


def fill(dims: Any, value: Any, name: str | None = None) -> Any:
    """Returns a tensor of shape `dims` filled with `value`.

    >>> fill([2, 2], 7).tolist()
    [[7, 7], [7, 7]]
    """
    if not is_graph([dims]):
        dims = np.asarray(_static_list(dims), np.int32)
    return apply(FILL, [dims, value], None, name)


def _like_kernel(v: int) -> Any:
    def kernel(xp: Any, x: Any, dtype: Any) -> Any:
        dt = dtype.np if dtype is not None else x.dtype
        if dt == object:
            return np.full(np.shape(x), b"", dtype=object)
        out = xp.empty(np.shape(x), dtype=dt)
        out.fill(v)
        return out

    return kernel


ZEROS_LIKE = register(OpDef("ZerosLike", infer=lambda ins, dtype: [(ins[0].shape, dtype or ins[0].dtype)],
                            kernel=_like_kernel(0), grad=lambda op, g: [None],
                            shape_inputs=(0,), fresh=True))
ONES_LIKE = register(OpDef("OnesLike", infer=lambda ins, dtype: [(ins[0].shape, dtype or ins[0].dtype)],
                           kernel=_like_kernel(1), grad=lambda op, g: [None],
                           shape_inputs=(0,), fresh=True))


def zeros(shape: Any, dtype: Any = dtypes.float32, name: str | None = None) -> Any:
    """Returns zeros of `shape` as a graph constant (a Fill node when `shape` is a tensor).

    Note: like TF1, `zeros` / `ones` build graph constants even for static shapes (inside
    `core.eager_mode()`, e.g. in a dataset function, they return NumPy arrays).

    >>> zeros([2, 3]).shape.as_list()
    [2, 3]
    """
    return _filled(shape, dtype, 0, name or "zeros")


def ones(shape: Any, dtype: Any = dtypes.float32, name: str | None = None) -> Any:
    """Returns ones of `shape` as a graph constant (a Fill node when `shape` is a tensor)."""
    return _filled(shape, dtype, 1, name or "ones")


def _filled(shape: Any, dtype: Any, v: int, name: str) -> Any:
    from dataflowio.graph.ops.core import constant

    dt = as_dtype(dtype)
    if is_graph([shape]) or (isinstance(shape, (list, tuple)) and is_graph(list(shape))):
        if isinstance(shape, (list, tuple)):
            shape = stack([s if isinstance(s, GraphValue) else np.int32(s) for s in shape])
        return fill(shape, np.array(v if dt is not dtypes.string else b"", dtype=dt.np), name=name)
    dims = _static_list(shape)
    if in_eager_mode():
        return np.full(dims, v if dt is not dtypes.string else b"", dtype=dt.np)
    return constant(np.full(dims, v if dt is not dtypes.string else b"", dtype=dt.np), name=name)


# ---- tile / gather / one_hot / range / where ----------------------------------------------
def _tile_infer(ins: list) -> list:
    x, m = ins
    val = constant_value(m)
    if x.shape.rank is None or val is None:
        return [(TensorShape(None if x.shape.rank is None else [None] * x.shape.rank), x.dtype)]
    val = [int(v) for v in np.atleast_1d(val)]
    if len(val) != x.shape.rank:
        raise InvalidArgumentError(f"tile: multiples has {len(val)} entries, expected {x.shape.rank} "
                                   f"(the rank of {list(x.shape)}).")
    return [(TensorShape([None if d is None else d * k for d, k in zip(x.shape, val)]), x.dtype)]


def _g_tile(op: Any, g: Any) -> list:
    return [build(TILE_GRAD, [g, op.inputs[0]], {}), None]


def _tile_grad_kernel(xp: Any, g: Any, x: Any) -> Any:
    xs = np.shape(x)
    reps = [gd // xd if xd else 0 for gd, xd in zip(np.shape(g), xs)]
    inter = []
    for r, d in zip(reps, xs):
        inter += [r, d]
    return xp.sum(xp.reshape(g, inter), axis=tuple(_pyrange(0, 2 * len(xs), 2)), dtype=g.dtype)


TILE = register(OpDef("Tile", infer=_tile_infer,
                      kernel=lambda xp, x, m: xp.tile(x, tuple(int(v) for v in np.atleast_1d(m))),
                      grad=_g_tile, host_inputs=(1,)))
TILE_GRAD = register(OpDef("TileGrad", infer=lambda ins: [spec(ins[1])], kernel=_tile_grad_kernel))


def tile(input: Any, multiples: Any, name: str | None = None) -> Any:
    """Returns `input` repeated `multiples[i]` times along axis i.

    >>> tile([[1, 2]], [2, 1]).tolist()
    [[1, 2], [1, 2]]
    """
    if not is_graph([multiples]):
        multiples = np.asarray(_static_list(multiples), np.int32)
    return apply(TILE, [input, multiples], None, name)


def _gather_infer(ins: list, axis: int) -> list:
    p, i = ins
    if not i.dtype.is_integer:
        raise InvalidArgumentError(f"gather: indices must be integers, got {i.dtype.name}.")
    if p.shape.rank is None or i.shape.rank is None:
        return [(TensorShape(None), p.dtype)]
    a = normalize_axes(axis, p.shape.rank, "gather axis")[0]
    return [(TensorShape(list(p.shape[:a]) + list(i.shape) + list(p.shape[a + 1:])), p.dtype)]


def _gather_kernel(xp: Any, p: Any, i: Any, axis: int) -> Any:
    n = np.shape(p)[axis]
    if xp is np and np.size(i) and (np.min(i) < 0 or np.max(i) >= n):
        bad = i[(i < 0) | (i >= n)].flat[0]
        raise InvalidArgumentError(f"GatherV2: indices contain {bad}, which is not in [0, {n}).")
    return xp.take(p, i, axis=axis)


def _gather_grad_kernel(xp: Any, g: Any, p: Any, i: Any, axis: int) -> Any:
    out = xp.zeros(np.shape(p), dtype=g.dtype)
    moved = xp.moveaxis(out, axis, 0)
    gm = xp.moveaxis(g, tuple(_pyrange(axis, axis + np.ndim(i))), tuple(_pyrange(np.ndim(i))))
    gm = gm.reshape((-1,) + moved.shape[1:])
    if xp is np:
        np.add.at(moved, np.reshape(i, -1), gm)
    else:
        xp.add.at(moved, xp.reshape(i, -1), gm)
    return out


GATHER = register(OpDef("GatherV2", infer=_gather_infer, kernel=_gather_kernel,
                        grad=lambda op, g: [build(GATHER_GRAD, [g, *op.inputs], dict(op.attrs)), None]))
GATHER_GRAD = register(OpDef("GatherGrad", infer=lambda ins, axis: [spec(ins[1])],
                             kernel=_gather_grad_kernel))


def gather(params: Any, indices: Any, validate_indices: Any = None, name: str | None = None,
           axis: int = 0, batch_dims: int = 0) -> Any:
    """Returns slices of `params` along `axis` at `indices`.

    >>> gather([10, 20, 30], [2, 0]).tolist()
    [30, 10]
    """
    return apply(GATHER, [params, indices], {"axis": int(axis)}, name)


def _one_hot_infer(ins: list, depth: int, axis: int, dtype: Any) -> list:
    s = ins[0].shape
    if s.rank is None:
        return [(TensorShape(None), dtype)]
    dims = list(s)
    dims.insert(axis if axis >= 0 else len(dims) + 1 + axis, depth)
    return [(TensorShape(dims), dtype)]


def _one_hot_kernel(xp: Any, i: Any, on: Any, off: Any, depth: int, axis: int, dtype: Any) -> Any:
    hot = xp.expand_dims(i, -1) == xp.arange(depth)
    out = xp.where(hot, on, off).astype(dtype.np, copy=False)
    return xp.moveaxis(out, -1, axis) if axis != -1 else out


ONE_HOT = register(OpDef("OneHot", infer=lambda ins, depth, axis, dtype: _one_hot_infer(ins, depth, axis, dtype),
                         kernel=_one_hot_kernel, grad=lambda op, g: [None, None, None]))


def one_hot(indices: Any, depth: int, on_value: Any = None, off_value: Any = None, axis: int | None = None,
            dtype: Any = None, name: str | None = None) -> Any:
    """Returns a one-hot encoding of `indices` (out-of-range indices give all-`off_value` rows).

    >>> one_hot([1, 5], 3, dtype="int32").tolist()
    [[0, 1, 0], [0, 0, 0]]
    """
    dt = as_dtype(dtype) if dtype is not None else (
        as_dtype(np.asarray(on_value).dtype) if on_value is not None and not is_graph([on_value])
        else dtypes.float32)
    if on_value is not None and not is_graph([on_value]) and dtype is None:
        dt = as_dtype(convert_to_numpy(on_value).dtype)
    on = np.asarray(1 if on_value is None else on_value, dt.np)
    off = np.asarray(0 if off_value is None else off_value, dt.np)
    return apply(ONE_HOT, [indices, on, off], {"depth": int(depth), "axis": -1 if axis is None else int(axis),
                                               "dtype": dt}, name)


def _range_infer(ins: list, dtype: Any) -> list:
    vals = [constant_value(t) for t in ins]
    if all(v is not None for v in vals):
        n = len(np.arange(*[v.item() for v in vals]))
        return [(TensorShape([n]), dtype)]
    return [(TensorShape([None]), dtype)]


RANGE = register(OpDef("Range", infer=_range_infer,
                       kernel=lambda xp, a, b, d, dtype: xp.arange(a.item() if hasattr(a, "item") else a,
                                                                  b.item() if hasattr(b, "item") else b,
                                                                  d.item() if hasattr(d, "item") else d,
                                                                  dtype=dtype.np),
                       grad=lambda op, g: [None, None, None], host_inputs=(0, 1, 2)))


def range(start: Any, limit: Any = None, delta: Any = 1, dtype: Any = None, name: str = "range") -> Any:
    """Returns `[start, start + delta, ...]` up to but excluding `limit`.

    >>> range(5).tolist(), range(1, 7, 2).tolist()
    ([0, 1, 2, 3, 4], [1, 3, 5])
    """
    if limit is None:
        start, limit = 0, start
    if dtype is None:
        kinds = [as_tensor(v).dtype if isinstance(v, GraphValue) else as_dtype(convert_to_numpy(v).dtype)
                 for v in (start, limit, delta)]
        dt = next((k for k in kinds if k.is_floating), kinds[0])
        dt = dt if dt.is_floating or isinstance(limit, GraphValue) else kinds[1]
    else:
        dt = as_dtype(dtype)
    from dataflowio.graph.ops.elementwise import cast

    args = [cast(v, dt) if isinstance(v, GraphValue) else np.asarray(v, dt.np) for v in (start, limit, delta)]
    return apply(RANGE, args, {"dtype": dt}, name)


WHERE_INDICES = register(OpDef(
    "Where", infer=lambda ins: [(TensorShape([None, ins[0].shape.rank]), dtypes.int64)],
    kernel=lambda xp, c: xp.stack(xp.nonzero(c), axis=-1).astype(np.int64).reshape(-1, np.ndim(c)),
    grad=lambda op, g: [None]))


# ---- slicing -------------------------------------------------------------------------------
def _slice_infer(ins: list, key: tuple) -> list:
    s = ins[0].shape
    if s.rank is None:
        return [(TensorShape(None), ins[0].dtype)]
    dims: list[int | None] = []
    i = 0
    n_real = sum(1 for k in key if k is not None and k is not Ellipsis)
    if n_real > s.rank:
        raise InvalidArgumentError(f"Index out of range using input dim {s.rank}; too many indices "
                                   f"{_fmt_key(key)} for shape {list(s)}.")
    for k in key:
        if k is None:
            dims.append(1)
        elif k is Ellipsis:
            take = s.rank - n_real
            dims.extend(s[i:i + take])
            i += take
        elif isinstance(k, _pyslice):
            d = s[i]
            dims.append(None if d is None else len(np.empty(d, np.int8)[k]))
            i += 1
        else:
            d = s[i]
            if d is not None and not -d <= k < d:
                raise InvalidArgumentError(f"slice index {k} of dimension {i} out of bounds for shape {list(s)}.")
            i += 1
    dims.extend(s[i:])
    return [(TensorShape(dims), ins[0].dtype)]


def _fmt_key(key: tuple) -> str:
    return repr(key)


def _slice_grad_kernel(xp: Any, g: Any, x: Any, key: tuple) -> Any:
    out = xp.zeros(np.shape(x), dtype=g.dtype)
    out[key] = g
    return out


STRIDED_SLICE = register(OpDef("StridedSlice", infer=_slice_infer,
                               kernel=lambda xp, x, key: x[key],
                               grad=lambda op, g: [build(SLICE_GRAD, [g, op.inputs[0]],
                                                         {"key": op.attrs["key"]})]))
SLICE_GRAD = register(OpDef("StridedSliceGrad", infer=lambda ins, key: [spec(ins[1])],
                            kernel=_slice_grad_kernel))


def _static_index(k: Any) -> Any:
    if isinstance(k, _pyslice):
        return _pyslice(*(None if v is None else int(_static_index(v)) for v in (k.start, k.stop, k.step)))
    if k is None or k is Ellipsis:
        return k
    if isinstance(k, GraphValue):
        c = constant_value(k)
        if c is None:
            raise TypeError("Tensor indices must be static in this implementation: use tf.gather "
                            "for a dynamic index.")
        k = c
    if isinstance(k, (bool, np.bool_)):
        raise TypeError(f"Only integers, slices (`:`), ellipsis (`...`), tf.newaxis (`None`) and scalar "
                        f"int32/int64 tensors are valid indices, got {k!r}.")
    return int(k)


def getitem(x: Any, key: Any) -> Any:
    """Returns `x[key]` for ints, slices, `...` and `None` (the StridedSlice op).

    >>> getitem([[1, 2, 3], [4, 5, 6]], (_pyslice(None), _pyslice(1, None))).tolist()
    [[2, 3], [5, 6]]
    """
    key = key if isinstance(key, tuple) else (key,)
    key = tuple(_static_index(k) for k in key)
    return apply(STRIDED_SLICE, [x], {"key": key}, "strided_slice")


def slice(input_: Any, begin: Any, size: Any, name: str | None = None) -> Any:
    """Returns the slice of `input_` starting at `begin` with `size` (-1 = to the end).

    >>> slice([[1, 2, 3], [4, 5, 6]], [0, 1], [2, -1]).tolist()
    [[2, 3], [5, 6]]
    """
    import builtins

    b, s = _static_list(begin), _static_list(size)
    key = tuple(builtins.slice(bi, None if si == -1 else bi + si) for bi, si in zip(b, s))
    return apply(STRIDED_SLICE, [input_], {"key": key}, name or "Slice")


def _pad_kernel(xp: Any, x: Any, paddings: tuple, mode: str, constant_values: Any) -> Any:
    if mode.upper() == "CONSTANT":
        return xp.pad(x, paddings, mode="constant", constant_values=constant_values)
    return xp.pad(x, paddings, mode={"REFLECT": "reflect", "SYMMETRIC": "symmetric"}[mode.upper()])


def _pad_infer(ins: list, paddings: tuple, mode: str, constant_values: Any) -> list:
    s = ins[0].shape
    if s.rank is not None and len(paddings) != s.rank:
        raise InvalidArgumentError(f"pad: paddings has {len(paddings)} rows, expected {s.rank}.")
    if s.rank is None:
        return [(s, ins[0].dtype)]
    return [(TensorShape([None if d is None else d + a + b for d, (a, b) in zip(s, paddings)]), ins[0].dtype)]


def _g_pad(op: Any, g: Any) -> list:
    import builtins

    key = tuple(builtins.slice(a, -b if b else None) for a, b in op.attrs["paddings"])
    if op.attrs["mode"].upper() != "CONSTANT":
        return [None]
    return [apply(STRIDED_SLICE, [g], {"key": key})]


PAD = register(OpDef("PadV2", infer=_pad_infer, kernel=_pad_kernel, grad=_g_pad))


def pad(tensor: Any, paddings: Any, mode: str = "CONSTANT", name: str | None = None,
        constant_values: Any = 0) -> Any:
    """Returns `tensor` padded by `paddings[i] = [before, after]` along axis i.

    >>> pad([[1]], [[1, 0], [0, 1]]).tolist()
    [[0, 0], [1, 0]]
    """
    p = tuple(tuple(int(v) for v in row) for row in np.asarray(
        constant_value(paddings) if is_graph([paddings]) else paddings))
    return apply(PAD, [tensor], {"paddings": p, "mode": mode, "constant_values": constant_values}, name)


def split(value: Any, num_or_size_splits: Any, axis: int = 0, num: int | None = None,
          name: str = "split") -> list[Any]:
    """Returns `value` split along `axis` into equal parts or parts of the given sizes (composite).

    >>> [v.tolist() for v in split([1, 2, 3, 4], 2)]
    [[1, 2], [3, 4]]
    """
    import builtins

    n = as_tensor(value).shape[axis] if is_graph([value]) else np.shape(convert_to_numpy(value))[axis]
    if isinstance(num_or_size_splits, (int, np.integer)):
        k = int(num_or_size_splits)
        if n is None or n % k:
            raise InvalidArgumentError(f"split: dimension {axis} of size {n} is not divisible by {k}.")
        sizes = [n // k] * k
    else:
        sizes = _static_list(num_or_size_splits)
    out, start = [], 0
    for s in sizes:
        key = (builtins.slice(None),) * (axis % max(len(as_tensor(value).shape) if is_graph([value]) else
                                                np.ndim(convert_to_numpy(value)), 1)) + (builtins.slice(start, start + s),)
        out.append(getitem(value, key))
        start += s
    return out
