"""Static facts about map / filter nodes that several rules share.

>>> from dataflowio.data.ops.map import Map
>>> from dataflowio.data.ops.range import Range
>>> is_stateless(Map(inputs=(Range(stop=2),), fn=lambda x: x + 1))
True
>>> is_stateless(Map(inputs=(Range(stop=2),), fn=lambda x: x + 1, stateless=False))
False
"""

from __future__ import annotations

from typing import Any

from dataflowio.data.optimize.purity import proven_stateless


def is_stateless(node: Any) -> bool:
    """The node's function is declared (`stateless=True`) or proven free of state."""
    declared = getattr(node, "stateless", None)
    if declared is not None:
        return bool(declared)
    fn = getattr(node, "fn", None) or getattr(node, "predicate", None)
    return fn is not None and proven_stateless(fn)


def sequential(node: Any) -> bool:
    """The node runs on the consumer's thread (no `num_parallel_calls`)."""
    return getattr(node, "num_parallel_calls", None) in (None, 1)
