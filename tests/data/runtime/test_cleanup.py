"""Every background thread stops after break, del, garbage collection, an exception or Ctrl-C."""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from dataflowio.data import Dataset
from tests.conftest import REPO, dataflowio_threads, wait_for_no_dataflowio_threads

pytestmark = pytest.mark.timeout(60)


def _pipeline():
    return (Dataset.range(10_000).map(lambda x: x + 1, num_parallel_calls=2).prefetch(4)
            .map(lambda x: x * 2, num_parallel_calls=-1).prefetch(-1))


@pytest.fixture(autouse=True)
def _no_threads_left_from_before():
    assert wait_for_no_dataflowio_threads() == []
    yield


def test_break_out_of_a_for_loop_stops_every_thread():
    for i, _ in enumerate(_pipeline()):
        if i == 100:
            assert dataflowio_threads()
            break
    gc.collect()
    assert wait_for_no_dataflowio_threads() == []


def test_del_of_the_iterator_stops_every_thread():
    it = iter(_pipeline())
    next(it)
    assert dataflowio_threads()
    del it
    assert wait_for_no_dataflowio_threads() == []


def test_an_abandoned_iterator_in_a_reference_cycle_is_collected_and_its_threads_stop():
    it = iter(_pipeline())
    next(it)
    holder = {"it": it}
    holder["self"] = holder  # a cycle: only the cyclic GC frees it
    del it, holder
    gc.collect()
    assert wait_for_no_dataflowio_threads() == []


def test_close_stops_every_thread_and_is_idempotent():
    it = iter(_pipeline())
    next(it)
    it.close()
    it.close()
    assert wait_for_no_dataflowio_threads() == []


def _explode(x):
    if int(x) == 50:
        raise RuntimeError("boom at 50")
    return x


def test_an_exception_in_a_user_function_stops_every_thread_once_it_is_handled():
    ds = Dataset.range(10_000).map(_explode, num_parallel_calls=2).prefetch(2)
    caught = None
    try:
        for _ in ds:
            pass
    except RuntimeError as e:
        caught = str(e)  # NOTE: keeping `e` itself would keep its frames (and the iterator) alive
    assert caught == "boom at 50"
    assert wait_for_no_dataflowio_threads() == []


def test_a_with_block_stops_every_thread_even_while_the_exception_is_kept():
    ds = Dataset.range(10_000).map(_explode, num_parallel_calls=2).prefetch(2)
    with pytest.raises(RuntimeError, match="boom at 50"), iter(ds) as it:
        for _ in it:
            pass
    assert wait_for_no_dataflowio_threads() == []


def test_threads_do_not_keep_the_iterator_alive():
    import weakref

    it = iter(_pipeline())
    next(it)
    ref = weakref.ref(it)
    del it
    gc.collect()
    assert ref() is None


def test_ctrl_c_in_a_loop_over_a_prefetching_dataset_exits_cleanly():
    code = textwrap.dedent("""
        import sys, time
        from dataflowio.data import Dataset
        ds = Dataset.range(10**9).map(lambda x: x, num_parallel_calls=2).prefetch(8)
        print("ready", flush=True)
        try:
            for x in ds:
                time.sleep(0.001)
        except KeyboardInterrupt:
            print("interrupted", flush=True)
            sys.exit(130)
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": os.pathsep.join(
                                [str(REPO)] + [p for p in [os.environ.get("PYTHONPATH")] if p])})
    assert proc.stdout.readline().strip() == "ready"
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 130, err
    assert "interrupted" in out
    assert "Exception in thread" not in err and "Traceback" not in err, err
