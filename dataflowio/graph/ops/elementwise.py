"""Element-wise primitives (unary, binary with NumPy broadcasting, predicates) and their composites.

Binary ops follow TensorFlow's dtype rules: two tensors must have the same dtype, a Python or
NumPy scalar (or list) operand adopts the other operand's dtype.

>>> import numpy as np
>>> add(np.array([1.0, 2.0], np.float32), 1).tolist(), multiply(2, 3)
([2.0, 3.0], np.int32(6))
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from dataflowio import dtypes
from dataflowio.dtypes import DType, as_dtype, convert_to_numpy
from dataflowio.graph.backend import ones_vector
from dataflowio.graph.ops.core import (
    DTypeMismatchError,
    apply,
    as_tensor,
    build,
    convert_value,
    graph_of,
    spec,
)
from dataflowio.graph.ops.registry import OpDef, register
from dataflowio.graph.ops.shapes import broadcast_shapes
from dataflowio.graph.tensor import GraphValue


# ---- shape rules -----------------------------------------------------------------------------
def _same(ins: list, **_: Any) -> list:
    return [spec(ins[0])]


def _pred(ins: list, **_: Any) -> list:
    return [(ins[0].shape, dtypes.bool)]


def _bcast(ins: list, **_: Any) -> list:
    _check_same_dtype(ins)
    return [(broadcast_shapes(ins[0].shape, ins[1].shape), ins[0].dtype)]


def _bcast_bool(ins: list, **_: Any) -> list:
    _check_same_dtype(ins)
    return [(broadcast_shapes(ins[0].shape, ins[1].shape), dtypes.bool)]


def _check_same_dtype(ins: list) -> None:
    if ins[0].dtype != ins[1].dtype:
        raise DTypeMismatchError(f"Input 'y' has type {ins[1].dtype.name} that does not match type "
                                 f"{ins[0].dtype.name} of argument 'x'.\n  hint: cast one operand.")


# ---- gradient helpers ------------------------------------------------------------------------
def _sum_to_kernel(xp: Any, dy: Any, x: Any) -> Any:
    shape, dshape = x.shape, dy.shape
    if dshape == shape:
        return dy
    if len(dshape) == 2 and len(shape) == 1 and dshape[1] == shape[0] and dy.dtype.kind == "f":
        return ones_vector(xp, dshape[0], dy.dtype).dot(dy)  # a bias gradient: one BLAS call
    lead = len(dshape) - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, d in enumerate(shape)
                                      if d == 1 and dshape[i + lead] != 1)
    out = xp.sum(dy, axis=axes, keepdims=True, dtype=dy.dtype)
    return out.reshape(shape)


SUM_TO = register(OpDef("SumToShapeOf", infer=lambda ins: [(ins[1].shape, ins[0].dtype)],
                        kernel=_sum_to_kernel, shape_inputs=(1,),
                        grad=lambda op, g: [_broadcast_like(g, op.inputs[0]), None]))
BROADCAST_LIKE = register(OpDef(
    "BroadcastLike", infer=lambda ins: [(ins[1].shape, ins[0].dtype)],
    kernel=lambda xp, x, like: xp.broadcast_to(x, np.shape(like)).copy(), shape_inputs=(1,), fresh=True,
    grad=lambda op, g: [sum_to(g, op.inputs[0]), None]))


def sum_to(dy: Any, x: Any) -> Any:
    """`dy` summed over the axes along which `x` was broadcast (the gradient of broadcasting)."""
    if dy is None:
        return None
    dt, xt = as_tensor(dy), as_tensor(x)
    if dt.shape.is_fully_defined() and dt.shape == xt.shape:
        return dy
    return build(SUM_TO, [dt, xt], {})


def _broadcast_like(x: Any, like: Any) -> Any:
    return build(BROADCAST_LIKE, [x, like], {})


# ---- registration helpers --------------------------------------------------------------------
def _unary(name: str, kernel: Callable, grad: Callable | None = None, infer: Callable = _same) -> OpDef:
    return register(OpDef(name, infer=infer, kernel=kernel, grad=grad, fresh=True))


def _binary(name: str, kernel: Callable, grad: Callable | None = None,
            infer: Callable = _bcast, inplace: Callable | None = None) -> OpDef:
    return register(OpDef(name, infer=infer, kernel=kernel, grad=grad, fresh=True, inplace=inplace))


# Below this many elements a new array costs less than the checks for writing in place.
FORWARD_MIN_SIZE = 1 << 15


def _into_first(ufunc: str) -> Callable:
    """The in-place variant of the binary `xp.<ufunc>` (buffer forwarding): writes into a large
    `a` when the result has `a`'s shape and dtype, else allocates as the kernel does."""
    def kernel(xp: Any, a: Any, b: Any) -> Any:
        f = getattr(xp, ufunc)
        if type(a) is xp.ndarray and a.size >= FORWARD_MIN_SIZE and a.dtype == b.dtype and \
                b.shape == a.shape[a.ndim - b.ndim:]:
            return f(a, b, out=a)
        return f(a, b)
    return kernel


def _x(op: Any) -> Any:
    return op.inputs[0]


def _y(op: Any) -> Any:
    return op.outputs[0]


NEG = _unary("Neg", lambda xp, x: xp.negative(x), lambda op, g: [negative(g)])
ABS = _unary("Abs", lambda xp, x: xp.abs(x), lambda op, g: [g * sign(_x(op))])
SIGN = _unary("Sign", lambda xp, x: xp.sign(x), lambda op, g: [None])
EXP = _unary("Exp", lambda xp, x: xp.exp(x), lambda op, g: [g * _y(op)])
LOG = _unary("Log", lambda xp, x: xp.log(x), lambda op, g: [g * reciprocal(_x(op))])
LOG1P = _unary("Log1p", lambda xp, x: xp.log1p(x), lambda op, g: [g * reciprocal(_x(op) + 1)])
SQRT = _unary("Sqrt", lambda xp, x: xp.sqrt(x), lambda op, g: [g * 0.5 / _y(op)])
RSQRT = _unary("Rsqrt", lambda xp, x: 1 / xp.sqrt(x),
               lambda op, g: [g * -0.5 * _y(op) * _y(op) * _y(op)])
SQUARE = _unary("Square", lambda xp, x: xp.multiply(x, x), lambda op, g: [g * 2 * _x(op)])
RECIPROCAL = _unary("Reciprocal", lambda xp, x: xp.reciprocal(x),
                    lambda op, g: [negative(g * _y(op) * _y(op))])
FLOOR = _unary("Floor", lambda xp, x: xp.floor(x), lambda op, g: [None])
CEIL = _unary("Ceil", lambda xp, x: xp.ceil(x), lambda op, g: [None])
ROUND = _unary("Round", lambda xp, x: xp.round(x), lambda op, g: [None])
SIN = _unary("Sin", lambda xp, x: xp.sin(x), lambda op, g: [g * cos(_x(op))])
COS = _unary("Cos", lambda xp, x: xp.cos(x), lambda op, g: [negative(g * sin(_x(op)))])
SIGMOID = _unary("Sigmoid", lambda xp, x: (1 / (1 + xp.exp(-x))).astype(x.dtype, copy=False),
                 lambda op, g: [g * _y(op) * (1 - _y(op))])
TANH = _unary("Tanh", lambda xp, x: xp.tanh(x), lambda op, g: [g * (1 - square(_y(op)))])
RELU_GRAD = _binary("ReluGrad", lambda xp, dy, y: dy * (y > 0), infer=lambda ins: [spec(ins[0])])
RELU = _unary("Relu", lambda xp, x: xp.maximum(x, 0),
              lambda op, g: [build(RELU_GRAD, [g, _y(op)], {})])
LOGICAL_NOT = _unary("LogicalNot", lambda xp, x: xp.logical_not(x), lambda op, g: [None])
IS_NAN = _unary("IsNan", lambda xp, x: xp.isnan(x), lambda op, g: [None], infer=_pred)
IS_FINITE = _unary("IsFinite", lambda xp, x: xp.isfinite(x), lambda op, g: [None], infer=_pred)


def _g_add(op: Any, g: Any) -> list:
    return [sum_to(g, op.inputs[0]), sum_to(g, op.inputs[1])]


def _g_sub(op: Any, g: Any) -> list:
    return [sum_to(g, op.inputs[0]), sum_to(negative(g), op.inputs[1])]


def _g_mul(op: Any, g: Any) -> list:
    x, y = op.inputs
    return [sum_to(g * y, x), sum_to(x * g, y)]


def _g_div(op: Any, g: Any) -> list:
    x, y = op.inputs
    return [sum_to(g / y, x), sum_to(negative(g) * x / square(y), y)]


def _g_pow(op: Any, g: Any) -> list:
    x, y = op.inputs
    z = op.outputs[0]
    gx = g * y * pow(x, y - 1)
    safe_log = where(greater(x, 0), log(where(greater(x, 0), x, ones_like(x))), zeros_like(x))
    return [sum_to(gx, x), sum_to(g * z * safe_log, y)]


def _g_max(op: Any, g: Any) -> list:
    x, y = op.inputs
    mask = greater_equal(x, y)
    return [sum_to(g * cast(mask, g.dtype), x), sum_to(g * cast(logical_not(mask), g.dtype), y)]


def _g_min(op: Any, g: Any) -> list:
    x, y = op.inputs
    mask = less_equal(x, y)
    return [sum_to(g * cast(mask, g.dtype), x), sum_to(g * cast(logical_not(mask), g.dtype), y)]


def _g_mod(op: Any, g: Any) -> list:
    x, y = op.inputs
    return [sum_to(g, x), sum_to(negative(g) * floordiv(x, y), y)]


ADD = _binary("AddV2", lambda xp, a, b: xp.add(a, b), _g_add, inplace=_into_first("add"))
SUB = _binary("Sub", lambda xp, a, b: xp.subtract(a, b), _g_sub, inplace=_into_first("subtract"))
MUL = _binary("Mul", lambda xp, a, b: xp.multiply(a, b), _g_mul, inplace=_into_first("multiply"))
DIV = _binary("RealDiv", lambda xp, a, b: xp.true_divide(a, b), _g_div)
FLOORDIV = _binary("FloorDiv", lambda xp, a, b: xp.floor_divide(a, b), lambda op, g: [None, None])
FLOORMOD = _binary("FloorMod", lambda xp, a, b: xp.mod(a, b), _g_mod)
POW = _binary("Pow", lambda xp, a, b: xp.power(a, b), _g_pow)
MAXIMUM = _binary("Maximum", lambda xp, a, b: xp.maximum(a, b), _g_max)
MINIMUM = _binary("Minimum", lambda xp, a, b: xp.minimum(a, b), _g_min)
_nog = (lambda op, g: [None, None])
EQUAL = _binary("Equal", lambda xp, a, b: xp.equal(a, b), _nog, _bcast_bool)
NOT_EQUAL = _binary("NotEqual", lambda xp, a, b: xp.not_equal(a, b), _nog, _bcast_bool)
LESS = _binary("Less", lambda xp, a, b: xp.less(a, b), _nog, _bcast_bool)
LESS_EQUAL = _binary("LessEqual", lambda xp, a, b: xp.less_equal(a, b), _nog, _bcast_bool)
GREATER = _binary("Greater", lambda xp, a, b: xp.greater(a, b), _nog, _bcast_bool)
GREATER_EQUAL = _binary("GreaterEqual", lambda xp, a, b: xp.greater_equal(a, b), _nog, _bcast_bool)
LOGICAL_AND = _binary("LogicalAnd", lambda xp, a, b: xp.logical_and(a, b), _nog, _bcast_bool)
LOGICAL_OR = _binary("LogicalOr", lambda xp, a, b: xp.logical_or(a, b), _nog, _bcast_bool)


def _cast_kernel(xp: Any, x: Any, dtype: DType) -> Any:
    if dtype is dtypes.string:
        raise DTypeMismatchError("Cast: casting to string is not supported; use strings ops.")
    if getattr(x, "dtype", None) == object:
        raise DTypeMismatchError(f"Cast: cannot cast a string tensor to {dtype.name}.")
    return x.astype(dtype.np, copy=False)


def _g_cast(op: Any, g: Any) -> list:
    src = op.inputs[0].dtype
    if (src.is_floating or src.is_complex) and (g.dtype.is_floating or g.dtype.is_complex):
        return [cast(g, src)]
    return [None]


CAST = register(OpDef("Cast", infer=lambda ins, dtype: [(ins[0].shape, dtype)], kernel=_cast_kernel,
                      grad=_g_cast))


def _g_select(op: Any, g: Any) -> list:
    c, x, y = op.inputs
    z = zeros_like(g)
    return [None, sum_to(where(c, g, z), x), sum_to(where(c, z, g), y)]


def _select_infer(ins: list) -> list:
    _check_same_dtype(ins[1:])
    shape = broadcast_shapes(broadcast_shapes(ins[0].shape, ins[1].shape), ins[2].shape)
    return [(shape, ins[1].dtype)]


SELECT = register(OpDef("SelectV2", infer=_select_infer,
                        kernel=lambda xp, c, x, y: xp.where(c, x, y), grad=_g_select))


def _add_n_infer(ins: list) -> list:
    for t in ins[1:]:
        _check_same_dtype([ins[0], t])
    shape = ins[0].shape
    for t in ins[1:]:
        shape = broadcast_shapes(shape, t.shape)
    return [(shape, ins[0].dtype)]


def _add_n_kernel(xp: Any, *xs: Any) -> Any:
    out = xs[0] + xs[1] if len(xs) > 1 else xs[0]
    for x in xs[2:]:
        out += x
    return out


ADD_N = register(OpDef("AddN", infer=_add_n_infer, kernel=_add_n_kernel,
                       grad=lambda op, g: [sum_to(g, x) for x in op.inputs]))


# ---- argument conversion ---------------------------------------------------------------------
def _scalar_like(v: Any) -> bool:
    return not isinstance(v, np.ndarray)


def binary_args(x: Any, y: Any, where: str) -> tuple[Any, Any, bool]:
    """Converts operands by TF's rules; returns (x, y, graph?)."""
    xg, yg = isinstance(x, GraphValue), isinstance(y, GraphValue)
    if xg or yg:
        if xg:
            x = as_tensor(x)
        if yg:
            y = as_tensor(y)
        if not yg:
            y = convert_value(y, x.dtype, where)
        elif not xg:
            x = convert_value(x, y.dtype, where)
        elif x.dtype != y.dtype:
            raise DTypeMismatchError(
                f"{where}: Input 'y' of type {y.dtype.name} does not match type {x.dtype.name} of "
                f"argument 'x' ({x.name} vs {y.name}).\n  hint: cast one operand, e.g. tf.cast(y, "
                f"tf.{x.dtype.name}).")
        return x, y, True
    xa, ya = type(x) is np.ndarray, type(y) is np.ndarray
    if xa and ya:
        if x.dtype != y.dtype:
            raise DTypeMismatchError(f"{where}: operands have different dtypes {x.dtype} and {y.dtype}."
                                     "\n  hint: cast one operand.")
        return x, y, False
    if xa:
        return x, convert_value(y, as_dtype(x.dtype), where), False
    if ya:
        return convert_value(x, as_dtype(y.dtype), where), y, False
    x = convert_to_numpy(x)
    return x, convert_value(y, as_dtype(x.dtype), where), False


_NAMES = {"AddV2": "Add"}


def _bin(opdef: OpDef, x: Any, y: Any, name: str | None) -> Any:
    from dataflowio.graph.ops.core import eager, to_leaf  # noqa: F401

    x, y, graph = binary_args(x, y, opdef.name)
    if graph:
        return build(opdef, [x, y], {}, name or _NAMES.get(opdef.name), graph=graph_of([x, y]))
    return eager(opdef, [x, y], {})


def add(x: Any, y: Any, name: str | None = None) -> Any:
    """Returns `x + y` with broadcasting.

    >>> add([1, 2], [[10], [20]]).tolist()
    [[11, 12], [21, 22]]
    """
    return _bin(ADD, x, y, name)


def subtract(x: Any, y: Any, name: str | None = None) -> Any:
    """Returns `x - y`.

    >>> subtract(5.0, 2.0).item()
    3.0
    """
    return _bin(SUB, x, y, name)


def multiply(x: Any, y: Any, name: str | None = None) -> Any:
    """Returns `x * y`.

    >>> multiply([1.0, 2.0], 3.0).tolist()
    [3.0, 6.0]
    """
    return _bin(MUL, x, y, name)


_TRUEDIV_FLOAT = {"int8": dtypes.float32, "uint8": dtypes.float32, "int16": dtypes.float32,
                  "uint16": dtypes.float32, "int32": dtypes.float64, "uint32": dtypes.float64,
                  "int64": dtypes.float64, "uint64": dtypes.float64}


def divide(x: Any, y: Any, name: str | None = None) -> Any:
    """Returns `x / y` (true division: integer inputs give floats, as in TensorFlow).

    >>> divide([1, 2], 2).tolist()
    [0.5, 1.0]
    """
    x, y, graph = binary_args(x, y, "RealDiv")
    dt = x.dtype if graph else as_dtype(x.dtype)
    target = _TRUEDIV_FLOAT.get(dt.name)
    if target is not None:
        x, y = cast(x, target), cast(y, target)
    if graph:
        return build(DIV, [x, y], {}, name, graph=graph_of([x, y]))
    from dataflowio.graph.ops.core import eager

    return eager(DIV, [x, y], {})


truediv = divide
realdiv = divide


def floordiv(x: Any, y: Any, name: str | None = None) -> Any:
    """Returns `floor(x / y)` (integer division for ints).

    >>> floordiv([7, -7], 2).tolist()
    [3, -4]
    """
    return _bin(FLOORDIV, x, y, name)


def div(x: Any, y: Any, name: str | None = None) -> Any:
    """TF1 `div`: floor division for integers, true division for floats."""
    xd = as_tensor(x).dtype if isinstance(x, GraphValue) else as_dtype(convert_to_numpy(x).dtype)
    return floordiv(x, y, name) if xd.is_integer else _bin(DIV, x, y, name)


def mod(x: Any, y: Any, name: str | None = None) -> Any:
    """Returns `x mod y` with the sign of `y` (Python semantics).

    >>> mod([7, -7], 3).tolist()
    [1, 2]
    """
    return _bin(FLOORMOD, x, y, name)


floormod = mod


def pow(x: Any, y: Any, name: str | None = None) -> Any:
    """Returns `x ** y`.

    >>> pow(2.0, 3.0).item()
    8.0
    """
    return _bin(POW, x, y, name)


def maximum(x: Any, y: Any, name: str | None = None) -> Any:
    """Returns the element-wise maximum.

    >>> maximum([1, 5], 3).tolist()
    [3, 5]
    """
    return _bin(MAXIMUM, x, y, name)


def minimum(x: Any, y: Any, name: str | None = None) -> Any:
    """Returns the element-wise minimum.

    >>> minimum([1, 5], 3).tolist()
    [1, 3]
    """
    return _bin(MINIMUM, x, y, name)


def equal(x: Any, y: Any, name: str | None = None) -> Any:
    """Returns `x == y` element-wise (bool).

    >>> equal([1, 2], 2).tolist()
    [False, True]
    """
    return _bin(EQUAL, x, y, name)


def not_equal(x: Any, y: Any, name: str | None = None) -> Any:
    """Returns `x != y` element-wise."""
    return _bin(NOT_EQUAL, x, y, name)


def less(x: Any, y: Any, name: str | None = None) -> Any:
    """Returns `x < y` element-wise.

    >>> less([1, 3], 2).tolist()
    [True, False]
    """
    return _bin(LESS, x, y, name)


def less_equal(x: Any, y: Any, name: str | None = None) -> Any:
    """Returns `x <= y` element-wise."""
    return _bin(LESS_EQUAL, x, y, name)


def greater(x: Any, y: Any, name: str | None = None) -> Any:
    """Returns `x > y` element-wise."""
    return _bin(GREATER, x, y, name)


def greater_equal(x: Any, y: Any, name: str | None = None) -> Any:
    """Returns `x >= y` element-wise."""
    return _bin(GREATER_EQUAL, x, y, name)


def logical_and(x: Any, y: Any, name: str | None = None) -> Any:
    """Returns `x AND y` for bools."""
    return _bin(LOGICAL_AND, x, y, name)


def logical_or(x: Any, y: Any, name: str | None = None) -> Any:
    """Returns `x OR y` for bools."""
    return _bin(LOGICAL_OR, x, y, name)


def logical_xor(x: Any, y: Any, name: str | None = None) -> Any:
    """Returns `x XOR y` for bools (composite)."""
    return logical_and(logical_or(x, y), logical_not(logical_and(x, y)), name=name)


def squared_difference(x: Any, y: Any, name: str | None = None) -> Any:
    """Returns `(x - y) ** 2` (composite)."""
    return square(subtract(x, y), name=name)


def _un(opdef: OpDef) -> Callable[..., Any]:
    def fn(x: Any, name: str | None = None) -> Any:
        return apply(opdef, [x], None, name)

    return fn


negative = _un(NEG)
abs = _un(ABS)
sign = _un(SIGN)
exp = _un(EXP)
log = _un(LOG)
log1p = _un(LOG1P)
sqrt = _un(SQRT)
rsqrt = _un(RSQRT)
square = _un(SQUARE)
reciprocal = _un(RECIPROCAL)
floor = _un(FLOOR)
ceil = _un(CEIL)
round = _un(ROUND)
sin = _un(SIN)
cos = _un(COS)
sigmoid = _un(SIGMOID)
tanh = _un(TANH)
relu = _un(RELU)
logical_not = _un(LOGICAL_NOT)
is_nan = _un(IS_NAN)
is_finite = _un(IS_FINITE)
for _f, _n in [(negative, "negative"), (abs, "abs"), (sign, "sign"), (exp, "exp"), (log, "log"),
               (log1p, "log1p"), (sqrt, "sqrt"), (rsqrt, "rsqrt"), (square, "square"),
               (reciprocal, "reciprocal"), (floor, "floor"), (ceil, "ceil"), (round, "round"),
               (sin, "sin"), (cos, "cos"), (sigmoid, "sigmoid"), (tanh, "tanh"), (relu, "relu"),
               (logical_not, "logical_not"), (is_nan, "is_nan"), (is_finite, "is_finite")]:
    _f.__name__ = _f.__qualname__ = _n
    _f.__doc__ = f"Returns `{_n}(x)` element-wise (NumPy values for concrete input, a Tensor in a graph)."


def cast(x: Any, dtype: Any, name: str | None = None) -> Any:
    """Returns `x` converted to `dtype` (floats to ints truncate toward zero, as in TensorFlow).

    >>> cast([1.7, -1.7], "int32").tolist()
    [1, -1]
    """
    dt = as_dtype(dtype)
    if isinstance(x, GraphValue):
        t = as_tensor(x)
        if t.dtype == dt:
            return t
        return build(CAST, [t], {"dtype": dt}, name or "Cast")
    arr = x if type(x) is np.ndarray else convert_to_numpy(x)
    if arr.dtype == object:
        if dt is dtypes.string:
            return x
        raise DTypeMismatchError(f"Cast: cannot cast a string tensor to {dt.name}.")
    out = arr.astype(dt.np, copy=False)
    return out if out.ndim else out[()]


def to_float(x: Any, name: str = "ToFloat") -> Any:
    """TF1 alias: `cast(x, float32)`."""
    return cast(x, dtypes.float32, name)


def to_double(x: Any, name: str = "ToDouble") -> Any:
    return cast(x, dtypes.float64, name)


def to_int32(x: Any, name: str = "ToInt32") -> Any:
    return cast(x, dtypes.int32, name)


def to_int64(x: Any, name: str = "ToInt64") -> Any:
    return cast(x, dtypes.int64, name)


def where(condition: Any, x: Any = None, y: Any = None, name: str | None = None) -> Any:
    """`where(c, x, y)` picks from `x` where `c` is true else `y` (broadcasting); `where(c)` returns
    the int64 coordinates of the true entries.

    >>> where([True, False], [1, 2], [10, 20]).tolist(), where([True, False, True]).tolist()
    ([1, 20], [[0], [2]])
    """
    if x is None and y is None:
        from dataflowio.graph.ops.array import WHERE_INDICES

        return apply(WHERE_INDICES, [condition], None, name)
    x, y, graph = binary_args(x, y, "SelectV2")
    if graph or isinstance(condition, GraphValue):
        return build(SELECT, [condition, x, y], {}, name)
    from dataflowio.graph.ops.core import eager

    return eager(SELECT, [condition, x, y], {})


where_v2 = where


def add_n(inputs: list[Any], name: str | None = None) -> Any:
    """Returns the sum of a list of same-dtype tensors.

    >>> add_n([[1, 2], [3, 4], [5, 6]]).tolist()
    [9, 12]
    """
    return apply(ADD_N, list(inputs), None, name)


def zeros_like(x: Any, dtype: Any = None, name: str | None = None, optimize: bool = True) -> Any:
    """Returns zeros with the shape (and dtype, unless given) of `x`.

    >>> zeros_like([[1, 2]]).tolist()
    [[0, 0]]
    """
    from dataflowio.graph.ops.array import ZEROS_LIKE

    attrs = {"dtype": as_dtype(dtype) if dtype is not None else None}
    return apply(ZEROS_LIKE, [x], attrs, name)


def ones_like(x: Any, dtype: Any = None, name: str | None = None, optimize: bool = True) -> Any:
    """Returns ones with the shape (and dtype, unless given) of `x`.

    >>> ones_like([1.5]).tolist()
    [1.0]
    """
    from dataflowio.graph.ops.array import ONES_LIKE

    attrs = {"dtype": as_dtype(dtype) if dtype is not None else None}
    return apply(ONES_LIKE, [x], attrs, name)


def clip_by_value(t: Any, clip_value_min: Any, clip_value_max: Any, name: str | None = None) -> Any:
    """Returns `t` clipped to `[clip_value_min, clip_value_max]` (composite).

    >>> clip_by_value([-1.0, 0.5, 2.0], 0.0, 1.0).tolist()
    [0.0, 0.5, 1.0]
    """
    return minimum(maximum(t, clip_value_min), clip_value_max, name=name)
