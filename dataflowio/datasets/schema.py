"""Feature schemas for `convert` and `inspect`: parse `--schema`, infer one from records, and
turn parsed Examples into fixed-shape NumPy columns.

A schema entry is `name:type` or `name:type[d0,d1,...]`:

- `int64`, `float32` (alias `float`), `bytes` (alias `string`): the Example feature kind, as in
  `FixedLenFeature(shape, dtype)`; without a shape the length is taken from the data (1 value ->
  a scalar).
- any other NumPy dtype (`uint8`, `int32`, `float64`, ...): a bytes feature decoded with
  `decode_raw` into that dtype and reshaped to the shape (1-D when none is given).

>>> [(e.name, e.kind, e.raw_dtype, e.shape) for e in parse_schema("image_raw:uint8[28,28],label:int64")]
[('image_raw', 'bytes', 'uint8', (28, 28)), ('label', 'int64', None, None)]
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from dataflowio.errors import InvalidArgumentError

KINDS = {"int64": "int64", "float": "float", "float32": "float", "bytes": "bytes",
         "string": "bytes", "str": "bytes"}
_ENTRY = re.compile(r"\s*([^:,\s]+)\s*:\s*([A-Za-z0-9_]+)\s*(\[[\d,\s]*\])?\s*(,|$)")


@dataclass(frozen=True)
class Entry:
    """One feature of a schema: Example `kind`, optional `decode_raw` dtype and fixed shape."""

    name: str
    kind: str  # "int64" | "float" | "bytes"
    raw_dtype: str | None = None
    shape: tuple[int, ...] | None = None


def parse_schema(text: str, where: str = "--schema") -> list[Entry]:
    """Returns the entries of a schema string like `image_raw:bytes,label:int64`.

    >>> parse_schema("x:float[3]")[0].shape
    (3,)

    Raises:
      InvalidArgumentError: the text does not follow `name:type[shape],...`, or a type is unknown.
    """
    entries: list[Entry] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _ENTRY.match(text, pos)
        if not m:
            raise InvalidArgumentError(
                f"{where}: cannot parse {text[pos:]!r}; expected name:type or name:type[d0,d1], "
                "comma-separated, e.g. image_raw:uint8[28,28],label:int64.")
        name, typ, dims, _ = m.groups()
        shape = None
        if dims is not None:
            inner = dims[1:-1].strip()
            shape = tuple(int(d) for d in inner.split(",") if d.strip()) if inner else ()
        if typ.lower() in KINDS:
            entries.append(Entry(name, KINDS[typ.lower()], None, shape))
        else:
            try:
                dt = np.dtype(typ)
            except TypeError:
                dt = None
            if dt is None or dt.kind not in "iufb":
                raise InvalidArgumentError(
                    f"{where}: feature {name!r}: unknown type {typ!r}; use int64, float32, bytes, "
                    "or a NumPy dtype (uint8, int32, float64, ...) to decode a bytes feature raw.")
            entries.append(Entry(name, "bytes", dt.name, shape))
        pos = m.end()
    if not entries:
        raise InvalidArgumentError(f"{where}: empty schema.")
    names = [e.name for e in entries]
    if len(set(names)) != len(names):
        raise InvalidArgumentError(f"{where}: feature names repeat: {names}.")
    return entries


def format_entry(e: Entry) -> str:
    """Returns the schema text of one entry (inverse of `parse_schema`).

    >>> format_entry(Entry("x", "float", None, (2, 3)))
    'x:float32[2,3]'
    """
    typ = e.raw_dtype or {"float": "float32"}.get(e.kind, e.kind)
    dims = "" if e.shape is None else "[" + ",".join(str(d) for d in e.shape) + "]"
    return f"{e.name}:{typ}{dims}"


class SchemaStats:
    """Accumulates, per feature, its kind and the range of value counts over many Examples.

    >>> s = SchemaStats()
    >>> s.add({"a": ("int64", [1]), "b": ("bytes", [b"x", b"y"])})
    >>> s.add({"a": ("int64", [2, 3])})
    >>> s.rows()
    [('a', 'int64', 1, 2, 2), ('b', 'bytes', 0, 2, 1)]
    """

    def __init__(self) -> None:
        self.count = 0
        self._kinds: dict[str, str] = {}
        self._lens: dict[str, tuple[int, int]] = {}
        self._present: dict[str, int] = {}
        self._bytes: dict[str, tuple[int, int]] = {}

    def add(self, decoded: dict[str, tuple[str, list]]) -> None:
        for name, (kind, values) in decoded.items():
            n = len(values)
            old = self._kinds.setdefault(name, kind)
            if old != kind and kind != "none":
                self._kinds[name] = old if old != "none" else kind
            lo, hi = self._lens.get(name, (n, n))
            self._lens[name] = (min(lo, n), max(hi, n))
            self._present[name] = self._present.get(name, 0) + 1
            if kind == "bytes" and values:
                sizes = [len(v) for v in values]
                lo_b, hi_b = self._bytes.get(name, (min(sizes), max(sizes)))
                self._bytes[name] = (min(lo_b, *sizes), max(hi_b, *sizes))
        for name in self._lens.keys() - decoded.keys():
            self._lens[name] = (0, self._lens[name][1])
        self.count += 1

    def rows(self) -> list[tuple[str, str, int, int, int]]:
        """(name, kind, min length, max length, number of records holding it), sorted by name."""
        out = []
        for name in sorted(self._kinds):
            lo, hi = self._lens[name]
            if self._present[name] < self.count:
                lo = 0
            out.append((name, self._kinds[name], lo, hi, self._present[name]))
        return out

    def byte_sizes(self, name: str) -> tuple[int, int] | None:
        """(shortest, longest) bytes value of a bytes feature, or None.

        >>> s = SchemaStats(); s.add({"b": ("bytes", [b"xy", b"z"])}); s.byte_sizes("b")
        (1, 2)
        """
        return self._bytes.get(name)

    def to_schema(self) -> list[Entry]:
        """A fixed-length schema; raises `InvalidArgumentError` for a feature of varying length."""
        entries = []
        for name, kind, lo, hi, _ in self.rows():
            if lo != hi:
                raise InvalidArgumentError(
                    f"schema: feature {name!r} has between {lo} and {hi} values per record; a fixed "
                    "shape is needed: give --schema (e.g. --schema name:int64[N]) or drop it.")
            entries.append(Entry(name, "bytes" if kind == "none" else kind, None,
                                 () if hi == 1 else (hi,)))
        return entries


def columns(decoded: list[dict[str, tuple[str, list]]], schema: list[Entry],
            where: str = "schema") -> dict[str, np.ndarray]:
    """Returns one NumPy array per schema entry, first axis = records.

    >>> d = [{"x": ("float", [1.0, 2.0]), "s": ("bytes", [b"ab"])}]
    >>> c = columns(d, parse_schema("x:float32[2],s:uint8"))
    >>> c["x"].tolist(), c["s"].tolist()
    ([[1.0, 2.0]], [[97, 98]])
    """
    out: dict[str, np.ndarray] = {}
    for e in schema:
        vals = []
        for i, rec in enumerate(decoded):
            if e.name not in rec:
                raise InvalidArgumentError(f"{where}: record {i} has no feature {e.name!r}.")
            kind, v = rec[e.name]
            if kind != e.kind and kind != "none":
                raise InvalidArgumentError(f"{where}: record {i}: feature {e.name!r} is {kind}, "
                                           f"the schema says {format_entry(e)}.")
            if e.raw_dtype is not None:
                if len(v) != 1:
                    raise InvalidArgumentError(f"{where}: record {i}: feature {e.name!r} must hold "
                                               f"one bytes value to decode raw, got {len(v)}.")
                arr = np.frombuffer(v[0], dtype=np.dtype(e.raw_dtype).newbyteorder("<"))
                vals.append(_shaped(arr, e, i, where))
            elif e.kind == "bytes":
                vals.append(_shaped(np.array(v, dtype=object), e, i, where))
            else:
                dt = np.int64 if e.kind == "int64" else np.float32
                vals.append(_shaped(np.asarray(v, dtype=dt), e, i, where))
        if e.kind == "bytes" and e.raw_dtype is None:
            longest = max((len(b) for a in vals for b in a.reshape(-1)), default=1)
            col = np.array(vals, dtype=f"S{max(longest, 1)}") if vals else np.zeros((0,), "S1")
        else:
            col = np.stack(vals) if vals else np.zeros((0,) + (e.shape or ()), _dtype_of(e))
        out[e.name] = col
    return out


def _dtype_of(e: Entry) -> np.dtype:
    if e.raw_dtype:
        return np.dtype(e.raw_dtype)
    return np.dtype({"int64": np.int64, "float": np.float32, "bytes": "S1"}[e.kind])


def _shaped(arr: np.ndarray, e: Entry, i: int, where: str) -> np.ndarray:
    shape = e.shape if e.shape is not None else (() if arr.size == 1 and not e.raw_dtype else (arr.size,))
    if int(np.prod(shape)) != arr.size:
        raise InvalidArgumentError(f"{where}: record {i}: feature {e.name!r} has {arr.size} values, "
                                   f"the schema {format_entry(e)} needs {int(np.prod(shape))}.")
    return arr.reshape(shape)
