"""Tiny iterators for the runtime's doctests and tests (no dependency on the ops modules).

>>> it = ListIterator([10, 20, 30])
>>> next(it), it.get_state()
(10, {'index': 1})
>>> it.set_state({"index": 2}); list(it)
[30]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dataflowio.data.iterator import Chunk, DataIterator, State


class ListIterator(DataIterator):
    """Yields the items of a list; state is the index. `fail_at` maps index -> exception to raise."""

    def __init__(self, items: list[Any], fail_at: dict[int, BaseException] | None = None,
                 delay: Callable[[int], None] | None = None) -> None:
        super().__init__(name="list")
        self.items, self.index = list(items), 0
        self.fail_at = dict(fail_at or {})
        self.delay = delay

    def __next__(self) -> Any:
        if self.index >= len(self.items):
            raise StopIteration
        i = self.index
        self.index += 1
        if self.delay is not None:
            self.delay(i)
        if i in self.fail_at:
            raise self.fail_at[i]
        return self.items[i]

    def next_chunk(self, n: int) -> Chunk:
        out = []
        for _ in range(n):
            if self.index in self.fail_at and out:
                break  # deliver what we have; the error comes with the next call
            try:
                out.append(self.__next__())
            except StopIteration:
                break
        if not out:
            raise StopIteration
        return Chunk.from_elements(out)

    def get_state(self) -> State:
        return {"index": self.index}

    def set_state(self, state: State) -> None:
        self.index = int(state["index"])
