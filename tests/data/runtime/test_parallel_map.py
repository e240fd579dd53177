"""Parallel map and parallel batch through the Dataset facade: order, errors, seeds, executors."""

from __future__ import annotations

import threading
import time
import zlib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dataflowio.data import Dataset
from dataflowio.data.experimental import element_rng, element_seed
from dataflowio.data.options import Options
from dataflowio.errors import FailedPreconditionError, InvalidArgumentError
from tests.conftest import wait_for_no_dataflowio_threads

pytestmark = pytest.mark.timeout(60)
AUTOTUNE = -1


@given(n=st.integers(0, 200), par=st.sampled_from([2, 3, AUTOTUNE]))
def test_parallel_map_keeps_input_order_when_deterministic(n, par):
    got = [int(v) for v in Dataset.range(n).map(lambda x: x * 3, num_parallel_calls=par)]
    assert got == [3 * i for i in range(n)]


def _slow_first(x):
    if int(x) % 10 == 0:
        time.sleep(0.03)  # the first element of every chunk of 10 finishes last
    return x


def test_parallel_map_nondeterministic_yields_a_permutation_out_of_order():
    ds = Dataset.range(40).batch(10).unbatch() if hasattr(Dataset, "unbatch") else Dataset.range(40)
    got = [int(v) for v in ds.map(_slow_first, num_parallel_calls=4, deterministic=False)]
    assert sorted(got) == list(range(40))
    det = [int(v) for v in ds.map(_slow_first, num_parallel_calls=4, deterministic=True)]
    assert det == list(range(40))


def test_options_deterministic_false_applies_when_map_leaves_it_unset():
    opts = Options()
    opts.deterministic = False
    got = [int(v) for v in Dataset.range(50).map(_slow_first, num_parallel_calls=3).with_options(opts)]
    assert sorted(got) == list(range(50))


def test_parallel_map_passes_tuple_components_as_arguments():
    ds = Dataset.from_tensor_slices((np.arange(5), np.arange(5) * 10))
    got = [int(v) for v in ds.map(lambda a, b: a + b, num_parallel_calls=2)]
    assert got == [0, 11, 22, 33, 44]


def _fails_on_3(x):
    if int(x) == 3:
        raise KeyError("no three")
    return x


def test_user_exception_reaches_caller_as_itself_with_notes_and_traceback():
    it = iter(Dataset.range(8).map(_fails_on_3, num_parallel_calls=2))
    assert [int(next(it)) for _ in range(3)] == [0, 1, 2]
    with pytest.raises(KeyError, match="no three") as info:
        next(it)
    assert any("map" in n and "element 3" in n for n in info.value.__notes__)
    frames = [f.name for f in __import__("traceback").extract_tb(info.value.__traceback__)]
    assert "_fails_on_3" in frames
    it.close()
    assert wait_for_no_dataflowio_threads() == []


def test_iteration_continues_after_a_user_exception_like_tf_data():
    it = iter(Dataset.range(6).map(_fails_on_3, num_parallel_calls=3))
    out = []
    while True:
        try:
            out.append(int(next(it)))
        except KeyError:
            out.append("err")
        except StopIteration:
            break
    assert out == [0, 1, 2, "err", 4, 5]


def test_parallel_batch_matches_serial_batch():
    for drop in (False, True):
        a = [b.tolist() for b in Dataset.range(23).batch(5, drop_remainder=drop, num_parallel_calls=3)]
        b = [b.tolist() for b in Dataset.range(23).batch(5, drop_remainder=drop)]
        assert a == b


def test_parallel_batch_shape_error_names_the_batch():
    ds = Dataset.range(4).map(lambda x: np.zeros(int(x) // 2 + 1))
    with pytest.raises(InvalidArgumentError, match="batch.*different shapes"):
        list(ds.batch(4, num_parallel_calls=2))


def _augment(x):
    return float(element_rng().random()) + 0 * x


@pytest.mark.parametrize("par", [None, 2, 4, AUTOTUNE])
def test_element_seed_gives_the_same_augmentation_whatever_the_thread_count(par):
    ref = [float(v) for v in Dataset.range(30).map(_augment, name="aug")]
    got = [float(v) for v in Dataset.range(30).map(_augment, num_parallel_calls=par, name="aug")]
    assert got == ref
    assert len(set(got)) == 30


def test_element_seed_outside_a_map_is_a_clear_error():
    with pytest.raises(FailedPreconditionError, match="outside a per-element map function"):
        element_seed()


def _decompress(b):
    return np.frombuffer(zlib.decompress(b), np.uint8)[:4].copy()


def test_gil_releasing_work_runs_on_several_threads():
    seen = set()

    def work(x):
        seen.add(threading.current_thread().name)
        zlib.compress(bytes(200_000), 6)
        return x

    list(Dataset.range(64).map(work, num_parallel_calls=4))
    assert len([n for n in seen if n.startswith("dataflowio-map-")]) >= 2


def _square(x):
    return x * x


def test_process_executor_maps_with_a_picklable_function():
    opts = Options()
    opts.threading.executor = "process"
    got = [int(v) for v in Dataset.range(20).map(_square, num_parallel_calls=2).with_options(opts)]
    assert got == [i * i for i in range(20)]
    assert wait_for_no_dataflowio_threads() == []


def test_process_executor_gives_the_same_per_element_seeds_as_threads():
    opts = Options()
    opts.threading.executor = "process"
    ref = [float(v) for v in Dataset.range(12).map(_augment, num_parallel_calls=2, name="aug")]
    got = [float(v) for v in Dataset.range(12).map(_augment, num_parallel_calls=2, name="aug")
           .with_options(opts)]
    assert got == ref


def test_process_executor_refuses_a_lambda_with_a_clear_error():
    opts = Options()
    opts.threading.executor = "process"
    with pytest.raises(InvalidArgumentError, match="picklable function"):
        list(Dataset.range(3).map(lambda x: x, num_parallel_calls=2).with_options(opts))
