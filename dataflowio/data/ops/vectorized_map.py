"""`VectorizedMap`: an optimizer-made `map` that runs its function once per chunk when that is
proven to give the same elements (see `dataflowio.data.vectorize` for how it is proven).

Element consumers (`next(it)`) still get one call per element; chunk consumers (`batch`, the
index-level shuffle's `gather`, `filter`'s chunk path) get one call per chunk once the function
passed its trial. The decision is shared by every iterator the same top-level iterator opens for
this node (a `repeat` re-opens its input every pass), so the trial runs once.

>>> from dataflowio.data.ops.range import Range
>>> from dataflowio.data.plan import ExecContext
>>> from dataflowio.data.options import Options
>>> src = Range(stop=5)
>>> node = VectorizedMap(inputs=(src,), fn=lambda x: x * 10)
>>> it = node.open((src.open((), None),), ExecContext(Options()))
>>> it.next_chunk(5).columns().tolist(), it.trial.decision
([0, 10, 20, 30, 40], True)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dataflowio.data.iterator import Chunk, DataIterator
from dataflowio.data.ops.map import Map, MapIterator
from dataflowio.data.options import node_deterministic
from dataflowio.data.plan import ExecContext, Node
from dataflowio.data.vectorize import Trial, is_declared_vectorized


@dataclass(frozen=True, kw_only=True, eq=False)
class VectorizedMap(Map):
    op_name = "vectorized_map"

    def label(self) -> str:
        from dataflowio.data.ops.map_and_batch import compact_label

        return compact_label(self, always=("fn",))

    def open(self, inputs: tuple[DataIterator, ...], ctx: ExecContext) -> DataIterator:
        if self.num_parallel_calls not in (None, 1):
            options = getattr(ctx, "options", None)
            executor = options.threading.get("executor") if options is not None else "thread"
            if executor == "process":  # the runtime's process pool, per element as the user chose
                return super().open(inputs, ctx)
            return open_parallel_trial_map(self, inputs[0], ctx, trial_for(self, ctx))
        return TrialMapIterator(inputs[0], self.fn, self.where(), trial_for(self, ctx),
                                random_access=self.stateless is True)


def open_parallel_trial_map(node: VectorizedMap, source: DataIterator, ctx: ExecContext,
                            trial: Trial) -> DataIterator:
    """Worker threads map chunks, each through the shared trial (vectorized once it passed)."""
    from dataflowio.data.runtime import seed as seeds
    from dataflowio.data.runtime.autotune import AUTOTUNE
    from dataflowio.data.runtime.stage import ThreadedStage

    det = node_deterministic(node.deterministic, ctx)
    fn, where = node.fn, node.where()
    base = seeds.stage_base(where)

    def transform(chunk: Chunk, position: int) -> tuple[Chunk, bool]:
        return map_chunk_through(trial, fn, chunk, position, where, base)

    return ThreadedStage(source, label=where, kind="map", transform=transform,
                         workers=int(node.num_parallel_calls), capacity=AUTOTUNE,
                         deterministic=bool(det), ctx=ctx, name=node.name or "")


def map_chunk_through(trial: Trial | None, fn: Any, chunk: Chunk, position: int, where: str,
                      seed_base: int | None) -> tuple[Chunk, bool]:
    """`chunk` mapped on a worker thread: through `trial` (one call for the chunk once it proved
    the function row-wise), else element by element with per-element seeds. Returns the mapped
    chunk and whether some element failed (those elements hold `Failed`; a chunk holding one is
    never used to decide the trial)."""
    from dataflowio.data.runtime.parallel_map import map_chunk

    failed = [False]

    def per_element(c: Chunk) -> Chunk:
        out, fails = map_chunk(fn, c, position, where, False, seed_base)
        failed[0] = failed[0] or fails
        return out

    if trial is None:
        return per_element(chunk), failed[0]
    return trial.apply(chunk, per_element, trusted=lambda: not failed[0]), failed[0]


def trial_for(node: Node, ctx: ExecContext | None) -> Trial:
    """The node's `Trial`, shared through `ctx` by every iterator opened for it."""
    fn = node.fn
    declared = bool(getattr(node, "vectorized", False)) or is_declared_vectorized(fn)
    if ctx is None:
        return Trial(fn, declared)
    trials = ctx.resources.setdefault("vectorize_trials", {})
    entry = trials.get(id(node))
    if entry is None or entry[0] is not node:
        entry = trials[id(node)] = (node, Trial(fn, declared))
    return entry[1]


class TrialMapIterator(MapIterator):
    """`MapIterator` whose chunk path goes through the node's `Trial`."""

    def __init__(self, source: DataIterator, fn: Any, where: str, trial: Trial,
                 random_access: bool = False) -> None:
        super().__init__(source, fn, False, where, random_access=random_access)
        self.trial = trial

    def _apply_chunk(self, chunk: Chunk) -> Chunk:
        return self.trial.apply(chunk, self._per_element)
