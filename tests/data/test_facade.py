"""The Dataset facade: laziness, introspection, options, apply, reduce, get_single_element and the
top-level iterator (save / restore / close)."""

from __future__ import annotations

import json

import numpy as np
import pytest

import dataflowio
from dataflowio import errors
from dataflowio.data import (
    AUTOTUNE,
    INFINITE_CARDINALITY,
    UNKNOWN_CARDINALITY,
    Dataset,
    Options,
    TensorSpec,
    experimental,
)
from tests.harness import assert_closes


def test_public_names_and_constants():
    assert dataflowio.data.Dataset is Dataset
    assert (AUTOTUNE, INFINITE_CARDINALITY, UNKNOWN_CARDINALITY) == (-1, -1, -2)
    assert experimental.AUTOTUNE == -1 and experimental.cardinality(Dataset.range(3)) == 3
    assert dataflowio.data.TensorSpec is dataflowio.TensorSpec


def test_building_does_no_work():
    calls = []

    def gen():
        calls.append(1)
        yield 1

    ds = Dataset.from_generator(gen, output_signature=TensorSpec((), "int32")).repeat(3).batch(2).take(1)
    assert calls == []
    assert [b.tolist() for b in ds] == [[1, 1]]


def test_len_follows_tf_data():
    assert len(Dataset.range(5).batch(2)) == 3
    with pytest.raises(TypeError, match="The dataset is infinite."):
        len(Dataset.range(5).repeat())
    with pytest.raises(TypeError, match="The dataset length is unknown."):
        len(Dataset.range(5).filter(lambda x: x > 2))
    assert bool(Dataset.range(0)) is True


def test_cardinality_is_a_python_int():
    n = Dataset.range(10).cardinality()
    assert type(n) is int and n == 10


def test_options_merge_through_transformations_and_zip():
    o = Options()
    o.deterministic = False
    ds = Dataset.range(3).with_options(o).map(lambda x: x)
    assert ds.options().deterministic is False
    o2 = Options()
    o2.experimental_optimization.map_fusion = True
    z = Dataset.zip(ds, Dataset.range(3).with_options(o2))
    assert z.options().deterministic is False and z.options().experimental_optimization.map_fusion is True
    with pytest.raises(TypeError, match="with_options: expected a dataflowio.data.Options"):
        Dataset.range(1).with_options({"deterministic": False})


def test_apply_requires_a_dataset():
    with pytest.raises(TypeError, match="apply: `transformation_func` must return a Dataset, got int"):
        Dataset.range(3).apply(lambda ds: 3)


def test_reduce_and_its_errors():
    assert int(Dataset.range(5).reduce(np.int64(0), lambda s, x: s + x)) == 10
    pairs = Dataset.from_tensor_slices(([1, 2], [3, 4]))
    total = pairs.reduce((np.int32(0), np.int32(0)), lambda s, el: (s[0] + el[0], s[1] + el[1]))
    assert (int(total[0]), int(total[1])) == (3, 7)
    with pytest.raises(KeyError) as info:
        Dataset.range(3).reduce(0, lambda s, x: {}[1])
    assert "at element 0" in info.value.__notes__[0]


def test_get_single_element():
    assert Dataset.from_tensors({"a": 1}).get_single_element()["a"] == 1
    with pytest.raises(errors.InvalidArgumentError, match="the dataset was empty"):
        Dataset.range(0).get_single_element()
    with pytest.raises(errors.InvalidArgumentError, match="more than one element"):
        Dataset.range(2).get_single_element()


def test_iterator_save_is_json_and_restore_continues():
    ds = Dataset.range(10).shuffle(4, seed=1).batch(3)
    it = iter(ds)
    next(it)
    state = it.save()
    assert json.loads(json.dumps(state)) == state
    rest = [b.tolist() for b in it]
    it2 = iter(ds)
    it2.restore(state)
    assert [b.tolist() for b in it2] == rest


def test_restore_refuses_a_checkpoint_of_another_plan():
    state = iter(Dataset.range(10).batch(2)).save()
    it = iter(Dataset.range(10).batch(3))
    with pytest.raises(errors.FailedPreconditionError, match=r"checkpoint was taken with plan [0-9a-f]+ but this pipeline optimizes to [0-9a-f]+; restore with the same options"):
        it.restore(state)
    with pytest.raises(errors.InvalidArgumentError, match="expected the dict that save"):
        it.restore("nonsense")


def test_iterator_protocol_close_and_get_next():
    it = iter(Dataset.range(3))
    assert int(it.get_next()) == 0
    it.close()
    it.close()
    assert list(it) == []
    with iter(Dataset.range(2)) as it2:
        assert int(next(it2)) == 0
    assert isinstance(it.stats(), dict)


def test_close_leaves_no_threads():
    assert_closes(Dataset.range(1000).map(lambda x: x, num_parallel_calls=2).prefetch(4), consume=3)


def test_repr_names_the_op_and_spec():
    assert repr(Dataset.range(3).batch(2)) == \
        "<Dataset batch element_spec=TensorSpec(shape=(None,), dtype=tf.int64, name=None)>"


def test_as_numpy_iterator_yields_numpy_values():
    assert list(Dataset.from_tensor_slices({"a": ["x"]}).as_numpy_iterator()) == [{"a": b"x"}]
