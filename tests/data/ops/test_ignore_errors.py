"""ignore_errors: skips elements whose production raised, counts them, checkpoints, tf.data parity."""

from __future__ import annotations

import logging

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dataflowio.data import Dataset
from tests.data.ops.h3b_support import assert_same_as_tf
from tests.harness import assert_checkpoint_roundtrip, assert_matches_reference
from tests.reference import pipeline as ref


def _inverse(x):
    if x < 0:  # (not 0: the engine may call map functions on zeros to infer their spec)
        raise ZeroDivisionError("x is negative")
    with np.errstate(divide="ignore"):
        return np.float32(1) / np.float32(x)


@given(xs=st.lists(st.integers(-3, 3), max_size=12))
def test_ignore_errors_matches_reference(xs):
    xs = [1, 2] + xs  # NOTE: map infers its spec by running on the first two elements
    ds = Dataset.from_tensor_slices(np.array(xs, dtype=np.int32)).map(_inverse).ignore_errors()

    def produce():
        for x in xs:
            try:
                yield _inverse(np.int32(x))
            except ZeroDivisionError as e:
                yield e

    assert_matches_reference(ds, ref.ignore_errors(produce))


def test_ignore_errors_counts_what_it_skipped_in_stats():
    it = iter(Dataset.from_tensor_slices([1, 2, -1, -1]).map(_inverse).ignore_errors())
    assert [float(v) for v in it] == [1.0, 0.5]
    stages = it.stats()["stages"]
    assert any(s.get("skipped") == 2 for s in stages), stages


def test_ignore_errors_logs_a_warning_when_asked(caplog):
    with caplog.at_level(logging.WARNING, logger="dataflowio"):
        list(Dataset.from_tensor_slices([1, 1, -1]).map(_inverse).ignore_errors(log_warning=True))
    assert "ZeroDivisionError: x is negative" in caplog.text


def test_ignore_errors_without_errors_is_the_identity_with_unknown_cardinality():
    ds = Dataset.from_tensor_slices((["a", "b"], [1, 2])).ignore_errors()
    assert [(s, int(n)) for s, n in ds] == [(b"a", 1), (b"b", 2)]
    assert ds.cardinality() == -2


@pytest.mark.parametrize("at", [0, 1, 3])
def test_ignore_errors_checkpoint_restores_the_exact_suffix(at):
    ds = Dataset.from_tensor_slices([1, 2, -1, -1, 4, 5, -1, 8]).map(_inverse).ignore_errors()
    assert_checkpoint_roundtrip(ds, at=at)


def test_ignore_errors_matches_tf(tf):
    xs = [1.0, 2.0, 0.0, 0.0, 4.0]
    ours = Dataset.from_tensor_slices(xs).map(lambda x: np.float32(1) / x if x else _inverse(-1)).ignore_errors()
    theirs = tf.data.Dataset.from_tensor_slices(xs).map(
        lambda x: tf.debugging.check_numerics(1.0 / x, "inf")).ignore_errors()
    assert_same_as_tf(ours, theirs)
