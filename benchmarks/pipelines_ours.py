"""W1–W7 written with dataflowio: the same user code as `pipelines_tf.py`, with `dfio` for `tf`.

Nothing here is tuned for the benchmark: the pipelines are the ones a TF1 user writes, and the
speed must come from the engine (fast parse, vectorized map, map-and-batch fusion, index shuffle).
Each `wN(inp)` returns a fresh iterable of NumPy batches; `w6(inp)` trains and returns its own
timing. This module never imports TensorFlow.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import dataflowio as dfio

for _sub in ("data", "io", "image", "train", "nn"):  # load the submodules the pipelines use; a
    try:                                             # missing one fails only its workloads
        __import__(f"dataflowio.{_sub}")
    except ImportError:
        pass

AUTOTUNE = -1


def w1_dataset(inp: dict[str, Any]) -> Any:
    features = {"image_raw": dfio.io.FixedLenFeature([], dfio.string), "label": dfio.io.FixedLenFeature([], dfio.int64)}
    ds = dfio.data.TFRecordDataset(inp["path"])
    ds = ds.map(lambda r: dfio.io.parse_single_example(r, features))
    ds = ds.map(lambda d: (dfio.cast(dfio.io.decode_raw(d["image_raw"], dfio.uint8), dfio.float32) / 255.0, d["label"]))
    return ds.batch(128)


def w2_dataset(inp: dict[str, Any]) -> Any:
    features = {"image": dfio.io.FixedLenFeature([784], dfio.float32), "label": dfio.io.FixedLenFeature([], dfio.int64)}
    ds = dfio.data.TFRecordDataset(inp["path"])
    ds = ds.map(lambda r: dfio.io.parse_single_example(r, features))
    return ds.batch(128)


def w3_dataset(inp: dict[str, Any], repeat: int | None = None) -> Any:
    ds = dfio.data.Dataset.from_tensor_slices((inp["x"], inp["y"]))
    ds = ds.map(lambda x, y: (dfio.cast(x, dfio.float32) / 255.0, y))
    ds = ds.shuffle(10_000, seed=1)
    if repeat is not None:
        ds = ds.repeat(repeat)
    return ds.batch(128).prefetch(AUTOTUNE)


def w4_dataset(inp: dict[str, Any]) -> Any:
    ds = dfio.data.TextLineDataset(inp["path"])
    ds = ds.map(lambda line: tuple(dfio.io.decode_csv(line, record_defaults=[[0.0]] * 8 + [[0]])))
    return ds.batch(256)


def w5_dataset(inp: dict[str, Any]) -> Any:
    def decode(b):
        img = dfio.io.decode_jpeg(b, channels=3)
        return dfio.cast(dfio.image.resize(img, [32, 32]), dfio.float32)

    ds = dfio.data.Dataset.from_tensor_slices(inp["images"])
    return ds.map(decode, num_parallel_calls=AUTOTUNE).batch(32)


def w6(inp: dict[str, Any]) -> dict[str, Any]:
    """Trains MNIST softmax regression one epoch (`benchmarks.graph_overhead.w6`, shared with the
    tf.compat.v1 side); returns timed steps, seconds and test accuracy."""
    from benchmarks.graph_overhead import w6 as train

    data = (inp["x_train"], inp["y_train"], inp["x_test"], inp["y_test"])
    rate, accuracy, steps = train(dfio, data, lambda ds: ds.make_one_shot_iterator())
    return {"items": steps - 1, "seconds": (steps - 1) / rate, "accuracy": accuracy}


def w7_dataset(inp: dict[str, Any], optimize: bool = True) -> Any:
    """W3 with `repeat(3)`; `optimize=False` sets `apply_default_optimizations=False` (the W7 peer)."""
    ds = w3_dataset(inp, repeat=3)
    if not optimize:
        opts = dfio.data.Options()
        opts.experimental_optimization.apply_default_optimizations = False
        ds = ds.with_options(opts)
    return ds


DATASETS = {"W1": w1_dataset, "W2": w2_dataset, "W3": w3_dataset, "W4": w4_dataset, "W5": w5_dataset,
            "W7": w7_dataset}


def w1(inp: dict[str, Any]) -> Iterable:
    return iter(w1_dataset(inp))


def w2(inp: dict[str, Any]) -> Iterable:
    return iter(w2_dataset(inp))


def w3(inp: dict[str, Any]) -> Iterable:
    return iter(w3_dataset(inp))


def w4(inp: dict[str, Any]) -> Iterable:
    return iter(w4_dataset(inp))


def w5(inp: dict[str, Any]) -> Iterable:
    return iter(w5_dataset(inp))


def w7(inp: dict[str, Any], optimize: bool = True) -> Iterable:
    return iter(w7_dataset(inp, optimize))


PIPELINES = {"W1": w1, "W2": w2, "W3": w3, "W4": w4, "W5": w5, "W6": w6, "W7": w7}
