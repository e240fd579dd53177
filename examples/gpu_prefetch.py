"""Prefetching batches to the GPU: `prefetch_to_device` overlaps the host-to-device copy with compute.

With CuPy and a CUDA device, the batches arrive as CuPy arrays already on the GPU (copied by a
background thread from pinned memory on its own stream), and a graph op placed on `/gpu:0` runs
there. Without a GPU the same program runs on the CPU: the pipeline keeps a host prefetch and the
session's soft placement puts the op on CPU:0 — and this example says which happened.

    python examples/gpu_prefetch.py
"""

from __future__ import annotations

import time
import warnings

import numpy as np

import dataflowio as tf


def gpu_present() -> bool:
    try:
        import cupy

        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # noqa: BLE001 - no CuPy, no driver, no device: all mean "no GPU"
        return False


def main() -> None:
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(8192, 784), dtype=np.uint8)
    labels = rng.integers(0, 10, size=(8192,), dtype=np.int64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the no-GPU fallback warns once; we report it below
        ds = (tf.data.Dataset.from_tensor_slices((images, labels))
              .batch(512)
              .map(lambda x, y: (tf.cast(x, tf.float32) / 255.0, y))
              .apply(tf.data.experimental.prefetch_to_device("/gpu:0", buffer_size=2)))
        t0 = time.perf_counter()
        kinds, total = set(), 0.0
        for x, y in ds:
            kinds.add(type(x).__module__.split(".")[0])
            total += float(x.sum())  # the compute on whichever device holds the batch
        seconds = time.perf_counter() - t0
    where = "GPU (CuPy arrays)" if "cupy" in kinds else "CPU (NumPy arrays; no GPU: host prefetch)"
    print(f"batches arrived on the {where}; {len(images) / seconds:,.0f} images/s")
    print(f"mean pixel {total / images.size:.4f}")
    assert abs(total / images.size - images.mean() / 255.0) < 1e-3
    assert ("cupy" in kinds) == gpu_present()

    # A graph op pinned to the GPU: soft placement (the default) falls back to the CPU.
    x = tf.placeholder(tf.float32, [None, 784])
    with tf.device("/gpu:0"):
        norms = tf.reduce_sum(tf.square(x), axis=1)
    with tf.Session() as sess:
        out = sess.run(norms, feed_dict={x: images[:4].astype(np.float32) / 255.0})
    print(f"graph op on /gpu:0 ({'GPU' if gpu_present() else 'soft-placed on CPU:0'}): "
          f"{np.round(np.asarray(out if not hasattr(out, 'get') else out.get()).astype(float), 3).tolist()}")


if __name__ == "__main__":
    main()
