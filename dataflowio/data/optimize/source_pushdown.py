"""source_pushdown: take / skip / shard on `from_tensor_slices` become a row window (slicing).

    from_tensor_slices(v)[a:b:c] -> take(n)       ==>  from_tensor_slices(v)[window[:n]]
    from_tensor_slices(v)[a:b:c] -> skip(n)       ==>  from_tensor_slices(v)[window[n:]]
    from_tensor_slices(v)[a:b:c] -> shard(k, i)   ==>  from_tensor_slices(v)[window[i::k]]
    map(f) -> take(n)                             ==>  take(n) -> map(f)   (sequential map)

Preconditions: the source's size is known (not a graph tensor fed at run time), counts are
plain integers (`skip(-1)` skips everything: an empty window), the window's step stays
positive. `take` moves below a map only when the map runs sequentially (no
`num_parallel_calls`): the map then calls its function on exactly the first `n` elements in
both plans. `skip` and `shard` never move past a map: the unoptimized plan calls the function
on the elements it drops, and an error there must still surface.
Payoff: the source serves only the rows that are kept (no element is built and discarded), and
the window stays random access for the index-level shuffle.

>>> import numpy as np
>>> from dataflowio.data.ops.from_tensor_slices import FromTensorSlices
>>> from dataflowio.data.ops.shard import Shard
>>> src = FromTensorSlices(value=np.arange(10))
>>> print(RULE.apply(Shard(inputs=(src,), num_shards=3, index=1)).label())
from_tensor_slices(10 x (int64[]), rows=[1:10:3])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dataflowio.data.ops.from_tensor_slices import FromTensorSlices
from dataflowio.data.ops.map import Map
from dataflowio.data.ops.shard import Shard
from dataflowio.data.ops.skip import Skip
from dataflowio.data.ops.take import Take
from dataflowio.data.optimize.rewrite import Rule
from dataflowio.data.plan import Node


def _int(v: Any) -> int | None:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
        return None
    return int(v)


def _window(src: FromTensorSlices, sl: slice) -> Node | None:
    rows = src.rows()
    if rows is None or src.step <= 0:
        return None
    try:
        r = src.window(rows)[sl]
    except (TypeError, ValueError):
        return None
    if r.step <= 0:
        return None
    if r == src.window(rows):
        return src  # the window is unchanged: e.g. take(n) with n >= rows keeps every row
    stop = max(r.stop, r.start)  # an empty window keeps a non-negative stop
    return src.replace(start=r.start, stop=stop, step=r.step)


def _pushdown(node: Node) -> Node | None:
    if len(node.inputs) != 1:
        return None
    src = node.inputs[0]
    if isinstance(node, Take) and isinstance(src, Map) and src.num_parallel_calls in (None, 1):
        n = _int(node.count)
        if n is not None and n >= 0:
            return src.replace(inputs=(node.replace(inputs=src.inputs),))
        return None
    if not isinstance(src, FromTensorSlices):
        return None
    if isinstance(node, Take):
        n = _int(node.count)
        return _window(src, slice(None, n)) if n is not None and n >= 0 else None
    if isinstance(node, Skip):
        n = _int(node.count)
        if n is None or n < -1:
            return None
        return _window(src, slice(n, None) if n >= 0 else slice(0, 0))
    if isinstance(node, Shard):
        k, i = _int(node.num_shards), _int(node.index)
        return _window(src, slice(i, None, k)) if k is not None and i is not None else None
    return None


RULE = Rule("source_pushdown", _pushdown)
