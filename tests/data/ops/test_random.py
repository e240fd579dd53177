"""random: seeded determinism, range and dtype, chunked == element-wise, checkpoints, vs tf.data."""

from __future__ import annotations

import numpy as np
import pytest

from dataflowio.data import Dataset
from dataflowio.errors import InvalidArgumentError
from tests.data.ops.h3b_support import spec_summary, tf_list
from tests.harness import assert_checkpoint_roundtrip


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


def test_random_has_tfs_spec_cardinality_and_value_range(tf):
    ours, theirs = Dataset.random(seed=4), tf.data.Dataset.random(seed=4)
    assert spec_summary(ours.element_spec) == spec_summary(theirs.element_spec)
    assert ours.cardinality() == int(theirs.cardinality().numpy()) == -1
    t = np.array(tf_list(theirs, 5000))
    o = np.array(_vals(ours, 5000))
    assert t.dtype == o.dtype == np.int64
    assert 0 <= t.min() and t.max() < 2**32 and 0 <= o.min() and o.max() < 2**32
    assert abs(t.mean() - o.mean()) / 2**32 < 0.03
