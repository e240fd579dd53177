"""counter: endless arithmetic progression, chunked, checkpoints, tf.data parity."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dataflowio.data import Dataset
from dataflowio.errors import InvalidArgumentError
from tests.data.ops.h3b_support import assert_same_as_tf
from tests.harness import assert_checkpoint_roundtrip, assert_matches_reference
from tests.reference import pipeline as ref


@given(start=st.integers(-50, 50), step=st.integers(-5, 5), n=st.integers(0, 20))
def test_counter_matches_reference(start, step, n):
    assert_matches_reference(Dataset.counter(start, step).take(n), ref.counter(start, step, n))


@given(start=st.integers(-50, 50), step=st.integers(-5, 5), b=st.integers(1, 6))
def test_counter_batches_match_single_elements(start, step, b):
    assert_matches_reference(Dataset.counter(start, step).batch(b).take(3),
                             ref.batch(ref.counter(start, step, 3 * b), b))


def test_counter_is_infinite_and_takes_a_dtype():
    assert Dataset.counter().cardinality() == -1
    assert [v.dtype.name for v in Dataset.counter(dtype="int32").take(1)] == ["int32"]


def test_counter_rejects_a_string_dtype():
    with pytest.raises(InvalidArgumentError, match=r"`dtype` must be an integer or float type, got string"):
        Dataset.counter(dtype="string")


@pytest.mark.parametrize("at", [0, 5])
def test_counter_checkpoint_restores_the_exact_suffix(at):
    assert_checkpoint_roundtrip(Dataset.counter(7, 3).take(12), at=at)


@pytest.mark.parametrize("start,step,dtype", [(0, 1, "int64"), (5, -2, "int64"), (1, 3, "int32")])
def test_counter_matches_tf(tf, start, step, dtype):
    ours = Dataset.counter(start, step, dtype=dtype)
    theirs = tf.data.Dataset.counter(start, step, dtype=tf.as_dtype(dtype))
    assert_same_as_tf(ours, theirs, limit=20)
