"""sample_from_datasets: seeded determinism, every element once, weights, exhaustion, tf.data."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dataflowio.data import Dataset
from dataflowio.errors import InvalidArgumentError
from tests.data.ops.h3b_support import spec_summary, tf_list
from tests.harness import assert_checkpoint_roundtrip
from tests.reference.pipeline import canonical


def _ints(ds):
    return [int(v) for v in ds]


@given(sizes=st.lists(st.integers(0, 6), min_size=1, max_size=4), seed=st.integers(0, 2**31))
def test_sample_from_datasets_yields_every_element_once_in_each_input_order(sizes, seed):
    ds = Dataset.sample_from_datasets([Dataset.range(100 * i, 100 * i + n) for i, n in enumerate(sizes)],
                                      seed=seed)
    got = _ints(ds)
    assert sorted(got) == sorted(100 * i + j for i, n in enumerate(sizes) for j in range(n))
    for i in range(len(sizes)):
        mine = [v for v in got if v // 100 == i]
        assert mine == sorted(mine)
    assert got == _ints(ds)  # the same order on every iteration


def test_sample_from_datasets_follows_the_weights():
    ds = Dataset.sample_from_datasets([Dataset.from_tensors(np.int64(0)).repeat(),
                                       Dataset.from_tensors(np.int64(1)).repeat()], weights=[0.8, 0.2], seed=5)
    counts = Counter(_ints(ds.take(4000)))
    assert 0.76 < counts[0] / 4000 < 0.84


def test_sample_from_datasets_stop_on_empty_dataset_stops_at_the_first_exhausted_input():
    ds = Dataset.sample_from_datasets([Dataset.range(2), Dataset.range(10, 1000)], seed=1,
                                      stop_on_empty_dataset=True)
    got = _ints(ds)
    assert [v for v in got if v < 10] == [0, 1] and len(got) < 990


def test_sample_from_datasets_rejects_bad_weights_and_no_datasets():
    with pytest.raises(InvalidArgumentError, match=r"`weights` must have one entry per dataset: 2 datasets but 3 weights"):
        Dataset.sample_from_datasets([Dataset.range(1), Dataset.range(1)], weights=[1, 1, 1])
    with pytest.raises(InvalidArgumentError, match=r"`weights` must be finite, >= 0 and not all 0"):
        Dataset.sample_from_datasets([Dataset.range(1)], weights=[-1])
    with pytest.raises(InvalidArgumentError, match=r"`datasets` must not be empty"):
        Dataset.sample_from_datasets([])


def test_sample_from_datasets_cardinality_follows_tf_rules():
    r = Dataset.range(3)
    assert Dataset.sample_from_datasets([r, r]).cardinality() == -2
    assert Dataset.sample_from_datasets([r, r.repeat()]).cardinality() == -1


@pytest.mark.parametrize("at", [0, 3, 300])
def test_sample_from_datasets_checkpoint_restores_the_exact_suffix(at):
    ds = Dataset.sample_from_datasets([Dataset.range(400), Dataset.range(1000, 1400)], weights=[0.3, 0.7], seed=9)
    assert_checkpoint_roundtrip(ds, at=at, limit=1000)


def test_sample_from_datasets_compares_with_tf_as_multisets_and_specs(tf):
    ours = Dataset.sample_from_datasets([Dataset.range(5), Dataset.range(10, 13).map(lambda x: x * 2)], seed=3)
    theirs = tf.data.Dataset.sample_from_datasets(
        [tf.data.Dataset.range(5), tf.data.Dataset.range(10, 13).map(lambda x: x * 2)], seed=3)
    assert spec_summary(ours.element_spec) == spec_summary(theirs.element_spec)
    assert ours.cardinality() == int(theirs.cardinality().numpy())
    key = lambda e: repr(canonical(e))
    assert sorted(map(key, ours)) == sorted(map(key, tf_list(theirs)))


def test_sample_from_datasets_weights_give_the_same_distribution_as_tf(tf):
    def mix(D, zeros, ones):
        return D.sample_from_datasets([zeros, ones], weights=[0.25, 0.75], seed=11).take(4000)

    ours = Counter(_ints(mix(Dataset, Dataset.from_tensors(np.int64(0)).repeat(),
                             Dataset.from_tensors(np.int64(1)).repeat())))
    theirs = Counter(int(v) for v in tf_list(mix(tf.data.Dataset, tf.data.Dataset.from_tensors(np.int64(0)).repeat(),
                                                tf.data.Dataset.from_tensors(np.int64(1)).repeat())))
    assert abs(ours[1] - theirs[1]) < 160  # both ~3000 +- 55 (one sigma ~27)
