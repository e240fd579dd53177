"""`dataflowio.image`: `tf.image`'s decoders, `resize` and friends on NumPy values.

`resize` matches TensorFlow 2's `tf.image.resize` (half-pixel centers; float32 output except for
nearest neighbour): every method is a pair of separable weight matrices, one per axis, applied with
two matrix products, so a whole batch resizes in one vectorized call.

>>> img = np.arange(16, dtype=np.uint8).reshape(4, 4, 1)
>>> resize(img, [2, 2])[..., 0].tolist()
[[2.5, 4.5], [10.5, 12.5]]
>>> resize(img, [2, 2], method="nearest")[..., 0].tolist()
[[5, 7], [13, 15]]
"""

from __future__ import annotations

import functools
import math
from typing import Any, Callable

import numpy as np

from dataflowio.io import (  # noqa: F401 - re-exported as tf.image.* (batch-aware decoders)
    decode_bmp,
    decode_gif,
    decode_image,
    decode_jpeg,
    decode_png,
    encode_jpeg,
    encode_png,
)
from record_format.errors import InvalidArgumentError
from record_format.image_ops import convert_image_dtype  # noqa: F401


class ResizeMethod:
    """Names of the resize methods, as `tf.image.ResizeMethod`."""

    BILINEAR = "bilinear"
    NEAREST_NEIGHBOR = "nearest"
    BICUBIC = "bicubic"
    AREA = "area"
    LANCZOS3 = "lanczos3"
    LANCZOS5 = "lanczos5"
    GAUSSIAN = "gaussian"
    MITCHELLCUBIC = "mitchellcubic"


def _triangle(x: np.ndarray) -> np.ndarray:
    return np.maximum(0.0, 1.0 - np.abs(x))


def _keys_cubic(x: np.ndarray) -> np.ndarray:
    a, x = -0.5, np.abs(x)
    return np.where(
        x < 1,
        ((a + 2) * x - (a + 3)) * x * x + 1,
        np.where(x < 2, ((a * x - 5 * a) * x + 8 * a) * x - 4 * a, 0.0),
    )


def _lanczos(r: int) -> Callable[[np.ndarray], np.ndarray]:
    def k(x: np.ndarray) -> np.ndarray:
        x = np.abs(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            v = r * np.sin(np.pi * x) * np.sin(np.pi * x / r) / (np.pi * np.pi * x * x)
        return np.where(x > r, 0.0, np.where(x < 1e-6, 1.0, v))

    return k


def _gaussian(x: np.ndarray) -> np.ndarray:
    sd = 0.5  # TensorFlow: stddev 1.5 / 3, radius 3 * stddev
    x = np.abs(x)
    return np.where(x >= 1.5, 0.0, np.exp(-x * x / (2 * sd * sd)))


def _mitchell(x: np.ndarray) -> np.ndarray:
    x = np.abs(x)
    return np.where(
        x < 1,
        (7 / 6) * x**3 - 2 * x**2 + 8 / 9,
        np.where(x < 2, -(7 / 18) * x**3 + 2 * x**2 - (10 / 3) * x + 16 / 9, 0.0),
    )


_KERNELS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "bilinear": _triangle,
    "bicubic": _keys_cubic,
    "lanczos3": _lanczos(3),
    "lanczos5": _lanczos(5),
    "gaussian": _gaussian,
    "mitchellcubic": _mitchell,
}


@functools.lru_cache(maxsize=256)  # same sizes every image: computed once, read-only
def _kernel_weights(in_size: int, out_size: int, method: str, antialias: bool) -> np.ndarray:
    """`[out, in]` weights of TensorFlow's scale-and-translate sampling (rows sum to 1).

    Positions are computed in float32 as TensorFlow does: a tap that lands exactly on the
    kernel's radius in exact arithmetic may fall just inside it, and the Gaussian is not 0 there.
    """
    f32 = np.float32
    scale = f32(out_size) / f32(in_size)
    inv_scale = f32(1) / scale
    kernel_scale = max(inv_scale, f32(1)) if antialias else f32(1)
    centers = (np.arange(out_size, dtype=f32) + f32(0.5)) * inv_scale
    taps = np.arange(in_size, dtype=f32) + f32(0.5)
    x = np.abs((taps[None, :] - centers[:, None]) * (f32(1) / kernel_scale))
    w = _KERNELS[method](x.astype(np.float64)).astype(f32)
    total = w.sum(axis=1, keepdims=True)
    return np.where(np.abs(total) > 0, w / np.where(total == 0, 1, total), 0.0)


@functools.lru_cache(maxsize=256)  # same sizes every image: computed once, read-only
def _bicubic_weights(in_size: int, out_size: int) -> np.ndarray:
    """`[out, in]` weights of TensorFlow's resize_bicubic (half-pixel centers, Keys a = -0.5).

    TensorFlow looks the cubic coefficients up in a 1024-entry table, so the weights are
    quantized; doing the same gives its exact numbers. Taps outside the image get weight 0 and
    the rest are renormalized.
    """
    size = 1024
    x = np.arange(size + 1, dtype=np.float32) / np.float32(size)
    a = np.float32(-0.5)
    near = ((a + 2) * x - (a + 3)) * x * x + 1
    x1 = x + np.float32(1)
    far = ((a * x1 - 5 * a) * x1 + 8 * a) * x1 - 4 * a
    scale = np.float32(in_size / out_size)
    pos = (np.arange(out_size, dtype=np.float32) + np.float32(0.5)) * scale - np.float32(0.5)
    loc = np.floor(pos)
    offset = np.rint((pos - loc) * np.float32(size)).astype(np.int64)
    loc = loc.astype(np.int64)
    w = np.zeros((out_size, in_size), dtype=np.float32)
    taps = (
        (loc - 1, far[offset]),
        (loc, near[offset]),
        (loc + 1, near[size - offset]),
        (loc + 2, far[size - offset]),
    )
    rows = np.arange(out_size)
    for idx, weight in taps:
        inside = (idx >= 0) & (idx < in_size)
        w[rows[inside], idx[inside]] += weight[inside]
    total = w.sum(axis=1, keepdims=True, dtype=np.float32)
    return w / np.where(total == 0, 1, total)


@functools.lru_cache(maxsize=256)  # same sizes every image: computed once, read-only
def _area_weights(in_size: int, out_size: int) -> np.ndarray:
    """`[out, in]` weights of TensorFlow's resize_area: overlap of each input cell, averaged."""
    scale = in_size / out_size
    w = np.zeros((out_size, in_size))
    for o in range(out_size):
        lo, hi = o * scale, (o + 1) * scale
        for i in range(int(math.floor(lo)), int(math.ceil(hi))):
            overlap = min(i + 1, hi) - max(i, lo)
            w[o, min(i, in_size - 1)] += overlap / scale
    return w


@functools.lru_cache(maxsize=256)
def _weights(in_size: int, out_size: int, method: str, antialias: bool) -> np.ndarray:
    """The float32 `[out, in]` weights of one axis (cached: a pipeline resizes alike)."""
    if method == "area":
        w = _area_weights(in_size, out_size)
    elif method == "bicubic" and not antialias:
        w = _bicubic_weights(in_size, out_size)
    else:
        w = _kernel_weights(in_size, out_size, method, antialias)
    w = np.ascontiguousarray(w, dtype=np.float32)
    w.flags.writeable = False
    return w


@functools.lru_cache(maxsize=256)
def _nearest_index(in_size: int, out_size: int) -> np.ndarray:
    scale = np.float32(in_size / out_size)
    idx = np.floor((np.arange(out_size, dtype=np.float32) + np.float32(0.5)) * scale)
    return np.minimum(idx.astype(np.int64), in_size - 1)


def _target_size(h: int, w: int, size: Any, preserve_aspect_ratio: bool) -> tuple[int, int]:
    size = [int(s) for s in np.asarray(size).reshape(-1)]
    if len(size) != 2 or min(size) <= 0:
        raise InvalidArgumentError(
            f"resize: `size` must be 2 positive ints [height, width], got {size}."
        )
    if not preserve_aspect_ratio:
        return size[0], size[1]
    scale = min(np.float32(size[0]) / np.float32(h), np.float32(size[1]) / np.float32(w))
    return int(np.round(scale * np.float32(h))), int(np.round(scale * np.float32(w)))


def resize(
    images: Any,
    size: Any,
    method: str = ResizeMethod.BILINEAR,
    preserve_aspect_ratio: bool = False,
    antialias: bool = False,
    name: str | None = None,
) -> np.ndarray:
    """Returns `images` (`[H, W, C]` or `[N, H, W, C]`) resized to `size`, as `tf.image.resize`.

    Methods: bilinear, nearest, bicubic, area, lanczos3, lanczos5, gaussian, mitchellcubic.
    The result is float32, except nearest neighbour which keeps the input dtype.
    """
    del name
    arr = np.asarray(images)
    if arr.ndim not in (3, 4):
        raise InvalidArgumentError(
            f"resize: images must be 3-D [H, W, C] or 4-D [N, H, W, C], "
            f"got shape {list(arr.shape)}."
        )
    method = getattr(method, "value", method)
    method = {"nearest_neighbor": "nearest"}.get(str(method).lower(), str(method).lower())
    batch = arr if arr.ndim == 4 else arr[None]
    _, h, w, _ = batch.shape
    oh, ow = _target_size(h, w, size, preserve_aspect_ratio)
    if method == "nearest":
        out = batch[:, _nearest_index(h, oh)][:, :, _nearest_index(w, ow)]
    elif method in _KERNELS or method == "area":
        out = _apply(batch, _weights(h, oh, method, antialias), _weights(w, ow, method, antialias))
    else:
        raise InvalidArgumentError(
            f"resize: unknown method {method!r}; expected one of "
            f"{sorted(list(_KERNELS) + ['nearest', 'area'])}."
        )
    return out if arr.ndim == 4 else out[0]


def _apply(batch: np.ndarray, wy: np.ndarray, wx: np.ndarray) -> np.ndarray:
    x = batch.astype(np.float32, copy=False)
    # rows: [oh, h] @ [n, h, w*c] ; then columns: [ow, w] over axis 2
    n, h, w, c = x.shape
    rows = np.matmul(wy.astype(np.float32), x.reshape(n, h, w * c)).reshape(n, -1, w, c)
    return np.matmul(wx.astype(np.float32), rows)  # [ow, w] @ [n, oh, w, c] -> [n, oh, ow, c]


def resize_images(
    images: Any,
    size: Any,
    method: Any = ResizeMethod.BILINEAR,
    align_corners: bool = False,
    preserve_aspect_ratio: bool = False,
    name: str | None = None,
) -> np.ndarray:
    """TF1's `tf.image.resize_images`: `resize`, method 0-3 = bilinear, nearest, bicubic, area."""
    if align_corners:
        raise InvalidArgumentError(
            "resize_images: align_corners=True is not supported; "
            "use the default half-pixel sampling."
        )
    if isinstance(method, int):
        method = ["bilinear", "nearest", "bicubic", "area"][method]
    return resize(images, size, method, preserve_aspect_ratio, name=name)


def flip_left_right(image: Any) -> np.ndarray:
    """Returns `image` (`[H, W, C]` or `[N, H, W, C]`) mirrored along the width axis.

    >>> flip_left_right(np.arange(3).reshape(1, 3, 1))[..., 0].tolist()
    [[2, 1, 0]]
    """
    arr = np.asarray(image)
    return np.ascontiguousarray(arr[..., ::-1, :])


def flip_up_down(image: Any) -> np.ndarray:
    """Returns `image` mirrored along the height axis."""
    arr = np.asarray(image)
    return np.ascontiguousarray(arr[..., ::-1, :, :])


_rng = np.random.default_rng()


def random_flip_left_right(image: Any, seed: int | None = None) -> np.ndarray:
    """Returns `image` mirrored left-right with probability 1/2 (each image of a batch apart).

    >>> random_flip_left_right(np.arange(3).reshape(1, 3, 1), seed=0).shape
    (1, 3, 1)
    """
    arr = np.asarray(image)
    rng = np.random.default_rng(seed) if seed is not None else _rng
    if arr.ndim == 4:
        flip = rng.random(arr.shape[0]) < 0.5
        out = arr.copy()
        out[flip] = arr[flip][:, :, ::-1, :]
        return out
    return flip_left_right(arr) if rng.random() < 0.5 else arr


def per_image_standardization(image: Any) -> np.ndarray:
    """Returns `(x - mean) / max(stddev, 1/sqrt(N))` per image, float32.

    >>> per_image_standardization(np.array([[[0], [2]]], dtype=np.uint8))[..., 0].tolist()
    [[-1.0, 1.0]]
    """
    x = np.asarray(image).astype(np.float32)
    axes = tuple(range(x.ndim - 3, x.ndim))
    n = np.prod([x.shape[a] for a in axes])
    mean = x.mean(axis=axes, keepdims=True)
    std = x.std(axis=axes, keepdims=True)
    return ((x - mean) / np.maximum(std, np.float32(1.0 / math.sqrt(n)))).astype(np.float32)


# Graph-mode halves (graph/session helper): with a graph Tensor argument these functions add a
# PyFunc node instead of computing; with concrete values they are unchanged.
from dataflowio.graph.lifted import lift_module as _lift_module  # noqa: E402

_lift_module(globals(), __name__)
