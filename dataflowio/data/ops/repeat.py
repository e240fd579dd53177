"""`Dataset.repeat`: replays the input `count` times, or forever when `count` is None (or -1).

Each pass opens a fresh iterator over the input plan (as tf.data does), so a shuffle with
`reshuffle_each_iteration=True` gives a new order on every pass. An empty input stays empty.

>>> from dataflowio.data import execute
>>> from dataflowio.data.ops.range import Range
>>> from dataflowio.data.plan import ExecContext
>>> from dataflowio.data.options import Options
>>> it = execute.lower(Repeat(inputs=(Range(stop=2),), count=3), ExecContext(Options()))
>>> [int(x) for x in it]
[0, 1, 0, 1, 0, 1]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dataflowio.data.iterator import Chunk, DataIterator, State, concat_chunks
from dataflowio.data.ops._common import as_int
from dataflowio.data.plan import INFINITE, UNKNOWN, ExecContext, Node
from dataflowio.errors import InvalidArgumentError


@dataclass(frozen=True, kw_only=True, eq=False)
class Repeat(Node):
    count: int | None = None

    op_name = "repeat"

    def __post_init__(self) -> None:
        if self.count is not None:
            c = as_int(self.count, "repeat", "count")
            if c < -1:
                raise InvalidArgumentError(f"repeat: `count` must be >= -1 or None, got {c}.")

    @property
    def times(self) -> int | None:
        """Passes to make; None = forever."""
        return repeat_times(self.count)

    def open(self, inputs: tuple[DataIterator, ...], ctx: ExecContext) -> DataIterator:
        return RepeatIterator(inputs[0], self, ctx)

    def _element_spec(self) -> Any:
        return self.inputs[0].element_spec()

    def _cardinality(self) -> int:
        return repeated_cardinality(self.inputs[0].cardinality(), self.times)


def repeat_times(count: int | None) -> int | None:
    """Returns the passes a repeat `count` makes: None (forever) for None or -1.

    >>> repeat_times(None), repeat_times(-1), repeat_times(3)
    (None, None, 3)
    """
    return None if count is None or int(count) == -1 else int(count)


def repeated_cardinality(n: int, times: int | None) -> int:
    """Returns the cardinality of `times` passes (None = forever) over an input of cardinality `n`.

    >>> repeated_cardinality(3, 2), repeated_cardinality(0, None), repeated_cardinality(UNKNOWN, 2)
    (6, 0, -2)
    """
    if times is None:
        return 0 if n == 0 else INFINITE
    if times == 0:
        return 0
    if n in (INFINITE, UNKNOWN):
        return n
    return n * times


class RepeatIterator(DataIterator):
    def __init__(self, source: DataIterator, node: Repeat, ctx: ExecContext) -> None:
        super().__init__(source, name="repeat")
        self._node, self._ctx = node, ctx
        self._times = node.times
        self._epoch = 0
        self._seen = False  # whether the current pass produced anything

    def _more_passes(self) -> bool:
        return self._times is None or self._epoch < self._times

    def _next_pass(self) -> bool:
        """Opens the input again; False when no pass is left (or the input is empty)."""
        from dataflowio.data import execute

        if not self._seen:
            self._epoch = self._times if self._times is not None else self._epoch
            return False
        self._epoch += 1
        self._seen = False
        if not self._more_passes():
            return False
        old = self.sources[0]
        self.sources = (execute.lower(self._node.inputs[0], self._ctx),)
        old.close()
        return True

    def __next__(self) -> Any:
        while self._more_passes():
            try:
                el = next(self.source)
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
                c = self.source.next_chunk(n - got)
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
        return {"epoch": self._epoch, "seen": self._seen, "source": self.source.get_state()}

    def set_state(self, state: State) -> None:
        self._epoch, self._seen = int(state["epoch"]), bool(state["seen"])
        self.source.set_state(state["source"])
