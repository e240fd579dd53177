"""map_fusion: two consecutive maps become one map of the composed function.

    map(f) -> map(g)   ==>   map(g . f)

Preconditions: both are maps (`map` or the optimizer's `vectorized_map`) with the same
`num_parallel_calls`, `deterministic` and `vectorized`; both functions are stateless (declared
`stateless=True` or proven, see `purity.py`): unfused, a chunk consumer runs `f` on a whole chunk
before `g` sees any of it, fused they alternate, which only stateless functions cannot observe.
Payoff: one iterator hop and one output normalization per element; a vectorized fused map runs
one call per chunk instead of two. On by default here (off in tf.data).

>>> from dataflowio.data.ops.range import Range
>>> from dataflowio.data.ops.map import Map
>>> m = Map(inputs=(Map(inputs=(Range(stop=3),), fn=lambda x: x + 1),), fn=lambda x: x * 2)
>>> print(RULE.apply(m).label())
map(deterministic=None, fn=<lambda>+<lambda>, num_parallel_calls=None, vectorized=False, stateless=True)
"""

from __future__ import annotations

from dataflowio.data.ops.map import Map
from dataflowio.data.optimize._compose import compose_maps
from dataflowio.data.optimize._facts import is_stateless
from dataflowio.data.optimize.rewrite import Rule
from dataflowio.data.plan import Node


def _fuse(node: Node) -> Node | None:
    if not isinstance(node, Map) or not node.inputs or not isinstance(up := node.inputs[0], Map):
        return None
    if (up.num_parallel_calls, up.deterministic, bool(up.vectorized)) != \
            (node.num_parallel_calls, node.deterministic, bool(node.vectorized)):
        return None
    if not (is_stateless(up) and is_stateless(node)):
        return None
    name = f"{up.name}+{node.name}" if up.name or node.name else None
    return Map(inputs=up.inputs, fn=compose_maps(up.fn, node.fn), name=name,
               num_parallel_calls=node.num_parallel_calls, deterministic=node.deterministic,
               vectorized=node.vectorized, stateless=True)


RULE = Rule("map_fusion", _fuse)
