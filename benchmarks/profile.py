"""Where our time goes: `python -m benchmarks.profile W1 [--tiny] [--top 25] [--sort tottime]`.

Runs one workload through dataflowio once under cProfile, then prints the hottest functions and
the iterator's per-stage statistics (`it.stats()`), plus items/s without the profiler for scale;
for W6, the training step's time per graph kernel. Never imports TensorFlow.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import sys
import time
from typing import Any

from benchmarks import inputs
from benchmarks.measure import batch_rows


def _drain(it: Any) -> int:
    n = 0
    for batch in it:
        n += batch_rows(batch)
    return n


def profile_workload(workload: str, tiny: bool = False, cache: str | None = None, top: int = 25,
                     sort: str = "tottime", optimize: bool = True, serial: bool = False) -> str:
    """Returns a text report: plain items/s, the cProfile top list and the iterator's stats.

    `serial` switches off the rewrites that add threads (injected prefetch, parallel map/batch)
    so cProfile, which sees only the main thread, sees the work itself.
    """
    import dataflowio as dfio
    from benchmarks import pipelines_ours

    inp = inputs.load(workload, tiny, cache)
    fn = pipelines_ours.PIPELINES[workload]
    if workload in pipelines_ours.DATASETS:
        def fn(i: Any) -> Any:
            ds = pipelines_ours.w7_dataset(i, optimize) if workload == "W7" else pipelines_ours.DATASETS[workload](i)
            if serial:
                o = dfio.data.Options()
                for rule in ("inject_prefetch", "map_parallelization", "parallel_batch"):
                    setattr(o.experimental_optimization, rule, False)
                ds = ds.with_options(o)
            return iter(ds)
    out = io.StringIO()
    if workload == "W6":
        fn(inp)  # warm-up (imports)
        plain = fn(inp)
        out.write(f"{workload}: {plain['items'] / plain['seconds']:,.0f} steps/s, accuracy {plain['accuracy']:.4f}\n")
        out.write(kernel_table(inp))
        prof = cProfile.Profile()
        prof.runcall(fn, inp)
    else:
        _drain(fn(inp))  # warm-up (imports, caches)
        t0 = time.perf_counter()
        n = _drain(fn(inp))
        out.write(f"{workload}: {n / (time.perf_counter() - t0):,.0f} items/s without the profiler ({n} items)\n")
        it = fn(inp)
        prof = cProfile.Profile()
        prof.runcall(_drain, it)
        stats = getattr(it, "stats", None)
        if stats is not None:
            try:
                out.write("it.stats():\n" + json.dumps(stats(), indent=1, default=str)[:6000] + "\n")
            except Exception as e:  # noqa: BLE001 - stats are a diagnostic, not the point
                out.write(f"it.stats() failed: {type(e).__name__}: {e}\n")
        getattr(it, "close", lambda: None)()
    s = io.StringIO()
    pstats.Stats(prof, stream=s).strip_dirs().sort_stats(sort).print_stats(top)
    out.write(s.getvalue())
    return out.getvalue()


def kernel_table(inp: dict[str, Any]) -> str:
    """W6's training step op by op: microseconds per step in each kernel of the compiled
    `sess.run(train_op)` plan, and what is left for the executor (feeds, plan call, returns).

    Reads the session's compiled plan (a diagnostic: `Session._plans`, `_Plan.ns`/`line_ops`
    are internals) and wraps each kernel in a timer, so the numbers include ~0.2 µs of timer each.
    """
    import dataflowio as tf
    from benchmarks.graph_overhead import run_epoch, softmax_model

    graph = tf.Graph()
    with graph.as_default():
        ds = tf.data.Dataset.from_tensor_slices((inp["x_train"], inp["y_train"])).batch(100)
        _, _, train_op = softmax_model(tf, *ds.make_one_shot_iterator().get_next())
        with tf.Session(graph=graph) as sess:
            sess.run(tf.global_variables_initializer())
            sess.run(train_op)
            plan = next(p for p in sess._plans.values() if any(op is train_op for op in p.ops))
            spent: dict[str, float] = {}
            for line, op in plan.line_ops.items():
                name = plan.source.splitlines()[line - 1].split("= ")[-1].split("(")[0].strip()
                kernel = plan.ns[name]

                def timed(*a: Any, _k: Any = kernel, _o: str = f"{op.type} ({op.name})") -> Any:
                    t0 = time.perf_counter()
                    try:
                        return _k(*a)
                    finally:
                        spent[_o] = spent.get(_o, 0.0) + time.perf_counter() - t0

                plan.ns[name] = timed
            steps, total = run_epoch(tf, sess, train_op)
    rows = sorted(spent.items(), key=lambda kv: -kv[1])
    us = lambda v: v / max(steps, 1) * 1e6  # noqa: E731
    lines = [f"W6 step, per kernel ({steps} steps, {us(total):.1f} us per step in all):"]
    lines += [f"  {us(v):7.1f} us  {k}" for k, v in rows]
    lines.append(f"  {us(total - sum(spent.values())):7.1f} us  executor (sess.run, plan call, timers)")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.profile", description=__doc__.split("\n\n")[0])
    p.add_argument("workload", help="W1 ... W7")
    p.add_argument("--tiny", action="store_true")
    p.add_argument("--cache")
    p.add_argument("--top", type=int, default=25)
    p.add_argument("--sort", default="tottime", help="pstats sort key (tottime, cumtime, ncalls)")
    p.add_argument("--no-optimize", action="store_true", help="W7 only: default optimizations off")
    p.add_argument("--serial", action="store_true", help="no injected prefetch / parallel map / parallel batch")
    args = p.parse_args(argv)
    print(profile_workload(args.workload.upper(), args.tiny, args.cache, args.top, args.sort, not args.no_optimize,
                           args.serial))
    return 0


if __name__ == "__main__":
    sys.exit(main())
