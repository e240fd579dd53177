"""repeat, take, skip, shard, enumerate, concatenate, zip: reference, cardinality, errors, checkpoints."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dataflowio import errors
from dataflowio.data import Dataset, TensorSpec
from tests.harness import assert_checkpoint_roundtrip, assert_matches_reference
from tests.reference import pipeline as ref

sizes = st.integers(0, 12)


@given(sizes, st.none() | st.integers(-1, 4))
def test_repeat_matches_reference(n, count):
    ds = Dataset.range(n).repeat(count)
    assert_matches_reference(ds, ref.repeat(ref.range_(n), count), limit=60)
    want = 0 if n == 0 or count == 0 else (-1 if count in (None, -1) else n * count)
    assert ds.cardinality() == want


def test_repeat_forever_then_take_and_empty_repeat():
    assert [int(x) for x in Dataset.range(2).repeat().take(5)] == [0, 1, 0, 1, 0]
    assert list(Dataset.range(0).repeat()) == []
    assert list(Dataset.range(0).repeat().take(3)) == []
    assert Dataset.range(3).repeat().take(7).cardinality() == 7


def test_repeat_rejects_counts_below_minus_one():
    with pytest.raises(errors.InvalidArgumentError, match=r"repeat: `count` must be >= -1 or None, got -2"):
        Dataset.range(3).repeat(-2)


@given(sizes, st.integers(-1, 15))
def test_take_and_skip_match_reference(n, k):
    assert_matches_reference(Dataset.range(n).take(k), ref.take(ref.range_(n), k))
    assert_matches_reference(Dataset.range(n).skip(k), ref.skip(ref.range_(n), k))
    assert Dataset.range(n).take(k).cardinality() == len(ref.take(ref.range_(n), k))
    assert Dataset.range(n).skip(k).cardinality() == len(ref.skip(ref.range_(n), k))


def test_take_skip_arguments_and_infinite_cardinality():
    with pytest.raises(errors.InvalidArgumentError, match=r"take: `count` must be an integer, got str: 'x'"):
        Dataset.range(3).take("x")
    with pytest.raises(errors.InvalidArgumentError, match=r"skip: `count` must be >= -1, got -5"):
        Dataset.range(3).skip(-5)
    inf = Dataset.range(3).repeat()
    assert inf.skip(4).cardinality() == -1 and inf.skip(-1).cardinality() == 0
    assert inf.take(-1).cardinality() == -1
    assert list(Dataset.range(5).skip(9)) == []


@given(sizes, st.integers(1, 4), st.data())
def test_shard_matches_reference(n, k, data):
    i = data.draw(st.integers(0, k - 1))
    ds = Dataset.range(n).shard(k, i)
    assert_matches_reference(ds, ref.shard(ref.range_(n), k, i))
    assert ds.cardinality() == len(ref.shard(ref.range_(n), k, i))
    assert_matches_reference(ds.batch(3), ref.batch(ref.shard(ref.range_(n), k, i), 3))


def test_shard_rejects_bad_indices():
    with pytest.raises(errors.InvalidArgumentError, match=r"shard: `index` must be in \[0, num_shards\) = \[0, 3\), got index=5"):
        Dataset.range(3).shard(3, 5)
    with pytest.raises(errors.InvalidArgumentError, match=r"`num_shards` must be >= 1, got 0"):
        Dataset.range(3).shard(0, 0)


@given(sizes, st.integers(-3, 3))
def test_enumerate_matches_reference(n, start):
    ds = Dataset.from_tensor_slices(np.arange(n, dtype=np.float32)).enumerate(start)
    assert_matches_reference(ds, ref.enumerate_(ref.from_tensor_slices(np.arange(n, dtype=np.float32)), start))
    assert ds.element_spec == (TensorSpec((), "int64"), TensorSpec((), "float32"))


@given(sizes, sizes)
def test_concatenate_matches_reference(a, b):
    ds = Dataset.range(a).concatenate(Dataset.range(100, 100 + b))
    assert_matches_reference(ds, ref.concatenate(ref.range_(a), ref.range_(100, 100 + b)))
    assert ds.cardinality() == a + b


def test_concatenate_relaxes_shapes_and_rejects_incompatible_structures():
    a = Dataset.from_tensors(np.zeros(2, np.float32))
    b = Dataset.from_tensors(np.zeros(3, np.float32))
    assert a.concatenate(b).element_spec == TensorSpec((None,), "float32")
    with pytest.raises(errors.InvalidArgumentError, match=r"different element structures"):
        Dataset.range(2).concatenate(Dataset.zip(Dataset.range(2), Dataset.range(2)))
    with pytest.raises(errors.InvalidArgumentError, match=r"component 0 has dtype int64 in the first dataset and float32"):
        Dataset.range(2).concatenate(Dataset.from_tensors(1.0))


@given(sizes, sizes)
def test_zip_matches_reference(a, b):
    ds = Dataset.zip(Dataset.range(a), Dataset.from_tensor_slices(np.arange(b, dtype=np.int32)))
    want = ref.zip_(ref.range_(a), ref.from_tensor_slices(np.arange(b, dtype=np.int32)))
    assert_matches_reference(ds, want)
    assert_matches_reference(ds.batch(4), ref.batch(want, 4))
    assert ds.cardinality() == min(a, b)


def test_zip_of_nested_structures_and_its_cardinality_rules():
    ds = Dataset.zip({"a": Dataset.range(3), "b": (Dataset.range(2), Dataset.from_tensor_slices(["x", "y", "z"]))})
    assert [(int(e["a"]), int(e["b"][0]), e["b"][1]) for e in ds] == [(0, 0, b"x"), (1, 1, b"y")]
    assert Dataset.zip((Dataset.range(3), Dataset.range(2).repeat())).cardinality() == 3
    assert Dataset.zip((Dataset.range(3), Dataset.range(4).filter(lambda x: True))).cardinality() == -2
    assert Dataset.zip(Dataset.range(1).repeat(), Dataset.range(1).repeat()).cardinality() == -1
    assert [int(a) for a, _ in Dataset.zip(datasets=(Dataset.range(2), Dataset.range(2)))] == [0, 1]
    with pytest.raises(TypeError, match=r"component \[1\] is a int"):
        Dataset.zip((Dataset.range(2), 3))


def test_checkpoints_of_slicing_ops():
    pipelines = [
        Dataset.range(7).repeat(3),
        Dataset.range(20).skip(3).take(9).shard(2, 1),
        Dataset.range(5).enumerate(2).concatenate(Dataset.range(3).enumerate()),
        Dataset.zip(Dataset.range(6), Dataset.range(4).repeat()),
    ]
    for ds in pipelines:
        n = len(list(ds))
        for at in range(n + 1):
            assert_checkpoint_roundtrip(ds, at=at)


def test_repeat_of_an_infinite_source_streams():
    got = list(itertools.islice(iter(Dataset.range(3).repeat().repeat(2)), 7))
    assert [int(x) for x in got] == [0, 1, 2, 0, 1, 2, 0]


def test_type_errors_are_also_typeerror_as_in_tf_data():
    with pytest.raises(TypeError, match="take: `count` must be an integer"):
        Dataset.range(3).take("x")
    with pytest.raises(TypeError, match="different element structures"):
        Dataset.range(2).concatenate(Dataset.zip(Dataset.range(2), Dataset.range(2)))
    with pytest.raises(TypeError, match="has dtype int64 in the first dataset"):
        Dataset.range(2).concatenate(Dataset.from_tensors(1.0))
