"""Lifting concrete NumPy functions into graph ops: `py_func` / `numpy_function`, and
`two_worlds(fn, ...)`, which gives a concrete function its graph-mode half.

>>> from dataflowio.graph.api import Graph, Session, placeholder
>>> with Graph().as_default():
...     x = placeholder("int64", [None])
...     y = py_func(lambda a: a[::-1].copy(), [x], "int64")
...     print(Session().run(y, {x: [1, 2, 3]}).tolist(), py_func(np.sum, [[1, 2]], "int64").item())
[3, 2, 1] 3
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from dataflowio import dtypes
from dataflowio.dtypes import as_dtype, convert_to_numpy
from dataflowio.errors import InvalidArgumentError
from dataflowio.graph.backend import to_host
from dataflowio.graph.ops.core import build, graph_of, is_graph, to_leaf
from dataflowio.graph.ops.registry import OpDef, register
from dataflowio.graph.tensor import GraphValue
from dataflowio.tensor_shape import TensorShape


def _coerce(value: Any, dt: Any, where: str) -> Any:
    if dt is dtypes.string:
        return convert_to_numpy(value, dtypes.string)
    arr = np.asarray(value)
    if arr.dtype.kind in "SUO" and arr.size:
        raise InvalidArgumentError(f"{where}: returned strings where {dt.name} was declared.")
    return arr.astype(dt.np, copy=False)


def _py_func_kernel(xp: Any, *inputs: Any, func: Callable, tout: tuple, single: bool,
                    shapes: tuple, name: str) -> Any:
    args = [to_leaf(to_host(v)) if np.ndim(v) == 0 else to_host(v) for v in inputs]
    out = func(*args)
    if single:
        return _coerce(out, tout[0], name)
    out = list(out) if isinstance(out, (list, tuple)) else [out]
    if len(out) != len(tout):
        raise InvalidArgumentError(f"{name}: the function returned {len(out)} values, Tout declares {len(tout)}.")
    return tuple(_coerce(o, d, name) for o, d in zip(out, tout))


PY_FUNC = register(OpDef("PyFunc", infer=lambda ins, func, tout, single, shapes, name:
                         [(s, d) for s, d in zip(shapes, tout)],
                         kernel=_py_func_kernel))


def py_func(func: Callable, inp: list[Any], Tout: Any, stateful: bool = True,
            name: str | None = None) -> Any:
    """Returns `func(*inp)` as graph tensors of dtypes `Tout` (a dtype or a list of them).

    On concrete inputs `func` runs at once and its results are converted to `Tout`.
    """
    single = not isinstance(Tout, (list, tuple))
    tout = tuple(as_dtype(t) for t in ([Tout] if single else Tout))
    inp = list(inp) if isinstance(inp, (list, tuple)) else [inp]
    where = name or getattr(func, "__name__", "py_func")
    if not is_graph(inp):
        out = _py_func_kernel(np, *[convert_to_numpy(v) for v in inp], func=func, tout=tout, single=single,
                              shapes=(), name=where)
        return to_leaf(out) if single else [to_leaf(o) for o in out]
    shapes = tuple(TensorShape(None) for _ in tout)
    res = build(PY_FUNC, inp, {"func": func, "tout": tout, "single": single, "shapes": shapes,
                               "name": where}, name or "PyFunc", graph=graph_of(inp))
    return res if single else list(res) if isinstance(res, tuple) else [res]


def numpy_function(func: Callable, inp: list[Any], Tout: Any, stateful: bool = True,
                   name: str | None = None) -> Any:
    """TF2's name for `py_func` (NumPy arrays in, NumPy arrays out)."""
    return py_func(func, inp, Tout, stateful, name)


def _has_graph(args: Any) -> bool:
    if isinstance(args, GraphValue):
        return True
    if isinstance(args, (list, tuple)):
        return any(_has_graph(a) for a in args)
    if isinstance(args, dict):
        return any(_has_graph(a) for a in args.values())
    return False


def two_worlds(out_spec: Callable[..., Any]) -> Callable[[Callable], Callable]:
    """Decorator: a concrete NumPy function that becomes a graph op when an argument is a Tensor.

    `out_spec(*args, **kwargs)` returns the output structure as `TensorSpec`s (a single spec, or
    a tuple / dict of them) so the graph op knows its dtypes and static shapes. Graph-valued
    arguments may appear at the top level or inside lists / tuples / dict values.

    >>> from dataflowio.tensor_shape import TensorSpec
    >>> @two_worlds(lambda x, n: TensorSpec([None], "int32"))
    ... def first(x, n):
    ...     return np.asarray(x[:n], np.int32)
    >>> first([5, 6, 7], 2).tolist()
    [5, 6]
    """
    def wrap(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not _has_graph(args) and not _has_graph(kwargs):
                return fn(*args, **kwargs)
            return _lifted(fn, out_spec, args, kwargs)

        wrapper.__wrapped_concrete__ = fn  # type: ignore[attr-defined]
        return wrapper

    return wrap


def _is_out_struct(x: Any) -> bool:
    return isinstance(x, (tuple, list, dict))


def _flat_out(x: Any) -> list[Any]:
    """Leaves of an output structure (tuples, lists, dicts, namedtuples incl. SparseTensorValue)."""
    if not _is_out_struct(x):
        return [x]
    items = [x[k] for k in sorted(x)] if isinstance(x, dict) else list(x)
    return [leaf for c in items for leaf in _flat_out(c)]


def _pack_out(structure: Any, flat: list[Any]) -> Any:
    it = iter(flat)

    def build(s: Any) -> Any:
        if not _is_out_struct(s):
            return next(it)
        if isinstance(s, dict):
            vals = {k: build(s[k]) for k in sorted(s)}
            return {k: vals[k] for k in s}
        vals_l = [build(c) for c in s]
        if hasattr(s, "_fields"):
            return type(s)(*vals_l)
        return type(s)(vals_l)

    return build(structure)


def _lifted(fn: Callable, out_spec: Callable, args: tuple, kwargs: dict) -> Any:
    graph_vals: list[Any] = []

    def strip(x: Any) -> Any:
        if isinstance(x, GraphValue):
            graph_vals.append(x)
            return _Slot(len(graph_vals) - 1)
        if isinstance(x, list):
            return [strip(v) for v in x]
        if isinstance(x, tuple) and not hasattr(x, "_fields"):
            return tuple(strip(v) for v in x)
        if isinstance(x, dict):
            return {k: strip(v) for k, v in x.items()}
        return x

    s_args, s_kwargs = strip(list(args)), strip(dict(kwargs))
    structure = out_spec(*args, **kwargs)
    specs = _flat_out(structure)

    def call(*values: Any) -> Any:
        def fill(x: Any) -> Any:
            if isinstance(x, _Slot):
                return values[x.i]
            if isinstance(x, list):
                return [fill(v) for v in x]
            if isinstance(x, tuple) and not hasattr(x, "_fields"):
                return tuple(fill(v) for v in x)
            if isinstance(x, dict):
                return {k: fill(v) for k, v in x.items()}
            return x

        out = fn(*fill(s_args), **fill(s_kwargs))
        leaves = _flat_out(out)
        if len(leaves) != len(specs):
            raise InvalidArgumentError(f"{name}: produced {len(leaves)} values, its spec declares {len(specs)}.")
        return leaves[0] if len(specs) == 1 else tuple(leaves)

    tout = tuple(s.dtype for s in specs)
    shapes = tuple(s.shape for s in specs)
    name = getattr(fn, "__name__", "py_func")
    res = build(PY_FUNC, graph_vals, {"func": call, "tout": tout, "single": len(specs) == 1,
                                      "shapes": shapes, "name": name}, name, graph=graph_of(graph_vals))
    outs = [res] if len(specs) == 1 else list(res)
    return _pack_out(structure, outs)


class _Slot:
    __slots__ = ("i",)

    def __init__(self, i: int) -> None:
        self.i = i
