"""Bounded memory: resident memory stays flat over a 10-epoch `repeat`.

W3's pipeline (60,000 x 784 uint8 in memory -> parallel map to float32 / 255 -> shuffle(10,000)
-> batch(128) -> prefetch(AUTOTUNE)) repeated for `--epochs` epochs. After every epoch it records
the process's resident set (VmRSS) and its peak so far (VmHWM), and prints one JSON line with
the per-epoch values and the growth from epoch 1 to the last (flat = a few MB at most).

    python benchmarks/memory_repeat.py [--epochs 10]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from dataflowio.data import Dataset


def _status_mb(key: str) -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--n", type=int, default=60_000)
    a = p.parse_args(argv)
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (a.n, 784), dtype=np.uint8)
    y = rng.integers(0, 10, a.n).astype(np.int64)
    ds = (Dataset.from_tensor_slices((x, y))
          .map(lambda img, lab: (img.astype(np.float32) / 255, lab), num_parallel_calls=-1)
          .shuffle(10_000, seed=1).batch(128).prefetch(-1).repeat(a.epochs))
    per_epoch = -(-a.n // 128)
    rss, hwm = [], []
    gc.collect()
    base = _status_mb("VmRSS")
    t0 = time.perf_counter()
    it = iter(ds)
    for i, _ in enumerate(it):
        if (i + 1) % per_epoch == 0:
            rss.append(round(_status_mb("VmRSS"), 1))
            hwm.append(round(_status_mb("VmHWM"), 1))
    dt = time.perf_counter() - t0
    stats = it.stats()
    it.close()
    out = {"workload": "memory_repeat", "epochs": a.epochs, "elements_per_s": round(a.n * a.epochs / dt),
           "rss_before_mb": round(base, 1), "rss_mb_per_epoch": rss, "peak_rss_mb_per_epoch": hwm,
           "rss_growth_mb_epoch1_to_last": round(rss[-1] - rss[0], 1) if rss else None,
           "peak_growth_mb_epoch1_to_last": round(hwm[-1] - hwm[0], 1) if hwm else None,
           "bottleneck": stats.get("bottleneck")}
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
