"""`matmul` (rank >= 2, optional transposes) and its gradient.

>>> matmul([[1.0, 2.0]], [[3.0], [4.0]]).tolist()
[[11.0]]
"""

from __future__ import annotations

from typing import Any

from dataflowio.errors import InvalidArgumentError
from dataflowio.graph.ops.core import build, eager
from dataflowio.graph.ops.elementwise import binary_args
from dataflowio.graph.ops.registry import OpDef, register
from dataflowio.tensor_shape import TensorShape


def _matmul_infer(ins: list, transpose_a: bool, transpose_b: bool) -> list:
    a, b = ins
    if a.dtype != b.dtype:
        raise InvalidArgumentError(f"matmul: dtypes differ: {a.dtype.name} vs {b.dtype.name}.")
    if a.shape.rank is None or b.shape.rank is None:
        return [(TensorShape(None), a.dtype)]
    if a.shape.rank < 2 or b.shape.rank < 2:
        raise InvalidArgumentError(f"Shape must be rank >= 2 for MatMul, got input shapes: "
                                   f"{list(a.shape)}, {list(b.shape)}.")
    m, k1 = (a.shape[-1], a.shape[-2]) if transpose_a else (a.shape[-2], a.shape[-1])
    k2, n = (b.shape[-1], b.shape[-2]) if transpose_b else (b.shape[-2], b.shape[-1])
    if k1 is not None and k2 is not None and k1 != k2:
        raise InvalidArgumentError(f"Dimensions must be equal, but are {k1} and {k2} for MatMul with "
                                   f"input shapes: {list(a.shape)}, {list(b.shape)}"
                                   f" (transpose_a={transpose_a}, transpose_b={transpose_b}).")
    batch = list(a.shape[:-2]) if a.shape.rank >= b.shape.rank else list(b.shape[:-2])
    return [(TensorShape(batch + [m, n]), a.dtype)]


def _t(xp: Any, x: Any) -> Any:
    return x.T if x.ndim == 2 else xp.swapaxes(x, -1, -2)


def _matmul_kernel(xp: Any, a: Any, b: Any, transpose_a: bool, transpose_b: bool) -> Any:
    return xp.matmul(_t(xp, a) if transpose_a else a, _t(xp, b) if transpose_b else b)


def _g_matmul(op: Any, g: Any) -> list:
    a, b = op.inputs
    ta, tb = op.attrs["transpose_a"], op.attrs["transpose_b"]
    if not ta and not tb:
        return [matmul(g, b, transpose_b=True), matmul(a, g, transpose_a=True)]
    if not ta and tb:
        return [matmul(g, b), matmul(g, a, transpose_a=True)]
    if ta and not tb:
        return [matmul(b, g, transpose_b=True), matmul(a, g)]
    return [matmul(b, g, transpose_a=True, transpose_b=True),
            matmul(g, a, transpose_a=True, transpose_b=True)]


MATMUL = register(OpDef("MatMul", infer=_matmul_infer, kernel=_matmul_kernel, grad=_g_matmul, fresh=True))


def matmul(a: Any, b: Any, transpose_a: bool = False, transpose_b: bool = False,
           adjoint_a: bool = False, adjoint_b: bool = False, a_is_sparse: bool = False,
           b_is_sparse: bool = False, name: str | None = None) -> Any:
    """Returns the matrix product `a @ b` (batched over leading axes), optionally transposing.

    >>> matmul([[1, 2], [3, 4]], [[1, 0], [0, 1]], transpose_a=True).tolist()
    [[1, 3], [2, 4]]
    """
    a, b, graph = binary_args(a, b, "MatMul")
    attrs = {"transpose_a": bool(transpose_a or adjoint_a), "transpose_b": bool(transpose_b or adjoint_b)}
    if graph:
        return build(MATMUL, [a, b], attrs, name)
    if a.ndim < 2 or b.ndim < 2:
        raise InvalidArgumentError(f"MatMul: inputs must be rank >= 2, got shapes {a.shape} and {b.shape}.")
    return eager(MATMUL, [a, b], attrs)
