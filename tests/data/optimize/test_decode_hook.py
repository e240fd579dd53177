"""map(decode_jpeg -> resize -> cast) -> batch decodes image by image but resizes and casts a whole
batch at once (the W5 pipeline), with the same elements as per element; images of different sizes
stay per element."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import dataflowio as dfio
from dataflowio.data import Dataset
from dataflowio.data.vectorize import batch_call
from tests.data.optimize.test_law import elements, only
from tests.harness import assert_same_elements

AUTOTUNE = -1


def jpegs(n: int, sizes: list[tuple[int, int]]) -> np.ndarray:
    rng = np.random.default_rng(7)
    out = [dfio.io.encode_jpeg(rng.integers(0, 256, (*sizes[i % len(sizes)], 3), dtype=np.uint8))
           for i in range(n)]
    return np.array(out, dtype=object)


def w5_like(images: np.ndarray, par: Any) -> Dataset[Any]:
    def decode(b):
        img = dfio.io.decode_jpeg(b, channels=3)
        return dfio.cast(dfio.image.resize(img, [8, 8]), dfio.float32)

    return Dataset.from_tensor_slices(images).map(decode, num_parallel_calls=par).batch(5)


def _trial_of(it: Any) -> Any:
    stage = it.root
    while getattr(stage, "sources", None):
        if hasattr(stage, "_map"):
            return stage._map.trial
        stage = stage.sources[0]
    return None


@pytest.mark.parametrize("par", [None, 2, AUTOTUNE])
def test_decode_then_resize_is_vectorized_and_identical(par: Any) -> None:
    images = jpegs(23, [(16, 12)])
    got = list(w5_like(images, par))
    assert_same_elements(got, elements(w5_like(images, par), only()), "W5-like")
    assert [b.shape for b in got] == [(5, 8, 8, 3)] * 4 + [(3, 8, 8, 3)]
    if par is None:  # the sequential fused stage exposes its trial
        it = iter(w5_like(images, par))
        next(it)
        trial = _trial_of(it)
        assert trial is not None and trial.decision is True, trial and trial.reason
        it.close()


@pytest.mark.parametrize("par", [None, 2])
def test_images_of_different_sizes_stay_per_element(par: Any) -> None:
    images = jpegs(12, [(16, 12), (9, 20), (16, 12)])
    got = list(w5_like(images, par))
    assert_same_elements(got, elements(w5_like(images, par), only()), "mixed sizes")
    if par is None:
        it = iter(w5_like(images, par))
        next(it)
        assert _trial_of(it).decision is False
        it.close()


def test_a_vector_of_images_is_decoded_one_by_one_only_inside_a_batched_call() -> None:
    images = jpegs(3, [(6, 4)])
    with pytest.raises(dfio.errors.InvalidArgumentError, match="must be a scalar"):
        dfio.io.decode_jpeg(images)
    with batch_call():
        stacked = dfio.image.decode_jpeg(images)
        with pytest.raises(ValueError):  # different sizes do not stack: the trial falls back
            dfio.io.decode_image(jpegs(2, [(6, 4), (5, 4)]), channels=3)
    assert stacked.shape == (3, 6, 4, 3)
    for i in range(3):
        assert np.array_equal(stacked[i], dfio.io.decode_jpeg(images[i]))


def test_w5_like_pipeline_gives_tf_data_s_images(tf: Any) -> None:
    # decode (TF's default fast DCT: exact pixels) -> bilinear resize -> float32, batched, vs
    # tf.data on the same JPEG bytes
    images = jpegs(13, [(16, 12)])

    def ours(b):
        return dfio.cast(dfio.image.resize(dfio.io.decode_jpeg(b, channels=3), [8, 8]), dfio.float32)

    def theirs(b):
        return tf.cast(tf.image.resize(tf.io.decode_jpeg(b, channels=3), [8, 8]), tf.float32)

    got = list(Dataset.from_tensor_slices(images).map(ours, num_parallel_calls=AUTOTUNE).batch(5))
    want = list(tf.data.Dataset.from_tensor_slices(list(images)).map(theirs).batch(5).as_numpy_iterator())
    assert [g.shape for g in got] == [w.shape for w in want]
    for g, w in zip(got, want):
        assert g.dtype == w.dtype and np.abs(g - w).max() <= 1e-3
