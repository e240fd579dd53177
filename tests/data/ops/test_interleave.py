"""interleave: TF's round-robin order (cycle_length, block_length, defaults), checkpoints, errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dataflowio.data import Dataset, Options
from dataflowio.data.ops.interleave import default_cycle_length
from dataflowio.errors import InvalidArgumentError
from tests.data.ops.h3b_support import assert_same_as_tf
from tests.harness import assert_checkpoint_roundtrip, assert_closes, assert_matches_reference
from tests.reference import pipeline as ref


def _sub(x):
    return Dataset.range(10 * x, 10 * x + x)


def _ref_sub(x):
    return [np.int64(v) for v in range(10 * int(x), 10 * int(x) + int(x))]


@given(xs=st.lists(st.integers(0, 4), max_size=8), cycle=st.integers(1, 4), block=st.integers(1, 3))
def test_interleave_matches_reference(xs, cycle, block):
    ds = Dataset.from_tensor_slices(np.array(xs, dtype=np.int64)).interleave(
        _sub, cycle_length=cycle, block_length=block)
    assert_matches_reference(ds, ref.interleave([np.int64(x) for x in xs], _ref_sub, cycle, block))


def test_interleave_default_cycle_length_is_the_cpu_count_and_block_length_one():
    xs = [np.int64(x) for x in range(1, 7)]
    ds = Dataset.range(1, 7).interleave(lambda x: Dataset.from_tensors(x).repeat(x))
    assert_matches_reference(ds, ref.interleave(xs, lambda x: [x] * int(x), default_cycle_length(), 1))


def test_interleave_passes_tuple_components_as_arguments_and_keeps_nested_structure():
    src = Dataset.from_tensor_slices(([1, 2], ["a", "b"]))
    ds = src.interleave(lambda n, s: Dataset.from_tensors({"n": n, "s": s}).repeat(n), cycle_length=2)
    got = [(int(e["n"]), e["s"]) for e in ds]
    assert got == [(1, b"a"), (2, b"b"), (2, b"b")]


def test_interleave_of_empty_input_and_empty_inner_datasets_is_empty():
    assert list(Dataset.range(0).interleave(_sub, cycle_length=2)) == []
    assert list(Dataset.range(5).interleave(lambda x: Dataset.range(0), cycle_length=3)) == []


def test_interleave_cardinality_is_unknown_and_spec_comes_from_the_inner_dataset():
    ds = Dataset.range(3).interleave(lambda x: Dataset.from_tensors((x, "s")), cycle_length=2)
    assert ds.cardinality() == -2
    assert ds.element_spec[1].dtype.name == "string"


@pytest.mark.parametrize("at", [0, 1, 3, 7, 12])
def test_interleave_checkpoint_restores_the_exact_suffix(at):
    ds = Dataset.range(1, 6).interleave(_sub, cycle_length=3, block_length=2)
    assert_checkpoint_roundtrip(ds, at=at)


def test_interleave_rejects_bad_lengths_at_construction():
    with pytest.raises(InvalidArgumentError, match=r"`cycle_length` must be > 0 or AUTOTUNE \(-1\), got 0"):
        Dataset.range(3).interleave(_sub, cycle_length=0)
    with pytest.raises(InvalidArgumentError, match=r"`block_length` must be > 0, got 0"):
        Dataset.range(3).interleave(_sub, block_length=0)


def test_interleave_rejects_a_function_of_the_wrong_arity():
    with pytest.raises(TypeError, match=r"takes 2 positional argument\(s\) but each element gives 1"):
        Dataset.range(3).interleave(lambda a, b: Dataset.range(a))


def test_interleave_function_that_returns_no_dataset_raises_type_error_naming_it():
    ds = Dataset.range(3).interleave(lambda x: [x], cycle_length=1)
    with pytest.raises(TypeError, match=r"Dataset.interleave\(.*<lambda>\): the function must return a Dataset, got list"):
        list(ds)


def test_interleave_user_error_reaches_the_caller_with_a_note():
    class Boom(Exception):
        pass

    def bad(x):
        if x == 2:
            raise Boom("two")
        return Dataset.from_tensors(x)

    opts = Options()
    opts.experimental_optimization.inject_prefetch = False  # keep the error's position exact
    it = iter(Dataset.range(4).interleave(bad, cycle_length=1).with_options(opts))
    assert [int(next(it)), int(next(it))] == [0, 1]
    with pytest.raises(Boom, match="two") as info:
        next(it)
    assert any(n.startswith("in Dataset.interleave(") and "bad" in n for n in info.value.__notes__)


def test_interleave_with_num_parallel_calls_gives_the_deterministic_order():
    seq = Dataset.range(1, 8).interleave(_sub, cycle_length=3, block_length=2)
    par = Dataset.range(1, 8).interleave(_sub, cycle_length=3, block_length=2, num_parallel_calls=3)
    assert [int(v) for v in par] == [int(v) for v in seq]


@pytest.mark.parametrize("cycle,block", [(1, 1), (2, 1), (3, 2), (4, 3), (None, None)])
def test_interleave_matches_tf(tf, cycle, block):
    ours = Dataset.range(1, 7).interleave(lambda x: Dataset.range(x).map(lambda y: (y, x * 10)),
                                          cycle_length=cycle, block_length=block)
    theirs = tf.data.Dataset.range(1, 7).interleave(
        lambda x: tf.data.Dataset.range(x).map(lambda y: (y, x * 10)), cycle_length=cycle,
        block_length=block)
    assert_same_as_tf(ours, theirs)


def test_interleave_of_strings_matches_tf(tf):
    words = ["ab", "c", "", "def"]
    ours = Dataset.from_tensor_slices(words).interleave(
        lambda w: Dataset.from_tensors(w).repeat(2), cycle_length=3)
    theirs = tf.data.Dataset.from_tensor_slices(words).interleave(
        lambda w: tf.data.Dataset.from_tensors(w).repeat(2), cycle_length=3)
    assert_same_as_tf(ours, theirs)


@pytest.mark.timeout(60)
def test_parallel_interleave_leaves_no_thread_after_close():
    assert_closes(Dataset.range(1, 9).interleave(_sub, cycle_length=3, num_parallel_calls=3), consume=4)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("at", [0, 3, 10])
def test_parallel_interleave_checkpoint_restores_the_exact_suffix(at):
    ds = Dataset.range(1, 7).interleave(_sub, cycle_length=3, block_length=2, num_parallel_calls=2)
    assert_checkpoint_roundtrip(ds, at=at)
