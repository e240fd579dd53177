"""Helpers shared by the ops that call user functions or hold values: calling with tf.data's
argument unpacking, arity checks at construction, exception notes, and normalizing outputs.

>>> call_fn(lambda x, y: x + y, (1, 2))
3
>>> normalize_element([1, 2.5, "a"])
(np.int32(1), np.float32(2.5), b'a')
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from dataflowio import dtypes
from dataflowio.data import structure
from dataflowio.errors import InvalidArgumentError


class TypeMismatchError(InvalidArgumentError, TypeError):
    """A wrong type or structure: an InvalidArgumentError that `except TypeError` (tf.data's class
    for these cases) also catches."""


class ArityError(TypeMismatchError):
    """A user function takes the wrong number of arguments."""


def call_fn(fn: Callable[..., Any], element: Any) -> Any:
    """Calls `fn` as tf.data does: a plain tuple is unpacked into positional arguments.

    The call runs in the graph package's eager mode (on this thread), so creation ops inside a
    dataset function (`zeros`, `random_uniform`, `constant`) give NumPy values, not graph nodes.
    """
    mode = _eager_flag()
    old = getattr(mode, "eager", False)
    mode.eager = True
    try:
        if type(element) is tuple:
            return fn(*element)
        return fn(element)
    finally:
        mode.eager = old


def call_traced(fn: Callable[..., Any], element: Any) -> Any:
    """Calls `fn` with tf.data's unpacking in graph mode (for tracing on placeholders)."""
    if type(element) is tuple:
        return fn(*element)
    return fn(element)


_EAGER_FLAG: Any = None


def _eager_flag() -> Any:
    global _EAGER_FLAG
    if _EAGER_FLAG is None:  # imported on first use: the graph package never imports data
        from dataflowio.graph.ops import core

        _EAGER_FLAG = core._mode
    return _EAGER_FLAG


def fn_name(fn: Any) -> str:
    """A short printable name for a user function (`<lambda>`, `parse`, `Foo.__call__`)."""
    return getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or type(fn).__name__


def num_args_for(spec: Any) -> int:
    """How many positional arguments tf.data passes for elements of this (nested) spec."""
    return len(spec) if type(spec) is tuple else 1


def check_arity(fn: Callable[..., Any], nargs: int, where: str) -> None:
    """Raises `ArityError` when `fn` cannot be called with `nargs` positional arguments."""
    if not callable(fn):
        raise TypeError(f"{where}: expected a callable, got {type(fn).__name__}: {fn!r:.60}.")
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return  # builtins and C functions: nothing to check
    params = list(sig.parameters.values())
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        required = sum(1 for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
                       and p.default is p.empty)
        if required <= nargs:
            return
        maximum = None
    else:
        positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        required = sum(1 for p in positional if p.default is p.empty)
        maximum = len(positional)
        kw_required = [p.name for p in params if p.kind is p.KEYWORD_ONLY and p.default is p.empty]
        if required <= nargs <= maximum and not kw_required:
            return
    takes = f"{required}" if maximum == required else (
        f"at least {required}" if maximum is None else f"{required} to {maximum}")
    raise ArityError(
        f"{where}: the function {fn_name(fn)} takes {takes} positional argument(s) but each element "
        f"gives {nargs}.\n  hint: tuple elements are passed as separate arguments "
        "(lambda x, y: ...); dicts and single tensors as one argument.")


def add_note(exc: BaseException, note: str) -> None:
    """Adds `note` to `exc` once (an error crossing several stages keeps every stage's note)."""
    notes = getattr(exc, "__notes__", ())
    if note not in notes:
        exc.add_note(note)


_SCALAR_TYPES = (np.generic, bytes)


def normalize_leaf(v: Any) -> Any:
    """One output leaf as elements hold it: NumPy arrays/scalars, `bytes`; literals get TF dtypes."""
    t = type(v)
    if t is np.ndarray:
        if v.ndim == 0:
            return structure.to_element_leaf(v)
        if v.dtype.kind in ("U", "S"):
            return dtypes.convert_to_numpy(v)
        return v
    if isinstance(v, _SCALAR_TYPES):
        if isinstance(v, np.str_ | np.bytes_):
            return bytes(dtypes.convert_to_numpy(v).item())
        return v
    if isinstance(v, str):
        return v.encode("utf-8")
    if hasattr(v, "__array__") and not isinstance(v, (list, tuple)):
        return normalize_leaf(np.asarray(v))
    if t.__name__ == "SparseTensorValue":  # a VarLenFeature's parse result: one sparse component
        return v
    return structure.to_element_leaf(dtypes.convert_to_numpy(v))


def normalize_element(x: Any) -> Any:
    """A user function's output as an element: a top-level list becomes a tuple, leaves NumPy."""
    t = type(x)
    if t is list:
        return tuple(_norm(v) for v in x)
    return _norm(x)


_PLAIN_SCALARS = frozenset(np.dtype(c).type for c in "?bhilqBHILQefdgFD") | {bytes}


def _norm(v: Any) -> Any:
    # NOTE: the fast cases first (per-element hot path: ~0.2 µs for a tuple of two arrays).
    t = type(v)
    if t is np.ndarray:
        return v if v.ndim and v.dtype.kind not in "US" else normalize_leaf(v)
    if t in _PLAIN_SCALARS:
        return v
    if t is tuple:
        return tuple(_norm(c) for c in v)
    if t is dict:
        return {k: _norm(c) for k, c in v.items()}
    if structure.is_structure(v):
        return structure.map_structure(normalize_leaf, v)
    return normalize_leaf(v)


def make_packer(like: Any) -> Callable[[list[Any]], Any]:
    """A fast `flat leaves -> structure shaped like `like`` (the inverse of `structure.flatten`)."""
    t = type(like)
    if not structure.is_structure(like):
        return lambda flat: flat[0]
    if t is tuple and not any(structure.is_structure(c) for c in like):
        return tuple
    if t is dict and not any(structure.is_structure(c) for c in like.values()):
        order = sorted(like)
        position = {k: i for i, k in enumerate(order)}
        keys = [(k, position[k]) for k in like]
        return lambda flat: {k: flat[i] for k, i in keys}
    return lambda flat: structure.pack_as(like, flat)


def is_graph_tensor(v: Any) -> bool:
    """True for graph `Tensor`s (duck-typed: they carry `.graph` and `.op`)."""
    return hasattr(v, "graph") and hasattr(v, "op") and not isinstance(v, np.ndarray)


def resolve_tensors(value: Any, ctx: Any) -> Any:
    """Replaces graph Tensors in `value` by their concrete values from `ctx.resources`."""
    leaves = structure.flatten(value)
    if not any(is_graph_tensor(v) for v in leaves):
        return value
    table = ctx.resources.get("tensor_values") or {}
    out = []
    for v in leaves:
        if is_graph_tensor(v):
            if v not in table:
                raise InvalidArgumentError(
                    f"dataset source: graph tensor {getattr(v, 'name', v)!r} has no value; "
                    "expected it in the iterator's feed (make_initializable_iterator + feed_dict).")
            v = table[v]
        out.append(v)
    return structure.pack_as(value, out)


def spec_of_leaf(v: Any) -> Any:
    """The TensorSpec of one leaf (a concrete value, or a graph Tensor's static shape/dtype)."""
    from dataflowio.tensor_shape import TensorShape, TensorSpec

    if is_graph_tensor(v):
        shape = getattr(v, "shape", None)
        return TensorSpec(TensorShape(None) if shape is None else _dims(shape), v.dtype)
    if type(v).__name__ == "SparseTensorValue":
        from dataflowio.tensor_shape import SparseTensorSpec

        rank = int(np.size(v.dense_shape))
        return SparseTensorSpec([None] * rank, dtypes.as_dtype(np.asarray(v.values).dtype))
    return TensorSpec.from_value(v)


def _dims(shape: Any) -> Any:
    from dataflowio.tensor_shape import TensorShape

    if isinstance(shape, TensorShape):
        return shape
    rank = getattr(shape, "rank", 0)
    if rank is None:
        return TensorShape(None)
    return TensorShape(list(shape))


def spec_of_element(x: Any) -> Any:
    """The nested TensorSpec of one element."""
    if not structure.is_structure(x):
        return spec_of_leaf(x)
    return structure.map_structure(spec_of_leaf, x)
