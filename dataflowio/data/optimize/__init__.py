"""The pipeline optimizer: rewrite rules over the logical plan, switched by `Options`.

`optimize(plan, options)` returns the rewritten plan and a `Counter` of how often each rule
fired. Rules live one per module in this package (each module's docstring states its rewrite,
its preconditions and its payoff) and are switched by the flag of the same name in
`Options().experimental_optimization`. Every rule keeps the elements (and their order) exactly
as the unoptimized plan produces them; `explain()` shows what changed.

Rules on by default (tf.data 2.21's defaults plus ours):
  noop_elimination, map_and_batch_fusion, map_parallelization, parallel_batch,
  shuffle_and_repeat_fusion, inject_prefetch (tf.data's); vectorized_map, vectorized_filter,
  source_pushdown and zero_copy_batch (ours); map_fusion and filter_fusion (off in tf.data, on here: they only fuse stateless
  functions, which makes them always safe, and save one iterator hop per element in a Python
  engine). map_and_filter_fusion stays off as in tf.data: with `vectorized_map` on, the maps it
  could fuse are vectorized instead, which is faster.

>>> from dataflowio.data import Dataset
>>> ds = Dataset.range(8).map(lambda x: x + 1).take(-1).batch(4)
>>> plan, fired = optimize(ds._plan, ds.options())
>>> print(pretty(plan))
prefetch(buffer_size=-1)
  map_and_batch(fn=<lambda>, batch_size=4, stateless=True, vectorize=True)
    range(start=0, stop=8, step=1, dtype=tf.int64)
>>> sorted(fired)
['inject_prefetch', 'map_and_batch_fusion', 'noop_elimination', 'vectorized_map']
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from dataflowio.data.optimize.rewrite import Rule, node_count, rewrite
from dataflowio.data.options import Options
from dataflowio.data.plan import Node, pretty

# Rules that rewrite anywhere in the plan, in the order they are tried at each node. Fusions
# come before the rules that would change a node's parallelism (which blocks fusion).
_LOCAL_RULES = (
    "noop_elimination",
    "source_pushdown",
    "map_fusion",
    "filter_fusion",
    "map_and_filter_fusion",
    "vectorized_map",
    "vectorized_filter",
    "map_and_batch_fusion",
    "map_parallelization",
    "parallel_batch",
    "shuffle_and_repeat_fusion",
)
# Rules about the plan as a whole, run once after the local ones.
_ROOT_RULES = ("zero_copy_batch", "inject_prefetch")
RULE_NAMES = _LOCAL_RULES + _ROOT_RULES


def _rule(name: str) -> Rule:
    import importlib

    return importlib.import_module(f"dataflowio.data.optimize.{name}").RULE


def enabled(options: Options | None) -> list[str]:
    """The rule names in force for `options`, in the order they run."""
    on = set((options or Options()).experimental_optimization.enabled_rules())
    return [n for n in RULE_NAMES if n in on]


def optimize(plan: Node, options: Options | None = None) -> tuple[Node, Counter[str]]:
    """Returns `(optimized_plan, fired)`: the plan rewritten by the enabled rules, and how many
    times each rule fired. The input plan is not changed (nodes are immutable)."""
    names = enabled(options)
    local = [_rule(n) for n in names if n in _LOCAL_RULES]
    new, fired = rewrite(plan, local) if local else (plan, Counter())
    autotune = (options or Options()).autotune.get("enabled") is not False
    for name in names:
        if name == "inject_prefetch" and not autotune:
            continue  # as in tf.data: no injected prefetch when autotuning is off
        if name in _ROOT_RULES:
            out = _rule(name).apply(new)
            if out is not None:
                new = out
                fired[name] += 1
    return new, fired


def explain_data(plan: Node, options: Options | None = None) -> dict[str, Any]:
    """The optimizer's work on `plan` as data: plans before/after (`pretty()`), fired rules, the
    enabled rules and node counts."""
    new, fired = optimize(plan, options)
    return {
        "before": pretty(plan),
        "after": pretty(new),
        "fired": dict(sorted(fired.items())),
        "enabled": enabled(options),
        "nodes_before": node_count(plan),
        "nodes_after": node_count(new),
    }


def explain_text(data: dict[str, Any]) -> str:
    """`explain_data`'s result as the text `Dataset.explain()` returns."""
    fired = ", ".join(f"{k} x{v}" for k, v in data["fired"].items()) or "none"
    return (f"== logical plan ({data['nodes_before']} nodes) ==\n{data['before']}\n"
            f"== optimized plan ({data['nodes_after']} nodes) ==\n{data['after']}\n"
            f"== rules fired ==\n{fired}\n")


__all__ = ["RULE_NAMES", "Rule", "enabled", "explain_data", "explain_text", "optimize", "rewrite"]
