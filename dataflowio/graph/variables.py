"""`Variable`, `get_variable` / `variable_scope`, initializers and the variable collections.

>>> from dataflowio.graph.session import Session
>>> with Graph().as_default():
...     v = Variable([1.0, 2.0], name="v")
...     inc = v.assign_add([1.0, 1.0])
...     with Session() as sess:
...         sess.run(v.initializer); _ = sess.run(inc)
...         print(v.name, sess.run(v).tolist())
v:0 [2.0, 3.0]
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from dataflowio import dtypes
from dataflowio.dtypes import as_dtype
from dataflowio.errors import InvalidArgumentError
from dataflowio.graph.graph import Graph, Operation, get_default_graph
from dataflowio.graph.ops import state
from dataflowio.graph.ops.core import as_tensor, build, convert_to_tensor, group, identity
from dataflowio.graph.tensor import GraphValue, Tensor
from dataflowio.tensor_shape import TensorShape


class GraphKeys:
    """Standard collection names (TF1 `tf.GraphKeys`)."""

    GLOBAL_VARIABLES = "variables"
    VARIABLES = "variables"
    LOCAL_VARIABLES = "local_variables"
    TRAINABLE_VARIABLES = "trainable_variables"
    MODEL_VARIABLES = "model_variables"
    GLOBAL_STEP = "global_step"
    UPDATE_OPS = "update_ops"
    LOSSES = "losses"
    REGULARIZATION_LOSSES = "regularization_losses"
    SUMMARIES = "summaries"
    QUEUE_RUNNERS = "queue_runners"
    TRAIN_OP = "train_op"
    SAVERS = "savers"


class Variable(GraphValue):
    """A graph variable: state kept by each Session, initialized by running `initializer`.

    `initial_value` may be a value, a Tensor, or a callable returning one. Using a Variable in
    an op reads its current value.
    """

    def __init__(self, initial_value: Any = None, trainable: bool = True, collections: Any = None,
                 validate_shape: bool = True, caching_device: Any = None, name: str | None = None,
                 variable_def: Any = None, dtype: Any = None, expected_shape: Any = None,
                 import_scope: Any = None, constraint: Any = None, use_resource: Any = None,
                 synchronization: Any = None, aggregation: Any = None, shape: Any = None) -> None:
        if initial_value is None:
            raise ValueError("Variable: initial_value must be specified.")
        graph = get_default_graph()
        self._trainable = bool(trainable)
        # made once, outside any cond branch the constructor is called in (TF1 lifts them too)
        with graph.name_scope(name or "Variable") as scope, graph._guarded(()):
            exact = scope
            if callable(initial_value):
                with graph.name_scope(exact + "Initializer/"):
                    init = initial_value()
            else:
                init = initial_value
            with graph.name_scope(exact):
                init_t = convert_to_tensor(init, dtype=dtype, name="initial_value") \
                    if not isinstance(init, GraphValue) else as_tensor(init)
            if init_t.op.guard:
                raise ValueError(f"Initializer for variable {exact[:-1]} is made inside a branch of a cond; "
                                 "pass a callable (a lambda) as the initial value so it is made outside.")
            if dtype is not None and init_t.dtype != as_dtype(dtype):
                from dataflowio.graph.ops.elementwise import cast

                init_t = cast(init_t, dtype)
            vshape = TensorShape(shape) if shape is not None else (
                init_t.shape if validate_shape else TensorShape(None))
            key = exact[:-1]
            self._var_op = graph.create_op(state.VARIABLE, [], {"key": key, "dtype": init_t.dtype,
                                                                "shape": vshape}, exact)
            self._key = self._var_op.name
            self._var_op.attrs["key"] = self._key
            with graph.name_scope(exact):
                self._initializer = graph.create_op(
                    state.ASSIGN, [init_t], {"key": self._key, "var_shape": vshape,
                                             "validate_shape": validate_shape}, "Assign")
        self._initial_value = init_t
        self._graph = graph
        self._reads: list[Tensor] = []
        cols = collections if collections is not None else [GraphKeys.GLOBAL_VARIABLES]
        if trainable and GraphKeys.TRAINABLE_VARIABLES not in cols:
            cols = list(cols) + [GraphKeys.TRAINABLE_VARIABLES]
        graph.add_to_collections(cols, self)

    # -- identity ------------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return f"{self._key}:0"

    @property
    def op(self) -> Operation:
        return self._var_op

    @property
    def graph(self) -> Graph:
        return self._graph

    @property
    def dtype(self) -> Any:
        return self._var_op.outputs[0].dtype

    @property
    def shape(self) -> TensorShape:
        return self._var_op.outputs[0].shape

    def get_shape(self) -> TensorShape:
        return self.shape

    @property
    def device(self) -> str:
        return self._var_op.device

    @property
    def trainable(self) -> bool:
        return self._trainable

    @property
    def initializer(self) -> Operation:
        return self._initializer

    @property
    def initial_value(self) -> Tensor:
        return self._initial_value

    def _graph_tensor(self) -> Tensor:
        # NOTE: inside control_dependencies a use must read the value *after* the dependencies
        # ran (TF1 ref semantics), so it gets its own read op; gradients treat every read of
        # the variable as the variable (see autodiff).
        if self._graph._current_control_inputs():
            return self.read_value()
        return self._var_op.outputs[0]

    def _all_reads(self) -> list[Tensor]:
        return [self._var_op.outputs[0], *self._reads]

    def _as_graph_element(self) -> Tensor:
        return self._var_op.outputs[0]

    def value(self) -> Tensor:
        """Returns the tensor that reads this variable."""
        return self._var_op.outputs[0]

    def read_value(self) -> Tensor:
        """Returns a new node that reads the value when it runs (after its control dependencies)."""
        t = self._graph.create_op(state.READ_VARIABLE, [], {"key": self._key, "dtype": self.dtype,
                                                            "shape": self.shape}, "ReadVariableOp").outputs[0]
        self._reads.append(t)
        return t

    def initialized_value(self) -> Tensor:
        """Returns the value after the initializer has run (TF1 helper)."""
        with self._graph.control_dependencies([self._initializer]):
            return identity(self._initial_value)

    # -- updates -------------------------------------------------------------------------------
    def _update(self, opdef: Any, value: Any, name: str | None, extra: dict) -> Tensor:
        v = convert_to_tensor(value, dtype=self.dtype) if not isinstance(value, GraphValue) else as_tensor(value)
        if v.dtype != self.dtype:
            raise InvalidArgumentError(f"{opdef.name} to {self._key}: value dtype {v.dtype.name} does not "
                                       f"match the variable's {self.dtype.name}.")
        return build(opdef, [v], {"key": self._key, "var_shape": self.shape, **extra},
                     name or opdef.name, graph=self._graph)

    def assign(self, value: Any, use_locking: bool = False, name: str | None = None,
               read_value: bool = True) -> Any:
        """Returns an op (a Tensor with the new value) that sets this variable to `value`."""
        out = self._update(state.ASSIGN, value, name, {"validate_shape": True})
        return out if read_value else out.op

    def assign_add(self, delta: Any, use_locking: bool = False, name: str | None = None,
                   read_value: bool = True) -> Any:
        """Returns an op that adds `delta` to this variable."""
        out = self._update(state.ASSIGN_ADD, delta, name, {})
        return out if read_value else out.op

    def assign_sub(self, delta: Any, use_locking: bool = False, name: str | None = None,
                   read_value: bool = True) -> Any:
        """Returns an op that subtracts `delta` from this variable."""
        out = self._update(state.ASSIGN_SUB, delta, name, {})
        return out if read_value else out.op

    def eval(self, session: Any = None) -> Any:
        """Returns the current value in `session` (default: the default session)."""
        return self.value().eval(session=session)

    def load(self, value: Any, session: Any = None) -> None:
        """Sets the value directly in `session` without adding ops."""
        from dataflowio.graph.session import _session_for

        sess = _session_for(session, self._graph, "Variable.load()")
        sess._ctx.vars[self._key] = np.array(value, dtype=self.dtype.np)

    def __repr__(self) -> str:
        return f"<tf.Variable '{self.name}' shape={self.shape} dtype={self.dtype.name}>"


# ---- collections ---------------------------------------------------------------------------
def global_variables(scope: str | None = None) -> list[Variable]:
    """Returns the variables in the GLOBAL_VARIABLES collection of the default graph."""
    return get_default_graph().get_collection(GraphKeys.GLOBAL_VARIABLES, scope)


all_variables = global_variables


def trainable_variables(scope: str | None = None) -> list[Variable]:
    """Returns the trainable variables of the default graph."""
    return get_default_graph().get_collection(GraphKeys.TRAINABLE_VARIABLES, scope)


def local_variables(scope: str | None = None) -> list[Variable]:
    return get_default_graph().get_collection(GraphKeys.LOCAL_VARIABLES, scope)


def model_variables(scope: str | None = None) -> list[Variable]:
    return get_default_graph().get_collection(GraphKeys.MODEL_VARIABLES, scope)


def variables_initializer(var_list: list[Variable], name: str = "init") -> Operation:
    """Returns an op that runs the initializers of `var_list`."""
    var_list = list(var_list)
    if not var_list:
        return get_default_graph().create_op(_noop(), [], {}, name)
    return group(*[v.initializer for v in var_list], name=name)


def _noop() -> Any:
    from dataflowio.graph.ops.core import NO_OP

    return NO_OP


def global_variables_initializer() -> Operation:
    """Returns an op that initializes every global variable of the default graph."""
    return variables_initializer(global_variables(), name="init")


initialize_all_variables = global_variables_initializer


def local_variables_initializer() -> Operation:
    """Returns an op that initializes the local variables (none unless you add some)."""
    return variables_initializer(local_variables(), name="init_1")


initialize_local_variables = local_variables_initializer


def report_uninitialized_variables(var_list: list[Variable] | None = None, name: str | None = None) -> Any:
    """Returns a string tensor naming the variables not yet initialized."""
    var_list = global_variables() if var_list is None else var_list
    keys = tuple(v._key for v in var_list)
    flags = get_default_graph().create_op(state.IS_INITIALIZED, [], {"keys": keys}).outputs[0]
    from dataflowio.graph.ops.array import gather
    from dataflowio.graph.ops.elementwise import logical_not, where

    names = convert_to_tensor(np.array([k.encode() for k in keys], dtype=object), dtype=dtypes.string)
    return gather(names, where(logical_not(flags))[:, 0] if keys else np.zeros(0, np.int64))


def is_variable_initialized(variable: Variable) -> Tensor:
    """Returns a bool tensor: has `variable` been initialized in the session?"""
    return get_default_graph().create_op(state.IS_INITIALIZED, [], {"keys": (variable._key,)}).outputs[0][0]


# ---- initializers --------------------------------------------------------------------------
class Initializer:
    """A callable `init(shape, dtype=None, partition_info=None)` returning the initial value."""

    dtype: Any = dtypes.float32

    def __call__(self, shape: Any, dtype: Any = None, partition_info: Any = None) -> Any:
        raise NotImplementedError


class constant_initializer(Initializer):
    """Fills with `value` (a scalar, or a list/array broadcast or reshaped to the shape)."""

    def __init__(self, value: Any = 0, dtype: Any = dtypes.float32, verify_shape: bool = False) -> None:
        self.value, self.dtype, self.verify_shape = value, dtype, verify_shape

    def __call__(self, shape: Any, dtype: Any = None, partition_info: Any = None) -> Any:
        from dataflowio.graph.ops.core import constant

        dt = as_dtype(dtype or self.dtype)
        shape = [int(d) for d in TensorShape(shape)]
        v = np.asarray(self.value, dtype=dt.np)
        if v.size == 1:
            arr = np.full(shape, v.reshape(()), dtype=dt.np)
        elif v.size == int(np.prod(shape)):
            arr = v.reshape(shape)
        else:
            raise InvalidArgumentError(f"constant_initializer: {v.size} values do not fit shape {shape}.")
        return constant(arr, dtype=dt)


class zeros_initializer(constant_initializer):
    def __init__(self, dtype: Any = dtypes.float32) -> None:
        super().__init__(0, dtype)


class ones_initializer(constant_initializer):
    def __init__(self, dtype: Any = dtypes.float32) -> None:
        super().__init__(1, dtype)


class random_uniform_initializer(Initializer):
    def __init__(self, minval: Any = 0.0, maxval: Any = None, seed: int | None = None,
                 dtype: Any = dtypes.float32) -> None:
        self.minval, self.maxval, self.seed, self.dtype = minval, maxval, seed, dtype

    def __call__(self, shape: Any, dtype: Any = None, partition_info: Any = None) -> Any:
        from dataflowio.graph.ops.random import random_uniform

        return random_uniform(list(TensorShape(shape)), self.minval,
                              1.0 if self.maxval is None else self.maxval, dtype or self.dtype, self.seed)


class random_normal_initializer(Initializer):
    def __init__(self, mean: Any = 0.0, stddev: Any = 1.0, seed: int | None = None,
                 dtype: Any = dtypes.float32) -> None:
        self.mean, self.stddev, self.seed, self.dtype = mean, stddev, seed, dtype

    def __call__(self, shape: Any, dtype: Any = None, partition_info: Any = None) -> Any:
        from dataflowio.graph.ops.random import random_normal

        return random_normal(list(TensorShape(shape)), self.mean, self.stddev, dtype or self.dtype, self.seed)


class truncated_normal_initializer(random_normal_initializer):
    def __call__(self, shape: Any, dtype: Any = None, partition_info: Any = None) -> Any:
        from dataflowio.graph.ops.random import truncated_normal

        return truncated_normal(list(TensorShape(shape)), self.mean, self.stddev, dtype or self.dtype,
                                self.seed)


class glorot_uniform_initializer(Initializer):
    """Uniform in `±sqrt(6 / (fan_in + fan_out))` (Xavier)."""

    def __init__(self, seed: int | None = None, dtype: Any = dtypes.float32) -> None:
        self.seed, self.dtype = seed, dtype

    def __call__(self, shape: Any, dtype: Any = None, partition_info: Any = None) -> Any:
        from dataflowio.graph.ops.random import random_uniform

        dims = [int(d) for d in TensorShape(shape)]
        fan_in, fan_out = _fans(dims)
        limit = float(np.sqrt(6.0 / max(fan_in + fan_out, 1)))
        return random_uniform(dims, -limit, limit, dtype or self.dtype, self.seed)


class glorot_normal_initializer(glorot_uniform_initializer):
    def __call__(self, shape: Any, dtype: Any = None, partition_info: Any = None) -> Any:
        from dataflowio.graph.ops.random import truncated_normal

        dims = [int(d) for d in TensorShape(shape)]
        fan_in, fan_out = _fans(dims)
        std = float(np.sqrt(2.0 / max(fan_in + fan_out, 1)) / 0.87962566103423978)
        return truncated_normal(dims, 0.0, std, dtype or self.dtype, self.seed)


def _fans(dims: list[int]) -> tuple[int, int]:
    if not dims:
        return 1, 1
    if len(dims) == 1:
        return dims[0], dims[0]
    receptive = int(np.prod(dims[:-2])) if len(dims) > 2 else 1
    return dims[-2] * receptive, dims[-1] * receptive


xavier_initializer = glorot_uniform_initializer


# ---- variable scopes -----------------------------------------------------------------------
class _AutoReuse:
    def __repr__(self) -> str:
        return "AUTO_REUSE"


AUTO_REUSE: Any = _AutoReuse()


class VariableScope:
    """The current `variable_scope`: name prefix, reuse mode and default initializer."""

    def __init__(self, name: str, reuse: Any = False, initializer: Any = None, dtype: Any = None) -> None:
        self.name, self.reuse, self.initializer, self.dtype = name, reuse, initializer, dtype
        self.original_name_scope = name + "/" if name else ""

    def reuse_variables(self) -> None:
        self.reuse = True

    def set_initializer(self, initializer: Any) -> None:
        self.initializer = initializer


def get_variable_scope() -> VariableScope:
    """Returns the innermost variable scope of the default graph."""
    stack = get_default_graph()._var_scope_stack
    return stack[-1] if stack else VariableScope("")


@contextlib.contextmanager
def variable_scope(name_or_scope: Any, default_name: str | None = None, values: Any = None,
                   initializer: Any = None, regularizer: Any = None, caching_device: Any = None,
                   partitioner: Any = None, custom_getter: Any = None, reuse: Any = None,
                   dtype: Any = None, use_resource: Any = None, constraint: Any = None,
                   auxiliary_name_scope: bool = True) -> Iterator[VariableScope]:
    """Opens a variable scope (and a name scope) for `get_variable`; `reuse=True` / `AUTO_REUSE`
    returns existing variables instead of creating new ones."""
    graph = get_default_graph()
    parent = get_variable_scope()
    if isinstance(name_or_scope, VariableScope):
        full = name_or_scope.name
    else:
        base = name_or_scope if name_or_scope is not None else default_name
        if base is None:
            raise ValueError("variable_scope: pass name_or_scope or default_name.")
        if name_or_scope is None:
            taken = {v.name.split(":")[0] for v in graph._var_store.values()}
            prefix = f"{parent.name}/{base}" if parent.name else base
            cand, i = prefix, 0
            while any(t == cand or t.startswith(cand + "/") for t in taken):
                i += 1
                cand = f"{prefix}_{i}"
            full = cand
        else:
            full = f"{parent.name}/{base}" if parent.name else base
    new_reuse = parent.reuse if reuse is None else reuse
    if parent.reuse is True and reuse is not False:
        new_reuse = True
    if isinstance(name_or_scope, VariableScope) and reuse is None:
        new_reuse = name_or_scope.reuse or parent.reuse
    scope = VariableScope(full, new_reuse, initializer if initializer is not None else parent.initializer,
                          dtype or parent.dtype)
    graph._var_scope_stack.append(scope)
    try:
        if auxiliary_name_scope:
            with graph.name_scope(full.rsplit("/", 1)[-1] if graph._name_stack else full):
                yield scope
        else:
            yield scope
    finally:
        graph._var_scope_stack.pop()


def get_variable(name: str, shape: Any = None, dtype: Any = None, initializer: Any = None,
                 regularizer: Any = None, trainable: bool | None = None, collections: Any = None,
                 caching_device: Any = None, partitioner: Any = None, validate_shape: bool = True,
                 use_resource: Any = None, custom_getter: Any = None, constraint: Any = None,
                 synchronization: Any = None, aggregation: Any = None) -> Variable:
    """Returns the variable `scope/name`, creating it unless the scope reuses variables.

    >>> with Graph().as_default():
    ...     with variable_scope("layer"):
    ...         w = get_variable("w", [2, 3], initializer=constant_initializer(0.5))
    ...     with variable_scope("layer", reuse=True):
    ...         w2 = get_variable("w")
    >>> w.name, w is w2
    ('layer/w:0', True)
    """
    graph = get_default_graph()
    scope = get_variable_scope()
    full = f"{scope.name}/{name}" if scope.name else name
    existing = graph._var_store.get(full)
    if existing is not None:
        if scope.reuse is False or scope.reuse is None:
            raise ValueError(f"Variable {full} already exists, disallowed. Did you mean to set "
                             "reuse=True or reuse=tf.AUTO_REUSE in VarScope?")
        if shape is not None and not existing.shape.is_compatible_with(TensorShape(shape)):
            raise ValueError(f"Trying to share variable {full}, but specified shape {list(TensorShape(shape))} "
                             f"and found shape {list(existing.shape)}.")
        return existing
    if scope.reuse is True:
        raise ValueError(f"Variable {full} does not exist, or was not created with tf.get_variable(). "
                         "Did you mean to set reuse=tf.AUTO_REUSE in VarScope?")
    dt = as_dtype(dtype or scope.dtype or dtypes.float32)
    init = initializer if initializer is not None else scope.initializer
    if init is None:
        init = glorot_uniform_initializer() if dt.is_floating else zeros_initializer()
    if isinstance(init, Initializer) or (callable(init) and not isinstance(init, (Tensor, np.ndarray))):
        if shape is None:
            raise ValueError(f"get_variable: shape of a new variable ({full}) must be fully defined, "
                             "but instead was None.")
        init_fn: Callable[[], Any] = lambda: init(TensorShape(shape), dt)
        value: Any = init_fn
    else:
        value = init
    with graph.name_scope(None):
        v = Variable(value, trainable=True if trainable is None else trainable, collections=collections,
                     validate_shape=validate_shape, name=full, dtype=dt if not isinstance(value, Tensor) else None)
    graph._var_store[full] = v
    return v
