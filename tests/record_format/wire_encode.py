"""A tiny hand-written protobuf encoder for tests: Examples with packed or unpacked lists."""

from __future__ import annotations

import struct


def varint(v: int) -> bytes:
    v &= (1 << 64) - 1
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def ld(field: int, payload: bytes) -> bytes:
    return varint(field << 3 | 2) + varint(len(payload)) + payload


def feature(kind: int, values: list, packed: bool = True) -> bytes:
    """Feature bytes: kind 1 bytes, 2 float, 3 int64, 0 = no kind set."""
    if kind == 0:
        return b""
    if kind == 1:
        body = b"".join(ld(1, v) for v in values)
    elif kind == 2:
        if packed:
            body = ld(1, struct.pack(f"<{len(values)}f", *values)) if values else b""
        else:
            body = b"".join(b"\x0d" + struct.pack("<f", v) for v in values)
    else:
        if packed:
            body = ld(1, b"".join(varint(v) for v in values)) if values else b""
        else:
            body = b"".join(b"\x08" + varint(v) for v in values)
    return ld(kind, body)


def example(features: dict[str, tuple[int, list, bool]]) -> bytes:
    entries = b"".join(
        ld(1, ld(1, k.encode()) + ld(2, feature(*spec))) for k, spec in features.items()
    )
    return ld(1, entries)
