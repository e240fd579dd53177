"""`Dataset.prefetch`: same elements as without it, argument checks, checkpoints, threads."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dataflowio.data import Dataset
from dataflowio.data.ops.prefetch import Prefetch
from dataflowio.data.ops.range import Range
from dataflowio.errors import InvalidArgumentError
from tests.harness import assert_checkpoint_roundtrip, assert_closes

pytestmark = pytest.mark.timeout(60)


@given(xs=st.lists(st.integers(-5, 5), max_size=40), b=st.sampled_from([0, 1, 2, 7, -1]))
def test_prefetch_matches_the_reference_identity(xs, b):
    ds = Dataset.from_tensor_slices(np.array(xs, np.int64)).prefetch(b)
    assert [int(v) for v in ds] == xs


def test_prefetch_of_batches_keeps_columns_and_order():
    got = [b.tolist() for b in Dataset.range(10).batch(3).prefetch(2)]
    assert got == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]


def test_prefetch_zero_is_a_pass_through_without_threads():
    src = Range(stop=3)
    it = Prefetch(inputs=(src,), buffer_size=0).open((src.open((), None),), None)
    assert type(it).__name__ != "ThreadedStage" and [int(v) for v in it] == [0, 1, 2]


@pytest.mark.parametrize("bad", [-2, -10])
def test_prefetch_rejects_negative_buffer_sizes(bad):
    with pytest.raises(InvalidArgumentError, match=r"`buffer_size` must be >= 0 or AUTOTUNE \(-1\)"):
        Dataset.range(3).prefetch(bad)
    with pytest.raises(InvalidArgumentError, match=r"`buffer_size` must be >= 0 or AUTOTUNE \(-1\)"):
        Prefetch(inputs=(Range(stop=3),), buffer_size=bad)


def test_prefetch_rejects_non_integer_buffer_sizes():
    with pytest.raises(InvalidArgumentError, match="must be an integer"):
        Prefetch(inputs=(Range(stop=3),), buffer_size=1.5)


@pytest.mark.parametrize("at", [0, 1, 5, 9, 10])
@pytest.mark.parametrize("b", [1, 3, -1])
def test_prefetch_checkpoint_roundtrip(at, b):
    assert_checkpoint_roundtrip(Dataset.range(10).map(lambda x: x * 2).prefetch(b), at=at)


def test_prefetch_cardinality_is_the_input_cardinality():
    assert Dataset.range(7).prefetch(2).cardinality() == 7


def test_prefetch_closes_its_thread():
    assert_closes(Dataset.range(1000).prefetch(4), consume=3)
