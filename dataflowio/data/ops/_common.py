"""Argument checks shared by several transformations (counts, sizes), with house-style messages.

>>> check_count(3, "take", "count")
3
>>> check_count(-2, "take", "count")
Traceback (most recent call last):
...
record_format.errors.InvalidArgumentError: take: `count` must be >= -1, got -2.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dataflowio.errors import InvalidArgumentError


def as_int(value: Any, where: str, arg: str) -> int:
    """`value` as a Python int; TypeError-compatible InvalidArgumentError for anything else."""
    if hasattr(value, "numpy") and callable(value.numpy):
        value = value.numpy()
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        from dataflowio.data.ops._fn import TypeMismatchError

        raise TypeMismatchError(
            f"{where}: `{arg}` must be an integer, got {type(value).__name__}: {value!r:.40}.")
    return int(value)


def check_count(value: Any, where: str, arg: str, minimum: int = -1) -> int:
    """An integer count >= `minimum` (-1 means "all" for take/skip)."""
    v = as_int(value, where, arg)
    if v < minimum:
        raise InvalidArgumentError(f"{where}: `{arg}` must be >= {minimum}, got {v}.")
    return v
