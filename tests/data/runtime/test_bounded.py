"""Bounded memory: prefetch and parallel buffers never hold more than their capacity, and
AUTOTUNE'd buffers stay under `Options().autotune.ram_budget`."""

from __future__ import annotations

import time

import numpy as np
import pytest

from dataflowio.data import Dataset
from dataflowio.data.options import Options
from dataflowio.data.runtime.autotune import Tuner
from dataflowio.data.runtime.stage import ThreadedStage
from dataflowio.data.runtime.testing import ListIterator

pytestmark = pytest.mark.timeout(60)


def _watch(stage, out):
    sh = stage._shared
    out.append((sh.reserved, sh.capacity_for(sh.next_k())))


def test_parallel_map_never_holds_more_than_its_capacity():
    from dataflowio.data.runtime.parallel_map import ParallelMap

    pulled = [0]
    src = ListIterator(list(range(3000)))
    orig = src.next_chunk

    def spy(n):
        c = orig(n)
        pulled[0] += c.size
        return c

    src.next_chunk = spy
    it = ParallelMap(src, fn=lambda x: x + 1, workers=2, where="map(+1)")
    seen = []
    for consumed, _ in enumerate(it, start=1):
        sh = it._shared
        seen.append((pulled[0] - consumed, sh.reserved, sh.capacity_for(sh.next_k())))
        if consumed % 50 == 0:
            time.sleep(0.002)  # a slow consumer: workers fill the buffer up to the bound
    it.close()
    # capacity follows the adaptive chunk size; what is held never exceeds the largest capacity
    # granted so far (a worker reserves room before it pulls)
    cap_so_far = 0
    for ahead, reserved, cap in seen:
        cap_so_far = max(cap_so_far, cap)
        assert reserved <= cap_so_far and ahead <= cap_so_far + 512
    assert cap_so_far <= 2 * 2 * 4096


def test_tuner_never_grows_a_buffer_beyond_the_ram_budget():
    t = Tuner(workers=1, max_workers=1, capacity=2, max_capacity=1 << 20, tune_workers=False,
              tune_buffer=True, element_bytes=1000, ram_budget=64_000)
    caps = [t.observe(elapsed=0.1, taken=10, consumer_wait=0.09, busy=0.1, space_wait=0.05)[1]
            for _ in range(20)]
    assert caps[-1] * 1000 <= 64_000 and max(caps) <= 64
    assert caps[1] > caps[0]  # it did grow while the consumer starved and the producer waited


def test_tuner_does_not_grow_a_buffer_when_the_producer_never_waited_for_room():
    t = Tuner(workers=1, max_workers=1, capacity=2, max_capacity=1 << 20, tune_workers=False,
              tune_buffer=True, element_bytes=8, ram_budget=1 << 30)
    for _ in range(10):
        _, cap = t.observe(elapsed=0.1, taken=10, consumer_wait=0.09, busy=0.1, space_wait=0.0)
    assert cap == 2


def test_autotuned_prefetch_of_big_elements_respects_the_ram_budget():
    big = np.zeros(1 << 20, np.uint8)  # 1 MiB per element, free to produce
    opts = Options()
    opts.autotune.ram_budget = 8 << 20
    opts.experimental_optimization.apply_default_optimizations = False
    ds = Dataset.from_tensors(big).repeat(400).prefetch(-1).with_options(opts)
    it = iter(ds)
    stage = it.root
    assert isinstance(stage, ThreadedStage)
    peak = 0
    for i, _ in enumerate(it):
        peak = max(peak, stage._shared.reserved)
        if i % 40 == 0:
            time.sleep(0.02)
    it.close()
    assert peak * (1 << 20) <= 8 << 20, peak
