"""ThreadedStage as prefetch: order, chunk/element paths, bounded buffer, errors, checkpoints."""

from __future__ import annotations

import threading
import time
import traceback

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dataflowio.data.runtime.stage import ThreadedStage
from dataflowio.data.runtime.testing import ListIterator
from tests.conftest import wait_for_no_dataflowio_threads

pytestmark = pytest.mark.timeout(60)


def _prefetch(items, capacity=2, **kw):
    return ThreadedStage(ListIterator(items, **kw), label="prefetch(test)", kind="prefetch",
                         capacity=capacity)


def _drain(it, pattern):
    """Reads `it` alternating next() and next_chunk(n) as `pattern` says (0 = next)."""
    out, i = [], 0
    while True:
        n = pattern[i % len(pattern)] if pattern else 0
        i += 1
        try:
            if n == 0:
                out.append(next(it))
            else:
                out.extend(it.next_chunk(n).elements())
        except StopIteration:
            return out


@given(xs=st.lists(st.integers(), max_size=60), cap=st.integers(1, 9),
       pattern=st.lists(st.integers(0, 7), max_size=4))
def test_prefetch_yields_the_input_in_order(xs, cap, pattern):
    it = _prefetch(xs, cap)
    try:
        assert _drain(it, pattern) == xs
    finally:
        it.close()


def test_prefetch_of_empty_input_is_empty_and_stays_empty():
    it = _prefetch([])
    assert list(it) == []
    with pytest.raises(StopIteration):
        next(it)
    it.close()


@pytest.mark.parametrize("cap", [1, 2, 5, 16])
def test_prefetch_never_holds_more_than_buffer_size_elements(cap):
    consumed = [0]
    ahead = []
    src = ListIterator(list(range(200)))
    orig = src.next_chunk

    def spy(n):
        c = orig(n)
        ahead.append(src.index - consumed[0])  # pulled but not yet received by the consumer
        return c

    src.next_chunk = spy
    it = ThreadedStage(src, label="p", kind="prefetch", capacity=cap)
    for _ in it:
        consumed[0] += 1
        assert it._shared.reserved <= cap
        time.sleep(0.0005)
    it.close()
    # the consumer's current chunk (<= cap/2 elements) is no longer in the buffer
    assert max(ahead) <= cap + max(1, cap // 2)


def test_error_reaches_consumer_in_order_as_the_same_object_and_iteration_continues():
    boom = ValueError("bad element 3")
    it = _prefetch(list(range(8)), 4, fail_at={3: boom})
    got = [next(it) for _ in range(3)]
    with pytest.raises(ValueError) as info:
        next(it)
    assert info.value is boom
    assert any("prefetch(test)" in n for n in info.value.__notes__)
    assert "ListIterator" in "".join(traceback.format_tb(info.value.__traceback__)) or \
        "__next__" in "".join(traceback.format_tb(info.value.__traceback__))
    assert got + list(it) == [0, 1, 2, 4, 5, 6, 7]
    it.close()


@given(xs=st.lists(st.integers(), max_size=40), cap=st.integers(1, 6), data=st.data())
def test_restore_at_any_position_gives_exactly_the_remaining_suffix(xs, cap, data):
    k = data.draw(st.integers(0, len(xs)))
    pattern = data.draw(st.lists(st.integers(0, 5), max_size=3))
    it = _prefetch(xs, cap)
    head = []
    while len(head) < k:
        n = pattern[len(head) % len(pattern)] if pattern else 0
        head.extend([next(it)] if n == 0 else it.next_chunk(min(n, k - len(head))).elements())
    state = it.get_state()
    rest = list(it)
    it.close()
    assert head + rest == xs
    it2 = _prefetch(xs, cap)
    it2.set_state(state)
    assert list(it2) == rest
    it2.set_state(state)  # restoring the same iterator again works too
    assert list(it2) == rest
    it2.close()


def test_state_is_plain_json_data():
    import json

    it = _prefetch(list(range(10)), 3)
    next(it)
    assert json.loads(json.dumps(it.get_state())) == it.get_state()
    it.close()


def test_close_stops_the_thread_even_when_the_producer_is_blocked_on_a_full_buffer():
    it = _prefetch(list(range(1000)), 2)
    next(it)
    time.sleep(0.05)
    it.close()
    assert wait_for_no_dataflowio_threads() == []


def test_threads_are_named_daemons():
    it = _prefetch(list(range(1000)), 2)
    next(it)
    names = [t for t in threading.enumerate() if t.name.startswith("dataflowio-prefetch-")]
    assert names and all(t.daemon for t in names)
    it.close()
    assert wait_for_no_dataflowio_threads() == []


def test_get_state_fails_at_save_not_while_iterating_when_the_input_cannot_checkpoint():
    class NoState(ListIterator):
        def get_state(self):
            raise NotImplementedError("NoState cannot checkpoint")

    it = ThreadedStage(NoState([1, 2, 3]), label="p", kind="prefetch", capacity=2)
    assert list(it) == [1, 2, 3]
    with pytest.raises(NotImplementedError, match="NoState cannot checkpoint"):
        it.get_state()
    it.close()
