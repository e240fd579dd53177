"""`dataflowio.nn`: TF1's `tf.nn` (activations, cross entropies, conv / pooling, dropout, ...).

Every function works in both worlds: NumPy values in, NumPy values out; graph tensors in, a
graph node out.

>>> import numpy as np
>>> relu(np.array([-1.0, 2.0], np.float32)).tolist()
[0.0, 2.0]
"""

from __future__ import annotations

from typing import Any

import numpy as np  # noqa: F401 - used by the doctests

from dataflowio.graph.ops.array import gather
from dataflowio.graph.ops.elementwise import (  # noqa: F401
    sigmoid,
    tanh,
)
from dataflowio.graph.ops.nn_ops import (  # noqa: F401
    avg_pool,
    bias_add,
    conv2d,
    dropout,
    in_top_k,
    l2_loss,
    log_softmax,
    max_pool,
    relu,
    relu6,
    sigmoid_cross_entropy_with_logits,
    softmax,
    softmax_cross_entropy_with_logits,
    softmax_cross_entropy_with_logits_v2,
    sparse_softmax_cross_entropy_with_logits,
    top_k,
)
from dataflowio.graph.ops.reduce import reduce_mean


def embedding_lookup(params: Any, ids: Any, partition_strategy: str = "mod", name: str | None = None,
                     validate_indices: bool = True, max_norm: Any = None) -> Any:
    """Returns the rows of `params` at `ids` (composite over `gather`).

    >>> embedding_lookup(np.eye(3, dtype=np.float32), [2]).tolist()
    [[0.0, 0.0, 1.0]]
    """
    return gather(params, ids, name=name)


def moments(x: Any, axes: Any, shift: Any = None, name: str | None = None, keep_dims: bool = False,
            keepdims: bool | None = None) -> tuple[Any, Any]:
    """Returns `(mean, variance)` of `x` over `axes` (composite).

    >>> [v.tolist() for v in moments(np.array([1.0, 3.0], np.float32), [0])]
    [2.0, 1.0]
    """
    from dataflowio.graph.ops.elementwise import square, subtract

    keep = keep_dims if keepdims is None else keepdims
    mean = reduce_mean(x, axes, keepdims=True)
    var = reduce_mean(square(subtract(x, mean)), axes, keepdims=keep)
    return (mean if keep else reduce_mean(x, axes, keepdims=False)), var


def xw_plus_b(x: Any, weights: Any, biases: Any, name: str | None = None) -> Any:
    """Returns `matmul(x, weights) + biases` (composite)."""
    from dataflowio.graph.ops.elementwise import add
    from dataflowio.graph.ops.linalg import matmul

    return add(matmul(x, weights), biases, name=name)


__all__ = [n for n in dir() if not n.startswith("_") and n not in ("annotations", "Any", "gather",
                                                                   "reduce_mean")]
