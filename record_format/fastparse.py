"""The batch fast path of `parse_example`: whole columns decoded at once from shared layouts.

Records written by one program with one schema usually have byte-identical *structure* (tags,
lengths, keys) and differ only in payload bytes. For each large group of same-length records the
first one is walked as a template; a record matches it when every structural byte is equal and
every varint keeps its continuation bits, and then its values sit at the template's offsets: packed
floats become one `view("<f4")` of a column block, 1-byte varints a column, bytes values slices.
Records that match no template take the per-record wire walker, so the result is always exactly
what protobuf parsing gives (the property tests check this).

>>> from record_format.example import Example, Features, Feature, FloatList
>>> from record_format.features import FixedLenFeature
>>> from record_format.parse import schema
>>> recs = [Example(features=Features(feature={"x": Feature(float_list=FloatList(value=[i, -i]))}))
...         .SerializeToString() for i in range(20)]
>>> parse_batch(recs, schema({"x": FixedLenFeature([2], "float32")}), None)["x"][19].tolist()
[19.0, -19.0]
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from record_format.features import FixedLenFeature
from record_format.parse import Column, build_dense, parse_one, parse_records, wire_decoder
from record_format.wire import FLOAT, INT64, WireError, example_pieces

MIN_GROUP = 16  # smaller groups are cheaper record by record
MAX_GROUPS = 8


class Layout:
    """Where each column's values sit in records shaped like one template record."""

    def __init__(
        self,
        template: bytes,
        columns: list[Column],
        plans: list[tuple[Any, ...]],
        payload: np.ndarray,
        varint_cols: np.ndarray,
    ) -> None:
        self.columns = columns
        self.plans = plans
        t = np.frombuffer(template, np.uint8)
        self.struct_cols = np.nonzero(~payload)[0]
        self.struct_vals = t[self.struct_cols]
        self.varint_cols = varint_cols
        self.varint_bits = t[varint_cols] & 0x80

    @classmethod
    def build(cls, template: bytes, columns: list[Column]) -> Layout | None:
        """Returns the layout of `template`, or None when it needs the per-record path."""
        try:
            found = example_pieces(template, {c.key.encode("utf-8"): c.key for c in columns})
        except WireError:
            return None
        payload = np.zeros(len(template), dtype=bool)
        varint_cols: list[int] = []
        plans: list[tuple[Any, ...]] = []
        for col in columns:
            p = found.get(col.key)
            if p is None:
                if col.default is None:
                    return None  # let the per-record path raise the missing-feature error
                plans.append(("default",))
                continue
            kind, spans = p
            if kind != col.kind:
                return None  # wrong kind, or an empty Feature (TensorFlow: absent)
            count = sum(c for _, c in spans) if kind == FLOAT else len(spans)
            if count != col.size:
                return None
            if kind == FLOAT:
                cols = np.concatenate([np.arange(s, s + 4 * c) for s, c in spans])
                payload[cols] = True
                run = (
                    (int(cols[0]), int(cols[-1]) + 1)
                    if cols[-1] - cols[0] + 1 == len(cols)
                    else None
                )
                plans.append(("float", run, cols))
            elif kind == INT64:
                for s, nb in spans:
                    payload[s : s + nb] = True
                    varint_cols.extend(range(s, s + nb))
                plans.append(("int", spans))
            else:
                for s, e in spans:
                    payload[s:e] = True
                plans.append(("bytes", spans))
        return cls(template, columns, plans, payload, np.asarray(varint_cols, dtype=np.int64))

    def matches(self, m: np.ndarray) -> np.ndarray:
        """Rows of `m` (records as uint8 rows) laid out exactly like the template."""
        ok: np.ndarray = (m[:, self.struct_cols] == self.struct_vals).all(axis=1)
        if len(self.varint_cols):
            ok &= ((m[:, self.varint_cols] & 0x80) == self.varint_bits).all(axis=1)
        return ok

    def fill(
        self,
        m: np.ndarray,
        records: Sequence[bytes],
        outs: dict[str, np.ndarray],
        rows: np.ndarray | slice,
    ) -> None:
        """Writes the values of the matching records `m` / `records` into `outs[key][rows]`."""
        n = len(m)
        for col, plan in zip(self.columns, self.plans):
            out = outs[col.key]
            flat = out.reshape(len(out), col.size)
            what = plan[0]
            if what == "float":
                run, cols = plan[1], plan[2]
                block = m[:, run[0] : run[1]] if run is not None else m[:, cols]
                if flat.dtype == np.dtype("<f4") and flat.flags.c_contiguous:
                    # the packed little-endian floats' bytes, copied straight into the output
                    flat.view(np.uint8)[rows] = block
                else:
                    flat[rows] = np.ascontiguousarray(block).view("<f4")
            elif what == "int":
                vals = np.empty((n, len(plan[1])), dtype=np.int64)
                for j, (s, nb) in enumerate(plan[1]):
                    if nb == 1:
                        vals[:, j] = m[:, s]
                        continue
                    v = np.zeros(n, dtype=np.uint64)
                    for b in range(nb):
                        v |= (m[:, s + b] & 0x7F).astype(np.uint64) << np.uint64(7 * b)
                    vals[:, j] = v.view(np.int64)
                flat[rows] = vals
            elif what == "bytes":
                spans = plan[1]
                if len(spans) == 1:
                    s, e = spans[0]
                    col_vals = np.empty(n, dtype=object)
                    col_vals[:] = [r[s:e] for r in records]
                    flat[rows, 0] = col_vals
                else:
                    block = np.empty((n, len(spans)), dtype=object)
                    for j, (s, e) in enumerate(spans):
                        block[:, j] = [r[s:e] for r in records]
                    flat[rows] = block
            elif what == "default":
                assert col.default is not None
                flat[rows] = col.default.reshape(-1)


def parse_batch(
    records: list[bytes], columns: list[Column], names: Sequence[str] | None
) -> dict[str, Any]:
    """Returns parse_example's outputs for `records`, by layout groups where possible."""
    batch = len(records)
    if batch < MIN_GROUP or not all(isinstance(c.spec, FixedLenFeature) for c in columns):
        return parse_records(records, columns, wire_decoder(columns), names)
    outs = {c.key: np.empty((batch,) + c.shape, dtype=c.np_dtype) for c in columns}
    done = np.zeros(batch, dtype=bool)
    lengths = np.fromiter(map(len, records), dtype=np.int64, count=batch)
    sizes, first, counts = np.unique(lengths, return_index=True, return_counts=True)
    for g in np.argsort(-counts, kind="stable")[:MAX_GROUPS]:
        if counts[g] < MIN_GROUP:
            break
        layout = Layout.build(records[first[g]], columns)
        if layout is None:
            continue
        if counts[g] == batch:
            idx: np.ndarray | slice = slice(None)
            group = records
        else:
            idx = np.nonzero(lengths == sizes[g])[0]
            group = [records[i] for i in idx]
        m = np.frombuffer(b"".join(group), dtype=np.uint8).reshape(len(group), int(sizes[g]))
        ok = layout.matches(m)
        if ok.all():
            layout.fill(m, group, outs, idx)
            done[idx] = True
            continue
        sel = np.arange(batch)[idx][ok]
        layout.fill(m[ok], [r for r, good in zip(group, ok) if good], outs, sel)
        done[sel] = True
    rest = np.nonzero(~done)[0]
    if len(rest):
        decode = wire_decoder(columns)
        decoded = {int(i): decode(records[i]) for i in rest}
        for c in columns:
            build_dense(c, decoded, names, out=outs[c.key], rows=[int(i) for i in rest])  # type: ignore[arg-type]
    return outs


class SingleLayout:
    """A `Layout` checked and read one record at a time, with no NumPy per structural byte.

    The structural bytes are kept as a few `bytes` segments that `startswith` compares; a
    record of another shape misses and takes the wire walker.
    """

    def __init__(self, template: bytes, layout: Layout) -> None:
        self.size = len(template)
        self.columns = layout.columns
        self.plans = layout.plans
        cols = layout.struct_cols.tolist()
        self.segments: list[tuple[int, bytes]] = []
        i = 0
        while i < len(cols):
            j = i
            while j + 1 < len(cols) and cols[j + 1] == cols[j] + 1:
                j += 1
            self.segments.append((cols[i], template[cols[i] : cols[j] + 1]))
            i = j + 1
        self.varint_bits = [(c, template[c] & 0x80) for c in layout.varint_cols.tolist()]
        self.hits = 0
        self.misses = 0

    def matches(self, rec: bytes) -> bool:
        """True when `rec` has the template's structure."""
        if len(rec) != self.size:
            return False
        for start, seg in self.segments:
            if not rec.startswith(seg, start):
                return False
        return all(rec[c] & 0x80 == bit for c, bit in self.varint_bits)

    def read(self, rec: bytes) -> dict[str, Any]:
        """The parse_single_example result of a matching record."""
        out: dict[str, Any] = {}
        for col, plan in zip(self.columns, self.plans):
            what = plan[0]
            if what == "float":
                run, cols = plan[1], plan[2]
                if run is not None:
                    vals = np.frombuffer(rec, "<f4", (run[1] - run[0]) // 4, run[0])
                else:
                    vals = np.frombuffer(bytes(rec[c] for c in cols.tolist()), "<f4")
                out[col.key] = (
                    np.float32(vals[0])
                    if col.shape == ()
                    else vals.astype(np.float32).reshape(col.shape)
                )
            elif what == "int":
                ints = [_varint_at(rec, s, nb) for s, nb in plan[1]]
                out[col.key] = (
                    np.int64(ints[0])
                    if col.shape == ()
                    else np.array(ints, np.int64).reshape(col.shape)
                )
            elif what == "bytes":
                vals_b = [rec[s:e] for s, e in plan[1]]
                if col.shape == ():
                    out[col.key] = vals_b[0]
                else:
                    arr = np.empty(len(vals_b), dtype=object)
                    arr[:] = vals_b
                    out[col.key] = arr.reshape(col.shape)
            else:  # default
                d = col.default
                assert d is not None
                out[col.key] = (
                    d.copy()
                    if col.shape
                    else (d[()] if col.dtype == "string" else col.np_dtype.type(d[()]))
                )
        return out


def _varint_at(rec: bytes, start: int, nbytes: int) -> int:
    if nbytes == 1:
        return rec[start]
    v = 0
    for k in range(nbytes):
        v |= (rec[start + k] & 0x7F) << (7 * k)
    v &= (1 << 64) - 1
    return v - (1 << 64) if v >= 1 << 63 else v


_SINGLE: dict[int, tuple[list[Column], SingleLayout]] = {}


def parse_single(record: bytes, columns: list[Column], names: Sequence[str]) -> dict[str, Any]:
    """parse_single_example through a cached layout when the record matches it."""
    hit = _SINGLE.get(id(columns))
    cached = hit[1] if hit is not None and hit[0] is columns else None
    if cached is not None and cached.matches(record):
        cached.hits += 1
        return cached.read(record)
    out = parse_one(record, columns, names)  # raises TensorFlow's errors for bad records
    if cached is not None:
        cached.misses += 1
        if cached.misses > 4 * (cached.hits + 1):
            return out  # records vary: stop re-learning layouts
    if all(isinstance(c.spec, FixedLenFeature) for c in columns):
        layout = Layout.build(record, columns)
        if layout is not None:
            if len(_SINGLE) > 256:
                _SINGLE.clear()
            fresh = SingleLayout(record, layout)
            if cached is not None:
                fresh.hits, fresh.misses = cached.hits, cached.misses
            _SINGLE[id(columns)] = (columns, fresh)
    return out
