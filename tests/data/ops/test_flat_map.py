"""flat_map: every inner element in order, chunked hand-over, checkpoints, errors, tf.data parity."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dataflowio.data import Dataset
from tests.data.ops.h3b_support import assert_same_as_tf
from tests.harness import assert_checkpoint_roundtrip, assert_matches_reference
from tests.reference import pipeline as ref


@given(xs=st.lists(st.integers(0, 5), max_size=10))
def test_flat_map_matches_reference(xs):
    ds = Dataset.from_tensor_slices(np.array(xs, dtype=np.int64)).flat_map(lambda x: Dataset.range(x))
    assert_matches_reference(ds, ref.flat_map([np.int64(x) for x in xs],
                                              lambda x: [np.int64(v) for v in range(int(x))]))


@given(xs=st.lists(st.integers(0, 5), max_size=10), n=st.integers(1, 7))
def test_flat_map_then_batch_uses_chunks_and_matches_reference(xs, n):
    ds = Dataset.from_tensor_slices(np.array(xs, dtype=np.int64)).flat_map(lambda x: Dataset.range(x)).batch(n)
    flat = ref.flat_map([np.int64(x) for x in xs], lambda x: [np.int64(v) for v in range(int(x))])
    assert_matches_reference(ds, ref.batch(flat, n))


def test_flat_map_unbatches_nested_dict_elements_with_strings():
    src = Dataset.from_tensors({"w": np.array([b"a", b"bc"], dtype=object), "n": np.array([1, 2])})
    got = list(src.flat_map(lambda d: Dataset.from_tensor_slices(d)))
    assert [(e["w"], int(e["n"])) for e in got] == [(b"a", 1), (b"bc", 2)]


def test_flat_map_of_empty_input_is_empty():
    assert list(Dataset.range(0).flat_map(lambda x: Dataset.range(3))) == []


@pytest.mark.parametrize("at", [0, 1, 2, 5, 9])
def test_flat_map_checkpoint_restores_the_exact_suffix(at):
    assert_checkpoint_roundtrip(Dataset.range(5).flat_map(lambda x: Dataset.range(x)), at=at)


def test_flat_map_function_error_has_a_note_naming_flat_map():
    def bad(x):
        raise KeyError("k")

    with pytest.raises(KeyError) as info:
        list(Dataset.range(2).flat_map(bad))
    assert any("Dataset.flat_map(" in n for n in info.value.__notes__)


def test_flat_map_rejects_a_function_of_the_wrong_arity():
    with pytest.raises(TypeError, match=r"takes 1 positional argument\(s\) but each element gives 2"):
        Dataset.from_tensor_slices(([1], [2])).flat_map(lambda x: Dataset.range(2))


def test_flat_map_matches_tf(tf):
    ours = Dataset.range(1, 5).flat_map(lambda x: Dataset.range(x).map(lambda y: (y, "s")).batch(2))
    theirs = tf.data.Dataset.range(1, 5).flat_map(
        lambda x: tf.data.Dataset.range(x).map(lambda y: (y, "s")).batch(2))
    assert_same_as_tf(ours, theirs)


def test_flat_map_spec_keeps_unknown_dims_unknown_as_tf(tf):
    ours = Dataset.range(10).batch(4).flat_map(lambda x: Dataset.from_tensors((x, x[:1])).repeat(2))
    theirs = tf.data.Dataset.range(10).batch(4).flat_map(lambda x: tf.data.Dataset.from_tensors((x, x[:1])).repeat(2))
    assert_same_as_tf(ours, theirs)


def test_interleave_spec_of_file_readers_is_traced_without_reading(tmp_path):
    from dataflowio.data import TFRecordDataset

    ds = Dataset.from_tensor_slices([str(tmp_path / "missing")]).interleave(TFRecordDataset, cycle_length=1)
    assert ds.element_spec.dtype.name == "string" and ds.element_spec.shape == ()
