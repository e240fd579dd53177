"""`Dataset.flat_map`: maps each element to a dataset and yields all of its elements, in order.

`next_chunk(n)` hands on whole chunks of the inner datasets (a TFRecord file's records arrive as
one column), so flattening many files costs nothing per element. A checkpoint stores the current
input element (as data) and its inner iterator's state.

>>> from dataflowio.data.ops.range import Range
>>> from dataflowio.data.ops._nested import open_plan
>>> from dataflowio.data.plan import ExecContext
>>> from dataflowio.data.options import Options
>>> node = FlatMap(inputs=(Range(start=1, stop=4),), fn=lambda x: Range(start=0, stop=int(x)))
>>> [int(v) for v in open_plan(node, ExecContext(Options()))]
[0, 0, 1, 0, 1, 2]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dataflowio.data.iterator import Chunk, DataIterator, State, concat_chunks
from dataflowio.data.ops._fn import check_arity, num_args_for
from dataflowio.data.ops._nested import dataset_fn_spec, decode_value, encode_value, open_plan
from dataflowio.data.ops.interleave import make_sub_plan, where_of
from dataflowio.data.plan import UNKNOWN, ExecContext, Node


@dataclass(frozen=True, kw_only=True, eq=False)
class FlatMap(Node):
    fn: Callable[..., Any]

    op_name = "flat_map"
    stateful_fn = True

    def __post_init__(self) -> None:
        if self.inputs:
            check_arity(self.fn, num_args_for(self.inputs[0].element_spec()), self.where())

    def where(self) -> str:
        return where_of(self, self.fn)

    def open(self, inputs: tuple[DataIterator, ...], ctx: ExecContext) -> DataIterator:
        return FlatMapIterator(self, inputs[0], ctx)

    def _element_spec(self) -> Any:
        return dataset_fn_spec(self.fn, self.inputs[0], self.where())

    def _cardinality(self) -> int:
        return UNKNOWN


class FlatMapIterator(DataIterator):
    def __init__(self, node: FlatMap, source: DataIterator, ctx: ExecContext) -> None:
        super().__init__(source, name="flat_map")
        self._node, self._ctx, self._where = node, ctx, node.where()
        self._element: Any = None
        self._inner: DataIterator | None = None

    def _open_inner(self, element: Any) -> None:
        self._close_inner()
        plan = make_sub_plan(self._node.fn, element, self._where)
        self._inner = open_plan(plan, self._ctx)
        self._element = element

    def _close_inner(self) -> None:
        if self._inner is not None:
            self._inner.close()
        self._inner, self._element = None, None

    def __next__(self) -> Any:
        while True:
            if self._inner is None:
                self._open_inner(next(self.source))
            try:
                return next(self._inner)  # type: ignore[arg-type]
            except StopIteration:
                self._close_inner()

    def next_chunk(self, n: int) -> Chunk:
        parts: list[Chunk] = []
        need = n
        while need > 0:
            if self._inner is None:
                try:
                    self._open_inner(next(self.source))
                except StopIteration:
                    break
            try:
                part = self._inner.next_chunk(need)  # type: ignore[union-attr]
            except StopIteration:
                self._close_inner()
                continue
            parts.append(part)
            need -= part.size
        if not parts:
            raise StopIteration
        return concat_chunks(parts, where=self._where)

    def get_state(self) -> State:
        if self._inner is None:
            return {"input": self.source.get_state(), "inner": None}
        return {"input": self.source.get_state(), "element": encode_value(self._element),
                "inner": self._inner.get_state()}

    def set_state(self, state: State) -> None:
        self._close_inner()
        self.source.set_state(state["input"])
        if state["inner"] is not None:
            self._open_inner(decode_value(state["element"]))
            self._inner.set_state(state["inner"])  # type: ignore[union-attr]

    def children(self) -> tuple[DataIterator, ...]:
        return self.sources + ((self._inner,) if self._inner is not None else ())

    def close(self) -> None:
        if not self._closed:
            self._close_inner()
        super().close()
