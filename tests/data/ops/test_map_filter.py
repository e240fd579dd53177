"""map and filter: reference, argument unpacking, arity checks, user exceptions, vectorized forms."""

from __future__ import annotations

import traceback

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dataflowio import errors
from dataflowio.data import Dataset, TensorSpec
from dataflowio.data.ops.filter import Filter
from dataflowio.data.ops.map import Map
from tests.harness import assert_checkpoint_roundtrip, assert_matches_reference
from tests.reference import pipeline as ref


@given(st.lists(st.integers(-1000, 1000), max_size=20))
def test_map_matches_reference(xs):
    fn = lambda x: x * 3 - 1
    value = np.array(xs, dtype=np.int64)
    assert_matches_reference(Dataset.from_tensor_slices(value).map(fn), ref.map_(ref.from_tensor_slices(value), fn))


@given(st.lists(st.integers(-1000, 1000), max_size=20), st.integers(2, 5))
def test_filter_matches_reference(xs, k):
    pred = lambda x: x % k == 0
    value = np.array(xs, dtype=np.int64)
    ds = Dataset.from_tensor_slices(value).filter(pred)
    assert_matches_reference(ds, ref.filter_(ref.from_tensor_slices(value), pred))
    assert ds.cardinality() == (-2 if xs else 0)


def test_tuple_elements_are_unpacked_dicts_and_namedtuples_are_not():
    assert [int(v) for v in Dataset.from_tensor_slices(([1, 2], [3, 4])).map(lambda a, b: a * b)] == [3, 8]
    assert [int(v) for v in Dataset.from_tensor_slices({"a": [1], "b": [2]}).map(lambda d: d["a"] + d["b"])] == [3]
    nested = Dataset.from_tensor_slices(([1], ([2], [3]))).map(lambda a, bc: a + bc[0] + bc[1])
    assert [int(v) for v in nested] == [6]


def test_map_output_literals_get_tf_dtypes_and_lists_become_tuples():
    (el,) = list(Dataset.range(1).map(lambda x: [1, 2.0, "s", True]))
    assert isinstance(el, tuple)
    assert [type(v) for v in el] == [np.int32, np.float32, bytes, np.bool_]


def test_map_of_wrong_arity_fails_at_construction():
    with pytest.raises(errors.InvalidArgumentError, match=r"takes 2 positional argument\(s\) but each element gives 1"):
        Dataset.range(3).map(lambda a, b: a)
    with pytest.raises(TypeError, match=r"takes 1 positional argument\(s\) but each element gives 2"):
        Dataset.from_tensor_slices(([1], [2])).map(lambda a: a)
    with pytest.raises(TypeError, match=r"Dataset.filter: .* takes 3"):
        Dataset.from_tensor_slices(([1], [2])).filter(lambda a, b, c: True)
    # *args, defaults and builtins are accepted
    Dataset.from_tensor_slices(([1], [2])).map(lambda *xs: xs)
    Dataset.range(2).map(lambda x, y=1: x)
    Dataset.range(2).map(abs)


def test_map_exception_keeps_its_traceback_and_names_the_transformation():
    def explode(x):
        if x == 3:
            raise ZeroDivisionError("user bug")
        return x

    with pytest.raises(ZeroDivisionError, match="user bug") as info:
        list(Dataset.range(5).map(explode))
    assert "in Dataset.map(test_map_exception_keeps_its_traceback_and_names_the_transformation.<locals>.explode) at element 3" in info.value.__notes__
    frames = traceback.extract_tb(info.value.__traceback__)
    assert frames[-1].name == "explode"


def test_filter_exception_and_non_boolean_predicate():
    with pytest.raises(KeyError) as info:
        list(Dataset.range(3).filter(lambda x: {}[x]))
    assert any(n.startswith("in Dataset.filter(") and n.endswith("<lambda>) at element 0") for n in info.value.__notes__)
    with pytest.raises(errors.InvalidArgumentError, match=r"the predicate must return a scalar bool, got int64 of shape \(\)"):
        list(Dataset.range(3).filter(lambda x: x))


def test_stop_iteration_inside_a_map_function_is_an_error_not_the_end():
    def stop(x):
        raise StopIteration

    with pytest.raises(errors.InvalidArgumentError, match=r"raised StopIteration"):
        list(Dataset.range(3).map(stop))


def test_map_element_spec_is_traced_or_peeked():
    assert Dataset.range(3).map(lambda x: (x, x * 2)).element_spec == (TensorSpec((), "int64"),) * 2
    # NumPy code cannot be traced: run on the first elements; dims that follow the unknown
    # batch dimension stay unknown
    spec = Dataset.range(3).batch(3).map(lambda x: np.stack([x, x])).element_spec
    assert spec == TensorSpec((2, None), "int64")
    assert Dataset.range(0).map(lambda x: x + 1).element_spec == TensorSpec((), "int64")


def test_vectorized_map_and_filter_run_once_per_chunk_with_the_same_result():
    calls = []

    def double(x):
        calls.append(np.shape(x))
        return x * 2

    base = Dataset.range(10)
    vmap = Dataset(Map(inputs=(base._plan,), fn=double, vectorized=True))
    assert [b.tolist() for b in vmap.batch(5)] == [[0, 2, 4, 6, 8], [10, 12, 14, 16, 18]]
    assert calls[-2:] == [(5,), (5,)]
    vfilter = Dataset(Filter(inputs=(base._plan,), predicate=lambda x: x % 3 == 0, vectorized=True))
    assert [b.tolist() for b in vfilter.batch(2)] == [[0, 3], [6, 9]]
    assert [int(x) for x in vfilter] == [0, 3, 6, 9]


def test_map_and_filter_checkpoints():
    ds = Dataset.range(12).map(lambda x: x + 1).filter(lambda x: x % 2 == 0).map(lambda x: (x, -x))
    for at in (0, 2, 5, 6):
        assert_checkpoint_roundtrip(ds, at=at)


def test_map_rejects_bad_parallelism():
    with pytest.raises(errors.InvalidArgumentError, match=r"`num_parallel_calls` must be None, AUTOTUNE \(-1\) or >= 1, got 0"):
        Dataset.range(3).map(lambda x: x, num_parallel_calls=0)


def test_creation_ops_inside_a_map_function_give_numpy_values():
    import dataflowio as tf

    ds = Dataset.range(2).map(lambda x: (x, tf.zeros([2]), tf.ones([3], tf.int64)))
    got = [(int(a), b.tolist(), c.tolist()) for a, b, c in ds]
    assert got == [(0, [0.0, 0.0], [1, 1, 1]), (1, [0.0, 0.0], [1, 1, 1])]
    assert [s.shape.as_list() for s in ds.element_spec] == [[], [2], [3]]
