"""`Dataset.ignore_errors`: drops the elements whose production raised an error.

Any exception from the input (a failing map function, a corrupt TFRecord record, a file that
cannot be read) skips that element and the iterator asks for the next one; sources such as
`TFRecordDataset` resynchronise past the damage and keep reading the same file. The number of
skipped elements is in `it.stats()` (`skipped`) and in checkpoints. With `log_warning=True`
each skipped error is logged on the `dataflowio` logger.

>>> from dataflowio.data.ops.from_tensor_slices import FromTensorSlices, slice_value
>>> from dataflowio.data.ops.map import Map
>>> from dataflowio.data.ops._nested import open_plan
>>> from dataflowio.data.plan import ExecContext
>>> from dataflowio.data.options import Options
>>> bad = Map(inputs=(FromTensorSlices(value=slice_value([1.0, 0.0, 2.0])),),
...           fn=lambda x: 1 / int(x))
>>> it = open_plan(IgnoreErrors(inputs=(bad,)), ExecContext(Options()))
>>> [float(v) for v in it], it.stage_stats()
([1.0, 0.5], {'skipped': 1})
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from dataflowio.data.iterator import DataIterator, State
from dataflowio.data.plan import UNKNOWN, ExecContext, Node

log = logging.getLogger("dataflowio")

# A source that raises without making progress would loop forever; stop after this many in a row.
MAX_CONSECUTIVE_ERRORS = 1_000_000


@dataclass(frozen=True, kw_only=True, eq=False)
class IgnoreErrors(Node):
    log_warning: bool = False

    op_name = "ignore_errors"

    def open(self, inputs: tuple[DataIterator, ...], ctx: ExecContext) -> DataIterator:
        return IgnoreErrorsIterator(inputs[0], bool(self.log_warning))

    def _cardinality(self) -> int:
        return UNKNOWN


class IgnoreErrorsIterator(DataIterator):
    def __init__(self, source: DataIterator, log_warning: bool) -> None:
        super().__init__(source, name="ignore_errors")
        self._log = log_warning
        self.skipped = 0

    def __next__(self) -> Any:
        run = 0
        while True:
            try:
                return next(self.source)
            except StopIteration:
                raise
            except Exception as e:
                self.skipped += 1
                run += 1
                if self._log:
                    log.warning("ignore_errors: skipped an element: %s: %s", type(e).__name__, e)
                if run >= MAX_CONSECUTIVE_ERRORS:
                    raise

    def stage_stats(self) -> dict[str, Any]:
        """Counters for `it.stats()`: how many elements were skipped."""
        return {"skipped": self.skipped}

    def get_state(self) -> State:
        return {"input": self.source.get_state(), "skipped": self.skipped}

    def set_state(self, state: State) -> None:
        self.source.set_state(state["input"])
        self.skipped = int(state["skipped"])
