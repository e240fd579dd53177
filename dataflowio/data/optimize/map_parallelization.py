"""map_parallelization: a stateless sequential map runs on worker threads.

    map(f)   ==>   map(f, num_parallel_calls=AUTOTUNE)

Preconditions: a plain `map` (not the optimizer's `vectorized_map`: one call per chunk needs no
threads, and threads would hide the random access an index-level shuffle gathers through) with
no `num_parallel_calls`, not declared `vectorized`, whose function is declared `stateless=True`
or proven stateless (`purity.py`); user functions that may have side effects are never
parallelized. `deterministic` is left as set (None follows `Options().deterministic`, True by
default), so the order of elements is kept.
Payoff: functions that release the GIL (NumPy on large arrays, decoders) run on several cores.
With the default rules `vectorized_map` runs first and takes every map this rule could, so this
rule fires only when `vectorized_map` is switched off.

>>> from dataflowio.data.ops.range import Range
>>> from dataflowio.data.ops.map import Map
>>> RULE.apply(Map(inputs=(Range(stop=3),), fn=lambda x: x + 1)).num_parallel_calls
-1
"""

from __future__ import annotations

from dataflowio.data.ops.map import Map
from dataflowio.data.optimize._facts import is_stateless, sequential
from dataflowio.data.optimize.rewrite import Rule
from dataflowio.data.plan import Node

AUTOTUNE = -1


def _parallelize(node: Node) -> Node | None:
    if type(node) is not Map or node.num_parallel_calls is not None or node.vectorized:
        return None
    if not sequential(node) or not is_stateless(node):
        return None
    return node.replace(num_parallel_calls=AUTOTUNE, stateless=True)


RULE = Rule("map_parallelization", _parallelize)
