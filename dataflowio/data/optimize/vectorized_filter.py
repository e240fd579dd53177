"""vectorized_filter: a filter with a stateless predicate becomes a `vectorized_filter`, which
evaluates its predicate once per chunk when a trial proves the decisions are the same (ours).

    filter(p)   ==>   vectorized_filter(p)

Preconditions: a plain `filter` (not declared `vectorized=True`, which vectorizes
unconditionally) whose predicate is stateless, declared or proven (`purity.py`): the trial calls
it twice on the first chunk. The trial (`dataflowio.data.vectorize`) requires the batched call's
bool vector to equal the per-element decisions bitwise and falls back to per element for good
otherwise; a later chunk whose batched call fails or does not give one bool per element is
decided per element, so a real error surfaces at its element.
Payoff: `from_tensor_slices -> filter(p) -> batch` runs one predicate call per chunk instead of
one per element, and the kept rows stay columns (a fancy index, no per-element stacking).

>>> from dataflowio.data.ops.range import Range
>>> from dataflowio.data.ops.filter import Filter
>>> RULE.apply(Filter(inputs=(Range(stop=3),), predicate=lambda x: x > 0)).op_name
'vectorized_filter'
"""

from __future__ import annotations

from dataflowio.data.ops.filter import Filter
from dataflowio.data.ops.vectorized_filter import VectorizedFilter
from dataflowio.data.optimize._facts import is_stateless
from dataflowio.data.optimize.rewrite import Rule
from dataflowio.data.plan import Node


def _vectorize(node: Node) -> Node | None:
    if type(node) is not Filter or node.vectorized or not is_stateless(node):
        return None
    return VectorizedFilter(inputs=node.inputs, name=node.name, predicate=node.predicate)


RULE = Rule("vectorized_filter", _vectorize)
