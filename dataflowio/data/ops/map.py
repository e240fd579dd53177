"""`Dataset.map`: applies a user function to every element.

Tuple elements are unpacked into positional arguments (tf.data's rule). With `vectorized=True`
the function is applied once to a whole chunk's columns (leading axis = elements) and must give
the same result as per element; `batch` then never touches single elements. An exception from
the function reaches the caller as itself, with a note naming the map and the element index.

>>> from dataflowio.data.ops.range import Range
>>> from dataflowio.data.plan import ExecContext
>>> from dataflowio.data.options import Options
>>> node = Map(inputs=(Range(stop=3),), fn=lambda x: x * 10)
>>> it = node.open((Range(stop=3).open((), None),), ExecContext(Options()))
>>> [int(v) for v in it]
[0, 10, 20]
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from dataflowio.data import checkpoint, structure
from dataflowio.data.iterator import Chunk, DataIterator, State
from dataflowio.data.ops._fn import (
    add_note,
    call_fn,
    call_traced,
    fn_name,
    normalize_element,
    spec_of_element,
)
from dataflowio.data.plan import ExecContext, Node
from dataflowio.data.runtime import seed as seeds
from dataflowio.errors import InvalidArgumentError


def check_parallelism(value: Any, where: str) -> None:
    """`num_parallel_calls` must be None, AUTOTUNE (-1) or a positive integer."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or (value < 1 and value != -1):
        raise InvalidArgumentError(
            f"{where}: `num_parallel_calls` must be None, AUTOTUNE (-1) or >= 1, got {value!r}.")


@dataclass(frozen=True, kw_only=True, eq=False)
class Map(Node):
    fn: Callable[..., Any] = None  # type: ignore[assignment]
    num_parallel_calls: int | None = None
    deterministic: bool | None = None  # type: ignore[misc]
    vectorized: bool = False
    stateless: bool | None = None

    op_name = "map"
    stateful_fn = True
    preserves_cardinality = True

    def __post_init__(self) -> None:
        check_parallelism(self.num_parallel_calls, "map")

    def where(self) -> str:
        return f"Dataset.map({fn_name(self.fn)})" if not self.name else f"Dataset.map(name={self.name!r})"

    def open(self, inputs: tuple[DataIterator, ...], ctx: ExecContext) -> DataIterator:
        if self.num_parallel_calls not in (None, 1):  # threads (or processes): the runtime's
            from dataflowio.data.runtime.parallel_map import open_parallel_map

            return open_parallel_map(self, inputs[0], ctx)
        return MapIterator(inputs[0], self.fn, self.vectorized, self.where(),
                           random_access=self.stateless is True)

    def _element_spec(self) -> Any:
        return memo_spec(self.fn, self.inputs[0], self.vectorized, infer_spec)


_SPECS: weakref.WeakKeyDictionary[Any, dict[tuple[str, bool], Any]] = weakref.WeakKeyDictionary()


def memo_spec(fn: Any, input_node: Node, vectorized: bool, infer: Callable[..., Any]) -> Any:
    """`infer(fn, input_node, vectorized)`, remembered per function and input spec, so optimizer
    copies of a node do not trace (and call) the user function again."""
    key = (repr(input_node.element_spec()), vectorized)
    try:
        table = _SPECS.setdefault(fn, {})
    except TypeError:  # not weak-referenceable (e.g. some builtins)
        return infer(fn, input_node, vectorized)
    if key not in table:
        table[key] = infer(fn, input_node, vectorized)
    return table[key]


def infer_spec(fn: Callable[..., Any], input_node: Node, vectorized: bool = False) -> Any:
    """The spec of `fn`'s output: traced on graph placeholders when possible, else from running
    `fn` on the input's first two elements (dims that differ become None), else on zeros shaped
    like the input spec."""
    in_spec = input_node.element_spec()
    traced = trace_spec(fn, in_spec)
    if traced is not None:
        return traced
    firsts = peek(input_node, 2)
    if not firsts:  # unknown input dims stood in as 1: output dims of that size stay unknown
        zeros = zeros_like_spec(in_spec)
        spec = spec_of_element(normalize_element(call_fn(fn, zeros)))
        return unknown_where_input_is(spec, in_spec, [zeros])
    specs = [_output_spec(fn, el, vectorized) for el in firsts]
    return unknown_where_input_is(relax(specs), in_spec, firsts)


def unknown_where_input_is(spec: Any, in_spec: Any, elements: list[Any]) -> Any:
    """Output dims whose size equals an *unknown* input dim's size in the peeked elements (or any
    dim when an input's rank is unknown) become None: they likely follow that input dim."""
    from dataflowio.tensor_shape import TensorShape, TensorSpec

    sizes: set[int] = set()
    any_rank = False
    for el in elements:
        for s, v in zip(structure.flatten(in_spec), structure.flatten(el)):
            if s.shape.rank is None:
                any_rank = True
                continue
            shape = np.shape(v)
            sizes.update(shape[d] for d, dim in enumerate(s.shape) if dim is None and d < len(shape))
    if not sizes and not any_rank:
        return spec

    def leaf(s: Any) -> Any:
        if not isinstance(s, TensorSpec) or s.shape.rank is None:
            return s
        dims = [None if (any_rank or d in sizes) else d for d in s.shape]
        return TensorSpec(TensorShape(dims), s.dtype, s.name)

    return structure.map_structure(leaf, spec) if structure.is_structure(spec) else leaf(spec)


def _output_spec(fn: Callable[..., Any], element: Any, vectorized: bool) -> Any:
    if not vectorized:
        return spec_of_element(normalize_element(call_fn(fn, element)))
    column = structure.map_structure(_as_column, element) if structure.is_structure(element) \
        else _as_column(element)
    spec = spec_of_element(normalize_element(call_fn(fn, column)))
    return structure.map_structure(_drop_leading, spec) if structure.is_structure(spec) \
        else _drop_leading(spec)


def relax(specs: list[Any]) -> Any:
    """The most specific spec every one of `specs` is an instance of (differing dims -> None)."""
    first = specs[0]
    flat = [structure.flatten(s) for s in specs]
    out = []
    for j, leaf in enumerate(flat[0]):
        merged = leaf.most_specific_common_supertype([f[j] for f in flat[1:]]) \
            if hasattr(leaf, "most_specific_common_supertype") else leaf
        out.append(merged if merged is not None else leaf)
    return structure.pack_as(first, out) if structure.is_structure(first) else out[0]


def _as_column(v: Any) -> np.ndarray:
    """One element's leaf as a column of one row (strings as object arrays)."""
    if isinstance(v, bytes):
        out = np.empty(1, dtype=object)
        out[0] = v
        return out
    return np.asarray(v)[None]


def _drop_leading(spec: Any) -> Any:
    from dataflowio.tensor_shape import TensorSpec

    return TensorSpec(spec.shape[1:], spec.dtype)


def peek(node: Node, n: int = 1) -> list[Any]:
    """Up to `n` first elements of `node`'s (unoptimized) plan."""
    from dataflowio.data import execute
    from dataflowio.data.options import Options

    ctx = ExecContext(Options())
    it = execute.lower(node, ctx)
    out: list[Any] = []
    try:
        for _ in range(n):
            out.append(next(it))
    except StopIteration:
        pass
    finally:
        it.close()
        ctx.close()
    return out


def trace_spec(fn: Callable[..., Any], in_spec: Any) -> Any:
    """`fn` traced on graph placeholders in a scratch graph, or None when that is not possible."""
    try:
        import dataflowio
        from dataflowio.tensor_shape import TensorShape, TensorSpec

        make_graph, placeholder = dataflowio.Graph, dataflowio.placeholder
    except (ImportError, AttributeError):
        return None
    try:
        with make_graph().as_default():
            args = structure.map_structure(lambda s: placeholder(s.dtype, s.shape), in_spec) \
                if structure.is_structure(in_spec) else placeholder(in_spec.dtype, in_spec.shape)
            out = call_traced(fn, args)
            if type(out) is list:
                out = tuple(out)

            def leaf(t: Any) -> Any:
                if hasattr(t, "graph") and hasattr(t, "op"):
                    shape = t.shape
                    rank = getattr(shape, "rank", len(shape) if shape is not None else None)
                    return TensorSpec(TensorShape(None) if rank is None else list(shape), t.dtype)
                if isinstance(t, np.ndarray) and t.dtype == object:
                    raise TypeError("NumPy code on graph tensors")  # e.g. np.stack([t, t])
                return spec_of_element(normalize_element(t))

            return structure.map_structure(leaf, out) if structure.is_structure(out) else leaf(out)
    except Exception:  # noqa: BLE001 - any failure means: fall back to running fn on real data
        return None


def zeros_like_spec(spec: Any) -> Any:
    """A value matching `spec` (unknown dims as 1, strings as b"") to call a function on."""
    def leaf(s: Any) -> Any:
        shape = tuple(1 if d is None else d for d in (s.shape if s.shape.rank is not None else ()))
        if s.dtype.name == "string":
            arr = np.full(shape, b"", dtype=object)
        else:
            arr = np.zeros(shape, dtype=s.dtype.np)
        return structure.to_element_leaf(arr)

    return structure.map_structure(leaf, spec) if structure.is_structure(spec) else leaf(spec)


class MapIterator(DataIterator):
    def __init__(self, source: DataIterator, fn: Callable[..., Any], vectorized: bool, where: str,
                 random_access: bool = False) -> None:
        super().__init__(source, name="map")
        self._fn, self._vectorized, self._where = fn, vectorized, where
        self._index = 0
        # Input elements already pulled but not yet mapped: after an error at element k of a
        # chunk, the k mapped ones go out first and the rest (the failing one first) wait here.
        self._carry: list[Any] = []
        self._seed_base = seeds.stage_base(where)  # element_seed(): same as the parallel map's
        if random_access and hasattr(source, "gather"):
            self.random_access_length = source.random_access_length  # type: ignore[method-assign]
            self.gather = self._gather  # type: ignore[method-assign]

    def _apply(self, element: Any) -> Any:
        seeds.set_position(self._seed_base, self._index)
        try:
            return normalize_element(call_fn(self._fn, element))
        except StopIteration as e:  # would silently end the iteration otherwise
            raise InvalidArgumentError(f"{self._where} at element {self._index}: the function "
                                       "raised StopIteration.") from e
        except Exception as e:
            add_note(e, f"in {self._where} at element {self._index}")
            raise
        finally:
            seeds.set_position(None, 0)

    def __next__(self) -> Any:
        element = self._carry.pop(0) if self._carry else next(self.source)
        out = self._apply(element)
        self._index += 1
        return out

    def _apply_chunk(self, chunk: Chunk) -> Chunk:
        if self._vectorized and not chunk.has_columns:
            try:
                chunk.columns(where=self._where)
            except InvalidArgumentError:
                pass  # elements of different shapes: the per-element path gives the same result
        if self._vectorized and chunk.has_columns:
            try:
                cols = normalize_element(call_fn(self._fn, chunk.columns(where=self._where)))
            except Exception as e:
                add_note(e, f"in {self._where} (vectorized) at elements {self._index}..{self._index + chunk.size - 1}")
                raise
            return Chunk.from_columns(cols, chunk.size)
        return self._per_element(chunk)

    def _per_element(self, chunk: Chunk) -> Chunk:
        """Maps one element at a time. If element k > 0 fails, returns the k results and carries
        the rest (the failing element first, so the next call raises its error): nothing is lost."""
        out = []
        elements = chunk.elements()
        start = self._index
        try:
            for el in elements:
                out.append(self._apply(el))
                self._index += 1
        except Exception:
            if not out:
                self._carry[:0] = elements[1:]
                self._index = start + 1  # the failing element is consumed
                raise
            self._carry[:0] = elements[len(out):]
        self._index = start
        return Chunk.from_elements(out)

    def next_chunk(self, n: int) -> Chunk:
        if self._carry:
            src, self._carry = Chunk.from_elements(self._carry[:n]), self._carry[n:]
        else:
            src = self.source.next_chunk(n)
        chunk = self._apply_chunk(src)
        self._index += chunk.size
        return chunk

    def map_whole(self, chunk: Chunk) -> Chunk:
        """Maps all of `chunk` or raises the error of its first failing element (for callers
        that need every element, as map_and_batch and the index gather do)."""
        try:
            out = self._apply_chunk(chunk)
        finally:
            carry, self._carry = self._carry, []
        if carry:
            self._apply(carry[0])  # raises that element's error again
        return out

    def raise_pending_error(self) -> None:
        super().raise_pending_error()
        if self._carry:  # the carried failing element raises its error again, and is consumed
            element = self._carry.pop(0)
            try:
                self._apply(element)
            except Exception:
                self._index += 1
                raise
            self._carry.insert(0, element)  # it did not fail this time: keep it for the next pull

    def _gather(self, positions: np.ndarray) -> Chunk:
        return self.map_whole(self.source.gather(positions))  # type: ignore[attr-defined]

    def get_state(self) -> State:
        state = {"index": self._index, "source": self.source.get_state()}
        if self._carry:
            state["carry"] = checkpoint.encode(self._carry)
        return state

    def set_state(self, state: State) -> None:
        self._index = int(state["index"])
        self._carry = list(checkpoint.decode(state["carry"])) if "carry" in state else []
        self.source.set_state(state["source"])
