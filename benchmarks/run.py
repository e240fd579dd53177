"""The benchmark runner: `python -m benchmarks.run all` (also what `dataflowio bench` calls).

Runs W1–W7 through dataflowio and its peers (tf.data; the `tfrecord` package for W1/W2; ours
without optimizations for W7), alternating rounds, and prints one JSON object per workload and
then a table. API kept stable for the CLI:

- `main(argv=None) -> int`: the command line (see `--help`);
- `run_workloads(names, rounds=3, tiny=False, ...) -> list[dict]`: the result records.

>>> parse_names(["all"]) == list(WORKLOADS)
True
>>> parse_names(["w1", "W3"])
['W1', 'W3']
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from typing import Any

from benchmarks import harness, inputs
from benchmarks.report import summarize, table

WORKLOADS = inputs.WORKLOADS


def parse_names(names: list[str] | str) -> list[str]:
    """Returns workload ids from names like `all`, `W1`, `w3`, `W1,W2`."""
    if isinstance(names, str):
        names = [names]
    out: list[str] = []
    for part in names:
        for n in part.split(","):
            n = n.strip().upper()
            if not n:
                continue
            if n == "ALL":
                out.extend(w for w in WORKLOADS if w not in out)
            elif n in WORKLOADS:
                if n not in out:
                    out.append(n)
            else:
                raise ValueError(f"benchmarks: unknown workload {n!r}; expected 'all' or some of {', '.join(WORKLOADS)}")
    return out


def run_workloads(names: list[str] | str, rounds: int = 3, tiny: bool = False, *, cache: str | None = None,
                  peers: bool = True, isolate: bool | None = None, warmup: int = 1,
                  budget_s: float | None = 20.0,
                  log: Callable[[str], None] | None = None,
                  on_result: Callable[[dict[str, Any]], None] | None = None) -> list[dict[str, Any]]:
    """Returns one result record per workload (see `benchmarks.report.summarize` for the keys).

    Args:
      names: workload ids (`"all"`, `["W1", "W3"]`, ...).
      rounds: timed rounds per engine; each engine's median is reported.
      tiny: tiny inputs (the test suite); `cache` overrides the input folder.
      peers: run tf.data / the `tfrecord` package where installed (W7's peer always runs).
      isolate: a fresh process per engine and workload (default unless `tiny`), for clean RSS.
      warmup: batches pulled before the clock starts, each round.
      budget_s: a round stops after this many seconds and is measured on the elements it
        produced (None: always to the end); keeps a very slow engine from eating the run.
      log: progress callback (one line each); `on_result` is called as each record is ready.
    """
    names = parse_names(names)
    log = log or (lambda s: None)
    isolate = (not tiny) if isolate is None else isolate
    available = harness.available_engines() if peers else {"dataflowio", "dataflowio-noopt"}
    pool: dict[str, harness.EngineProcess] | None = None if isolate else {}
    records = []
    try:
        for w in names:
            t0 = time.perf_counter()
            engines = harness.engines_for(w, available)
            log(f"{w}: engines {', '.join(engines)}")
            per_engine = harness.run_workload(w, rounds, tiny, cache, engines, pool, warmup, log, budget_s)
            rec = summarize(w, per_engine)
            rec["seconds"] = round(time.perf_counter() - t0, 1)
            records.append(rec)
            if on_result:
                on_result(rec)
    finally:
        for p in (pool or {}).values():
            p.close()
    return records


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    p.add_argument("workloads", nargs="*", default=["all"], help="'all' (default) or ids: W1 W2 ... W7")
    p.add_argument("--rounds", type=int, default=3, help="timed rounds per engine (median reported; default 3)")
    p.add_argument("--tiny", action="store_true", help="tiny inputs (seconds; for tests)")
    p.add_argument("--cache", help="input folder (default $DATAFLOWIO_CACHE or ~/.cache/dataflowio/bench)")
    p.add_argument("--no-peers", action="store_true", help="skip tf.data and the tfrecord package")
    p.add_argument("--shared-workers", action="store_true", help="one process per engine for all workloads")
    p.add_argument("--warmup", type=int, default=1, help="batches pulled before timing each round (default 1)")
    p.add_argument("--budget", type=float, default=20.0,
                   help="seconds per round before it is cut and measured on what it produced (0: never; default 20)")
    p.add_argument("--json", metavar="FILE", help="also write the JSON lines to FILE")
    p.add_argument("--plot", metavar="FILE.png", help="draw the ratios per workload with their targets")
    p.add_argument("--results", metavar="FILE.md", help="write the table with date and machine (RESULTS.md)")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    return p


def main(argv: list[str] | None = None) -> int:
    """Runs the command line; returns the exit code (0, or 1 if a workload failed to run)."""
    args = _parser().parse_args(argv)
    where = None
    if args.results:
        from benchmarks.report import machine

        where = machine()  # the load average before our own processes start
    try:
        names = parse_names(args.workloads or ["all"])
        if args.rounds < 1:
            raise ValueError(f"benchmarks: --rounds must be >= 1, got {args.rounds}")
    except ValueError as e:
        print(e, file=sys.stderr)
        return 2

    def log(s: str) -> None:
        if not args.quiet:
            print(s, file=sys.stderr, flush=True)

    def emit(rec: dict[str, Any]) -> None:
        print(json.dumps(rec), flush=True)

    records = run_workloads(names, args.rounds, args.tiny, cache=args.cache, peers=not args.no_peers,
                            isolate=False if args.shared_workers else None, warmup=args.warmup,
                            budget_s=args.budget or None, log=log,
                            on_result=emit)
    print()
    print(table(records))
    if args.json:
        with open(args.json, "w") as f:
            f.writelines(json.dumps(r) + "\n" for r in records)
    if args.results and where is not None:
        from benchmarks.report import markdown

        command = "python -m benchmarks.run " + " ".join(argv if argv is not None else sys.argv[1:])
        with open(args.results, "w") as f:
            f.write(markdown(records, where, command))
        print(f"results: {args.results}")
    if args.plot:
        from benchmarks.plot import plot

        print(f"plot: {plot(records, args.plot)}")
    return 1 if any(r.get("error") for r in records) else 0


if __name__ == "__main__":
    sys.exit(main())
