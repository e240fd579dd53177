"""`VectorizedFilter`: an optimizer-made `filter` that evaluates its predicate once per chunk when
a trial proves that gives the same decisions (see `dataflowio.data.vectorize`).

Element consumers still get one predicate call per element; chunk consumers (`batch`, a
`shuffle` filling its buffer) get one call per chunk once the predicate passed its trial: the
per-element decisions stacked must equal the batched call's bool vector, bitwise.

>>> from dataflowio.data.ops.range import Range
>>> from dataflowio.data.plan import ExecContext
>>> from dataflowio.data.options import Options
>>> src = Range(stop=8)
>>> node = VectorizedFilter(inputs=(src,), predicate=lambda x: x % 3 != 0)
>>> it = node.open((src.open((), None),), ExecContext(Options()))
>>> it.next_chunk(5).columns().tolist(), it.trial.decision
([1, 2, 4, 5, 7], True)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from dataflowio.data.iterator import Chunk, DataIterator
from dataflowio.data.ops.filter import Filter, FilterIterator
from dataflowio.data.ops.shard import take_rows
from dataflowio.data.plan import ExecContext
from dataflowio.data.vectorize import Trial


@dataclass(frozen=True, kw_only=True, eq=False)
class VectorizedFilter(Filter):
    op_name = "vectorized_filter"

    def open(self, inputs: tuple[DataIterator, ...], ctx: ExecContext) -> DataIterator:
        return TrialFilterIterator(inputs[0], self.predicate, self.where(), _trial_for(self, ctx))


def _trial_for(node: VectorizedFilter, ctx: ExecContext | None) -> Trial:
    fn = node.predicate
    if ctx is None:
        return Trial(fn)
    trials = ctx.resources.setdefault("vectorize_trials", {})
    entry = trials.get(id(node))
    if entry is None or entry[0] is not node:
        entry = trials[id(node)] = (node, Trial(fn))
    return entry[1]


class TrialFilterIterator(FilterIterator):
    """`FilterIterator` whose chunk path decides through the node's `Trial`."""

    def __init__(self, source: DataIterator, pred: Any, where: str, trial: Trial) -> None:
        super().__init__(source, pred, False, where)
        self.trial = trial

    def _flags(self, chunk: Chunk) -> Chunk:
        out = []
        for el in chunk.elements():  # as FilterIterator: errors name the element
            out.append(np.bool_(self._keep(el)))
            self._index += 1
        self._index -= len(out)
        return Chunk.from_elements(out)

    def _filter_chunk(self, c: Chunk) -> Chunk:
        if c.size == 0:
            return c
        flags = self.trial.apply(c, self._flags)
        mask = np.asarray(flags.columns())
        if mask.dtype != np.bool_ or mask.shape != (c.size,):
            mask = np.asarray(self._flags(c).columns())  # raises as per element would
        self._index += c.size
        return take_rows(c, np.flatnonzero(mask))
