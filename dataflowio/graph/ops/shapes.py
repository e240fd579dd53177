"""Static shape rules shared by the op modules (broadcasting, axes, reductions).

>>> broadcast_shapes(TensorShape([None, 3]), TensorShape([1, 3])).as_list()
[None, 3]
>>> reduced_shape(TensorShape([2, 3, 4]), [1], keepdims=False).as_list()
[2, 4]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dataflowio.errors import InvalidArgumentError
from dataflowio.tensor_shape import TensorShape


def broadcast_shapes(a: TensorShape, b: TensorShape) -> TensorShape:
    """NumPy broadcasting over partial shapes; incompatible known dims raise InvalidArgumentError."""
    if a.rank is None or b.rank is None:
        return TensorShape(None)
    n = max(len(a), len(b))
    pa = [1] * (n - len(a)) + list(a)
    pb = [1] * (n - len(b)) + list(b)
    out: list[int | None] = []
    for x, y in zip(pa, pb):
        if x == 1:
            out.append(y)
        elif y == 1:
            out.append(x)
        elif x is None or y is None:
            out.append(x if y is None else y)
        elif x == y:
            out.append(x)
        else:
            raise InvalidArgumentError(f"Incompatible shapes: {list(a)} vs. {list(b)} "
                                       "(dimensions must be equal or 1 to broadcast).")
    return TensorShape(out)


def normalize_axes(axis: Any, rank: int | None, where: str = "axis") -> tuple[int, ...] | None:
    """`axis` (int, list or None = all) as sorted non-negative ints; None if the rank is unknown."""
    if axis is None:
        return None if rank is None else tuple(range(rank))
    axes = [int(a) for a in (axis if isinstance(axis, (list, tuple)) else
                             getattr(axis, "tolist", lambda: axis)() if hasattr(axis, "tolist") else [axis])]
    if isinstance(axes, int):
        axes = [axes]
    if rank is None:
        return None
    out = []
    for a in axes:
        if not -rank <= a < max(rank, 1):
            raise InvalidArgumentError(f"Invalid {where}: {a} is out of range for a tensor of rank {rank} "
                                       f"(expected in [{-rank}, {rank})).")
        out.append(a % rank if rank else 0)
    return tuple(sorted(set(out)))


def reduced_shape(shape: TensorShape, axis: Any, keepdims: bool) -> TensorShape:
    """The static shape of a reduction of `shape` over `axis`."""
    if shape.rank is None:
        return TensorShape(None)
    axes = normalize_axes(axis, shape.rank)
    assert axes is not None
    if keepdims:
        return TensorShape([1 if i in axes else d for i, d in enumerate(shape)])
    return TensorShape([d for i, d in enumerate(shape) if i not in axes])


def dims_product(dims: Sequence[int | None]) -> int | None:
    n = 1
    for d in dims:
        if d is None:
            return None
        n *= d
    return n
