"""vectorized_map: a stateless map becomes a `vectorized_map`, which runs its function once per
chunk of elements when a trial proves that gives the same elements (ours; not in tf.data).

    map(f)   ==>   vectorized_map(f, stateless=True)

Preconditions: a plain `map` (not already declared `vectorized=True`, which vectorizes
unconditionally) whose function is stateless: declared
`stateless=True`, or proven by `purity.py`; or whose function is marked with
`dataflowio.data.experimental.vectorized` (batch-aware by the user's word: no trial, one call per
chunk, and not marked stateless unless it is). Only stateless functions get a trial, because the
trial calls the function twice on the first chunk (see `dataflowio.data.vectorize` for how the
trial proves `f(stack(rows)) == stack(f(row) ...)` and falls back to per element for good).
The node is also marked `stateless=True`, which lets an index-level `shuffle` gather rows
through it instead of buffering elements. A map with `num_parallel_calls` keeps its worker
threads: each worker maps its chunk through the shared trial (one batched call per chunk once it
passed, per element otherwise, as the user's parallel map did); with
`Options().threading.executor = "process"` it runs exactly as the user's map.
Payoff: `from_tensor_slices -> map(f) -> shuffle -> batch` runs one gather and one call of `f`
per batch instead of 128 element hops (BENCHMARKS.md W3/W7); `map(f) -> batch` the same.

>>> from dataflowio.data.ops.range import Range
>>> from dataflowio.data.ops.map import Map
>>> RULE.apply(Map(inputs=(Range(stop=3),), fn=lambda x: x + 1)).op_name
'vectorized_map'
>>> RULE.apply(Map(inputs=(Range(stop=3),), fn=lambda x: x + 1, stateless=False)) is None
True
"""

from __future__ import annotations

from dataflowio.data.ops.map import Map
from dataflowio.data.ops.vectorized_map import VectorizedMap
from dataflowio.data.optimize._facts import is_stateless
from dataflowio.data.optimize.rewrite import Rule
from dataflowio.data.plan import Node
from dataflowio.data.vectorize import is_declared_vectorized


def _vectorize(node: Node) -> Node | None:
    if type(node) is not Map or node.vectorized:
        return None
    stateless = is_stateless(node)
    if not stateless and not is_declared_vectorized(node.fn):
        return None
    return VectorizedMap(inputs=node.inputs, name=node.name, fn=node.fn,
                         num_parallel_calls=node.num_parallel_calls,
                         deterministic=node.deterministic,
                         stateless=True if stateless else node.stateless)


RULE = Rule("vectorized_map", _vectorize)
