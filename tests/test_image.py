"""dataflowio.image: decoders, resize and friends, against TensorFlow where it is installed."""

from __future__ import annotations

import io

import numpy as np
import pytest

from dataflowio import image
from record_format.errors import InvalidArgumentError

METHODS = [
    "bilinear",
    "nearest",
    "bicubic",
    "area",
    "lanczos3",
    "lanczos5",
    "gaussian",
    "mitchellcubic",
]


def rgb(h=9, w=13, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


def test_resize_shapes_dtypes_and_identity():
    img = rgb()
    assert image.resize(img, [4, 5]).dtype == np.float32
    assert image.resize(img, [4, 5], method="nearest").dtype == np.uint8
    assert image.resize(np.stack([img, img]), [20, 3]).shape == (2, 20, 3, 3)
    assert np.array_equal(image.resize(img, [9, 13]), img.astype(np.float32))
    assert image.resize(img, [18, 18], preserve_aspect_ratio=True).shape == (12, 18, 3)
    assert image.resize_images(img, [4, 5], method=1).dtype == np.uint8


def test_resize_errors():
    with pytest.raises(InvalidArgumentError, match="3-D .* or 4-D"):
        image.resize(np.zeros((3, 3)), [2, 2])
    with pytest.raises(InvalidArgumentError, match="unknown method 'cubic'"):
        image.resize(rgb(), [2, 2], method="cubic")


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("size", [(4, 5), (20, 31), (9, 6)])
@pytest.mark.parametrize("antialias", [False, True])
def test_resize_matches_tensorflow(tf, method, size, antialias):
    batch = np.stack([rgb(seed=1), rgb(seed=2)]).astype(np.float32) / 255
    want = tf.image.resize(batch, size, method=method, antialias=antialias).numpy()
    got = image.resize(batch, size, method=method, antialias=antialias)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_allclose(got, want, atol=1e-4)
    got3 = image.resize(batch[0], size, method=method, antialias=antialias)
    np.testing.assert_allclose(got3, want[0], atol=1e-4)


def test_convert_flip_standardize_match_tensorflow(tf):
    img = rgb()
    for dtype in ("float32", "uint16", "int32"):
        want = tf.image.convert_image_dtype(img, getattr(tf, dtype)).numpy()
        assert np.array_equal(image.convert_image_dtype(img, dtype), want)
    f = img.astype(np.float32) / 255
    assert np.array_equal(
        image.convert_image_dtype(f, "uint8"), tf.image.convert_image_dtype(f, tf.uint8).numpy()
    )
    assert np.array_equal(image.flip_left_right(img), tf.image.flip_left_right(img).numpy())
    np.testing.assert_allclose(
        image.per_image_standardization(img),
        tf.image.per_image_standardization(img).numpy(),
        atol=1e-5,
    )


def test_random_flip_flips_about_half_and_is_seeded():
    img = np.arange(2 * 1 * 2 * 1).reshape(2, 1, 2, 1).repeat(50, axis=0)
    out = image.random_flip_left_right(img, seed=3)
    flipped = (out[:, 0, 0, 0] != img[:, 0, 0, 0]).mean()
    assert 0.2 < flipped < 0.8
    assert np.array_equal(out, image.random_flip_left_right(img, seed=3))


def encoded(fmt, arr, **kw):
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, fmt, **kw)
    return buf.getvalue()


def test_decode_formats_channels_and_dtype():
    img = rgb()
    png = image.encode_png(img)
    assert np.array_equal(image.decode_png(png), img)
    assert image.decode_image(png, channels=1).shape == (9, 13, 1)
    assert image.decode_image(png, channels=4)[..., 3].min() == 255
    f = image.decode_image(png, dtype="float32")
    assert f.dtype == np.float32 and np.allclose(f, img / 255, atol=1e-6)
    assert np.array_equal(image.decode_bmp(encoded("BMP", img)), img)
    smooth = np.repeat(np.repeat(img[:3, :4], 4, axis=0), 4, axis=1)
    jpg = image.encode_jpeg(smooth, quality=100, chroma_downsampling=False)
    accurate = image.decode_jpeg(jpg, dct_method="INTEGER_ACCURATE")
    assert np.abs(accurate.astype(int) - smooth).mean() < 3
    fast = image.decode_jpeg(jpg)  # TensorFlow's default: the fast integer DCT, a little less exact
    assert 0 < np.abs(fast.astype(int) - accurate).max() and np.abs(fast.astype(int) - smooth).mean() < 6
    with pytest.raises(InvalidArgumentError, match=r"dct_method must be one of \{'', 'INTEGER_FAST', "
                       r"'INTEGER_ACCURATE'\}, got 'FLOAT'"):
        image.decode_jpeg(jpg, dct_method="FLOAT")
    assert image.decode_jpeg(jpg, ratio=2).shape == (6, 8, 3)
    with pytest.raises(InvalidArgumentError, match="Unknown image file format"):
        image.decode_image(b"not an image")


def test_decoders_match_tensorflow(tf):
    img = rgb(31, 17)
    jpg = tf.io.encode_jpeg(img, quality=90).numpy()
    for ch in (0, 1, 3):
        want = tf.io.decode_jpeg(jpg, channels=ch, dct_method="INTEGER_ACCURATE").numpy()
        got = image.decode_jpeg(jpg, channels=ch, dct_method="INTEGER_ACCURATE")
        assert got.shape == want.shape and got.dtype == want.dtype
        assert np.abs(got.astype(int) - want).max() <= 1
    for kwargs in ({}, {"dct_method": "INTEGER_FAST"}, {"fancy_upscaling": False}):
        # colour to RGB (libjpeg-turbo): TensorFlow's exact pixels, its default fast DCT included
        want = tf.io.decode_jpeg(jpg, channels=3, **kwargs).numpy()
        assert np.array_equal(image.decode_jpeg(jpg, channels=3, **kwargs), want), kwargs
        assert np.array_equal(image.decode_image(jpg, channels=3), tf.io.decode_image(jpg, channels=3).numpy())
    rgba = np.concatenate([img, img[..., :1]], axis=-1)
    for arr in (img, rgba, img[..., :1]):
        png = tf.io.encode_png(arr).numpy()
        for ch in (0, 1, 3, 4):
            assert np.array_equal(
                image.decode_png(png, channels=ch), tf.io.decode_png(png, channels=ch).numpy()
            )
        assert np.array_equal(image.decode_image(png), tf.io.decode_image(png).numpy())
    ours_png = image.encode_png(img)
    assert np.array_equal(tf.io.decode_png(ours_png).numpy(), img)
    frames = [rgb(8, 8, s) for s in range(3)]
    from PIL import Image

    buf = io.BytesIO()
    pil = [Image.fromarray(f).convert("P", palette=Image.Palette.ADAPTIVE) for f in frames]
    pil[0].save(buf, "GIF", save_all=True, append_images=pil[1:])
    gif = buf.getvalue()
    want = tf.io.decode_gif(gif).numpy()
    assert np.array_equal(image.decode_gif(gif), want)
    assert np.array_equal(image.decode_image(gif), want)
    assert np.array_equal(image.decode_image(gif, expand_animations=False), want[0])
    bmp = encoded("BMP", img)
    assert np.array_equal(image.decode_bmp(bmp), tf.io.decode_bmp(bmp).numpy())
