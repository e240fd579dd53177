"""`Dataset.sample_from_datasets`: each element comes from an input drawn at random with `weights`.

The draws are tf.data's, bit for bit: draw `i` takes values `2i, 2i+1` of `Dataset.random(seed)`
as the seed of a stateless multinomial over `log(weights)` (TensorFlow's Philox key scrambling,
52-bit uniform doubles, cumulative-sum search), all vectorized in blocks. So a seeded dataset
yields TensorFlow's order on every run, machine and iteration. Exhausted inputs are skipped
(their draws are spent) unless `stop_on_empty_dataset=True`; once every input of weight > 0 is
exhausted the dataset ends (TensorFlow would draw forever). The state is the number of draws.

>>> from dataflowio.data.ops.range import Range
>>> from dataflowio.data.ops._nested import open_plan
>>> from dataflowio.data.plan import ExecContext
>>> from dataflowio.data.options import Options
>>> node = SampleFromDatasets(inputs=(Range(stop=3), Range(start=10, stop=13)), weights=(0.5, 0.5),
...                          seed=87654321, seed2=7)
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
from dataflowio.data.ops.random import philox_values, stateless_uniform_doubles
from dataflowio.data.plan import ExecContext, Node
from dataflowio.errors import InvalidArgumentError

BLOCK = 512  # draws computed at once


def normalized_weights(weights: Any, n: int) -> tuple[float, ...]:
    """`weights` as float32 values (uniform when None); InvalidArgumentError for bad values."""
    where = "Dataset.sample_from_datasets"
    if weights is None:
        return tuple([1.0] * n)
    if hasattr(weights, "_plan"):
        raise TypeError(f"{where}: `weights` given as a Dataset is not supported; pass a list of "
                        "floats (one per dataset).")
    w = np.asarray(weights, dtype=np.float32).reshape(-1)
    if len(w) != n:
        raise InvalidArgumentError(f"{where}: `weights` must have one entry per dataset: "
                                   f"{n} datasets but {len(w)} weights.")
    if not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise InvalidArgumentError(f"{where}: `weights` must be finite, >= 0 and not all 0, got "
                                   f"{w.tolist()}.")
    return tuple(w.tolist())


def cumulative(weights: tuple[float, ...]) -> np.ndarray:
    """TensorFlow's multinomial CDF over logits `log(weights)` (float32), unnormalized, in float64."""
    with np.errstate(divide="ignore"):
        logits = np.log(np.asarray(weights, dtype=np.float32))
    finite = np.isfinite(logits)
    top = float(logits[finite].max())
    return np.cumsum(np.where(finite, np.exp(logits.astype(np.float64) - top), 0.0))


@dataclass(frozen=True, kw_only=True, eq=False)
class SampleFromDatasets(Node):
    weights: tuple[float, ...] | None = None
    seed: int = 0  # TensorFlow's seed pair (see ops.random.seed_pair)
    seed2: int = 0
    stop_on_empty_dataset: bool = False

    op_name = "sample_from_datasets"
    deterministic = True

    def __post_init__(self) -> None:
        if not self.inputs:
            raise InvalidArgumentError("Dataset.sample_from_datasets: `datasets` must not be empty.")
        normalized_weights(self.weights, len(self.inputs))
        common_spec(self.inputs, "Dataset.sample_from_datasets")

    def open(self, inputs: tuple[DataIterator, ...], ctx: ExecContext) -> DataIterator:
        cdf = cumulative(normalized_weights(self.weights, len(self.inputs)))
        return SampleIterator(list(inputs), cdf, int(self.seed), int(self.seed2),
                              bool(self.stop_on_empty_dataset))

    def _element_spec(self) -> Any:
        return common_spec(self.inputs, "Dataset.sample_from_datasets")

    def _cardinality(self) -> int:
        return directed_cardinality(self.inputs)


class _Draws:
    """Endless input indices, TensorFlow's draws, computed in blocks; its state is the draw count."""

    def __init__(self, cdf: np.ndarray, seed: int, seed2: int) -> None:
        self._cdf, self._seed, self._seed2 = cdf, seed, seed2
        self._count = 0
        self._block = np.empty(0, dtype=np.int64)
        self._block_start = 0

    def _compute(self, first: int) -> np.ndarray:
        # Draw i uses random values 2i and 2i+1: Philox calls (2 * first) // 4 onwards (first is even).
        vals = philox_values(self._seed, self._seed2, first // 2, BLOCK // 2)
        u = stateless_uniform_doubles(vals[0::2], vals[1::2])
        return np.searchsorted(self._cdf, u * self._cdf[-1], side="right")

    def __iter__(self) -> Iterator[int]:
        return self

    def __next__(self) -> int:
        i = self._count - self._block_start
        if not 0 <= i < len(self._block):
            self._block_start = self._count - self._count % BLOCK
            self._block = self._compute(self._block_start)
            i = self._count - self._block_start
        self._count += 1
        return int(self._block[i])

    def get_state(self) -> State:
        return {"draws": self._count}

    def set_state(self, state: State) -> None:
        self._count = int(state["draws"])
        self._block = np.empty(0, dtype=np.int64)


class SampleIterator(DirectedInterleaveIterator):
    def __init__(self, inputs: list[DataIterator], cdf: np.ndarray, seed: int, seed2: int,
                 stop_on_empty: bool) -> None:
        self._draws = _Draws(cdf, seed, seed2)
        super().__init__(self._draws, inputs, stop_on_empty, name="sample_from_datasets")
        self._choosable = (np.diff(cdf, prepend=0.0) > 0).tolist()

    def get_state(self) -> State:
        out = super().get_state()
        out["draws"] = self._draws.get_state()
        return out

    def set_state(self, state: State) -> None:
        super().set_state(state)
        self._draws.set_state(state["draws"])
