"""`dataflowio index FILE...`: writes the record index (offset of every record) beside each file."""

from __future__ import annotations

import argparse

from dataflowio.cli._compression import add_compression_arg, compression_arg

EPILOG = """\
The index of FILE is written atomically to FILE.index; readers use it to seek straight to record i
(random access, fast skip(), even sharding by record). `dataflowio convert --index` writes the same.

examples:
  dataflowio index mnist_records/train-*.tfrecord"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("index", help="write a record-offset index beside each TFRecord file",
                       description=__doc__, epilog=EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("files", nargs="+", metavar="FILE", help="TFRecord files")
    add_compression_arg(p)
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from dataflowio.datasets.tfrecords import index_file

    comp = compression_arg(args)
    for path in args.files:
        out, n = index_file(path, comp)
        if not args.quiet:
            print(f"{out}: {n} records")
    return 0
