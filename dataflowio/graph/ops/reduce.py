"""Reductions (`reduce_sum`, `reduce_mean`, ...), `argmax` / `argmin`, and their gradients.

`axis=None` reduces everything; TF1's `reduction_indices` and `keep_dims` spellings are accepted.

>>> reduce_sum([[1, 2], [3, 4]], axis=1).tolist(), reduce_mean([1.0, 2.0]).item()
([3, 7], 1.5)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dataflowio import dtypes
from dataflowio.dtypes import as_dtype
from dataflowio.errors import InvalidArgumentError
from dataflowio.graph.ops.core import apply, build, spec
from dataflowio.graph.ops.registry import OpDef, register
from dataflowio.graph.ops.shapes import normalize_axes, reduced_shape


def _axes(x: Any, axis: Any) -> tuple[int, ...] | None:
    return None if axis is None else tuple(int(a) for a in np.atleast_1d(axis))


def _np_axes(x: Any, axis: Any) -> Any:
    if axis is None:
        return None
    nd = np.ndim(x)
    for a in axis:
        if not -nd <= a < max(nd, 1):
            raise InvalidArgumentError(f"Invalid reduction dimension {a} for input with {nd} dimensions.")
    return tuple(a % nd if nd else 0 for a in axis)


def _reduce_infer(ins: list, axis: Any, keepdims: bool) -> list:
    return [(reduced_shape(ins[0].shape, axis, keepdims), ins[0].dtype)]


def _bool_infer(ins: list, axis: Any, keepdims: bool) -> list:
    return [(reduced_shape(ins[0].shape, axis, keepdims), dtypes.bool)]


def _mean_kernel(xp: Any, x: Any, axis: Any, keepdims: bool) -> Any:
    if axis is None and not keepdims and x.dtype.kind == "f" and x.size:  # a loss: the hot case
        return x.sum() / x.dtype.type(x.size)
    ax = _np_axes(x, axis)
    if x.dtype.kind in "iub":
        total = xp.sum(x, axis=ax, keepdims=keepdims, dtype=np.int64)
        count = x.size // max(int(np.size(total)), 1) if x.size else 1
        return xp.trunc(total / count).astype(x.dtype)
    total = xp.sum(x, axis=ax, keepdims=keepdims, dtype=x.dtype)
    count = x.size // max(int(np.size(total)), 1) if x.size else 0
    # NumPy scalars, not 0-d arrays: CuPy refuses 0-d NumPy arrays as operands
    return (total / x.dtype.type(count)) if count else total * x.dtype.type(np.nan)


def _expand_kernel(xp: Any, g: Any, x: Any, axis: Any, keepdims: bool, mean: bool) -> Any:
    if axis is None:  # a full reduction's gradient: one value everywhere
        out = xp.empty(np.shape(x), dtype=g.dtype)
        count = max(np.size(x), 1)
        out[...] = g / g.dtype.type(count) if mean else g
        return out
    ax = _np_axes(x, axis)
    if not keepdims:
        g = xp.expand_dims(g, ax if ax is not None else tuple(range(np.ndim(x))))
    out = xp.broadcast_to(g, np.shape(x))
    if mean:
        count = max(np.size(x) // max(np.size(g), 1), 1)
        out = out / out.dtype.type(count)  # a NumPy scalar: CuPy refuses 0-d NumPy arrays
    return out


EXPAND_REDUCED = register(OpDef(
    "BroadcastReduced", infer=lambda ins, axis, keepdims, mean: [(ins[1].shape, ins[0].dtype)],
    kernel=_expand_kernel, shape_inputs=(1,),
    grad=lambda op, g: [_reduce(SUM if not op.attrs["mean"] else MEAN, g, op.attrs["axis"],
                                op.attrs["keepdims"]), None]))


def expand_reduced(g: Any, x: Any, axis: Any, keepdims: bool, mean: bool = False) -> Any:
    """Spreads a reduction's gradient `g` back over `x`'s shape (divided by the count if `mean`)."""
    return build(EXPAND_REDUCED, [g, x], {"axis": axis, "keepdims": keepdims, "mean": mean})


def _scale_rows_kernel(xp: Any, y: Any, g: Any, x: Any, mean: bool) -> Any:
    count = max(x.size, 1) if mean else 1
    if xp is np and g.ndim == 0 and y.dtype == g.dtype:
        return y * (float(g) / count)  # a Python scale: cheaper than 0-d array arithmetic
    return y * (g / count)


def _g_scale_rows(op: Any, dz: Any) -> list:
    from dataflowio.graph.ops.array import size
    from dataflowio.graph.ops.elementwise import cast

    y, g, x = op.inputs
    mean = op.attrs["mean"]
    dg = _reduce(SUM, dz * y, None, False)
    if mean:
        dg = dg / cast(size(x), dg.dtype)
    return [build(SCALE_ROWS, [dz, g, x], {"mean": mean}), dg, None]


SCALE_ROWS = register(OpDef(
    "ScaleByReducedGradient", infer=lambda ins, mean: [(ins[0].shape, ins[0].dtype)],
    kernel=_scale_rows_kernel, grad=_g_scale_rows, shape_inputs=(2,), fresh=True))


def times_row_gradient(g: Any, y: Any) -> Any:
    """`expand_dims(g, -1) * y`: a per-row gradient `g` (`[N]`) times per-row values `y`
    (`[N, C]`), as the cross entropies' gradients need it. When `g` is the gradient of a full
    reduction (a loss's `reduce_mean` / `reduce_sum`: one value everywhere) it is one scaling
    kernel instead of spreading the value, reshaping it and multiplying."""
    op = getattr(g, "op", None)
    if op is not None and op.type == "BroadcastReduced" and op.attrs["axis"] is None \
            and not op.attrs["keepdims"] and op.inputs[0].shape.rank == 0:
        return build(SCALE_ROWS, [y, op.inputs[0], op.inputs[1]], {"mean": op.attrs["mean"]})
    from dataflowio.graph.ops.array import expand_dims

    return expand_dims(g, -1) * y


def _g_minmax(op: Any, g: Any) -> list:
    x, y = op.inputs[0], op.outputs[0]
    axis, keep = op.attrs["axis"], op.attrs["keepdims"]
    from dataflowio.graph.ops.elementwise import cast, equal

    eq = cast(equal(x, expand_reduced(y, x, axis, keep)), g.dtype)
    num = expand_reduced(_reduce(SUM, eq, axis, keep), x, axis, keep)
    return [expand_reduced(g, x, axis, keep) * eq / num]


def _g_prod(op: Any, g: Any) -> list:
    x, y = op.inputs[0], op.outputs[0]
    axis, keep = op.attrs["axis"], op.attrs["keepdims"]
    return [expand_reduced(g * y, x, axis, keep) / x]


def _k(fn_name: str) -> Any:
    def kernel(xp: Any, x: Any, axis: Any, keepdims: bool) -> Any:
        ax = _np_axes(x, axis)
        fn = getattr(xp, fn_name)
        if fn_name in ("sum", "prod"):
            return fn(x, axis=ax, keepdims=keepdims, dtype=x.dtype)
        if x.size == 0 and fn_name in ("max", "min"):
            info = np.finfo(x.dtype) if x.dtype.kind == "f" else np.iinfo(x.dtype)
            fill = info.min if fn_name == "max" else info.max
            shape = np.sum(np.zeros(x.shape, np.int8), axis=ax, keepdims=keepdims).shape
            return xp.full(shape, -np.inf if x.dtype.kind == "f" and fn_name == "max" else
                           np.inf if x.dtype.kind == "f" else fill, dtype=x.dtype)
        return fn(x, axis=ax, keepdims=keepdims)

    return kernel


SUM = register(OpDef("Sum", infer=_reduce_infer, kernel=_k("sum"),
                     grad=lambda op, g: [expand_reduced(g, op.inputs[0], op.attrs["axis"],
                                                        op.attrs["keepdims"])]))
MEAN = register(OpDef("Mean", infer=_reduce_infer, kernel=_mean_kernel,
                      grad=lambda op, g: [expand_reduced(g, op.inputs[0], op.attrs["axis"],
                                                         op.attrs["keepdims"], mean=True)]))
MAX = register(OpDef("Max", infer=_reduce_infer, kernel=_k("max"), grad=_g_minmax))
MIN = register(OpDef("Min", infer=_reduce_infer, kernel=_k("min"), grad=_g_minmax))
PROD = register(OpDef("Prod", infer=_reduce_infer, kernel=_k("prod"), grad=_g_prod))
ANY = register(OpDef("Any", infer=_bool_infer, kernel=_k("any"), grad=lambda op, g: [None]))
ALL = register(OpDef("All", infer=_bool_infer, kernel=_k("all"), grad=lambda op, g: [None]))


def _reduce(opdef: OpDef, x: Any, axis: Any, keepdims: bool, name: str | None = None) -> Any:
    return apply(opdef, [x], {"axis": axis, "keepdims": bool(keepdims)}, name)


def _reducer(opdef: OpDef, pyname: str) -> Any:
    def fn(input_tensor: Any, axis: Any = None, keepdims: Any = None, name: str | None = None,
           reduction_indices: Any = None, keep_dims: Any = None) -> Any:
        if axis is None:
            axis = reduction_indices
        keep = bool(keepdims if keepdims is not None else keep_dims or False)
        return _reduce(opdef, input_tensor, _axes(input_tensor, _static_axis(axis)), keep, name)

    fn.__name__ = fn.__qualname__ = pyname
    fn.__doc__ = (f"Returns `{pyname}` of `input_tensor` over `axis` (None = all axes); "
                  "`keepdims` keeps reduced axes with length 1.")
    return fn


def _static_axis(axis: Any) -> Any:
    from dataflowio.graph.ops.core import constant_value

    if axis is None or isinstance(axis, (int, np.integer, list, tuple, np.ndarray)):
        return axis
    val = constant_value(axis)
    if val is None:
        raise InvalidArgumentError("reduce: `axis` must be known when the graph is built "
                                   "(a Python int/list or a constant).")
    return val


reduce_sum = _reducer(SUM, "reduce_sum")
reduce_mean = _reducer(MEAN, "reduce_mean")
reduce_max = _reducer(MAX, "reduce_max")
reduce_min = _reducer(MIN, "reduce_min")
reduce_prod = _reducer(PROD, "reduce_prod")
reduce_any = _reducer(ANY, "reduce_any")
reduce_all = _reducer(ALL, "reduce_all")


def _arg_infer(ins: list, axis: int, output_type: Any) -> list:
    shape = ins[0].shape
    if shape.rank is not None:
        normalize_axes(axis, shape.rank, "argmax axis")
    return [(reduced_shape(shape, [axis], False), output_type)]


ARGMAX = register(OpDef("ArgMax", infer=_arg_infer,
                        kernel=lambda xp, x, axis, output_type: xp.argmax(x, axis=axis).astype(output_type.np),
                        grad=lambda op, g: [None]))
ARGMIN = register(OpDef("ArgMin", infer=_arg_infer,
                        kernel=lambda xp, x, axis, output_type: xp.argmin(x, axis=axis).astype(output_type.np),
                        grad=lambda op, g: [None]))


def argmax(input: Any, axis: Any = None, name: str | None = None, dimension: Any = None,
           output_type: Any = dtypes.int64) -> Any:
    """Returns the index of the largest value along `axis` (default 0), as int64.

    >>> argmax([[1, 9, 3], [7, 2, 5]], axis=1).tolist()
    [1, 0]
    """
    axis = axis if axis is not None else dimension if dimension is not None else 0
    return apply(ARGMAX, [input], {"axis": int(_static_axis(axis)),
                                   "output_type": as_dtype(output_type)}, name)


def argmin(input: Any, axis: Any = None, name: str | None = None, dimension: Any = None,
           output_type: Any = dtypes.int64) -> Any:
    """Returns the index of the smallest value along `axis` (default 0), as int64.

    >>> argmin([[1, 9, 3], [7, 2, 5]], axis=1).tolist()
    [0, 1]
    """
    axis = axis if axis is not None else dimension if dimension is not None else 0
    return apply(ARGMIN, [input], {"axis": int(_static_axis(axis)),
                                   "output_type": as_dtype(output_type)}, name)


def count_nonzero(input_tensor: Any, axis: Any = None, keepdims: bool = False,
                  dtype: Any = dtypes.int64, name: str | None = None) -> Any:
    """Returns the number of non-zero entries along `axis` (composite)."""
    from dataflowio.graph.ops.elementwise import cast, not_equal, zeros_like

    return reduce_sum(cast(not_equal(input_tensor, zeros_like(input_tensor)), dtype), axis,
                      keepdims, name=name)


_ = spec  # re-exported helper kept for symmetry with the other op modules
