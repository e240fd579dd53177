"""`dataflowio.random`: the global random seed (`tf.random.set_seed`) and op-seed derivation.

As in TensorFlow, an op given no seed is deterministic once a global seed is set: each such op
takes the next seed of a sequence that `set_seed` restarts. With neither, ops draw fresh entropy.

>>> set_seed(7); a = get_seed(None); set_seed(7); b = get_seed(None)
>>> a == b, get_seed(5)[1]
(True, 5)
>>> set_seed(None)
"""

from __future__ import annotations

import numpy as np

DEFAULT_GRAPH_SEED = 87654321  # TensorFlow's value when only an op seed is given

_global_seed: int | None = None
_counter = 0


def set_seed(seed: int | None) -> None:
    """Sets the global random seed (None clears it) and restarts the op-seed sequence."""
    global _global_seed, _counter
    _global_seed = None if seed is None else int(seed)
    _counter = 0


set_random_seed = set_seed


def global_seed() -> int | None:
    """The global seed in force: `set_seed`'s, else the default graph's (`set_random_seed`)."""
    if _global_seed is not None:
        return _global_seed
    try:
        from dataflowio.graph import graph as _graph

        return getattr(_graph.get_default_graph(), "seed", None)
    except Exception:  # noqa: BLE001 - the graph package is optional here
        return None


def get_seed(op_seed: int | None) -> tuple[int | None, int | None]:
    """(global seed, op seed) as TensorFlow derives them; (None, None) means "nondeterministic"."""
    global _counter
    g = global_seed()
    if op_seed is not None:
        return (DEFAULT_GRAPH_SEED if g is None else g, int(op_seed))
    if g is None:
        return (None, None)
    _counter += 1
    return (g, _counter)


def fresh_entropy() -> int:
    """A random 63-bit seed from the OS (for ops that are nondeterministic by request)."""
    return int(np.random.SeedSequence().entropy % (1 << 63))
