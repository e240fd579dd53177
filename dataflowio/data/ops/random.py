"""`Dataset.random`: an endless stream of random int64 values in `[0, 2**32)`, bit-for-bit tf.data's.

TensorFlow's RandomDataset draws 32-bit outputs of Philox4x32-10 keyed by the seed pair
`(seed, seed2)` that `dataflowio.random.get_seed(seed)` derives exactly as TensorFlow does
(op seed with the default graph seed 87654321, or the global seed from `set_seed`). We compute
the same Philox blocks vectorized in NumPy, so a seeded dataset yields TensorFlow's very values,
element by element or in chunks. With no seed at all, the key comes from fresh entropy. The state
is just the number of values produced.

>>> from dataflowio.data.plan import ExecContext
>>> from dataflowio.data.options import Options
>>> it = RandomSource(seed=87654321, seed2=1).open((), ExecContext(Options()))
>>> it.next_chunk(3).columns().tolist()
[2870909127, 3455438759, 4052121393]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from dataflowio import dtypes
from dataflowio import random as df_random
from dataflowio.data.iterator import Chunk, DataIterator, State
from dataflowio.data.plan import INFINITE, ExecContext, Node
from dataflowio.errors import InvalidArgumentError
from dataflowio.tensor_shape import TensorSpec

BLOCK_CALLS = 256  # Philox calls computed at once (4 values each)
_M0, _M1 = np.uint64(0xD2511F53), np.uint64(0xCD9E8D57)
_W0, _W1 = 0x9E3779B9, 0xBB67AE85
_MASK, _S32 = np.uint64(0xFFFFFFFF), np.uint64(32)
_MAXINT32 = 2**31 - 1


def philox_rounds(k0: Any, k1: Any, c0: Any, c1: Any, c2: Any, c3: Any) -> tuple[Any, Any, Any, Any]:
    """One `PhiloxRandom()` call (Philox4x32-10) on uint64 arrays holding 32-bit words; keys may be
    arrays too. Returns the four output words."""
    k0, k1 = np.uint64(0) + k0, np.uint64(0) + k1
    w0, w1 = np.uint64(_W0), np.uint64(_W1)
    for _ in range(10):
        p0, p1 = _M0 * c0, _M1 * c2
        c0, c1, c2, c3 = (p1 >> _S32) ^ c1 ^ k0, p1 & _MASK, (p0 >> _S32) ^ c3 ^ k1, p0 & _MASK
        k0, k1 = (k0 + w0) & _MASK, (k1 + w1) & _MASK
    return c0, c1, c2, c3


def philox_values(seed: int, seed2: int, first_call: int, calls: int) -> np.ndarray:
    """The 4 * `calls` uint32 outputs (as int64) of TensorFlow's `PhiloxRandom(seed, seed2)` from
    call number `first_call` on: key = seed, counter = (call number, seed2), ten rounds."""
    n = np.arange(first_call, first_call + calls, dtype=np.uint64)
    c2 = np.full(calls, seed2 & 0xFFFFFFFF, dtype=np.uint64)
    c3 = np.full(calls, (seed2 >> 32) & 0xFFFFFFFF, dtype=np.uint64)
    out = philox_rounds(seed & 0xFFFFFFFF, (seed >> 32) & 0xFFFFFFFF, n & _MASK, n >> _S32, c2, c3)
    return np.stack(out, axis=1).reshape(-1).astype(np.int64)


def stateless_uniform_doubles(seed0: np.ndarray, seed1: np.ndarray) -> np.ndarray:
    """The first `RandDouble()` of TensorFlow's stateless kernels for each seed pair (int64 arrays):
    the seeds are scrambled into a Philox key/counter (`GenerateKey`), then 52 random mantissa bits."""
    s0, s1 = seed0.astype(np.uint64), seed1.astype(np.uint64)
    m0, m1, m2, m3 = philox_rounds(0x3EC8F720, 0x02461E29, s0 & _MASK, s0 >> _S32, s1 & _MASK, s1 >> _S32)
    zero = np.zeros_like(m2)
    x0, x1, _, _ = philox_rounds(m0, m1, zero, zero, m2, m3)
    bits = (np.uint64(1023) << np.uint64(52)) | ((x0 & np.uint64(0xFFFFF)) << _S32) | x1
    return bits.view(np.float64) - 1.0


def seed_pair(seed: int | None) -> tuple[int, int]:
    """TensorFlow's `(seed, seed2)` for an op seed (global seed rules); fresh entropy when unseeded."""
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int | np.integer)):
        raise InvalidArgumentError(f"Dataset.random: `seed` must be an integer or None, got "
                                   f"{type(seed).__name__}: {seed!r:.40}.")
    a, b = df_random.get_seed(None if seed is None else int(seed))
    if a is None or b is None:
        return df_random.fresh_entropy(), df_random.fresh_entropy()
    a, b = int(a) % _MAXINT32, int(b) % _MAXINT32  # TensorFlow's _truncate_seed
    return (0, _MAXINT32) if (a, b) == (0, 0) else (a, b)


@dataclass(frozen=True, kw_only=True, eq=False)
class RandomSource(Node):
    seed: int = 0
    seed2: int = 0

    op_name = "random"

    def open(self, inputs: tuple[DataIterator, ...], ctx: ExecContext) -> DataIterator:
        return RandomIterator(int(self.seed), int(self.seed2))

    def _element_spec(self) -> Any:
        return TensorSpec((), dtypes.int64)

    def _cardinality(self) -> int:
        return INFINITE


class RandomIterator(DataIterator):
    def __init__(self, seed: int, seed2: int) -> None:
        super().__init__(name="random")
        self._seed, self._seed2 = seed, seed2
        self._pos = 0  # values produced
        self._block = np.empty(0, dtype=np.int64)
        self._block_start = 0  # value index of self._block[0]

    def _values(self, start: int, n: int) -> np.ndarray:
        first, last = start // 4, (start + n + 3) // 4
        vals = philox_values(self._seed, self._seed2, first, last - first)
        return vals[start - 4 * first:start - 4 * first + n]

    def __next__(self) -> Any:
        i = self._pos - self._block_start
        if not 0 <= i < len(self._block):
            self._block_start = self._pos
            self._block = self._values(self._pos, 4 * BLOCK_CALLS)
            i = 0
        self._pos += 1
        return self._block[i]

    def next_chunk(self, n: int) -> Chunk:
        out = self._values(self._pos, n)
        self._pos += n
        return Chunk.from_columns(out, n)

    def get_state(self) -> State:
        return {"pos": self._pos}

    def set_state(self, state: State) -> None:
        self._pos = int(state["pos"])
        self._block = np.empty(0, dtype=np.int64)
