"""`dataflowio bench [W1..W7|all]`: the BENCHMARKS.md workloads, dataflowio beside tf.data, as a table."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

EPILOG = """\
Each workload runs through dataflowio and, where installed, tf.data (and the `tfrecord` package for
W1/W2), alternating rounds; the table shows medians and the ratio to the peer. Inputs are generated
once into the cache folder. This wraps `python -m benchmarks.run` from a source checkout.

examples:
  dataflowio bench W1 --rounds 3
  dataflowio bench all --plot bench.png
  dataflowio bench W3,W5 --json results.jsonl
  dataflowio bench all --tiny --no-peers         # seconds: a smoke test"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bench", help="run the W1-W7 benchmarks (tf.data side by side when installed)",
                       description=__doc__, epilog=EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("workloads", nargs="*", default=["all"], metavar="WORKLOAD",
                   help="'all' (default) or ids W1 ... W7 (comma or space separated)")
    p.add_argument("--rounds", type=int, default=3, help="timed rounds per engine (default 3)")
    p.add_argument("--plot", metavar="FILE.png", help="draw the ratios per workload")
    p.add_argument("--json", nargs="?", const="-", metavar="FILE",
                   help="write the result records as JSON lines to FILE (stdout if no FILE)")
    p.add_argument("--tiny", action="store_true", help="tiny inputs (a smoke test in seconds)")
    p.add_argument("--no-peers", action="store_true", help="skip tf.data and the tfrecord package")
    p.add_argument("--cache", metavar="DIR", help="input folder (default ~/.cache/dataflowio/bench)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress lines on stderr")
    p.set_defaults(run=run)


def import_runner():
    """Returns the `benchmarks.run` module, from the import path or the source checkout."""
    try:
        from benchmarks import run as runner
    except ImportError:
        import dataflowio

        root = Path(dataflowio.__file__).resolve().parents[1]
        if not (root / "benchmarks" / "run.py").is_file():
            raise FileNotFoundError(
                "bench: the benchmarks/ folder was not found (it ships with the source checkout, "
                f"not the installed package; looked in {root}).") from None
        sys.path.insert(0, str(root))
        from benchmarks import run as runner
    return runner


def run(args: argparse.Namespace) -> int:
    from dataflowio.cli.main import UsageError

    if args.rounds < 1:
        raise UsageError(f"--rounds must be >= 1, got {args.rounds}.")
    runner = import_runner()
    try:
        names = runner.parse_names(args.workloads)
    except ValueError as e:
        raise UsageError(str(e)) from None

    def log(line: str) -> None:
        if not args.quiet:
            print(line, file=sys.stderr, flush=True)

    records = runner.run_workloads(names, args.rounds, args.tiny, cache=args.cache,
                                   peers=not args.no_peers, log=log)
    lines = [json.dumps(r) for r in records]
    if args.json == "-":
        print("\n".join(lines))
    else:
        from benchmarks.report import table

        print(table(records))
        if args.json:
            Path(args.json).write_text("".join(s + "\n" for s in lines))
            print(f"wrote {args.json}")
    if args.plot:
        from benchmarks.plot import plot

        print(f"plot: {plot(records, args.plot)}")
    return 1 if any(r.get("error") for r in records) else 0
