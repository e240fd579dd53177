"""parallel_batch: `batch` stacks its batches on worker threads.

    batch(n)   ==>   batch(n, num_parallel_calls=AUTOTUNE)

Preconditions: a plain `batch` with no `num_parallel_calls` of its own. Batches come out in
input order (`deterministic` is left as set), so the elements are unchanged.
Payoff: stacking (copying rows into the batch array) overlaps with the consumer's work.

>>> from dataflowio.data.ops.range import Range
>>> from dataflowio.data.ops.batch import Batch
>>> RULE.apply(Batch(inputs=(Range(stop=9),), batch_size=4)).num_parallel_calls
-1
"""

from __future__ import annotations

from dataflowio.data.ops.batch import Batch
from dataflowio.data.optimize.rewrite import Rule
from dataflowio.data.plan import Node

AUTOTUNE = -1


def _parallelize(node: Node) -> Node | None:
    if type(node) is not Batch or node.num_parallel_calls is not None:
        return None
    return node.replace(num_parallel_calls=AUTOTUNE)


RULE = Rule("parallel_batch", _parallelize)
