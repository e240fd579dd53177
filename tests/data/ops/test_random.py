"""random: seeded determinism, range and dtype, chunked == element-wise, checkpoints, vs tf.data."""

from __future__ import annotations

import numpy as np
import pytest

from dataflowio.data import Dataset
from dataflowio.errors import InvalidArgumentError
from tests.data.ops.h3b_support import spec_summary, tf_list
from tests.harness import assert_checkpoint_roundtrip, assert_same_elements


def _vals(ds, n):
    return [int(v) for v in ds.take(n)]


def test_random_is_deterministic_under_a_seed_and_differs_between_seeds():
    assert _vals(Dataset.random(seed=1), 50) == _vals(Dataset.random(seed=1), 50)
    assert _vals(Dataset.random(seed=1), 50) != _vals(Dataset.random(seed=2), 50)
    assert _vals(Dataset.random(), 20) != _vals(Dataset.random(), 20)


def test_random_chunks_and_elements_give_the_same_sequence():
    flat = _vals(Dataset.random(seed=3), 3000)
    batched = [int(v) for b in Dataset.random(seed=3).batch(1000).take(3) for v in b]
    assert flat == batched


def test_random_values_are_uniform_int64_in_0_to_2_pow_32():
    v = np.array(_vals(Dataset.random(seed=5), 20000))
    assert v.min() >= 0 and v.max() < 2**32
    assert abs(v.mean() / 2**32 - 0.5) < 0.01


def test_random_rejects_a_non_integer_seed():
    with pytest.raises(InvalidArgumentError, match=r"`seed` must be an integer or None, got str"):
        Dataset.random(seed="x")


@pytest.mark.parametrize("at", [0, 5, 1500])
def test_random_checkpoint_restores_the_exact_suffix(at):
    assert_checkpoint_roundtrip(Dataset.random(seed=8).take(2000), at=at, limit=2000)


@pytest.mark.parametrize("seed", [0, 1, 4, 2**40 + 3])
def test_random_yields_tensorflows_exact_values_under_a_seed(tf, seed):
    ours, theirs = Dataset.random(seed=seed), tf.data.Dataset.random(seed=seed)
    assert spec_summary(ours.element_spec) == spec_summary(theirs.element_spec)
    assert ours.cardinality() == int(theirs.cardinality().numpy()) == -1
    assert_same_elements(list(ours.take(1030)), tf_list(theirs, 1030), "random vs tf")
    assert_same_elements([v for b in ours.batch(7).take(3) for v in b],
                         [v for b in tf_list(theirs.batch(7), 3) for v in b], "random batches vs tf")


def test_random_without_op_seed_is_reproducible_under_the_global_seed():
    from dataflowio import random as df_random

    try:
        df_random.set_seed(42)
        a = _vals(Dataset.random(), 9)
        df_random.set_seed(42)
        assert _vals(Dataset.random(), 9) == a
    finally:
        df_random.set_seed(None)
