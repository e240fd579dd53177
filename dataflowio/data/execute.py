"""Lowering a logical plan to its iterator tree, and `DatasetIterator`, what `iter(ds)` returns.

`iter(ds)` optimizes the plan (the one hook: `optimized_plan`), opens every node bottom-up into
`DataIterator`s and wraps the root. The top-level iterator adds `save()` / `restore()` (state plus
the optimized plan's fingerprint), `stats()` and `close()`.

>>> from dataflowio.data.ops.range import Range
>>> from dataflowio.data.options import Options
>>> it = DatasetIterator(Range(stop=4), Options())
>>> int(next(it)), int(it.get_next())
(0, 1)
>>> state = it.save()
>>> it2 = DatasetIterator(Range(stop=4), Options()); it2.restore(state)
>>> [int(x) for x in it2]
[2, 3]
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from dataflowio.data.iterator import Chunk, DataIterator
from dataflowio.data.options import Options
from dataflowio.data.plan import ExecContext, Node, fingerprint
from dataflowio.data.runtime.stats import instrument
from dataflowio.errors import FailedPreconditionError, InvalidArgumentError


class PlanMismatchError(FailedPreconditionError, InvalidArgumentError):
    """A checkpoint from a different optimized plan (both error classes, as the contract allows)."""


def _optimizer() -> Callable[..., Any] | None:
    try:
        module = importlib.import_module("dataflowio.data.optimize")
    except ImportError:
        return None
    return getattr(module, "optimize", None)


def optimized_plan(plan: Node, options: Options) -> Node:
    """The plan the iterator runs: `dataflowio.data.optimize.optimize(plan, options)` when the
    optimizer exists, else the plan as is. The only place that calls the optimizer."""
    optimize = _optimizer()
    if optimize is None:
        return plan
    out = optimize(plan, options)
    if isinstance(out, tuple):  # (plan, fired counter)
        out = out[0]
    return out


def lower(node: Node, ctx: ExecContext) -> DataIterator:
    """Opens `node` and (first) its inputs into a fresh iterator tree.

    Shared sub-plans get one iterator per consumer, as each reads at its own pace.
    """
    inputs = tuple(lower(i, ctx) for i in node.inputs)
    return instrument(node.open(inputs, ctx), node, ctx)  # stage label + cheap timing for stats()


def plan_fingerprint(plan: Node, options: Options) -> str:
    """The fingerprint that save() writes: the optimized plan's shape plus the rule set."""
    rules = ",".join(options.experimental_optimization.enabled_rules())
    return fingerprint(plan, rules)


class DatasetIterator:
    """The iterator `iter(ds)` returns: elements, `save()` / `restore()`, `stats()`, `close()`."""

    def __init__(self, plan: Node, options: Options | None = None,
                 tensor_values: dict[Any, Any] | None = None) -> None:
        self._closed = True  # until the tree is open (so __del__ after a failure is safe)
        self.options = options if options is not None else Options()
        self.plan = optimized_plan(plan, self.options)
        self.ctx = ExecContext(self.options)
        if tensor_values is not None:
            self.ctx.resources["tensor_values"] = tensor_values
        self.ctx.resources["plan"] = self.plan
        self.root: DataIterator = lower(self.plan, self.ctx)
        self._closed = False
        self._fingerprint: str | None = None

    @property
    def fingerprint(self) -> str:
        if self._fingerprint is None:
            self._fingerprint = plan_fingerprint(self.plan, self.options)
        return self._fingerprint

    def __iter__(self) -> DatasetIterator:
        return self

    def __next__(self) -> Any:
        if self._closed:
            raise StopIteration
        return next(self.root)

    def get_next(self) -> Any:
        """The next element; `StopIteration` at the end (`OutOfRangeError` is the graph's form)."""
        return self.__next__()

    def next_chunk(self, n: int) -> Chunk:
        """Up to `n` elements at once (the fast path for consumers that take batches of batches)."""
        if self._closed:
            raise StopIteration
        return self.root.next_chunk(n)

    def save(self) -> dict[str, Any]:
        """The iterator's position as plain JSON-able data (includes the plan fingerprint)."""
        return {"version": 1, "fingerprint": self.fingerprint, "state": self.root.get_state()}

    def restore(self, state: dict[str, Any]) -> None:
        """Continues exactly after the element `state` was saved at.

        Raises:
          FailedPreconditionError (also an InvalidArgumentError): the state comes from a pipeline
            that optimizes to a different plan.
        """
        if not isinstance(state, dict) or "state" not in state or "fingerprint" not in state:
            raise InvalidArgumentError(
                "DatasetIterator.restore: expected the dict that save() returned, "
                f"got {type(state).__name__}.")
        if state["fingerprint"] != self.fingerprint:
            raise PlanMismatchError(
                f"DatasetIterator.restore: checkpoint was taken with plan {state['fingerprint']} but "
                f"this pipeline optimizes to {self.fingerprint}; restore with the same options "
                "(and the same transformations).")
        self.root.set_state(state["state"])

    def stats(self) -> dict[str, Any]:
        """Per-stage statistics as data (filled in by the runtime; see `dataflowio.data.runtime`)."""
        hook = self.ctx.resources.get("stats")
        if hook is not None:
            return hook(self)
        return {"stages": [_stage(it) for it in _iterators(self.root)]}

    def close(self) -> None:
        """Stops threads and releases files; idempotent, never raises."""
        if self._closed:
            return
        self._closed = True
        try:
            self.root.close()
        except Exception:  # noqa: BLE001, S110 - close() never raises
            pass
        self.ctx.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001, S110 - __del__ never raises
            pass

    def __enter__(self) -> DatasetIterator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _iterators(root: DataIterator) -> list[DataIterator]:
    out, stack = [], [root]
    while stack:
        it = stack.pop()
        out.append(it)
        stack.extend(reversed(it.children()))
    return out


def _stage(it: DataIterator) -> dict[str, Any]:
    out = {"name": it.name, "type": type(it).__name__}
    counters = getattr(it, "stage_stats", None)  # ops with counters of their own (ignore_errors)
    if counters is not None:
        out.update(counters())
    return out
