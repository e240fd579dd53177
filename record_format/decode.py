"""`decode_raw` on concrete values, with TensorFlow's dtypes, shapes and errors (CSV: csvdecode).

>>> decode_raw(b"\\x01\\x00\\x02\\x00", "int16").tolist()
[1, 2]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from record_format.errors import InvalidArgumentError


def np_dtype(dtype: Any) -> np.dtype:
    """Returns the NumPy dtype of a dataflowio / TensorFlow dtype, NumPy dtype or name."""
    if hasattr(dtype, "as_numpy_dtype") and not isinstance(dtype, np.dtype):
        dtype = dtype.as_numpy_dtype
    if isinstance(dtype, str):
        dtype = {
            "float": "float32",
            "double": "float64",
            "half": "float16",
            "string": "object",
        }.get(dtype, dtype)
    if dtype in (bytes, str):
        return np.dtype(object)
    out: np.dtype[Any] = np.dtype(dtype)
    return out


def _leaf(x: np.ndarray) -> Any:
    """0-d results as dataset elements hold them: NumPy scalars, or `bytes`."""
    if x.ndim == 0:
        v = x[()]
        return bytes(v) if isinstance(v, (bytes, np.bytes_)) else v
    return x


def decode_raw(
    input_bytes: Any = None,
    out_type: Any = None,
    little_endian: bool = True,
    fixed_length: int | None = None,
    name: str | None = None,
    bytes: Any = None,
) -> np.ndarray:  # noqa: A002 - TF1's keyword
    """Returns the bytes reinterpreted as numbers: `[len/size]` for one string, `[N, len/size]`
    for a vector of N same-length strings, as `tf.io.decode_raw`.

    >>> decode_raw([b"\\x00\\x01", b"\\x02\\x03"], "uint8").tolist()
    [[0, 1], [2, 3]]
    >>> decode_raw(b"\\x00\\x01", "int16", little_endian=False).tolist()
    [1]
    """
    del name
    if type(input_bytes) is builtins_bytes and fixed_length is None and little_endian:
        try:  # the per-element common case, kept short
            dt1 = _RAW_DTYPES[out_type]
        except (KeyError, TypeError):
            dt1 = None
        if dt1 is not None and len(input_bytes) % dt1.itemsize == 0:
            return np.frombuffer(input_bytes, dtype=dt1).copy()
    if input_bytes is None:
        input_bytes = bytes
    dt = np_dtype(out_type)
    if dt == object:
        raise InvalidArgumentError("decode_raw: `out_type` must be a numeric dtype, got string.")
    wire = dt.newbyteorder("<" if little_endian else ">") if dt.itemsize > 1 else dt
    if isinstance(input_bytes, (np.bytes_, bytearray, memoryview)):
        input_bytes = builtins_bytes(input_bytes)
    if isinstance(input_bytes, builtins_bytes):
        items, shape = [input_bytes], ()
    else:
        arr = np.asarray(input_bytes, dtype=object)
        items = [
            builtins_bytes(x) if not isinstance(x, builtins_bytes) else x for x in arr.reshape(-1)
        ]
        shape = arr.shape
        if arr.ndim == 0:
            shape = ()
    if fixed_length is not None:
        if fixed_length % dt.itemsize:
            raise InvalidArgumentError(
                f"decode_raw: fixed_length {fixed_length} is not a multiple of {dt.itemsize}, the "
                f"size of {dt.name}."
            )
        items = [x[:fixed_length].ljust(fixed_length, b"\0") for x in items]
        width = fixed_length
    else:
        width = len(items[0]) if items else 0
        if width % dt.itemsize:
            raise InvalidArgumentError(
                f"Input to DecodeRaw has length {width} that is not a multiple of {dt.itemsize}, "
                f"the size of {dt.name}"
            )
        for i, x in enumerate(items):
            if len(x) != width:
                raise InvalidArgumentError(
                    "DecodeRaw requires input strings to all be the same size, but element "
                    f"{i} has "
                    f"size {len(x)} != {width}"
                )
    joined = items[0] if len(items) == 1 else b"".join(items)
    out = np.frombuffer(joined, dtype=wire).astype(dt)  # astype: native order, writable copy
    return out.reshape(tuple(shape) + (width // dt.itemsize,))


builtins_bytes = bytes


class _RawDtypes(dict):  # type: ignore[type-arg]
    """out_type -> little-endian NumPy dtype, filled on first use (strings raise KeyError)."""

    def __missing__(self, key: Any) -> np.dtype:
        dt = np_dtype(key)
        if dt == object:
            raise KeyError(key)
        wire = dt.newbyteorder("<") if dt.itemsize > 1 else dt
        if wire != dt:  # a big-endian machine: take the general path
            raise KeyError(key)
        if len(self) < 64:
            self[key] = wire
        return wire


_RAW_DTYPES = _RawDtypes()
