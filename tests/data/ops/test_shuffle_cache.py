"""shuffle (buffer semantics, seeds, reshuffling, index vs element mode) and cache (memory, file)."""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dataflowio import errors
from dataflowio import random as df_random
from dataflowio.data import Dataset, Options, TensorSpec
from dataflowio.data.ops.shuffle import BlockRng
from tests.harness import assert_checkpoint_roundtrip, assert_matches_reference
from tests.reference import pipeline as ref


def ints(ds):
    return [int(x) for x in ds]


def no_prefetch(ds):
    """Without the optimizer's injected prefetch (which may run ahead to the end of the input)."""
    o = Options()
    o.experimental_optimization.apply_default_optimizations = False
    return ds.with_options(o)


@given(st.integers(0, 30), st.integers(1, 40), st.integers(0, 2**31 - 1))
def test_shuffle_matches_the_reference_buffer_algorithm(n, buffer, seed):
    ds = Dataset.range(n).shuffle(buffer, seed=seed)
    rng = BlockRng([df_random.DEFAULT_GRAPH_SEED, seed, 0])
    assert_matches_reference(ds, ref.shuffle(ref.range_(n), buffer, rng.index))


@given(st.integers(0, 40), st.integers(1, 10), st.integers(0, 1000))
def test_shuffle_is_a_permutation_bounded_by_the_buffer(n, buffer, seed):
    out = ints(Dataset.range(n).shuffle(buffer, seed=seed))
    assert sorted(out) == list(range(n))
    for i, x in enumerate(out):  # an element cannot leave before it entered the buffer
        assert x < i + buffer


def test_index_mode_and_element_mode_give_the_same_order():
    fast = Dataset.from_tensor_slices(np.arange(50)).shuffle(7, seed=11)          # random access
    slow = Dataset.from_tensor_slices(np.arange(50)).filter(lambda x: True).shuffle(7, seed=11)
    assert ints(fast) == ints(slow)
    assert [b.tolist() for b in fast.batch(8)] == [b.tolist() for b in slow.batch(8)]


def test_seeded_shuffle_is_reproducible_and_reshuffles_each_iteration():
    a = Dataset.range(20).shuffle(20, seed=5)
    b = Dataset.range(20).shuffle(20, seed=5)
    first = ints(a)
    assert first == ints(b)                         # same seed, same first order
    assert ints(a) != first                         # the next iteration reshuffles
    second = ints(b)                                # b's second iteration
    epochs = ints(Dataset.range(20).shuffle(20, seed=5).repeat(2))
    assert epochs[:20] == first and epochs[20:] == second != first   # as tf.data: pass k = iteration k
    fixed = Dataset.range(20).shuffle(20, seed=5, reshuffle_each_iteration=False)
    assert ints(fixed) == ints(fixed) == first


def test_global_seed_makes_unseeded_shuffles_deterministic():
    try:
        df_random.set_seed(1234)
        x = ints(Dataset.range(30).shuffle(30))
        df_random.set_seed(1234)
        y = ints(Dataset.range(30).shuffle(30))
    finally:
        df_random.set_seed(None)
    assert x == y
    assert ints(Dataset.range(30).shuffle(30)) != ints(Dataset.range(30).shuffle(30))  # 1/30! chance


def test_shuffle_rejects_bad_buffers_and_preserves_spec_and_cardinality():
    with pytest.raises(errors.InvalidArgumentError, match=r"shuffle: `buffer_size` must be >= 1, got 0"):
        Dataset.range(3).shuffle(0)
    ds = Dataset.from_tensor_slices({"a": np.zeros((4, 2))}).shuffle(2)
    assert ds.cardinality() == 4 and ds.element_spec == {"a": TensorSpec((2,), "float64")}


def test_shuffle_checkpoints_in_both_modes_and_across_repeats():
    for ds in (Dataset.range(25).shuffle(6, seed=1).repeat(2),
               Dataset.range(25).map(lambda x: (x, [x, x])).shuffle(6, seed=2).batch(4),
               Dataset.range(25).filter(lambda x: x % 3 > 0).shuffle(40, seed=3)):
        n = len(list(ds))
        for at in range(0, n + 1, 3):
            assert_checkpoint_roundtrip(ds, at=at)


def test_memory_cache_reads_the_first_complete_pass():
    seen = []
    ds = Dataset.range(4).map(lambda x: seen.append(int(x)) or x)
    seen.clear()
    cached = ds.cache()
    assert ints(cached.repeat(3)) == [0, 1, 2, 3] * 3
    assert seen == [0, 1, 2, 3]
    assert ints(cached) == [0, 1, 2, 3] and seen == [0, 1, 2, 3]


def test_partial_pass_caches_nothing():
    seen = []
    ds = Dataset.range(5).map(lambda x: seen.append(int(x)) or x)
    cached = no_prefetch(ds.cache())
    seen.clear()
    assert ints(cached.take(2)) == [0, 1]
    assert ints(cached) == [0, 1, 2, 3, 4]
    assert seen == [0, 1, 0, 1, 2, 3, 4]


def test_file_cache_writes_atomically_and_is_reused(tmp_path):
    path = str(tmp_path / "c")
    seen = []
    ds = Dataset.range(6).map(lambda x: (x, b"s" * int(x))).map(lambda x, s: seen.append(1) or (x, s))
    seen.clear()
    cached = no_prefetch(ds.cache(path))
    it = iter(cached)
    next(it)
    it.close()
    assert not os.path.exists(path + ".dfcache")                    # a partial pass left nothing
    assert [f for f in os.listdir(tmp_path)] == []
    assert [(int(x), s) for x, s in cached] == [(i, b"s" * i) for i in range(6)]
    assert os.path.exists(path + ".dfcache")
    again = ds.cache(path).batch(4).unbatch()                       # a new dataset reads the file
    seen.clear()  # (building may trace the map functions once, as tf.data does)
    assert [(int(x), s) for x, s in again] == [(i, b"s" * i) for i in range(6)]
    assert seen == []


def test_cache_checkpoints_while_writing_and_reading(tmp_path):
    for filename in ("", str(tmp_path / "f")):
        ds = Dataset.range(9).cache(filename)
        for at in (0, 4, 9):
            assert_checkpoint_roundtrip(ds, at=at)       # first: writing, later: reading
        assert_checkpoint_roundtrip(ds.repeat(2), at=12)


def test_cache_of_empty_dataset(tmp_path):
    ds = Dataset.range(0).cache(str(tmp_path / "e"))
    assert list(ds) == [] and list(ds) == []


def test_cache_into_a_missing_directory_is_not_found(tmp_path):
    ds = Dataset.range(3).cache(str(tmp_path / "missing" / "c"))
    with pytest.raises(errors.NotFoundError, match=r"cache: cannot write the cache file .*missing/c.dfcache"):
        list(ds)
