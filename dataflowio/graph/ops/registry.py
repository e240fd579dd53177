"""The op table: one `OpDef` per primitive (shape rule, one kernel over `xp`, gradient).

A kernel is `kernel(xp, *inputs, **attrs)` written once against the array module `xp` (numpy or
cupy). Stateful kernels (variables, random numbers, iterators) also receive `ctx=`, the session's
resource store. Composites (`square`, `l2_loss`, ...) are plain functions and have no entry here.

>>> import numpy as np
>>> import dataflowio.graph.api
>>> lookup("AddV2").kernel(np, np.array([1, 2]), np.array([3, 4])).tolist()
[4, 6]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dataflowio.errors import NotFoundError

Kernel = Callable[..., Any]


@dataclass(frozen=True, eq=False)
class OpDef:
    """One primitive op: `infer(op_inputs, **attrs) -> [(shape, dtype), ...]`, `kernel`, `grad`.

    `grad(op, *output_grads)` returns one graph gradient (or None) per input; `stateful` ops get
    `ctx=` and are never cached.

    Buffer forwarding (as TensorFlow's kernels reuse an input buffer nothing else holds): a `fresh`
    op's outputs are always new arrays (never an input, a view of one, or state); `inplace`, when
    given, is a variant of `kernel` (same arguments) that may write its result into input
    `inplace_input`. A session plan calls it only when that input comes from a fresh op and no other
    op or fetch reads it; `shape_inputs` are inputs whose shape alone the kernel reads.
    `joins_branches`: inputs 1.. may come from inside the branches of a `cond` (CondSelect).
    """

    name: str
    infer: Callable[..., list[tuple[Any, Any]]]
    kernel: Kernel
    grad: Callable[..., Any] | None = None
    stateful: bool = False
    host_inputs: tuple[int, ...] = ()  # inputs read as host values (shapes, counts) on any device
    shape_inputs: tuple[int, ...] = ()
    fresh: bool = False
    inplace: Kernel | None = None
    inplace_input: int = 0
    joins_branches: bool = False
    attrs_doc: dict[str, str] = field(default_factory=dict)


REGISTRY: dict[str, OpDef] = {}


def register(op: OpDef) -> OpDef:
    """Adds `op` to the table (a duplicate name is a programming error) and returns it."""
    if op.name in REGISTRY:
        raise ValueError(f"register: op {op.name!r} is already registered.")
    REGISTRY[op.name] = op
    return op


def lookup(name: str) -> OpDef:
    """Returns the OpDef registered under `name`."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise NotFoundError(f"lookup: no op named {name!r}; known: {sorted(REGISTRY)[:20]}...") from None
