"""The libjpeg-turbo (simplejpeg) JPEG path gives exactly Pillow's pixels with the accurate DCT
(TensorFlow's default fast DCT is checked against TensorFlow in tests/test_image.py), and is used
only for colour JPEGs decoded to RGB."""

from __future__ import annotations

import io

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from record_format import image_codec

pytestmark = pytest.mark.skipif(image_codec._simplejpeg is None, reason="simplejpeg not installed")


def _pillow_rgb(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


@given(h=st.integers(1, 40), w=st.integers(1, 40), quality=st.integers(30, 100),
       subsampling=st.sampled_from([0, 1, 2]), progressive=st.booleans(), seed=st.integers(0, 99))
def test_fast_path_equals_pillow(h, w, quality, subsampling, progressive, seed):
    arr = (np.random.default_rng(seed).random((h, w, 3)) * 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, "JPEG", quality=quality, subsampling=subsampling,
                              progressive=progressive)
    data = buf.getvalue()
    fast = image_codec._fast_rgb_jpeg(data, 3, "INTEGER_ACCURATE")
    assert fast is not None
    np.testing.assert_array_equal(fast, _pillow_rgb(data))
    np.testing.assert_array_equal(image_codec.decode_jpeg(data, dct_method="INTEGER_ACCURATE"), fast)
    np.testing.assert_array_equal(image_codec.decode_jpeg(data), image_codec._fast_rgb_jpeg(data, 3))


def test_grayscale_and_one_channel_requests_go_through_pillow():
    buf = io.BytesIO()
    Image.fromarray(np.full((4, 5), 77, np.uint8)).save(buf, "JPEG")
    assert image_codec._fast_rgb_jpeg(buf.getvalue(), 0) is None
    assert image_codec.decode_jpeg(buf.getvalue()).shape == (4, 5, 1)
    color = io.BytesIO()
    Image.fromarray(np.zeros((4, 5, 3), np.uint8)).save(color, "JPEG")
    assert image_codec._fast_rgb_jpeg(color.getvalue(), 1) is None
    assert image_codec.decode_jpeg(color.getvalue(), channels=1).shape == (4, 5, 1)


def test_a_corrupt_jpeg_still_gets_the_pillow_error():
    with pytest.raises(Exception, match="decode_jpeg"):
        image_codec.decode_jpeg(b"\xff\xd8\xff\xe0 not really a jpeg")
