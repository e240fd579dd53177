"""Parallel interleave: TensorFlow's order when deterministic, every element otherwise, checkpoints."""

from __future__ import annotations

import threading
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dataflowio.data import Dataset
from tests.conftest import wait_for_no_dataflowio_threads
from tests.harness import assert_checkpoint_roundtrip

pytestmark = pytest.mark.timeout(60)


def _inner(x):
    return Dataset.range(x * 10, x * 10 + int(x) % 4 + 1)


@given(n=st.integers(0, 8), cycle=st.integers(1, 4), block=st.integers(1, 3),
       par=st.sampled_from([1, 2, -1]))
def test_deterministic_parallel_interleave_gives_the_sequential_order(n, cycle, block, par):
    seq = Dataset.range(n).interleave(_inner, cycle_length=cycle, block_length=block)
    par_ds = Dataset.range(n).interleave(_inner, cycle_length=cycle, block_length=block,
                                         num_parallel_calls=par)
    assert [int(v) for v in par_ds] == [int(v) for v in seq]


def test_matches_tensorflow_order(tf):
    got = [int(v) for v in Dataset.range(1, 6).interleave(
        lambda x: Dataset.range(x * 10, x * 10 + x), cycle_length=3, block_length=2,
        num_parallel_calls=3)]
    want = [int(v) for v in tf.data.Dataset.range(1, 6).interleave(
        lambda x: tf.data.Dataset.range(x * 10, x * 10 + x), cycle_length=3, block_length=2,
        num_parallel_calls=3, deterministic=True)]
    assert got == want


def _slow_inner(x):
    def slow(v):
        if int(x) == 0:
            time.sleep(0.01)
        return v
    return Dataset.range(x * 100, x * 100 + 5).map(slow)


def test_nondeterministic_interleave_yields_every_element():
    ds = Dataset.range(4).interleave(_slow_inner, cycle_length=4, num_parallel_calls=4,
                                     deterministic=False)
    got = [int(v) for v in ds]
    assert sorted(got) == sorted(x * 100 + i for x in range(4) for i in range(5))


def test_slots_read_on_several_threads():
    names = set()

    def inner(x):
        def note(v):
            names.add(threading.current_thread().name)
            return v
        return Dataset.range(3).map(note)

    list(Dataset.range(4).interleave(inner, cycle_length=4, num_parallel_calls=4))
    assert len([n for n in names if n.startswith("dataflowio-interleave-")]) >= 2
    assert wait_for_no_dataflowio_threads() == []


@pytest.mark.parametrize("at", [0, 1, 4, 7, 12, 30])
def test_checkpoint_roundtrip(at):
    ds = Dataset.range(6).interleave(_inner, cycle_length=3, block_length=2, num_parallel_calls=2)
    assert_checkpoint_roundtrip(ds, at=at)
