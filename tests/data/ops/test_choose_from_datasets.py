"""choose_from_datasets: index-directed mixing, stop_on_empty_dataset, errors, tf.data parity."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dataflowio.data import Dataset
from dataflowio.errors import InvalidArgumentError
from tests.data.ops.h3b_support import assert_same_as_tf
from tests.harness import assert_checkpoint_roundtrip, assert_matches_reference
from tests.reference import pipeline as ref


@given(sizes=st.lists(st.integers(0, 4), min_size=1, max_size=3), data=st.data(), stop=st.booleans())
def test_choose_from_datasets_matches_reference(sizes, data, stop):
    choices = data.draw(st.lists(st.integers(0, len(sizes) - 1), max_size=15))
    lists = [[np.int64(100 * i + j) for j in range(n)] for i, n in enumerate(sizes)]
    ds = Dataset.choose_from_datasets([Dataset.range(100 * i, 100 * i + n) for i, n in enumerate(sizes)],
                                      Dataset.from_tensor_slices(np.array(choices, dtype=np.int64)),
                                      stop_on_empty_dataset=stop)
    assert_matches_reference(ds, ref.choose_from_datasets(lists, choices, stop))


def test_choose_from_datasets_keeps_nested_structure_and_strings():
    a = Dataset.from_tensor_slices({"k": ["x", "y"]})
    b = Dataset.from_tensor_slices({"k": ["z"]})
    choice = Dataset.from_tensor_slices(np.array([1, 0, 0], dtype=np.int64))
    assert [e["k"] for e in Dataset.choose_from_datasets([a, b], choice)] == [b"z", b"x", b"y"]


def test_choose_from_datasets_rejects_a_non_int64_choice_dataset():
    with pytest.raises(TypeError, match=r"`choice_dataset` must be a dataset of scalar int64 elements"):
        Dataset.choose_from_datasets([Dataset.range(2)], Dataset.from_tensor_slices([0, 0]))


def test_choose_from_datasets_rejects_incompatible_datasets():
    with pytest.raises(TypeError, match=r"incompatible dataset elements: dataset 0 has .* but dataset 1 has"):
        Dataset.choose_from_datasets([Dataset.range(2), Dataset.from_tensors("s")], Dataset.range(1))


def test_choose_from_datasets_out_of_range_index_raises():
    ds = Dataset.choose_from_datasets([Dataset.range(2)], Dataset.from_tensor_slices(np.array([0, 3])))
    with pytest.raises(InvalidArgumentError, match=r"selector index 3 is out of range; expected 0 <= index < 1"):
        list(ds)


@pytest.mark.parametrize("at", [0, 2, 5])
def test_choose_from_datasets_checkpoint_restores_the_exact_suffix(at):
    ds = Dataset.choose_from_datasets([Dataset.range(5), Dataset.range(10, 15)], Dataset.range(2).repeat(4))
    assert_checkpoint_roundtrip(ds, at=at)


@pytest.mark.parametrize("stop", [True, False])
def test_choose_from_datasets_matches_tf(tf, stop):
    choices = np.array([0, 1, 1, 2, 1, 0, 1, 2, 2, 0], dtype=np.int64)
    ours = Dataset.choose_from_datasets([Dataset.range(3), Dataset.range(10, 12), Dataset.range(20, 30)],
                                        Dataset.from_tensor_slices(choices), stop_on_empty_dataset=stop)
    theirs = tf.data.Dataset.choose_from_datasets(
        [tf.data.Dataset.range(3), tf.data.Dataset.range(10, 12), tf.data.Dataset.range(20, 30)],
        tf.data.Dataset.from_tensor_slices(choices), stop_on_empty_dataset=stop)
    assert_same_as_tf(ours, theirs)
