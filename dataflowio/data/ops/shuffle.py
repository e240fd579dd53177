"""`Dataset.shuffle`: tf.data's buffer shuffle, written once over *positions*.

`PositionShuffler` turns input positions 0, 1, 2, ... into output positions: it fills a buffer of
`buffer_size` positions, then for each output picks a uniformly random slot, emits it and refills
from the input; at the end it drains the buffer randomly. Random numbers come in blocks from a
NumPy PCG64 generator seeded by (global seed, op seed, iteration), so the order is the same on
every run and machine when a seed is set.

The iterator uses the shuffler two ways with the *same* output:
- index mode, when its input is random access (`from_tensor_slices`, `range`, stateless maps over
  them): the buffer holds positions only and each chunk is one gather (fancy index);
- element mode otherwise: the buffer holds the input elements, keyed by position.

>>> from dataflowio.data import execute
>>> from dataflowio.data.ops.range import Range
>>> from dataflowio.data.plan import ExecContext
>>> from dataflowio.data.options import Options
>>> node = Shuffle(inputs=(Range(stop=6),), buffer_size=6, seed=3)
>>> a = [int(x) for x in execute.lower(node, ExecContext(Options()))]
>>> again = Shuffle(inputs=(Range(stop=6),), buffer_size=6, seed=3)      # same seed, same order
>>> sorted(a), a == [int(x) for x in execute.lower(again, ExecContext(Options()))]
([0, 1, 2, 3, 4, 5], True)
>>> a == [int(x) for x in execute.lower(node, ExecContext(Options()))]   # next iteration reshuffles
False
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dataflowio import random as df_random
from dataflowio.data import checkpoint
from dataflowio.data.iterator import Chunk, DataIterator, State
from dataflowio.data.ops._common import as_int
from dataflowio.data.plan import ExecContext, Node
from dataflowio.errors import InvalidArgumentError


class BlockRng:
    """Uniform slot indices drawn in blocks; its state is plain data (generator state + offset)."""

    BLOCK = 512

    def __init__(self, key: list[int]) -> None:
        self._gen = np.random.Generator(np.random.PCG64(np.random.SeedSequence(key)))
        self._block: list[float] = []
        self._pos = 0
        self._start: dict[str, Any] | None = None  # generator state before the current block

    def index(self, n: int) -> int:
        """A uniform integer in [0, n)."""
        if self._pos >= len(self._block):
            self._start = self._gen.bit_generator.state
            self._block = self._gen.random(self.BLOCK).tolist()
            self._pos = 0
        u = self._block[self._pos]
        self._pos += 1
        return int(u * n)

    def uniforms(self, k: int) -> list[float]:
        """The next `k` uniforms in [0, 1): the same draws (and state) as `k` calls of `index`."""
        out: list[float] = []
        while len(out) < k:
            if self._pos >= len(self._block):
                self._start = self._gen.bit_generator.state
                self._block = self._gen.random(self.BLOCK).tolist()
                self._pos = 0
            take = min(k - len(out), len(self._block) - self._pos)
            out.extend(self._block[self._pos:self._pos + take])
            self._pos += take
        return out

    def floats(self, m: int) -> list[float]:
        """The next `m` uniform draws in [0, 1) (the same sequence `index` uses)."""
        out: list[float] = []
        while m > 0:
            if self._pos >= len(self._block):
                self._start = self._gen.bit_generator.state
                self._block = self._gen.random(self.BLOCK).tolist()
                self._pos = 0
            k = min(m, len(self._block) - self._pos)
            out.extend(self._block[self._pos:self._pos + k])
            self._pos += k
            m -= k
        return out

    def get_state(self) -> State:
        if self._start is None:
            return {"bg": self._gen.bit_generator.state, "pos": -1}
        return {"bg": self._start, "pos": self._pos}

    def set_state(self, state: State) -> None:
        self._gen.bit_generator.state = state["bg"]
        if state["pos"] < 0:
            self._block, self._pos, self._start = [], 0, None
        else:
            self._start = self._gen.bit_generator.state
            self._block = self._gen.random(self.BLOCK).tolist()
            self._pos = int(state["pos"])


class PositionShuffler:
    """tf.data's shuffle buffer over input positions (see the module docstring).

    >>> s = PositionShuffler(1, BlockRng([1]))            # a buffer of one keeps the order
    >>> s.take(5, lambda k: min(k, 3 - s.consumed))
    [0, 1, 2]
    """

    def __init__(self, buffer_size: int, rng: BlockRng) -> None:
        self.size = buffer_size
        self.rng = rng
        self.slots: list[int] = []
        self.consumed = 0  # input positions taken into the buffer so far
        self.ended = False  # the input has no position `consumed`
        # Index mode: `available(consumed)` says how many next positions exist without pulling
        # anything (enables the inlined steady-state loop); None in element mode.
        self.available: Callable[[int], int] | None = None

    def take(self, n: int, more: Callable[[int], int],
             available: Callable[[], int] | None = None) -> list[int]:
        """Up to `n` output positions. `more(k)` makes up to `k` next input positions available
        and returns how many it could (fewer means the input ended). `available()`, when given,
        says how many input positions certainly exist beyond `consumed` (random-access inputs),
        which lets whole runs of steps go without callbacks."""
        out: list[int] = []
        slots, size = self.slots, self.size
        while len(out) < n:
            if not self.ended and len(slots) < size:
                need = size - len(slots)
                got = more(need)
                slots.extend(range(self.consumed, self.consumed + got))
                self.consumed += got
                if got < need:
                    self.ended = True
            k = len(slots)
            if not k:
                break
            if self.ended:  # drain: no refills
                for u in self.rng.floats(min(n - len(out), k)):
                    i = int(u * k)
                    out.append(slots[i])
                    k -= 1
                    last = slots.pop()
                    if i < k:
                        slots[i] = last
                continue
            steady = min(n - len(out), available()) if available is not None else 0
            if steady > 0:  # emit slot i, move the last slot into it, append the next position
                pos = self.consumed
                for u in self.rng.floats(steady):
                    i = int(u * k)
                    out.append(slots[i])
                    slots[i] = slots[-1]
                    slots[-1] = pos
                    pos += 1
                self.consumed = pos
                continue
            i = self.rng.index(k)
            out.append(slots[i])
            last = slots.pop()
            if i < k - 1:
                slots[i] = last
        return out

    def get_state(self) -> State:
        return {"slots": list(self.slots), "consumed": self.consumed, "ended": self.ended,
                "rng": self.rng.get_state()}

    def set_state(self, state: State) -> None:
        self.slots[:] = [int(p) for p in state["slots"]]
        self.consumed, self.ended = int(state["consumed"]), bool(state["ended"])
        self.rng.set_state(state["rng"])


class SeedSource:
    """The seeds of one shuffle (resolved once, when the dataset is built) and a count of the
    iterations started, shared by every copy of the node so each new iterator reshuffles."""

    def __init__(self, seed: int | None) -> None:
        g, o = df_random.get_seed(seed)
        if g is None:
            g, o = df_random.fresh_entropy(), 0
        self.seeds = [int(g), int(o)]
        self.iterations = 0

    def next_iteration(self) -> int:
        it = self.iterations
        self.iterations += 1
        return it


@dataclass(frozen=True, kw_only=True, eq=False)
class Shuffle(Node):
    buffer_size: int = 1
    seed: int | None = None
    reshuffle_each_iteration: bool = True
    seed_source: SeedSource = field(default=None, repr=False)  # type: ignore[assignment]

    op_name = "shuffle"
    preserves_cardinality = True
    deterministic = True

    def __post_init__(self) -> None:
        n = as_int(self.buffer_size, "shuffle", "buffer_size")
        if n < 1:
            raise InvalidArgumentError(f"shuffle: `buffer_size` must be >= 1, got {n}.")
        if self.seed is not None:
            as_int(self.seed, "shuffle", "seed")
        if self.seed_source is None:
            object.__setattr__(self, "seed_source", SeedSource(self.seed))

    def open(self, inputs: tuple[DataIterator, ...], ctx: ExecContext) -> DataIterator:
        iteration = self.seed_source.next_iteration() if self.reshuffle_each_iteration else 0
        return ShuffleIterator(inputs[0], int(self.buffer_size), self.seed_source, iteration)


def is_random_access(it: DataIterator) -> bool:
    """True when `it` can serve any position: `random_access_length()` and `gather(positions)`."""
    return callable(getattr(it, "gather", None)) and callable(getattr(it, "random_access_length", None))


class ShuffleIterator(DataIterator):
    def __init__(self, source: DataIterator, buffer_size: int, seeds: SeedSource, iteration: int) -> None:
        super().__init__(source, name="shuffle")
        self._seeds_src = seeds
        self._seeds = list(seeds.seeds)
        self._iteration = iteration
        self._size = buffer_size
        self._index_mode = is_random_access(source)
        self._total = source.random_access_length() if self._index_mode else None  # type: ignore[attr-defined]
        self._store: dict[int, Any] = {}
        self._reset()

    def _reset(self) -> None:
        self._shuffler = PositionShuffler(self._size, BlockRng(self._seeds + [self._iteration]))
        if self._index_mode:
            total = self._total
            self._shuffler.available = lambda consumed: max(0, total - consumed)  # type: ignore[operator]
        self._store.clear()

    def _more(self, k: int) -> int:
        if self._index_mode:
            return max(0, min(k, self._total - self._shuffler.consumed))
        base = self._shuffler.consumed
        got = 0
        if k > 1:
            try:
                for el in self.source.next_chunk(k).elements():
                    self._store[base + got] = el
                    got += 1
            except StopIteration:
                pass
            return got
        try:
            self._store[base] = next(self.source)
        except StopIteration:
            return 0
        return 1

    def _available(self) -> int:
        return self._total - self._shuffler.consumed

    def __next__(self) -> Any:
        positions = self._shuffler.take(1, self._more)
        if not positions:
            raise StopIteration
        if self._index_mode:
            return self.source.gather(np.asarray(positions)).elements()[0]  # type: ignore[attr-defined]
        return self._store.pop(positions[0])

    def next_chunk(self, n: int) -> Chunk:
        positions = self._shuffler.take(n, self._more, self._available if self._index_mode else None)
        if not positions:
            raise StopIteration
        if self._index_mode:
            return self.source.gather(np.asarray(positions, dtype=np.int64))  # type: ignore[attr-defined]
        store = self._store
        return Chunk.from_elements([store.pop(p) for p in positions])

    def get_state(self) -> State:
        state: State = {"seeds": self._seeds, "iteration": self._iteration,
                        "index_mode": self._index_mode, "buffer": self._shuffler.get_state()}
        if not self._index_mode:
            state["store"] = [[p, checkpoint.encode(e)] for p, e in self._store.items()]
            state["source"] = self.source.get_state()
        return state

    def set_state(self, state: State) -> None:
        if bool(state["index_mode"]) != self._index_mode:
            raise InvalidArgumentError(
                "shuffle: the checkpoint was taken with "
                f"{'an index-level' if state['index_mode'] else 'an element'} buffer but this input "
                f"uses {'an index-level' if self._index_mode else 'an element'} one; restore with the "
                "same pipeline and options.")
        self._seeds, self._iteration = [int(s) for s in state["seeds"]], int(state["iteration"])
        self._reset()
        self._shuffler.set_state(state["buffer"])
        if not self._index_mode:
            self._store.update({int(p): checkpoint.decode(e) for p, e in state["store"]})
            self.source.set_state(state["source"])
        # The next pass of a repeat (a new iterator) continues the iteration sequence from here.
        self._seeds_src.iterations = self._iteration + 1
