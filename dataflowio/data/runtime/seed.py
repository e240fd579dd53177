"""Per-element seeds: random augmentation that does not depend on the thread count.

Inside a function run by `Dataset.map`, `element_seed()` returns a 64-bit seed derived from the
map's base seed and the element's position in the input (counted from the start of the pass),
and `element_rng()` a `np.random.Generator` seeded with it. Both give the same values for the
same element whatever `num_parallel_calls` is, and after a checkpoint restore.

The base seed comes from the map stage (its plan label) mixed with `set_base_seed(seed)`
(default 0). Note: positions restart with every pass of a `repeat()`; mix in an epoch number
(`element_seed(salt=epoch)`) if every epoch must differ.

>>> set_position(base=1234, position=7)
>>> element_seed() == element_seed(), element_seed() != element_seed(salt=1)
(True, True)
>>> float(element_rng().random()) == float(element_rng().random())
True
"""

from __future__ import annotations

import hashlib
import threading
import zlib

import numpy as np

from dataflowio.errors import FailedPreconditionError

_local = threading.local()
_BASE = [0]
_MASK = (1 << 64) - 1


def set_base_seed(seed: int) -> None:
    """Sets the process-wide seed that every map's per-element seeds are mixed with."""
    _BASE[0] = int(seed) & _MASK


def stage_base(label: str) -> int:
    """The base seed of one map stage: its label mixed with the process-wide base seed."""
    return (zlib.crc32(label.encode()) * 0x9E3779B97F4A7C15 ^ _BASE[0]) & _MASK


def set_position(base: int | None, position: int) -> None:
    """Called by map iterators before each element: which stage and which element is running."""
    _local.base = base
    _local.position = position


def element_seed(salt: int = 0) -> int:
    """The seed of the element being mapped in this thread (64-bit int).

    Raises:
      FailedPreconditionError: outside a per-element map function (e.g. in a vectorized map).
    """
    base = getattr(_local, "base", None)
    if base is None:
        raise FailedPreconditionError(
            "element_seed: called outside a per-element map function; expected a call from a "
            "function run by Dataset.map (not vectorized).")
    data = f"{base}:{_local.position}:{int(salt)}".encode()
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "little")


def element_rng(salt: int = 0) -> np.random.Generator:
    """A NumPy Generator seeded with `element_seed(salt)`."""
    return np.random.Generator(np.random.PCG64(element_seed(salt)))
