"""`parse_example` / `parse_single_example`: serialized `tf.train.Example`s to NumPy, as TensorFlow.

Outputs follow TensorFlow: float32 / int64 arrays and object arrays of `bytes`; a
`FixedLenFeature` gives `[batch, *shape]` (`shape` alone for one example), a `VarLenFeature` a
`SparseTensorValue` (indices `[N, 2]` and dense_shape `[batch, max_len]`, or `[N, 1]` / `[max_len]`
for one example), a `FixedLenSequenceFeature` `[batch, max_items, *shape]` padded with its default.
Scalars of one example come back as NumPy scalars or `bytes`, as dataset elements hold them.

The default path walks the wire format (`wire.py`) with no message object per record, and for
batches whose records share a layout decodes whole columns at once (`fastparse.py`).
`parse_example_proto` does the same through protobuf message objects: the reference.

>>> from record_format.example import Example, Features, Feature, Int64List
>>> ex = Example(features=Features(feature={"label": Feature(int64_list=Int64List(value=[3]))}))
>>> out = parse_single_example(ex.SerializeToString(), {"label": FixedLenFeature([], "int64")})
>>> int(out["label"]), out["label"].dtype.name
(3, 'int64')
>>> batch = [ex.SerializeToString()] * 2
>>> parse_example(batch, {"label": FixedLenFeature([1], "int64")})["label"].tolist()
[[3], [3]]
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

import numpy as np

from record_format.errors import InvalidArgumentError
from record_format.features import (
    NP_DTYPES,
    FixedLenFeature,
    FixedLenSequenceFeature,
    SparseTensorValue,
    VarLenFeature,
    default_array,
    spec_dtype,
    spec_shape,
)
from record_format.wire import BYTES, FLOAT, INT64, KIND_NAMES, WireError, example_pieces, values_of

KIND_OF = {"string": BYTES, "float32": FLOAT, "int64": INT64}
TYPE_NAME = {"string": "string", "float32": "float", "int64": "int64"}

Values = Any  # list[bytes] | np.ndarray | list[int]
Decoder = Callable[[bytes], dict[str, tuple[int, Values]]]


class Column:
    """One requested feature, with its spec checked once."""

    def __init__(self, key: str, spec: Any) -> None:
        self.key = key
        self.spec = spec
        if not isinstance(spec, (FixedLenFeature, VarLenFeature, FixedLenSequenceFeature)):
            raise InvalidArgumentError(
                f"parse_example: feature {key!r} must be a FixedLenFeature, VarLenFeature or "
                f"FixedLenSequenceFeature, got {type(spec).__name__}."
            )
        self.dtype = spec_dtype(spec)
        self.kind = KIND_OF[self.dtype]
        self.np_dtype = NP_DTYPES[self.dtype]
        self.shape: tuple[int, ...] = ()
        self.default: np.ndarray | None = None
        if isinstance(spec, FixedLenFeature):
            self.shape = spec_shape(spec)
            self.default = default_array(spec, self.dtype, self.shape, key)
        elif isinstance(spec, FixedLenSequenceFeature):
            if not spec.allow_missing:
                raise InvalidArgumentError(
                    f"parse_example: FixedLenSequenceFeature {key!r} needs allow_missing=True "
                    "to be parsed from Examples (TensorFlow's rule too)."
                )
            self.shape = spec_shape(spec)
        self.size = int(np.prod(self.shape))


def schema(features: Mapping[str, Any]) -> list[Column]:
    """Returns the checked columns of a `{key: spec}` mapping."""
    if type(features) is not dict and not isinstance(features, Mapping) or not features:
        raise InvalidArgumentError(
            f"parse_example: `features` must be a non-empty dict of "
            f"feature specs, got {features!r:.80}."
        )
    key = (id(features),) + tuple(id(v) for v in features.values())
    hit = _SCHEMAS.get(key)
    if hit is not None and hit[0] is features and len(features) == len(hit[1]):
        return hit[1]
    columns = [Column(str(k), v) for k, v in features.items()]
    if len(_SCHEMAS) > 256:
        _SCHEMAS.clear()
    _SCHEMAS[key] = (features, columns)  # holds `features`, so its id stays unique
    return columns


# Map functions pass the same `features` dict for every element: check the specs once.
_SCHEMAS: dict[tuple[int, ...], tuple[Any, list[Column]]] = {}
_KEYS: dict[int, tuple[list[Column], dict[bytes, str]]] = {}


def _keys_of(columns: list[Column]) -> dict[bytes, str]:
    hit = _KEYS.get(id(columns))
    if hit is not None and hit[0] is columns:
        return hit[1]
    keys = {c.key.encode("utf-8"): c.key for c in columns}
    if len(_KEYS) > 256:
        _KEYS.clear()
    _KEYS[id(columns)] = (columns, keys)
    return keys


def _leaf_value(col: Column, values: Values) -> Any:
    """One FixedLenFeature's values as parse_single_example returns them."""
    if col.shape == ():
        v = values[0]
        if col.dtype == "string":
            return v
        return col.np_dtype.type(v)
    if col.dtype == "float32":
        return values.reshape(col.shape)
    out = np.empty(col.size, dtype=col.np_dtype)
    out[:] = values
    return out.reshape(col.shape)


def parse_one(record: bytes, columns: list[Column], names: Sequence[str]) -> dict[str, Any]:
    """parse_single_example's result for one record: no batch arrays built and dropped."""
    try:
        found = example_pieces(record, _keys_of(columns))
    except WireError:
        raise _unparseable(record) from None
    out: dict[str, Any] = {}
    for col in columns:
        p = found.get(col.key)
        if not isinstance(col.spec, FixedLenFeature):
            decoded = [{col.key: (p.kind, values_of(record, p))} if p is not None else {}]
            sub = parse_records_decoded(decoded, [col], names)
            out[col.key] = single(sub)[col.key]
            continue
        if p is None or not p.kind:
            if col.default is None:
                raise missing_error(col, names, 0)
            d = col.default
            out[col.key] = (
                d.copy()
                if col.shape
                else (d[()] if col.dtype == "string" else col.np_dtype.type(d[()]))
            )
            continue
        check_kind(col, p.kind, names, 0)
        values = values_of(record, p)
        if len(values) != col.size:
            raise size_error(col, len(values), names, 0)
        out[col.key] = _leaf_value(col, values)
    return out


def as_batch(serialized: Any) -> tuple[list[bytes], bool]:
    """Returns (records, is_scalar) for bytes, a list / array of bytes, or a 0-d array."""
    if isinstance(serialized, (bytes, str, np.bytes_)):
        return [_as_bytes(serialized)], True
    arr = np.asarray(serialized, dtype=object) if not isinstance(serialized, list) else None
    if arr is not None and arr.ndim == 0:
        return [_as_bytes(arr.item())], True
    items = serialized if arr is None else arr
    if arr is not None and arr.ndim != 1:
        raise InvalidArgumentError(
            f"parse_example: `serialized` must be a scalar or a vector of strings, got shape "
            f"{list(arr.shape)}."
        )
    return [_as_bytes(s) for s in items], False


def _as_bytes(s: Any) -> bytes:
    if isinstance(s, bytes):
        return s
    if isinstance(s, str):
        return s.encode("utf-8")
    if isinstance(s, (np.bytes_, bytearray, memoryview)):
        return bytes(s)
    raise InvalidArgumentError(
        f"parse_example: serialized Examples must be bytes, got {type(s).__name__}."
    )


def _unparseable(record: bytes) -> InvalidArgumentError:
    shown = record[:60]
    return InvalidArgumentError(
        f"Could not parse example input, value: {shown!r}" + ("..." if len(record) > 60 else "")
    )


def wire_decoder(columns: list[Column]) -> Decoder:
    """Returns a function: serialized Example -> {key: (kind, values)} via the wire walker."""
    keys = {c.key.encode("utf-8"): c.key for c in columns}

    def decode(record: bytes) -> dict[str, tuple[int, Values]]:
        try:
            found = example_pieces(record, keys)
        except WireError:
            raise _unparseable(record) from None
        return {k: (p.kind, values_of(record, p)) for k, p in found.items()}

    return decode


def proto_decoder(columns: list[Column]) -> Decoder:
    """Returns a decoder with the same contract built on protobuf message objects."""
    from google.protobuf.message import DecodeError

    from record_format.example import Example

    names = [c.key for c in columns]

    def decode(record: bytes) -> dict[str, tuple[int, Values]]:
        try:
            fmap = Example.FromString(record).features.feature
        except DecodeError:
            raise _unparseable(record) from None
        out: dict[str, tuple[int, Values]] = {}
        for k in names:
            if k in fmap:
                f = fmap[k]
                which = f.WhichOneof("kind")
                if which == "bytes_list":
                    out[k] = (BYTES, list(f.bytes_list.value))
                elif which == "float_list":
                    out[k] = (FLOAT, np.array(f.float_list.value, dtype=np.float32))
                elif which == "int64_list":
                    out[k] = (INT64, list(f.int64_list.value))
                else:
                    out[k] = (0, [])
        return out

    return decode


class ScalarInput(tuple):  # type: ignore[type-arg]
    """Marks `names` of a scalar input: TensorFlow words those errors without Name / Index."""


def _where(names: Sequence[str] | None, i: int, key: str) -> str:
    if isinstance(names, ScalarInput):
        return f"Key: {key}."
    name = names[i] if names is not None else "<unknown>"
    return f"Name: {name}, Key: {key}, Index: {i}."


def check_kind(col: Column, kind: int, names: Sequence[str] | None, i: int) -> None:
    """Raises TensorFlow's dtype-mismatch error when a present feature has the wrong kind."""
    if kind and kind != col.kind:
        raise InvalidArgumentError(
            f"{_where(names, i, col.key)}  Data types don't match. Data type: "
            f"{KIND_NAMES[kind]} but expected type: {TYPE_NAME[col.dtype]}"
        )


def missing_error(col: Column, names: Sequence[str] | None, i: int) -> InvalidArgumentError:
    """TensorFlow's error for a required feature that is absent."""
    name = (
        ""
        if isinstance(names, ScalarInput)
        else f"Name: {names[i] if names is not None else '<unknown>'}, "
    )
    return InvalidArgumentError(
        f"{name}Feature: {col.key} (data type: "
        f"{TYPE_NAME[col.dtype]}) is required but could not be found."
    )


def size_error(col: Column, n: int, names: Sequence[str] | None, i: int) -> InvalidArgumentError:
    """TensorFlow's error for a FixedLenFeature with the wrong number of values."""
    shape = "[" + ",".join(str(d) for d in col.shape) + "]"
    return InvalidArgumentError(
        f"{_where(names, i, col.key)}  Number of {TYPE_NAME[col.dtype]} values != expected.  "
        f"Values size: {n} but output shape: {shape}"
    )


def empty(col: Column, shape: tuple[int, ...]) -> np.ndarray:
    """An array of `shape` filled with the column's zero value (b"" for strings)."""
    if col.dtype == "string":
        out = np.empty(shape, dtype=object)
        out.fill(b"")
        return out
    return np.zeros(shape, dtype=col.np_dtype)


def build_dense(
    col: Column,
    decoded: list[dict[str, tuple[int, Values]]],
    names: Sequence[str] | None,
    out: np.ndarray | None = None,
    rows: Sequence[int] | None = None,
) -> np.ndarray:
    """Fills `[batch, *shape]` for a FixedLenFeature (only `rows`, when given)."""
    if out is None:
        out = np.empty((len(decoded),) + col.shape, dtype=col.np_dtype)
    flat = out.reshape(len(out), col.size)
    for i in range(len(decoded)) if rows is None else rows:
        got = decoded[i].get(col.key)
        if got is None or not got[0]:  # TensorFlow treats a Feature with no list as absent
            if col.default is None:
                raise missing_error(col, names, i)
            flat[i] = col.default.reshape(-1)
            continue
        kind, values = got
        check_kind(col, kind, names, i)
        if len(values) != col.size:
            raise size_error(col, len(values), names, i)
        flat[i] = values
    return out


def build_varlen(
    col: Column, decoded: list[dict[str, tuple[int, Values]]], names: Sequence[str] | None
) -> SparseTensorValue:
    """Builds the batch SparseTensorValue of a VarLenFeature."""
    counts = np.zeros(len(decoded), dtype=np.int64)
    parts: list[Values] = []
    for i, d in enumerate(decoded):
        got = d.get(col.key)
        if got is None:
            continue
        check_kind(col, got[0], names, i)
        counts[i] = len(got[1])
        parts.append(got[1])
    n = int(counts.sum())
    values = _concat(col, parts, n)
    rows = np.repeat(np.arange(len(decoded), dtype=np.int64), counts)
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    cols = np.arange(n, dtype=np.int64) - starts
    indices = np.stack([rows, cols], axis=1) if n else np.zeros((0, 2), dtype=np.int64)
    dense_shape = np.array([len(decoded), int(counts.max()) if len(counts) else 0], dtype=np.int64)
    return SparseTensorValue(indices, values, dense_shape)


def _concat(col: Column, parts: list[Values], n: int) -> np.ndarray:
    out = np.empty(n, dtype=col.np_dtype)
    pos = 0
    for p in parts:
        out[pos : pos + len(p)] = p
        pos += len(p)
    return out


def build_sequence(
    col: Column, decoded: list[dict[str, tuple[int, Values]]], names: Sequence[str] | None
) -> np.ndarray:
    """Builds `[batch, max_items, *shape]` for a FixedLenSequenceFeature, padded."""
    stride = max(col.size, 1)
    items: list[np.ndarray | None] = []
    for i, d in enumerate(decoded):
        got = d.get(col.key)
        if got is None or not got[0]:
            items.append(None)
            continue
        check_kind(col, got[0], names, i)
        vals = got[1]
        if col.size == 0 and len(vals) or col.size and len(vals) % col.size:
            raise InvalidArgumentError(
                f"{_where(names, i, col.key)}  Number of {TYPE_NAME[col.dtype]} values is not a "
                f"multiple of stride length. Saw {len(vals)} values but output shape is: "
                f"[?,{','.join(str(d) for d in col.shape)}]"
            )
        items.append(_concat(col, [vals], len(vals)))
    longest = max((len(v) // stride for v in items if v is not None), default=0)
    out = empty(col, (len(decoded), longest) + col.shape)
    pad = col.spec.default_value
    if pad is not None:
        out.fill(pad.encode() if isinstance(pad, str) else pad)
    flat = out.reshape(len(decoded), longest * col.size)
    for i, v in enumerate(items):
        if v is not None:
            flat[i, : len(v)] = v
    return out


def parse_records(
    records: list[bytes], columns: list[Column], decode: Decoder, names: Sequence[str] | None
) -> dict[str, Any]:
    """Parses a batch with `decode` (one call per record) into TensorFlow's outputs."""
    return parse_records_decoded([decode(r) for r in records], columns, names)


def parse_records_decoded(
    decoded: list[dict[str, tuple[int, Values]]], columns: list[Column], names: Sequence[str] | None
) -> dict[str, Any]:
    """TensorFlow's outputs from already decoded records."""
    out: dict[str, Any] = {}
    for col in columns:
        if isinstance(col.spec, FixedLenFeature):
            out[col.key] = build_dense(col, decoded, names)
        elif isinstance(col.spec, VarLenFeature):
            out[col.key] = build_varlen(col, decoded, names)
        else:
            out[col.key] = build_sequence(col, decoded, names)
    return out


def single(out: dict[str, Any]) -> dict[str, Any]:
    """Drops the batch dimension of a one-record result (parse_single_example's shapes)."""
    result: dict[str, Any] = {}
    for k, v in out.items():
        if isinstance(v, SparseTensorValue):
            result[k] = SparseTensorValue(
                np.ascontiguousarray(v.indices[:, 1:]), v.values, v.dense_shape[1:].copy()
            )
        else:
            leaf = v[0]
            if isinstance(leaf, np.ndarray) and leaf.ndim == 0:
                leaf = leaf[()]
            result[k] = leaf
    return result


def _names(example_names: Any, n: int) -> list[str] | None:
    if example_names is None:
        return None
    flat = [
        x.decode() if isinstance(x, bytes) else str(x)
        for x in np.asarray(example_names, dtype=object).reshape(-1)
    ]
    if len(flat) != n:
        raise InvalidArgumentError(
            f"parse_example: `example_names` has {len(flat)} names for {n} serialized examples."
        )
    return flat


def _scalar(names: list[str] | None) -> ScalarInput:
    return ScalarInput(names or ["<unknown>"])


def parse_example(
    serialized: Any, features: Mapping[str, Any], name: str | None = None, example_names: Any = None
) -> dict[str, Any]:
    """Returns `{key: value}` for a batch of serialized Examples, as `tf.io.parse_example`.

    A scalar `serialized` gives `parse_single_example`'s shapes.

    >>> from record_format.example import Example, Features, Feature, FloatList
    >>> ex = Example(features=Features(feature={"x": Feature(float_list=FloatList(value=[1, 2]))}))
    >>> sp = parse_example([ex.SerializeToString(), b""], {"x": VarLenFeature("float32")})["x"]
    >>> sp.indices.tolist(), sp.values.tolist(), sp.dense_shape.tolist()
    ([[0, 0], [0, 1]], [1.0, 2.0], [2, 2])
    """
    del name
    records, scalar = as_batch(serialized)
    columns = schema(features)
    names = _names(example_names, len(records))
    if scalar:
        return single(parse_records(records, columns, wire_decoder(columns), _scalar(names)))
    return _fast.parse_batch(records, columns, names)


def parse_single_example(
    serialized: Any, features: Mapping[str, Any], name: str | None = None, example_names: Any = None
) -> dict[str, Any]:
    """Returns `{key: value}` for one serialized Example, as `tf.io.parse_single_example`.

    >>> from record_format.example import Example, Features, Feature, BytesList
    >>> ex = Example(features=Features(feature={"s": Feature(bytes_list=BytesList(value=[b"hi"]))}))
    >>> parse_single_example(ex.SerializeToString(), {"s": FixedLenFeature([], "string"),
    ...                      "t": FixedLenFeature([], "string", default_value="-")})
    {'s': b'hi', 't': b'-'}
    """
    del name
    records, scalar = as_batch(serialized)
    if not scalar and len(records) != 1:
        raise InvalidArgumentError(
            f"parse_single_example: `serialized` must be a scalar, got {len(records)} values."
        )
    columns = schema(features)
    names = _SCALAR if example_names is None else _scalar(_names(example_names, 1))
    return _fast.parse_single(records[0], columns, names)


def parse_example_proto(
    serialized: Any, features: Mapping[str, Any], example_names: Any = None
) -> dict[str, Any]:
    """`parse_example` through protobuf message objects (the reference; slower)."""
    records, scalar = as_batch(serialized)
    columns = schema(features)
    names = _names(example_names, len(records))
    out = parse_records(
        records, columns, proto_decoder(columns), _scalar(names) if scalar else names
    )
    return single(out) if scalar else out


_SCALAR = ScalarInput(["<unknown>"])

# At the end: fastparse imports this module's names.
from record_format import fastparse as _fast  # noqa: E402
