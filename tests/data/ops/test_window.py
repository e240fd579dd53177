"""window: windows of size/shift/stride as (nested) datasets, drop_remainder, cardinality, tf.data."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dataflowio.data import Dataset, DatasetSpec
from dataflowio.errors import InvalidArgumentError
from tests.data.ops.h3b_support import spec_summary, tf_window_elements, window_elements
from tests.harness import assert_same_elements
from tests.reference import pipeline as ref


@given(n=st.integers(0, 14), size=st.integers(1, 4), shift=st.none() | st.integers(1, 4),
       stride=st.integers(1, 3), drop=st.booleans())
def test_window_matches_reference_and_cardinality(n, size, shift, stride, drop):
    ds = Dataset.range(n).window(size, shift, stride, drop)
    got = [window_elements(w) for w in ds]
    want = ref.window(ref.range_(n), size, shift, stride, drop)
    assert len(got) == len(want) == ds.cardinality()
    for g, w in zip(got, want):
        assert_same_elements(g, w, "window")


def test_window_of_tuples_and_dicts_yields_tuples_and_dicts_of_datasets():
    ds = Dataset.from_tensor_slices(([1, 2, 3], ["a", "b", "c"])).window(2)
    assert isinstance(ds.element_spec, tuple) and isinstance(ds.element_spec[1], DatasetSpec)
    assert [[(int(a), s) for a, s in window_elements(w)] for w in ds] == [[(1, b"a"), (2, b"b")], [(3, b"c")]]
    d = Dataset.from_tensor_slices({"x": np.arange(3)}).window(3)
    assert [[int(e["x"]) for e in window_elements(w)] for w in d] == [[0, 1, 2]]


def test_window_datasets_can_be_batched_and_flat_mapped():
    ds = Dataset.range(7).window(3, shift=1, drop_remainder=True).flat_map(lambda w: w.batch(3))
    assert [b.tolist() for b in ds] == [[0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5], [4, 5, 6]]


def test_window_of_empty_input_is_empty():
    assert list(Dataset.range(0).window(2)) == []


@pytest.mark.parametrize("at", [0, 1, 3])
def test_window_checkpoint_restores_the_exact_suffix(at):
    ds = Dataset.range(11).window(3, shift=2, stride=2)
    it = iter(ds)
    for _ in range(at):
        next(it)
    state = it.save()
    rest = [window_elements(w) for w in it]
    it2 = iter(ds)
    it2.restore(state)
    again = [window_elements(w) for w in it2]
    assert len(again) == len(rest)
    for a, b in zip(again, rest):
        assert_same_elements(a, b, "window restore")


@pytest.mark.parametrize("kw,msg", [({"size": 0}, r"`size` must be > 0, got 0"),
                                    ({"size": 2, "shift": 0}, r"`shift` must be > 0, got 0"),
                                    ({"size": 2, "stride": -1}, r"`stride` must be > 0, got -1")])
def test_window_rejects_non_positive_arguments(kw, msg):
    with pytest.raises(InvalidArgumentError, match=msg):
        Dataset.range(3).window(**kw)


@pytest.mark.parametrize("size,shift,stride,drop", [(3, None, 1, False), (3, 2, 1, False), (3, 1, 3, False),
                                                    (3, 1, 3, True), (4, 5, 2, True), (2, 3, 1, False)])
def test_window_matches_tf(tf, size, shift, stride, drop):
    ours = Dataset.zip((Dataset.range(10), Dataset.range(10).map(lambda x: x * 2))).window(size, shift, stride, drop)
    theirs = tf.data.Dataset.zip((tf.data.Dataset.range(10), tf.data.Dataset.range(10).map(lambda x: x * 2))).window(
        size, shift, stride, drop)
    assert spec_summary(ours.element_spec) == spec_summary(theirs.element_spec)
    assert ours.cardinality() == int(theirs.cardinality().numpy())
    got = [window_elements(w) for w in ours]
    want = [tf_window_elements(w) for w in theirs]
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert_same_elements(g, w, "window vs tf")
