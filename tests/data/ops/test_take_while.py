"""take_while: the prefix the predicate accepts, predicate checks, checkpoints, tf.data parity."""

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


@given(xs=st.lists(st.integers(-5, 5), max_size=12))
def test_take_while_matches_reference(xs):
    ds = Dataset.from_tensor_slices(np.array(xs, dtype=np.int32)).take_while(lambda x: x >= 0)
    assert_matches_reference(ds, ref.take_while([np.int32(x) for x in xs], lambda x: x >= 0))


def test_take_while_passes_tuple_components_and_stops_an_infinite_input():
    ds = Dataset.zip((Dataset.counter(), Dataset.counter(10))).take_while(lambda a, b: a + b < 16)
    assert [(int(a), int(b)) for a, b in ds] == [(0, 10), (1, 11), (2, 12)]


def test_take_while_rejects_a_non_boolean_predicate():
    with pytest.raises(InvalidArgumentError, match=r"the predicate must return a scalar bool, got int64"):
        list(Dataset.range(3).take_while(lambda x: x))


def test_take_while_cardinality_is_unknown():
    assert Dataset.range(3).take_while(lambda x: True).cardinality() == -2


@pytest.mark.parametrize("at", [0, 2, 4])
def test_take_while_checkpoint_restores_the_exact_suffix(at):
    assert_checkpoint_roundtrip(Dataset.range(10).take_while(lambda x: x < 5), at=at)


def test_take_while_matches_tf(tf):
    ours = Dataset.from_tensor_slices(["a", "bb", "", "c"]).take_while(lambda s: s != b"")
    theirs = tf.data.Dataset.from_tensor_slices(["a", "bb", "", "c"]).take_while(lambda s: s != b"")
    assert_same_as_tf(ours, theirs)
