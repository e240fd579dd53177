"""Which input elements the consumer has received: the checkpoint state of a threaded stage.

Workers pull chunks from the input ahead of the consumer, so the input's own position says
nothing about what the user has seen. For every chunk the consumer takes, the ledger keeps the
input state before and after it and its element offset; the consumer marks offset ranges as
received. The state is then: the last known input state at or before the first element not yet
received, its absolute position, and the ranges after it that were already received (output in
completion order leaves holes; in order it is just `[[0, k]]` for k elements of a chunk).

>>> led = Ledger(position=0, skip=[], start_state={"i": 0})
>>> led.pulled(seq=0, before={"i": 0}, after={"i": 4}, offset=0, size=4)
>>> led.pulled(seq=1, before={"i": 4}, after={"i": 8}, offset=4, size=4)
>>> led.received(0, 3)
>>> led.state()
{'source': {'i': 0}, 'position': 0, 'skip': [[0, 3]]}
>>> led.received(3, 4); led.received(6, 8)
>>> led.state()
{'source': {'i': 4}, 'position': 4, 'skip': [[2, 4]]}
>>> led.received(4, 6); led.state()
{'source': {'i': 8}, 'position': 8, 'skip': []}
"""

from __future__ import annotations

from typing import Any


class StateUnavailable:
    """Stands for an input state that could not be taken (the error is raised by `save()`)."""

    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error


class Ledger:
    """Offsets count input elements from the state the stage (re)started at (offset 0)."""

    def __init__(self, position: int, skip: list[list[int]], start_state: Any) -> None:
        self.position = position  # absolute element position of offset 0
        self._chunks: dict[int, tuple[Any, Any, int, int]] = {}  # seq -> (before, after, off, size)
        self._ranges: list[list[int]] = []
        self._frontier = 0
        self._base: tuple[Any, int, int] = (start_state, 0, -1)  # (state, offset, seq)
        for a, b in skip:
            self.received(int(a), int(b))

    def set_start_state(self, state: Any) -> None:
        if self._base[1] == 0 and self._base[0] is None:
            self._base = (state, 0, -1)

    def pulled(self, seq: int, before: Any, after: Any, offset: int, size: int) -> None:
        self._chunks[seq] = (before, after, offset, size)
        self._advance()

    def received(self, a: int, b: int) -> None:
        """Marks offsets [a, b) as delivered to the consumer."""
        if b <= a:
            return
        rs = sorted(self._ranges + [[a, b]])
        merged = [rs[0]]
        for r in rs[1:]:
            if r[0] <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], r[1])
            else:
                merged.append(r)
        self._ranges = merged
        self._advance()

    def _advance(self) -> None:
        for a, b in self._ranges:
            if a <= self._frontier < b:
                self._frontier = b
        f = self._frontier
        for seq in [s for s, c in self._chunks.items() if c[2] + c[3] <= f]:
            _before, after, off, size = self._chunks.pop(seq)
            if (off + size, seq) > self._base[1:]:
                self._base = (after, off + size, seq)
        self._ranges = [r for r in self._ranges if r[1] > self._base[1]]

    def skip_ranges(self, offset: int, size: int) -> list[tuple[int, int]]:
        """The received ranges that fall inside [offset, offset + size), relative to `offset`."""
        out = []
        for a, b in self._ranges:
            lo, hi = max(a, offset), min(b, offset + size)
            if lo < hi:
                out.append((lo - offset, hi - offset))
        return out

    def state(self) -> dict[str, Any]:
        """The checkpoint state: {"source", "position", "skip"}; raises if a state was unavailable."""
        state, off, _ = self._base
        for before, _after, c_off, size in self._chunks.values():
            if off < c_off <= self._frontier < c_off + size:
                state, off = before, c_off
        if isinstance(state, StateUnavailable):
            raise state.error
        skip = [[max(a, off) - off, b - off] for a, b in self._ranges if b > off]
        return {"source": state, "position": self.position + off, "skip": skip}
