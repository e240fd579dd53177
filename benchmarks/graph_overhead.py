"""W6 and per-`sess.run` overhead: dataflowio's graph executor vs `tf.compat.v1`, side by side.

W6 (BENCHMARKS.md): MNIST softmax regression, lr 0.5, batch 100, one epoch, fed by a one-shot
iterator into `sess.run(train_op)`; steps/s and test accuracy. The overhead number is the time
of `sess.run` on a trivial fetch (one scalar add of a fed value). Runs alternate between the
engines and the median of `--repeats` is reported.

Usage: python benchmarks/graph_overhead.py [--data_dir DIR] [--repeats 3] [--no-tf]
"""

from __future__ import annotations

import argparse
import os

# Small matmuls (100x784 @ 784x10) run fastest on one BLAS thread: OpenBLAS's spinning workers
# cost more than they save and collapse under CPU contention. Override by setting the variable.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DIR = os.environ.get("DATAFLOWIO_MNIST", str(ROOT.parent / "shared" / "data" / "mnist"))


def load_mnist(data_dir: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Returns float32 [n, 784] images in [0, 1] and int64 labels for train and test."""
    from dataflowio.datasets import mnist

    (x, y), (xt, yt) = mnist.load_data(data_dir)
    f = lambda a: (a.reshape(len(a), 784).astype(np.float32) / 255.0)
    return f(x), y.astype(np.int64), f(xt), yt.astype(np.int64)


def softmax_model(tf: Any, images: Any, labels: Any) -> tuple[Any, Any, Any]:
    """W6's model on `images`/`labels` tensors: returns (W, b, train_op) (lr 0.5 SGD on the mean
    sparse softmax cross entropy), written once for both engines."""
    W = tf.Variable(tf.zeros([784, 10]))
    b = tf.Variable(tf.zeros([10]))
    logits = tf.matmul(images, W) + b
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))
    return W, b, tf.train.GradientDescentOptimizer(0.5).minimize(loss)


def run_epoch(tf: Any, sess: Any, train_op: Any) -> tuple[int, float]:
    """Runs `train_op` until the iterator ends; returns (steps, seconds)."""
    steps, t0 = 0, time.perf_counter()
    try:
        while True:
            sess.run(train_op)
            steps += 1
    except tf.errors.OutOfRangeError:
        pass
    return steps, time.perf_counter() - t0


def w6(tf: Any, data: tuple, make_iterator: Callable[[Any], Any]) -> tuple[float, float, int]:
    """Trains one epoch with `tf` (dataflowio or tf.compat.v1); returns (steps/s, test accuracy, steps)."""
    x, y, xt, yt = data
    graph = tf.Graph()
    with graph.as_default():
        ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(100)
        W, b, train_op = softmax_model(tf, *make_iterator(ds).get_next())
        tx = tf.placeholder(tf.float32, [None, 784])
        ty = tf.placeholder(tf.int64, [None])
        acc = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(tf.matmul(tx, W) + b, 1), ty), tf.float32))
        with tf.Session(graph=graph) as sess:
            sess.run(tf.global_variables_initializer())
            sess.run(train_op)  # warm-up step (TF materializes the dataset here), not timed
            steps, dt = run_epoch(tf, sess, train_op)
            accuracy = float(sess.run(acc, {tx: xt, ty: yt}))
    return steps / dt, accuracy, steps + 1


def run_overhead(tf: Any, n: int = 2000) -> float:
    """Returns microseconds per `sess.run` of a trivial fetch with one feed."""
    graph = tf.Graph()
    with graph.as_default():
        p = tf.placeholder(tf.float32, [])
        out = p + 1.0
        with tf.Session(graph=graph) as sess:
            for _ in range(100):
                sess.run(out, {p: 1.0})
            t0 = time.perf_counter()
            for _ in range(n):
                sess.run(out, {p: 1.0})
            return (time.perf_counter() - t0) / n * 1e6


def numpy_step_rate(data: tuple, steps: int = 600) -> float:
    """The bare NumPy SGD step (the floor set in BENCHMARKS.md), steps/s."""
    x, y = data[0], data[1]
    W, b = np.zeros((784, 10), np.float32), np.zeros(10, np.float32)
    t0 = time.perf_counter()
    for i in range(steps):
        xb, yb = x[i * 100:(i + 1) * 100], y[i * 100:(i + 1) * 100]
        z = xb @ W + b
        z -= z.max(1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(1, keepdims=True)
        p[np.arange(len(yb)), yb] -= 1
        p /= len(yb)
        W -= 0.5 * (xb.T @ p)
        b -= 0.5 * p.sum(0)
    return steps / (time.perf_counter() - t0)


def numpy_fused_sgd(x: np.ndarray, y: np.ndarray, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """The fastest W6 step we know how to write in NumPy with no framework: in-place softmax,
    one shared shift, no label or precision checks, the learning rate folded into the gradient.
    Runs `steps` batches of 100 and returns (W, b)."""
    W, b = np.zeros((784, 10), np.float32), np.zeros(10, np.float32)
    ones10, ones100, starts = np.ones(10, np.float32), np.ones(100, np.float32), np.arange(100) * 10
    scale = np.float32(0.5 / 100)
    for i in range(steps):
        xb, yb = x[i * 100:(i + 1) * 100], y[i * 100:(i + 1) * 100]
        z = xb @ W
        z += b
        z -= np.maximum.reduce(z, axis=None)
        np.exp(z, out=z)
        z /= z.dot(ones10)[:, None]
        z.reshape(-1)[starts + yb] -= 1
        z *= scale
        W = W - (xb.T @ z)
        b = b - ones100.dot(z)
    return W, b


def numpy_fused_step_rate(data: tuple, steps: int = 600) -> float:
    """`numpy_fused_sgd`'s steps/s: what 5x TensorFlow's W6 asks of us on this machine."""
    t0 = time.perf_counter()
    numpy_fused_sgd(data[0], data[1], steps)
    return steps / (time.perf_counter() - t0)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data_dir", default=DEFAULT_DIR)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--no-tf", action="store_true", help="skip TensorFlow even if installed")
    args = ap.parse_args(argv)

    import dataflowio as ours

    engines: dict[str, tuple[Any, Callable[[Any], Any]]] = {
        "dataflowio": (ours, lambda ds: ds.make_one_shot_iterator())}
    if not args.no_tf:
        try:
            os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
            import tensorflow as real_tf

            v1 = real_tf.compat.v1
            v1.disable_eager_execution()
            engines["tf.compat.v1"] = (v1, lambda ds: v1.data.make_one_shot_iterator(ds))
        except ImportError:
            print("TensorFlow not installed: reporting dataflowio only.")
    data = load_mnist(args.data_dir)
    results: dict[str, dict[str, list[float]]] = {k: {"steps": [], "acc": [], "over": []} for k in engines}
    for r in range(args.repeats):
        for name, (tf, make_it) in engines.items():
            rate, acc, steps = w6(tf, data, make_it)
            over = run_overhead(tf)
            results[name]["steps"].append(rate)
            results[name]["acc"].append(acc)
            results[name]["over"].append(over)
            print(f"  run {r + 1} {name:13s} W6 {rate:8.0f} steps/s ({steps} steps)  acc {acc:.4f}  "
                  f"sess.run overhead {over:6.1f} us", flush=True)
    print(f"NumPy SGD step alone: {numpy_step_rate(data):.0f} steps/s, hand-fused: "
          f"{max(numpy_fused_step_rate(data) for _ in range(3)):.0f} steps/s "
          f"(OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')})")
    med = {k: {m: statistics.median(v) for m, v in d.items()} for k, d in results.items()}
    for name, m in med.items():
        print(f"{name:13s} W6 median {m['steps']:8.0f} steps/s  test accuracy {m['acc']:.4f}  "
              f"per-sess.run overhead {m['over']:6.1f} us")
    if "tf.compat.v1" in med:
        a, b = med["dataflowio"], med["tf.compat.v1"]
        print(f"speed-up W6 {a['steps'] / b['steps']:.1f}x (target >= 5x), overhead {b['over'] / a['over']:.1f}x "
              f"lower, accuracy difference {abs(a['acc'] - b['acc']):.4f} (target <= 0.01)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
