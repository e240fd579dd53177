"""`MapAndBatch`: the optimizer's fusion of `map(f) -> batch(n)` into one stage.

It pulls `n` input elements as one chunk, maps them (once for the whole chunk when the function
passed its vectorization trial and `vectorize` is set, else element by element) and stacks the
results, exactly as `batch(n)` would stack `map(f)`'s elements: same elements, same error at the
same element, the same partial last batch (dropped when `drop_remainder`).

>>> from dataflowio.data.ops.range import Range
>>> from dataflowio.data.plan import ExecContext
>>> from dataflowio.data.options import Options
>>> src = Range(stop=5)
>>> node = MapAndBatch(inputs=(src,), fn=lambda x: x + 1, batch_size=2, vectorize=True)
>>> it = node.open((src.open((), None),), ExecContext(Options()))
>>> [b.tolist() for b in it]
[[1, 2], [3, 4], [5]]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dataflowio.data.iterator import DataIterator, State
from dataflowio.data.ops._fn import fn_name
from dataflowio.data.ops.batch import batched_cardinality, batched_spec, owned, pull_batch
from dataflowio.data.ops.map import infer_spec
from dataflowio.data.ops.vectorized_map import TrialMapIterator, trial_for
from dataflowio.data.plan import ExecContext, Node
from dataflowio.data.vectorize import Trial


@dataclass(frozen=True, kw_only=True, eq=False)
class MapAndBatch(Node):
    fn: Callable[..., Any] = None  # type: ignore[assignment]
    batch_size: int = 1
    drop_remainder: bool = False
    num_parallel_calls: int | None = None
    deterministic: bool | None = None  # type: ignore[misc]
    vectorized: bool = False
    stateless: bool | None = None
    vectorize: bool = False

    op_name = "map_and_batch"
    stateful_fn = True

    def where(self) -> str:
        return f"Dataset.map({fn_name(self.fn)})" if not self.name else f"Dataset.map(name={self.name!r})"

    def label(self) -> str:
        return compact_label(self, always=("fn", "batch_size"))

    def open(self, inputs: tuple[DataIterator, ...], ctx: ExecContext) -> DataIterator:
        trial = trial_for(self, ctx) if self.vectorize or self.vectorized else None
        return MapAndBatchIterator(inputs[0], self, trial)

    def _element_spec(self) -> Any:
        spec = infer_spec(self.fn, self.inputs[0], bool(self.vectorized))
        return batched_spec(spec, self.batch_size if self.drop_remainder else None)

    def _cardinality(self) -> int:
        return batched_cardinality(self.inputs[0].cardinality(), int(self.batch_size),
                                   bool(self.drop_remainder))


def compact_label(node: Node, always: tuple[str, ...]) -> str:
    """`op(arg=value, ...)` showing only the `always` fields and those not at their default."""
    import dataclasses

    from dataflowio.data.plan import _short

    parts = [f"name={node.name!r}"] if node.name else []
    for f in dataclasses.fields(node):
        if f.name in ("inputs", "name", "_cache") or not f.repr:
            continue
        v = getattr(node, f.name)
        if f.name in always or v != f.default:
            parts.append(f"{f.name}={_short(v)}")
    return f"{node.op_name}({', '.join(parts)})"


class MapAndBatchIterator(DataIterator):
    def __init__(self, source: DataIterator, node: MapAndBatch, trial: Trial | None) -> None:
        super().__init__(source, name="map_and_batch")
        self._n, self._drop = int(node.batch_size), bool(node.drop_remainder)
        self._batch_where = f"batch(batch_size={self._n})"
        if trial is None:  # vectorize=False: element by element, always
            trial = Trial(node.fn)
            trial.decision = False
        # Maps chunks only (its own next/next_chunk are never called).
        self._map = TrialMapIterator(source, node.fn, node.where(), trial)

    def __next__(self) -> Any:
        chunk = pull_batch(self.source, self._n)
        mapped = self._map.map_whole(chunk)
        self._map._index += chunk.size
        if mapped.size < self._n and self._drop:
            raise StopIteration
        return owned(mapped.columns(where=self._batch_where))

    def get_state(self) -> State:
        return {"index": self._map._index, "source": self.source.get_state()}

    def set_state(self, state: State) -> None:
        self._map._index = int(state["index"])
        self.source.set_state(state["source"])
