"""Protobuf wire-format primitives and a `tf.train.Example` walker that builds no message objects.

`example_pieces(buf, keys)` finds, for each wanted feature key, where its values lie in the
serialized bytes, following protobuf's merge rules exactly (a repeated `features` field merges, a
repeated map key keeps the last entry, repeated oneof members of the same kind concatenate, a
different kind replaces, unknown fields are skipped, packed and unpacked scalars are both legal).

>>> buf = bytes.fromhex("0a0c0a0a0a016c12051a030a0107")  # {"l": int64_list [7]}
>>> pieces = example_pieces(buf, {b"l": "l"})["l"]
>>> pieces.kind, values_of(buf, pieces)
(3, [7])
"""

from __future__ import annotations

import struct
from typing import NamedTuple

import numpy as np

BYTES, FLOAT, INT64 = 1, 2, 3  # Feature.kind field numbers
KIND_NAMES = {BYTES: "string", FLOAT: "float", INT64: "int64"}
_F32 = struct.Struct("<f")


class WireError(ValueError):
    """The bytes are not a valid serialized message."""


def varint(buf: bytes, pos: int) -> tuple[int, int]:
    """Returns (value, next position) of the base-128 varint at `pos`.

    >>> varint(b"\\xac\\x02", 0)
    (300, 2)
    """
    try:
        b = buf[pos]
        if b < 0x80:
            return b, pos + 1
        result = b & 0x7F
        shift = 7
        pos += 1
        while True:
            b = buf[pos]
            pos += 1
            result |= (b & 0x7F) << shift
            if b < 0x80:
                return result & 0xFFFFFFFFFFFFFFFF, pos
            shift += 7
            if shift >= 70:
                raise WireError("varint longer than 10 bytes")
    except IndexError:
        raise WireError("truncated varint") from None


def skip_field(buf: bytes, pos: int, tag: int, end: int) -> int:
    """Returns the position after the value of an unknown field with `tag`, starting at `pos`.

    Field number 0 and stray end-group tags are errors, as in protobuf; groups are skipped whole.
    """
    wire_type, field = tag & 7, tag >> 3
    if field == 0:
        raise WireError("field number 0")
    if wire_type == 0:
        pos = varint(buf, pos)[1]
    elif wire_type == 2:
        n, pos = varint(buf, pos)
        pos += n
    elif wire_type == 5:
        pos += 4
    elif wire_type == 1:
        pos += 8
    elif wire_type == 3:
        while True:
            if pos >= end:
                raise WireError("group runs past the end of its message")
            inner, pos = varint(buf, pos)
            if inner & 7 == 4:
                if inner >> 3 != field:
                    raise WireError("mismatched end-group tag")
                break
            pos = skip_field(buf, pos, inner, end)
    else:
        raise WireError(f"unexpected wire type {wire_type}")
    if pos > end:
        raise WireError("field runs past the end of its message")
    return pos


class Pieces(NamedTuple):
    """Where one feature's values lie: `kind` (0 = no kind set) and spans in the buffer.

    BYTES: (start, end) per value. FLOAT: (start, count) runs of little-endian float32.
    INT64: (start, nbytes) per varint.
    """

    kind: int
    spans: list[tuple[int, int]]


def _entries(
    buf: bytes, keys: dict[bytes, str], strict: bool = False
) -> dict[str, list[tuple[int, int]]]:
    """Feature-value regions (concatenated = merged) of each wanted key; last map entry wins."""
    found: dict[str, list[tuple[int, int]]] = {}
    end = len(buf)
    pos = 0
    while pos < end:
        tag = buf[pos]
        if tag < 0x80:
            pos += 1
        else:
            tag, pos = varint(buf, pos)
        if tag != 0x0A:  # Example.features (field 1, length-delimited)
            pos = skip_field(buf, pos, tag, end)
            continue
        n = buf[pos]
        if n < 0x80:
            pos += 1
        else:
            n, pos = varint(buf, pos)
        fend = pos + n
        if fend > end:
            raise WireError("Example.features runs past the end")
        while pos < fend:
            tag = buf[pos]
            if tag < 0x80:
                pos += 1
            else:
                tag, pos = varint(buf, pos)
            if tag != 0x0A:  # Features.feature map entry
                pos = skip_field(buf, pos, tag, fend)
                continue
            n = buf[pos]
            if n < 0x80:
                pos += 1
            else:
                n, pos = varint(buf, pos)
            eend = pos + n
            if eend > fend:
                raise WireError("map entry runs past the end of Features")
            key = b""
            values: list[tuple[int, int]] = []
            while pos < eend:
                tag = buf[pos]
                if tag < 0x80:
                    pos += 1
                else:
                    tag, pos = varint(buf, pos)
                if tag == 0x0A:
                    n = buf[pos]
                    if n < 0x80:
                        pos += 1
                    else:
                        n, pos = varint(buf, pos)
                    key = buf[pos : pos + n]
                    pos += n
                    if key not in keys:
                        try:  # protobuf rejects any map key that is not UTF-8; so do we
                            key.decode("utf-8")
                        except UnicodeDecodeError:
                            raise WireError("map key is not valid UTF-8") from None
                elif tag == 0x12:
                    n = buf[pos]
                    if n < 0x80:
                        pos += 1
                    else:
                        n, pos = varint(buf, pos)
                    values.append((pos, pos + n))
                    pos += n
                else:
                    pos = skip_field(buf, pos, tag, eend)
            if pos != eend:
                raise WireError("map entry field runs past its end")
            name = keys.get(key)
            if name is not None:
                found[name] = values
            elif strict:  # TensorFlow's parser never looks inside unrequested features
                _feature(buf, values)
        if pos != fend:
            raise WireError("Features field runs past its end")
    return found


def _feature(buf: bytes, regions: list[tuple[int, int]]) -> Pieces:
    kind = 0
    spans: list[tuple[int, int]] = []
    for start, stop in regions:
        pos = start
        while pos < stop:
            tag = buf[pos]
            if tag < 0x80:
                pos += 1
            else:
                tag, pos = varint(buf, pos)
            field, wt = tag >> 3, tag & 7
            if wt != 2 or field not in (BYTES, FLOAT, INT64):
                pos = skip_field(buf, pos, tag, stop)
                continue
            n = buf[pos]
            if n < 0x80:
                pos += 1
            else:
                n, pos = varint(buf, pos)
            lend = pos + n
            if lend > stop:
                raise WireError("Feature list runs past its end")
            if field != kind:  # a oneof member replaces another kind; the same kind merges
                kind, spans = field, []
            _list(buf, pos, lend, kind, spans)
            pos = lend
        if pos != stop:
            raise WireError("Feature field runs past its end")
    return Pieces(kind, spans)


def _list(buf: bytes, pos: int, end: int, kind: int, spans: list[tuple[int, int]]) -> None:
    while pos < end:
        tag = buf[pos]
        if tag < 0x80:
            pos += 1
        else:
            tag, pos = varint(buf, pos)
        if tag >> 3 != 1:
            pos = skip_field(buf, pos, tag, end)
            continue
        wt = tag & 7
        if kind == BYTES and wt == 2:
            n = buf[pos]
            if n < 0x80:
                pos += 1
            else:
                n, pos = varint(buf, pos)
            if pos + n > end:
                raise WireError("bytes value runs past its end")
            spans.append((pos, pos + n))
            pos += n
        elif kind == FLOAT and wt == 2:
            n = buf[pos]
            if n < 0x80:
                pos += 1
            else:
                n, pos = varint(buf, pos)
            if n % 4 or pos + n > end:
                raise WireError("packed floats have a bad length")
            spans.append((pos, n // 4))
            pos += n
        elif kind == FLOAT and wt == 5:
            if pos + 4 > end:
                raise WireError("float value runs past its end")
            spans.append((pos, 1))
            pos += 4
        elif kind == INT64 and wt == 2:
            n = buf[pos]
            if n < 0x80:
                pos += 1
            else:
                n, pos = varint(buf, pos)
            pend = pos + n
            if pend > end:
                raise WireError("packed varints run past their end")
            while pos < pend:
                nxt = varint(buf, pos)[1]
                spans.append((pos, nxt - pos))
                pos = nxt
            if pos != pend:
                raise WireError("packed varints run past their end")
        elif kind == INT64 and wt == 0:
            nxt = varint(buf, pos)[1]
            spans.append((pos, nxt - pos))
            pos = nxt
        else:
            pos = skip_field(buf, pos, tag, end)
    if pos != end:
        raise WireError("list field runs past its end")


def example_pieces(buf: bytes, keys: dict[bytes, str], strict: bool = False) -> dict[str, Pieces]:
    """Returns the `Pieces` of each wanted feature present in the serialized Example `buf`.

    `keys` maps the UTF-8 key bytes to the name used in the result. Like TensorFlow's own
    parser, the values of features nobody asked for are skipped unread; `strict=True` checks
    them too, so that exactly the inputs protobuf rejects raise `WireError`.
    """
    try:
        found = _entries(buf, keys, strict)
        return {name: _feature(buf, regions) for name, regions in found.items()}
    except IndexError:  # a length or tag byte past the end of the buffer
        raise WireError("message truncated") from None


def values_of(buf: bytes, pieces: Pieces) -> list[bytes] | np.ndarray | list[int]:
    """Returns the values the pieces point at: list of bytes, float32 array or list of ints."""
    kind = pieces.kind
    if kind == BYTES:
        return [buf[s:e] for s, e in pieces.spans]
    if kind == FLOAT:
        spans = pieces.spans
        if len(spans) == 1:
            s, c = spans[0]
            return np.frombuffer(buf, "<f4", c, s).astype(np.float32)
        return np.concatenate(
            [np.frombuffer(buf, "<f4", c, s) for s, c in spans] or [np.zeros(0, "<f4")]
        ).astype(np.float32)
    if kind == INT64:
        out = []
        for s, _ in pieces.spans:
            v = varint(buf, s)[0]
            out.append(v - (1 << 64) if v >= 1 << 63 else v)
        return out
    return []
