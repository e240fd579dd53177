"""sample_from_datasets: seeded determinism, every element once, weights, exhaustion, tf.data."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dataflowio.data import Dataset
from dataflowio.errors import InvalidArgumentError
from tests.data.ops.h3b_support import assert_same_as_tf
from tests.harness import assert_checkpoint_roundtrip


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


@pytest.mark.parametrize("weights,stop", [(None, False), ([0.2, 0.5, 0.3], False), ([1.0, 0.5, 3.0], False),
                                          ([0.25, 0.25, 0.5], True)])
def test_sample_from_datasets_yields_tensorflows_exact_order(tf, weights, stop):
    def mix(D):
        parts = [D.range(5), D.range(10, 40).map(lambda x: x * 2), D.range(100, 700)]
        return D.sample_from_datasets(parts, weights=weights, seed=3, stop_on_empty_dataset=stop)

    assert_same_as_tf(mix(Dataset), mix(tf.data.Dataset))


def test_sample_from_datasets_of_nested_elements_matches_tf_over_many_blocks(tf):
    def mix(D):
        a = D.from_tensor_slices({"x": np.arange(900), "s": np.array([b"a"] * 900)})
        b = D.from_tensor_slices({"x": -np.arange(900), "s": np.array([b"b"] * 900)})
        return D.sample_from_datasets([a, b], weights=[0.4, 0.6], seed=12345)

    assert_same_as_tf(mix(Dataset).batch(64), mix(tf.data.Dataset).batch(64))


def test_sample_from_datasets_of_one_dataset_is_that_dataset():
    ds = Dataset.range(3)
    assert Dataset.sample_from_datasets([ds], seed=1) is ds


@pytest.mark.timeout(30)
def test_sample_from_datasets_ends_when_only_zero_weight_inputs_are_left():
    ds = Dataset.sample_from_datasets([Dataset.range(3), Dataset.range(10, 100)], weights=[1.0, 0.0], seed=2)
    assert _ints(ds) == [0, 1, 2]
