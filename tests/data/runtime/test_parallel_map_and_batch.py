"""A parallel map fused with its batch (`map(f, num_parallel_calls) -> batch`): worker threads map
and stack whole batches; the batches, errors, checkpoints and thread cleanup are those of the
unfused pipeline."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dataflowio.data import Dataset
from dataflowio.data.experimental import element_seed
from dataflowio.data.options import Options
from tests.conftest import wait_for_no_dataflowio_threads
from tests.data.optimize.test_law import elements, only

pytestmark = pytest.mark.timeout(60)
AUTOTUNE = -1


def _fused(ds: Dataset[Any]) -> Dataset[Any]:
    assert ds.explain(as_dict=True)["fired"].get("map_and_batch_fusion") == 1
    return ds


def _scale(x):
    return x * 3 + 1


@given(n=st.integers(0, 70), size=st.integers(1, 12), drop=st.booleans(),
       par=st.sampled_from([2, 3, AUTOTUNE]), vectorizable=st.booleans())
def test_same_batches_as_unfused(n, size, drop, par, vectorizable):
    fn = _scale if vectorizable else (lambda x: int(x) * 3 + 1)  # int(): not row-wise
    ds = Dataset.range(n).map(fn, num_parallel_calls=par).batch(size, drop_remainder=drop)
    got = [b.tolist() for b in _fused(ds)]
    want = [b.tolist() for b in elements(ds, only())]
    assert got == want
    assert len(got) == (n // size if drop else -(-n // size))


def _fails_on_5(x):
    if int(x) == 5:
        raise KeyError("no five")
    return x


def test_a_failing_element_fails_its_batch_and_the_next_batches_follow():
    ds = _fused(Dataset.range(12).map(_fails_on_5, num_parallel_calls=2).batch(4))
    it = iter(ds)
    assert next(it).tolist() == [0, 1, 2, 3]
    with pytest.raises(KeyError, match="no five") as info:
        next(it)
    assert any("element 5" in note for note in getattr(info.value, "__notes__", []))
    assert next(it).tolist() == [8, 9, 10, 11]
    with pytest.raises(StopIteration):
        next(it)


def _slow_first_batch(x):
    if int(x) < 4:
        time.sleep(0.05)
    return x


def test_nondeterministic_hands_batches_out_as_they_finish():
    det = [b.tolist() for b in Dataset.range(16).map(_slow_first_batch, num_parallel_calls=4).batch(4)]
    assert det == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11], [12, 13, 14, 15]]
    ds = _fused(Dataset.range(16).map(_slow_first_batch, num_parallel_calls=4, deterministic=False).batch(4))
    got = [b.tolist() for b in ds]
    assert sorted(got) == det and got != det  # whole batches, the slow one last


def test_checkpoint_restores_exactly_the_remaining_batches():
    ds = _fused(Dataset.range(50).map(_scale, num_parallel_calls=2).batch(6))
    want = [b.tolist() for b in ds]
    for k in range(len(want) + 1):
        it = iter(ds)
        for _ in range(k):
            next(it)
        state = it.save()
        it.close()
        fresh = iter(ds)
        fresh.restore(state)
        assert [b.tolist() for b in fresh] == want[k:], k


def test_element_seeds_are_those_of_the_unfused_map():
    def seeded(x):
        return np.uint64(element_seed())

    ds = Dataset.range(20).map(seeded, num_parallel_calls=3).batch(5)
    assert [b.tolist() for b in _fused(ds)] == [b.tolist() for b in elements(ds, only())]


def test_breaking_out_and_errors_stop_every_thread():
    ds = _fused(Dataset.range(10_000).map(_scale, num_parallel_calls=2).batch(8))
    for i, _ in enumerate(ds):
        if i == 3:
            break
    assert wait_for_no_dataflowio_threads() == []
    caught = None
    try:
        for _ in Dataset.range(100).map(_fails_on_5, num_parallel_calls=2).batch(4):
            pass
    except KeyError as e:
        caught = str(e)  # keeping `e` would keep its frames (and the iterator) alive
    assert caught == "'no five'"
    assert wait_for_no_dataflowio_threads() == []


def _double(x):
    return x * 2


def test_the_process_executor_keeps_its_pool():
    opts = Options()
    opts.threading.executor = "process"
    ds = _fused(Dataset.range(10).map(_double, num_parallel_calls=2).batch(4).with_options(opts))
    assert [b.tolist() for b in ds] == [[0, 2, 4, 6], [8, 10, 12, 14], [16, 18]]


def test_vectorized_function_runs_once_per_batch():
    calls: list[int] = []

    def body(x):
        return np.asarray(x) * 2

    def counted(x):
        calls.append(np.ndim(x))  # per element 0-d, per batch 1-d
        return body(x)

    from dataflowio.data.experimental import vectorized

    ds = _fused(Dataset.range(64).map(vectorized(counted), num_parallel_calls=2).batch(16))
    assert [b.tolist() for b in ds] == [list(range(i, i + 32, 2)) for i in range(0, 128, 32)]
    assert calls == [1, 1, 1, 1]
