"""`Dataset.shuffle`: tf.data's buffer shuffle, written once over *positions*.

`PositionShuffler` turns input positions 0, 1, 2, ... into output positions: it fills a buffer of
`buffer_size` positions; then each output is a uniformly random slot, which the next input
position replaces; once the input has ended the buffer drains randomly (the emptied slot takes
the last one). Random numbers come in blocks from a NumPy PCG64 generator seeded by (global seed,
op seed, iteration), so the order is the same on every run and machine when a seed is set. The
steady phase is computed for a whole chunk at once with NumPy (each output is the last position
written to its slot), so shuffling costs no Python work per element.

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
    """Uniform draws in [0, 1) taken in blocks; its state is plain data (generator state + offset).

    `index(n)`, `uniforms(k)` and `floats_array(k)` consume the same sequence.
    """

    BLOCK = 512

    def __init__(self, key: list[int]) -> None:
        self._gen = np.random.Generator(np.random.PCG64(np.random.SeedSequence(key)))
        self._block = np.empty(0)
        self._pos = 0
        self._start: dict[str, Any] | None = None  # generator state before the current block

    def _refill(self) -> None:
        self._start = self._gen.bit_generator.state
        self._block = self._gen.random(self.BLOCK)
        self._pos = 0

    def index(self, n: int) -> int:
        """A uniform integer in [0, n)."""
        if self._pos >= len(self._block):
            self._refill()
        u = float(self._block[self._pos])
        self._pos += 1
        return int(u * n)

    def floats_array(self, k: int) -> np.ndarray:
        """The next `k` draws as a float64 array."""
        parts = []
        while k > 0:
            if self._pos >= len(self._block):
                self._refill()
            take = min(k, len(self._block) - self._pos)
            parts.append(self._block[self._pos:self._pos + take])
            self._pos += take
            k -= take
        return parts[0] if len(parts) == 1 else np.concatenate(parts) if parts else np.empty(0)

    def uniforms(self, k: int) -> list[float]:
        """The next `k` draws as Python floats (the same draws as `k` calls of `index`)."""
        return self.floats_array(k).tolist()

    def get_state(self) -> State:
        if self._start is None:
            return {"bg": self._gen.bit_generator.state, "pos": -1}
        return {"bg": self._start, "pos": self._pos}

    def set_state(self, state: State) -> None:
        self._gen.bit_generator.state = state["bg"]
        if state["pos"] < 0:
            self._block, self._pos, self._start = np.empty(0), 0, None
        else:
            self._refill()
            self._pos = int(state["pos"])


class PositionShuffler:
    """tf.data's shuffle buffer over input positions (see the module docstring).

    >>> s = PositionShuffler(1, BlockRng([1]))            # a buffer of one keeps the order
    >>> s.take(5, lambda k: min(k, 3 - s.consumed)).tolist()
    [0, 1, 2]
    """

    def __init__(self, buffer_size: int, rng: BlockRng) -> None:
        self.size = buffer_size
        self.rng = rng
        # The buffer of input positions: an int64 array, a list once draining.
        self.slots: np.ndarray | list[int] = np.empty(0, dtype=np.int64)
        self.consumed = 0  # input positions taken so far
        self.ended = False  # the input has no position `consumed`

    def take(self, n: int, more: Callable[[int], int]) -> np.ndarray:
        """Up to `n` output positions (int64 array). `more(k)` makes up to `k` next input
        positions available and returns how many it could (fewer means the input ended)."""
        parts: list[np.ndarray] = []
        done = 0
        while done < n:
            if not self.ended and len(self.slots) < self.size:  # first fill
                need = self.size - len(self.slots)
                got = more(need)
                self.slots = np.concatenate(
                    [np.asarray(self.slots, dtype=np.int64),
                     np.arange(self.consumed, self.consumed + got, dtype=np.int64)])
                self.consumed += got
                self.ended = got < need
            if not len(self.slots):
                break
            want = n - done
            if not self.ended:
                got = more(want)  # one refill per output
                if got:
                    parts.append(self._steady(got))
                    done += got
                self.ended = got < want
                continue
            part = self._drain(min(want, len(self.slots)))
            parts.append(part)
            done += len(part)
        if not parts:
            return np.empty(0, dtype=np.int64)
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def _steady(self, m: int) -> np.ndarray:
        """`m` steps of "emit slot i, write the next position into slot i", vectorized: each
        output is the last position written to its slot before it, else the slot's old value."""
        slots, base = self.slots, self.consumed
        idx = (self.rng.floats_array(m) * len(slots)).astype(np.int64)
        order = np.argsort(idx, kind="stable")  # by slot, then by time
        s = idx[order]
        new_group = np.empty(m, dtype=bool)
        new_group[0] = True
        np.not_equal(s[1:], s[:-1], out=new_group[1:])
        prev = np.empty(m, dtype=np.int64)
        prev[0] = -1
        prev[1:] = order[:-1]
        out_sorted = np.where(new_group, slots[s], base + prev)
        out = np.empty(m, dtype=np.int64)
        out[order] = out_sorted
        last = np.empty(m, dtype=bool)
        last[-1] = True
        np.not_equal(s[:-1], s[1:], out=last[:-1])
        slots[s[last]] = base + order[last]
        self.consumed = base + m
        return out

    def _drain(self, m: int) -> np.ndarray:
        """`m` steps after the input ended: emit slot i, move the last slot into it."""
        if not isinstance(self.slots, list):  # drain works on a list (the buffer only shrinks)
            self.slots = self.slots.tolist()
        slots = self.slots
        out = []
        k = len(slots)
        for u in self.rng.uniforms(m):
            i = int(u * k)
            out.append(slots[i])
            k -= 1
            last = slots.pop()
            if i < k:
                slots[i] = last
        return np.asarray(out, dtype=np.int64)

    def get_state(self) -> State:
        slots = self.slots if isinstance(self.slots, list) else self.slots.tolist()
        return {"slots": list(slots), "consumed": self.consumed, "ended": self.ended,
                "rng": self.rng.get_state()}

    def set_state(self, state: State) -> None:
        self.slots = np.asarray(state["slots"], dtype=np.int64)
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

    def __next__(self) -> Any:
        positions = self._shuffler.take(1, self._more)
        if not len(positions):
            raise StopIteration
        if self._index_mode:
            return self.source.gather(positions).elements()[0]  # type: ignore[attr-defined]
        return self._store.pop(int(positions[0]))

    def next_chunk(self, n: int) -> Chunk:
        positions = self._shuffler.take(n, self._more)
        if not len(positions):
            raise StopIteration
        if self._index_mode:
            return self.source.gather(positions)  # type: ignore[attr-defined]
        store = self._store
        return Chunk.from_elements([store.pop(p) for p in positions.tolist()])

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
