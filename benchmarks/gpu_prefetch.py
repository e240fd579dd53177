"""GPU prefetch benchmark: how much host-to-device copy time `prefetch_to_device` hides.

A training-like loop takes `--steps` batches of `--batch` x 3 x 224 x 224 float32 images
(~77 MB each at batch 128) and runs GPU "compute" on each (a few CuPy ops, synchronized).
Two runs on the same batches, alternating, median of `--rounds`:

  sync      `copy_to_device("/gpu:0")`: each copy runs on the consumer thread (all exposed)
  prefetch  `prefetch_to_device("/gpu:0", 2)`: a background thread copies through pinned memory
            on its own non-blocking stream while the consumer computes

Prints one JSON line: steps/s of both, the copy time, and how much of it was hidden vs exposed
(from `it.stats()` of the prefetch run). Needs CuPy and a CUDA device; otherwise it says so.

    python benchmarks/gpu_prefetch.py [--batch 128] [--steps 40] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from dataflowio.data import Dataset, Options
from dataflowio.data.device import gpu_problem
from dataflowio.data.experimental import copy_to_device, prefetch_to_device


def dataset(batch: int, steps: int, distinct: int = 4) -> Dataset:
    rng = np.random.default_rng(0)
    pool = [rng.random((batch, 3, 224, 224), dtype=np.float32) for _ in range(distinct)]
    labels = np.arange(batch, dtype=np.int64)
    return Dataset.range(steps).map(lambda i: (pool[int(i) % distinct], labels))


def compute(cp, x, w, reps: int) -> None:
    y = x.reshape(x.shape[0], -1)[:, :4096]
    for _ in range(reps):
        y = cp.tanh(y @ w)
    cp.cuda.Stream.null.synchronize()


def run(ds: Dataset, cp, w, reps: int) -> tuple[float, dict]:
    it = iter(ds)
    t0 = time.perf_counter()
    n = 0
    for x, _ in it:
        compute(cp, x, w, reps)
        n += 1
    dt = time.perf_counter() - t0
    stats = it.stats()
    it.close()
    rec = next((r for r in stats["stages"] if "to_device" in str(r["stage"])), {})
    return n / dt, rec


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--steps", type=int, default=40)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--reps", type=int, default=0, help="compute repetitions (0: match the copy time)")
    a = p.parse_args(argv)
    problem = gpu_problem(0)
    if problem is not None:
        out = {"workload": "gpu_prefetch", "skipped": problem}
        print(json.dumps(out))
        return out
    import cupy as cp

    w = cp.asarray(np.random.default_rng(1).random((4096, 4096), dtype=np.float32) / 64)
    plain = Options()  # no injected prefetch: the sync run must really copy on the consumer
    plain.experimental_optimization.apply_default_optimizations = False
    base = dataset(a.batch, a.steps).with_options(plain)
    sync_ds = base.apply(copy_to_device("/gpu:0"))
    pre_ds = base.apply(prefetch_to_device("/gpu:0", 2))
    run(sync_ds.take(3), cp, w, 3)  # warm-up: CUDA context, pinned buffers, cuBLAS
    reps = a.reps
    if reps == 0:  # make compute about as long as one copy, where overlap matters most
        x = cp.asarray(np.zeros((a.batch, 3, 224, 224), np.float32))
        compute(cp, x, w, 5)
        t0 = time.perf_counter()
        compute(cp, x, w, 20)
        per_rep = (time.perf_counter() - t0) / 20
        _, rec = run(sync_ds.take(8), cp, w, 1)
        copy_per_batch = rec.get("copy_s", 0.0) / 8 or 0.005
        reps = max(1, round(copy_per_batch / max(per_rep, 1e-6)))
    res: dict[str, list] = {"sync": [], "prefetch": []}
    recs = []
    for _ in range(a.rounds):
        res["sync"].append(run(sync_ds, cp, w, reps)[0])
        rate, rec = run(pre_ds, cp, w, reps)
        res["prefetch"].append(rate)
        recs.append(rec)
    rec = recs[len(recs) // 2]
    copy_s = rec.get("copy_s", 0.0)
    out = {
        "workload": "gpu_prefetch", "batch_shape": [a.batch, 3, 224, 224], "dtype": "float32",
        "mb_per_batch": round(a.batch * 3 * 224 * 224 * 4 / 1e6, 1), "steps": a.steps,
        "compute_reps": reps, "compute_ms_per_step": round(1000 * per_rep * reps, 3) if a.reps == 0 else None,
        "sync_steps_per_s": round(statistics.median(res["sync"]), 2),
        "prefetch_steps_per_s": round(statistics.median(res["prefetch"]), 2),
        "copy_s": round(copy_s, 4), "copy_ms_per_batch": round(1000 * copy_s / a.steps, 3),
        "hidden_s": round(rec.get("hidden_s", 0.0), 4), "exposed_s": round(rec.get("exposed_s", 0.0), 4),
        "hidden_fraction": round(rec.get("hidden_s", 0.0) / copy_s, 3) if copy_s else None,
    }
    out["speedup"] = round(out["prefetch_steps_per_s"] / out["sync_steps_per_s"], 3)
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
