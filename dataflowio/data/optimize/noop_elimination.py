"""noop_elimination: drops transformations that pass every element through unchanged.

    take(-1) -> x            skip(0) -> x              repeat(1) -> x
    prefetch(0) -> x         shard(1, 0) -> x          map(identity) -> x

Preconditions: the count is exactly the no-op value (a graph-tensor count is left alone); an
identity map is a plain Python function whose code only returns its arguments unchanged
(`lambda x: x`, or `lambda x, y: (x, y)` for tuple elements) and is run sequentially (not
declared vectorized). Payoff: one iterator hop per element (and one thread for prefetch(0)).

>>> from dataflowio.data.ops.range import Range
>>> from dataflowio.data.ops.take import Take
>>> src = Range(stop=3)
>>> RULE.apply(Take(inputs=(src,), count=-1)) is src, RULE.apply(Take(inputs=(src,), count=2))
(True, None)
"""

from __future__ import annotations

import dis
import types
from typing import Any

import numpy as np

from dataflowio.data.ops.map import Map
from dataflowio.data.ops.prefetch import Prefetch
from dataflowio.data.ops.repeat import Repeat
from dataflowio.data.ops.shard import Shard
from dataflowio.data.ops.skip import Skip
from dataflowio.data.ops.take import Take
from dataflowio.data.optimize.rewrite import Rule
from dataflowio.data.plan import Node

_SKIP_OPS = {"RESUME", "NOP", "CACHE", "PRECALL"}


def _is(value: Any, target: int) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool) \
        and int(value) == target


def is_identity(fn: Any) -> bool:
    """True when `fn`'s code returns its positional arguments unchanged (one, or a tuple of all)."""
    if not isinstance(fn, types.FunctionType):
        return False
    code = fn.__code__
    n = code.co_argcount
    if n < 1 or code.co_kwonlyargcount or code.co_flags & (0x04 | 0x08 | 0x20 | 0x80 | 0x100):
        return False  # *args / **kwargs / generators / coroutines
    ops = [(i.opname, i.argval) for i in dis.get_instructions(code) if i.opname not in _SKIP_OPS]
    loads = [("LOAD_FAST", name) for name in code.co_varnames[:n]]
    if n == 1:
        return ops == loads + [("RETURN_VALUE", None)]
    return ops == loads + [("BUILD_TUPLE", n), ("RETURN_VALUE", None)]


def _eliminate(node: Node) -> Node | None:
    if len(node.inputs) != 1:
        return None
    src = node.inputs[0]
    if isinstance(node, Take) and _is(node.count, -1):
        return src
    if isinstance(node, Skip) and _is(node.count, 0):
        return src
    if isinstance(node, Repeat) and _is(node.count, 1):
        return src
    if isinstance(node, Prefetch) and _is(node.buffer_size, 0):
        return src
    if isinstance(node, Shard) and _is(node.num_shards, 1) and _is(node.index, 0):
        return src
    if isinstance(node, Map) and not node.vectorized and node.num_parallel_calls in (None, 1) \
            and is_identity(node.fn):
        return src
    return None


RULE = Rule("noop_elimination", _eliminate)
