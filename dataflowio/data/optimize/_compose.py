"""Function composition for the fusion rules: each stage's output normalized exactly as the
unfused stage would hand it to the next (tuples unpacked into arguments, lists to tuples, Python
literals to TF dtypes).

>>> f = compose_maps(lambda x: [x, x + 1], lambda a, b: a * b)
>>> int(f(3)), f.__qualname__
(12, '<lambda>+<lambda>')
>>> keep = conjoin(lambda x: x > 1, lambda x: x < 4, where="filter")
>>> [keep(x) for x in range(6)]
[False, False, True, True, False, False]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dataflowio.data.ops._fn import call_fn, fn_name, normalize_element
from dataflowio.data.ops.filter import as_bool
from dataflowio.data.vectorize import is_declared_vectorized


class _Composed:
    """`second(first(x))`, with `first`'s output normalized as an element in between."""

    def __init__(self, first: Callable[..., Any], second: Callable[..., Any]) -> None:
        self.first, self.second = first, second
        self.__qualname__ = self.__name__ = f"{fn_name(first)}+{fn_name(second)}"
        if is_declared_vectorized(first) and is_declared_vectorized(second):
            self.__dataflowio_vectorized__ = True

    def __call__(self, *args: Any) -> Any:
        return call_fn(self.second, normalize_element(self.first(*args)))


def compose_maps(first: Callable[..., Any], second: Callable[..., Any]) -> Callable[..., Any]:
    """A function equal to `map(first)` followed by `map(second)` on one element."""
    return _Composed(first, second)


class _Conjoined:
    """`first(x) and second(x)`, each checked as a scalar bool the way `filter` checks it."""

    def __init__(self, first: Callable[..., Any], second: Callable[..., Any], where: str) -> None:
        self.first, self.second, self.where = first, second, where
        self.__qualname__ = self.__name__ = f"{fn_name(first)}&{fn_name(second)}"

    def __call__(self, *args: Any) -> bool:
        return as_bool(self.first(*args), self.where) and as_bool(self.second(*args), self.where)


def conjoin(first: Callable[..., Any], second: Callable[..., Any], where: str) -> Callable[..., Any]:
    """A predicate equal to `filter(first)` followed by `filter(second)`."""
    return _Conjoined(first, second, where)
