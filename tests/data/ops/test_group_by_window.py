"""group_by_window: windows per key, flush order, window_size_func, checkpoints, tf.data parity."""

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


@given(xs=st.lists(st.integers(0, 20), max_size=16), mod=st.integers(1, 4), size=st.integers(1, 4),
       b=st.integers(1, 3))
def test_group_by_window_matches_reference(xs, mod, size, b):
    ds = Dataset.from_tensor_slices(np.array(xs, dtype=np.int64)).group_by_window(
        lambda x: x % mod, lambda k, w: w.batch(b), window_size=size)
    want = ref.group_by_window([np.int64(x) for x in xs], lambda x: x % mod,
                               lambda k, g: ref.batch(g, b), lambda k: size)
    assert_matches_reference(ds, want)


def test_group_by_window_size_func_is_called_once_per_key():
    calls = []

    def size_of(key):
        calls.append(int(key))
        return key + 1

    ds = Dataset.range(12).group_by_window(lambda x: x % 3, lambda k, w: w.batch(9), window_size_func=size_of)
    assert [b.tolist() for b in ds] == [[0], [3], [1, 4], [6], [2, 5, 8], [9], [7, 10], [11]]
    assert sorted(calls) == [0, 1, 2]


def test_group_by_window_reduce_gets_the_key_and_tuple_elements_keep_their_structure():
    src = Dataset.from_tensor_slices(([1, 2, 3, 4], ["a", "b", "c", "d"]))
    ds = src.group_by_window(lambda n, s: n % 2, lambda k, w: w.map(lambda n, s: (k, s)), window_size=2)
    assert [(int(k), s) for k, s in ds] == [(1, b"a"), (1, b"c"), (0, b"b"), (0, b"d")]


def test_group_by_window_rejects_bad_arguments():
    with pytest.raises(InvalidArgumentError, match=r"exactly one of `window_size` and `window_size_func`"):
        Dataset.range(3).group_by_window(lambda x: x, lambda k, w: w)
    with pytest.raises(InvalidArgumentError, match=r"`window_size` must be a positive integer, got 0"):
        Dataset.range(3).group_by_window(lambda x: x, lambda k, w: w, window_size=0)
    ds = Dataset.range(3).group_by_window(lambda x: x, lambda k, w: w, window_size_func=lambda k: k * 0)
    with pytest.raises(InvalidArgumentError, match=r"window size must be greater than zero, but got 0"):
        list(ds)


def test_group_by_window_key_must_be_an_integer_scalar():
    ds = Dataset.range(3).group_by_window(lambda x: np.float32(x), lambda k, w: w, window_size=2)
    with pytest.raises(InvalidArgumentError, match=r"`key_func` must return a single int64 scalar, got float32"):
        list(ds)


def test_group_by_window_cardinality_is_unknown_or_infinite():
    def gbw(d):
        return d.group_by_window(lambda x: x % 2, lambda k, w: w.batch(2), window_size=2)

    assert gbw(Dataset.range(4)).cardinality() == -2
    assert gbw(Dataset.range(4).repeat()).cardinality() == -1


@pytest.mark.parametrize("at", [0, 1, 3, 5])
def test_group_by_window_checkpoint_restores_buffered_windows(at):
    ds = Dataset.range(13).group_by_window(lambda x: x % 3, lambda k, w: w.batch(2), window_size=3)
    assert_checkpoint_roundtrip(ds, at=at)


def test_group_by_window_matches_tf(tf):
    ours = Dataset.range(17).map(lambda x: (x, "s")).group_by_window(
        lambda x, s: x % 3, lambda k, w: w.batch(2), window_size=3)
    theirs = tf.data.Dataset.range(17).map(lambda x: (x, "s")).group_by_window(
        lambda x, s: x % 3, lambda k, w: w.batch(2), window_size=3)
    assert_same_as_tf(ours, theirs)


def test_group_by_window_with_size_func_matches_tf(tf):
    ours = Dataset.range(20).group_by_window(lambda x: x % 4, lambda k, w: w.batch(10),
                                             window_size_func=lambda k: k + 2)
    theirs = tf.data.Dataset.range(20).group_by_window(lambda x: x % 4, lambda k, w: w.batch(10),
                                                       window_size_func=lambda k: k + 2)
    assert_same_as_tf(ours, theirs)
