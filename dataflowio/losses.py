"""`dataflowio.losses`: TF1's `tf.losses` (mean-reduced losses, as composites of graph ops).

Each returns the weighted mean over all elements (`Reduction.SUM_BY_NONZERO_WEIGHTS` with unit
weights is the plain mean, TensorFlow's default).

>>> import numpy as np
>>> round(float(sparse_softmax_cross_entropy(np.array([1]), np.array([[0.0, 0.0]], np.float32))), 4)
0.6931
>>> float(mean_squared_error(np.array([1.0, 3.0], np.float32), np.array([2.0, 3.0], np.float32)))
0.5
"""

from __future__ import annotations

from typing import Any

from dataflowio.graph.ops import elementwise as ew
from dataflowio.graph.ops import nn_ops
from dataflowio.graph.ops.reduce import reduce_mean, reduce_sum


def _weighted_mean(losses: Any, weights: Any) -> Any:
    if isinstance(weights, (int, float)) and weights == 1.0:
        return reduce_mean(losses)
    w = ew.multiply(ew.ones_like(losses), weights)
    return ew.divide(reduce_sum(ew.multiply(losses, w)), ew.maximum(reduce_sum(w), 1e-12))


def sparse_softmax_cross_entropy(labels: Any, logits: Any, weights: Any = 1.0, scope: Any = None,
                                 loss_collection: Any = None, reduction: Any = None) -> Any:
    """Mean cross entropy of integer `labels` against `logits`."""
    return _weighted_mean(nn_ops.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits),
                          weights)


def softmax_cross_entropy(onehot_labels: Any, logits: Any, weights: Any = 1.0, label_smoothing: float = 0,
                          scope: Any = None, loss_collection: Any = None, reduction: Any = None) -> Any:
    """Mean cross entropy of one-hot (or soft) labels against `logits`."""
    if label_smoothing:
        n = float(nn_ops.as_tensor(logits).shape[-1]) if nn_ops.is_graph([logits]) else float(logits.shape[-1])
        onehot_labels = ew.add(ew.multiply(onehot_labels, 1 - label_smoothing), label_smoothing / n)
    return _weighted_mean(nn_ops.softmax_cross_entropy_with_logits(labels=onehot_labels, logits=logits),
                          weights)


def sigmoid_cross_entropy(multi_class_labels: Any, logits: Any, weights: Any = 1.0, label_smoothing: float = 0,
                          scope: Any = None, loss_collection: Any = None, reduction: Any = None) -> Any:
    """Mean element-wise sigmoid cross entropy."""
    return _weighted_mean(nn_ops.sigmoid_cross_entropy_with_logits(labels=multi_class_labels, logits=logits),
                          weights)


def mean_squared_error(labels: Any, predictions: Any, weights: Any = 1.0, scope: Any = None,
                       loss_collection: Any = None, reduction: Any = None) -> Any:
    """Mean of `(predictions - labels) ** 2`."""
    return _weighted_mean(ew.squared_difference(predictions, labels), weights)


def absolute_difference(labels: Any, predictions: Any, weights: Any = 1.0, scope: Any = None,
                        loss_collection: Any = None, reduction: Any = None) -> Any:
    """Mean of `|predictions - labels|`."""
    return _weighted_mean(ew.abs(ew.subtract(predictions, labels)), weights)
