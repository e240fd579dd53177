"""An error inside a map reaches the caller after every element produced before it, and
iteration can continue after it (as in tf.data): chunked execution must not drop elements."""

from __future__ import annotations

import numpy as np
import pytest

from dataflowio.data import Dataset, Options


def _options(optimize: bool) -> Options:
    o = Options()
    o.experimental_optimization.apply_default_optimizations = optimize
    return o


def fails_at_2(x):
    if int(x) == 2:
        raise ValueError("element 2 is bad")
    return x


def vectorizable_fails_at_2(x):
    if np.any(np.asarray(x) == 2):
        raise ValueError("element 2 is bad")
    return x * 2


def _until_error(ds):
    got = []
    with pytest.raises(ValueError, match="element 2 is bad"):
        for e in ds:
            got.append(np.asarray(e).tolist())
    return got


@pytest.mark.parametrize("optimize", [True, False])
@pytest.mark.parametrize("fn, expected", [(fails_at_2, [0, 1]), (vectorizable_fails_at_2, [0, 2])])
def test_elements_before_the_error_all_arrive(optimize, fn, expected):
    assert _until_error(Dataset.range(6).map(fn).with_options(_options(optimize))) == expected


@pytest.mark.parametrize("optimize", [True, False])
def test_prefetch_delivers_elements_before_the_error(optimize):
    ds = Dataset.range(6).map(fails_at_2).prefetch(3).with_options(_options(optimize))
    assert _until_error(ds) == [0, 1]


@pytest.mark.parametrize("optimize", [True, False])
def test_a_failing_element_fails_its_batch_without_a_short_batch_first(optimize):
    # tf.data: batch(4) over elements 0..5 where 2 fails raises on the first batch.
    ds = Dataset.range(10).map(fails_at_2).batch(4).with_options(_options(optimize))
    assert _until_error(ds) == []


@pytest.mark.parametrize("optimize", [True, False])
def test_iteration_continues_after_the_error_with_the_next_element(optimize):
    it = iter(Dataset.range(6).map(fails_at_2).with_options(_options(optimize)))
    got = []
    while True:
        try:
            got.append(int(next(it)))
        except ValueError:
            got.append("error")
        except StopIteration:
            break
    assert got == [0, 1, "error", 3, 4, 5]


def test_a_checkpoint_between_the_prefix_and_the_error_restores_exactly():
    ds = Dataset.range(6).map(fails_at_2).with_options(_options(False))
    it = iter(ds)
    assert [int(x) for x in it.next_chunk(6).elements()] == [0, 1]  # 2..5 are carried
    state = it.save()
    again = iter(ds)
    again.restore(state)
    with pytest.raises(ValueError, match="element 2 is bad"):
        next(again)
    assert [int(x) for x in again] == [3, 4, 5]
