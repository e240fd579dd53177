"""The logical plan: immutable `Node`s that describe a pipeline and do no work.

A node holds its inputs, its arguments and static facts the optimizer may rely on. Iterating a
dataset optimizes the plan (`dataflowio.data.optimize`) and then calls each node's `open()` to
build the iterator tree (`dataflowio.data.execute`).

>>> from dataclasses import dataclass
>>> @dataclass(frozen=True, kw_only=True, eq=False)
... class Demo(Node):
...     op_name = "demo"
...     k: int = 1
>>> a = Demo(k=2); b = Demo(inputs=(a,), k=3)
>>> print(pretty(b))
demo(k=3)
  demo(k=2)
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Iterator

if TYPE_CHECKING:
    from dataflowio.data.iterator import DataIterator
    from dataflowio.data.options import Options


@dataclass(frozen=True, kw_only=True, eq=False)
class Node:
    """Base of every logical node. Subclasses are frozen dataclasses named after their op.

    Static facts (class variables, safe defaults):
      op_name:            the name shown by `pretty()` and in error messages ("map", "batch").
      deterministic:      output order does not depend on thread timing.
      stateful_fn:        the node calls a user function that may keep state (blocks fusion).
      preserves_cardinality: one output per input element.
    """

    inputs: tuple[Node, ...] = ()
    name: str | None = None

    op_name: ClassVar[str] = "node"
    deterministic: ClassVar[bool] = True
    stateful_fn: ClassVar[bool] = False
    preserves_cardinality: ClassVar[bool] = False

    # Filled in lazily by the facade (element_spec / cardinality are computed once per node).
    _cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def open(self, inputs: tuple[DataIterator, ...], ctx: ExecContext) -> DataIterator:
        """Builds this node's iterator over its already-opened `inputs`."""
        raise NotImplementedError(f"{type(self).__name__}.open")

    def element_spec(self) -> Any:
        """The (nested) TensorSpec of one element; nodes override `_element_spec`. A node an
        optimizer rewrite made has the spec of the node it replaced (`_cache["spec_of"]`)."""
        if "spec" not in self._cache:
            replaced = self._cache.get("spec_of")
            self._cache["spec"] = replaced.element_spec() if replaced is not None else self._element_spec()
        return self._cache["spec"]

    def _element_spec(self) -> Any:
        return self.inputs[0].element_spec()

    def cardinality(self) -> int:
        """Number of elements, or INFINITE (-1) / UNKNOWN (-2) as tf.data defines them."""
        if "card" not in self._cache:
            self._cache["card"] = self._cardinality()
        return self._cache["card"]

    def _cardinality(self) -> int:
        if self.preserves_cardinality and self.inputs:
            return self.inputs[0].cardinality()
        return UNKNOWN

    def replace(self, **changes: Any) -> Node:
        """A copy with some fields changed (nodes are immutable); caches are not copied."""
        changes.setdefault("_cache", {})
        return dataclasses.replace(self, **changes)

    def args(self) -> dict[str, Any]:
        """The node's own arguments (every field but inputs, name and caches), for `pretty()`."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)
                if f.name not in ("inputs", "name", "_cache") and f.repr}

    def label(self) -> str:
        """One line: `op(arg=value, ...)`, functions shown by name."""
        parts = [f"{k}={_short(v)}" for k, v in self.args().items()]
        if self.name:
            parts.insert(0, f"name={self.name!r}")
        return f"{self.op_name}({', '.join(parts)})"


INFINITE = -1
UNKNOWN = -2


class ExecContext:
    """What every iterator may need while it runs: options, the seed source, shared resources.

    One context is made per top-level iterator. The runtime adds shared thread pools, stats and
    cancellation to it; ops should reach for those only through this object.
    """

    def __init__(self, options: Options) -> None:
        self.options = options
        self.resources: dict[str, Any] = {}
        self.closers: list[Callable[[], None]] = []

    def on_close(self, fn: Callable[[], None]) -> None:
        self.closers.append(fn)

    def close(self) -> None:
        while self.closers:
            try:
                self.closers.pop()()
            except Exception:  # noqa: BLE001 - close() never raises
                pass


def walk(root: Node) -> Iterator[Node]:
    """Every node of the plan once, inputs before the nodes that read them."""
    seen: set[int] = set()
    order: list[Node] = []

    def visit(n: Node) -> None:
        if id(n) in seen:
            return
        seen.add(id(n))
        for i in n.inputs:
            visit(i)
        order.append(n)

    visit(root)
    return iter(order)


def pretty(root: Node, indent: int = 0) -> str:
    """The plan as an indented tree, the output node first."""
    lines = ["  " * indent + root.label()]
    for i in root.inputs:
        lines.append(pretty(i, indent + 1))
    return "\n".join(lines)


def fingerprint(root: Node, extra: str = "") -> str:
    """A short hash of the plan's shape and arguments (for checkpoint compatibility checks)."""
    return hashlib.sha1((pretty(root) + "|" + extra).encode()).hexdigest()[:12]


def _short(v: Any) -> str:
    if callable(v) and not isinstance(v, type):
        return getattr(v, "__qualname__", None) or getattr(v, "__name__", None) or type(v).__name__
    if isinstance(v, Node):
        return f"<{v.op_name}>"
    if isinstance(v, (tuple, list)) and v and isinstance(v[0], Node):
        return f"[{len(v)} plans]"
    r = repr(v)
    return r if len(r) <= 40 else r[:37] + "..."
