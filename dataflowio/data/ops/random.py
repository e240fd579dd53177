"""`Dataset.random`: an endless stream of random int64 values in `[0, 2**32)` (as tf.data's).

Values come in blocks from a NumPy `PCG64` generator seeded with `seed` (fresh entropy when None),
so one seed gives the same sequence on every run and machine, element by element or in chunks.
The bit pattern differs from TensorFlow's Philox stream; the range, dtype and shape match.

>>> from dataflowio.data.plan import ExecContext
>>> from dataflowio.data.options import Options
>>> a = RandomSource(seed=3).open((), ExecContext(Options())).next_chunk(4).columns()
>>> b = [int(next(it)) for it in [RandomSource(seed=3).open((), ExecContext(Options()))] * 4]
>>> a.tolist() == b, a.dtype.name, bool((a >= 0).all() and (a < 2**32).all())
(True, 'int64', True)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from dataflowio import dtypes
from dataflowio.data.iterator import Chunk, DataIterator, State
from dataflowio.data.plan import INFINITE, ExecContext, Node
from dataflowio.errors import InvalidArgumentError
from dataflowio.tensor_shape import TensorSpec

BLOCK = 1024


@dataclass(frozen=True, kw_only=True, eq=False)
class RandomSource(Node):
    seed: int | None = None

    op_name = "random"
    deterministic = True

    def __post_init__(self) -> None:
        if self.seed is not None and (isinstance(self.seed, bool) or not isinstance(self.seed, int | np.integer)):
            raise InvalidArgumentError(f"Dataset.random: `seed` must be an integer or None, got "
                                       f"{type(self.seed).__name__}: {self.seed!r:.40}.")

    def open(self, inputs: tuple[DataIterator, ...], ctx: ExecContext) -> DataIterator:
        return RandomIterator(self.seed)

    def _element_spec(self) -> Any:
        return TensorSpec((), dtypes.int64)

    def _cardinality(self) -> int:
        return INFINITE


class RandomIterator(DataIterator):
    def __init__(self, seed: int | None) -> None:
        super().__init__(name="random")
        self._rng = np.random.Generator(np.random.PCG64(seed))
        self._new_block()

    def _new_block(self) -> None:
        self._block_state = self._rng.bit_generator.state
        self._block = self._rng.integers(0, 1 << 32, size=BLOCK, dtype=np.int64)
        self._pos = 0

    def __next__(self) -> Any:
        if self._pos == BLOCK:
            self._new_block()
        self._pos += 1
        return self._block[self._pos - 1]

    def next_chunk(self, n: int) -> Chunk:
        parts = []
        need = n
        while need:
            if self._pos == BLOCK:
                self._new_block()
            k = min(need, BLOCK - self._pos)
            parts.append(self._block[self._pos:self._pos + k])
            self._pos += k
            need -= k
        return Chunk.from_columns(np.concatenate(parts) if len(parts) > 1 else parts[0].copy(), n)

    def get_state(self) -> State:
        return {"rng": self._block_state, "pos": self._pos}

    def set_state(self, state: State) -> None:
        self._rng.bit_generator.state = state["rng"]
        self._new_block()
        self._pos = int(state["pos"])
