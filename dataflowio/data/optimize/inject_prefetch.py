"""inject_prefetch: a `prefetch(AUTOTUNE)` at the end of a plan that does not end in one.

    x   ==>   x -> prefetch(AUTOTUNE)

Preconditions (checked on the whole plan, once, after the local rules): the output node is not
already a `prefetch`, the plan does some work besides reading a source (it has a node with
inputs), and `Options().autotune.enabled` is not False (as in tf.data).
Payoff: the pipeline's work overlaps with the consumer's (a training step). Prefetch hands
whole chunks between threads and keeps element order, so the elements are unchanged.

>>> from dataflowio.data.ops.range import Range
>>> from dataflowio.data.ops.take import Take
>>> RULE.apply(Take(inputs=(Range(stop=3),), count=2)).op_name, RULE.apply(Range(stop=3))
('prefetch', None)
"""

from __future__ import annotations

from dataflowio.data.ops.prefetch import Prefetch
from dataflowio.data.optimize.rewrite import Rule
from dataflowio.data.plan import Node

AUTOTUNE = -1


def _inject(root: Node) -> Node | None:
    if isinstance(root, Prefetch) or not root.inputs:
        return None
    return Prefetch(inputs=(root,), buffer_size=AUTOTUNE)


RULE = Rule("inject_prefetch", _inject)
