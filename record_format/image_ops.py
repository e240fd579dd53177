"""`convert_image_dtype` on NumPy arrays, as `tf.image.convert_image_dtype`.

Integers map to [0, MAX] and floats to [0, 1]: uint8 -> float32 divides by 255, float -> uint8
multiplies by 255.5 and truncates (TensorFlow's rounding), integer -> integer shifts bits.

>>> convert_image_dtype(np.array([0, 255], dtype=np.uint8), "float32").tolist()
[0.0, 1.0]
>>> convert_image_dtype(np.array([0.0, 0.5, 1.0], dtype=np.float32), "uint8").tolist()
[0, 127, 255]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from record_format.decode import np_dtype
from record_format.errors import InvalidArgumentError


def convert_image_dtype(
    image: Any, dtype: Any, saturate: bool = False, name: str | None = None
) -> np.ndarray:
    """Returns `image` converted to `dtype`, rescaling between integer and float ranges."""
    del name
    img = np.asarray(image)
    dt = np_dtype(dtype)
    src = img.dtype
    if dt.kind not in "uif" or src.kind not in "uif":
        raise InvalidArgumentError(
            f"convert_image_dtype: only integer and float images can be "
            f"converted, got {src} -> {dt}."
        )
    if src == dt:
        return img
    if src.kind in "ui" and dt.kind in "ui":
        src_max, dst_max = np.iinfo(src).max, np.iinfo(dt).max
        if src_max > dst_max:
            scale = (src_max + 1) // (dst_max + 1)
            return (img.astype(np.int64) // scale).astype(dt)
        scale = (dst_max + 1) // (src_max + 1)
        return (img.astype(np.int64) * scale).astype(dt)
    if src.kind == "f" and dt.kind == "f":
        return img.astype(dt)
    if src.kind in "ui":
        out: np.ndarray = (img.astype(dt) * dt.type(1.0 / np.iinfo(src).max)).astype(dt)
        return out
    info = np.iinfo(dt)
    scaled = img * src.type(info.max + 0.5)
    if saturate:
        scaled = np.clip(scaled, info.min, info.max)
    result: np.ndarray = scaled.astype(dt)
    return result
