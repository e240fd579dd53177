"""The TF1 names of the graph executor, re-exported at `dataflowio` top level and in `compat.v1`.

>>> import dataflowio.graph.api as tf
>>> with tf.Graph().as_default():
...     x = tf.placeholder(tf.float32, [None, 2])
...     y = tf.reduce_sum(x * 2, axis=1)
...     with tf.Session() as sess:
...         print(sess.run(y, {x: [[1, 2], [3, 4]]}).tolist())
[6.0, 14.0]
"""

from typing import Any

from dataflowio.dtypes import *
from dataflowio.dtypes import DType, as_dtype  # noqa: F401
from dataflowio.graph import operators as _operators  # noqa: F401 - binds Tensor operators
from dataflowio.graph.autodiff import gradients  # noqa: F401
from dataflowio.graph.graph import (  # noqa: F401
    Graph,
    Operation,
    add_to_collection,
    control_dependencies,
    device,
    get_collection,
    get_collection_ref,
    get_default_graph,
    name_scope,
    reset_default_graph,
)
from dataflowio.graph.ops.array import (  # noqa: F401
    concat,
    expand_dims,
    fill,
    gather,
    one_hot,
    ones,
    pad,
    range,
    rank,
    reshape,
    shape,
    size,
    slice,
    split,
    squeeze,
    stack,
    tile,
    transpose,
    unstack,
    zeros,
)
from dataflowio.graph.ops.core import (  # noqa: F401
    constant,
    convert_to_tensor,
    group,
    identity,
    no_op,
    placeholder,
    placeholder_with_default,
    stop_gradient,
)
from dataflowio.graph.ops.control_flow import cond  # noqa: F401
from dataflowio.graph.ops.elementwise import (  # noqa: F401
    abs,
    add,
    add_n,
    cast,
    ceil,
    clip_by_value,
    cos,
    div,
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
    ones_like,
    pow,
    realdiv,
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
    to_double,
    to_float,
    to_int32,
    to_int64,
    truediv,
    where,
    where_v2,
    zeros_like,
)
from dataflowio.graph.ops.linalg import matmul  # noqa: F401
from dataflowio.graph.ops.random import (  # noqa: F401
    random_normal,
    random_shuffle,
    random_uniform,
    truncated_normal,
)
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
from dataflowio.graph.placement import ConfigProto, GPUOptions, RunMetadata, RunOptions  # noqa: F401
from dataflowio.graph.session import InteractiveSession, Session, get_default_session  # noqa: F401
from dataflowio.graph.tensor import Tensor  # noqa: F401
from dataflowio.graph.variables import (  # noqa: F401
    AUTO_REUSE,
    GraphKeys,
    Variable,
    VariableScope,
    all_variables,
    constant_initializer,
    get_variable,
    get_variable_scope,
    global_variables,
    global_variables_initializer,
    glorot_normal_initializer,
    glorot_uniform_initializer,
    initialize_all_variables,
    initialize_local_variables,
    is_variable_initialized,
    local_variables,
    local_variables_initializer,
    model_variables,
    ones_initializer,
    random_normal_initializer,
    random_uniform_initializer,
    report_uninitialized_variables,
    trainable_variables,
    truncated_normal_initializer,
    variable_scope,
    variables_initializer,
    zeros_initializer,
)
from dataflowio.tensor_shape import TensorShape, TensorSpec  # noqa: F401

sub = subtract
mul = multiply
newaxis = None
from dataflowio.graph.py_func import numpy_function, py_func  # noqa: F401
from dataflowio.graph.sparse_ops import sparse_tensor_to_dense  # noqa: F401


def set_random_seed(seed: int | None) -> None:
    """TF1 `tf.set_random_seed`: the default graph's seed, also seeding datasets built afterwards."""
    from dataflowio.graph.graph import get_default_graph as _g

    _g().seed = seed
    try:
        from dataflowio import random as _random

        _random.set_seed(seed)
    except ImportError:  # pragma: no cover - the data side is optional for the graph
        pass


__all__ = sorted(n for n, v in list(globals().items())  # noqa: PLE0605
                 if not n.startswith("_") and type(v).__name__ != "module"
                 and n not in ("Any", "annotations", "InvalidArgumentError", "convert_to_numpy",
                               "dtype_of", "ALL_DTYPES"))


def assign(ref: Any, value: Any, validate_shape: Any = None, use_locking: Any = None, name: str | None = None) -> Any:
    """TF1 `tf.assign(ref, value)`: `ref.assign(value)`."""
    return ref.assign(value, name=name)


def assign_add(ref: Any, value: Any, use_locking: Any = None, name: str | None = None) -> Any:
    """TF1 `tf.assign_add(ref, value)`."""
    return ref.assign_add(value, name=name)


def assign_sub(ref: Any, value: Any, use_locking: Any = None, name: str | None = None) -> Any:
    """TF1 `tf.assign_sub(ref, value)`."""
    return ref.assign_sub(value, name=name)


__all__ += ["assign", "assign_add", "assign_sub"]
