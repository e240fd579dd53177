"""Two worlds for every op: `apply` builds a graph node when an argument is a graph value and
otherwise runs the kernel at once on NumPy. Also the basic ops: Const, Placeholder, Identity, NoOp.

>>> import numpy as np
>>> identity(np.float32(2.5)).item(), type(identity([1, 2])).__name__
(2.5, 'ndarray')
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from dataflowio import dtypes
from dataflowio.dtypes import DType, as_dtype, convert_to_numpy
from dataflowio.errors import InvalidArgumentError, OpError
from dataflowio.graph.context import EAGER
from dataflowio.graph.graph import Graph, Operation, get_default_graph
from dataflowio.graph.ops.registry import OpDef, register
from dataflowio.graph.tensor import GraphValue, Tensor
from dataflowio.tensor_shape import TensorShape


class DTypeMismatchError(InvalidArgumentError, TypeError):
    """Two operands of one op have different dtypes (TypeError in TF graph mode)."""


def to_leaf(value: Any) -> Any:
    """A kernel result as elements hold it: 0-d arrays become NumPy scalars, `np.bytes_` bytes."""
    if type(value) is np.ndarray:
        if value.ndim:
            return value
        value = value[()]
    if isinstance(value, np.bytes_):
        return bytes(value)
    return value


def is_graph(values: Sequence[Any]) -> bool:
    """True if any value (or any item of a list value) is a graph Tensor / Variable."""
    for v in values:
        if isinstance(v, GraphValue):
            return True
        if isinstance(v, (list, tuple)) and any(isinstance(x, GraphValue) for x in v):
            return True
    return False


def graph_of(values: Sequence[Any]) -> Graph:
    """The graph of the first graph value in `values` (else the default graph)."""
    for v in values:
        if isinstance(v, GraphValue):
            return as_tensor(v).graph
        if isinstance(v, (list, tuple)):
            for x in v:
                if isinstance(x, GraphValue):
                    return as_tensor(x).graph
    return get_default_graph()


def as_tensor(x: Any) -> Tensor:
    """A graph value as a Tensor (a Variable gives its value tensor)."""
    if isinstance(x, Tensor):
        return x
    return x._graph_tensor()


def convert_to_tensor(value: Any, dtype: Any = None, name: str | None = None,
                      preferred_dtype: Any = None, dtype_hint: Any = None,
                      graph: Graph | None = None) -> Tensor:
    """Returns `value` as a graph Tensor: tensors pass through, other values become constants.

    >>> t = convert_to_tensor([1.0, 2.0]); t.dtype.name, t.shape.as_list()
    ('float32', [2])
    """
    if isinstance(value, GraphValue):
        t = as_tensor(value)
        if dtype is not None and as_dtype(dtype) != t.dtype:
            raise DTypeMismatchError(f"Tensor conversion requested dtype {as_dtype(dtype).name} "
                                     f"for Tensor with dtype {t.dtype.name}: {t!r}")
        return t
    if dtype is not None:
        arr = convert_value(value, as_dtype(dtype), "convert_to_tensor")
    else:
        arr = convert_to_numpy(value)
        hint = preferred_dtype or dtype_hint
        if hint is not None and not isinstance(value, np.ndarray):
            try:
                arr = convert_value(value, as_dtype(hint), "convert_to_tensor")
            except (TypeError, ValueError):
                pass
    return _const(arr, graph or get_default_graph(), name)


def convert_value(value: Any, dtype: DType, where: str) -> np.ndarray:
    """Converts a concrete value to `dtype`, refusing lossy float -> int and string <-> number."""
    if isinstance(value, np.ndarray) and value.dtype == dtype.np:
        return value
    if dtype is dtypes.string:
        return convert_to_numpy(value, dtypes.string)
    arr = np.asarray(value)
    if arr.dtype.kind in "SUO":
        raise DTypeMismatchError(f"{where}: cannot convert {value!r:.60} to {dtype.name}.")
    if arr.dtype.kind in "fc" and (dtype.is_integer or dtype.is_bool) and arr.size \
            and not np.all(np.isfinite(arr) & (arr == np.round(arr))):
        raise DTypeMismatchError(f"{where}: cannot convert {value!r:.60} to {dtype.name} "
                                 "without losing its fractional part.")
    return arr.astype(dtype.np, copy=False)


def _const(arr: np.ndarray, graph: Graph, name: str | None = None) -> Tensor:
    return graph.create_op(CONST, [], {"value": arr, "dtype": dtypes.as_dtype(arr.dtype)},
                           name or "Const").outputs[0]


def eager(opdef: OpDef, inputs: Sequence[Any], attrs: dict[str, Any]) -> Any:
    """Runs `opdef`'s kernel at once on NumPy values; errors name the op and the input shapes."""
    arrays = [v if type(v) is np.ndarray else convert_to_numpy(v) for v in inputs]
    try:
        if opdef.stateful:
            out = opdef.kernel(np, *arrays, ctx=EAGER, node=None, **attrs)
        else:
            out = opdef.kernel(np, *arrays, **attrs)
    except OpError:
        raise
    except (ValueError, TypeError, IndexError) as e:
        shapes = ", ".join(str(np.shape(a)) for a in arrays)
        raise InvalidArgumentError(f"{opdef.name}: {e} (input shapes: {shapes})") from e
    if isinstance(out, tuple):
        return tuple([to_leaf(o) for o in out])
    return to_leaf(out)


def apply(opdef: OpDef, inputs: Sequence[Any], attrs: dict[str, Any] | None = None,
          name: str | None = None) -> Any:
    """Applies `opdef`: a graph node if any input is a graph value, else eager NumPy results.

    Graph results: the Tensor (one output), a tuple of Tensors, or the Operation (no outputs).
    """
    attrs = attrs if attrs is not None else {}
    for v in inputs:
        if isinstance(v, GraphValue):
            break
    else:
        return eager(opdef, inputs, attrs)
    return build(opdef, inputs, attrs, name)


def build(opdef: OpDef, inputs: Sequence[Any], attrs: dict[str, Any], name: str | None = None,
          graph: Graph | None = None) -> Any:
    """Always adds a node (converting concrete inputs to constants) and returns its outputs."""
    graph = graph or graph_of(inputs)
    ts = [as_tensor(v) if isinstance(v, GraphValue) else _const(convert_to_numpy(v), graph)
          for v in inputs]
    op = graph.create_op(opdef, ts, attrs, name)
    outs = op.outputs
    if not outs:
        return op
    return outs[0] if len(outs) == 1 else tuple(outs)


def constant_value(t: Any) -> np.ndarray | None:
    """The value of `t` when it is known statically (a concrete value or a Const node), else None."""
    if isinstance(t, GraphValue):
        if isinstance(t, Tensor) and t.op.type == "Const":
            return t.op.attrs["value"]
        if isinstance(t, Tensor) and t.op.type == "Shape" and t.op.inputs[0].shape.is_fully_defined():
            return np.array(t.op.inputs[0].shape.as_list(), dtype=t.dtype.np)
        return None
    return convert_to_numpy(t)


def spec(t: Tensor) -> tuple[TensorShape, DType]:
    return t.shape, t.dtype


# ---- the basic ops ---------------------------------------------------------------------------
def _no_grad(op: Operation, *dys: Any) -> list[None]:
    return [None] * len(op.inputs)


CONST = register(OpDef("Const", infer=lambda ins, value, dtype: [(value.shape, dtype)],
                       kernel=lambda xp, value, dtype: value if xp is np else xp.asarray(value)))


def _placeholder_kernel(xp: Any, *, ctx: Any, node: Any, dtype: DType, shape: TensorShape) -> Any:
    name = node.name if node is not None else "Placeholder"
    raise InvalidArgumentError(
        f"You must feed a value for placeholder tensor '{name}' with dtype {dtype.name}"
        + ("" if shape.rank is None else f" and shape {list(d if d is not None else -1 for d in shape)}")
        + f"\n\t [[{{{{node {name}}}}}]]")


PLACEHOLDER = register(OpDef("Placeholder", infer=lambda ins, dtype, shape: [(shape, dtype)],
                             kernel=_placeholder_kernel, stateful=True))
PLACEHOLDER_WITH_DEFAULT = register(OpDef(
    "PlaceholderWithDefault",
    infer=lambda ins, shape: [(shape, ins[0].dtype)],
    kernel=lambda xp, x, shape: x, grad=_no_grad))
IDENTITY = register(OpDef("Identity", infer=lambda ins: [spec(ins[0])], kernel=lambda xp, x: x,
                          grad=lambda op, dy: [dy]))
STOP_GRADIENT = register(OpDef("StopGradient", infer=lambda ins: [spec(ins[0])],
                               kernel=lambda xp, x: x, grad=_no_grad))
NO_OP = register(OpDef("NoOp", infer=lambda ins: [], kernel=lambda xp, *ins: None, grad=_no_grad))


def constant(value: Any, dtype: Any = None, shape: Any = None, name: str = "Const",
             verify_shape: bool = False) -> Tensor:
    """Returns a constant graph Tensor (TF literal dtypes: int -> int32, float -> float32).

    >>> c = constant([[1, 2], [3, 4]], dtype="float32"); c.dtype.name, c.shape.as_list()
    ('float32', [2, 2])
    """
    if isinstance(value, GraphValue):
        raise TypeError("constant: `value` must be a concrete value, got a graph Tensor; use identity().")
    arr = convert_value(value, as_dtype(dtype), "constant") if dtype is not None else convert_to_numpy(value)
    if shape is not None:
        shape = [int(d) for d in (shape if isinstance(shape, (list, tuple)) else [shape])]
        if arr.size == 1:
            arr = np.broadcast_to(arr.reshape(()), shape).copy()
        elif arr.size == int(np.prod(shape)) and not verify_shape:
            arr = arr.reshape(shape)
        elif list(arr.shape) != shape:
            raise InvalidArgumentError(f"constant({name!r}): value has {arr.size} elements, "
                                       f"which does not fit shape {shape}.")
    if in_eager_mode():
        return arr
    return _const(arr, get_default_graph(), name)


def placeholder(dtype: Any, shape: Any = None, name: str | None = None) -> Tensor:
    """Returns a Tensor whose value must be fed to `Session.run` via `feed_dict`.

    >>> placeholder("float32", [None, 784]).shape.as_list()
    [None, 784]
    """
    return get_default_graph().create_op(
        PLACEHOLDER, [], {"dtype": as_dtype(dtype), "shape": TensorShape(shape)},
        name or "Placeholder").outputs[0]


def placeholder_with_default(input: Any, shape: Any, name: str | None = None) -> Tensor:
    """Returns a Tensor that is `input` unless fed; `shape` may be less specific than `input`'s."""
    shape = TensorShape(shape)
    t = build(PLACEHOLDER_WITH_DEFAULT, [input], {"shape": shape}, name or "PlaceholderWithDefault",
              graph=graph_of([input]) if is_graph([input]) else get_default_graph())
    if not shape.is_compatible_with(t.op.inputs[0].shape):
        raise InvalidArgumentError(f"placeholder_with_default: shape {shape} is incompatible with "
                                   f"the default value's shape {t.op.inputs[0].shape}.")
    return t


def identity(input: Any, name: str | None = None) -> Any:
    """Returns `input` unchanged (a new node in graph mode)."""
    return apply(IDENTITY, [input], None, name)


def stop_gradient(input: Any, name: str | None = None) -> Any:
    """Returns `input`; gradients do not flow through it."""
    return apply(STOP_GRADIENT, [input], None, name)


def no_op(name: str | None = None) -> Operation:
    """Returns an op that does nothing (useful with control dependencies)."""
    return get_default_graph().create_op(NO_OP, [], {}, name or "NoOp")


def group(*inputs: Any, name: str | None = None) -> Operation:
    """Returns an op that runs after all `inputs` (ops or tensors, possibly nested in lists)."""
    flat: list[Any] = []

    def walk(x: Any) -> None:
        if isinstance(x, (list, tuple)):
            for y in x:
                walk(y)
        elif isinstance(x, dict):
            for y in x.values():
                walk(y)
        elif x is not None:
            flat.append(x)

    walk(inputs)
    graph = graph_of([as_tensor(x) if isinstance(x, GraphValue) else x.outputs[0] if
                      isinstance(x, Operation) and x.outputs else x for x in flat
                      if isinstance(x, GraphValue)]) if flat else get_default_graph()
    if flat and isinstance(flat[0], Operation):
        graph = flat[0].graph
    with graph.control_dependencies([x._as_graph_element() if hasattr(x, "_as_graph_element") else x
                                     for x in flat]):
        return graph.create_op(NO_OP, [], {}, name or "group_deps")


def tuple_(tensors: Sequence[Any], name: str | None = None, control_inputs: Any = None) -> list[Any]:
    """Returns identities of `tensors` that are all available only after every one is computed."""
    gate = group(*tensors, *(control_inputs or []))
    with gate.graph.control_dependencies([gate]):
        return [identity(t) for t in tensors]


_mode = threading.local()


def in_eager_mode() -> bool:
    """True inside `eager_mode()`: creation ops (zeros, random_*) return NumPy values."""
    return getattr(_mode, "eager", False)


@contextlib.contextmanager
def eager_mode() -> Iterator[None]:
    """Within the block (on this thread) creation ops such as `zeros` and `random_uniform` compute
    NumPy values instead of building graph nodes; dataset functions run inside it.

    >>> with eager_mode():
    ...     type(constant([1, 2])).__name__
    'ndarray'
    """
    old = in_eager_mode()
    _mode.eager = True
    try:
        yield
    finally:
        _mode.eager = old
