"""Progress bars for long commands: tqdm on stderr, off when stderr is not a terminal or `--quiet`.

>>> with bar(3, "records", quiet=True) as tick:
...     tick(2)
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator


def enabled(quiet: bool = False) -> bool:
    """Returns whether a bar should be drawn (`DATAFLOWIO_PROGRESS=1` forces it on, `=0` off)."""
    forced = os.environ.get("DATAFLOWIO_PROGRESS")
    if forced is not None:
        return forced not in ("", "0") and not quiet
    return not quiet and sys.stderr.isatty()


def make(total: int | None, unit: str, quiet: bool = False, **kwargs):
    """Returns a tqdm bar (disabled when `enabled()` is false)."""
    from tqdm import tqdm

    return tqdm(total=total, unit=unit, unit_scale=True, file=sys.stderr, dynamic_ncols=True,
                disable=not enabled(quiet), leave=False, **kwargs)


@contextlib.contextmanager
def bar(total: int | None, unit: str, quiet: bool = False) -> Iterator[Callable[[int], None]]:
    """Yields `tick(n)` that advances a bar by n; the bar is closed on exit."""
    b = make(total, unit, quiet)
    try:
        yield b.update
    finally:
        b.close()
