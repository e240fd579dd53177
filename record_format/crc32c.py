"""CRC-32C (Castagnoli) over the native `google-crc32c`, masked as TFRecord stores it.

TFRecord never stores a raw CRC: it stores `((crc >> 15) | (crc << 17)) + 0xa282ead8` (mod 2**32),
so that a CRC of data that itself contains CRCs does not look "too regular".

>>> hex(crc32c(b"123456789"))                 # the standard CRC-32C check value
'0xe3069283'
>>> unmask(masked_crc32c(b"abc")) == crc32c(b"abc")
True
"""

from __future__ import annotations

from typing import Union

import numpy as np
from google_crc32c import cext as _native

_MASK_DELTA = 0xA282EAD8

# `google_crc32c` accepts `bytes` and read-only NumPy arrays (any buffer without a release hook),
# but not memoryviews; a NumPy view is how callers CRC a slice without copying it.
Buffer = Union[bytes, np.ndarray]


def crc32c(data: Buffer) -> int:
    """Returns the CRC-32C of `data` as an unsigned 32-bit int.

    >>> crc32c(b"")
    0
    """
    return int(_native.value(data))


def mask(crc: int) -> int:
    """Returns `crc` masked the way TFRecord stores it.

    >>> hex(mask(0))
    '0xa282ead8'
    """
    return (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & 0xFFFFFFFF


def unmask(masked: int) -> int:
    """Returns the raw CRC from a masked one (the inverse of `mask`).

    >>> unmask(mask(0xE3069283)) == 0xE3069283
    True
    """
    rot = (masked - _MASK_DELTA) & 0xFFFFFFFF
    return ((rot >> 17) | (rot << 15)) & 0xFFFFFFFF


def masked_crc32c(data: Buffer) -> int:
    """Returns the masked CRC-32C of `data`, as written after a TFRecord length and payload.

    >>> hex(masked_crc32c(b"123456789"))
    '0xc78ab0e5'
    """
    crc = int(_native.value(data))
    return (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & 0xFFFFFFFF
