"""Random pipelines with prefetch / parallel map / parallel batch stages: they match the reference,
and restoring a checkpoint taken at any position yields exactly the remaining suffix."""

from __future__ import annotations

import json
import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dataflowio.data import Dataset
from dataflowio.data.experimental import restore_iterator, save_iterator
from dataflowio.data.options import Options
from dataflowio.errors import InvalidArgumentError
from tests import strategies as S
from tests.harness import assert_checkpoint_roundtrip, assert_matches_reference, take_list
from tests.reference import pipeline as ref

pytestmark = pytest.mark.timeout(120)
AUTOTUNE = -1


@st.composite
def parallel_step(draw, p: S.Pipeline) -> S.Pipeline:
    spec = p.ds.element_spec
    kind = draw(st.sampled_from(["pmap", "prefetch", "pbatch"]))
    if kind == "pmap":
        fn = S.map_fn_for(spec)
        par = draw(st.sampled_from([2, 3, AUTOTUNE]))
        return S.Pipeline(p.ds.map(fn, num_parallel_calls=par), ref.map_(p.expected, fn),
                          p.steps + [f"map(bump, num_parallel_calls={par})"])
    if kind == "pbatch" and all(s.shape.is_fully_defined() for s in ref.leaves(spec)):
        n, drop = draw(st.integers(1, 4)), draw(st.booleans())
        return S.Pipeline(p.ds.batch(n, drop, num_parallel_calls=2), ref.batch(p.expected, n, drop),
                          p.steps + [f"batch({n}, {drop}, num_parallel_calls=2)"])
    b = draw(st.sampled_from([1, 2, 5, AUTOTUNE]))
    return S.Pipeline(p.ds.prefetch(b), ref.prefetch(p.expected, b), p.steps + [f"prefetch({b})"])


@st.composite
def threaded_pipelines(draw) -> S.Pipeline:
    p = draw(S.sources())
    for _ in range(draw(st.integers(2, 5))):
        if draw(st.booleans()):
            p = draw(parallel_step(p))
        else:
            p = draw(S.transform(p, names=["map", "filter", "take", "skip", "shuffle", "batch",
                                           "repeat", "enumerate", "unbatch"]))
    return draw(parallel_step(p))


@given(p=threaded_pipelines(), data=st.data())
def test_threaded_pipelines_match_the_reference_and_restore_at_any_position(p, data):
    assert_matches_reference(p.ds, p.expected, limit=S.MAX_ELEMENTS)
    at = data.draw(st.integers(0, min(len(p.expected), S.MAX_ELEMENTS)), label="at")
    assert_checkpoint_roundtrip(p.ds, at=at, limit=S.MAX_ELEMENTS)


def test_restore_at_every_position_of_a_shuffled_parallel_pipeline():
    ds = (Dataset.range(40).shuffle(7, seed=3, reshuffle_each_iteration=False)
          .map(lambda x: x * 2, num_parallel_calls=3).prefetch(3).batch(3).prefetch(2))
    full = [b.tolist() for b in ds]
    for k in range(len(full) + 1):
        it = iter(ds)
        head = [b.tolist() for b in take_list(it, k)]
        state = json.loads(json.dumps(it.save()))
        it.close()
        it2 = iter(ds)
        it2.restore(state)
        assert head + [b.tolist() for b in it2] == full, f"restore after {k}"


def test_checkpoint_file_round_trip_is_atomic_and_restores(tmp_path):
    ds = Dataset.range(30).map(lambda x: x + 1, num_parallel_calls=2).prefetch(4)
    it = iter(ds)
    head = [int(next(it)) for _ in range(11)]
    path = tmp_path / "sub" / "ckpt.json"
    save_iterator(it, path)
    assert sorted(os.listdir(path.parent)) == ["ckpt.json"]  # no temporary file left behind
    it2 = iter(ds)
    restore_iterator(it2, path)
    assert head + [int(v) for v in it2] == list(range(1, 31))


def test_restore_from_a_missing_or_damaged_file_is_a_clear_error(tmp_path):
    from dataflowio.errors import DataLossError, NotFoundError

    it = iter(Dataset.range(3))
    with pytest.raises(NotFoundError, match="no checkpoint file at"):
        restore_iterator(it, tmp_path / "nope.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"version": 1, "fing')
    with pytest.raises(DataLossError, match="is not a checkpoint written by save_iterator"):
        restore_iterator(it, bad)


def test_a_state_from_a_different_plan_is_refused():
    a = Dataset.range(10).map(lambda x: x, num_parallel_calls=2)
    b = Dataset.range(10).map(lambda x: x, num_parallel_calls=3)
    it = iter(a)
    next(it)
    with pytest.raises(InvalidArgumentError, match="checkpoint was taken with plan"):
        iter(b).restore(it.save())


def test_a_state_from_a_different_optimization_setting_is_refused():
    ds = Dataset.range(10).map(lambda x: x + 1).batch(2)
    plain = Options()
    plain.experimental_optimization.apply_default_optimizations = False
    it = iter(ds)
    next(it)
    with pytest.raises(InvalidArgumentError, match="checkpoint was taken with plan"):
        iter(ds.with_options(plain)).restore(it.save())
