"""`MapAndFilter`: the optimizer's fusion of `map(f) -> filter(p)`: maps each element and keeps
the result when `p` holds, in one stage (same elements, same errors, same order).

>>> from dataflowio.data.ops.range import Range
>>> from dataflowio.data.plan import ExecContext
>>> from dataflowio.data.options import Options
>>> src = Range(stop=6)
>>> node = MapAndFilter(inputs=(src,), fn=lambda x: x * 3, predicate=lambda y: y % 2 == 0)
>>> [int(v) for v in node.open((src.open((), None),), ExecContext(Options()))]
[0, 6, 12]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dataflowio.data.iterator import Chunk, DataIterator, State, concat_chunks
from dataflowio.data.ops._fn import fn_name
from dataflowio.data.ops.filter import FilterIterator
from dataflowio.data.ops.map import MapIterator, infer_spec
from dataflowio.data.plan import UNKNOWN, ExecContext, Node


@dataclass(frozen=True, kw_only=True, eq=False)
class MapAndFilter(Node):
    fn: Callable[..., Any] = None  # type: ignore[assignment]
    predicate: Callable[..., Any] = None  # type: ignore[assignment]
    map_name: str | None = None
    filter_name: str | None = None

    op_name = "map_and_filter"
    stateful_fn = True

    def open(self, inputs: tuple[DataIterator, ...], ctx: ExecContext) -> DataIterator:
        return MapAndFilterIterator(inputs[0], self)

    def _element_spec(self) -> Any:
        return infer_spec(self.fn, self.inputs[0])

    def _cardinality(self) -> int:
        return 0 if self.inputs[0].cardinality() == 0 else UNKNOWN


class MapAndFilterIterator(DataIterator):
    def __init__(self, source: DataIterator, node: MapAndFilter) -> None:
        super().__init__(source, name="map_and_filter")
        m_where = f"Dataset.map(name={node.map_name!r})" if node.map_name \
            else f"Dataset.map({fn_name(node.fn)})"
        f_where = f"Dataset.filter(name={node.filter_name!r})" if node.filter_name \
            else f"Dataset.filter({fn_name(node.predicate)})"
        # Helpers used for their per-element logic (error notes, bool checks, element indices).
        self._map = MapIterator(source, node.fn, False, m_where)
        self._filter = FilterIterator(source, node.predicate, False, f_where)

    def _one(self, el: Any) -> tuple[bool, Any]:
        y = self._map._apply(el)
        self._map._index += 1
        keep = self._filter._keep(y)
        self._filter._index += 1
        return keep, y

    def __next__(self) -> Any:
        while True:
            keep, y = self._one(next(self.source))
            if keep:
                return y

    def next_chunk(self, n: int) -> Chunk:
        parts: list[Chunk] = []
        got = 0
        while got < n:
            try:
                c = self.source.next_chunk(n - got)
            except StopIteration:
                break
            kept = [y for keep, y in map(self._one, c.elements()) if keep]
            if kept:
                parts.append(Chunk.from_elements(kept))
                got += len(kept)
        if not parts:
            raise StopIteration
        return concat_chunks(parts)

    def get_state(self) -> State:
        return {"index": self._map._index, "source": self.source.get_state()}

    def set_state(self, state: State) -> None:
        self._map._index = self._filter._index = int(state["index"])
        self.source.set_state(state["source"])
