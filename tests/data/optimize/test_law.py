"""The optimizer's law: with every rule on, every rule off, and each rule alone, a pipeline yields
exactly the same elements (values, dtypes, shapes, order). Also: optimize is idempotent and never
grows the plan (except inject_prefetch's one node), and checkpoints survive optimized plans.
"""

from __future__ import annotations

from dataclasses import replace as dc_replace
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dataflowio.data import Dataset, Options
from dataflowio.data.ops.map import Map
from dataflowio.data.optimize import RULE_NAMES, optimize
from dataflowio.data.optimize.rewrite import node_count
from dataflowio.data.plan import Node, pretty
from tests.harness import assert_checkpoint_roundtrip, assert_same_elements, take_list
from tests.reference import pipeline as ref
from tests.strategies import Pipeline, pipelines, transform

LIMIT = 400


def only(*rules: str) -> Options:
    """Options with exactly `rules` switched on (defaults off)."""
    o = Options()
    o.experimental_optimization.apply_default_optimizations = False
    for r in rules:
        setattr(o.experimental_optimization, r, True)
    return o


def all_on() -> Options:
    return only(*RULE_NAMES)


def declare_stateless(node: Node, memo: dict[int, Node] | None = None) -> Node:
    """The plan with every map declared stateless (the strategies' functions are pure), so the
    rules that need stateless functions get to fire."""
    memo = {} if memo is None else memo
    if id(node) in memo:
        return memo[id(node)]
    inputs = tuple(declare_stateless(i, memo) for i in node.inputs)
    out = node if all(a is b for a, b in zip(inputs, node.inputs)) else node.replace(inputs=inputs)
    if type(out) is Map and out.stateless is None:
        out = out.replace(stateless=True)
    memo[id(node)] = out
    return out


def _noop(x: Any) -> Any:
    return x


# Pure steps the optimizer has rules for; each keeps the reference in step.
@st.composite
def optimizer_steps(draw: Any, p: Pipeline) -> Pipeline:
    kind = draw(st.sampled_from(["take_all", "skip0", "repeat1", "prefetch0", "shard1",
                                 "identity", "shuffle_repeat", "double_map", "pure_filter",
                                 "map_filter", "parallel_map", "num_filter", "strategy"]))
    ds, xs = p.ds, p.expected
    if kind == "take_all":
        return Pipeline(ds.take(-1), xs, p.steps + ["take(-1)"])
    if kind == "skip0":
        return Pipeline(ds.skip(0), xs, p.steps + ["skip(0)"])
    if kind == "repeat1":
        return Pipeline(ds.repeat(1), xs, p.steps + ["repeat(1)"])
    if kind == "prefetch0":
        return Pipeline(ds.prefetch(0), xs, p.steps + ["prefetch(0)"])
    if kind == "shard1":
        return Pipeline(ds.shard(1, 0), xs, p.steps + ["shard(1, 0)"])
    if kind == "identity":
        fn = (lambda *a: a) if type(ds.element_spec) is tuple else (lambda a: a)
        return Pipeline(ds.map(fn), xs, p.steps + ["map(identity)"])
    if kind == "shuffle_repeat" and len(xs) <= 40:
        from dataflowio import random as df_random
        from dataflowio.data.ops.shuffle import BlockRng

        b, seed, c = draw(st.integers(1, 6)), draw(st.integers(0, 99)), draw(st.integers(0, 3))
        rng = BlockRng([df_random.DEFAULT_GRAPH_SEED, seed, 0])
        once = ref.shuffle(xs, b, rng.index)
        return Pipeline(ds.shuffle(b, seed=seed, reshuffle_each_iteration=False).repeat(c),
                        list(ref.repeat(once, c)), p.steps + [f"shuffle({b}).repeat({c})"])
    if kind == "double_map":
        from tests.strategies import map_fn_for

        f = map_fn_for(ds.element_spec)
        once = ref.map_(xs, f)
        return Pipeline(ds.map(f).map(f), ref.map_(once, f), p.steps + ["map(bump).map(bump)"])
    spec = ds.element_spec
    if kind == "num_filter" and type(spec) is not tuple and not isinstance(spec, dict) \
            and spec.dtype.name.startswith("int") and spec.shape.rank == 0:
        mod = draw(st.integers(2, 3))
        pred = (lambda x: x % mod != 0)  # row-wise: vectorized after its trial
        return Pipeline(ds.filter(pred), ref.filter_(xs, pred), p.steps + [f"filter(x % {mod})"])
    if kind == "parallel_map":
        from tests.strategies import map_fn_for

        f = map_fn_for(ds.element_spec)
        return Pipeline(ds.map(f, num_parallel_calls=2), ref.map_(xs, f), p.steps + ["map(bump, 2)"])
    if kind in ("pure_filter", "map_filter"):
        from tests.strategies import map_fn_for

        if kind == "map_filter":
            f = map_fn_for(ds.element_spec)
            ds, xs = ds.map(f), ref.map_(xs, f)
        mod = draw(st.integers(2, 3))
        pred = (lambda *a: np.bool_(len(repr(a)) % mod != 0))  # pure: provably stateless
        return Pipeline(ds.filter(pred), ref.filter_(xs, pred), p.steps + [f"{kind}({mod})"])
    return draw(transform(p))


@st.composite
def optimizable(draw: Any) -> Pipeline:
    p = draw(pipelines(min_steps=0, max_steps=2))
    for _ in range(draw(st.integers(1, 4))):
        p = draw(optimizer_steps(p))
    return Pipeline(Dataset(declare_stateless(p.ds._plan)), p.expected, p.steps)


def elements(ds: Dataset[Any], options: Options) -> list[Any]:
    it = iter(ds.with_options(options))
    try:
        return take_list(it, LIMIT)
    finally:
        it.close()


@settings(deadline=None)
@given(optimizable())
def test_every_rule_setting_yields_the_same_elements(p: Pipeline) -> None:
    off = elements(p.ds, only())
    assert_same_elements(off, take_list(iter(p.expected), LIMIT), f"no rules: {p}")
    assert_same_elements(elements(p.ds, all_on()), off, f"all rules: {p}")
    assert_same_elements(elements(p.ds, Options()), off, f"default rules: {p}")
    for rule in RULE_NAMES:
        assert_same_elements(elements(p.ds, only(rule)), off, f"only {rule}: {p}")


@settings(deadline=None)
@given(optimizable())
def test_optimize_is_idempotent_and_never_grows_the_plan(p: Pipeline) -> None:
    plan = p.ds._plan
    once, fired = optimize(plan, all_on())
    twice, fired2 = optimize(once, all_on())
    assert pretty(twice) == pretty(once)
    assert sum(fired2.values()) == 0, dict(fired2)
    assert node_count(once) <= node_count(plan) + (1 if fired["inject_prefetch"] else 0)
    assert once.cardinality() == plan.cardinality()
    assert repr(once.element_spec()) == repr(plan.element_spec())


@settings(deadline=None, max_examples=15)
@given(optimizable(), st.integers(0, 12))
def test_checkpoints_of_optimized_plans_resume_exactly(p: Pipeline, at: int) -> None:
    assert_checkpoint_roundtrip(p.ds.with_options(all_on()), at=at, limit=LIMIT)


def test_w3_shaped_pipeline_is_identical_with_and_without_the_optimizer() -> None:
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (3000, 16), dtype=np.uint8)
    y = rng.integers(0, 10, 3000).astype(np.int64)

    def build() -> Dataset[Any]:
        return (Dataset.from_tensor_slices((x, y)).map(lambda a, b: (a.astype(np.float32) / 255, b))
                .shuffle(500, seed=1).repeat(2).batch(128).prefetch(-1))

    got = elements(build(), Options())
    want = elements(build(), only())
    assert len(got) == len(want) == 47
    assert_same_elements(got, want, "W3")
    fired = build().explain(as_dict=True)["fired"]
    assert {"vectorized_map", "shuffle_and_repeat_fusion"} <= set(fired)


def test_dc_replace_keeps_shuffle_seed_source() -> None:
    ds = Dataset.range(5).shuffle(5, seed=3)
    node = ds._plan
    assert dc_replace(node).seed_source is node.seed_source


@settings(deadline=None, max_examples=25)
@given(st.integers(0, 60), st.integers(1, 20), st.integers(0, 99), st.none() | st.integers(0, 3),
       st.integers(1, 9), st.booleans(), st.booleans())
def test_w7_shaped_pipelines_are_identical_with_and_without_the_optimizer(
        n: int, buffer: int, seed: int, count: int | None, batch: int, drop: bool, reshuffle: bool) -> None:
    x = np.arange(n * 3, dtype=np.uint8).reshape(n, 3)
    y = np.arange(n, dtype=np.int64)

    def build() -> Dataset[Any]:
        ds = Dataset.from_tensor_slices((x, y)).map(lambda a, b: (a.astype(np.float32) / 255, b))
        ds = ds.shuffle(buffer, seed=seed, reshuffle_each_iteration=reshuffle)
        return ds.repeat(count).batch(batch, drop_remainder=drop).take(12)

    assert_same_elements(elements(build(), Options()), elements(build(), only()), "W7-shaped")


def test_a_rewritten_node_keeps_the_spec_of_the_node_it_replaced() -> None:
    """Found by the law above on Python 3.12: map fusion composes a new function, whose spec,
    inferred from the first padded batches again, lost the static `2` of `b`."""
    value = {"a": np.zeros(6, np.int32), "b": np.arange(12, dtype=np.float32).reshape(6, 2)}
    inc = lambda d: {"a": d["a"] + 1, "b": d["b"] + 1}
    ds = Dataset.from_tensor_slices(value).padded_batch(2).map(inc, num_parallel_calls=2) \
        .map(inc, num_parallel_calls=2)
    once, fired = optimize(ds._plan, all_on())
    assert fired["map_fusion"] == 1
    assert repr(once.element_spec()) == repr(ds._plan.element_spec())
    assert once.element_spec()["b"].shape.as_list() == [None, 2]
