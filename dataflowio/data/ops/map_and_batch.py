"""`MapAndBatch`: the optimizer's fusion of `map(f) -> batch(n)` into one stage.

It pulls `n` input elements as one chunk, maps them (once for the whole chunk when the function
passed its vectorization trial and `vectorize` is set, else element by element) and stacks the
results, exactly as `batch(n)` would stack `map(f)`'s elements: same elements, same error at the
same element, the same partial last batch (dropped when `drop_remainder`).

With `num_parallel_calls` (a parallel map fused) worker threads do that for whole batches, so
threads hand each other one stacked batch instead of chunks of mapped elements to restack, and a
vectorized function runs once per batch on a worker. A batch holding a failing element raises
that element's error in its place, and iteration can go on with the next batch (tf.data's
map_and_batch). The process executor (`Options().threading.executor = "process"`) keeps its pool:
elements are mapped in the worker processes and stacked on the consumer's side.

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

from dataflowio.data.iterator import Chunk, DataIterator, State
from dataflowio.data.ops._fn import fn_name
from dataflowio.data.ops.batch import batched_cardinality, batched_spec, owned, pull_batch
from dataflowio.data.ops.map import infer_spec
from dataflowio.data.ops.vectorized_map import TrialMapIterator, map_chunk_through, trial_for
from dataflowio.data.options import node_deterministic
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
        if self.num_parallel_calls not in (None, 1):
            options = getattr(ctx, "options", None)
            if options is not None and options.threading.get("executor") == "process":
                from dataflowio.data.ops.batch import BatchIterator
                from dataflowio.data.runtime.parallel_map import open_parallel_map

                return BatchIterator(open_parallel_map(self, inputs[0], ctx), int(self.batch_size),
                                     bool(self.drop_remainder), f"batch(batch_size={self.batch_size})")
            return open_parallel_map_and_batch(self, inputs[0], ctx)
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


def open_parallel_map_and_batch(node: MapAndBatch, source: DataIterator, ctx: ExecContext) -> DataIterator:
    """Worker threads each pull `batch_size` elements, map them (through the node's vectorization
    trial when `vectorize`) and stack them; the stage hands out whole batches."""
    from dataflowio.data.runtime import seed as seeds
    from dataflowio.data.runtime.autotune import AUTOTUNE
    from dataflowio.data.runtime.stage import ThreadedStage

    det = node_deterministic(node.deterministic, ctx)
    n, drop, fn, where = int(node.batch_size), bool(node.drop_remainder), node.fn, node.where()
    batch_where = f"batch(batch_size={n})"
    base = seeds.stage_base(where)
    trial = trial_for(node, ctx) if node.vectorize or node.vectorized else None

    def transform(chunk: Chunk, position: int) -> tuple[Chunk, bool]:
        if chunk.size < n and drop:
            return Chunk.from_elements([]), False
        mapped, failed = map_chunk_through(trial, fn, chunk, position, where, base)
        if failed:  # the batch is its first failing element's error, raised in its place
            return Chunk.from_elements([first_failure(mapped)]), True
        return Chunk.from_elements([owned(mapped.columns(where=batch_where))]), False

    return ThreadedStage(source, label=node.label(), kind="map", transform=transform,
                         workers=int(node.num_parallel_calls), capacity=AUTOTUNE,
                         deterministic=bool(det), chunk_size=n, ctx=ctx, name=node.name or "")


def first_failure(chunk: Chunk) -> Any:
    """The first `Failed` element of `chunk`, the errors of all its failed elements moved out of
    it: the worker frames that still hold `chunk` must not keep an error (its traceback holds
    them: a cycle that would keep the stage and its threads alive until garbage collection)."""
    from dataflowio.data.runtime.shared import Failed

    first = None
    for e in chunk.elements():
        if isinstance(e, Failed):
            if first is None:
                first = Failed(e.error)
            e.error = None
    return first


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
