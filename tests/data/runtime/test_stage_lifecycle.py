"""Stateful property test: any sequence of next / next_chunk / save / restore / close on a threaded
stage behaves like an index into the input list (the reference model)."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule

from dataflowio.data.runtime.parallel_map import ParallelMap
from dataflowio.data.runtime.stage import ThreadedStage
from dataflowio.data.runtime.testing import ListIterator
from tests.conftest import wait_for_no_dataflowio_threads

pytestmark = pytest.mark.timeout(120)
N = 30


class StageMachine(RuleBasedStateMachine):
    @initialize(kind=st.sampled_from(["prefetch", "map"]), cap=st.integers(1, 6))
    def open(self, kind, cap):
        src = ListIterator(list(range(N)))
        if kind == "prefetch":
            self.it = ThreadedStage(src, label="p", kind="prefetch", capacity=cap)
            self.fn = lambda x: x
        else:
            self.it = ParallelMap(src, fn=lambda x: x * 10, workers=2, where="map(x10)")
            self.fn = lambda x: x * 10
        self.pos = 0          # the model: index of the next element
        self.saved = []       # (state, pos) pairs
        self.closed = False

    @precondition(lambda self: not self.closed)
    @rule()
    def take_one(self):
        try:
            got = int(next(self.it))
        except StopIteration:
            assert self.pos == N
            return
        assert got == self.fn(self.pos)
        self.pos += 1

    @precondition(lambda self: not self.closed)
    @rule(n=st.integers(1, 9))
    def take_chunk(self, n):
        try:
            got = [int(v) for v in self.it.next_chunk(n).elements()]
        except StopIteration:
            assert self.pos == N
            return
        assert got == [self.fn(i) for i in range(self.pos, min(N, self.pos + n))]
        self.pos += len(got)

    @precondition(lambda self: not self.closed)
    @rule()
    def save(self):
        self.saved.append((self.it.get_state(), self.pos))

    @precondition(lambda self: not self.closed and self.saved)
    @rule(i=st.integers(0, 100))
    def restore(self, i):
        state, pos = self.saved[i % len(self.saved)]
        self.it.set_state(state)
        self.pos = pos

    @precondition(lambda self: not self.closed)
    @rule()
    def close(self):
        self.it.close()
        self.closed = True

    @precondition(lambda self: self.closed)
    @rule()
    def take_after_close(self):
        with pytest.raises(StopIteration):
            next(self.it)
        self.it.close()  # idempotent

    def teardown(self):
        if hasattr(self, "it"):
            self.it.close()


TestStageLifecycle = StageMachine.TestCase
TestStageLifecycle.settings = settings(max_examples=int(os.environ.get("H4_LIFECYCLE_EXAMPLES", "40")), stateful_step_count=25,
                                       deadline=None)


def test_no_threads_survive_the_state_machine():
    assert wait_for_no_dataflowio_threads() == []
