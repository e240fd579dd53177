"""rebatch: rows re-sliced into new batch sizes (scalar or list), specs, checkpoints, tf.data parity."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dataflowio.data import Dataset
from dataflowio.errors import InvalidArgumentError
from tests.data.ops.h3b_support import assert_same_as_tf, spec_summary
from tests.harness import assert_checkpoint_roundtrip, assert_matches_reference
from tests.reference import pipeline as ref


@given(n=st.integers(0, 20), b=st.integers(1, 6), sizes=st.lists(st.integers(1, 5), min_size=1, max_size=3),
       drop=st.booleans())
def test_rebatch_matches_reference(n, b, sizes, drop):
    src = Dataset.from_tensor_slices((np.arange(n, dtype=np.int32), np.array([str(i) for i in range(n)]))).batch(b)
    xs = ref.batch(ref.from_tensor_slices((np.arange(n, dtype=np.int32), np.array([str(i) for i in range(n)]))), b)
    arg = sizes[0] if len(sizes) == 1 else sizes
    assert_matches_reference(src.rebatch(arg, drop), ref.rebatch(xs, sizes, drop))


def test_rebatch_spec_has_a_known_batch_dim_only_when_dropping():
    ds = Dataset.range(10).batch(4)
    assert spec_summary(ds.rebatch(3).element_spec) == ([None], "int64")
    assert spec_summary(ds.rebatch(3, drop_remainder=True).element_spec) == ([3], "int64")


def test_rebatch_rejects_unbatched_input_and_bad_sizes():
    with pytest.raises(InvalidArgumentError, match=r"elements must have rank >= 1 \(a batched dataset\); component 0 is a scalar"):
        Dataset.range(3).rebatch(2)
    with pytest.raises(InvalidArgumentError, match=r"`batch_size` must be >= 1, got 0"):
        Dataset.range(3).batch(2).rebatch(0)


def test_rebatch_of_empty_input_is_empty():
    assert list(Dataset.range(0).batch(2).rebatch(3)) == []


@pytest.mark.parametrize("at", [0, 1, 2, 4])
def test_rebatch_checkpoint_restores_the_rows_left_in_a_batch(at):
    assert_checkpoint_roundtrip(Dataset.range(17).batch(5).rebatch([3, 2]), at=at)


@pytest.mark.parametrize("sizes,drop", [(3, False), (3, True), ([1, 2], False), ([4, 1, 2], True)])
def test_rebatch_matches_tf(tf, sizes, drop):
    ours = Dataset.range(11).map(lambda x: (x, "s")).batch(4).rebatch(sizes, drop_remainder=drop)
    theirs = tf.data.Dataset.range(11).map(lambda x: (x, "s")).batch(4).rebatch(sizes, drop_remainder=drop)
    assert_same_as_tf(ours, theirs)
