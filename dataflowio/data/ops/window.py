"""`Dataset.window`: groups elements into windows, each yielded as a (nested) dataset.

Window `k` holds the input elements `k*shift + j*stride` for `j < size`, cut short at the end
of the input; with `drop_remainder` only full windows are yielded. A tuple or dict element gives
a tuple or dict of datasets, one per component, as in tf.data. The iterator keeps only the
elements that a later window still needs; a checkpoint saves them as data.

>>> from dataflowio.data.ops.range import Range
>>> from dataflowio.data.ops._nested import open_plan
>>> from dataflowio.data.plan import ExecContext
>>> from dataflowio.data.options import Options
>>> node = Window(inputs=(Range(stop=5),), size=2, shift=2, stride=1, drop_remainder=False)
>>> [[int(v) for v in open_plan(w._plan, ExecContext(Options()))]
...  for w in open_plan(node, ExecContext(Options()))]
[[0, 1], [2, 3], [4]]
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

from dataflowio.data import structure
from dataflowio.data.iterator import DataIterator, State
from dataflowio.data.ops._nested import (
    DatasetSpec,
    ElementsSource,
    as_dataset,
    decode_value,
    encode_value,
)
from dataflowio.data.plan import INFINITE, UNKNOWN, ExecContext, Node
from dataflowio.errors import InvalidArgumentError


def _check_positive(value: Any, arg: str) -> int:
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        raise InvalidArgumentError(f"Dataset.window: `{arg}` must be a positive integer, got "
                                   f"{type(value).__name__}: {value!r:.40}.")
    if int(value) <= 0:
        raise InvalidArgumentError(f"Dataset.window: `{arg}` must be > 0, got {int(value)}.")
    return int(value)


@dataclass(frozen=True, kw_only=True, eq=False)
class Window(Node):
    size: int
    shift: int | None = None
    stride: int = 1
    drop_remainder: bool = False

    op_name = "window"

    def __post_init__(self) -> None:
        _check_positive(self.size, "size")
        if self.shift is not None:
            _check_positive(self.shift, "shift")
        _check_positive(self.stride, "stride")

    @property
    def real_shift(self) -> int:
        return int(self.size if self.shift is None else self.shift)

    def open(self, inputs: tuple[DataIterator, ...], ctx: ExecContext) -> DataIterator:
        return WindowIterator(self, inputs[0])

    def _element_spec(self) -> Any:
        spec = self.inputs[0].element_spec()
        if structure.is_structure(spec):
            return structure.map_structure(DatasetSpec, spec)
        return DatasetSpec(spec)

    def _cardinality(self) -> int:
        n = self.inputs[0].cardinality()
        if n in (INFINITE, UNKNOWN):
            return n
        size, shift, stride = int(self.size), self.real_shift, int(self.stride)
        if self.drop_remainder:
            rest = n - ((size - 1) * stride + 1)
            return 0 if rest < 0 else rest // shift + 1
        return n // shift + (0 if n % shift == 0 else 1)


class WindowIterator(DataIterator):
    def __init__(self, node: Window, source: DataIterator) -> None:
        super().__init__(source, name="window")
        self._size, self._shift, self._stride = int(node.size), node.real_shift, int(node.stride)
        self._drop = bool(node.drop_remainder)
        self._span = (self._size - 1) * self._stride + 1  # input elements one window covers
        self._spec = node.inputs[0].element_spec()
        self._buf: deque[Any] = deque()
        self._to_skip = 0  # input elements to drop before the next window starts
        self._end = False

    def _fill(self) -> None:
        while not self._end and (self._to_skip or len(self._buf) < self._span):
            try:
                el = next(self.source)
            except StopIteration:
                self._end = True
                break
            if self._to_skip:
                self._to_skip -= 1
            else:
                self._buf.append(el)

    def __next__(self) -> Any:
        self._fill()
        items = list(self._buf)[::self._stride][:self._size]
        if not items or (self._drop and len(items) < self._size):
            self._buf.clear()
            raise StopIteration
        drop = min(self._shift, len(self._buf))
        for _ in range(drop):
            self._buf.popleft()
        self._to_skip = self._shift - drop
        return self._make_window(items)

    def _make_window(self, items: list[Any]) -> Any:
        if not structure.is_structure(self._spec):
            return as_dataset(ElementsSource(elements=tuple(items), spec=self._spec))
        flat_specs = structure.flatten(self._spec)
        flats = [structure.flatten(e) for e in items]
        comps = [as_dataset(ElementsSource(elements=tuple(f[j] for f in flats), spec=s))
                 for j, s in enumerate(flat_specs)]
        return structure.pack_as(self._spec, comps)

    def get_state(self) -> State:
        return {"input": self.source.get_state(), "buf": [encode_value(e) for e in self._buf],
                "to_skip": self._to_skip, "end": self._end}

    def set_state(self, state: State) -> None:
        self.source.set_state(state["input"])
        self._buf = deque(decode_value(e) for e in state["buf"])
        self._to_skip, self._end = int(state["to_skip"]), bool(state["end"])
