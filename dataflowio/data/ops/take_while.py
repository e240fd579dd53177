"""`Dataset.take_while`: the elements up to (not including) the first one the predicate rejects.

>>> from dataflowio.data.ops.range import Range
>>> from dataflowio.data.ops._nested import open_plan
>>> from dataflowio.data.plan import ExecContext
>>> from dataflowio.data.options import Options
>>> node = TakeWhile(inputs=(Range(stop=10),), predicate=lambda x: x < 3)
>>> [int(v) for v in open_plan(node, ExecContext(Options()))]
[0, 1, 2]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from dataflowio.data.iterator import DataIterator, State
from dataflowio.data.ops._fn import add_note, call_fn, check_arity, num_args_for
from dataflowio.data.ops.interleave import where_of
from dataflowio.data.plan import UNKNOWN, ExecContext, Node
from dataflowio.errors import InvalidArgumentError


def predicate_value(fn: Callable[..., Any], element: Any, where: str) -> bool:
    """Calls a predicate; its result must be a scalar bool (as tf.data requires)."""
    try:
        out = call_fn(fn, element)
    except StopIteration as e:
        raise InvalidArgumentError(f"{where}: the predicate raised StopIteration.") from e
    except Exception as e:
        add_note(e, f"in {where}")
        raise
    arr = np.asarray(out)
    if arr.shape != () or arr.dtype != np.bool_:
        raise InvalidArgumentError(f"{where}: the predicate must return a scalar bool, got "
                                   f"{arr.dtype} with shape {arr.shape}.")
    return bool(arr)


@dataclass(frozen=True, kw_only=True, eq=False)
class TakeWhile(Node):
    predicate: Callable[..., Any]

    op_name = "take_while"
    stateful_fn = True

    def __post_init__(self) -> None:
        if self.inputs:
            check_arity(self.predicate, num_args_for(self.inputs[0].element_spec()), self.where())

    def where(self) -> str:
        return where_of(self, self.predicate)

    def open(self, inputs: tuple[DataIterator, ...], ctx: ExecContext) -> DataIterator:
        return TakeWhileIterator(self, inputs[0])

    def _cardinality(self) -> int:
        return UNKNOWN


class TakeWhileIterator(DataIterator):
    def __init__(self, node: TakeWhile, source: DataIterator) -> None:
        super().__init__(source, name="take_while")
        self._fn, self._where = node.predicate, node.where()
        self._done = False

    def __next__(self) -> Any:
        if self._done:
            raise StopIteration
        element = next(self.source)
        if not predicate_value(self._fn, element, self._where):
            self._done = True
            raise StopIteration
        return element

    def get_state(self) -> State:
        return {"input": self.source.get_state(), "done": self._done}

    def set_state(self, state: State) -> None:
        self.source.set_state(state["input"])
        self._done = bool(state["done"])
