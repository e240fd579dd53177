"""`Closing`: the `with` support shared by the readers and the writer (`with obj:` -> `obj.close()`).

>>> class Res(Closing):
...     def close(self) -> None:
...         print("closed")
>>> with Res() as r:
...     isinstance(r, Res)
True
closed
"""

from __future__ import annotations

from typing import TypeVar

_T = TypeVar("_T", bound="Closing")


class Closing:
    """Mixin: `__enter__` returns the object, `__exit__` calls its `close()` (errors propagate)."""

    __slots__ = ()

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self: _T) -> _T:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
