"""Per-session state that stateful kernels see as `ctx`: variable values, RNGs, iterators.

>>> ctx = ExecContext()
>>> bool(ctx.rng("op", (1, 2)).integers(10) == ExecContext().rng("op", (1, 2)).integers(10))
True
"""

from __future__ import annotations

from typing import Any

import numpy as np

DEFAULT_GRAPH_SEED = 87654321


class ExecContext:
    """Holds `vars` (name -> array), `resources` (iterators etc.) and one RNG per random op."""

    def __init__(self) -> None:
        self.vars: dict[str, Any] = {}
        self.resources: dict[Any, Any] = {}
        self._rngs: dict[Any, np.random.Generator] = {}

    def rng(self, key: Any, seed: tuple[int | None, int | None]) -> np.random.Generator:
        """The generator of random op `key`: seeded from (graph seed, op seed) or from entropy."""
        gen = self._rngs.get(key)
        if gen is None:
            g, o = seed
            gen = np.random.default_rng() if g is None and o is None else \
                np.random.default_rng([g if g is not None else DEFAULT_GRAPH_SEED, o or 0])
            self._rngs[key] = gen
        return gen


EAGER = ExecContext()
