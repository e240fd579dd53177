"""GIL-release benchmark: `map(num_parallel_calls=AUTOTUNE)` vs a plain ThreadPoolExecutor.

The work is zlib decompression of ~64 KB blobs (zlib releases the GIL), summed so the result is
small. Four measurements on the same blobs in the same run, alternating, median of `--rounds`:

  serial      a Python loop                          (the 1x reference)
  pool        concurrent.futures.ThreadPoolExecutor.map(work, blobs, chunksize=...)
  ours        Dataset.from_tensor_slices(blobs).map(work, num_parallel_calls=AUTOTUNE)
  ours_serial the same pipeline without num_parallel_calls

and prints one JSON line with items/s and the speed-ups; the target is
`ours_speedup >= 0.8 * pool_speedup`.

    python benchmarks/parallel_map.py [--n 2000] [--rounds 3] [--workers N]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import statistics
import sys
import time
import zlib

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from dataflowio.data import Dataset

AUTOTUNE = -1


def make_blobs(n: int, size: int = 64 * 1024, distinct: int = 64) -> list[bytes]:
    """`n` zlib blobs that decompress to `size` bytes of mildly compressible data (seeded)."""
    rng = np.random.default_rng(0)
    base = [zlib.compress(rng.integers(0, 16, size, dtype=np.uint8).tobytes(), 6) for _ in range(distinct)]
    return [base[i % distinct] for i in range(n)]


def work(blob: bytes) -> int:
    return len(zlib.decompress(blob))


def run_serial(blobs: list[bytes]) -> int:
    return sum(work(b) for b in blobs)


def run_pool(blobs: list[bytes], workers: int | None) -> int:
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        return sum(pool.map(work, blobs, chunksize=16))


def run_ours(blobs: list[bytes], parallel: int | None) -> int:
    ds = Dataset.from_tensor_slices(blobs).map(lambda b: np.int64(work(b)), num_parallel_calls=parallel)
    return int(sum(int(v) for v in ds))


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=2000)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--workers", type=int, default=None, help="pool size (default: Python's)")
    a = p.parse_args(argv)
    blobs = make_blobs(a.n)
    workers = a.workers  # None: Python's default, min(32, os.cpu_count() + 4)
    runs = {"serial": lambda: run_serial(blobs), "pool": lambda: run_pool(blobs, workers),
            "ours": lambda: run_ours(blobs, AUTOTUNE), "ours_serial": lambda: run_ours(blobs, None)}
    expect = run_serial(blobs)
    times: dict[str, list[float]] = {k: [] for k in runs}
    for _ in range(a.rounds):
        for name, fn in runs.items():
            t0 = time.perf_counter()
            got = fn()
            times[name].append(time.perf_counter() - t0)
            assert got == expect, (name, got, expect)
    med = {k: statistics.median(v) for k, v in times.items()}
    out = {
        "workload": "zlib-64KB-parallel-map", "n": a.n, "cores": len(os.sched_getaffinity(0)), "pool_workers": workers or min(32, (os.cpu_count() or 1) + 4),
        **{f"{k}_items_per_s": round(a.n / v, 1) for k, v in med.items()},
        "pool_speedup": round(med["serial"] / med["pool"], 3),
        "ours_speedup": round(med["serial"] / med["ours"], 3),
    }
    out["ours_vs_pool"] = round(out["ours_speedup"] / out["pool_speedup"], 3)
    out["target_met"] = out["ours_vs_pool"] >= 0.8
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
