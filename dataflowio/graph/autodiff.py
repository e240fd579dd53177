"""`gradients(ys, xs)`: reverse-mode autodiff driven by each OpDef's `grad` rule.

Walks the ops between `xs` and `ys` in reverse creation order (a topological order) and sums
fan-out gradients with `add_n`, as micrograd's `+=` does. The gradient of an op inside a `cond`
branch is built inside the same branch (it runs only when the branch does); where it leaves the
branch for a tensor made outside, it becomes zeros unless the branch was taken.

>>> from dataflowio.graph.session import Session
>>> with Graph().as_default():
...     x = constant(3.0)
...     dx, = gradients(x * x + 2 * x, [x])
...     print(Session().run(dx).item())
8.0
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dataflowio.errors import InvalidArgumentError
from dataflowio.graph.graph import Graph, Operation
from dataflowio.graph.ops.core import as_tensor, constant  # noqa: F401
from dataflowio.graph.tensor import GraphValue, Tensor


def _as_list(x: Any) -> list[Any]:
    return list(x) if isinstance(x, (list, tuple)) else [x]


def gradients(ys: Any, xs: Any, grad_ys: Any = None, name: str = "gradients",
              colocate_gradients_with_ops: bool = False, gate_gradients: bool = False,
              aggregation_method: Any = None, stop_gradients: Any = None,
              unconnected_gradients: str = "none") -> list[Any]:
    """Returns `[d(sum ys)/dx for x in xs]` as graph tensors (None where `x` does not affect `ys`).

    `grad_ys` weights each `y` (default: ones). `stop_gradients` tensors are treated as constants.
    """
    from dataflowio.graph.ops.elementwise import add_n, ones_like, zeros_like

    if not isinstance(ys, (list, tuple)) and grad_ys is not None:
        grad_ys = [grad_ys]
    ys = [as_tensor(y) for y in _as_list(ys)]
    xs_in = _as_list(xs)
    xts = [as_tensor(x) if isinstance(x, Tensor) else x._var_op.outputs[0] if hasattr(x, "_var_op")
           else as_tensor(x) if isinstance(x, GraphValue) else None for x in xs_in]
    # every read op of a variable stands for the variable
    aliases = {id(t): [r for r in x._all_reads()] if hasattr(x, "_all_reads") else [t]
               for x, t in zip(xs_in, xts) if t is not None}
    for x, t in zip(xs_in, xts):
        if t is None:
            raise TypeError(f"gradients: xs must be Tensors or Variables, got {type(x).__name__}.")
    graph: Graph = ys[0].graph
    for t in ys + xts:
        if t.graph is not graph:
            raise ValueError(f"gradients: {t.name!r} is from a different graph than {ys[0].name!r}.")
    stops = {id(as_tensor(s)) for s in _as_list(stop_gradients or [])}
    gys = _as_list(grad_ys) if grad_ys is not None else [None] * len(ys)
    if len(gys) != len(ys):
        raise InvalidArgumentError(f"gradients: got {len(gys)} grad_ys for {len(ys)} ys.")

    # ops that depend on xs (forward) and that ys depend on (backward)
    x_ids = {id(r) for t in xts for r in aliases[id(t)]}
    from_x: set[int] = set()
    for op in graph._ops:
        if any(id(t) in x_ids or id(t.op) in from_x for t in op.inputs if id(t) not in stops):
            from_x.add(id(op))
    to_y: set[int] = set()
    stack = [y.op for y in ys]
    while stack:
        op = stack.pop()
        if id(op) in to_y:
            continue
        to_y.add(id(op))
        stack.extend(t.op for t in op.inputs if id(t) not in stops)
    between = [op for op in graph._ops if id(op) in from_x and id(op) in to_y]

    grads: dict[int, list[Any]] = {}
    with graph.as_default(), graph.name_scope(name):
        for y, gy in zip(ys, gys):
            with graph._guarded(y.op.guard):
                if gy is None:  # d y / d y: a constant when y's shape is static (a scalar loss)
                    g = _const_like(np.ones(tuple(y.shape), y.dtype.np), y) \
                        if y.shape.is_fully_defined() and y.dtype.is_floating else ones_like(y)
                else:
                    g = as_tensor(gy) if isinstance(gy, GraphValue) else _const_like(gy, y)
            grads.setdefault(id(y), []).append(g)

        def total(t: Tensor) -> Any:
            parts = [g for g in grads.get(id(t), []) if g is not None]
            if not parts:
                return None
            if len(parts) == 1:
                return parts[0]
            out = add_n(parts)
            grads[id(t)] = [out]
            return out

        for op in reversed(between):
            with graph._guarded(op.guard):
                outs = [total(t) for t in op.outputs]
                if all(g is None for g in outs):
                    continue
                needs = [id(t) in x_ids or id(t.op) in from_x for t in op.inputs]
                if not any(needs):
                    continue
                if op.opdef.grad is None:
                    raise LookupError(f"No gradient defined for operation '{op.name}' (op type: {op.type}).")
                if len(outs) == 1:
                    in_grads = op.opdef.grad(op, outs[0])
                else:
                    in_grads = op.opdef.grad(op, *outs)
            for t, g, need in zip(op.inputs, in_grads, needs):
                if g is not None and need and id(t) not in stops:
                    g = as_tensor(g) if isinstance(g, GraphValue) else g
                    grads.setdefault(id(t), []).append(_leave_branches(g, t, graph))
        result = []
        for x in xts:
            with graph._guarded(x.op.guard):
                parts = [total(r) for r in aliases[id(x)]]
                parts = [p for p in parts if p is not None]
                g = parts[0] if len(parts) == 1 else add_n(parts) if parts else None
                if g is None and unconnected_gradients == "zero":
                    g = zeros_like(x)
            result.append(g)
    return result


def _leave_branches(g: Any, t: Tensor, graph: Graph) -> Any:
    """The gradient `g` for `t` as seen where `t` was made: made inside cond branches that `t` is
    outside of, it is zeros wherever one of those branches was not taken."""
    if not isinstance(g, Tensor) or len(g.op.guard) <= len(t.op.guard):
        return g
    from dataflowio.graph.ops.control_flow import select
    from dataflowio.graph.ops.elementwise import zeros_like

    guard = g.op.guard
    for level in range(len(guard), len(t.op.guard), -1):
        pred, taken = guard[level - 1]
        with graph._guarded(guard[:level - 1]):
            zeros = zeros_like(t)
            g = select(pred, g, zeros) if taken else select(pred, zeros, g)
    return g


def _const_like(value: Any, y: Tensor) -> Tensor:
    from dataflowio.graph.ops.core import convert_to_tensor

    return convert_to_tensor(value, dtype=y.dtype)


_ = Operation
