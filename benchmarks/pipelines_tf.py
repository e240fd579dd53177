"""W1–W6 written with TensorFlow's tf.data (the peer), exactly as ../shared/BENCHMARKS.md states them.

Each `wN(inp)` returns a fresh iterable of NumPy batches; `w6(inp)` trains and returns its own
timing. Only `benchmarks.worker` imports this module, inside the TensorFlow subprocess.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import tensorflow as tf

AUTOTUNE = tf.data.AUTOTUNE


def w1(inp: dict[str, Any]) -> Iterable:
    features = {"image_raw": tf.io.FixedLenFeature([], tf.string), "label": tf.io.FixedLenFeature([], tf.int64)}
    ds = tf.data.TFRecordDataset(inp["path"])
    ds = ds.map(lambda r: tf.io.parse_single_example(r, features))
    ds = ds.map(lambda d: (tf.cast(tf.io.decode_raw(d["image_raw"], tf.uint8), tf.float32) / 255.0, d["label"]))
    return ds.batch(128).as_numpy_iterator()


def w2(inp: dict[str, Any]) -> Iterable:
    features = {"image": tf.io.FixedLenFeature([784], tf.float32), "label": tf.io.FixedLenFeature([], tf.int64)}
    ds = tf.data.TFRecordDataset(inp["path"])
    ds = ds.map(lambda r: tf.io.parse_single_example(r, features))
    return ds.batch(128).as_numpy_iterator()


def w3_dataset(inp: dict[str, Any]) -> tf.data.Dataset:
    ds = tf.data.Dataset.from_tensor_slices((inp["x"], inp["y"]))
    ds = ds.map(lambda x, y: (tf.cast(x, tf.float32) / 255.0, y))
    return ds.shuffle(10_000, seed=1).batch(128).prefetch(AUTOTUNE)


def w3(inp: dict[str, Any]) -> Iterable:
    return w3_dataset(inp).as_numpy_iterator()


def w4(inp: dict[str, Any]) -> Iterable:
    ds = tf.data.TextLineDataset(inp["path"])
    ds = ds.map(lambda line: tuple(tf.io.decode_csv(line, record_defaults=[[0.0]] * 8 + [[0]])))
    return ds.batch(256).as_numpy_iterator()


def w5(inp: dict[str, Any]) -> Iterable:
    def decode(b):
        img = tf.io.decode_jpeg(b, channels=3)
        return tf.cast(tf.image.resize(img, [32, 32]), tf.float32)

    ds = tf.data.Dataset.from_tensor_slices(inp["images"])
    return ds.map(decode, num_parallel_calls=AUTOTUNE).batch(32).as_numpy_iterator()


def w6(inp: dict[str, Any]) -> dict[str, Any]:
    """Trains MNIST softmax regression one epoch with tf.compat.v1 in a graph (eager stays on for
    the other workloads), via `benchmarks.graph_overhead.w6`; returns steps, seconds, accuracy."""
    from benchmarks.graph_overhead import w6 as train

    v1 = tf.compat.v1
    data = (inp["x_train"], inp["y_train"], inp["x_test"], inp["y_test"])
    rate, accuracy, steps = train(v1, data, lambda ds: v1.data.make_one_shot_iterator(ds))
    return {"items": steps - 1, "seconds": (steps - 1) / rate, "accuracy": accuracy}


PIPELINES = {"W1": w1, "W2": w2, "W3": w3, "W4": w4, "W5": w5, "W6": w6}
