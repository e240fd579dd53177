"""shuffle_and_repeat_fusion: `shuffle(b) -> repeat(count)` becomes one `shuffle_and_repeat`.

    shuffle(b, seed, reshuffle) -> repeat(count)   ==>   shuffle_and_repeat(b, seed, reshuffle, count)

Preconditions: the repeat's input is a `shuffle` node itself (the fused node shares its seed
source, so the iteration seeds it draws are the ones the pair would draw). The fused stage
produces exactly what the pair produces: passes never mix (tf.data's shuffle-then-repeat
meaning), each pass reshuffles (or not), an empty input ends it.
Payoff: one stage instead of two: one iterator hop per element or chunk.

>>> from dataflowio.data.ops.range import Range
>>> from dataflowio.data.ops.repeat import Repeat
>>> from dataflowio.data.ops.shuffle import Shuffle
>>> RULE.apply(Repeat(inputs=(Shuffle(inputs=(Range(stop=4),), buffer_size=4, seed=1),), count=2)).label()
'shuffle_and_repeat(buffer_size=4, seed=1, reshuffle_each_iteration=True, count=2)'
"""

from __future__ import annotations

from dataflowio.data.ops.repeat import Repeat
from dataflowio.data.ops.shuffle import Shuffle
from dataflowio.data.ops.shuffle_and_repeat import ShuffleAndRepeat
from dataflowio.data.optimize.rewrite import Rule
from dataflowio.data.plan import Node


def _fuse(node: Node) -> Node | None:
    if type(node) is not Repeat or not node.inputs or type(up := node.inputs[0]) is not Shuffle:
        return None
    name = f"{up.name}+{node.name}" if up.name or node.name else None
    return ShuffleAndRepeat(inputs=up.inputs, name=name, buffer_size=up.buffer_size, seed=up.seed,
                            reshuffle_each_iteration=up.reshuffle_each_iteration,
                            count=node.count, seed_source=up.seed_source)


RULE = Rule("shuffle_and_repeat_fusion", _fuse)
