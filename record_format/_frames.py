"""Frame-level helpers of the TFRecord reader: masked CRCs, the vectorized check, the CRC worker.

>>> hex(_masked(b"123456789"))
'0xc78ab0e5'
"""

from __future__ import annotations

import struct
from concurrent.futures import Future, ThreadPoolExecutor
from typing import NamedTuple

import numpy as np
from google_crc32c import cext as _crc

_HDR = struct.Struct("<QI")
_Q = struct.Struct("<Q")
_U32 = struct.Struct("<I")
_DELTA = 0xA282EAD8
_M32 = 0xFFFFFFFF


_AR4 = np.arange(4)


def _mask_array(crc: np.ndarray) -> np.ndarray:
    return ((crc >> np.uint32(15)) | (crc << np.uint32(17))) + np.uint32(_DELTA)


def _first_bad_data_crc(buf: bytes, stops: list[int], data_crcs: list[int]) -> int:
    """Index of the first frame whose stored data CRC (at `stops[i]`) differs, or -1."""
    a = np.frombuffer(buf, np.uint8)
    stored = a[np.asarray(stops, dtype=np.int64)[:, None] + _AR4].view("<u4").ravel()
    with np.errstate(over="ignore"):
        bad = _mask_array(np.asarray(data_crcs, dtype=np.uint32)) != stored
    return int(np.argmax(bad)) if bad.any() else -1


_LENGTH_CRCS: dict[int, int] = {}


_TRUNCATED = object()
_POOL: ThreadPoolExecutor | None = None


def _crc_pool() -> ThreadPoolExecutor:
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=1, thread_name_prefix="record_format-crc")
    return _POOL


class _Ahead(NamedTuple):
    """A large record read ahead, with its CRC computing on the worker."""

    offset: int
    data: bytes
    stored: int
    crc: Future[int]
    after: int


class Corruption(NamedTuple):
    """One damaged region a skipping reader stepped over."""

    path: str
    offset: int  # stream offset where the damaged record starts
    reason: str
    skipped_bytes: int


def _masked(data: object) -> int:
    c: int = _crc.value(data)
    return (((c >> 15) | (c << 17)) + _DELTA) & _M32
