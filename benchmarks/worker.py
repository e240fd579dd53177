"""One engine's benchmark process: `python -m benchmarks.worker ENGINE`, driven over stdin/stdout.

Engines: `dataflowio` and `dataflowio-noopt` (W7's peer: default optimizations off) never import
TensorFlow; `tf` imports only TensorFlow; `tfrecord` only the `tfrecord` package. Each request is
one JSON line on stdin; each answer is one line `@@ {json}` on stdout (anything else a library
prints is ignored). Requests:

- `{"cmd": "prepare", "workload": "W1", "tiny": false, "root": null, "warmup": 1, "budget_s": 20}`
  loads the inputs,
  runs the pipeline once over a few batches (lazy imports, caches) and resets the peak-RSS mark;
- `{"cmd": "round", "workload": "W1"}` runs the whole pipeline once (or for `budget_s` seconds,
  then `cut` is true): `items`, `seconds`, `items_per_s` (+ `accuracy` for W6);
- `{"cmd": "rss"}` gives `peak_rss_mb` and `rss_mb`; `{"cmd": "quit"}` ends the process.

A failure answers `{"error": "...", "traceback": "..."}` and the process keeps serving.
"""

from __future__ import annotations

import gc
import itertools
import json
import sys
import traceback
from collections.abc import Callable
from typing import Any

from benchmarks import inputs
from benchmarks.measure import peak_rss_mb, reset_peak_rss, rss_mb, time_batches

ENGINES = ("dataflowio", "dataflowio-noopt", "tf", "tfrecord")


def pipelines(engine: str) -> dict[str, Callable]:
    """Returns the workload -> pipeline function table of `engine` (importing only that engine)."""
    if engine == "dataflowio":
        from benchmarks import pipelines_ours

        return pipelines_ours.PIPELINES
    if engine == "dataflowio-noopt":
        from benchmarks import pipelines_ours

        return {"W7": lambda inp: pipelines_ours.w7(inp, optimize=False)}
    if engine == "tf":
        from benchmarks import pipelines_tf

        return pipelines_tf.PIPELINES
    if engine == "tfrecord":
        from benchmarks import pipelines_tfrecord

        return pipelines_tfrecord.PIPELINES
    raise ValueError(f"benchmarks.worker: unknown engine {engine!r}; expected one of {ENGINES}")


class Worker:
    """Serves one engine's requests; keeps the loaded inputs of the current workload."""

    def __init__(self, engine: str) -> None:
        self.engine = engine
        self.table = pipelines(engine)
        self.inputs: dict[str, Any] = {}
        self.warmup = 1
        self.budget_s: float | None = None

    def handle(self, req: dict[str, Any]) -> dict[str, Any]:
        cmd = req["cmd"]
        if cmd == "prepare":
            self.budget_s = req.get("budget_s")
            return self.prepare(req["workload"], req.get("tiny", False), req.get("root"), req.get("warmup", 1))
        if cmd == "round":
            return self.round(req["workload"])
        if cmd == "rss":
            return {"peak_rss_mb": round(peak_rss_mb(), 1), "rss_mb": round(rss_mb(), 1)}
        raise ValueError(f"benchmarks.worker: unknown request {cmd!r}")

    def prepare(self, workload: str, tiny: bool, root: str | None, warmup: int) -> dict[str, Any]:
        if workload not in self.table:
            raise KeyError(f"engine {self.engine} has no pipeline for {workload}")
        self.inputs.clear()
        gc.collect()
        self.inputs[workload] = inputs.load(workload, tiny, root)
        self.warmup = warmup
        if workload != "W6":  # one short pass: lazy imports and first-call costs, not timed
            it = iter(self.table[workload](self.inputs[workload]))
            for _ in itertools.islice(it, 2):
                pass
            getattr(it, "close", lambda: None)()
        gc.collect()
        return {"reset_peak": reset_peak_rss(), "rss_mb": round(rss_mb(), 1)}

    def round(self, workload: str) -> dict[str, Any]:
        inp = self.inputs[workload]
        fn = self.table[workload]
        if workload == "W6":
            out = fn(inp)
        else:
            items, seconds = time_batches(fn(inp), self.warmup, self.budget_s)
            out = {"items": items, "seconds": seconds}
            if self.budget_s and seconds >= self.budget_s:
                out["cut"] = True  # stopped at the time budget, measured on what was produced
        out["items_per_s"] = out["items"] / out["seconds"] if out["seconds"] > 0 else None
        return out


def main(argv: list[str] | None = None) -> int:
    engine = (argv if argv is not None else sys.argv[1:])[0]
    out = sys.stdout
    sys.stdout = sys.stderr  # libraries that print must not corrupt the answer channel
    try:
        worker = Worker(engine)
    except Exception as e:  # noqa: BLE001 - reported to the harness, which decides
        out.write("@@ " + json.dumps({"error": f"{type(e).__name__}: {e}", "traceback": traceback.format_exc()}) + "\n")
        out.flush()
        return 1
    out.write("@@ " + json.dumps({"ready": engine}) + "\n")
    out.flush()
    for line in sys.stdin:
        req = json.loads(line)
        if req.get("cmd") == "quit":
            break
        try:
            reply = worker.handle(req)
        except Exception as e:  # noqa: BLE001 - any failure is an answer, not a crash
            reply = {"error": f"{type(e).__name__}: {e}", "traceback": traceback.format_exc()}
        out.write("@@ " + json.dumps(reply) + "\n")
        out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
