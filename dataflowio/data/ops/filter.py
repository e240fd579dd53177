"""`Dataset.filter`: keeps the elements for which `predicate` returns True.

The predicate must return a scalar bool. With `vectorized=True` it is applied once to a chunk's
columns and returns one bool per element.

>>> from dataflowio.data import execute
>>> from dataflowio.data.ops.range import Range
>>> from dataflowio.data.plan import ExecContext
>>> from dataflowio.data.options import Options
>>> node = Filter(inputs=(Range(stop=6),), predicate=lambda x: x % 2 == 0)
>>> [int(x) for x in execute.lower(node, ExecContext(Options()))]
[0, 2, 4]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from dataflowio.data import structure
from dataflowio.data.iterator import Chunk, DataIterator, State
from dataflowio.data.ops._fn import add_note, call_fn, fn_name
from dataflowio.data.plan import UNKNOWN, ExecContext, Node
from dataflowio.errors import InvalidArgumentError


@dataclass(frozen=True, kw_only=True, eq=False)
class Filter(Node):
    predicate: Callable[..., Any] = None  # type: ignore[assignment]
    vectorized: bool = False

    op_name = "filter"
    stateful_fn = True

    def where(self) -> str:
        return f"Dataset.filter({fn_name(self.predicate)})" if not self.name \
            else f"Dataset.filter(name={self.name!r})"

    def open(self, inputs: tuple[DataIterator, ...], ctx: ExecContext) -> DataIterator:
        return FilterIterator(inputs[0], self.predicate, self.vectorized, self.where())

    def _cardinality(self) -> int:
        n = self.inputs[0].cardinality()
        return 0 if n == 0 else UNKNOWN


def as_bool(value: Any, where: str) -> bool:
    """A predicate's result as a Python bool; anything but a scalar bool is an error."""
    if isinstance(value, bool | np.bool_):
        return bool(value)
    arr = np.asarray(value)
    if arr.dtype == np.bool_ and arr.ndim == 0:
        return bool(arr)
    raise InvalidArgumentError(
        f"{where}: the predicate must return a scalar bool, got "
        f"{arr.dtype.name if arr.dtype != object else type(value).__name__} of shape {arr.shape}.")


class FilterIterator(DataIterator):
    def __init__(self, source: DataIterator, pred: Callable[..., Any], vectorized: bool, where: str) -> None:
        super().__init__(source, name="filter")
        self._pred, self._vectorized, self._where = pred, vectorized, where
        self._index = 0  # input elements seen

    def _keep(self, el: Any) -> bool:
        try:
            out = call_fn(self._pred, el)
        except StopIteration as e:
            raise InvalidArgumentError(f"{self._where} at element {self._index}: the predicate "
                                       "raised StopIteration.") from e
        except Exception as e:
            add_note(e, f"in {self._where} at element {self._index}")
            raise
        return as_bool(out, self._where)

    def __next__(self) -> Any:
        while True:
            el = next(self.source)
            keep = self._keep(el)
            self._index += 1
            if keep:
                return el

    def next_chunk(self, n: int) -> Chunk:
        # NOTE: returns fewer than n only at the end of the input (the contract), so it may pull
        # several input chunks.
        parts: list[Chunk] = []
        got = 0
        while got < n:
            try:
                c = self.source.next_chunk(n - got)
            except StopIteration:
                break
            kept = self._filter_chunk(c)
            if kept.size:
                parts.append(kept)
                got += kept.size
        if not parts:
            raise StopIteration
        from dataflowio.data.iterator import concat_chunks

        return concat_chunks(parts)

    def _filter_chunk(self, c: Chunk) -> Chunk:
        if self._vectorized:
            try:
                mask = np.asarray(call_fn(self._pred, c.columns(where=self._where)))
            except Exception as e:
                add_note(e, f"in {self._where} (vectorized) at elements {self._index}..{self._index + c.size - 1}")
                raise
            if mask.dtype != np.bool_ or mask.shape != (c.size,):
                raise InvalidArgumentError(
                    f"{self._where}: a vectorized predicate must return one bool per element, got "
                    f"{mask.dtype.name} of shape {mask.shape} for {c.size} elements.")
            self._index += c.size
            cols = structure.map_structure(lambda a: a[mask], c.columns()) \
                if structure.is_structure(c.columns()) else c.columns()[mask]
            return Chunk.from_columns(cols, int(mask.sum()))
        out = []
        for el in c.elements():
            keep = self._keep(el)
            self._index += 1
            if keep:
                out.append(el)
        return Chunk.from_elements(out)

    def get_state(self) -> State:
        return {"index": self._index, "source": self.source.get_state()}

    def set_state(self, state: State) -> None:
        self._index = int(state["index"])
        self.source.set_state(state["source"])
