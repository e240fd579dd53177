"""unique: first occurrences in order, supported dtypes, checkpoints, tf.data parity."""

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


@given(xs=st.lists(st.integers(-3, 3), max_size=15))
def test_unique_matches_reference(xs):
    ds = Dataset.from_tensor_slices(np.array(xs, dtype=np.int64)).unique()
    assert_matches_reference(ds, ref.unique([np.int64(x) for x in xs]))


@given(ws=st.lists(st.text("ab", max_size=2), max_size=10))
def test_unique_of_strings_matches_reference(ws):
    ds = Dataset.from_tensor_slices(np.array([w.encode() for w in ws], dtype=object)).unique()
    assert_matches_reference(ds, ref.unique([w.encode() for w in ws]))


def test_unique_of_vectors_compares_whole_values():
    ds = Dataset.from_tensor_slices(np.array([[1, 2], [1, 2], [2, 1]], dtype=np.int32)).unique()
    assert [v.tolist() for v in ds] == [[1, 2], [2, 1]]


def test_unique_rejects_several_components():
    with pytest.raises(InvalidArgumentError, match=r"only datasets with a single component are supported"):
        Dataset.zip((Dataset.range(3), Dataset.range(3))).unique()


def test_unique_rejects_float_elements():
    with pytest.raises(TypeError, match=r"only int32, int64 and string are"):
        Dataset.from_tensor_slices([1.5, 2.5]).unique()


@pytest.mark.parametrize("at", [0, 2, 3])
def test_unique_checkpoint_remembers_what_was_seen(at):
    ds = Dataset.from_tensor_slices(["a", "b", "a", "c", "b", "d", "a"]).unique()
    assert_checkpoint_roundtrip(ds, at=at)


def test_unique_matches_tf(tf):
    xs = [3, 1, 3, 2, 1, 5]
    assert_same_as_tf(Dataset.from_tensor_slices(xs).unique(), tf.data.Dataset.from_tensor_slices(xs).unique())
    ws = ["x", "y", "x"]
    assert_same_as_tf(Dataset.from_tensor_slices(ws).unique(), tf.data.Dataset.from_tensor_slices(ws).unique())
