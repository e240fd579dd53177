"""Golden before/after plans for every rule, and one negative case per precondition."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from dataflowio.data import Dataset, Options
from dataflowio.data.ops.map import Map
from dataflowio.data.optimize import optimize
from dataflowio.data.plan import pretty
from tests.data.optimize.test_law import elements, only

X = np.arange(10, dtype=np.int64)


def opt(ds: Dataset[Any], *rules: str) -> str:
    """The optimized plan with only `rules` on, as `pretty()` text."""
    plan, _ = optimize(ds._plan, only(*rules))
    return pretty(plan)


def fired(ds: Dataset[Any], *rules: str) -> dict[str, int]:
    return dict(optimize(ds._plan, only(*rules))[1])


def inc(x: Any) -> Any:
    return x + 1


def dbl(x: Any) -> Any:
    return x * 2


def even(x: Any) -> Any:
    return x % 2 == 0


def big(x: Any) -> Any:
    return x > 3


LOG: list[Any] = []


def logged(x: Any) -> Any:  # stateful: appends to a module-level list
    LOG.append(x)
    return x


SRC = "from_tensor_slices(10 x (int64[]))"


# ---- noop_elimination ------------------------------------------------------------------------

@pytest.mark.parametrize("make", [
    lambda ds: ds.take(-1), lambda ds: ds.skip(0), lambda ds: ds.repeat(1), lambda ds: ds.prefetch(0),
    lambda ds: ds.shard(1, 0), lambda ds: ds.map(lambda x: x),
])
def test_noop_elimination_removes_each_noop(make: Any) -> None:
    ds = make(Dataset.from_tensor_slices(X))
    assert opt(ds, "noop_elimination") == SRC
    assert fired(ds, "noop_elimination") == {"noop_elimination": 1}


def test_noop_elimination_removes_a_tuple_identity_map() -> None:
    ds = Dataset.from_tensor_slices((X, X)).map(lambda a, b: (a, b))
    assert opt(ds, "noop_elimination") == "from_tensor_slices(10 x (int64[], int64[]))"


@pytest.mark.parametrize("make", [
    lambda ds: ds.take(3), lambda ds: ds.skip(1), lambda ds: ds.repeat(2), lambda ds: ds.prefetch(1),
    lambda ds: ds.shard(2, 0), lambda ds: ds.map(lambda x: x + 0),
    lambda ds: ds.map(lambda a: (a, a)),
])
def test_noop_elimination_keeps_real_work(make: Any) -> None:
    ds = make(Dataset.from_tensor_slices(X))
    assert fired(ds, "noop_elimination") == {}


def test_noop_elimination_keeps_a_parallel_identity_map() -> None:
    ds = Dataset.from_tensor_slices(X).map(lambda x: x, num_parallel_calls=2)
    assert fired(ds, "noop_elimination") == {}


# ---- source_pushdown -------------------------------------------------------------------------

def test_source_pushdown_turns_take_skip_shard_into_a_window() -> None:
    ds = Dataset.from_tensor_slices(X).skip(1).shard(2, 1).take(3)
    assert opt(ds, "source_pushdown") == "from_tensor_slices(10 x (int64[]), rows=[2:8:2])"
    assert [int(v) for v in elements(ds, only("source_pushdown"))] == [2, 4, 6]


def test_source_pushdown_moves_take_below_a_sequential_map() -> None:
    ds = Dataset.from_tensor_slices(X).map(inc).take(2)
    assert opt(ds, "source_pushdown") == (
        "map(deterministic=None, fn=inc, num_parallel_calls=None, vectorized=False, stateless=None)\n"
        "  from_tensor_slices(10 x (int64[]), rows=[0:2:1])")


def test_source_pushdown_keeps_take_above_a_parallel_map() -> None:
    ds = Dataset.from_tensor_slices(X).map(inc, num_parallel_calls=2).take(2)
    assert opt(ds, "source_pushdown").startswith("take(count=2)")


def test_source_pushdown_keeps_skip_and_shard_above_a_map() -> None:
    # the unoptimized plan runs the function on the dropped elements (an error there must surface)
    for ds in (Dataset.from_tensor_slices(X).map(inc).skip(2), Dataset.from_tensor_slices(X).map(inc).shard(2, 0)):
        assert fired(ds, "source_pushdown") == {}


def test_source_pushdown_skip_all_is_an_empty_window() -> None:
    ds = Dataset.from_tensor_slices(X).skip(-1)
    assert opt(ds, "source_pushdown").endswith("rows=[0:0:1])")
    assert elements(ds, only("source_pushdown")) == []


def test_source_pushdown_leaves_other_sources_alone() -> None:
    assert fired(Dataset.range(10).take(3), "source_pushdown") == {}


# ---- map_fusion / filter_fusion / map_and_filter_fusion --------------------------------------

def test_map_fusion_composes_two_stateless_maps() -> None:
    ds = Dataset.from_tensor_slices(X).map(inc).map(dbl)
    assert opt(ds, "map_fusion") == (
        "map(deterministic=None, fn=inc+dbl, num_parallel_calls=None, vectorized=False, stateless=True)\n"
        f"  {SRC}")
    assert [int(v) for v in elements(ds, only("map_fusion"))] == [2 * (i + 1) for i in range(10)]


def test_map_fusion_needs_stateless_functions() -> None:
    assert fired(Dataset.from_tensor_slices(X).map(inc).map(logged), "map_fusion") == {}
    declared = Dataset.from_tensor_slices(X).map(inc)
    declared = declared._then(Map(inputs=(declared._plan,), fn=dbl, stateless=False))
    assert fired(declared, "map_fusion") == {}


def test_map_fusion_needs_the_same_parallelism() -> None:
    ds = Dataset.from_tensor_slices(X).map(inc, num_parallel_calls=2).map(dbl)
    assert fired(ds, "map_fusion") == {}


def test_map_fusion_normalizes_between_the_two_functions() -> None:
    # unfused, the second map sees the first's list output as a tuple of int32 scalars
    ds = Dataset.from_tensor_slices(X).map(lambda x: [1, 2]).map(lambda a, b: a + b)
    got = elements(ds, only("map_fusion"))
    assert fired(ds, "map_fusion") == {"map_fusion": 1}
    assert [(type(v), int(v)) for v in got] == [(np.int32, 3)] * 10


def test_filter_fusion_conjoins_two_stateless_predicates() -> None:
    ds = Dataset.from_tensor_slices(X).filter(even).filter(big)
    assert opt(ds, "filter_fusion") == f"filter(predicate=even&big, vectorized=False)\n  {SRC}"
    assert [int(v) for v in elements(ds, only("filter_fusion"))] == [4, 6, 8]


def test_filter_fusion_needs_stateless_predicates() -> None:
    ds = Dataset.from_tensor_slices(X).filter(even).filter(lambda x: bool(logged(x) > 3))
    assert fired(ds, "filter_fusion") == {}


def test_filter_fusion_still_checks_each_predicate_returns_a_bool() -> None:
    ds = Dataset.from_tensor_slices(X).filter(even).filter(lambda x: x + 1)
    from dataflowio.errors import InvalidArgumentError

    with pytest.raises(InvalidArgumentError, match="must return a scalar bool"):
        elements(ds, only("filter_fusion"))


def test_map_and_filter_fusion_fuses_a_plain_map_and_a_filter() -> None:
    ds = Dataset.from_tensor_slices(X).map(inc).filter(even)
    assert opt(ds, "map_and_filter_fusion") == (
        f"map_and_filter(fn=inc, predicate=even, map_name=None, filter_name=None)\n  {SRC}")
    assert [int(v) for v in elements(ds, only("map_and_filter_fusion"))] == [2, 4, 6, 8, 10]


def test_map_and_filter_fusion_preconditions() -> None:
    stateful = Dataset.from_tensor_slices(X).map(logged).filter(even)
    parallel = Dataset.from_tensor_slices(X).map(inc, num_parallel_calls=2).filter(even)
    vectorized = Dataset.from_tensor_slices(X).map(inc).filter(even)
    for ds in (stateful, parallel):
        assert fired(ds, "map_and_filter_fusion") == {}
    # a vectorized map is not fused (one call per chunk beats a fused per-element stage)
    assert "map_and_filter_fusion" not in fired(vectorized, "vectorized_map", "map_and_filter_fusion")


# ---- vectorized_map / map_and_batch_fusion ---------------------------------------------------

def test_vectorized_map_marks_a_stateless_map() -> None:
    ds = Dataset.from_tensor_slices(X).map(inc)
    assert opt(ds, "vectorized_map") == f"vectorized_map(fn=inc, stateless=True)\n  {SRC}"


@pytest.mark.parametrize("make", [
    lambda ds: ds.map(logged),                                   # not provably stateless
    lambda ds: ds._then(Map(inputs=(ds._plan,), fn=inc, stateless=False)),  # declared stateful
    lambda ds: ds._then(Map(inputs=(ds._plan,), fn=inc, vectorized=True)),  # already vectorized
])
def test_vectorized_map_preconditions(make: Any) -> None:
    assert fired(make(Dataset.from_tensor_slices(X)), "vectorized_map") == {}


def test_vectorized_map_keeps_a_parallel_map_parallel() -> None:
    ds = Dataset.from_tensor_slices(X).map(inc, num_parallel_calls=2).batch(4)
    assert opt(ds, "vectorized_map").splitlines()[1] == (
        "  vectorized_map(fn=inc, num_parallel_calls=2, stateless=True)")
    got = elements(ds, only("vectorized_map"))
    assert [b.tolist() for b in got] == [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10]]


def test_map_and_batch_fusion_golden() -> None:
    ds = Dataset.from_tensor_slices(X).map(inc).batch(4, drop_remainder=True)
    assert opt(ds, "map_and_batch_fusion") == (
        f"map_and_batch(fn=inc, batch_size=4, drop_remainder=True)\n  {SRC}")
    assert opt(ds, "vectorized_map", "map_and_batch_fusion") == (
        f"map_and_batch(fn=inc, batch_size=4, drop_remainder=True, stateless=True, vectorize=True)\n  {SRC}")
    got = elements(ds, only("vectorized_map", "map_and_batch_fusion"))
    assert [b.tolist() for b in got] == [[1, 2, 3, 4], [5, 6, 7, 8]]


def test_map_and_batch_fusion_preconditions() -> None:
    parallel_batch = Dataset.from_tensor_slices(X).map(inc).batch(4, num_parallel_calls=2)
    padded = Dataset.from_tensor_slices(X).map(inc).padded_batch(4)
    for ds in (parallel_batch, padded):
        assert fired(ds, "map_and_batch_fusion") == {}


@pytest.mark.parametrize("vectorize", [False, True])
@pytest.mark.parametrize("deterministic", [None, True])
def test_map_and_batch_fusion_keeps_a_parallel_map_parallel(vectorize: bool, deterministic: Any) -> None:
    ds = Dataset.from_tensor_slices(X).map(inc, num_parallel_calls=2,
                                           deterministic=deterministic).batch(4)
    rules = ("vectorized_map", "map_and_batch_fusion") if vectorize else ("map_and_batch_fusion",)
    extra = ", stateless=True, vectorize=True" if vectorize else ""
    det = "deterministic=True, " if deterministic else ""
    assert opt(ds, *rules) == (
        f"map_and_batch({det}fn=inc, batch_size=4, num_parallel_calls=2{extra})\n  {SRC}")
    got = elements(ds, only(*rules))
    assert [b.tolist() for b in got] == [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10]]


def test_vectorized_filter_golden_and_elements() -> None:
    ds = Dataset.from_tensor_slices(X).filter(even).batch(3)
    assert opt(ds, "vectorized_filter") == (
        "batch(deterministic=None, batch_size=3, drop_remainder=False, num_parallel_calls=None)\n"
        f"  vectorized_filter(predicate=even, vectorized=False)\n    {SRC}")
    assert [b.tolist() for b in elements(ds, only("vectorized_filter"))] == [[0, 2, 4], [6, 8]]


def test_vectorized_filter_needs_a_stateless_predicate() -> None:
    ds = Dataset.from_tensor_slices(X).filter(lambda x: bool(logged(x) > 3))
    assert fired(ds, "vectorized_filter") == {}


def test_vectorized_filter_leaves_a_declared_vectorized_filter_alone() -> None:
    from dataflowio.data.ops.filter import Filter

    base = Dataset.from_tensor_slices(X)
    ds = base._then(Filter(inputs=(base._plan,), predicate=even, vectorized=True))
    assert fired(ds, "vectorized_filter") == {}


def test_vectorized_filter_with_a_row_mixing_predicate_stays_per_element() -> None:
    def build() -> Dataset[Any]:  # per element always True; on a chunk only its maximum
        return Dataset.from_tensor_slices(X).filter(lambda x: x >= np.asarray(x).max()).batch(4)

    got = [b.tolist() for b in elements(build(), only("vectorized_filter"))]
    assert got == [b.tolist() for b in elements(build(), only())] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


# ---- map_parallelization / parallel_batch ----------------------------------------------------

def test_map_parallelization_golden() -> None:
    ds = Dataset.from_tensor_slices(X).map(inc)
    assert opt(ds, "map_parallelization") == (
        f"map(deterministic=None, fn=inc, num_parallel_calls=-1, vectorized=False, stateless=True)\n  {SRC}")
    assert [int(v) for v in elements(ds, only("map_parallelization"))] == list(range(1, 11))


@pytest.mark.parametrize("make", [
    lambda ds: ds.map(logged),                                   # may have side effects: never
    lambda ds: ds.map(inc, num_parallel_calls=1),                # the user chose sequential
    lambda ds: ds._then(Map(inputs=(ds._plan,), fn=inc, vectorized=True)),
])
def test_map_parallelization_preconditions(make: Any) -> None:
    assert fired(make(Dataset.from_tensor_slices(X)), "map_parallelization") == {}


def test_map_parallelization_skips_maps_already_vectorized() -> None:
    ds = Dataset.from_tensor_slices(X).map(inc)
    assert "map_parallelization" not in fired(ds, "vectorized_map", "map_parallelization")


def test_parallel_batch_golden_and_negatives() -> None:
    ds = Dataset.from_tensor_slices(X).map(logged).batch(4)
    assert opt(ds, "parallel_batch").splitlines()[0] == (
        "batch(deterministic=None, batch_size=4, drop_remainder=False, num_parallel_calls=-1)")
    assert [b.tolist() for b in elements(ds, only("parallel_batch"))] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    user_set = Dataset.from_tensor_slices(X).map(logged).batch(4, num_parallel_calls=2)
    assert fired(user_set, "parallel_batch") == {}


@pytest.mark.parametrize("make", [
    lambda ds: ds.batch(4),                                          # slices of a source
    lambda ds: ds.shuffle(4, seed=1).take(6).batch(4),               # index-level shuffle
    lambda ds: ds._then(Map(inputs=(ds._plan,), fn=inc, stateless=True)).shuffle(3).batch(4),
])
def test_parallel_batch_skips_inputs_that_are_already_columns(make: Any) -> None:
    assert fired(make(Dataset.from_tensor_slices(X)), "parallel_batch") == {}


# ---- shuffle_and_repeat_fusion / inject_prefetch ---------------------------------------------

def test_shuffle_and_repeat_fusion_golden() -> None:
    def build() -> Dataset[Any]:
        return Dataset.from_tensor_slices(X).shuffle(4, seed=7).repeat(3)

    assert opt(build(), "shuffle_and_repeat_fusion") == (
        f"shuffle_and_repeat(buffer_size=4, seed=7, reshuffle_each_iteration=True, count=3)\n  {SRC}")
    fused, plain = elements(build(), only("shuffle_and_repeat_fusion")), elements(build(), only())
    assert [int(v) for v in fused] == [int(v) for v in plain]
    assert [int(v) for v in plain[:10]] != [int(v) for v in plain[10:20]]  # passes reshuffle


def test_shuffle_and_repeat_fusion_needs_shuffle_right_below_repeat() -> None:
    ds = Dataset.from_tensor_slices(X).shuffle(4, seed=7).map(inc).repeat(3)
    assert fired(ds, "shuffle_and_repeat_fusion") == {}


def test_inject_prefetch_golden_and_negatives() -> None:
    ds = Dataset.from_tensor_slices(X).batch(4)
    assert opt(ds, "inject_prefetch").splitlines()[0] == "prefetch(buffer_size=-1)"
    assert fired(ds.prefetch(2), "inject_prefetch") == {}
    assert fired(Dataset.from_tensor_slices(X), "inject_prefetch") == {}  # a bare source
    o = only("inject_prefetch")
    o.autotune.enabled = False
    assert dict(optimize(ds._plan, o)[1]) == {}


# ---- defaults and explain --------------------------------------------------------------------

def test_default_rules_on_the_w3_pipeline() -> None:
    ds = (Dataset.from_tensor_slices((np.zeros((8, 4), np.uint8), X[:8]))
          .map(lambda x, y: (x.astype(np.float32) / 255, y)).shuffle(4, seed=1).repeat(2).batch(2))
    text = ds.explain()
    assert "== optimized plan" in text and "vectorized_map" in text and "shuffle_and_repeat" in text
    data = ds.explain(as_dict=True)
    assert data["fired"] == {"inject_prefetch": 1, "shuffle_and_repeat_fusion": 1,
                             "vectorized_map": 1}
    assert data["nodes_after"] == data["nodes_before"]


def test_apply_default_optimizations_false_runs_no_rule() -> None:
    o = Options()
    o.experimental_optimization.apply_default_optimizations = False
    ds = Dataset.from_tensor_slices(X).map(inc).take(-1).batch(2).with_options(o)
    assert ds.explain(as_dict=True)["fired"] == {}
    assert ds.explain(as_dict=True)["before"] == ds.explain(as_dict=True)["after"]


# ---- zero_copy_batch -------------------------------------------------------------------------


def test_zero_copy_batch_golden_and_elements() -> None:
    ds = Dataset.from_tensor_slices(X).batch(4).prefetch(2)
    assert opt(ds, "zero_copy_batch") == (
        "prefetch(buffer_size=2)\n"
        "  batch(deterministic=None, batch_size=4, drop_remainder=False, num_parallel_calls=None, "
        f"zero_copy=True)\n    {SRC}")
    got = elements(ds, only("zero_copy_batch"))
    assert [b.tolist() for b in got] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert all(not b.flags.writeable for b in got)


@pytest.mark.parametrize("make", [
    lambda base: base.batch(4).map(inc),               # the batch feeds a function
    lambda base: base.batch(4).unbatch(),              # ... or another transformation
    lambda base: base.batch(4, num_parallel_calls=2),  # stacked on worker threads
    lambda base: base.map(inc).batch(4),               # not rows of the source
])
def test_zero_copy_batch_preconditions(make: Any) -> None:
    ds = make(Dataset.from_tensor_slices(X))
    assert fired(ds, "zero_copy_batch") == {}
    assert all(np.asarray(e).flags.writeable for e in elements(ds, only("zero_copy_batch")))
