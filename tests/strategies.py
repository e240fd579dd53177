"""Hypothesis strategies for the data tests: sources, transformations and whole pipelines, each
drawn together with its reference (tests/reference/pipeline.py).

`pipelines()` draws a source and a chain of 2–6 transformations and returns a `Pipeline`:
the Dataset, the list the reference says it yields, and a readable description.

>>> from hypothesis import given, settings
>>> @settings(max_examples=5, database=None)
... @given(pipelines())
... def check(p):
...     assert len(p.steps) >= 1
>>> check()
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import strategies as st

from dataflowio import random as df_random
from dataflowio.data import Dataset
from dataflowio.data.ops.map import Map
from dataflowio.data.ops.shuffle import BlockRng
from tests.reference import pipeline as ref

MAX_ELEMENTS = 150  # keeps repeat / concatenate / zip chains small


@dataclass
class Pipeline:
    ds: Dataset[Any]
    expected: list[Any]
    steps: list[str] = field(default_factory=list)

    def __repr__(self) -> str:
        return " -> ".join(self.steps)


# ---- element helpers used by drawn functions ----------------------------------------------------


def bump_leaf(v: Any) -> Any:
    """+1 on numbers (dtype kept), unchanged strings; works per element and per column."""
    if isinstance(v, bytes):
        return v
    if isinstance(v, np.ndarray):
        if v.dtype == object:
            return v
        return (v + 1).astype(v.dtype)
    if isinstance(v, np.generic):
        return v.dtype.type(v + 1)
    return v + 1


def bump(x: Any) -> Any:
    return ref.nest_map(bump_leaf, x)


def key_of(x: Any) -> int:
    """An integer summary of an element (for predicates)."""
    first = ref.leaves(x)[0]
    if isinstance(first, bytes):
        return len(first)
    arr = np.asarray(first)
    if arr.dtype == object:
        return int(sum(len(b) for b in arr.reshape(-1)))
    return int(np.sum(arr))


def map_fn_for(spec: Any) -> Callable[..., Any]:
    if type(spec) is tuple:
        return lambda *xs: tuple(bump(x) for x in xs)
    return lambda x: bump(x)


def pred_for(spec: Any, mod: int) -> Callable[..., Any]:
    if type(spec) is tuple:
        return lambda *xs: np.bool_(key_of(xs) % mod != 0)
    return lambda x: np.bool_(key_of(x) % mod != 0)


# ---- sources ------------------------------------------------------------------------------------

SOURCE_KINDS = ["range", "ints", "tuple", "dict", "strings", "matrix"]


@st.composite
def sources(draw: Any, kinds: list[str] | None = None) -> Pipeline:
    kind = draw(st.sampled_from(kinds or SOURCE_KINDS))
    n = draw(st.integers(0, 12))
    if kind == "range":
        start = draw(st.integers(-3, 3))
        return Pipeline(Dataset.range(start, start + n), ref.range_(start, start + n), [f"range({start}, {start + n})"])
    ints = draw(st.lists(st.integers(-50, 50), min_size=n, max_size=n))
    words = draw(st.lists(st.text("abc", max_size=3), min_size=n, max_size=n))
    if kind == "ints":
        value: Any = ints
    elif kind == "tuple":
        value = (ints, words)
    elif kind == "dict":
        value = {"a": ints, "b": np.arange(2 * n, dtype=np.float32).reshape(n, 2)}
    elif kind == "strings":
        value = words if n else np.array([], dtype=object)
    else:
        value = np.arange(3 * n, dtype=np.int16).reshape(n, 3)
    if kind == "ints" and n == 0:
        value = np.array([], dtype=np.int32)
    return Pipeline(Dataset.from_tensor_slices(value), ref.from_tensor_slices(value),
                    [f"from_tensor_slices({kind} x {n})"])


# ---- transformations ----------------------------------------------------------------------------


def _ranks(ds: Dataset[Any]) -> list[int | None]:
    return [s.shape.rank for s in ref.leaves(ds.element_spec)]


@st.composite
def transform(draw: Any, p: Pipeline, names: list[str] | None = None) -> Pipeline:
    """One transformation applied to `p` (engine and reference alike)."""
    spec = p.ds.element_spec
    small = len(p.expected) <= MAX_ELEMENTS // 3
    options = ["map", "vmap", "filter", "take", "skip", "shard", "shuffle", "cache",
               "enumerate", "padded_batch", "prefetch"]
    if all(s.shape.is_fully_defined() for s in ref.leaves(spec)):
        options.append("batch")  # elements of different shapes cannot be batched (padded_batch can)
    if all(r is not None and r >= 1 for r in _ranks(p.ds)):
        options.append("unbatch")
    if small:
        options += ["repeat", "concatenate", "zip"]
    from tests.data.ops.h3b_support import H3B_OPS, h3b_options, h3b_transform  # H3b's ops

    options += h3b_options(p, small)
    if names is not None:
        options = [o for o in options if o in names] or ["take"]
    op = draw(st.sampled_from(options))
    ds, xs = p.ds, p.expected
    if op in H3B_OPS:
        return h3b_transform(draw, p, op)
    if op == "map":
        fn = map_fn_for(spec)
        return Pipeline(ds.map(fn), ref.map_(xs, fn), p.steps + ["map(bump)"])
    if op == "vmap":
        fn = map_fn_for(spec)
        return Pipeline(ds._then(Map(inputs=(ds._plan,), fn=fn, vectorized=True)), ref.map_(xs, fn),
                        p.steps + ["map(bump, vectorized)"])
    if op == "filter":
        mod = draw(st.integers(2, 4))
        pred = pred_for(spec, mod)
        return Pipeline(ds.filter(pred), ref.filter_(xs, pred), p.steps + [f"filter(key % {mod} != 0)"])
    if op in ("batch", "padded_batch"):
        n = draw(st.integers(1, 5))
        drop = draw(st.booleans())
        if op == "batch":
            return Pipeline(ds.batch(n, drop), ref.batch(xs, n, drop), p.steps + [f"batch({n}, {drop})"])
        return Pipeline(ds.padded_batch(n, drop_remainder=drop), ref.padded_batch(xs, n, drop),
                        p.steps + [f"padded_batch({n}, {drop})"])
    if op == "unbatch":
        return Pipeline(ds.unbatch(), ref.unbatch(xs), p.steps + ["unbatch()"])
    if op == "take":
        n = draw(st.integers(-1, 8))
        return Pipeline(ds.take(n), ref.take(xs, n), p.steps + [f"take({n})"])
    if op == "skip":
        n = draw(st.integers(-1, 8))
        return Pipeline(ds.skip(n), ref.skip(xs, n), p.steps + [f"skip({n})"])
    if op == "shard":
        k = draw(st.integers(1, 3))
        i = draw(st.integers(0, k - 1))
        return Pipeline(ds.shard(k, i), ref.shard(xs, k, i), p.steps + [f"shard({k}, {i})"])
    if op == "shuffle":
        b = draw(st.integers(1, 8))
        seed = draw(st.integers(0, 2**31 - 1))
        rng = BlockRng([df_random.DEFAULT_GRAPH_SEED, seed, 0])
        return Pipeline(ds.shuffle(b, seed=seed, reshuffle_each_iteration=False),
                        ref.shuffle(xs, b, rng.index), p.steps + [f"shuffle({b}, seed={seed})"])
    if op == "cache":
        return Pipeline(ds.cache(), ref.cache(xs), p.steps + ["cache()"])
    if op == "enumerate":
        s = draw(st.integers(0, 3))
        return Pipeline(ds.enumerate(s), ref.enumerate_(xs, s), p.steps + [f"enumerate({s})"])
    if op == "prefetch":
        b = draw(st.integers(0, 3))
        return Pipeline(ds.prefetch(b), ref.prefetch(xs, b), p.steps + [f"prefetch({b})"])
    if op == "repeat":
        c = draw(st.integers(0, 3))
        return Pipeline(ds.repeat(c), list(ref.repeat(xs, c)), p.steps + [f"repeat({c})"])
    if op == "concatenate":
        return Pipeline(ds.concatenate(ds), ref.concatenate(xs, xs), p.steps + ["concatenate(self)"])
    return Pipeline(Dataset.zip(ds, ds), ref.zip_(xs, xs), p.steps + ["zip(self, self)"])


@st.composite
def pipelines(draw: Any, min_steps: int = 2, max_steps: int = 6, names: list[str] | None = None,
              kinds: list[str] | None = None) -> Pipeline:
    """A source plus a chain of `min_steps`..`max_steps` transformations, with its reference."""
    p = draw(sources(kinds))
    for _ in range(draw(st.integers(min_steps, max_steps))):
        p = draw(transform(p, names))
    return p
