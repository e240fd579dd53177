"""Sources: range, from_tensors, from_tensor_slices, from_generator (reference, dtypes, errors,
checkpoints, graph-tensor sources)."""

from __future__ import annotations

import collections

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dataflowio import errors
from dataflowio.data import Dataset, TensorSpec
from tests.harness import assert_checkpoint_roundtrip, assert_matches_reference
from tests.reference import pipeline as ref


@given(st.integers(-5, 5), st.integers(-5, 20), st.integers(-3, 3).filter(bool))
def test_range_matches_reference(start, stop, step):
    ds = Dataset.range(start, stop, step)
    assert_matches_reference(ds, ref.range_(start, stop, step))
    assert ds.cardinality() == len(range(start, stop, step))


def test_range_yields_int64_scalars_and_accepts_output_type():
    assert [type(x) for x in Dataset.range(2)] == [np.int64, np.int64]
    assert Dataset.range(3, output_type="int32").element_spec == TensorSpec((), "int32")
    assert [x.dtype.name for x in Dataset.range(2, output_type="int32")] == ["int32", "int32"]


def test_range_rejects_zero_step_and_bad_arguments():
    with pytest.raises(errors.InvalidArgumentError, match=r"range: `step` must be nonzero, got 0"):
        Dataset.range(0, 5, 0)
    with pytest.raises(errors.InvalidArgumentError, match=r"range: `stop` must be an integer, got str"):
        Dataset.range("5")
    with pytest.raises(errors.InvalidArgumentError, match=r"expected 1 to 3 arguments"):
        Dataset.range()


@given(st.lists(st.integers(-100, 100), max_size=10), st.lists(st.text("xyz", max_size=3), max_size=10))
def test_from_tensor_slices_matches_reference(ints, words):
    n = min(len(ints), len(words))
    value = (ints[:n], words[:n]) if n else ([1], ["a"])
    assert_matches_reference(Dataset.from_tensor_slices(value), ref.from_tensor_slices(value))


def test_from_tensor_slices_uses_tf_literal_dtypes_and_keeps_structures():
    assert [x.dtype.name for x in Dataset.from_tensor_slices([1, 2])] == ["int32", "int32"]
    assert [x.dtype.name for x in Dataset.from_tensor_slices([1.5])] == ["float32"]
    assert list(Dataset.from_tensor_slices(["a", "b"])) == [b"a", b"b"]
    els = list(Dataset.from_tensor_slices({"x": [1, 2], "y": (np.zeros((2, 3)), ["p", "q"])}))
    assert list(els[0]) == ["x", "y"] and isinstance(els[0]["y"], tuple)
    assert els[1]["y"][1] == b"q" and els[1]["y"][0].shape == (3,)
    Point = collections.namedtuple("Point", "x y")
    p = next(iter(Dataset.from_tensor_slices(Point([1, 2], [3, 4]))))
    assert isinstance(p, Point) and (int(p.x), int(p.y)) == (1, 3)


def test_from_tensor_slices_elements_are_copies_not_views():
    x = np.zeros((3, 2), dtype=np.float32)
    els = list(Dataset.from_tensor_slices(x))
    batch = next(iter(Dataset.from_tensor_slices(x).batch(3)))
    x[:] = 7
    assert els[0].tolist() == [0.0, 0.0] and batch.sum() == 0.0


def test_from_tensor_slices_rejects_mismatched_sizes_and_scalars():
    with pytest.raises(errors.InvalidArgumentError, match=r"same size in dimension 0; got \[0\]: 2, \[1\]: 3"):
        Dataset.from_tensor_slices(([1, 2], [1, 2, 3]))
    with pytest.raises(errors.InvalidArgumentError, match=r"component 0 is a scalar"):
        Dataset.from_tensor_slices(5)
    with pytest.raises(errors.InvalidArgumentError, match=r"cannot convert \[\[1, 2\], \[3\]\] to a tensor"):
        Dataset.from_tensor_slices([[1, 2], [3]])


def test_from_tensor_slices_empty_and_spec():
    ds = Dataset.from_tensor_slices(np.zeros((0, 4), np.float32))
    assert list(ds) == [] and ds.cardinality() == 0
    assert ds.element_spec == TensorSpec((4,), "float32")


def test_from_tensors_is_one_element_of_the_whole_value():
    ds = Dataset.from_tensors(([1, 2], "s", {"k": 2.5}))
    (el,) = list(ds)
    assert el[0].tolist() == [1, 2] and el[0].dtype == np.int32
    assert el[1] == b"s" and el[2]["k"].dtype == np.float32
    assert ds.cardinality() == 1
    assert ds.element_spec[0] == TensorSpec((2,), "int32")


def test_from_generator_with_signature_and_args():
    def gen(n, word):
        for i in range(int(n)):
            yield i, word * (i + 1)

    sig = (TensorSpec((), "int64"), TensorSpec((), "string"))
    ds = Dataset.from_generator(gen, output_signature=sig, args=(3, "ab"))
    assert list(ds) == [(0, b"ab"), (1, b"abab"), (2, b"ababab")]
    assert [type(i) for i, _ in ds] == [np.int64] * 3
    assert ds.element_spec == sig and ds.cardinality() == -2


def test_from_generator_with_output_types_and_shapes():
    ds = Dataset.from_generator(lambda: iter([[1, 2], [3, 4]]), output_types="float32", output_shapes=[2])
    assert [x.tolist() for x in ds] == [[1.0, 2.0], [3.0, 4.0]]
    assert ds.element_spec == TensorSpec([2], "float32")


def test_from_generator_checks_shapes_and_structure():
    ds = Dataset.from_generator(lambda: iter([[1, 2, 3]]), output_signature=TensorSpec([2], "int32"))
    with pytest.raises(errors.InvalidArgumentError, match=r"element of shape \(3,\) where an element of shape \(2,\)"):
        list(ds)
    ds = Dataset.from_generator(lambda: iter([1]), output_signature=(TensorSpec((), "int32"),) * 2)
    with pytest.raises(errors.InvalidArgumentError, match=r"did not match the expected structure"):
        list(ds)
    with pytest.raises(TypeError, match=r"`output_signature` \(or the deprecated `output_types`\) must be given"):
        Dataset.from_generator(lambda: iter([]))


def test_from_generator_errors_keep_their_traceback_and_name_the_source():
    def gen():
        yield 1
        raise KeyError("broken generator")

    ds = Dataset.from_generator(gen, output_signature=TensorSpec((), "int32"))
    with pytest.raises(KeyError) as info:
        list(ds)
    assert any("from_generator(test_from_generator_errors" in n for n in info.value.__notes__)
    assert info.traceback[-1].name == "gen"


def test_from_generator_checkpoint_replays_and_skips():
    ds = Dataset.from_generator(lambda: iter(range(6)), output_signature=TensorSpec((), "int64"))
    for at in range(7):
        assert_checkpoint_roundtrip(ds, at=at)


def test_each_iterator_restarts_the_generator():
    ds = Dataset.from_generator(lambda: iter(range(3)), output_signature=TensorSpec((), "int64"))
    assert [int(x) for x in ds] == [0, 1, 2] == [int(x) for x in ds]


def test_sources_accept_graph_tensors_fed_at_iterator_creation():
    import dataflowio as tf

    if not hasattr(tf, "placeholder"):
        pytest.skip("the graph package is not available")
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [None, 2])
        ds = Dataset.from_tensor_slices(x)
        assert ds.element_spec == TensorSpec([2], "float32")
        assert ds._graph_tensors() == [x]
        it = ds._make_iterator({x: np.arange(6, dtype=np.float32).reshape(3, 2)})
        assert [v.tolist() for v in it] == [[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]]
