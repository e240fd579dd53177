"""MNIST input pipelines for the trainer: IDX arrays or `convert`-made TFRecords -> batches.

Both paths yield `(images float32 (batch, 784) in [0, 1], labels int64 (batch,))`:

- IDX files: `Dataset.from_tensor_slices((uint8 images, labels))`;
- TFRecords: `TFRecordDataset(train-*) ` + `parse_example` + `decode_raw` on whole batches;

then `shuffle(seed, reshuffle each epoch) -> batch -> map(normalize) -> repeat(epochs) -> prefetch`
(to the GPU with `prefetch_to_device` when asked).

>>> kind_of_data("/nonexistent")
'idx'
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from dataflowio.datasets import mnist
from dataflowio.datasets.tfrecords import compression_of, shard_paths

MNIST_FEATURES = ("image_raw", "label")


@dataclass
class MnistData:
    """The training source (a Dataset of single examples), its size, and the test arrays."""

    kind: str  # "idx" | "tfrecord"
    train: Any  # Dataset of (uint8 (784,), int64) for idx, of serialized Examples for tfrecord
    num_train: int
    x_test: np.ndarray  # float32 (n, 784)
    y_test: np.ndarray  # int64 (n,)


def kind_of_data(folder: str | os.PathLike[str]) -> str:
    """Returns "tfrecord" when `folder` holds `train-*-of-*` TFRecord shards, else "idx"."""
    return "tfrecord" if shard_paths(folder, "train") else "idx"


def normalize(images: Any, labels: Any) -> tuple[Any, Any]:
    """Returns `(images as float32 / 255 flattened to 784, labels)`: the batch map function.

    >>> x, y = normalize(np.full((2, 784), 255, np.uint8), np.array([1, 2]))
    >>> x.dtype.name, x.max().item(), y.tolist()
    ('float32', 1.0, [1, 2])
    """
    import dataflowio as tf

    return tf.reshape(tf.cast(images, tf.float32) * (1.0 / 255.0), [-1, 784]), labels


def parse_batch(serialized: Any) -> tuple[Any, Any]:
    """Returns `(uint8 (batch, 784), int64 (batch,))` from a batch of serialized MNIST Examples."""
    import dataflowio as tf

    feats = tf.parse_example(serialized, {
        "image_raw": tf.FixedLenFeature([], tf.string),
        "label": tf.FixedLenFeature([], tf.int64)})
    images = tf.reshape(tf.decode_raw(feats["image_raw"], tf.uint8), [-1, 784])
    return images, feats["label"]


def load(folder: str | os.PathLike[str], *, limit: int | None = None, download: bool = True) -> MnistData:
    """Returns the training source and the test set of `folder` (IDX files or TFRecords)."""
    from dataflowio.data import Dataset

    if kind_of_data(folder) == "tfrecord":
        return _load_tfrecords(folder, limit)
    (x, y), (xt, yt) = mnist.load_data(folder, download=download)
    if limit is not None:
        x, y = x[:limit], y[:limit]
    train = Dataset.from_tensor_slices((x.reshape(len(x), 784), y))
    return MnistData("idx", train, len(x), xt.reshape(-1, 784).astype(np.float32) / 255.0, yt)


def _load_tfrecords(folder: str | os.PathLike[str], limit: int | None) -> MnistData:
    from dataflowio.data import TFRecordDataset
    from dataflowio.datasets.schema import parse_schema
    from dataflowio.datasets.tfrecords import read_columns
    from dataflowio.errors import NotFoundError

    train_files = shard_paths(folder, "train")
    test_files = shard_paths(folder, "test")
    if not test_files:
        raise NotFoundError(f"train-mnist: {folder}: has train-* TFRecords but no test-* shards; "
                            "make both with `dataflowio convert MNIST_DIR DST`.")
    comp = compression_of(train_files[0]) or None
    train = TFRecordDataset(train_files, compression_type=comp)
    n = _count_records(train_files)
    if limit is not None:
        train, n = train.take(limit), min(n, limit)
    test = read_columns(test_files, parse_schema("image_raw:uint8[784],label:int64"))
    return MnistData("tfrecord", train, n, test["image_raw"].astype(np.float32) / 255.0,
                     test["label"])


def _count_records(files: list[str]) -> int:
    """Counts records, from the `.index` beside each file when there is one."""
    from dataflowio.datasets.tfrecords import index_path, iter_records

    total = 0
    for f in files:
        if os.path.exists(index_path(f)):
            from record_format import index as rindex

            total += len(rindex.read_index(index_path(f)))
        else:
            total += sum(1 for _ in iter_records([f]))
    return total


def pipeline(data: MnistData, batch_size: int, epochs: int, seed: int, device: str = "cpu") -> Any:
    """Returns the training Dataset of normalized batches, `epochs` passes, prefetched."""
    from dataflowio import data as tfdata

    ds = data.train.shuffle(min(data.num_train, 60000) if data.kind == "idx" else 10000, seed=seed,
                            reshuffle_each_iteration=True)
    ds = ds.batch(batch_size)
    if data.kind == "tfrecord":
        ds = ds.map(parse_batch)
    ds = ds.map(normalize).repeat(epochs)
    if device == "gpu":
        return ds.apply(tfdata.experimental.prefetch_to_device("/gpu:0", 2))
    return ds.prefetch(2)
