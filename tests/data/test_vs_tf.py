"""Differential tests against tf.data itself: every source and transformation of the core algebra,
element by element with dtypes and shapes, plus element_spec and cardinality.

Each case is one function of the Dataset class (ours or `tf.data.Dataset`) using only what both
accept, so the very same pipeline runs on both engines.
"""

from __future__ import annotations

import numpy as np
import pytest

from dataflowio.data import Dataset
from tests.harness import assert_same_elements


def ragged(D, spec_cls):
    def gen():
        for n in (1, 3, 0, 2, 4):
            yield np.arange(n, dtype=np.int32)

    return D.from_generator(gen, output_signature=spec_cls([None], "int32"))

CASES = {
    "range": lambda D, S: D.range(5),
    "range_step": lambda D, S: D.range(2, 10, 3),
    "range_negative": lambda D, S: D.range(10, 0, -2),
    "from_tensors_list": lambda D, S: D.from_tensors([1, 2, 3]),
    "from_tensors_tuple": lambda D, S: D.from_tensors((1, "a", 2.5)),
    "from_tensors_dict": lambda D, S: D.from_tensors({"a": [1.0], "b": np.int64(3)}),
    "slices_ints": lambda D, S: D.from_tensor_slices([1, 2, 3]),
    "slices_floats": lambda D, S: D.from_tensor_slices([1.5, 2.5]),
    "slices_tuple": lambda D, S: D.from_tensor_slices(([1, 2], ["a", "b"])),
    "slices_dict": lambda D, S: D.from_tensor_slices({"a": [[1, 2], [3, 4]], "b": [1.5, 2.5]}),
    "slices_uint8": lambda D, S: D.from_tensor_slices(np.arange(12, dtype=np.uint8).reshape(4, 3)),
    "slices_nested": lambda D, S: D.from_tensor_slices(({"x": [1, 2, 3]}, ([4, 5, 6], ["p", "q", "r"]))),
    "generator": lambda D, S: ragged(D, S),
    "generator_tuple": lambda D, S: D.from_generator(
        lambda: iter([(1, b"a"), (2, b"b")]), output_signature=(S((), "int64"), S((), "string"))),
    "generator_args": lambda D, S: D.from_generator(
        lambda n, s: ((i, s) for i in range(n)), args=(3, "ab"),
        output_signature=(S((), "int32"), S((), "string"))),
    "map": lambda D, S: D.range(6).map(lambda x: x * 2 + 1),
    "map_tuple": lambda D, S: D.from_tensor_slices(([1, 2], [3, 4])).map(lambda a, b: (b, a + b)),
    "map_dict": lambda D, S: D.from_tensor_slices({"a": [1, 2]}).map(lambda d: {"b": d["a"] * 2, "c": d["a"]}),
    "filter": lambda D, S: D.range(10).filter(lambda x: x % 3 == 0),
    "batch": lambda D, S: D.range(10).batch(4),
    "batch_drop": lambda D, S: D.range(10).batch(4, drop_remainder=True),
    "batch_larger": lambda D, S: D.range(3).batch(10),
    "batch_nested": lambda D, S: D.from_tensor_slices(({"x": [1, 2, 3]}, ["p", "q", "r"])).batch(2),
    "batch_strings_unbatch": lambda D, S: D.from_tensor_slices(["a", "bb", "c"]).batch(2).unbatch(),
    "padded_batch": lambda D, S: ragged(D, S).padded_batch(2),
    "padded_batch_shapes": lambda D, S: ragged(D, S).padded_batch(2, padded_shapes=[6], padding_values=-1),
    "padded_batch_drop": lambda D, S: ragged(D, S).padded_batch(2, drop_remainder=True),
    "unbatch": lambda D, S: D.from_tensor_slices(np.arange(12).reshape(3, 2, 2)).unbatch(),
    "unbatch_dict": lambda D, S: D.range(7).batch(3).map(lambda x: {"v": x}).unbatch(),
    "repeat": lambda D, S: D.range(3).repeat(2),
    "repeat_forever_take": lambda D, S: D.range(3).repeat().take(7),
    "repeat_empty": lambda D, S: D.range(0).repeat(),
    "take": lambda D, S: D.range(10).take(3),
    "take_all": lambda D, S: D.range(4).take(-1),
    "skip": lambda D, S: D.range(10).skip(7),
    "skip_past_end": lambda D, S: D.range(3).skip(5),
    "skip_all": lambda D, S: D.range(3).skip(-1),
    "shard": lambda D, S: D.range(10).shard(3, 1),
    "enumerate": lambda D, S: D.from_tensor_slices(["a", "b"]).enumerate(5),
    "concatenate": lambda D, S: D.range(3).concatenate(D.range(10, 12)),
    "concatenate_shapes": lambda D, S: D.from_tensors([1, 2]).concatenate(D.from_tensors([3])),
    "zip": lambda D, S: D.zip((D.range(3), D.from_tensor_slices(["x", "y"]))),
    "zip_dict": lambda D, S: D.zip({"a": D.range(3), "b": D.range(3).batch(2)}),
    "cache": lambda D, S: D.range(5).cache().repeat(2),
    "empty_chain": lambda D, S: D.range(0).map(lambda x: x + 1).batch(2).repeat(3),
    "take_on_infinite": lambda D, S: D.range(5).repeat().skip(2).take(4),
    "filter_then_batch": lambda D, S: D.range(20).filter(lambda x: x % 2 == 0).batch(3),
}

def spec_of(spec):
    """Specs of both engines as nested (shape list, dtype name)."""
    if isinstance(spec, dict):
        return {k: spec_of(v) for k, v in spec.items()}
    if isinstance(spec, tuple):
        return tuple(spec_of(v) for v in spec)
    return (None if spec.shape.rank is None else list(spec.shape), spec.dtype.name)

@pytest.mark.tf
@pytest.mark.parametrize("name", sorted(CASES))
def test_same_elements_spec_and_cardinality_as_tf_data(tf, name):
    from dataflowio.tensor_shape import TensorSpec

    ours = CASES[name](Dataset, TensorSpec)
    theirs = CASES[name](tf.data.Dataset, tf.TensorSpec)
    want = list(theirs.as_numpy_iterator())
    got = list(ours.as_numpy_iterator())
    assert_same_elements(got, want, name)
    assert spec_of(ours.element_spec) == spec_of(theirs.element_spec), name
    assert ours.cardinality() == int(theirs.cardinality()), name

@pytest.mark.tf
def test_shuffle_gives_the_same_multiset_spec_and_cardinality_as_tf(tf):
    ours = Dataset.range(50).shuffle(10, seed=1).batch(7)
    theirs = tf.data.Dataset.range(50).shuffle(10, seed=1).batch(7)
    got = sorted(int(v) for b in ours for v in b)
    want = sorted(int(v) for b in theirs.as_numpy_iterator() for v in b)
    assert got == want
    assert spec_of(ours.element_spec) == spec_of(theirs.element_spec)
    assert ours.cardinality() == int(theirs.cardinality())

@pytest.mark.tf
def test_reduce_and_get_single_element_as_tf(tf):
    assert int(Dataset.range(5).reduce(np.int64(0), lambda s, x: s + x)) == \
        int(tf.data.Dataset.range(5).reduce(np.int64(0), lambda s, x: s + x))
    ours = Dataset.from_tensors(([1, 2], "z")).get_single_element()
    theirs = tf.data.Dataset.from_tensors(([1, 2], "z")).get_single_element()
    assert_same_elements([ours], [tuple(t.numpy() for t in theirs)])
    for bad in (lambda D: D.range(0), lambda D: D.range(2)):
        with pytest.raises(tf.errors.InvalidArgumentError):
            bad(tf.data.Dataset).get_single_element()
        with pytest.raises(ValueError):
            bad(Dataset).get_single_element()

@pytest.mark.tf
def test_len_errors_as_tf(tf):
    for build in (lambda D: D.range(3).repeat(), lambda D: D.range(3).filter(lambda x: x > 0)):
        with pytest.raises(TypeError) as theirs:
            len(build(tf.data.Dataset))
        with pytest.raises(TypeError) as ours:
            len(build(Dataset))
        assert str(ours.value) == str(theirs.value)

