"""`dataflowio inspect FILE...`: record count, the Examples' schema, and the first records."""

from __future__ import annotations

import argparse

from dataflowio.cli._compression import add_compression_arg, compression_arg

EPILOG = """\
The schema lists each feature's kind (int64 / float / bytes) and how many values it holds per
record (min-max over all records; 0 when some records lack it). Records that are not
tf.train.Examples are shown as raw bytes.

examples:
  dataflowio inspect mnist_records/train-00000-of-00004.tfrecord
  dataflowio inspect --records 0 data/*.tfrecord.gz
  dataflowio inspect --records 5 --max-values 20 table.tfrecord"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("inspect", help="show record count, Example schema and first records",
                       description=__doc__, epilog=EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("files", nargs="+", metavar="FILE", help="TFRecord files")
    p.add_argument("-n", "--records", type=int, default=2, metavar="N",
                   help="print the first N records of each file (default 2)")
    p.add_argument("--max-values", type=int, default=8, metavar="K",
                   help="show at most K values per feature (default 8)")
    add_compression_arg(p)
    p.set_defaults(run=run)


def short(values: list, kind: str, k: int) -> str:
    """Returns a compact rendering of a feature's values.

    >>> short([b"abcd" * 196, b"ok"], "bytes", 8)
    "[b'abcdabcd'... (784 bytes), b'ok']"
    >>> short([1, 2, 3], "int64", 2)
    '[1, 2, ... (3 values)]'
    """
    shown = []
    for v in values[:k]:
        if kind == "bytes":
            shown.append(repr(v) if len(v) <= 32 else repr(v[:8]) + f"... ({len(v)} bytes)")
        elif kind == "float":
            shown.append(f"{v:.6g}")
        else:
            shown.append(str(v))
    more = f", ... ({len(values)} values)" if len(values) > k else ""
    return "[" + ", ".join(shown) + more + "]"


def inspect_file(path: str, compression: str | None, n_show: int, k: int) -> list[str]:
    """Returns the report lines for one file."""
    from dataflowio.datasets import features
    from dataflowio.datasets.schema import SchemaStats
    from dataflowio.datasets.tfrecords import iter_records
    from dataflowio.errors import DataLossError

    stats = SchemaStats()
    shown: list[str] = []
    not_examples = 0
    for i, rec in enumerate(iter_records([path], compression)):
        try:
            decoded = features.decode_example(rec)
        except DataLossError:
            not_examples += 1
            if i < n_show:
                shown.append(f"record {i}: {len(rec)} bytes, not an Example: {rec[:32]!r}")
            continue
        stats.add(decoded)
        if i < n_show:
            shown.append(f"record {i}:")
            width = max((len(name) for name in decoded), default=0)
            for name in sorted(decoded):
                kind, values = decoded[name]
                shown.append(f"  {name:<{width}}  {kind:<5}  {short(values, kind, k)}")
    total = stats.count + not_examples
    lines = [f"{path}: {total} records" + (f" ({not_examples} not Examples)" if not_examples else "")]
    rows = stats.rows()
    if rows:
        width = max(len("feature"), *(len(r[0]) for r in rows))
        lines.append(f"  {'feature':<{width}}  kind   values per record")
        for name, kind, lo, hi, _present in rows:
            span = f"{lo}" if lo == hi else f"{lo}-{hi}"
            sizes = stats.byte_sizes(name)
            if sizes is not None:
                span += f" ({sizes[0]} bytes)" if sizes[0] == sizes[1] else f" ({sizes[0]}-{sizes[1]} bytes)"
            lines.append(f"  {name:<{width}}  {kind:<5}  {span}")
    return lines + shown


def run(args: argparse.Namespace) -> int:
    from dataflowio.cli.main import UsageError

    if args.records < 0 or args.max_values < 1:
        raise UsageError("--records must be >= 0 and --max-values >= 1.")
    comp = compression_arg(args)
    for path in args.files:
        print("\n".join(inspect_file(path, comp, args.records, args.max_values)), flush=True)
    return 0
