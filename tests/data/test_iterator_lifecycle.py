"""Iterator lifecycles in any order (next / save / restore into a new iterator / close), checked by
Hypothesis' stateful testing against the list-index model: position k means "the next element
is expected[k]"."""

from __future__ import annotations

import json

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from tests.harness import assert_same_elements
from tests.strategies import pipelines


class IteratorLifecycle(RuleBasedStateMachine):
    @initialize(p=pipelines(max_steps=4))
    def build(self, p):
        self.p = p
        self.it = iter(p.ds)
        self.pos = 0
        self.saved: list[tuple[dict, int]] = []
        self.closed = False

    @precondition(lambda self: not self.closed)
    @rule()
    def next_element(self):
        try:
            got = next(self.it)
        except StopIteration:
            assert self.pos == len(self.p.expected), (repr(self.p), self.pos)
            return
        assert self.pos < len(self.p.expected), repr(self.p)
        assert_same_elements([got], [self.p.expected[self.pos]], f"{self.p!r} at {self.pos}")
        self.pos += 1

    @precondition(lambda self: not self.closed)
    @rule()
    def save(self):
        self.saved.append((json.loads(json.dumps(self.it.save())), self.pos))

    @precondition(lambda self: bool(self.saved))
    @rule(data=st.data())
    def restore_into_a_new_iterator(self, data):
        state, pos = data.draw(st.sampled_from(self.saved))
        self.it.close()
        self.it = iter(self.p.ds)
        self.it.restore(state)
        self.pos, self.closed = pos, False

    @rule()
    def close(self):
        self.it.close()
        self.closed = True

    @invariant()
    def position_in_range(self):
        if hasattr(self, "pos"):
            assert 0 <= self.pos <= len(self.p.expected)

    def teardown(self):
        if hasattr(self, "it"):
            self.it.close()


IteratorLifecycle.TestCase.settings = settings(max_examples=25, stateful_step_count=20, deadline=None)
test_iterator_lifecycle = IteratorLifecycle.TestCase
