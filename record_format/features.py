"""Specs for parsing Examples: `FixedLenFeature`, `VarLenFeature`, `FixedLenSequenceFeature`.

They are namedtuples with TensorFlow's field names; `dtype` may be a dataflowio / TensorFlow dtype,
a NumPy dtype or a name. Only float32, int64 and string are storable in an Example.

>>> FixedLenFeature([784], "float32").shape
[784]
>>> spec_dtype(VarLenFeature(np.int64))
'int64'
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from record_format.errors import InvalidArgumentError


class FixedLenFeature(NamedTuple):
    """A feature with a fixed number of values, parsed to a dense array of `shape`."""

    shape: Any
    dtype: Any
    default_value: Any = None


class VarLenFeature(NamedTuple):
    """A feature with any number of values, parsed to a `SparseTensorValue`."""

    dtype: Any


class FixedLenSequenceFeature(NamedTuple):
    """A feature whose values are a sequence of `shape`-sized items, parsed to `[n, *shape]`."""

    shape: Any
    dtype: Any
    allow_missing: bool = False
    default_value: Any = None


class SparseTensorValue(NamedTuple):
    """A sparse tensor as values: int64 `indices` [N, rank], `values` [N], `dense_shape`."""

    indices: np.ndarray
    values: np.ndarray
    dense_shape: np.ndarray


NP_DTYPES: dict[str, np.dtype[Any]] = {
    "float32": np.dtype(np.float32),
    "int64": np.dtype(np.int64),
    "string": np.dtype(object),
}
_ALIASES = {
    "float": "float32",
    "float32": "float32",
    "int64": "int64",
    "string": "string",
    "bytes": "string",
    "str": "string",
    "object": "string",
}


def spec_dtype(spec: Any) -> str:
    """Returns "float32", "int64" or "string" for a spec's dtype; other dtypes raise."""
    dtype = spec.dtype
    name: Any = dtype if isinstance(dtype, str) else getattr(dtype, "name", None)
    if dtype in (bytes, str, object):
        name = "string"
    elif not isinstance(name, str):
        try:
            npd = np.dtype(dtype)
            name = "string" if npd.kind in "OSU" else npd.name
        except TypeError:
            name = repr(dtype)
    found = _ALIASES.get(name)
    if found is None:
        raise InvalidArgumentError(
            f"{type(spec).__name__}: dtype must be float32, int64 or string (what an Example "
            f"can store), got {name}."
        )
    return found


def spec_shape(spec: Any, allow_unknown_first: bool = False) -> tuple[int, ...]:
    """Returns a spec's shape as a tuple of ints (fully defined)."""
    shape = spec.shape
    if hasattr(shape, "as_list"):
        shape = shape.as_list()
    if shape is None:
        raise InvalidArgumentError(f"{type(spec).__name__}: shape must be fully defined, got None.")
    if isinstance(shape, (int, np.integer)):
        shape = [int(shape)]
    dims = list(shape)
    if any(d is None or int(d) < 0 for d in dims):
        raise InvalidArgumentError(
            f"{type(spec).__name__}: shape must be fully defined, got {dims}."
        )
    return tuple(int(d) for d in dims)


def default_array(spec: Any, dtype: str, shape: tuple[int, ...], key: str) -> np.ndarray | None:
    """Returns the spec's default value as an array of `shape`, or None when there is none."""
    if spec.default_value is None:
        return None
    value = spec.default_value
    if dtype == "string":
        arr = np.asarray(value, dtype=object)
        flat = [v.encode() if isinstance(v, str) else bytes(v) for v in arr.reshape(-1)]
        arr = np.empty(len(flat), dtype=object)
        arr[:] = flat if flat else []
    else:
        arr = np.asarray(value, dtype=NP_DTYPES[dtype])
    size = int(np.prod(shape))
    if arr.size != size:
        raise InvalidArgumentError(
            f"FixedLenFeature {key!r}: default_value has {arr.size} values, the shape "
            f"{list(shape)} "
            f"needs {size}."
        )
    return arr.reshape(shape)
