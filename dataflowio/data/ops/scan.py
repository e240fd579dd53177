"""`Dataset.scan`: a running state through the elements; `scan_func(state, element)` returns
`(new_state, output)` and the dataset yields the outputs.

The function gets exactly two arguments, the state and the whole element (a tuple element is not
unpacked further), as in tf.data. The new state must keep the initial state's structure and
dtypes. A checkpoint saves the state as data.

>>> from dataflowio.data.ops.range import Range
>>> from dataflowio.data.ops._nested import open_plan
>>> from dataflowio.data.plan import ExecContext
>>> from dataflowio.data.options import Options
>>> node = Scan(inputs=(Range(stop=5),), initial_state=np.int64(0),
...             scan_func=lambda s, x: (s + x, s + x))
>>> [int(v) for v in open_plan(node, ExecContext(Options()))]
[0, 1, 3, 6, 10]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from dataflowio.data import structure
from dataflowio.data.iterator import DataIterator, State
from dataflowio.data.ops._fn import add_note, check_arity, normalize_element, spec_of_element
from dataflowio.data.ops._nested import decode_value, encode_value, sample_input
from dataflowio.data.ops.interleave import where_of
from dataflowio.data.plan import ExecContext, Node
from dataflowio.dtypes import dtype_of
from dataflowio.errors import InvalidArgumentError


@dataclass(frozen=True, kw_only=True, eq=False)
class Scan(Node):
    initial_state: Any
    scan_func: Callable[..., Any]

    op_name = "scan"
    stateful_fn = True
    preserves_cardinality = True

    def __post_init__(self) -> None:
        check_arity(self.scan_func, 2, self.where())

    def where(self) -> str:
        return where_of(self, self.scan_func)

    def state0(self) -> Any:
        return normalize_element(self.initial_state)

    def open(self, inputs: tuple[DataIterator, ...], ctx: ExecContext) -> DataIterator:
        return ScanIterator(self, inputs[0])

    def _element_spec(self) -> Any:
        from dataflowio.data.ops.map import unknown_where_input_is

        state0 = self.state0()
        sample = sample_input(self.inputs[0])
        _, out = apply_scan(self.scan_func, state0, sample, self.where(), state0)
        # dims that follow an unknown input dim (e.g. a batch's) stay unknown (H3a, as map does)
        return unknown_where_input_is(spec_of_element(out), self.inputs[0].element_spec(), [sample])


def _dtypes(x: Any) -> list[str]:
    return [dtype_of(v).name for v in structure.flatten(x)]


def apply_scan(fn: Callable[..., Any], state: Any, element: Any, where: str, state0: Any) -> tuple[Any, Any]:
    """One step: `(new_state, output)`, both normalized, the state checked against `state0`."""
    try:
        result = fn(state, element)
    except StopIteration as e:
        raise InvalidArgumentError(f"{where}: the function raised StopIteration.") from e
    except Exception as e:
        add_note(e, f"in {where}")
        raise
    if type(result) not in (tuple, list) or len(result) != 2:
        raise TypeError(f"{where}: the scan function must return a pair (new_state, output), got "
                        f"{type(result).__name__}: {result!r:.60}.")
    new_state, out = normalize_element(result[0]), normalize_element(result[1])
    if not structure.same_structure(new_state, state0):
        raise TypeError(f"{where}: the new state must have the initial state's structure; expected "
                        f"{_describe(state0)}, got {_describe(new_state)}.")
    if _dtypes(new_state) != _dtypes(state0):
        raise TypeError(f"{where}: the new state must keep the initial state's dtypes; expected "
                        f"{_dtypes(state0)}, got {_dtypes(new_state)}.\n"
                        "  hint: give the initial state the dtype the function returns "
                        "(e.g. np.int64(0) when adding int64 elements).")
    return new_state, out


def _describe(x: Any) -> str:
    return repr(structure.map_structure(lambda v: "x", x)) if structure.is_structure(x) else "a single value"


class ScanIterator(DataIterator):
    def __init__(self, node: Scan, source: DataIterator) -> None:
        super().__init__(source, name="scan")
        self._fn, self._where = node.scan_func, node.where()
        self._state0 = node.state0()
        self._state = self._state0

    def __next__(self) -> Any:
        element = next(self.source)
        self._state, out = apply_scan(self._fn, self._state, element, self._where, self._state0)
        return out

    def get_state(self) -> State:
        return {"input": self.source.get_state(), "state": encode_value(self._state)}

    def set_state(self, state: State) -> None:
        self.source.set_state(state["input"])
        self._state = decode_value(state["state"])
        if isinstance(self._state, np.ndarray) and self._state.ndim == 0:
            self._state = structure.to_element_leaf(self._state)
