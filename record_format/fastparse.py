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
from record_format.parse import Column, build_dense, parse_records, wire_decoder
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
        ok = (m[:, self.struct_cols] == self.struct_vals).all(axis=1)
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
