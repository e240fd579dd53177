"""`Dataset.sample_from_datasets`: each element comes from an input drawn at random with `weights`.

Draws are made in blocks from a NumPy `Generator` seeded with `seed` (fresh entropy when None),
so a seeded dataset yields the same sequence on every run, every machine and every iteration.
Exhausted inputs are skipped (the others keep their relative weights) unless
`stop_on_empty_dataset=True`. A checkpoint saves the generator's state at the current block.

>>> from dataflowio.data.ops.range import Range
>>> from dataflowio.data.ops._nested import open_plan
>>> from dataflowio.data.plan import ExecContext
>>> from dataflowio.data.options import Options
>>> node = SampleFromDatasets(inputs=(Range(stop=3), Range(start=10, stop=13)), weights=(0.5, 0.5),
...                          seed=7)
>>> sorted(int(v) for v in open_plan(node, ExecContext(Options())))
[0, 1, 2, 10, 11, 12]
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from dataflowio.data.iterator import DataIterator, State
from dataflowio.data.ops.choose_from_datasets import (
    DirectedInterleaveIterator,
    common_spec,
    directed_cardinality,
)
from dataflowio.data.plan import ExecContext, Node
from dataflowio.errors import InvalidArgumentError

BLOCK = 256


def normalized_weights(weights: Any, n: int) -> tuple[float, ...]:
    """`weights` as probabilities (uniform when None); InvalidArgumentError for bad values."""
    where = "Dataset.sample_from_datasets"
    if weights is None:
        return tuple([1.0 / n] * n)
    if hasattr(weights, "_plan"):
        raise TypeError(f"{where}: `weights` given as a Dataset is not supported; pass a list of "
                        "floats (one per dataset).")
    w = np.asarray(weights, dtype=np.float64).reshape(-1)
    if len(w) != n:
        raise InvalidArgumentError(f"{where}: `weights` must have one entry per dataset: "
                                   f"{n} datasets but {len(w)} weights.")
    if not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise InvalidArgumentError(f"{where}: `weights` must be finite, >= 0 and not all 0, got "
                                   f"{w.tolist()}.")
    return tuple((w / w.sum()).tolist())


@dataclass(frozen=True, kw_only=True, eq=False)
class SampleFromDatasets(Node):
    weights: tuple[float, ...] | None = None
    seed: int | None = None
    stop_on_empty_dataset: bool = False

    op_name = "sample_from_datasets"
    deterministic = True

    def __post_init__(self) -> None:
        if not self.inputs:
            raise InvalidArgumentError("Dataset.sample_from_datasets: `datasets` must not be empty.")
        normalized_weights(self.weights, len(self.inputs))
        common_spec(self.inputs, "Dataset.sample_from_datasets")

    def open(self, inputs: tuple[DataIterator, ...], ctx: ExecContext) -> DataIterator:
        probs = np.asarray(normalized_weights(self.weights, len(self.inputs)))
        return SampleIterator(list(inputs), probs, self.seed, bool(self.stop_on_empty_dataset))

    def _element_spec(self) -> Any:
        return common_spec(self.inputs, "Dataset.sample_from_datasets")

    def _cardinality(self) -> int:
        return directed_cardinality(self.inputs)


class _Draws:
    """Endless input indices drawn in blocks; its state is the generator at the block start."""

    def __init__(self, probs: np.ndarray, seed: int | None) -> None:
        self._probs = probs
        self._rng = np.random.Generator(np.random.PCG64(seed))
        self._block_state = self._rng.bit_generator.state
        self._block = self._rng.choice(len(probs), size=BLOCK, p=probs)
        self._pos = 0

    def __iter__(self) -> Iterator[int]:
        return self

    def __next__(self) -> int:
        if self._pos == BLOCK:
            self._block_state = self._rng.bit_generator.state
            self._block = self._rng.choice(len(self._probs), size=BLOCK, p=self._probs)
            self._pos = 0
        self._pos += 1
        return int(self._block[self._pos - 1])

    def get_state(self) -> State:
        return {"rng": self._block_state, "pos": self._pos}

    def set_state(self, state: State) -> None:
        self._rng.bit_generator.state = state["rng"]
        self._block_state = self._rng.bit_generator.state
        self._block = self._rng.choice(len(self._probs), size=BLOCK, p=self._probs)
        self._pos = int(state["pos"])


class SampleIterator(DirectedInterleaveIterator):
    def __init__(self, inputs: list[DataIterator], probs: np.ndarray, seed: int | None,
                 stop_on_empty: bool) -> None:
        self._draws = _Draws(probs, seed)
        super().__init__(self._draws, inputs, stop_on_empty, name="sample_from_datasets")

    def get_state(self) -> State:
        out = super().get_state()
        out["draws"] = self._draws.get_state()
        return out

    def set_state(self, state: State) -> None:
        super().set_state(state)
        self._draws.set_state(state["draws"])
