"""`dataflowio verify FILE...`: checks both CRCs of every record; reports every damaged one."""

from __future__ import annotations

import argparse
import sys

from dataflowio.cli._compression import add_compression_arg, compression_arg

EPILOG = """\
Every damaged record is printed with the byte offset where it starts and the reason; reading then
resynchronises on the next valid record and goes on, so one run lists every problem.
Exit status: 0 when every file is intact, 1 when any record is damaged or a file cannot be read.
Offsets of GZIP/ZLIB files are positions in the uncompressed stream.

examples:
  dataflowio verify mnist_records/*.tfrecord
  dataflowio verify --compression GZIP data.tfrecord"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("verify", help="check every record's CRCs (exit 1 on corruption)",
                       description=__doc__, epilog=EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("files", nargs="+", metavar="FILE", help="TFRecord files")
    add_compression_arg(p)
    p.add_argument("-q", "--quiet", action="store_true", help="print only problems")
    p.set_defaults(run=run)


def verify_file(path: str, compression: str | None = None) -> tuple[int, list]:
    """Returns (intact record count, list of `Corruption`s) for one file."""
    from dataflowio.datasets.tfrecords import compression_of
    from record_format.reader import RecordReader

    comp = compression_of(path) if compression is None else compression
    n = 0
    with RecordReader(path, comp, skip_corrupt=True) as r:
        while True:
            batch = r.read_batch(4096)
            if not batch:
                break
            n += len(batch)
        return n, list(r.corruptions)


def run(args: argparse.Namespace) -> int:
    from dataflowio.cli.main import one_line

    comp = compression_arg(args)
    bad = 0
    for path in args.files:
        try:
            n, damaged = verify_file(path, comp)
        except OSError as e:  # missing / unreadable file: report it and go on with the others
            print(f"dataflowio: error: {one_line(e)}", file=sys.stderr, flush=True)
            bad += 1
            continue
        for c in damaged:
            print(f"{path}: corrupt record at byte {c.offset}: {c.reason} "
                  f"(skipped {c.skipped_bytes} bytes)")
        if damaged:
            bad += 1
            print(f"{path}: CORRUPT: {len(damaged)} damaged region(s), {n} intact records")
        elif not args.quiet:
            print(f"{path}: OK, {n} records")
    if bad and len(args.files) > 1:
        print(f"{bad} of {len(args.files)} files have problems")
    return 1 if bad else 0
