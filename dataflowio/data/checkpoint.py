"""Elements and nested values as plain JSON data, for iterator states (`get_state()`).

NumPy arrays become `{"nd": dtype, "shape": [...], "b64": ...}`, object arrays of bytes a list of
base64 strings, `bytes` `{"b": ...}`; tuples, namedtuples, dicts and lists keep their nesting.

>>> v = ({"a": np.arange(3, dtype=np.int32)}, b"x", np.float32(1.5), [1, "s"])
>>> back = decode(json.loads(json.dumps(encode(v))))
>>> back[0]["a"].tolist(), back[1], back[2].dtype.name, back[3]
([0, 1, 2], b'x', 'float32', [1, 's'])
"""

from __future__ import annotations

import base64
import importlib
import json  # noqa: F401 - used by the doctest
from typing import Any

import numpy as np

from dataflowio.errors import InvalidArgumentError


def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode("ascii")


def _unb64(s: str) -> bytes:
    return base64.b64decode(s.encode("ascii"))


def encode(value: Any) -> Any:
    """`value` (NumPy values, bytes, Python scalars, nested containers) as JSON-able data."""
    if value is None or isinstance(value, bool | str) or (type(value) in (int, float)):
        return value
    if isinstance(value, bytes):
        return {"b": _b64(value)}
    if isinstance(value, np.ndarray):
        if value.dtype == object:
            flat = value.reshape(-1)
            return {"nd": "object", "shape": list(value.shape), "items": [encode(v) for v in flat]}
        arr = np.ascontiguousarray(value)
        return {"nd": arr.dtype.str, "shape": list(arr.shape), "b64": _b64(arr.tobytes())}
    if isinstance(value, np.generic):
        if isinstance(value, np.bytes_):
            return {"b": _b64(bytes(value))}
        return {"np": value.dtype.str, "b64": _b64(np.asarray(value).tobytes())}
    if isinstance(value, dict):
        return {"dict": [[encode(k), encode(v)] for k, v in value.items()],
                **({"type": _type_name(value)} if type(value) is not dict else {})}
    if isinstance(value, tuple):
        out: dict[str, Any] = {"tuple": [encode(v) for v in value]}
        if type(value) is not tuple:
            out["type"] = _type_name(value)
        return out
    if isinstance(value, list):
        return {"list": [encode(v) for v in value]}
    if type(value).__name__ == "SparseTensorValue":
        return {"sparse": [encode(np.asarray(v)) for v in value], "type": _type_name(value)}
    raise InvalidArgumentError(
        f"checkpoint: cannot encode a {type(value).__name__} in an iterator state; expected NumPy "
        "values, bytes, Python scalars, tuples, dicts or lists.")


def decode(data: Any) -> Any:
    """The inverse of `encode`."""
    if data is None or isinstance(data, bool | str | int | float):
        return data
    if isinstance(data, list):  # raw JSON list (not produced by encode, accepted for robustness)
        return [decode(v) for v in data]
    if "b" in data:
        return _unb64(data["b"])
    if "nd" in data:
        shape = tuple(data["shape"])
        if data["nd"] == "object":
            out = np.empty(len(data["items"]), dtype=object)
            for i, v in enumerate(data["items"]):
                out[i] = decode(v)
            return out.reshape(shape)
        return np.frombuffer(_unb64(data["b64"]), dtype=np.dtype(data["nd"])).reshape(shape).copy()
    if "np" in data:
        return np.frombuffer(_unb64(data["b64"]), dtype=np.dtype(data["np"]))[0]
    if "dict" in data:
        d = {decode(k): decode(v) for k, v in data["dict"]}
        return _load_type(data["type"])(d) if "type" in data else d
    if "tuple" in data:
        items = [decode(v) for v in data["tuple"]]
        if "type" in data:
            return _load_type(data["type"])(*items)
        return tuple(items)
    if "list" in data:
        return [decode(v) for v in data["list"]]
    if "sparse" in data:
        return _load_type(data["type"])(*[decode(v) for v in data["sparse"]])
    raise InvalidArgumentError(f"checkpoint: unrecognized encoded value {str(data)[:60]!r}.")


def _type_name(value: Any) -> str:
    t = type(value)
    return f"{t.__module__}:{t.__qualname__}"


def _load_type(name: str) -> Any:
    module, _, qual = name.partition(":")
    obj: Any = importlib.import_module(module)
    for part in qual.split("."):
        obj = getattr(obj, part)
    return obj
