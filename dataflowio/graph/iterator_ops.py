"""The bridge from datasets to graphs: TF1 iterators whose `get_next()` are graph tensors.

The graph never imports the data package: a dataset is anything with `element_spec` (nested
TensorSpecs) and `iter()`; one built from graph Tensors (placeholders as parameters) also has
`_graph_tensors()` and `_make_iterator(values)`. Each Session keeps its own Python iterator;
`get_next` past the end raises `errors.OutOfRangeError`.

>>> class Three:  # a minimal dataset: anything with element_spec and __iter__
...     element_spec = TensorSpec([], "int64")
...     def __iter__(self): return iter(np.arange(3))
>>> from dataflowio.graph.api import Graph, Session
>>> with Graph().as_default():
...     nxt = make_one_shot_iterator(Three()).get_next()
...     with Session() as s:
...         print([int(s.run(nxt)) for _ in range(3)])
[0, 1, 2]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from dataflowio.errors import FailedPreconditionError, OutOfRangeError
from dataflowio.graph.graph import Operation, get_default_graph
from dataflowio.graph.ops.registry import OpDef, register
from dataflowio.tensor_shape import TensorShape, TensorSpec


def _is_struct(x: Any) -> bool:
    return isinstance(x, (tuple, dict)) and type(x).__name__ != "SparseTensorValue"


def flatten(x: Any) -> list[Any]:
    """Leaves of a nested tuple / namedtuple / dict (dict keys sorted, as tf.nest)."""
    if not _is_struct(x):
        return [x]
    items = [x[k] for k in sorted(x)] if isinstance(x, dict) else list(x)
    out: list[Any] = []
    for c in items:
        out.extend(flatten(c))
    return out


def pack_as(structure: Any, flat: list[Any]) -> Any:
    """Rebuilds `structure` with the leaves `flat` (inverse of `flatten`)."""
    it = iter(flat)

    def build(s: Any) -> Any:
        if not _is_struct(s):
            return next(it)
        if isinstance(s, dict):
            vals = {k: build(s[k]) for k in sorted(s)}
            return type(s)((k, vals[k]) for k in s)
        vals_l = [build(c) for c in s]
        return type(s)(*vals_l) if hasattr(s, "_fields") else type(s)(vals_l)

    return build(structure)


def _flattener(spec: Any) -> Callable[[Any], tuple]:
    """A fast element -> tuple-of-leaves function for elements shaped like `spec`."""
    if not _is_struct(spec):
        return lambda e: (e,)
    if isinstance(spec, tuple) and not any(_is_struct(s) for s in spec):
        return tuple
    return lambda e: tuple(flatten(e))


def _get_next_infer(ins: list, key: Any, dataset: Any, specs: tuple, one_shot: bool, **_: Any) -> list:
    return [(s.shape, s.dtype) for s in specs]


# NOTE: `sess.run` pulls one element per step from a synchronous Python loop. A prefetch thread
# injected by the dataset optimizer then costs a GIL hand-off per element and overlaps nothing
# for cheap pipelines (W6: 3-6x slower under CPU contention). Graph iterators therefore turn the
# automatic injection off unless the user's options set it; explicit `prefetch()` calls stay.
INJECT_PREFETCH = False


def _for_session(dataset: Any) -> Any:
    options = getattr(dataset, "options", None)
    if INJECT_PREFETCH or options is None or not hasattr(dataset, "with_options"):
        return dataset
    current = options()
    opt = getattr(current, "experimental_optimization", None)
    if opt is None or getattr(opt, "inject_prefetch", True) is not None:
        return dataset  # the user chose explicitly
    new = type(current)()
    new.experimental_optimization.inject_prefetch = False
    return dataset.with_options(new)


def _open(dataset: Any, values: dict | None) -> Any:
    dataset = _for_session(dataset)
    if values:
        return dataset._make_iterator(values)
    make = getattr(dataset, "_make_iterator", None)
    return make({}) if make is not None else iter(dataset)


def _get_next_kernel(xp: Any, *, ctx: Any, node: Any, key: Any, dataset: Any, specs: tuple,
                     one_shot: bool, _flat: Any = None) -> Any:
    state = ctx.resources.get(key)
    if state is None:
        if not one_shot:
            raise FailedPreconditionError(
                "GetNext() failed because the iterator has not been initialized. Ensure that you have "
                "run the initializer operation for this iterator before getting the next element.")
        state = ctx.resources[key] = _open(dataset, None)
    try:
        elem = next(state)
    except StopIteration:
        raise OutOfRangeError("End of sequence\n\t [[{{node IteratorGetNext}}]]") from None
    flat = _flat(elem) if _flat is not None else tuple(flatten(elem))
    if len(flat) == 1:
        return flat[0] if xp is np else xp.asarray(flat[0])
    return flat


def _init_kernel(xp: Any, *values: Any, ctx: Any, node: Any, key: Any, dataset: Any, tensors: tuple) -> None:
    old = ctx.resources.pop(key, None)
    if old is not None and hasattr(old, "close"):
        old.close()
    ctx.resources[key] = _open(dataset, dict(zip(tensors, values)))


GET_NEXT = register(OpDef("IteratorGetNext", infer=_get_next_infer, kernel=_get_next_kernel, stateful=True))
ITERATOR_INIT = register(OpDef("IteratorInit", infer=lambda ins, **a: [], kernel=_init_kernel, stateful=True))


class Iterator:
    """A TF1 graph iterator over a dataset (one-shot, initializable or reinitializable)."""

    def __init__(self, dataset: Any, one_shot: bool, output_structure: Any = None,
                 shared_name: str | None = None) -> None:
        self._graph = get_default_graph()
        self._dataset = dataset
        self._one_shot = one_shot
        self._structure = output_structure if output_structure is not None else dataset.element_spec
        self._specs = tuple(flatten(self._structure))
        for s in self._specs:
            if not isinstance(s, TensorSpec):
                raise TypeError(f"graph iterators support TensorSpec components only, got {s!r}.")
        self._key = object()
        self._initializer: Operation | None = None
        if dataset is not None and not one_shot:
            self._initializer = self.make_initializer(dataset, name="MakeIterator")
        elif dataset is not None and one_shot:
            captured = getattr(dataset, "_graph_tensors", list)()
            if captured:
                raise ValueError(
                    f"Failed to capture resource for a one-shot iterator: the dataset depends on graph "
                    f"tensors {[t.name for t in captured]}.\n  hint: use make_initializable_iterator() and "
                    "feed the placeholders when running its initializer.")

    @classmethod
    def from_structure(cls, output_types: Any, output_shapes: Any = None, shared_name: str | None = None,
                       output_classes: Any = None) -> Iterator:
        """Returns a reinitializable iterator for elements of the given types and shapes."""
        types = flatten(output_types)
        shapes = flatten(output_shapes) if output_shapes is not None else [None] * len(types)
        if output_shapes is not None and len(shapes) != len(types):
            shapes = [output_shapes] if len(types) == 1 else shapes
        specs = [TensorSpec(TensorShape(s), t) for t, s in zip(types, shapes)]
        return cls(None, False, pack_as(output_types, specs))

    def make_initializer(self, dataset: Any, name: str | None = None) -> Operation:
        """Returns an op that (re)starts this iterator on `dataset`."""
        tensors = tuple(getattr(dataset, "_graph_tensors", list)())
        specs = tuple(flatten(dataset.element_spec))
        if len(specs) != len(self._specs):
            raise TypeError(f"make_initializer: the dataset has {len(specs)} components, the iterator "
                            f"expects {len(self._specs)}.")
        for a, b in zip(specs, self._specs):
            if a.dtype != b.dtype or not a.shape.is_compatible_with(b.shape):
                raise TypeError(f"make_initializer: dataset component {a} is not compatible with the "
                                f"iterator's {b}.")
        return self._graph.create_op(ITERATOR_INIT, list(tensors),
                                     {"key": self._key, "dataset": dataset, "tensors": tensors},
                                     name or "MakeIterator")

    @property
    def initializer(self) -> Operation:
        if self._initializer is None:
            raise ValueError("Iterator does not have an initializer." if self._one_shot else
                             "This iterator was created with from_structure(); use make_initializer(dataset).")
        return self._initializer

    def get_next(self, name: str | None = None) -> Any:
        """Returns the next element as (nested) graph tensors; running it advances the iterator."""
        op = self._graph.create_op(GET_NEXT, [], {"key": self._key, "dataset": self._dataset,
                                                  "specs": self._specs, "one_shot": self._one_shot},
                                   name or "IteratorGetNext")
        op.attrs["_flat"] = _flattener(self._structure)
        outs = op.outputs
        return pack_as(self._structure, list(outs)) if _is_struct(self._structure) else outs[0]

    @property
    def element_spec(self) -> Any:
        return self._structure

    @property
    def output_types(self) -> Any:
        return pack_as(self._structure, [s.dtype for s in self._specs])

    @property
    def output_shapes(self) -> Any:
        return pack_as(self._structure, [s.shape for s in self._specs])

    @property
    def output_classes(self) -> Any:
        from dataflowio.graph.tensor import Tensor

        return pack_as(self._structure, [Tensor for _ in self._specs])


def make_one_shot_iterator(dataset: Any) -> Iterator:
    """Returns an iterator that starts by itself on first use (once per Session)."""
    return Iterator(dataset, one_shot=True)


def make_initializable_iterator(dataset: Any, shared_name: str | None = None) -> Iterator:
    """Returns an iterator that must be started with `sess.run(it.initializer, feed_dict)`."""
    return Iterator(dataset, one_shot=False, shared_name=shared_name)
