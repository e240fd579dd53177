"""Plain Python/NumPy values <-> serialized `tf.train.Example`, via `record_format.example`.

`encode_example({"label": 3, "image_raw": b"..."})` picks each feature's kind from the value:
`bytes`/`str` (or a list of them) -> bytes_list, integers and bools -> int64_list, floats ->
float_list; NumPy arrays are flattened. `decode_example` returns `{name: (kind, values)}` with kind
`"int64" | "float" | "bytes"` (or `"none"` for a feature with no list set).

>>> blob = encode_example({"label": 3, "xy": np.array([0.5, 1.5]), "name": "seven"})
>>> d = decode_example(blob)
>>> d["label"], d["xy"], d["name"]
(('int64', [3]), ('float', [0.5, 1.5]), ('bytes', [b'seven']))
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dataflowio.errors import InvalidArgumentError

_KIND_OF_ONEOF = {"bytes_list": "bytes", "float_list": "float", "int64_list": "int64"}


def feature_of(value: Any, where: str = "feature"):
    """Returns a `Feature` message holding `value` (see the module docstring for the rules)."""
    from record_format import example as ex

    if isinstance(value, (bytes, bytearray, memoryview)):
        return ex.Feature(bytes_list=ex.BytesList(value=[bytes(value)]))
    if isinstance(value, str):
        return ex.Feature(bytes_list=ex.BytesList(value=[value.encode()]))
    if isinstance(value, (bool, int, np.integer, np.bool_)):
        return ex.Feature(int64_list=ex.Int64List(value=[int(value)]))
    if isinstance(value, (float, np.floating)):
        return ex.Feature(float_list=ex.FloatList(value=[float(value)]))
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, (bytes, str)) for v in value):
        return ex.Feature(bytes_list=ex.BytesList(
            value=[v.encode() if isinstance(v, str) else bytes(v) for v in value]))
    if isinstance(value, (list, tuple)) and not value:
        return ex.Feature(bytes_list=ex.BytesList(value=[]))
    arr = np.asarray(value)
    if arr.dtype.kind in "iub":
        return ex.Feature(int64_list=ex.Int64List(value=arr.reshape(-1).astype(np.int64).tolist()))
    if arr.dtype.kind == "f":
        return ex.Feature(float_list=ex.FloatList(value=arr.reshape(-1).astype(np.float32).tolist()))
    if arr.dtype.kind in "SUO":
        flat = [v.encode() if isinstance(v, str) else bytes(v) for v in arr.reshape(-1).tolist()]
        return ex.Feature(bytes_list=ex.BytesList(value=flat))
    raise InvalidArgumentError(f"{where}: cannot store a value of type {type(value).__name__} "
                               f"(dtype {arr.dtype}) in an Example; use bytes, ints or floats.")


def encode_example(record: dict[str, Any], where: str = "record") -> bytes:
    """Returns the serialized `tf.train.Example` holding every feature of `record`."""
    from record_format import example as ex

    feats = {name: feature_of(v, f"{where}: feature {name!r}") for name, v in record.items()}
    return ex.Example(features=ex.Features(feature=feats)).SerializeToString()


def decode_example(blob: bytes, where: str = "record") -> dict[str, tuple[str, list]]:
    """Returns `{name: (kind, values)}` for a serialized Example.

    Raises:
      DataLossError: `blob` is not a valid Example message.
    """
    from dataflowio.errors import DataLossError
    from record_format import example as ex

    msg = ex.Example()
    try:
        msg.ParseFromString(blob)
    except Exception as e:  # noqa: BLE001 - protobuf's DecodeError has no stable base class
        raise DataLossError(f"{where}: not a tf.train.Example ({e}).") from None
    out: dict[str, tuple[str, list]] = {}
    for name, feat in msg.features.feature.items():
        which = feat.WhichOneof("kind")
        if which is None:
            out[name] = ("none", [])
        else:
            out[name] = (_KIND_OF_ONEOF[which], list(getattr(feat, which).value))
    return out
