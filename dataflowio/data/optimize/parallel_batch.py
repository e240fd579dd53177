"""parallel_batch: `batch` stacks its batches on worker threads.

    batch(n)   ==>   batch(n, num_parallel_calls=AUTOTUNE)

Preconditions: a plain `batch` with no `num_parallel_calls` of its own, whose input hands over
*elements* that must be stacked one by one. When the input already hands over columns (a
`from_tensor_slices` or `range` source, through take/skip/shard/repeat/prefetch, a stateless or
vectorized map, or an index-level shuffle of those) a batch is one slice or gather that is
already stacked, and worker threads only add a hand-off per batch: measured on W3, 2 cores,
210 k elements/s with the threads against 280-400 k without; so this rule leaves those alone.
Batches come out in input order (`deterministic` is left as set), so the elements are
unchanged.
Payoff: stacking (copying rows into the batch array) overlaps with the consumer's work.

>>> from dataflowio.data.ops.range import Range
>>> from dataflowio.data.ops.batch import Batch
>>> from dataflowio.data.ops.map import Map
>>> elements = Map(inputs=(Range(stop=9),), fn=lambda x: x)
>>> RULE.apply(Batch(inputs=(elements,), batch_size=4)).num_parallel_calls
-1
>>> RULE.apply(Batch(inputs=(Range(stop=9),), batch_size=4)) is None     # already columns
True
"""

from __future__ import annotations

from dataflowio.data.ops.batch import Batch
from dataflowio.data.ops.from_tensor_slices import FromTensorSlices
from dataflowio.data.ops.map import Map
from dataflowio.data.ops.prefetch import Prefetch
from dataflowio.data.ops.range import Range
from dataflowio.data.ops.repeat import Repeat
from dataflowio.data.ops.shard import Shard
from dataflowio.data.ops.shuffle import Shuffle
from dataflowio.data.ops.shuffle_and_repeat import ShuffleAndRepeat
from dataflowio.data.ops.skip import Skip
from dataflowio.data.ops.take import Take
from dataflowio.data.ops.vectorized_filter import VectorizedFilter
from dataflowio.data.ops.vectorized_map import VectorizedMap
from dataflowio.data.optimize.rewrite import Rule
from dataflowio.data.plan import Node

AUTOTUNE = -1


def columnar(node: Node) -> bool:
    """The node hands chunks over as columns (slices or gathers), not as single elements."""
    if isinstance(node, (FromTensorSlices, Range)):
        return True
    if isinstance(node, VectorizedMap) or (isinstance(node, Map) and node.vectorized):
        return columnar(node.inputs[0])
    if isinstance(node, VectorizedFilter):
        return columnar(node.inputs[0])
    if isinstance(node, (Shuffle, ShuffleAndRepeat)):
        return random_access(node.inputs[0])
    if isinstance(node, (Take, Skip, Shard, Repeat, Prefetch)):
        return columnar(node.inputs[0])
    return False


def random_access(node: Node) -> bool:
    """The node's iterator can gather any positions (what an index-level shuffle needs)."""
    if isinstance(node, (FromTensorSlices, Range)):
        return True
    if isinstance(node, Map) and node.stateless is True and node.num_parallel_calls in (None, 1):
        return random_access(node.inputs[0])
    return False


def _parallelize(node: Node) -> Node | None:
    if type(node) is not Batch or node.num_parallel_calls is not None:
        return None
    if columnar(node.inputs[0]):
        return None
    return node.replace(num_parallel_calls=AUTOTUNE)


RULE = Rule("parallel_batch", _parallelize)
