"""TensorFlow's dtypes over NumPy: `dataflowio.float32` and friends, and `as_dtype`.

>>> import numpy as np
>>> as_dtype("float").name, as_dtype(np.int64).name, as_dtype(float32) is float32
('float32', 'int64', True)
>>> string.as_numpy_dtype is object
True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dataflowio.errors import InvalidArgumentError


class DType:
    """A tensor element type: a name plus the NumPy dtype that holds its values."""

    __slots__ = ("name", "_np")

    def __init__(self, name: str, np_type: Any) -> None:
        self.name = name
        self._np = np_type

    @property
    def as_numpy_dtype(self) -> Any:
        """The NumPy scalar type (`object` for `string`)."""
        return self._np

    @property
    def np(self) -> np.dtype:
        """The `np.dtype` that arrays of this type use (object for strings)."""
        return np.dtype(self._np)

    @property
    def is_floating(self) -> bool:
        return self.name in ("float16", "bfloat16", "float32", "float64")

    @property
    def is_integer(self) -> bool:
        return self.name.startswith(("int", "uint"))

    @property
    def is_unsigned(self) -> bool:
        return self.name.startswith("uint")

    @property
    def is_bool(self) -> bool:
        return self.name == "bool"

    @property
    def is_complex(self) -> bool:
        return self.name.startswith("complex")

    @property
    def is_numpy_compatible(self) -> bool:
        return True

    @property
    def base_dtype(self) -> DType:
        return self

    @property
    def real_dtype(self) -> DType:
        return {"complex64": float32, "complex128": float64}.get(self.name, self)

    @property
    def min(self) -> Any:
        if self.is_floating:
            return np.finfo(self._np).min
        if self.is_integer:
            return np.iinfo(self._np).min
        raise TypeError(f"dtype {self.name} has no min")

    @property
    def max(self) -> Any:
        if self.is_floating:
            return np.finfo(self._np).max
        if self.is_integer:
            return np.iinfo(self._np).max
        raise TypeError(f"dtype {self.name} has no max")

    def is_compatible_with(self, other: Any) -> bool:
        return as_dtype(other) is self

    def __eq__(self, other: object) -> bool:
        if isinstance(other, DType):
            return other.name == self.name
        try:
            return as_dtype(other) is self
        except (TypeError, InvalidArgumentError):
            return False

    def __hash__(self) -> int:
        return hash(self.name)

    def __repr__(self) -> str:
        return f"tf.{self.name}"

    def __reduce__(self) -> tuple[Any, ...]:
        return (as_dtype, (self.name,))


float16 = DType("float16", np.float16)
half = float16
float32 = DType("float32", np.float32)
float64 = DType("float64", np.float64)
double = float64
int8 = DType("int8", np.int8)
int16 = DType("int16", np.int16)
int32 = DType("int32", np.int32)
int64 = DType("int64", np.int64)
uint8 = DType("uint8", np.uint8)
uint16 = DType("uint16", np.uint16)
uint32 = DType("uint32", np.uint32)
uint64 = DType("uint64", np.uint64)
bool = DType("bool", np.bool_)  # noqa: A001 - TensorFlow's public name
string = DType("string", object)
_pybool = type(True)
complex64 = DType("complex64", np.complex64)
complex128 = DType("complex128", np.complex128)

ALL_DTYPES: tuple[DType, ...] = (
    float16, float32, float64, int8, int16, int32, int64, uint8, uint16, uint32, uint64,
    bool, string, complex64, complex128,
)
_BY_NAME: dict[str, DType] = {d.name: d for d in ALL_DTYPES}
_BY_NAME.update({"float": float32, "double": float64, "half": float16, "str": string,
                 "bytes": string, "object": string, "bool_": bool})
_BY_NP: dict[np.dtype, DType] = {np.dtype(d.as_numpy_dtype): d for d in ALL_DTYPES if d is not string}


def as_dtype(value: Any) -> DType:
    """Returns the DType for a DType, NumPy dtype or type, or a name such as "float32".

    >>> as_dtype("int64").name, as_dtype(np.dtype("S3")).name, as_dtype(bytes).name
    ('int64', 'string', 'string')

    Raises:
      TypeError: if `value` names no dtype (TensorFlow raises TypeError here too).
    """
    if isinstance(value, DType):
        return value
    if isinstance(value, str):
        found = _BY_NAME.get(value)
        if found is None:
            raise TypeError(f"as_dtype: {value!r} is not a dtype name; expected one of "
                            f"{sorted(d.name for d in ALL_DTYPES)}.")
        return found
    if value is object or value is bytes or value is str:
        return string
    if value is float:
        return float32
    if value is int:
        return int32
    if value is _pybool:
        return bool
    if hasattr(value, "as_numpy_dtype") and not isinstance(value, np.dtype):
        return as_dtype(value.as_numpy_dtype)
    try:
        npd = np.dtype(value)
    except TypeError:
        raise TypeError(f"as_dtype: cannot convert {value!r} to a dtype.") from None
    if npd.kind in ("S", "U", "O"):
        return string
    found = _BY_NP.get(npd)
    if found is None:
        raise TypeError(f"as_dtype: NumPy dtype {npd} has no dataflowio equivalent.")
    return found


def dtype_of(value: Any) -> DType:
    """Returns TensorFlow's dtype for a concrete value: Python int -> int32, float -> float32.

    >>> dtype_of(3).name, dtype_of(2.5).name, dtype_of(b"x").name, dtype_of([1, 2]).name
    ('int32', 'float32', 'string', 'int32')
    """
    if isinstance(value, np.ndarray | np.generic):
        return as_dtype(value.dtype)
    return as_dtype(convert_to_numpy(value).dtype)


def convert_to_numpy(value: Any, dtype: Any = None) -> np.ndarray:
    """Converts a Python/NumPy value to an ndarray with TensorFlow's literal dtype rules.

    Python ints become int32 (int64 if they do not fit), floats float32, `str`/`bytes` object arrays
    of `bytes`; NumPy inputs keep their dtype unless `dtype` is given.

    >>> convert_to_numpy([1, 2]).dtype.name, convert_to_numpy(1.5).dtype.name
    ('int32', 'float32')
    >>> convert_to_numpy("ab").item()
    b'ab'
    """
    if dtype is not None:
        target = as_dtype(dtype)
        if target is string:
            return _to_bytes_array(value)
        arr = np.asarray(value)
        if arr.dtype.kind in ("S", "U", "O") and arr.size and target is not string:
            raise InvalidArgumentError(f"cannot convert strings {value!r:.60} to {target.name}.")
        return arr.astype(target.np, copy=False)
    if isinstance(value, np.ndarray):
        if value.dtype.kind in ("S", "U"):
            return _to_bytes_array(value)
        return value
    if isinstance(value, np.generic):
        if value.dtype.kind in ("S", "U"):
            return _to_bytes_array(value)
        return np.asarray(value)
    arr = np.asarray(value)
    if arr.dtype.kind in ("S", "U") or (arr.dtype.kind == "O" and _all_strings(arr)):
        return _to_bytes_array(arr)
    if arr.dtype == np.float64:
        return arr.astype(np.float32)
    if arr.dtype == np.int64 and arr.size and not _contains_numpy_int64(value):
        lo, hi = arr.min(), arr.max()
        if np.iinfo(np.int32).min <= lo and hi <= np.iinfo(np.int32).max:
            return arr.astype(np.int32)
        return arr
    if arr.dtype == np.int64 and arr.size == 0:
        return arr.astype(np.int32)
    return arr


def _contains_numpy_int64(value: Any) -> _pybool:
    if isinstance(value, np.integer):
        return value.dtype == np.int64
    if isinstance(value, (list, tuple)) and value:
        return _contains_numpy_int64(value[0])
    return False


def _all_strings(arr: np.ndarray) -> _pybool:
    return all(isinstance(v, (bytes, str)) for v in arr.flat)


def _to_bytes_array(value: Any) -> np.ndarray:
    arr = np.asarray(value, dtype=object)
    out = np.empty(arr.shape, dtype=object)
    flat_in, flat_out = arr.reshape(-1), out.reshape(-1)
    for i, v in enumerate(flat_in):
        if isinstance(v, str):
            v = v.encode("utf-8")
        elif isinstance(v, np.bytes_):
            v = bytes(v)
        elif not isinstance(v, bytes):
            raise InvalidArgumentError(f"expected bytes or str in a string tensor, got {type(v).__name__}: {v!r:.60}.")
        flat_out[i] = v
    return out
