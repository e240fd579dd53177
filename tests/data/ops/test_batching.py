"""batch, padded_batch, unbatch: reference, specs, cardinality, strings, errors, checkpoints."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dataflowio import errors
from dataflowio.data import Dataset, TensorSpec
from tests.harness import assert_checkpoint_roundtrip, assert_matches_reference
from tests.reference import pipeline as ref


@given(st.integers(0, 20), st.integers(1, 7), st.booleans())
def test_batch_matches_reference(n, size, drop):
    ds = Dataset.range(n).batch(size, drop_remainder=drop)
    assert_matches_reference(ds, ref.batch(ref.range_(n), size, drop))
    assert ds.cardinality() == len(ref.batch(ref.range_(n), size, drop))


@given(st.integers(0, 20), st.integers(1, 7), st.integers(1, 4))
def test_batch_then_unbatch_is_the_identity(n, size, again):
    ds = Dataset.range(n).batch(size).unbatch().batch(again)
    assert_matches_reference(ds, ref.batch(ref.range_(n), again))


def test_batch_larger_than_the_data():
    assert [b.tolist() for b in Dataset.range(3).batch(10)] == [[0, 1, 2]]
    assert list(Dataset.range(3).batch(10, drop_remainder=True)) == []
    assert list(Dataset.range(0).batch(2)) == []


def test_batch_spec_has_unknown_batch_dimension_unless_dropping():
    ds = Dataset.from_tensor_slices({"x": np.zeros((5, 3), np.float32), "s": ["a"] * 5})
    assert ds.batch(2).element_spec == {"x": TensorSpec((None, 3), "float32"), "s": TensorSpec((None,), "string")}
    assert ds.batch(2, drop_remainder=True).element_spec["x"] == TensorSpec((2, 3), "float32")
    assert Dataset.range(3).repeat().batch(2).cardinality() == -1


def test_strings_go_through_batch_and_unbatch_as_object_arrays_of_bytes():
    ds = Dataset.from_tensor_slices(["a", "bb", "ccc"]).batch(2)
    batches = list(ds)
    assert batches[0].dtype == object and batches[0].tolist() == [b"a", b"bb"]
    assert list(ds.unbatch()) == [b"a", b"bb", b"ccc"]


def test_nested_structures_through_batch_and_unbatch():
    value = {"a": ([1, 2, 3], ["x", "y", "z"]), "b": np.arange(6.0).reshape(3, 2)}
    ds = Dataset.from_tensor_slices(value).batch(2)
    first = next(iter(ds))
    assert first["a"][0].tolist() == [1, 2] and first["a"][1].tolist() == [b"x", b"y"]
    assert_matches_reference(ds.unbatch(), ref.from_tensor_slices(value))


def test_batch_of_different_shapes_names_the_component_and_shapes():
    ds = Dataset.range(1, 4).map(lambda n: np.zeros(n))
    with pytest.raises(errors.InvalidArgumentError, match=r"component 0 has shape \(1,\) in element 0 and \(2,\) in element 1"):
        list(ds.batch(3))
    ds = Dataset.range(1, 4).map(lambda n: {"img": np.zeros(n), "y": n})
    with pytest.raises(errors.InvalidArgumentError, match=r"component \['img'\] has shape"):
        list(ds.batch(3))


def test_batch_rejects_bad_sizes():
    with pytest.raises(errors.InvalidArgumentError, match=r"batch: `batch_size` must be >= 1, got 0"):
        Dataset.range(3).batch(0)
    with pytest.raises(errors.InvalidArgumentError, match=r"batch: `batch_size` must be an integer, got str"):
        Dataset.range(3).batch("2")


def test_batches_of_slices_are_read_only_views_and_nothing_writes_into_the_source():
    src = np.arange(6, dtype=np.int64)
    ds = Dataset.from_tensor_slices(src)  # copies `src` once, as TensorFlow does
    (b,) = list(ds.batch(6))  # zero-copy: a read-only view of that copy (as tf.data's arrays)
    (again,) = list(ds.batch(6))
    assert np.shares_memory(b, again) and not b.flags.writeable and src.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        b[0] = 7
    shuffled = next(iter(Dataset.from_tensor_slices(src).shuffle(6, seed=1).batch(6)))
    assert shuffled.flags.writeable and not np.shares_memory(shuffled, src)  # a gather: a copy


def test_batches_and_rows_handed_to_functions_are_writable():
    src = np.arange(12, dtype=np.float64).reshape(6, 2)

    def double(x):
        x *= 2
        return x

    batches = [b.tolist() for b in Dataset.from_tensor_slices(src).batch(4).map(double)]
    rows = [r.tolist() for r in Dataset.from_tensor_slices(src).batch(4).unbatch().map(double)]
    assert batches == [(src[:4] * 2).tolist(), (src[4:] * 2).tolist()]
    assert rows == (src * 2).tolist() and src[5, 1] == 11.0


def test_elements_handed_to_a_map_are_copies_it_may_modify():
    src = np.arange(6, dtype=np.float64).reshape(3, 2)

    def halve(x):
        x /= 2
        return x

    got = [b.tolist() for b in Dataset.from_tensor_slices(src).map(halve).batch(3)]
    assert got == [[[0.0, 0.5], [1.0, 1.5], [2.0, 2.5]]] and src[2, 1] == 5.0


def test_padded_batch_pads_to_the_longest_or_to_the_given_shape():
    ds = Dataset.range(1, 5).map(lambda n: np.arange(n, dtype=np.int32))
    assert [b.tolist() for b in ds.padded_batch(2)] == [[[0, 0], [0, 1]], [[0, 1, 2, 0], [0, 1, 2, 3]]]
    assert [b.shape for b in ds.padded_batch(2, padded_shapes=[5])] == [(2, 5), (2, 5)]
    out = list(ds.padded_batch(4, padding_values=np.int32(-1)))
    assert out[0][0].tolist() == [0, -1, -1, -1]
    assert ds.padded_batch(2, padded_shapes=[5], drop_remainder=True).element_spec == TensorSpec((2, 5), "int32")


def test_padded_batch_of_structures_and_strings():
    ds = Dataset.from_tensor_slices((["a", "b"], [1, 2])).map(lambda s, n: (s, np.full(n, s, dtype=object)))
    (b,) = list(ds.padded_batch(2))
    assert b[0].tolist() == [b"a", b"b"] and b[1].tolist() == [[b"a", b""], [b"b", b"b"]]


def test_padded_batch_errors():
    ds = Dataset.range(1, 5).map(lambda n: np.arange(n))
    with pytest.raises(errors.InvalidArgumentError, match=r"component 0 has size 4 in dimension 0, larger than the padded shape \(2,\)"):
        list(ds.padded_batch(4, padded_shapes=[2]))
    with pytest.raises(errors.InvalidArgumentError, match=r"`batch_size` must be >= 1, got 0"):
        ds.padded_batch(0)
    with pytest.raises(errors.InvalidArgumentError, match=r"has rank 2; expected rank 1"):
        ds.padded_batch(2, padded_shapes=[2, 2])


def test_unbatch_rejects_scalars_and_counts_when_it_can():
    with pytest.raises(errors.InvalidArgumentError, match=r"unbatch: component 0 is a scalar"):
        Dataset.range(3).unbatch()
    assert Dataset.range(10).batch(5, drop_remainder=True).unbatch().cardinality() == 10
    assert Dataset.range(10).batch(3).unbatch().cardinality() == -2


def test_batching_checkpoints():
    ds = Dataset.range(11).batch(3).unbatch().batch(2)
    for at in range(7):
        assert_checkpoint_roundtrip(ds, at=at)
    pb = Dataset.range(1, 7).map(lambda n: np.arange(n)).padded_batch(2).unbatch()
    for at in (0, 1, 3, 6):
        assert_checkpoint_roundtrip(pb, at=at)


def test_a_writable_memmap_is_read_through_a_view_not_loaded(tmp_path):
    mm = np.memmap(tmp_path / "rows.bin", dtype=np.float32, mode="w+", shape=(8, 3))
    mm[:] = np.arange(24, dtype=np.float32).reshape(8, 3)
    (b,) = list(Dataset.from_tensor_slices(mm).batch(8))
    assert np.shares_memory(b, mm) and not b.flags.writeable and mm.flags.writeable
    assert b.tolist() == mm.tolist()
