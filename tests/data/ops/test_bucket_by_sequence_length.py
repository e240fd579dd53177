"""bucket_by_sequence_length: buckets, padding (to batch max or bucket boundary), tf.data parity."""

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

LENGTHS = [1, 5, 3, 2, 7, 4, 4, 6, 1, 2, 8, 3]


def _ours():
    return Dataset.from_tensor_slices(LENGTHS).map(lambda n: np.arange(n, dtype=np.int32) + 1)


def _theirs(tf):
    return tf.data.Dataset.from_tensor_slices(LENGTHS).map(lambda n: tf.range(n) + 1)


def test_bucket_by_sequence_length_groups_by_length_and_pads_to_the_batch_max():
    ds = _ours().bucket_by_sequence_length(lambda x: len(x), [3, 6], [2, 2, 2])
    shapes = [b.shape for b in ds]
    assert shapes == [(2, 5), (2, 2), (2, 4), (2, 7), (2, 2), (1, 3), (1, 8)]


def test_bucket_by_sequence_length_rejects_mismatched_sizes_and_unsorted_boundaries():
    with pytest.raises(InvalidArgumentError, match=r"`len\(bucket_batch_sizes\)` must equal `len\(bucket_boundaries\) \+ 1`"):
        _ours().bucket_by_sequence_length(len, [3], [2])
    with pytest.raises(InvalidArgumentError, match=r"`bucket_boundaries` must be strictly increasing, got \[5, 3\]"):
        _ours().bucket_by_sequence_length(len, [5, 3], [1, 1, 1])


def test_bucket_by_sequence_length_pad_to_boundary_rejects_lengths_past_the_last_boundary():
    ds = _ours().bucket_by_sequence_length(lambda x: len(x), [3, 6], [2, 2, 2], pad_to_bucket_boundary=True)
    with pytest.raises(InvalidArgumentError, match=r"elements must have length < max\(bucket_boundaries\) = 6"):
        list(ds)


@pytest.mark.parametrize("kw", [{}, {"drop_remainder": True}, {"pad_to_bucket_boundary": True},
                                {"padding_values": np.int32(-1)}, {"padded_shapes": [10]}])
def test_bucket_by_sequence_length_matches_tf(tf, kw):
    boundaries = [3, 6, 9] if kw.get("pad_to_bucket_boundary") else [3, 6]
    sizes = [2] * (len(boundaries) + 1)
    ours = _ours().bucket_by_sequence_length(lambda x: len(x), boundaries, sizes, **kw)
    theirs = _theirs(tf).bucket_by_sequence_length(lambda x: tf.shape(x)[0], boundaries, sizes, **kw)
    assert_same_as_tf(ours, theirs)


def test_bucket_by_sequence_length_without_padding_matches_tf(tf):
    ours = Dataset.range(10).bucket_by_sequence_length(lambda x: x, [4], [3, 2], no_padding=True)
    theirs = tf.data.Dataset.range(10).bucket_by_sequence_length(lambda x: tf.cast(x, tf.int32), [4], [3, 2],
                                                                 no_padding=True)
    assert_same_as_tf(ours, theirs)


@given(lengths=st.lists(st.integers(1, 9), max_size=14), boundaries=st.lists(st.integers(2, 9), max_size=3, unique=True),
       data=st.data())
def test_bucket_by_sequence_length_matches_reference(lengths, boundaries, data):
    boundaries = sorted(boundaries)
    sizes = data.draw(st.lists(st.integers(1, 3), min_size=len(boundaries) + 1, max_size=len(boundaries) + 1))
    ds = Dataset.from_tensor_slices(np.array(lengths + [1], dtype=np.int32)).take(len(lengths)).map(
        lambda n: np.arange(n, dtype=np.int32) + 1)
    xs = [np.arange(n, dtype=np.int32) + 1 for n in lengths]

    def bucket(x):
        return sum(len(x) >= b for b in boundaries)

    want = ref.group_by_window(xs, bucket, lambda k, g: ref.padded_batch(g, sizes[k]), lambda k: sizes[k])
    assert_matches_reference(ds.bucket_by_sequence_length(len, boundaries, sizes), want)


@pytest.mark.parametrize("at", [0, 2, 4])
def test_bucket_by_sequence_length_checkpoint_restores_the_exact_suffix(at):
    assert_checkpoint_roundtrip(_ours().bucket_by_sequence_length(len, [3, 6], [2, 2, 2]), at=at)
