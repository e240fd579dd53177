"""W3 and W7 (BENCHMARKS.md): what the optimizer buys, ours against tf.data in the same run.

W3: from_tensor_slices((x uint8[60000, 784], y int64)) -> map(cast float32 / 255) ->
    shuffle(10000, seed=1) -> batch(128) -> prefetch(AUTOTUNE); elements/s, ours vs tf.data.
W7: W3 with repeat(3) after the shuffle; elements/s with the default optimizations on vs
    `apply_default_optimizations=False`, both ours.

Rounds alternate engines and the median of `rounds` is reported, one JSON object per workload:
`{"workload", "engine", "items_per_s", "peer", "peer_items_per_s", "ratio"}`. A slow run is cut
after `budget_s` seconds and measured over the elements it produced (the unoptimized W7 needs
minutes otherwise). `python -m benchmarks.optimizer [--tiny] [--rounds 3] [--no-tf]`.

>>> x, y = make_inputs(512)
>>> w3_dataflowio(x, y) > 0 and w7_dataflowio(x, y, optimize=False) > 0
True
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

AUTOTUNE = -1


def make_inputs(n: int = 60_000, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """W3's arrays (the same generator as `benchmarks/inputs.py`)."""
    rng = np.random.default_rng(seed)
    return (rng.integers(0, 256, size=(n, 784), dtype=np.uint8),
            rng.integers(0, 10, size=n).astype(np.int64))


def _rate(batches: Iterable[Any], budget_s: float) -> float:
    """Elements per second over the batches (label component), stopping after `budget_s`."""
    t0 = time.perf_counter()
    n = 0
    for _, y in batches:
        n += len(y)
        if time.perf_counter() - t0 > budget_s:
            break
    return n / (time.perf_counter() - t0)


def _dataset(x: np.ndarray, y: np.ndarray, repeat: int | None, optimize: bool) -> Any:
    import dataflowio as dfio

    ds = dfio.data.Dataset.from_tensor_slices((x, y))
    ds = ds.map(lambda a, b: (a.astype(np.float32) / 255.0, b))
    ds = ds.shuffle(10_000, seed=1)
    if repeat is not None:
        ds = ds.repeat(repeat)
    ds = ds.batch(128).prefetch(AUTOTUNE)
    if not optimize:
        opts = dfio.data.Options()
        opts.experimental_optimization.apply_default_optimizations = False
        ds = ds.with_options(opts)
    return ds


def w3_dataflowio(x: np.ndarray, y: np.ndarray, budget_s: float = 60.0) -> float:
    """W3 through dataflowio with the default optimizations: elements/s."""
    it = iter(_dataset(x, y, None, True))
    try:
        return _rate(it, budget_s)
    finally:
        it.close()


def w3_tfdata(x: np.ndarray, y: np.ndarray, budget_s: float = 60.0) -> float | None:
    """W3 through tf.data (None when TensorFlow is not installed): elements/s."""
    try:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        import tensorflow as tf
    except ImportError:
        return None
    ds = tf.data.Dataset.from_tensor_slices((x, y))
    ds = ds.map(lambda a, b: (tf.cast(a, tf.float32) / 255.0, b))
    ds = ds.shuffle(10_000, seed=1).batch(128).prefetch(tf.data.AUTOTUNE)
    return _rate(ds.as_numpy_iterator(), budget_s)


def w7_dataflowio(x: np.ndarray, y: np.ndarray, optimize: bool = True, budget_s: float = 60.0) -> float:
    """W7 (W3 with repeat(3)) through dataflowio, optimizer on or off: elements/s."""
    it = iter(_dataset(x, y, 3, optimize))
    try:
        return _rate(it, budget_s)
    finally:
        it.close()


def _median_alternating(fns: dict[str, Callable[[], float | None]], rounds: int) -> dict[str, float | None]:
    runs: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(rounds):
        for k, fn in fns.items():
            v = fn()
            if v is not None:
                runs[k].append(v)
    return {k: (statistics.median(v) if v else None) for k, v in runs.items()}


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tiny", action="store_true", help="2,000 rows instead of 60,000")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--budget", type=float, default=30.0, help="seconds per run at most")
    ap.add_argument("--no-tf", action="store_true", help="skip tf.data")
    args = ap.parse_args(argv)
    x, y = make_inputs(2_000 if args.tiny else 60_000)
    out = []
    w3 = _median_alternating({
        "ours": lambda: w3_dataflowio(x, y, args.budget),
        "tf": (lambda: None) if args.no_tf else (lambda: w3_tfdata(x, y, args.budget)),
    }, args.rounds)
    out.append({"workload": "W3", "engine": "dataflowio", "items_per_s": w3["ours"], "peer": "tf.data",
                "peer_items_per_s": w3["tf"],
                "ratio": (w3["ours"] / w3["tf"]) if w3["tf"] else None})
    w7 = _median_alternating({
        "on": lambda: w7_dataflowio(x, y, True, args.budget),
        "off": lambda: w7_dataflowio(x, y, False, args.budget),
    }, args.rounds)
    out.append({"workload": "W7", "engine": "dataflowio", "items_per_s": w7["on"],
                "peer": "dataflowio (apply_default_optimizations=False)",
                "peer_items_per_s": w7["off"], "ratio": w7["on"] / w7["off"] if w7["off"] else None})
    for row in out:
        print(json.dumps(row))
    return out


if __name__ == "__main__":
    main()
