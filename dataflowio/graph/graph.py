"""`Graph`, `Operation` and the default-graph stack: names, scopes, control deps, devices.

>>> import dataflowio.graph.api  # registers the ops
>>> g = Graph()
>>> with g.as_default():
...     with name_scope("layer"):
...         op = g.create_op(lookup("NoOp"), [], name="init")
>>> op.name, op.type, [o.name for o in g.get_operations()]
('layer/init', 'NoOp', ['layer/init'])
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

from dataflowio.errors import InvalidArgumentError, OpError
from dataflowio.graph.ops.registry import OpDef, lookup  # noqa: F401
from dataflowio.graph.tensor import Tensor
from dataflowio.tensor_shape import TensorShape


class Operation:
    """A node: an OpDef applied to input Tensors with static attrs; produces `outputs`."""

    def __init__(self, graph: Graph, opdef: OpDef, inputs: list[Tensor], attrs: dict[str, Any],
                 name: str, control_inputs: list[Operation], device: str, guard: tuple = ()) -> None:
        self.graph = graph
        self.opdef = opdef
        self.type = opdef.name
        self.name = name
        self.inputs = tuple(inputs)
        self.attrs = attrs
        self.control_inputs = list(control_inputs)
        self.device = device
        # the cond branches this op sits in: ((pred tensor, taken), ...), outermost first; a session
        # runs it only where every pred has its `taken` value
        self.guard = guard
        self.outputs: list[Tensor] = []
        self._id = len(graph._ops)

    def values(self) -> tuple[Tensor, ...]:
        """Returns the output tensors."""
        return tuple(self.outputs)

    def get_attr(self, name: str) -> Any:
        """Returns the static attribute `name`."""
        return self.attrs[name]

    def _add_control_input(self, op: Operation) -> None:
        if op not in self.control_inputs:
            self.control_inputs.append(op)

    def run(self, feed_dict: dict | None = None, session: Any = None) -> None:
        """Runs this op in `session` (default: the default session)."""
        from dataflowio.graph.session import _session_for

        _session_for(session, self.graph, "Operation.run()").run(self, feed_dict)

    def __repr__(self) -> str:
        return f"<tf.Operation '{self.name}' type={self.type}>"


class Graph:
    """A TF1 dataflow graph: the operations, name/control/device scopes and collections."""

    def __init__(self) -> None:
        self._ops: list[Operation] = []
        self._by_name: dict[str, Operation] = {}
        self._used_names: set[str] = set()
        self._name_stack = ""
        self._control_stack: list[list[Operation] | None] = []
        self._device_stack: list[str | None] = []
        self._guard: tuple = ()  # the guard of ops created now (see `_guarded`)
        self._collections: dict[str, list[Any]] = {}
        self.seed: int | None = None
        self._finalized = False
        self._version = 0
        self._var_store: dict[str, Any] = {}
        self._var_scope_stack: list[Any] = []
        self._lock = threading.RLock()

    # -- building ------------------------------------------------------------------------------
    def create_op(self, opdef: OpDef, inputs: list[Tensor], attrs: dict[str, Any] | None = None,
                  name: str | None = None) -> Operation:
        """Adds an `opdef` node fed by `inputs`; infers output shapes/dtypes (errors name the op)."""
        if self._finalized:
            raise RuntimeError("Graph is finalized and cannot be modified.")
        attrs = attrs or {}
        guard = self._guard
        for i, t in enumerate(inputs):
            if t.graph is not self:
                raise ValueError(f"{opdef.name}: input {t.name!r} is from a different Graph than "
                                 "the op being created; all inputs must come from the same graph.")
            inner = t.op.guard
            if inner and inner != guard[:len(inner)] and not (opdef.joins_branches and i and
                                                              inner[:-1] == guard):
                raise ValueError(f"{opdef.name}: input {t.name!r} was made inside a branch of a cond "
                                 "and only exists there; use the cond's result instead.")
        with self._lock:
            if name and name.endswith("/"):
                full = name[:-1]  # an exact name, as a name scope returned it
                self._used_names.add(full.lower())
            else:
                full = self.unique_name(name or opdef.name)
            try:
                specs = opdef.infer(inputs, **attrs)
            except OpError as e:
                raise type(e)(f"{full} ({opdef.name}): {e.message if hasattr(e, 'message') else e}") from None
            except (ValueError, TypeError) as e:
                raise InvalidArgumentError(f"{full} ({opdef.name}): {e}") from None
            op = Operation(self, opdef, inputs, attrs, full, self._current_control_inputs(),
                           self._current_device(), guard)
            op.outputs = [Tensor(op, i, TensorShape(s), d) for i, (s, d) in enumerate(specs)]
            self._ops.append(op)
            self._by_name[full] = op
            self._version += 1
        return op

    def _current_control_inputs(self) -> list[Operation]:
        out: list[Operation] = []
        for frame in self._control_stack:
            if frame is None:
                out = []
            else:
                out.extend(o for o in frame if o not in out)
        return out

    def _current_device(self) -> str:
        return (self._device_stack[-1] or "") if self._device_stack else ""

    def unique_name(self, name: str, mark_as_used: bool = True) -> str:
        """Returns `scope/name`, made unique with `_1`, `_2`, ... as TensorFlow does."""
        full = f"{self._name_stack}/{name}" if self._name_stack else name
        cand, i = full, 0
        while cand.lower() in self._used_names:
            i += 1
            cand = f"{full}_{i}"
        if mark_as_used:
            self._used_names.add(cand.lower())
        return cand

    @contextlib.contextmanager
    def name_scope(self, name: str | None) -> Iterator[str]:
        """Opens a name scope; yields its prefix ending with "/" (e.g. "layer1/")."""
        old = self._name_stack
        if name is None or name == "":
            self._name_stack = ""
        elif name.endswith("/"):
            self._name_stack = name[:-1]
        else:
            self._name_stack = self.unique_name(name)
        try:
            yield self._name_stack + "/" if self._name_stack else ""
        finally:
            self._name_stack = old

    @contextlib.contextmanager
    def control_dependencies(self, control_inputs: list[Any] | None) -> Iterator[None]:
        """Ops created inside run after `control_inputs` (ops or tensors); None clears."""
        frame = None
        if control_inputs is not None:
            frame = []
            for c in control_inputs:
                op = _as_op(c)
                if op.graph is not self:
                    raise ValueError(f"control_dependencies: {op.name!r} is from another graph.")
                frame.append(op)
        self._control_stack.append(frame)
        try:
            yield
        finally:
            self._control_stack.pop()

    @contextlib.contextmanager
    def _guarded(self, guard: tuple) -> Iterator[None]:
        """Ops created inside get `guard` (a cond branch: they run only where it holds)."""
        old, self._guard = self._guard, guard
        try:
            yield
        finally:
            self._guard = old

    @contextlib.contextmanager
    def device(self, spec: str | None) -> Iterator[None]:
        """Pins ops created inside to the device `spec` ("/cpu:0", "/gpu:0", "/device:GPU:0")."""
        from dataflowio.graph.placement import canonical_device

        self._device_stack.append(canonical_device(spec) if spec else None)
        try:
            yield
        finally:
            self._device_stack.pop()

    @contextlib.contextmanager
    def as_default(self) -> Iterator[Graph]:
        """Makes this graph the default graph inside the `with` block."""
        stack = _stack()
        stack.append(self)
        try:
            yield self
        finally:
            stack.pop()

    def finalize(self) -> None:
        """Makes the graph read-only."""
        self._finalized = True

    @property
    def finalized(self) -> bool:
        return self._finalized

    # -- lookup --------------------------------------------------------------------------------
    def get_operations(self) -> list[Operation]:
        """Returns the operations in creation order."""
        return list(self._ops)

    def get_operation_by_name(self, name: str) -> Operation:
        """Returns the op called `name` (KeyError if absent)."""
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(f"The name {name!r} refers to an Operation not in the graph.") from None

    def get_tensor_by_name(self, name: str) -> Tensor:
        """Returns the tensor called "op:index"."""
        if ":" not in name:
            raise ValueError(f"The name {name!r} looks like an Operation name, not a Tensor name "
                             "(Tensor names look like '<op_name>:<output_index>').")
        op_name, idx = name.rsplit(":", 1)
        op = self._by_name.get(op_name)
        if op is None or not idx.isdigit() or int(idx) >= len(op.outputs):
            raise KeyError(f"The name {name!r} refers to a Tensor which does not exist.")
        return op.outputs[int(idx)]

    def as_graph_element(self, obj: Any) -> Any:
        """Returns the Tensor/Operation `obj` names or is; ValueError if it is not in this graph."""
        if isinstance(obj, str):
            return self.get_tensor_by_name(obj) if ":" in obj else self.get_operation_by_name(obj)
        if hasattr(obj, "_as_graph_element"):
            obj = obj._as_graph_element()
        if isinstance(obj, (Tensor, Operation)):
            if obj.graph is not self:
                raise ValueError(f"{_describe(obj)} is not an element of this graph.")
            return obj
        raise TypeError(f"Can not convert a {type(obj).__name__} into a Tensor or Operation.")

    # -- collections ---------------------------------------------------------------------------
    def add_to_collection(self, name: str, value: Any) -> None:
        self._collections.setdefault(name, []).append(value)

    def add_to_collections(self, names: Any, value: Any) -> None:
        for n in [names] if isinstance(names, str) else names:
            self.add_to_collection(n, value)

    def get_collection(self, name: str, scope: str | None = None) -> list[Any]:
        items = list(self._collections.get(name, []))
        if scope is None:
            return items
        return [v for v in items if getattr(v, "name", "").startswith(scope)]

    def get_collection_ref(self, name: str) -> list[Any]:
        return self._collections.setdefault(name, [])

    def get_all_collection_keys(self) -> list[str]:
        return list(self._collections)


def _as_op(x: Any) -> Operation:
    if hasattr(x, "_as_graph_element"):
        x = x._as_graph_element()
    if isinstance(x, Operation):
        return x
    if isinstance(x, Tensor):
        return x.op
    raise TypeError(f"expected an Operation or Tensor, got {type(x).__name__}.")


def _describe(obj: Any) -> str:
    if isinstance(obj, Tensor):
        return f"Tensor {obj!r}"
    return f"Operation {obj!r}"


_global_default = Graph()
_local = threading.local()


def _stack() -> list[Graph]:
    s = getattr(_local, "stack", None)
    if s is None:
        s = _local.stack = []
    return s


def get_default_graph() -> Graph:
    """Returns the innermost `as_default()` graph, else the global default graph.

    >>> get_default_graph() is get_default_graph()
    True
    """
    s = _stack()
    return s[-1] if s else _global_default


def reset_default_graph() -> None:
    """Replaces the global default graph with a new empty one.

    >>> reset_default_graph(); get_default_graph().get_operations()
    []
    """
    global _global_default
    if _stack():
        raise AssertionError("Do not use tf.reset_default_graph() to clear nested graphs. If you "
                             "need a cleared graph, exit the nesting and create a new graph.")
    from dataflowio.graph import session as _session

    _session._clear_default_session_for(_global_default)
    _global_default = Graph()


def name_scope(name: str | None, default_name: str | None = None, values: Any = None) -> Any:
    """Opens a name scope in the default graph (TF1 signature `name_scope(name, default_name, values)`)."""
    return get_default_graph().name_scope(name if name is not None else default_name)


def control_dependencies(control_inputs: list[Any] | None) -> Any:
    """`get_default_graph().control_dependencies(...)`."""
    return get_default_graph().control_dependencies(control_inputs)


def device(spec: str | None) -> Any:
    """`get_default_graph().device(spec)`: pins ops created inside to a device."""
    return get_default_graph().device(spec)


def add_to_collection(name: str, value: Any) -> None:
    get_default_graph().add_to_collection(name, value)


def get_collection(name: str, scope: str | None = None) -> list[Any]:
    return get_default_graph().get_collection(name, scope)


def get_collection_ref(name: str) -> list[Any]:
    return get_default_graph().get_collection_ref(name)


def set_random_seed(seed: int | None) -> None:
    """Sets the graph-level random seed of the default graph."""
    get_default_graph().seed = seed
