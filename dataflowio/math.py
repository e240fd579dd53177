"""`dataflowio.math`: TensorFlow's `tf.math` names for the element-wise, reduction and comparison ops.

>>> import numpy as np
>>> reduce_sum(np.array([[1, 2], [3, 4]], np.int32), axis=0).tolist(), argmax([1, 3, 2]).item()
([4, 6], 1)
"""

from dataflowio.graph.ops.elementwise import (  # noqa: F401
    abs,
    add,
    add_n,
    ceil,
    cos,
    divide,
    equal,
    exp,
    floor,
    floordiv,
    floormod,
    greater,
    greater_equal,
    is_finite,
    is_nan,
    less,
    less_equal,
    log,
    log1p,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    maximum,
    minimum,
    mod,
    multiply,
    negative,
    not_equal,
    pow,
    reciprocal,
    round,
    rsqrt,
    sigmoid,
    sign,
    sin,
    sqrt,
    square,
    squared_difference,
    subtract,
    tanh,
    truediv,
)
from dataflowio.graph.ops.nn_ops import in_top_k, log_softmax, softmax, top_k  # noqa: F401
from dataflowio.graph.ops.reduce import (  # noqa: F401
    argmax,
    argmin,
    count_nonzero,
    reduce_all,
    reduce_any,
    reduce_max,
    reduce_mean,
    reduce_min,
    reduce_prod,
    reduce_sum,
)


