"""Helpers for the ops that hold datasets inside elements or keep elements in their state.

- `open_plan(node, ctx)`: opens a sub-plan (the dataset a user function returned) as an iterator;
- `plan_of(value, where)`: the logical plan of a Dataset a user function returned;
- `encode_value` / `decode_value`: elements as plain JSON data, for `get_state()` of ops that
  buffer elements (window, unique, group_by_window, scan's state);
- `ElementsSource`: a node over a fixed list of elements (the datasets `window` and
  `group_by_window` hand to the user);
- `DatasetSpec`: the spec of an element that is itself a dataset (as `tf.data.DatasetSpec`).

>>> v = ({"a": np.arange(3, dtype=np.int32)}, b"x", np.float32(1.5))
>>> back = decode_value(encode_value(v))
>>> back[0]["a"].tolist(), back[1], back[2].dtype.name
([0, 1, 2], b'x', 'float32')
"""

from __future__ import annotations

import base64
import importlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from dataflowio.data import structure
from dataflowio.data.iterator import Chunk, DataIterator, State
from dataflowio.data.plan import ExecContext, Node
from dataflowio.tensor_shape import TensorShape


def open_plan(node: Node, ctx: ExecContext) -> DataIterator:
    """Opens `node` and its inputs (no optimization: sub-plans run as the user built them)."""
    try:
        from dataflowio.data.execute import lower
    except ImportError:
        lower = None
    if lower is not None:
        return lower(node, ctx)
    return node.open(tuple(open_plan(i, ctx) for i in node.inputs), ctx)


def plan_of(value: Any, where: str) -> Node:
    """The plan of the Dataset `value`; a clear TypeError when a user function returned something else."""
    if isinstance(value, Node):
        return value
    plan = getattr(value, "_plan", None) or getattr(value, "plan", None)
    if isinstance(plan, Node):
        return plan
    raise TypeError(f"{where}: the function must return a Dataset, got {type(value).__name__}: "
                    f"{value!r:.60}.\n  hint: wrap values with Dataset.from_tensors / from_tensor_slices.")


def as_dataset(node: Node) -> Any:
    """Wraps a plan node in the public Dataset facade."""
    from dataflowio.data import dataset as _dataset

    wrap = getattr(_dataset.Dataset, "_from_plan", None)
    return wrap(node) if wrap is not None else _dataset.Dataset(node)


# ---- elements as JSON data ----------------------------------------------------------------------

def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode("ascii")


def encode_value(x: Any) -> Any:
    """A nested element as JSON-able data (see the module docstring)."""
    if isinstance(x, dict):
        return {"m": [[k, encode_value(v)] for k, v in x.items()]}
    if isinstance(x, tuple) and structure.is_structure(x):
        items = [encode_value(v) for v in x]
        if hasattr(x, "_fields"):
            return {"n": [type(x).__module__, type(x).__qualname__], "t": items}
        return {"t": items}
    if isinstance(x, bytes):
        return {"b": _b64(x)}
    if isinstance(x, np.ndarray):
        if x.dtype == object:
            return {"o": [encode_value(v) for v in x.reshape(-1)], "s": list(x.shape)}
        return {"a": _b64(np.ascontiguousarray(x).tobytes()), "d": x.dtype.str, "s": list(x.shape)}
    if isinstance(x, np.generic):
        return {"g": _b64(np.asarray(x).tobytes()), "d": x.dtype.str}
    if isinstance(x, (bool, int, float, str)) or x is None:
        return {"py": x}
    if isinstance(x, list):
        return {"l": [encode_value(v) for v in x]}
    plan = getattr(x, "_plan", None)
    if isinstance(plan, ElementsSource):  # a window dataset (window, group_by_window)
        return {"w": [encode_value(e) for e in plan.elements], "spec": encode_spec(plan.spec)}
    raise TypeError(f"checkpoint: cannot save a value of type {type(x).__name__} in iterator state.")


def decode_value(d: Any) -> Any:
    """The inverse of `encode_value`."""
    if "m" in d:
        return {k: decode_value(v) for k, v in d["m"]}
    if "t" in d:
        items = [decode_value(v) for v in d["t"]]
        if "n" in d:
            mod, qual = d["n"]
            cls: Any = importlib.import_module(mod)
            for part in qual.split("."):
                cls = getattr(cls, part)
            return cls(*items)
        return tuple(items)
    if "b" in d:
        return base64.b64decode(d["b"])
    if "o" in d:
        out = np.empty(len(d["o"]), dtype=object)
        for i, v in enumerate(d["o"]):
            out[i] = decode_value(v)
        return out.reshape(d["s"])
    if "a" in d:
        return np.frombuffer(base64.b64decode(d["a"]), dtype=np.dtype(d["d"])).reshape(d["s"]).copy()
    if "g" in d:
        return np.frombuffer(base64.b64decode(d["g"]), dtype=np.dtype(d["d"]))[0]
    if "l" in d:
        return [decode_value(v) for v in d["l"]]
    if "w" in d:
        elements = tuple(decode_value(v) for v in d["w"])
        return as_dataset(ElementsSource(elements=elements, spec=decode_spec(d["spec"])))
    return d["py"]


def encode_spec(spec: Any) -> Any:
    """A (nested) TensorSpec / DatasetSpec as JSON data."""
    if isinstance(spec, dict):
        return {"m": [[k, encode_spec(v)] for k, v in spec.items()]}
    if isinstance(spec, tuple):
        return {"t": [encode_spec(v) for v in spec]}
    if isinstance(spec, DatasetSpec):
        return {"ds": encode_spec(spec.element_spec)}
    dims = None if spec.shape.rank is None else list(spec.shape)
    return {"shape": dims, "dtype": spec.dtype.name}


def decode_spec(d: Any) -> Any:
    """The inverse of `encode_spec`."""
    from dataflowio.tensor_shape import TensorSpec

    if "m" in d:
        return {k: decode_spec(v) for k, v in d["m"]}
    if "t" in d:
        return tuple(decode_spec(v) for v in d["t"])
    if "ds" in d:
        return DatasetSpec(decode_spec(d["ds"]))
    return TensorSpec(d["shape"], d["dtype"])


# ---- datasets as elements ----------------------------------------------------------------------

class DatasetSpec:
    """The spec of an element that is a dataset, as `tf.data.DatasetSpec(element_spec, dataset_shape)`.

    >>> from dataflowio.tensor_shape import TensorSpec
    >>> DatasetSpec(TensorSpec((), "int64"))
    DatasetSpec(TensorSpec(shape=(), dtype=tf.int64, name=None), TensorShape([]))
    """

    __slots__ = ("dataset_shape", "element_spec")

    def __init__(self, element_spec: Any, dataset_shape: Any = ()) -> None:
        self.element_spec = element_spec
        self.dataset_shape = TensorShape(dataset_shape)

    @property
    def shape(self) -> TensorShape:
        return self.dataset_shape

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, DatasetSpec) and self.element_spec == other.element_spec
                and self.dataset_shape == other.dataset_shape)

    def __hash__(self) -> int:
        return hash(repr(self))

    def __repr__(self) -> str:
        return f"DatasetSpec({self.element_spec!r}, {self.dataset_shape!r})"


@dataclass(frozen=True, kw_only=True, eq=False)
class ElementsSource(Node):
    """A dataset over a fixed list of already-made elements (what `window` hands to the user)."""

    elements: tuple = ()
    spec: Any = None

    op_name = "elements"

    def open(self, inputs: tuple[DataIterator, ...], ctx: ExecContext) -> DataIterator:
        return ElementsIterator(list(self.elements))

    def _element_spec(self) -> Any:
        return self.spec

    def _cardinality(self) -> int:
        return len(self.elements)

    def label(self) -> str:
        return f"{self.op_name}(n={len(self.elements)})"


class ElementsIterator(DataIterator):
    def __init__(self, elements: list[Any]) -> None:
        super().__init__(name="elements")
        self._els = elements
        self._pos = 0

    def __next__(self) -> Any:
        if self._pos >= len(self._els):
            raise StopIteration
        self._pos += 1
        return self._els[self._pos - 1]

    def next_chunk(self, n: int) -> Chunk:
        if self._pos >= len(self._els):
            raise StopIteration
        part = self._els[self._pos:self._pos + n]
        self._pos += len(part)
        return Chunk.from_elements(part)

    def get_state(self) -> State:
        return {"pos": self._pos}

    def set_state(self, state: State) -> None:
        self._pos = int(state["pos"])


# ---- element specs of function outputs ---------------------------------------------------------

def first_element(node: Node) -> tuple[bool, Any]:
    """`(True, element)` for the first element `node` produces, `(False, None)` if it is empty."""
    from dataflowio.data.options import Options

    ctx = ExecContext(Options())
    it = open_plan(node, ctx)
    try:
        return True, next(it)
    except StopIteration:
        return False, None
    finally:
        it.close()
        ctx.close()


def dummy_element(spec: Any) -> Any:
    """A made-up element matching `spec` (zeros, empty strings; unknown dims as 0)."""
    def leaf(s: Any) -> Any:
        shape = tuple(0 if d is None else d for d in (s.shape if s.shape.rank is not None else ()))
        if s.dtype.name == "string":
            out = np.empty(shape, dtype=object)
            out.fill(b"")
            return structure.to_element_leaf(out)
        return structure.to_element_leaf(np.zeros(shape, dtype=s.dtype.np))

    return structure.map_structure(leaf, spec) if structure.is_structure(spec) else leaf(spec)


def sample_input(node: Node) -> Any:
    """An input element to trace a user function with: the first real one, else a dummy."""
    ok, el = first_element(node)
    return el if ok else dummy_element(node.element_spec())


def dataset_fn_spec(fn: Any, input_node: Node, where: str) -> Any:
    """The element spec of the datasets `fn` makes (interleave, flat_map): traced on graph
    placeholders where possible (TensorFlow's way, unknown dims stay unknown), else from the
    datasets made for the first two input elements with differing dims relaxed to None (and dims
    that follow an unknown input dim set to None), else from a made-up element."""
    from dataflowio.data.ops._fn import call_fn
    from dataflowio.data.ops.map import peek, relax, unknown_where_input_is

    in_spec = input_node.element_spec()
    traced = _trace_dataset_fn(fn, in_spec, where)
    if traced is not None:
        return traced
    firsts = peek(input_node, 2)
    if not firsts:
        return plan_of(call_fn(fn, dummy_element(in_spec)), where).element_spec()
    specs = [plan_of(call_fn(fn, el), where).element_spec() for el in firsts]
    return unknown_where_input_is(relax(specs), in_spec, firsts)


def _trace_dataset_fn(fn: Any, in_spec: Any, where: str) -> Any:
    try:
        import dataflowio

        make_graph, placeholder = dataflowio.Graph, dataflowio.placeholder
    except (ImportError, AttributeError):
        return None
    if any(isinstance(s, DatasetSpec) for s in structure.flatten(in_spec)):
        return None
    from dataflowio.data.ops._fn import call_fn

    try:
        with make_graph().as_default():
            args = structure.map_structure(lambda s: placeholder(s.dtype, s.shape), in_spec) \
                if structure.is_structure(in_spec) else placeholder(in_spec.dtype, in_spec.shape)
            return plan_of(call_fn(fn, args), where).element_spec()
    except Exception:  # noqa: BLE001 - any failure means: fall back to running fn on real data
        return None
