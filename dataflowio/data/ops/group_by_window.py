"""`Dataset.group_by_window`: groups elements by a key and reduces each full window to a dataset.

`key_func(*element)` gives an int64 key; elements collect per key until the key's window holds
`window_size` (or `window_size_func(key)`, computed once per key) elements; then
`reduce_func(key, window_dataset)` makes a dataset whose elements are yielded in full. At the
end of the input the unfinished windows are reduced in ascending key order (tf.data's order).
A checkpoint saves the buffered windows and the window being yielded.

>>> from dataflowio.data.ops.range import Range
>>> from dataflowio.data.ops.batch import Batch
>>> from dataflowio.data.ops._nested import open_plan, plan_of
>>> from dataflowio.data.plan import ExecContext
>>> from dataflowio.data.options import Options
>>> node = GroupByWindow(inputs=(Range(stop=7),), key_func=lambda x: x % 2,
...                      reduce_func=lambda k, w: Batch(inputs=(plan_of(w, ""),), batch_size=9),
...                      window_size=2)
>>> [b.tolist() for b in open_plan(node, ExecContext(Options()))]
[[0, 2], [1, 3], [4, 6], [5]]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from dataflowio.data.iterator import DataIterator, State
from dataflowio.data.ops._fn import add_note, call_fn, check_arity, fn_name, num_args_for
from dataflowio.data.ops._nested import (
    ElementsSource,
    as_dataset,
    decode_value,
    encode_value,
    open_plan,
    plan_of,
)
from dataflowio.data.plan import INFINITE, UNKNOWN, ExecContext, Node
from dataflowio.errors import InvalidArgumentError


def _int64_scalar(value: Any, what: str, where: str) -> int:
    arr = np.asarray(value)
    if arr.shape != () or arr.dtype.kind not in "iu":
        raise InvalidArgumentError(f"{where}: `{what}` must return a single int64 scalar, got "
                                   f"{arr.dtype} with shape {arr.shape}.")
    return int(arr)


def _call(fn: Callable[..., Any], args: tuple[Any, ...], where: str) -> Any:
    try:
        return fn(*args)
    except StopIteration as e:
        raise InvalidArgumentError(f"{where}: the function raised StopIteration.") from e
    except Exception as e:
        add_note(e, f"in {where}")
        raise


@dataclass(frozen=True, kw_only=True, eq=False)
class GroupByWindow(Node):
    key_func: Callable[..., Any]
    reduce_func: Callable[..., Any]
    window_size: int | None = None
    window_size_func: Callable[..., Any] | None = None
    spec: Any = None  # the element spec when the caller knows it (bucket_by_sequence_length)

    op_name = "group_by_window"
    stateful_fn = True

    def __post_init__(self) -> None:
        where = self.where()
        if (self.window_size is None) == (self.window_size_func is None):
            raise InvalidArgumentError(f"{where}: exactly one of `window_size` and `window_size_func` "
                                       "must be given.")
        if self.window_size is not None:
            if isinstance(self.window_size, bool) or not hasattr(self.window_size, "__index__") \
                    or int(self.window_size) <= 0:
                raise InvalidArgumentError(f"{where}: `window_size` must be a positive integer, got "
                                           f"{self.window_size!r}.")
        else:
            check_arity(self.window_size_func, 1, where)
        check_arity(self.reduce_func, 2, where)
        if self.inputs:
            check_arity(self.key_func, num_args_for(self.inputs[0].element_spec()), where)

    def where(self) -> str:
        if self.name:
            return f"Dataset.group_by_window(name={self.name!r})"
        return f"Dataset.group_by_window({fn_name(self.key_func)}, {fn_name(self.reduce_func)})"

    def window_dataset(self, elements: tuple[Any, ...]) -> Any:
        return as_dataset(ElementsSource(elements=elements, spec=self.inputs[0].element_spec()))

    def reduce_plan(self, key: int, elements: tuple[Any, ...]) -> Node:
        out = _call(self.reduce_func, (np.int64(key), self.window_dataset(elements)), self.where())
        return plan_of(out, self.where())

    def open(self, inputs: tuple[DataIterator, ...], ctx: ExecContext) -> DataIterator:
        return GroupByWindowIterator(self, inputs[0], ctx)

    def _element_spec(self) -> Any:
        if self.spec is not None:
            return self.spec
        return self.reduce_plan(0, ()).element_spec()

    def _cardinality(self) -> int:
        return INFINITE if self.inputs[0].cardinality() == INFINITE else UNKNOWN


class GroupByWindowIterator(DataIterator):
    def __init__(self, node: GroupByWindow, source: DataIterator, ctx: ExecContext) -> None:
        super().__init__(source, name="group_by_window")
        self._node, self._ctx, self._where = node, ctx, node.where()
        self._groups: dict[int, list[Any]] = {}
        self._sizes: dict[int, int] = {}
        self._end = False
        self._flushing: tuple[int, tuple[Any, ...]] | None = None
        self._inner: DataIterator | None = None

    def _window_size(self, key: int) -> int:
        if key not in self._sizes:
            n = self._node
            if n.window_size is not None:
                size = int(n.window_size)
            else:
                size = _int64_scalar(_call(n.window_size_func, (np.int64(key),), self._where),
                                     "window_size_func", self._where)
                if size <= 0:
                    raise InvalidArgumentError(f"{self._where}: window size must be greater than zero, "
                                               f"but got {size} for key {key}.")
            self._sizes[key] = size
        return self._sizes[key]

    def _start(self, key: int, elements: tuple[Any, ...]) -> None:
        self._flushing = (key, elements)
        self._inner = open_plan(self._node.reduce_plan(key, elements), self._ctx)

    def _stop_inner(self) -> None:
        if self._inner is not None:
            self._inner.close()
        self._inner, self._flushing = None, None

    def __next__(self) -> Any:
        while True:
            if self._inner is not None:
                try:
                    return next(self._inner)
                except StopIteration:
                    self._stop_inner()
            if not self._end:
                try:
                    element = next(self.source)
                except StopIteration:
                    self._end = True
                    continue
                key = _int64_scalar(_call_key(self._node.key_func, element, self._where),
                                    "key_func", self._where)
                size = self._window_size(key)
                group = self._groups.setdefault(key, [])
                group.append(element)
                if len(group) >= size:
                    del self._groups[key]
                    self._start(key, tuple(group))
                continue
            if not self._groups:
                raise StopIteration
            key = min(self._groups)
            self._start(key, tuple(self._groups.pop(key)))

    def get_state(self) -> State:
        flushing = None
        if self._flushing is not None and self._inner is not None:
            key, els = self._flushing
            flushing = {"key": key, "elements": [encode_value(e) for e in els],
                        "inner": self._inner.get_state()}
        return {"input": self.source.get_state(), "end": self._end,
                "groups": [[k, [encode_value(e) for e in g]] for k, g in self._groups.items()],
                "sizes": [[k, v] for k, v in self._sizes.items()], "flushing": flushing}

    def set_state(self, state: State) -> None:
        self._stop_inner()
        self.source.set_state(state["input"])
        self._end = bool(state["end"])
        self._groups = {int(k): [decode_value(e) for e in g] for k, g in state["groups"]}
        self._sizes = {int(k): int(v) for k, v in state["sizes"]}
        f = state["flushing"]
        if f is not None:
            self._start(int(f["key"]), tuple(decode_value(e) for e in f["elements"]))
            self._inner.set_state(f["inner"])  # type: ignore[union-attr]

    def children(self) -> tuple[DataIterator, ...]:
        return self.sources + ((self._inner,) if self._inner is not None else ())

    def close(self) -> None:
        if not self._closed:
            self._stop_inner()
        super().close()


def _call_key(fn: Callable[..., Any], element: Any, where: str) -> Any:
    try:
        return call_fn(fn, element)
    except StopIteration as e:
        raise InvalidArgumentError(f"{where}: key_func raised StopIteration.") from e
    except Exception as e:
        add_note(e, f"in {where} (key_func)")
        raise
