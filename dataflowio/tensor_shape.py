"""`TensorShape` (a tuple of ints and None) and `TensorSpec` (shape + dtype), as in TensorFlow.

>>> s = TensorShape([None, 28])
>>> s, s.as_list(), s.rank, s.is_fully_defined()
(TensorShape([None, 28]), [None, 28], 2, False)
>>> TensorSpec([None, 28], "float32")
TensorSpec(shape=(None, 28), dtype=tf.float32, name=None)
"""

from __future__ import annotations

from typing import Any, Iterable

from dataflowio import dtypes
from dataflowio.errors import InvalidArgumentError


class TensorShape(tuple):
    """A possibly partial shape: a tuple whose entries are ints or None (unknown).

    `TensorShape(None)` has unknown rank; its `rank` is None and it is an empty tuple.
    """

    _unknown_rank: bool

    def __new__(cls, dims: Iterable[Any] | None | TensorShape = ()) -> TensorShape:
        if isinstance(dims, TensorShape):
            return dims
        if dims is None:
            self = super().__new__(cls, ())
            self._unknown_rank = True
            return self
        if isinstance(dims, int):
            dims = (dims,)
        self = super().__new__(cls, tuple(_dim(d) for d in dims))
        self._unknown_rank = False
        return self

    @property
    def rank(self) -> int | None:
        return None if self._unknown_rank else len(self)

    ndims = rank

    @property
    def dims(self) -> list[int | None] | None:
        return None if self._unknown_rank else list(self)

    def as_list(self) -> list[int | None]:
        if self._unknown_rank:
            raise ValueError("as_list() is not defined on an unknown TensorShape.")
        return list(self)

    def is_fully_defined(self) -> bool:
        return not self._unknown_rank and all(d is not None for d in self)

    def num_elements(self) -> int | None:
        if not self.is_fully_defined():
            return None
        n = 1
        for d in self:
            n *= d
        return n

    def is_compatible_with(self, other: Any) -> bool:
        other = TensorShape(other)
        if self.rank is None or other.rank is None:
            return True
        if len(self) != len(other):
            return False
        return all(a is None or b is None or a == b for a, b in zip(self, other))

    def merge_with(self, other: Any) -> TensorShape:
        other = TensorShape(other)
        if self.rank is None:
            return other
        if other.rank is None:
            return self
        if not self.is_compatible_with(other):
            raise ValueError(f"Shapes {self} and {other} are not compatible")
        return TensorShape(a if a is not None else b for a, b in zip(self, other))

    def most_specific_common(self, other: Any) -> TensorShape:
        """The most specific shape both are instances of (used to relax shapes across elements)."""
        other = TensorShape(other)
        if self.rank is None or other.rank is None or len(self) != len(other):
            return TensorShape(None)
        return TensorShape(a if a == b else None for a, b in zip(self, other))

    def concatenate(self, other: Any) -> TensorShape:
        other = TensorShape(other)
        if self.rank is None or other.rank is None:
            return TensorShape(None)
        return TensorShape(tuple(self) + tuple(other))

    def with_rank(self, rank: int) -> TensorShape:
        if self.rank is None:
            return TensorShape([None] * rank)
        if len(self) != rank:
            raise ValueError(f"Shape {self} must have rank {rank}")
        return self

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, slice):
            if self._unknown_rank:
                return TensorShape(None)
            return TensorShape(tuple.__getitem__(self, key))
        return tuple.__getitem__(self, key)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, TensorShape) and (self._unknown_rank or other._unknown_rank):
            return self._unknown_rank and other._unknown_rank
        if isinstance(other, (tuple, list)):
            return tuple(self) == tuple(other)
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    def __hash__(self) -> int:
        return hash((tuple(self), self._unknown_rank))

    def __repr__(self) -> str:
        return "TensorShape(None)" if self._unknown_rank else f"TensorShape({list(self)})"

    def __str__(self) -> str:
        if self._unknown_rank:
            return "<unknown>"
        return "(" + ", ".join("None" if d is None else str(d) for d in self) + ("," if len(self) == 1 else "") + ")"

    def __reduce__(self) -> tuple[Any, ...]:
        return (TensorShape, (None if self._unknown_rank else tuple(self),))


def _dim(d: Any) -> int | None:
    if d is None:
        return None
    if hasattr(d, "value"):  # TF1 Dimension objects
        d = d.value
        if d is None:
            return None
    try:
        i = int(d)
    except (TypeError, ValueError):
        raise TypeError(f"TensorShape: dimension must be an int or None, got {d!r}.") from None
    if i < 0:
        if i == -1:
            return None
        raise InvalidArgumentError(f"TensorShape: dimension must be >= 0, got {i}.")
    return i


class TensorSpec:
    """Describes one tensor: `shape` (a TensorShape), `dtype` (a DType) and an optional `name`.

    >>> spec = TensorSpec((2,), dtypes.int64)
    >>> spec.shape, spec.dtype.name, spec.is_compatible_with(TensorSpec([None], "int64"))
    (TensorShape([2]), 'int64', True)
    """

    __slots__ = ("shape", "dtype", "name")

    def __init__(self, shape: Any, dtype: Any = dtypes.float32, name: str | None = None) -> None:
        self.shape = TensorShape(shape)
        self.dtype = dtypes.as_dtype(dtype)
        self.name = name

    @classmethod
    def from_value(cls, value: Any) -> TensorSpec:
        """The spec of a concrete value (NumPy array, scalar, bytes)."""
        arr = dtypes.convert_to_numpy(value)
        return cls(arr.shape, dtypes.as_dtype(arr.dtype))

    def is_compatible_with(self, other: Any) -> bool:
        if not isinstance(other, TensorSpec):
            other = TensorSpec.from_value(other)
        return self.dtype == other.dtype and self.shape.is_compatible_with(other.shape)

    def most_specific_common_supertype(self, others: Iterable[TensorSpec]) -> TensorSpec | None:
        shape = self.shape
        for o in others:
            if o.dtype != self.dtype:
                return None
            shape = shape.most_specific_common(o.shape)
        return TensorSpec(shape, self.dtype, self.name)

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, TensorSpec) and self.dtype == other.dtype
                and self.shape == other.shape and self.name == other.name)

    def __hash__(self) -> int:
        return hash((self.shape, self.dtype, self.name))

    def __repr__(self) -> str:
        return f"TensorSpec(shape={self.shape}, dtype={self.dtype!r}, name={self.name!r})"


class SparseTensorSpec:
    """Spec of a `SparseTensorValue` (the result of parsing a `VarLenFeature`)."""

    __slots__ = ("shape", "dtype")

    def __init__(self, shape: Any = None, dtype: Any = dtypes.float32) -> None:
        self.shape = TensorShape(shape)
        self.dtype = dtypes.as_dtype(dtype)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SparseTensorSpec) and (self.shape, self.dtype) == (other.shape, other.dtype)

    def __hash__(self) -> int:
        return hash((self.shape, self.dtype))

    def __repr__(self) -> str:
        return f"SparseTensorSpec(shape={self.shape}, dtype={self.dtype!r})"
