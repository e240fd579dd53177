"""scan: running state, (state, element) arguments, dtype checks, checkpoints, tf.data parity."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dataflowio.data import Dataset
from tests.data.ops.h3b_support import assert_same_as_tf
from tests.harness import assert_checkpoint_roundtrip, assert_matches_reference
from tests.reference import pipeline as ref


def _running(s, x):
    return s + x, (s, x * 2)


@given(xs=st.lists(st.integers(-100, 100), max_size=12))
def test_scan_matches_reference(xs):
    ds = Dataset.from_tensor_slices(np.array(xs, dtype=np.int64)).scan(np.int64(0), _running)
    assert_matches_reference(ds, ref.scan([np.int64(x) for x in xs], np.int64(0), _running))
    assert ds.cardinality() == len(xs)


def test_scan_gets_the_whole_tuple_element_as_its_second_argument():
    src = Dataset.from_tensor_slices(([1, 2, 3], ["a", "b", "c"]))
    ds = src.scan(b"", lambda s, e: (s + e[1], (e[0], s + e[1])))
    assert [(int(n), w) for n, w in ds] == [(1, b"a"), (2, b"ab"), (3, b"abc")]


def test_scan_with_a_dict_state():
    ds = Dataset.range(4).scan({"n": np.int64(0), "sum": np.int64(0)},
                               lambda s, x: ({"n": s["n"] + 1, "sum": s["sum"] + x}, s["sum"] + x))
    assert [int(v) for v in ds] == [0, 1, 3, 6]


def test_scan_rejects_a_state_whose_dtype_changes():
    ds = Dataset.range(3).scan(np.int32(0), lambda s, x: (s + x, x))  # int32 + int64 -> int64
    with pytest.raises(TypeError, match=r"the new state must keep the initial state's dtypes; expected \['int32'\], got \['int64'\]"):
        list(ds)


def test_scan_rejects_a_function_that_returns_no_pair():
    with pytest.raises(TypeError, match=r"must return a pair \(new_state, output\)"):
        list(Dataset.range(3).scan(np.int64(0), lambda s, x: s))


def test_scan_rejects_a_function_of_the_wrong_arity():
    with pytest.raises(TypeError, match=r"takes 1 positional argument\(s\) but each element gives 2"):
        Dataset.range(3).scan(0, lambda s: (s, s))


def test_scan_of_empty_input_is_empty():
    assert list(Dataset.range(0).scan(np.int64(0), _running)) == []


@pytest.mark.parametrize("at", [0, 2, 5])
def test_scan_checkpoint_restores_state_and_suffix(at):
    assert_checkpoint_roundtrip(Dataset.range(8).scan(np.int64(100), _running), at=at)


def test_scan_matches_tf(tf):
    ours = Dataset.range(6).scan(np.int64(0), lambda s, x: (s + x, (s, x * 2)))
    theirs = tf.data.Dataset.range(6).scan(np.int64(0), lambda s, x: (s + x, (s, x * 2)))
    assert_same_as_tf(ours, theirs)
