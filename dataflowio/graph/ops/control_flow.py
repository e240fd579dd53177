"""`cond`: TF1's lazily executed two-way branch.

In a graph, the ops each branch function creates carry a *guard* (`Operation.guard`: the
`(pred, taken)` pairs of the branches they sit in, outermost first), and a session plan runs them
only where their guard holds, so a branch's side effects (assignments, `get_next()` of an
iterator, a failing `py_func`) happen only when it is taken. Each result is a `CondSelect` of the
two branches' values. Gradients flow into the taken branch only (autodiff runs a guarded op's
gradient under the same guard and selects zeros where the branch was not taken).

>>> cond(np.bool_(True), lambda: np.float32(1), lambda: np.float32(2)).item()
1.0
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from dataflowio.graph.graph import Operation
from dataflowio.graph.ops.core import as_tensor, build, no_op
from dataflowio.graph.ops.registry import OpDef, register
from dataflowio.graph.tensor import GraphValue


def _check_pred(p: Any) -> None:
    if not p.dtype.is_bool or (p.shape.rank is not None and p.shape.rank != 0):
        raise ValueError(f"cond: pred must be a scalar bool, got {p.dtype.name} of shape {list(p.shape)}.")


def _select_infer(ins: list) -> list:
    p, a, b = ins
    _check_pred(p)
    if a.dtype != b.dtype:
        raise ValueError(f"cond: the branches return different dtypes: {a.dtype.name} vs {b.dtype.name}.")
    return [(a.shape.most_specific_common(b.shape), a.dtype)]


def _g_select(op: Any, g: Any) -> list:
    from dataflowio.graph.ops.elementwise import zeros_like

    p = op.inputs[0]
    zeros = zeros_like(g)
    return [None, select(p, g, zeros), select(p, zeros, g)]


# A session plan evaluates only the taken input (see session._Plan); the kernel is the same rule.
COND_SELECT = register(OpDef("CondSelect", infer=_select_infer,
                             kernel=lambda xp, p, a, b: a if bool(p) else b, grad=_g_select,
                             host_inputs=(0,), joins_branches=True))


def select(pred: Any, a: Any, b: Any) -> Any:
    """`a` where the scalar `pred` is true, else `b`: joins the two branches of a `cond`."""
    return build(COND_SELECT, [pred, a, b], {})


def _is_nest(x: Any) -> bool:
    return isinstance(x, (list, tuple, dict)) and type(x).__name__ != "SparseTensorValue"


def _leaves(x: Any) -> list[Any]:
    """The leaves of a branch's result: lists, tuples, namedtuples and dicts (keys sorted) nest."""
    if not _is_nest(x):
        return [x]
    return [leaf for c in ([x[k] for k in sorted(x)] if isinstance(x, dict) else x) for leaf in _leaves(c)]


def _layout(x: Any) -> Any:
    """`x`'s nesting with the leaves left out, to compare the two branches' structures."""
    if not _is_nest(x):
        return None
    if isinstance(x, dict):
        return type(x), tuple((k, _layout(x[k])) for k in sorted(x))
    return type(x), tuple(_layout(c) for c in x)


def _pack(like: Any, leaves: Iterator[Any]) -> Any:
    if not _is_nest(like):
        return next(leaves)
    if isinstance(like, dict):
        vals = {k: _pack(like[k], leaves) for k in sorted(like)}
        return type(like)((k, vals[k]) for k in like)
    vals_l = [_pack(c, leaves) for c in like]
    return type(like)(*vals_l) if hasattr(like, "_fields") else type(like)(vals_l)


def cond(pred: Any, true_fn: Callable[[], Any] | None = None, false_fn: Callable[[], Any] | None = None,
         strict: bool = False, name: str | None = None) -> Any:
    """Returns `true_fn()` if `pred` else `false_fn()`; only the chosen branch runs.

    On a concrete `pred` the chosen function is called at once. On a graph `pred` both functions
    build their ops, which a session runs only when their branch is taken; the branches must return
    the same structure of tensors (or operations) with the same dtypes.

    >>> cond(np.bool_(False), lambda: 1, lambda: 2)
    2
    """
    if true_fn is None or false_fn is None:
        raise TypeError("cond: true_fn and false_fn are required.")
    if not isinstance(pred, GraphValue):
        return true_fn() if bool(np.asarray(pred)) else false_fn()
    pred = as_tensor(pred)
    graph = pred.graph
    _check_pred(pred)
    with graph.as_default(), graph.name_scope(name or "cond"):
        outer = graph._guard
        with graph._guarded(outer + ((pred, True),)):
            t = true_fn()
        with graph._guarded(outer + ((pred, False),)):
            f = false_fn()
        if _layout(t) != _layout(f) or (t is None) != (f is None):
            raise ValueError(f"cond: the branches return different structures ({t!r} vs {f!r}).")
        flat_t, flat_f = _leaves(t), _leaves(f)
        out = []
        for a, b in zip(flat_t, flat_f):
            if isinstance(a, Operation) or isinstance(b, Operation):
                with graph.control_dependencies([x for x in (a, b) if x is not None]):
                    out.append(no_op())  # runs whichever of the two ran
            else:
                out.append(select(pred, a, b))
    return None if t is None else _pack(t, iter(out))

