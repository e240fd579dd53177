"""Parallel `map` (`num_parallel_calls` = n or AUTOTUNE): worker threads map whole chunks.

A `ThreadedStage` whose transform applies the user function to each element of a chunk (or once
to the chunk's columns when the map is `vectorized`). Results come out in input order, or in
completion order with `deterministic=False` (or `Options().deterministic = False` when the map
leaves it None). Work that releases the GIL (NumPy, zlib, CRC32C, Pillow decode) runs truly in
parallel; for Python code that holds the GIL set `options.threading.executor = "process"`:
chunks are then pickled to a pool of worker processes (the function must be picklable, i.e.
defined at module level).

An exception from the function reaches the consumer in order, as the same exception object,
with a note naming the map and the element's position; iteration may continue after it.

>>> from dataflowio.data.runtime.testing import ListIterator
>>> it = ParallelMap(ListIterator(list(range(6))), fn=lambda x: x * x, workers=2,
...                  where="map(square)")
>>> [int(v) for v in it]
[0, 1, 4, 9, 16, 25]
>>> it.close()
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from typing import Any

from dataflowio.data.iterator import Chunk, DataIterator
from dataflowio.data.ops._fn import add_note, call_fn, normalize_element
from dataflowio.data.options import node_deterministic
from dataflowio.data.runtime import seed as seeds
from dataflowio.data.runtime.autotune import AUTOTUNE
from dataflowio.data.runtime.shared import Failed
from dataflowio.data.runtime.stage import ThreadedStage
from dataflowio.errors import InvalidArgumentError


def map_chunk(fn: Callable[..., Any], chunk: Chunk, position: int, where: str, vectorized: bool,
              seed_base: int | None) -> tuple[Chunk, bool]:
    """`fn` over a chunk: (output chunk, whether some element failed). Failed elements hold `Failed`."""
    if vectorized:
        seeds.set_position(None, position)
        cols = normalize_element(call_fn(fn, chunk.columns(where=where)))
        return Chunk.from_columns(cols, chunk.size), False
    out: list[Any] = []
    fails, err = False, None
    for i, el in enumerate(chunk.elements()):
        seeds.set_position(seed_base, position + i)
        try:
            out.append(normalize_element(call_fn(fn, el)))
        except StopIteration as e:  # would silently end the iteration otherwise
            err = InvalidArgumentError(f"{where} at element {position + i}: the function raised "
                                       "StopIteration.")
            err.__cause__ = e
            out.append(Failed(err))
            fails = True
        except Exception as e:  # noqa: BLE001 - delivered to the consumer in order
            add_note(e, f"in {where} at element {position + i}")
            out.append(Failed(e))
            fails = True
    seeds.set_position(None, 0)
    try:
        return Chunk.from_elements(out), fails
    finally:
        out = err = None  # NOTE: this frame is in each error's traceback: break the cycle


class ParallelMap(ThreadedStage):
    """The iterator of a map with `num_parallel_calls`; see the module docstring."""

    def __init__(self, source: DataIterator, *, fn: Callable[..., Any], workers: int, where: str,
                 vectorized: bool = False, deterministic: bool = True, ctx: Any = None,
                 name: str = "", executor: str = "thread") -> None:
        base = seeds.stage_base(where)
        if executor == "process":
            from dataflowio.data.runtime.processes import ProcessMapper

            transform: Any = ProcessMapper(fn, where, vectorized, base, workers)
        elif executor == "thread":
            def transform(chunk: Chunk, position: int) -> tuple[Chunk, bool]:
                return map_chunk(fn, chunk, position, where, vectorized, base)
        else:
            raise InvalidArgumentError(
                f"{where}: Options.threading.executor must be 'thread' or 'process', got {executor!r}.")
        super().__init__(source, label=where, kind="map", transform=transform, workers=workers,
                         capacity=AUTOTUNE, deterministic=deterministic, ctx=ctx, name=name)
        if executor == "process":
            self._shared.on_shutdown.append(transform.close)


def open_parallel_map(node: Any, source: DataIterator, ctx: Any) -> DataIterator:
    """The iterator for a `Map` node with `num_parallel_calls` set (called by `Map.open`)."""
    options = getattr(ctx, "options", None)
    det = node_deterministic(node.deterministic, ctx)
    executor = options.threading.get("executor") if options is not None else "thread"
    return ParallelMap(source, fn=node.fn, workers=int(node.num_parallel_calls), where=node.where(),
                       vectorized=bool(node.vectorized), deterministic=bool(det), ctx=ctx,
                       name=node.name or "", executor=executor or "thread")


def check_picklable(fn: Any, where: str) -> None:
    """Raises InvalidArgumentError when `fn` cannot be sent to a worker process."""
    try:
        pickle.dumps(fn)
    except Exception as e:
        raise InvalidArgumentError(
            f"{where}: executor='process' needs a picklable function, got {fn!r:.60} "
            f"({type(e).__name__}: {e}).\n  hint: define the function at module level (no lambdas "
            "or closures), or use the default thread executor.") from e
