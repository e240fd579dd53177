"""Image decoding and encoding with Pillow, with TensorFlow's argument names, shapes and dtypes.

`decode_image` detects the format (JPEG, PNG, GIF, BMP, WebP) and returns uint8 `[H, W, C]`
(`[frames, H, W, C]` for an animated GIF unless `expand_animations=False`). Colour JPEGs decoded
to RGB go through libjpeg-turbo via `simplejpeg` when it is installed (a dependency): ~3x faster
than Pillow for small images, and the whole decode releases the GIL, so a parallel map scales.
Like TensorFlow it uses libjpeg's fast integer DCT unless `dct_method="INTEGER_ACCURATE"` (then
it is pixel-identical to Pillow), and plain upsampling when `fancy_upscaling=False`: TensorFlow's
exact pixels either way. Everything else (and any input simplejpeg refuses) goes through Pillow,
which always uses the accurate DCT.

>>> png = encode_png(np.array([[[255, 0, 0]]], dtype=np.uint8))
>>> img = decode_image(png)
>>> img.shape, img.dtype.name, img.tolist()
((1, 1, 3), 'uint8', [[[255, 0, 0]]])
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np

from record_format.decode import np_dtype
from record_format.errors import InvalidArgumentError

try:
    import simplejpeg as _simplejpeg
except ImportError:  # no wheel for this platform: Pillow decodes every JPEG
    _simplejpeg = None

_SIGNATURES = (
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"BM", "BMP"),
)


def image_format(contents: bytes) -> str | None:
    """Returns "JPEG", "PNG", "GIF", "BMP" or "WEBP" from the leading bytes, else None.

    >>> image_format(b"GIF89a...")
    'GIF'
    """
    for sig, name in _SIGNATURES:
        if contents.startswith(sig):
            return name
    if contents[:4] == b"RIFF" and contents[8:12] == b"WEBP":
        return "WEBP"
    return None


def _fast_rgb_jpeg(data: bytes, channels: int, dct_method: str = "",
                   fancy_upscaling: bool = True) -> np.ndarray | None:
    """A colour JPEG decoded to RGB by libjpeg-turbo (GIL released), or None when this is not
    that case; Pillow then decodes it (and reports any error). `dct_method` and
    `fancy_upscaling` as `decode_jpeg`'s: TensorFlow's default is the fast integer DCT."""
    if _simplejpeg is None or channels not in (0, 3) or not data.startswith(b"\xff\xd8\xff"):
        return None
    try:
        if _simplejpeg.decode_jpeg_header(data)[2] not in ("YCbCr", "RGB"):
            return None
        return _simplejpeg.decode_jpeg(data, colorspace="RGB",
                                       fastdct=dct_method != "INTEGER_ACCURATE",
                                       fastupsample=not fancy_upscaling)
    except ValueError:
        return None


def _as_bytes(contents: Any, where: str) -> bytes:
    if isinstance(contents, np.ndarray):
        if contents.ndim != 0:
            raise InvalidArgumentError(
                f"{where}: `contents` must be a scalar string, got shape {list(contents.shape)}."
            )
        contents = contents.item()
    if isinstance(contents, (bytearray, memoryview, np.bytes_)):
        contents = bytes(contents)
    if not isinstance(contents, bytes):
        raise InvalidArgumentError(
            f"{where}: `contents` must be bytes, got {type(contents).__name__}."
        )
    return contents


def _to_array(img: Any, channels: int, where: str) -> np.ndarray:
    """One Pillow frame as `[H, W, C]` with the requested channel count (0 = as stored)."""
    mode = img.mode
    if channels == 0:
        if mode in ("L", "1", "I;16", "I;16B", "I"):
            target = "L" if mode in ("L", "1") else mode
        elif mode == "LA":
            target = "LA"
        elif mode in ("RGBA", "PA") or (mode == "P" and "transparency" in img.info):
            target = "RGBA"
        else:
            target = "RGB"
    elif channels == 1:
        target = "L" if mode not in ("I;16", "I;16B", "I") else mode
    elif channels == 2:
        target = "LA"
    elif channels == 3:
        target = "RGB"
    elif channels == 4:
        target = "RGBA"
    else:
        raise InvalidArgumentError(f"{where}: `channels` must be 0, 1, 2, 3 or 4, got {channels}.")
    if target in ("L", "LA") and mode not in ("L", "LA", "1") and img.format != "JPEG":
        return _libpng_gray(img, target == "LA")
    if mode != target:
        img = img.convert(target)
    arr = np.asarray(img)
    if arr.dtype != np.uint8 and target.startswith("I"):
        arr = arr.astype(np.uint16)
    return arr[..., None] if arr.ndim == 2 else arr


def _libpng_gray(img: Any, alpha: bool) -> np.ndarray:
    """RGB -> gray as libpng does for TensorFlow (0.299 / 0.587 in 1/32768ths, truncated)."""
    rgba = np.asarray(img.convert("RGBA")).astype(np.uint32)
    gray = ((9797 * rgba[..., 0] + 19234 * rgba[..., 1] + 3737 * rgba[..., 2]) >> 15).astype(
        np.uint8
    )
    if alpha:
        return np.stack([gray, rgba[..., 3].astype(np.uint8)], axis=-1)
    return gray[..., None]


def _open(contents: bytes, where: str, channels: int = 0) -> Any:
    from PIL import Image, UnidentifiedImageError

    if image_format(contents) is None:
        raise InvalidArgumentError(
            f"{where}: Unknown image file format. One of JPEG, PNG, GIF, BMP required."
        )
    try:
        img = Image.open(io.BytesIO(contents))
        if channels == 1 and img.format == "JPEG" and img.mode != "L":
            img.draft("L", img.size)  # libjpeg's own grayscale output, as TensorFlow gets it
        img.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as e:
        raise InvalidArgumentError(
            f"{where}: cannot decode {image_format(contents)} data ({len(contents)} bytes): {e}"
        ) from None
    return img


def _finish(arr: np.ndarray, dtype: Any) -> np.ndarray:
    dt = np_dtype(dtype) if dtype is not None else np.dtype(np.uint8)
    if arr.dtype == dt:
        return arr
    from record_format.image_ops import convert_image_dtype

    return convert_image_dtype(arr, dt)


def decode_image(
    contents: Any,
    channels: int | None = None,
    dtype: Any = None,
    name: str | None = None,
    expand_animations: bool = True,
) -> np.ndarray:
    """Returns the decoded image as `[H, W, C]` (or `[frames, H, W, C]` for GIFs), as
    `tf.io.decode_image`. `dtype` float32 scales to [0, 1]."""
    del name
    data = _as_bytes(contents, "decode_image")
    ch = channels or 0
    fast = _fast_rgb_jpeg(data, ch)
    if fast is not None:
        return _finish(fast, dtype)
    img = _open(data, "decode_image", ch)
    if image_format(data) == "GIF" and expand_animations:
        return _finish(_gif_frames(img, ch), dtype)
    if image_format(data) == "GIF":
        img.seek(0)
    return _finish(_to_array(img, ch, "decode_image"), dtype)


def _gif_frames(img: Any, channels: int) -> np.ndarray:
    frames = []
    for i in range(getattr(img, "n_frames", 1)):
        img.seek(i)
        frames.append(_to_array(img, channels or 3, "decode_gif"))
    return np.stack(frames)


def decode_jpeg(
    contents: Any,
    channels: int = 0,
    ratio: int = 1,
    fancy_upscaling: bool = True,
    try_recover_truncated: bool = False,
    acceptable_fraction: float = 1,
    dct_method: str = "",
    name: str | None = None,
) -> np.ndarray:
    """Returns a JPEG decoded to uint8 `[H, W, C]`, as `tf.io.decode_jpeg` (`ratio` downscales).

    `dct_method`: "" (TensorFlow's default, the fast integer DCT), "INTEGER_FAST" or
    "INTEGER_ACCURATE"; it and `fancy_upscaling` apply to colour JPEGs decoded to RGB.
    """
    del try_recover_truncated, acceptable_fraction, name
    if dct_method not in ("", "INTEGER_FAST", "INTEGER_ACCURATE"):
        raise InvalidArgumentError(
            "decode_jpeg: dct_method must be one of {'', 'INTEGER_FAST', 'INTEGER_ACCURATE'}, "
            f"got {dct_method!r}.")
    data = _as_bytes(contents, "decode_jpeg")
    if ratio not in (1, 2, 4, 8):
        raise InvalidArgumentError(f"decode_jpeg: `ratio` must be 1, 2, 4 or 8, got {ratio}.")
    if ratio != 1 and image_format(data) == "JPEG":
        from PIL import Image

        img = Image.open(io.BytesIO(data))
        w, h = img.size
        img.draft(img.mode, (-(-w // ratio), -(-h // ratio)))
        img.load()
        return _to_array(img, channels, "decode_jpeg")
    fast = _fast_rgb_jpeg(data, channels, dct_method, fancy_upscaling)
    if fast is not None:
        return fast
    return _to_array(_open(data, "decode_jpeg", channels), channels, "decode_jpeg")


def decode_png(
    contents: Any, channels: int = 0, dtype: Any = None, name: str | None = None
) -> np.ndarray:
    """Returns a PNG decoded to `[H, W, C]` uint8 (or uint16), as `tf.io.decode_png`."""
    del name
    img = _open(_as_bytes(contents, "decode_png"), "decode_png")
    arr = _to_array(img, channels, "decode_png")
    dt = np_dtype(dtype) if dtype is not None else np.dtype(np.uint8)
    if arr.dtype == np.uint16 and dt == np.uint8:
        return (arr >> 8).astype(np.uint8)
    return _finish(arr, dt)


def decode_gif(contents: Any, name: str | None = None) -> np.ndarray:
    """Returns every GIF frame as uint8 `[frames, H, W, 3]`, as `tf.io.decode_gif`."""
    del name
    return _gif_frames(_open(_as_bytes(contents, "decode_gif"), "decode_gif"), 3)


def decode_bmp(contents: Any, channels: int = 0, name: str | None = None) -> np.ndarray:
    """Returns a BMP decoded to uint8 `[H, W, C]`, as `tf.io.decode_bmp`."""
    del name
    return _to_array(_open(_as_bytes(contents, "decode_bmp"), "decode_bmp"), channels, "decode_bmp")


def _pil_image(image: Any, where: str) -> Any:
    from PIL import Image

    arr = np.asarray(image)
    if arr.ndim != 3 or arr.shape[-1] not in (1, 2, 3, 4):
        raise InvalidArgumentError(
            f"{where}: image must be [height, width, channels] with 1-4 "
            f"channels, got shape {list(arr.shape)}."
        )
    if arr.dtype != np.uint8 and not (where == "encode_png" and arr.dtype == np.uint16):
        raise InvalidArgumentError(f"{where}: image must be uint8, got {arr.dtype}.")
    if arr.shape[-1] == 1:
        return Image.fromarray(arr[..., 0])
    return Image.fromarray(arr, {2: "LA", 3: "RGB", 4: "RGBA"}[arr.shape[-1]])


def encode_jpeg(
    image: Any,
    format: str = "",
    quality: int = 95,
    progressive: bool = False,  # noqa: A002
    optimize_size: bool = False,
    chroma_downsampling: bool = True,
    density_unit: str = "in",
    x_density: int = 300,
    y_density: int = 300,
    xmp_metadata: str = "",
    name: str | None = None,
) -> bytes:
    """Returns uint8 `[H, W, 1 or 3]` encoded as JPEG bytes, as `tf.io.encode_jpeg`."""
    del format, xmp_metadata, name
    img = _pil_image(image, "encode_jpeg")
    if img.mode not in ("L", "RGB"):
        raise InvalidArgumentError("encode_jpeg: image must have 1 or 3 channels.")
    out = io.BytesIO()
    extra: dict[str, Any] = {"dpi": (x_density, y_density)} if density_unit == "in" else {}
    img.save(
        out,
        "JPEG",
        quality=quality,
        progressive=progressive,
        optimize=optimize_size,
        subsampling=2 if chroma_downsampling else 0,
        **extra,
    )
    return out.getvalue()


def encode_png(image: Any, compression: int = -1, name: str | None = None) -> bytes:
    """Returns uint8 `[H, W, C]` encoded as PNG bytes, as `tf.io.encode_png`."""
    del name
    img = _pil_image(image, "encode_png")
    out = io.BytesIO()
    img.save(out, "PNG", compress_level=6 if compression < 0 else compression)
    return out.getvalue()
