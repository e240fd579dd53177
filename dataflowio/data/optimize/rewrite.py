"""The rewrite driver: `Rule`s applied bottom-up over a logical plan until nothing changes.

A rule is a function `Node -> Node | None`: it returns a replacement for the node it is given, or
None when it does not apply. Rules never raise and never mutate (plans are immutable). The driver
rewrites a node's inputs first, then applies the rules to the node itself until none fires; shared
sub-plans (the same node object read twice, e.g. by `zip(ds, ds)`) are rewritten once.

>>> from dataclasses import dataclass
>>> from dataflowio.data.plan import Node, pretty
>>> @dataclass(frozen=True, kw_only=True, eq=False)
... class Inc(Node):
...     op_name = "inc"
...     k: int = 1
>>> def fold(node):   # inc(a) -> inc(b)  ==>  inc(a + b)
...     up = node.inputs[0] if node.inputs else None
...     if isinstance(node, Inc) and isinstance(up, Inc) and up.inputs:
...         return node.replace(inputs=up.inputs, k=node.k + up.k)
...     return None
>>> plan = Inc(inputs=(Inc(inputs=(Inc(inputs=(Inc(k=0),), k=2),), k=3),), k=4)
>>> new, fired = rewrite(plan, [Rule("fold", fold)])
>>> print(pretty(new)); dict(fired)
inc(k=9)
  inc(k=0)
{'fold': 2}
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from dataflowio.data.plan import Node, walk
from dataflowio.errors import OptimizerError


@dataclass(frozen=True)
class Rule:
    """A named rewrite: `apply(node)` returns the replacement node, or None when it does not apply."""

    name: str
    apply: Callable[[Node], Node | None]


def rewrite(root: Node, rules: Sequence[Rule], *, limit: int = 10_000) -> tuple[Node, Counter[str]]:
    """Returns `(new_root, fired)`: the plan rewritten bottom-up to a fixpoint, and rule counts.

    Args:
      root: the output node of the plan.
      rules: tried in order at each node; the first that returns a node wins, then all are
        tried again on the result.
      limit: rewrites allowed at one node before giving up.

    Raises:
      OptimizerError: when a node keeps being rewritten `limit` times (two rules undoing each
        other).
    """
    fired: Counter[str] = Counter()
    # id -> (node, result); holding `node` keeps it alive so its id is never reused mid-rewrite.
    memo: dict[int, tuple[Node, Node]] = {}

    def settle(node: Node) -> Node:
        for _ in range(limit):
            hit = None
            for rule in rules:
                out = rule.apply(node)
                if out is not None:
                    hit = (rule, out)
                    break
            if hit is None:
                return node
            fired[hit[0].name] += 1
            # The replacement's own inputs may now be rewritable (e.g. a fused node exposes a
            # new neighbour), so settle them too before trying the rules here again.
            new = _visit_inputs(hit[1])
            if "spec_of" not in new._cache and all(new is not n for n in walk(node)):
                # a rewrite keeps the elements, so it keeps their spec: inferring it again (for
                # a fused function, say) could only lose precision
                new._cache["spec_of"] = node
            node = new
        raise OptimizerError(
            f"optimize: rewrite did not settle after {limit} steps at {node.label()}; "
            f"fired so far: {dict(fired)}.\n"
            "  hint: two rules probably undo each other; switch one off in "
            "Options().experimental_optimization.")

    def _visit_inputs(node: Node) -> Node:
        inputs = tuple(visit(i) for i in node.inputs)
        if all(a is b for a, b in zip(inputs, node.inputs)):
            return node
        return node.replace(inputs=inputs)

    def visit(node: Node) -> Node:
        hit = memo.get(id(node))
        if hit is not None and hit[0] is node:
            return hit[1]
        out = settle(_visit_inputs(node))
        memo[id(node)] = (node, out)
        memo[id(out)] = (out, out)  # a settled node is its own fixpoint
        return out

    return visit(root), fired


def node_count(root: Node) -> int:
    """Number of distinct nodes in the plan (shared sub-plans count once)."""
    return sum(1 for _ in walk(root))
