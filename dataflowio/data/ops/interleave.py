"""`Dataset.interleave`: maps each input element to a dataset and mixes their elements round-robin.

TensorFlow's exact order: `cycle_length` input elements are open at once; `block_length`
consecutive elements are taken from one before moving to the next slot; an exhausted slot is
refilled from the input in place (`cycle_length` defaults to the number of usable CPU cores, as
tf.data's AUTOTUNE does). With `num_parallel_calls` the runtime's parallel iterator
(`dataflowio.data.runtime.parallel_interleave`) produces the same order when `deterministic`.

Checkpoints store, for each open slot, the input element (as data) and its iterator's state; a
restore re-creates each slot's dataset with the function and moves it to that state.

>>> from dataflowio.data.ops.range import Range
>>> from dataflowio.data.ops._nested import open_plan
>>> from dataflowio.data.plan import ExecContext
>>> from dataflowio.data.options import Options
>>> node = Interleave(inputs=(Range(start=1, stop=4),),
...                   fn=lambda x: Range(start=0, stop=int(x)), cycle_length=2, block_length=1)
>>> [int(v) for v in open_plan(node, ExecContext(Options()))]
[0, 0, 1, 0, 1, 2]
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dataflowio.data.iterator import DataIterator, State
from dataflowio.data.ops._fn import add_note, call_fn, check_arity, fn_name, num_args_for
from dataflowio.data.ops._nested import (
    dataset_fn_spec,
    decode_value,
    encode_value,
    open_plan,
    plan_of,
)
from dataflowio.data.plan import UNKNOWN, ExecContext, Node
from dataflowio.errors import InvalidArgumentError

AUTOTUNE = -1


def default_cycle_length() -> int:
    """tf.data's AUTOTUNE cycle length: the number of CPU cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def check_positive_or_autotune(value: Any, arg: str, where: str) -> None:
    """Raises InvalidArgumentError unless `value` is None, AUTOTUNE (-1) or a positive int."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) and not hasattr(value, "__index__"):
        raise InvalidArgumentError(f"{where}: `{arg}` must be a positive integer or AUTOTUNE, got "
                                   f"{type(value).__name__}: {value!r:.40}.")
    if int(value) != AUTOTUNE and int(value) <= 0:
        raise InvalidArgumentError(f"{where}: `{arg}` must be > 0 or AUTOTUNE (-1), got {int(value)}.")


def where_of(node: Node, fn: Any) -> str:
    """`Dataset.<op>(<fn name>)`, or `Dataset.<op>(name=...)` for named nodes: used in error notes."""
    if node.name:
        return f"Dataset.{node.op_name}(name={node.name!r})"
    return f"Dataset.{node.op_name}({fn_name(fn)})"


def make_sub_plan(fn: Callable[..., Any], element: Any, where: str) -> Node:
    """Calls the user function on one input element and returns the plan of the dataset it made."""
    try:
        out = call_fn(fn, element)
    except StopIteration as e:  # would silently end the iteration otherwise
        raise InvalidArgumentError(f"{where}: the function raised StopIteration.") from e
    except Exception as e:
        add_note(e, f"in {where}")
        raise
    return plan_of(out, where)


@dataclass(frozen=True, kw_only=True, eq=False)
class Interleave(Node):
    fn: Callable[..., Any]
    cycle_length: int | None = None
    block_length: int | None = None
    num_parallel_calls: int | None = None
    deterministic: bool | None = None  # type: ignore[assignment]

    op_name = "interleave"
    stateful_fn = True

    def __post_init__(self) -> None:
        where = self.where()
        check_positive_or_autotune(self.cycle_length, "cycle_length", where)
        if self.block_length is not None and (isinstance(self.block_length, bool)
                                              or int(self.block_length) <= 0):
            raise InvalidArgumentError(f"{where}: `block_length` must be > 0, got {self.block_length}.")
        check_positive_or_autotune(self.num_parallel_calls, "num_parallel_calls", where)
        if self.inputs:
            check_arity(self.fn, num_args_for(self.inputs[0].element_spec()), where)

    def where(self) -> str:
        return where_of(self, self.fn)

    def resolved_cycle_length(self) -> int:
        c = self.cycle_length
        return default_cycle_length() if c is None or int(c) == AUTOTUNE else int(c)

    def resolved_block_length(self) -> int:
        return 1 if self.block_length is None else int(self.block_length)

    def open(self, inputs: tuple[DataIterator, ...], ctx: ExecContext) -> DataIterator:
        if self.num_parallel_calls is not None:
            parallel = _parallel_opener()
            if parallel is not None:
                return parallel(self, inputs[0], ctx)
        return InterleaveIterator(self, inputs[0], ctx)

    def _element_spec(self) -> Any:
        return dataset_fn_spec(self.fn, self.inputs[0], self.where())

    def _cardinality(self) -> int:
        return UNKNOWN


def _parallel_opener() -> Callable[..., DataIterator] | None:
    """The runtime's parallel interleave iterator factory, when the runtime provides one."""
    try:
        from dataflowio.data.runtime import parallel_interleave
    except ImportError:
        return None
    return getattr(parallel_interleave, "open_parallel_interleave", None)


class _Slot:
    __slots__ = ("element", "it")

    def __init__(self, element: Any, it: DataIterator) -> None:
        self.element = element
        self.it = it


class InterleaveIterator(DataIterator):
    """The sequential iterator: TensorFlow's InterleaveDataset loop, one element at a time."""

    def __init__(self, node: Interleave, source: DataIterator, ctx: ExecContext) -> None:
        super().__init__(source, name="interleave")
        self._node = node
        self._ctx = ctx
        self._where = node.where()
        self._cycle_length = node.resolved_cycle_length()
        self._block_length = node.resolved_block_length()
        self._slots: list[_Slot | None] = [None] * self._cycle_length
        self._cycle = 0
        self._block = 0
        self._end_of_input = False
        self._num_open = 0

    def _open_slot(self, element: Any) -> _Slot:
        plan = make_sub_plan(self._node.fn, element, self._where)
        return _Slot(element, open_plan(plan, self._ctx))

    def _advance(self) -> None:
        self._block = 0
        self._cycle = (self._cycle + 1) % self._cycle_length

    def __next__(self) -> Any:
        while not self._end_of_input or self._num_open > 0:
            slot = self._slots[self._cycle]
            if slot is not None:
                try:
                    value = next(slot.it)
                except StopIteration:
                    slot.it.close()
                    self._slots[self._cycle] = None
                    self._num_open -= 1
                    self._advance()
                    continue
                self._block += 1
                if self._block == self._block_length:
                    self._advance()
                return value
            if not self._end_of_input:
                try:
                    element = next(self.source)
                except StopIteration:
                    self._end_of_input = True
                    continue
                self._slots[self._cycle] = self._open_slot(element)
                self._num_open += 1
            else:
                self._advance()
        raise StopIteration

    def get_state(self) -> State:
        slots = [None if s is None else {"element": encode_value(s.element), "it": s.it.get_state()}
                 for s in self._slots]
        return {"input": self.source.get_state(), "cycle": self._cycle, "block": self._block,
                "end_of_input": self._end_of_input, "slots": slots}

    def set_state(self, state: State) -> None:
        self._close_slots()
        self.source.set_state(state["input"])
        self._cycle, self._block = int(state["cycle"]), int(state["block"])
        self._end_of_input = bool(state["end_of_input"])
        self._slots = [None] * self._cycle_length
        for i, s in enumerate(state["slots"]):
            if s is not None:
                slot = self._open_slot(decode_value(s["element"]))
                slot.it.set_state(s["it"])
                self._slots[i] = slot
        self._num_open = sum(s is not None for s in self._slots)

    def _close_slots(self) -> None:
        for s in self._slots:
            if s is not None:
                s.it.close()
        self._slots = [None] * self._cycle_length
        self._num_open = 0

    def children(self) -> tuple[DataIterator, ...]:
        return self.sources + tuple(s.it for s in self._slots if s is not None)

    def close(self) -> None:
        if not self._closed:
            self._close_slots()
        super().close()
