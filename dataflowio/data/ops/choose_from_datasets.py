"""`Dataset.choose_from_datasets`: element `i` comes from `datasets[choice[i]]`.

The iterator (TensorFlow's DirectedInterleave, shared with `sample_from_datasets`) reads one
index from a selector, then one element from that input. When the chosen input is exhausted it
stops with `stop_on_empty_dataset=True`, otherwise that index is skipped from then on and the
dataset ends when the selector or every input is exhausted. An index out of range raises
`InvalidArgumentError`.

>>> from dataflowio.data.ops.range import Range
>>> from dataflowio.data.ops.from_tensor_slices import FromTensorSlices, slice_value
>>> from dataflowio.data.ops._nested import open_plan
>>> from dataflowio.data.plan import ExecContext
>>> from dataflowio.data.options import Options
>>> import numpy as np
>>> choice = FromTensorSlices(value=slice_value(np.array([0, 1, 1, 0], dtype=np.int64)))
>>> node = ChooseFromDatasets(inputs=(choice, Range(stop=5), Range(start=10, stop=15)))
>>> [int(v) for v in open_plan(node, ExecContext(Options()))]
[0, 10, 11, 1]
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from dataflowio.data import structure
from dataflowio.data.iterator import DataIterator, State
from dataflowio.data.plan import INFINITE, UNKNOWN, ExecContext, Node
from dataflowio.errors import InvalidArgumentError
from dataflowio.tensor_shape import TensorSpec


def common_spec(nodes: tuple[Node, ...], where: str) -> Any:
    """The element spec that covers every input (shapes relaxed); TypeError if they differ."""
    specs = [n.element_spec() for n in nodes]
    first = specs[0]
    for i, s in enumerate(specs[1:], 1):
        if not structure.same_structure(first, s) or any(
                getattr(a, "dtype", None) != getattr(b, "dtype", None)
                for a, b in zip(structure.flatten(first), structure.flatten(s))):
            raise TypeError(f"{where}: incompatible dataset elements: dataset 0 has {first!r:.120} "
                            f"but dataset {i} has {s!r:.120}.")

    def leaf(*leaves: Any) -> Any:
        if not all(isinstance(x, TensorSpec) for x in leaves):
            return leaves[0]
        return leaves[0].most_specific_common_supertype(leaves[1:])

    if structure.is_structure(first):
        return structure.map_structure(leaf, *specs)
    return leaf(*specs)


def directed_cardinality(inputs: tuple[Node, ...]) -> int:
    """tf.data's rule: infinite when any input is, unknown otherwise."""
    return INFINITE if any(n.cardinality() == INFINITE for n in inputs) else UNKNOWN


@dataclass(frozen=True, kw_only=True, eq=False)
class ChooseFromDatasets(Node):
    """inputs = (choice_dataset, *datasets)."""

    stop_on_empty_dataset: bool = True

    op_name = "choose_from_datasets"

    def __post_init__(self) -> None:
        where = "Dataset.choose_from_datasets"
        if len(self.inputs) < 2:
            raise InvalidArgumentError(f"{where}: `datasets` must not be empty.")
        spec = self.inputs[0].element_spec()
        if not isinstance(spec, TensorSpec) or spec.dtype.name != "int64" or spec.shape != ():
            raise TypeError(f"{where}: `choice_dataset` must be a dataset of scalar int64 "
                            f"elements, got {spec!r:.120}.")
        common_spec(self.inputs[1:], where)

    def open(self, inputs: tuple[DataIterator, ...], ctx: ExecContext) -> DataIterator:
        return DirectedInterleaveIterator(_from_iterator(inputs[0]), list(inputs[1:]),
                                          bool(self.stop_on_empty_dataset), selector=inputs[0])

    def _element_spec(self) -> Any:
        return common_spec(self.inputs[1:], "Dataset.choose_from_datasets")

    def _cardinality(self) -> int:
        return directed_cardinality(self.inputs[1:])


def _from_iterator(it: DataIterator) -> Iterator[int]:
    for v in it:
        yield int(v)


class DirectedInterleaveIterator(DataIterator):
    """Reads an index from `choices`, then an element from that input (see the module docstring).

    `selector` is the iterator behind `choices` when it is a DataIterator (its state is saved);
    otherwise the owner saves the selector's state (`sample_from_datasets`).
    """

    def __init__(self, choices: Iterator[int], inputs: list[DataIterator], stop_on_empty: bool,
                 selector: DataIterator | None = None, name: str = "choose_from_datasets") -> None:
        super().__init__(*(([selector] if selector is not None else []) + inputs), name=name)
        self._choices = choices
        self._selector = selector
        self._inputs = inputs
        self._stop_on_empty = stop_on_empty
        self._active = [True] * len(inputs)
        # Inputs the selector can still pick (sample_from_datasets: weight > 0); when every one of
        # them is exhausted the dataset ends instead of drawing forever.
        self._choosable = [True] * len(inputs)
        self._done = False

    def __next__(self) -> Any:
        while not self._done:
            try:
                i = next(self._choices)
            except StopIteration:
                self._done = True
                break
            if not 0 <= i < len(self._inputs):
                raise InvalidArgumentError(f"{self.name}: selector index {i} is out of range; "
                                           f"expected 0 <= index < {len(self._inputs)}.")
            if not self._active[i]:
                continue
            try:
                return next(self._inputs[i])
            except StopIteration:
                if self._stop_on_empty:
                    self._done = True
                    break
                self._active[i] = False
                if not any(a and c for a, c in zip(self._active, self._choosable)):
                    self._done = True
        raise StopIteration

    def get_state(self) -> State:
        return {"selector": self._selector.get_state() if self._selector is not None else None,
                "inputs": [it.get_state() for it in self._inputs],
                "active": list(self._active), "done": self._done}

    def set_state(self, state: State) -> None:
        if self._selector is not None:
            self._selector.set_state(state["selector"])
        for it, s in zip(self._inputs, state["inputs"]):
            it.set_state(s)
        self._active = [bool(a) for a in state["active"]]
        self._done = bool(state["done"])
