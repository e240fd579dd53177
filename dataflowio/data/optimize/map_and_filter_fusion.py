"""map_and_filter_fusion: a map followed by a filter becomes one `map_and_filter` stage.

    map(f) -> filter(p)   ==>   map_and_filter(f, p)

Preconditions: a plain sequential map (not a `vectorized_map`, which is faster per chunk; no
`num_parallel_calls`, not declared `vectorized`) and a
filter not declared `vectorized`; both functions stateless (declared or proven): unfused, a
chunk consumer maps a whole chunk before the predicate sees it, fused they alternate.
Payoff: one iterator hop per element. On by default here (off in tf.data).

>>> from dataflowio.data.ops.range import Range
>>> from dataflowio.data.ops.map import Map
>>> from dataflowio.data.ops.filter import Filter
>>> f = Filter(inputs=(Map(inputs=(Range(stop=9),), fn=lambda x: x * 3),), predicate=lambda y: y > 4)
>>> RULE.apply(f).op_name
'map_and_filter'
"""

from __future__ import annotations

from dataflowio.data.ops.filter import Filter
from dataflowio.data.ops.map import Map
from dataflowio.data.ops.map_and_filter import MapAndFilter
from dataflowio.data.optimize._facts import is_stateless, sequential
from dataflowio.data.optimize.rewrite import Rule
from dataflowio.data.plan import Node


def _fuse(node: Node) -> Node | None:
    if type(node) is not Filter or not node.inputs or type(up := node.inputs[0]) is not Map:
        return None
    if node.vectorized or up.vectorized or not sequential(up):
        return None
    if not (is_stateless(up) and is_stateless(node)):
        return None
    return MapAndFilter(inputs=up.inputs, fn=up.fn, predicate=node.predicate,
                        map_name=up.name, filter_name=node.name)


RULE = Rule("map_and_filter_fusion", _fuse)
