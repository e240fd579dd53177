"""AUTOTUNE: parallelism and buffer sizes chosen from measured stage timings under a RAM budget.

Each threaded stage with `AUTOTUNE` settings owns a `Tuner`. Every ~100 ms the consumer hands it
what happened in the last interval (elements taken, time the consumer waited, time the workers
were busy); it answers with the number of active workers and the buffer capacity. The policy
is a hill-climb: when the consumer starves and the workers are busy, try one more worker and
keep it only if throughput rose by 5 %; after such a failed try, try one worker fewer and keep
that unless throughput fell by 5 % (work that holds the GIL runs faster on fewer threads); when
the consumer starves, grow the buffer (doubling)
while `capacity * bytes_per_element` stays under the RAM budget; only when the producer had to
wait for room (otherwise a bigger buffer cannot help).

>>> t = Tuner(workers=1, max_workers=4, capacity=4, max_capacity=64, tune_workers=True,
...           tune_buffer=False, element_bytes=8, ram_budget=1 << 20)
>>> t.observe(elapsed=0.1, taken=100, consumer_wait=0.08, busy=0.099)   # starved, busy: try 2
(2, 8)
>>> t.observe(elapsed=0.1, taken=190, consumer_wait=0.01, busy=0.19)    # +90 %: keep it
(2, 8)
>>> g = Tuner(workers=2, max_workers=4, capacity=8, max_capacity=64, tune_workers=True,
...           tune_buffer=False, element_bytes=8, ram_budget=1 << 20)
>>> g.observe(elapsed=0.1, taken=100, consumer_wait=0.08, busy=0.2)[0]    # GIL-bound: try 3
3
>>> g.observe(elapsed=0.1, taken=90, consumer_wait=0.08, busy=0.3)[0]     # slower: back to 2
2
>>> g.observe(elapsed=0.1, taken=100, consumer_wait=0.08, busy=0.2)[0]    # then try 1
1
>>> g.observe(elapsed=0.1, taken=120, consumer_wait=0.05, busy=0.1)[0]    # faster: keep 1
1
"""

from __future__ import annotations

import os
from typing import Any

AUTOTUNE = -1


def cpu_count() -> int:
    """Cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def available_memory() -> int:
    """Bytes of memory available now (MemAvailable), or 4 GiB when it cannot be read."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 4 << 30


def ram_budget(options: Any) -> int:
    """`options.autotune.ram_budget` in bytes, or half the available memory when it is 0/None."""
    v = options.autotune.get("ram_budget") if options is not None else 0
    return int(v) if v else available_memory() // 2


def max_workers(options: Any) -> int:
    """Upper bound for AUTOTUNE'd worker counts: `threading.private_threadpool_size` or 2 x cores."""
    v = options.threading.get("private_threadpool_size") if options is not None else None
    return int(v) if v and v > 0 else max(2, 2 * cpu_count())


class Tuner:
    """Hill-climbs one stage's worker count and buffer capacity (see the module docstring)."""

    def __init__(self, *, workers: int, max_workers: int, capacity: int, max_capacity: int,
                 tune_workers: bool, tune_buffer: bool, element_bytes: int, ram_budget: int) -> None:
        self.workers, self.max_workers = workers, max_workers
        self.capacity, self.max_capacity = capacity, max_capacity
        self.tune_workers, self.tune_buffer = tune_workers, tune_buffer
        self.element_bytes, self.ram_budget = max(1, element_bytes), ram_budget
        self._trial: tuple[int, float] | None = None  # (workers before, throughput before)
        self._cooldown = 0
        self._try_fewer = False  # set after a try with one more worker did not pay off

    def observe(self, *, elapsed: float, taken: int, consumer_wait: float, busy: float,
                space_wait: float = 0.0) -> tuple[int, int]:
        """Feeds one interval's measurements; returns (active workers, capacity in elements)."""
        if elapsed <= 0:
            return self.workers, self.capacity
        rate = taken / elapsed
        starved = consumer_wait > 0.05 * elapsed
        if self._trial is not None:
            before, rate_before = self._trial
            self._trial = None
            if self.workers > before and rate < 1.05 * rate_before:  # one more did not pay off
                self.workers, self._try_fewer = before, before > 1
                self._cooldown = 0 if self._try_fewer else 20
            elif self.workers < before and rate < 0.95 * rate_before:  # one fewer was slower
                self.workers, self._cooldown = before, 20
        elif self._try_fewer:
            self._try_fewer = False
            self._trial = (self.workers, rate)
            self.workers -= 1
        elif self._cooldown > 0:
            self._cooldown -= 1
        elif (self.tune_workers and starved and self.workers < self.max_workers
              and busy > 0.7 * self.workers * elapsed):
            self._trial = (self.workers, rate)
            self.workers += 1
            self.capacity = max(self.capacity, self.capacity * self.workers // (self.workers - 1))
        # A bigger buffer only helps when the producer had to stop for room (a bursty consumer).
        if self.tune_buffer and starved and space_wait > 0.01 * elapsed:
            grown = min(self.max_capacity, self.capacity * 2)
            if grown * self.element_bytes <= self.ram_budget:
                self.capacity = grown
        cap_limit = max(1, self.ram_budget // self.element_bytes)
        self.capacity = max(1, min(self.capacity, cap_limit))
        return self.workers, self.capacity
