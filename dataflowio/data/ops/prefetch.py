"""`Dataset.prefetch`: a background thread fills a bounded buffer while the consumer works.

The producer thread (`dataflowio-prefetch-<name>`) pulls *chunks* of elements from the input and
puts them in a buffer holding at most `buffer_size` elements; the consumer takes them in order.
`buffer_size=AUTOTUNE` (-1) starts small and grows the buffer while the consumer has to wait,
under the RAM budget (`Options().autotune.ram_budget`). `buffer_size=0` means no prefetching
(the input is passed through), as in tf.data.

Checkpoints describe the last element the consumer received (not how far the producer ran
ahead); errors raised upstream reach the consumer in order, as the same exception object.

>>> from dataflowio.data.ops.range import Range
>>> src = Range(stop=5)
>>> it = Prefetch(inputs=(src,), buffer_size=2).open((src.open((), None),), None)
>>> [int(next(it)) for _ in range(2)]
[0, 1]
>>> state = it.get_state(); [int(v) for v in it]
[2, 3, 4]
>>> it.set_state(state); [int(v) for v in it]
[2, 3, 4]
>>> it.close()
"""

from __future__ import annotations

from dataclasses import dataclass

from dataflowio.data.iterator import DataIterator
from dataflowio.data.plan import ExecContext, Node
from dataflowio.data.runtime.autotune import AUTOTUNE
from dataflowio.data.runtime.stage import ThreadedStage
from dataflowio.errors import InvalidArgumentError


@dataclass(frozen=True, kw_only=True, eq=False)
class Prefetch(Node):
    buffer_size: int = AUTOTUNE

    op_name = "prefetch"
    preserves_cardinality = True

    def __post_init__(self) -> None:
        b = self.buffer_size
        if isinstance(b, bool) or not isinstance(b, int) and not hasattr(b, "__index__"):
            raise InvalidArgumentError(
                f"prefetch: `buffer_size` must be an integer >= 0 or AUTOTUNE (-1), got "
                f"{type(b).__name__}: {b!r:.40}.")
        if int(b) < AUTOTUNE:
            raise InvalidArgumentError(
                f"prefetch: `buffer_size` must be >= 0 or AUTOTUNE (-1), got {int(b)}.")

    def open(self, inputs: tuple[DataIterator, ...], ctx: ExecContext | None) -> DataIterator:
        size = int(self.buffer_size)
        if size == 0:
            return inputs[0]
        return ThreadedStage(inputs[0], label=self.label(), kind="prefetch", capacity=size,
                             workers=1, ctx=ctx, name=self.name or "")

