"""`ShuffleAndRepeat`: the optimizer's fusion of `shuffle(b) -> repeat(count)` into one stage.

Exactly what the two stages produce: every pass opens the input afresh and shuffles it with the
shuffle's next iteration seed (or the same one when `reshuffle_each_iteration=False`); passes
never mix; an empty input ends the repeat. One iterator does both jobs, so each element (or
chunk) crosses one stage instead of two and a chunk may span a pass boundary.

>>> from dataflowio.data.ops.range import Range
>>> from dataflowio.data.plan import ExecContext
>>> from dataflowio.data.options import Options
>>> from dataflowio.data.ops.shuffle import SeedSource
>>> node = ShuffleAndRepeat(inputs=(Range(stop=3),), buffer_size=1, seed=1, count=2,
...                         seed_source=SeedSource(1))
>>> [int(v) for v in node.open((Range(stop=3).open((), None),), ExecContext(Options()))]
[0, 1, 2, 0, 1, 2]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dataflowio.data.iterator import Chunk, DataIterator, State, concat_chunks
from dataflowio.data.ops.repeat import repeat_times, repeated_cardinality
from dataflowio.data.ops.shuffle import SeedSource, ShuffleIterator
from dataflowio.data.plan import ExecContext, Node


@dataclass(frozen=True, kw_only=True, eq=False)
class ShuffleAndRepeat(Node):
    buffer_size: int = 1
    seed: int | None = None
    reshuffle_each_iteration: bool = True
    count: int | None = None
    seed_source: SeedSource = field(default=None, repr=False)  # type: ignore[assignment]

    op_name = "shuffle_and_repeat"

    @property
    def times(self) -> int | None:
        return repeat_times(self.count)

    def open(self, inputs: tuple[DataIterator, ...], ctx: ExecContext) -> DataIterator:
        return ShuffleAndRepeatIterator(inputs[0], self, ctx)

    def _cardinality(self) -> int:
        return repeated_cardinality(self.inputs[0].cardinality(), self.times)


class ShuffleAndRepeatIterator(ShuffleIterator):
    def __init__(self, source: DataIterator, node: ShuffleAndRepeat, ctx: ExecContext) -> None:
        self._node, self._ctx, self._times = node, ctx, node.times
        self._epoch, self._seen = 0, False
        super().__init__(source, int(node.buffer_size), node.seed_source, self._iteration_seed())

    def _iteration_seed(self) -> int:
        node = self._node
        return node.seed_source.next_iteration() if node.reshuffle_each_iteration else 0

    def _more_passes(self) -> bool:
        return self._times is None or self._epoch < self._times

    def _next_pass(self) -> bool:
        """Opens the input again and starts the next shuffle; False when no pass is left."""
        from dataflowio.data import execute

        if not self._seen:  # an empty pass: stop instead of spinning forever
            self._epoch = self._times if self._times is not None else self._epoch
            return False
        self._epoch, self._seen = self._epoch + 1, False
        if not self._more_passes():
            return False
        old = self.sources[0]
        source = execute.lower(self._node.inputs[0], self._ctx)
        old.close()
        ShuffleIterator.__init__(self, source, int(self._node.buffer_size), self._node.seed_source,
                                 self._iteration_seed())
        return True

    def __next__(self) -> Any:
        while self._more_passes():
            try:
                el = super().__next__()
            except StopIteration:
                if not self._next_pass():
                    break
                continue
            self._seen = True
            return el
        raise StopIteration

    def next_chunk(self, n: int) -> Chunk:
        parts: list[Chunk] = []
        got = 0
        while got < n and self._more_passes():
            try:
                c = super().next_chunk(n - got)
            except StopIteration:
                if not self._next_pass():
                    break
                continue
            self._seen = True
            parts.append(c)
            got += c.size
        if not parts:
            raise StopIteration
        return concat_chunks(parts)

    def get_state(self) -> State:
        return {"epoch": self._epoch, "seen": self._seen, "shuffle": super().get_state()}

    def set_state(self, state: State) -> None:
        self._epoch, self._seen = int(state["epoch"]), bool(state["seen"])
        super().set_state(state["shuffle"])
