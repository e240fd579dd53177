"""Test helpers shared by the data tests: compare with the reference, checkpoint round trips,
and "no thread survives close()".

>>> from dataflowio.data import Dataset
>>> _ = assert_matches_reference(Dataset.range(3), [np.int64(0), np.int64(1), np.int64(2)])
>>> assert_checkpoint_roundtrip(Dataset.range(5).batch(2), at=1)
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import numpy as np

from tests.conftest import wait_for_no_dataflowio_threads
from tests.reference.pipeline import canonical


def take_list(it: Any, limit: int | None = None) -> list[Any]:
    """The first `limit` elements of an iterable (all when None)."""
    return list(it) if limit is None else list(itertools.islice(it, limit))


def assert_same_elements(got: list[Any], want: list[Any], what: str = "") -> None:
    """Element-by-element equality with dtypes, shapes and structure."""
    assert len(got) == len(want), f"{what}: {len(got)} elements, expected {len(want)}"
    for i, (g, w) in enumerate(zip(got, want)):
        cg, cw = canonical(g), canonical(w)
        assert cg == cw, f"{what}: element {i} differs:\n  got  {cg}\n  want {cw}"


def assert_matches_reference(ds: Any, expected: Any, limit: int | None = None) -> list[Any]:
    """`ds` yields exactly `expected` (a list or iterable; the first `limit` elements)."""
    it = iter(ds)
    try:
        got = take_list(it, limit)
    finally:
        it.close()
    want = take_list(iter(expected), limit)
    assert_same_elements(got, want, f"{ds!r}")
    return got


def assert_checkpoint_roundtrip(ds: Any, at: int, limit: int = 400) -> None:
    """Saving after `at` elements and restoring in a new iterator yields exactly the rest.

    The state goes through JSON, as a real checkpoint would.
    """
    it = iter(ds)
    head = take_list(it, at)
    state = json.loads(json.dumps(it.save()))
    rest = take_list(it, limit)
    it.close()
    it2 = iter(ds)
    it2.restore(state)
    again = take_list(it2, limit)
    it2.close()
    assert_same_elements(again, rest, f"restore after {len(head)} elements of {ds!r}")


def assert_closes(ds: Any, consume: int = 1) -> None:
    """After a partial iteration and `close()`, no `dataflowio-*` thread is left running."""
    it = iter(ds)
    take_list(it, consume)
    it.close()
    alive = wait_for_no_dataflowio_threads()
    assert not alive, f"threads still alive after close(): {[t.name for t in alive]}"


__all__ = [
    "assert_checkpoint_roundtrip",
    "assert_closes",
    "assert_matches_reference",
    "assert_same_elements",
    "np",
    "take_list",
]
