"""`Dataset.skip`: drops the first `count` elements (all of them when `count` is -1).

>>> from dataflowio.data.ops.range import Range
>>> it = Skip(inputs=(Range(stop=5),), count=3).open((Range(stop=5).open((), None),), None)
>>> [int(v) for v in it]
[3, 4]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dataflowio.data.iterator import Chunk, DataIterator, State
from dataflowio.data.ops._common import check_count
from dataflowio.data.plan import INFINITE, UNKNOWN, ExecContext, Node


@dataclass(frozen=True, kw_only=True, eq=False)
class Skip(Node):
    count: int = 0

    op_name = "skip"

    def __post_init__(self) -> None:
        check_count(self.count, "skip", "count")

    def open(self, inputs: tuple[DataIterator, ...], ctx: ExecContext) -> DataIterator:
        return SkipIterator(inputs[0], int(self.count))

    def _cardinality(self) -> int:
        n, c = self.inputs[0].cardinality(), int(self.count)
        if n == INFINITE:
            return 0 if c == -1 else INFINITE
        if n == UNKNOWN:
            return UNKNOWN
        return 0 if c == -1 else max(n - c, 0)


class SkipIterator(DataIterator):
    def __init__(self, source: DataIterator, count: int) -> None:
        super().__init__(source, name="skip")
        self._count, self._skipped = count, 0
        self._done = count == 0
        self._exhausted = False  # skip(-1) has dropped everything

    def _skip(self) -> None:
        while not self._done:
            want = 1 << 12 if self._count == -1 else min(self._count - self._skipped, 1 << 12)
            if want <= 0:
                break
            try:
                self._skipped += self.source.next_chunk(want).size
            except StopIteration:
                break
        self._done = True
        if self._count == -1:  # skip(-1): everything goes
            self._exhausted = True

    def __next__(self) -> Any:
        if not self._done:
            self._skip()
        if self._exhausted:
            raise StopIteration
        return next(self.source)

    def next_chunk(self, n: int) -> Chunk:
        if not self._done:
            self._skip()
        if self._exhausted:
            raise StopIteration
        return self.source.next_chunk(n)

    def get_state(self) -> State:
        return {"skipped": self._skipped, "done": self._done, "source": self.source.get_state()}

    def set_state(self, state: State) -> None:
        self._skipped, self._done = int(state["skipped"]), bool(state["done"])
        self._exhausted = self._done and self._count == -1
        self.source.set_state(state["source"])
