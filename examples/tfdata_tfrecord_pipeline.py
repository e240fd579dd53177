"""A tf.data input pipeline over TFRecord files, run by dataflowio (`import dataflowio as tf`).

Writes a small sharded TFRecord dataset of `tf.train.Example`s (or, with `--data DIR`, reads the
MNIST records that `dataflowio convert` made), then runs the pipeline every tf.data tutorial shows:

    list_files -> interleave(TFRecordDataset) -> shuffle -> batch -> map(parse_example) -> prefetch

and checks that every example arrives exactly once. The same program runs with
`import tensorflow as tf` (`--tensorflow`), which is how we check it is genuine tf.data code.

    python examples/tfdata_tfrecord_pipeline.py
    python examples/tfdata_tfrecord_pipeline.py --data mnist_records
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import numpy as np

N, SHARDS = 1000, 4


def write_examples(tf, folder: str) -> str:
    """Writes N Examples (x: 2 floats, label: int64, name: bytes) into SHARDS files."""
    for k in range(SHARDS):
        path = os.path.join(folder, f"data-{k:05d}-of-{SHARDS:05d}.tfrecord")
        with tf.io.TFRecordWriter(path) as writer:
            for i in range(k, N, SHARDS):
                example = tf.train.Example(features=tf.train.Features(feature={
                    "x": tf.train.Feature(float_list=tf.train.FloatList(value=[i, i / 2])),
                    "label": tf.train.Feature(int64_list=tf.train.Int64List(value=[i % 10])),
                    "name": tf.train.Feature(bytes_list=tf.train.BytesList(value=[b"item%d" % i])),
                }))
                writer.write(example.SerializeToString())
    return os.path.join(folder, "data-*.tfrecord")


def synthetic_pipeline(tf, pattern: str):
    features = {"x": tf.io.FixedLenFeature([2], tf.float32),
                "label": tf.io.FixedLenFeature([], tf.int64),
                "name": tf.io.FixedLenFeature([], tf.string)}

    def parse(serialized):
        return tf.io.parse_example(serialized, features)

    return (tf.data.Dataset.list_files(pattern, shuffle=False)
            .interleave(tf.data.TFRecordDataset, cycle_length=2, num_parallel_calls=tf.data.AUTOTUNE)
            .shuffle(256, seed=0)
            .batch(64)
            .map(parse, num_parallel_calls=tf.data.AUTOTUNE)
            .prefetch(tf.data.AUTOTUNE))


def mnist_pipeline(tf, folder: str):
    features = {"image_raw": tf.io.FixedLenFeature([], tf.string),
                "label": tf.io.FixedLenFeature([], tf.int64)}

    def parse(serialized):
        f = tf.io.parse_example(serialized, features)
        images = tf.cast(tf.reshape(tf.io.decode_raw(f["image_raw"], tf.uint8), [-1, 784]), tf.float32)
        return images / 255.0, f["label"]

    files = tf.data.Dataset.list_files(os.path.join(folder, "train-*.tfrecord*"), shuffle=False)
    return (files.interleave(tf.data.TFRecordDataset, cycle_length=2, num_parallel_calls=tf.data.AUTOTUNE)
            .shuffle(10000, seed=0).batch(256).map(parse, num_parallel_calls=tf.data.AUTOTUNE)
            .prefetch(tf.data.AUTOTUNE))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", help="a folder of MNIST TFRecords made by `dataflowio convert`")
    ap.add_argument("--tensorflow", action="store_true", help="run with TensorFlow instead")
    args = ap.parse_args()
    if args.tensorflow:
        import tensorflow as tf
    else:
        import dataflowio as tf

    t0 = time.perf_counter()
    if args.data:
        batches = images = 0
        counts = np.zeros(10, np.int64)
        for x, y in mnist_pipeline(tf, args.data):
            batches, images = batches + 1, images + len(y)
            counts += np.bincount(np.asarray(y), minlength=10)
            assert np.asarray(x).shape[1] == 784 and float(np.asarray(x).max()) <= 1.0
        print(f"{images} MNIST images in {batches} batches; labels per class: {counts.tolist()}")
    else:
        with tempfile.TemporaryDirectory() as folder:
            seen = []
            for batch in synthetic_pipeline(tf, write_examples(tf, folder)):
                x, label = (np.asarray(batch[k]) for k in ("x", "label"))
                assert np.asarray(batch["name"]).shape == label.shape
                assert x.shape[1:] == (2,) and np.all(label == x[:, 0].astype(np.int64) % 10)
                seen.extend(int(v) for v in x[:, 0])
            assert sorted(seen) == list(range(N)), "every example exactly once"
            assert seen != sorted(seen), "shuffled"
            print(f"{len(seen)} examples from {SHARDS} shards, each exactly once, shuffled")
    print(f"done in {time.perf_counter() - t0:.2f} s")


if __name__ == "__main__":
    main()
