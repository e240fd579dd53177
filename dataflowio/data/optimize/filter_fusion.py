"""filter_fusion: two consecutive filters become one filter of the conjoined predicate.

    filter(p) -> filter(q)   ==>   filter(p and q)

Preconditions: two filters (`filter`, or the optimizer's `vectorized_filter` below, whose
predicate is then re-vectorized fused), neither declared `vectorized`; both predicates are stateless (declared
or proven): unfused, a chunk consumer runs `p` on a whole chunk before `q` sees the survivors,
fused they alternate per element. `q` still only sees elements `p` kept (short-circuit `and`),
and each result is checked as a scalar bool as `filter` does. Payoff: one iterator hop per
element. On by default here (off in tf.data).

>>> from dataflowio.data.ops.range import Range
>>> from dataflowio.data.ops.filter import Filter
>>> f = Filter(inputs=(Filter(inputs=(Range(stop=9),), predicate=lambda x: x > 2),),
...            predicate=lambda x: x % 2 == 0)
>>> print(RULE.apply(f).label())
filter(predicate=<lambda>&<lambda>, vectorized=False)
"""

from __future__ import annotations

from dataflowio.data.ops.filter import Filter
from dataflowio.data.optimize._compose import conjoin
from dataflowio.data.optimize._facts import is_stateless
from dataflowio.data.optimize.rewrite import Rule
from dataflowio.data.plan import Node


def _fuse(node: Node) -> Node | None:
    if type(node) is not Filter or not node.inputs or not isinstance(up := node.inputs[0], Filter):
        return None
    if node.vectorized or up.vectorized or not (is_stateless(up) and is_stateless(node)):
        return None
    name = f"{up.name}+{node.name}" if up.name or node.name else None
    return Filter(inputs=up.inputs, predicate=conjoin(up.predicate, node.predicate, node.where()),
                  name=name)


RULE = Rule("filter_fusion", _fuse)
