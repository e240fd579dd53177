"""Vectorized map: the trial vectorizes exactly the row-wise functions, falls back for good on
anything else, and never changes the elements."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dataflowio.data import Dataset
from dataflowio.data.iterator import Chunk
from dataflowio.data.ops._fn import call_fn, normalize_element
from dataflowio.data.vectorize import Trial, is_declared_vectorized, vectorized
from tests.data.optimize.test_law import elements, only
from tests.harness import assert_same_elements

RNG = np.random.default_rng(0)
IMAGES = RNG.integers(0, 256, (40, 12), dtype=np.uint8)
IMAGES[:, 0] = 255  # every row has max 255: a batch-wide max agrees with each row's max
LABELS = RNG.integers(0, 10, 40).astype(np.int64)


def decide(fn: Any, cols: Any = (IMAGES[:8], LABELS[:8]), check: bool = True) -> Trial:
    t = Trial(fn)
    n = len(cols[0]) if isinstance(cols, tuple) else len(cols)
    chunk = Chunk.from_columns(cols, n)
    per = lambda c: Chunk.from_elements([normalize_element(call_fn(fn, e)) for e in c.elements()])
    out = t.apply(chunk, per)
    if check:  # the trial chunk's elements are the per-element results
        assert_same_elements(out.elements(), per(chunk).elements(), "trial chunk")
    return t


@pytest.mark.parametrize("fn", [
    lambda x, y: (x.astype(np.float32) / 255, y),
    lambda x, y: (np.float32(2) * x, y + 1),
    lambda x, y: (np.sqrt(x.astype(np.float64)), np.maximum(y, 3)),
    lambda x, y: {"img": x, "label": y},
    lambda x, y: (np.where(x > 100, x, np.uint8(0)), y),
])
def test_row_wise_functions_are_vectorized(fn: Any) -> None:
    t = decide(fn)
    assert t.decision is True, t.reason


@pytest.mark.parametrize("fn, why", [
    (lambda x, y: (x / x.max(), y), "maximum.reduce"),
    (lambda x, y: (x - x.mean(), y), "add.reduce"),
    (lambda x, y: (x.reshape(3, 4), y), ".reshape()"),
    (lambda x, y: (x[0], y), "indexing"),
    (lambda x, y: (x, y if y > 3 else y * 0), "bool()"),
    (lambda x, y: (x, np.int64(len(x))), "len()"),
    (lambda x, y: (np.concatenate([x, x]), y), "np.concatenate"),
    (lambda x, y: (x, y + np.arange(2)[:, None]), "broadcasting against a larger array"),
    (lambda x, y: (x @ np.ones((12, 2), np.uint8), y), "generalized ufunc"),
])
def test_row_mixing_functions_stay_per_element(fn: Any, why: str) -> None:
    t = decide(fn)
    assert t.decision is False and why in t.reason


def test_a_hidden_batch_statistic_is_caught_by_the_synthetic_row() -> None:
    # np.asarray strips the probe, and every real row has max 255: only the halved row disagrees
    t = decide(lambda x, y: (np.asarray(x) / np.asarray(x).max(), y))
    assert t.decision is False and "values differ" in t.reason


def test_random_functions_stay_per_element() -> None:
    gen = np.random.default_rng(1)
    t = decide(lambda x, y: (x + gen.integers(0, 2, size=np.shape(x)).astype(np.uint8), y),
               check=False)
    assert t.decision is False


def test_a_function_returning_a_constant_stays_per_element() -> None:
    t = decide(lambda x, y: (x, np.int64(7)))
    assert t.decision is False and "component [1]" in t.reason


def test_ragged_outputs_stay_per_element() -> None:
    t = decide(lambda x: x[: int(x.sum()) % 3 + 1], IMAGES[:8].astype(np.int64))
    assert t.decision is False


def test_identical_rows_postpone_the_decision_then_give_up() -> None:
    t = Trial(lambda x: x * 2)
    same = Chunk.from_columns(np.array([b"a", b"a"], dtype=object), 2)
    per = lambda c: Chunk.from_elements([e * 2 for e in c.elements()])
    for _ in range(2):
        t.apply(same, per)
        assert t.decision is None
    t.apply(same, per)
    assert t.decision is False


def test_declared_functions_skip_the_trial() -> None:
    @vectorized
    def scale(x: Any) -> Any:
        return x.astype(np.float32) / 255

    assert is_declared_vectorized(scale) and not is_declared_vectorized(len)
    assert Trial(scale, declared=True).decision is True
    wrapped = vectorized(len)  # builtins cannot carry the mark: wrapped
    assert is_declared_vectorized(wrapped) and wrapped([1, 2]) == 2


def test_after_the_trial_a_failing_chunk_is_recomputed_per_element() -> None:
    def f(x: Any) -> Any:
        if np.any(np.asarray(x) == 13):
            raise ValueError("thirteen")
        return x + 1

    ds = Dataset.from_tensor_slices(np.arange(20, dtype=np.int64)).map(f).batch(5)
    with pytest.raises(ValueError, match="thirteen") as e:
        elements(ds, only("vectorized_map"))
    assert any("at element 13" in n for n in getattr(e.value, "__notes__", []))


def test_map_then_batch_is_vectorized_once_and_gives_the_same_batches() -> None:
    calls = {"n": 0}

    @vectorized
    def f(x: Any, y: Any) -> Any:
        calls["n"] += 1
        return x.astype(np.float32) / 255, y

    ds = Dataset.from_tensor_slices((IMAGES, LABELS)).map(f).batch(8)
    got = elements(ds, only("vectorized_map", "map_and_batch_fusion"))
    assert calls["n"] == 5  # one call per batch, not per element
    assert_same_elements(got, elements(ds, only()), "vectorized")


@given(st.lists(st.integers(-1000, 1000), min_size=0, max_size=60), st.integers(1, 9),
       st.sampled_from(["scale", "square", "bad_max", "index"]))
def test_vectorized_maps_never_change_elements(xs: list[int], n: int, which: str) -> None:
    fns = {"scale": lambda x: x.astype(np.float32) / 7,
           "square": lambda x: x * x - 3,
           "bad_max": lambda x: x - np.asarray(x).max(),
           "index": lambda x: x[..., None][..., 0]}
    arr = np.asarray(xs, dtype=np.int64)
    ds = Dataset.from_tensor_slices(arr).map(fns[which]).batch(n)
    assert_same_elements(elements(ds, only("vectorized_map", "map_and_batch_fusion")),
                         elements(ds, only()), which)
    def shuffled() -> Dataset[Any]:
        return Dataset.from_tensor_slices(arr).map(fns[which]).shuffle(5, seed=3).batch(n)

    assert_same_elements(elements(shuffled(), only("vectorized_map")), elements(shuffled(), only()), which)


def test_a_parallel_vectorized_map_delivers_errors_in_order_and_continues() -> None:
    def f(x: Any) -> Any:
        if np.any(np.asarray(x) == 13):
            raise ValueError("thirteen")
        return x * 2

    ds = Dataset.from_tensor_slices(np.arange(40, dtype=np.int64)).map(f, num_parallel_calls=3)
    got = elements(ds.ignore_errors(), only("vectorized_map"))
    assert [int(v) for v in got] == [2 * i for i in range(40) if i != 13]
    with pytest.raises(ValueError, match="thirteen"):
        elements(ds, only("vectorized_map"))
