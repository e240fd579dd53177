"""`dataflowio convert SRC DST`: data people have -> TFRecord files of tf.train.Example, and back to .npz."""

from __future__ import annotations

import argparse
import glob
import os
import sys

from dataflowio.cli import progress as progress_bar
from dataflowio.cli.main import UsageError

EPILOG = """\
sources (detected from SRC):
  a folder with the 4 MNIST IDX files -> train-*.tfrecord and test-*.tfrecord
      (features height, width, depth, label, image_raw as in TensorFlow's convert_to_records.py)
  a folder of class sub-folders of JPEG/PNG images -> image/encoded, image/format,
      image/class/label (class index, sorted by name), image/class/text, image/height, image/width
  FILE.csv with a header row -> one feature per column (int64/float/bytes inferred, or --schema)
  FILE.npz -> one feature per array, first axis = records
  any other file -> one record per line, feature "text"
  TFRecord file(s) (or a folder of them) with DST ending in .npz -> the reverse: one array per feature

examples:
  dataflowio convert ../shared/data/mnist mnist_records --shards 4 --index
  dataflowio convert photos/ photos_records --shards 8 --compression GZIP --shuffle-seed 0
  dataflowio convert table.csv table.tfrecord --schema id:int64,price:float32
  dataflowio convert mnist_records --split test test.npz --schema image_raw:uint8[28,28],label:int64"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("convert", help="convert MNIST/images/CSV/text/.npz to TFRecord files (and back)",
                       description=__doc__, epilog=EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("src", metavar="SRC", help="source file or folder (see below)")
    p.add_argument("dst", metavar="DST", help="output folder, a .tfrecord file, or a .npz file")
    p.add_argument("--shards", type=int, default=1, metavar="N", help="files per split (default 1)")
    p.add_argument("--compression", type=str.upper, choices=["GZIP", "ZLIB", "NONE"], default="NONE",
                   help="compress the TFRecord files (default none)")
    p.add_argument("--index", action="store_true", help="also write a record index beside each file")
    p.add_argument("--schema", metavar="SPEC",
                   help="name:type[shape],... CSV column types, or the features to read back to .npz "
                        "(types int64, float32, bytes, or a NumPy dtype to decode bytes raw)")
    p.add_argument("--split", metavar="NAME", help="with a folder of TFRecords: only NAME-*-of-* shards")
    p.add_argument("--limit", type=int, metavar="N", help="convert at most N records per split")
    p.add_argument("--shuffle-seed", type=int, metavar="SEED", help="shuffle image files with SEED")
    p.add_argument("--no-verify", action="store_true",
                   help="skip the MNIST MD5 check (to convert e.g. Fashion-MNIST)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar, no summary")
    p.set_defaults(run=run)


def record_files(src: str, split: str | None = None) -> list[str] | None:
    """Returns the TFRecord files SRC names (a file, a glob, or a folder of them), or None."""
    from dataflowio.datasets.tfrecords import RECORD_SUFFIXES

    if any(c in src for c in "*?["):
        return sorted(glob.glob(src)) or None
    if os.path.isfile(src):
        return [src] if src.lower().endswith(RECORD_SUFFIXES) else None
    if os.path.isdir(src):
        pattern = f"{glob.escape(split)}-*" if split else "*"
        found = sorted(p for p in glob.glob(os.path.join(glob.escape(src), pattern))
                       if p.lower().endswith(RECORD_SUFFIXES))
        return found or None
    return None


def run(args: argparse.Namespace) -> int:
    from dataflowio.datasets import schema as schemas
    from dataflowio.datasets import sources, tfrecords

    if args.limit is not None and args.limit < 0:
        raise UsageError(f"--limit must be >= 0, got {args.limit}.")
    if args.shards < 1:
        raise UsageError(f"--shards must be >= 1, got {args.shards}.")
    compression = "" if args.compression == "NONE" else args.compression
    try:
        entries = schemas.parse_schema(args.schema) if args.schema else None
    except ValueError as e:
        raise UsageError(str(e)) from None
    if args.dst.lower().endswith(".npz"):
        files = record_files(args.src, args.split)
        if files is None:
            if args.split:
                raise UsageError(f"no {args.split}-* TFRecord files in {args.src}.")
            if os.path.isdir(args.src) or os.path.isfile(args.src):
                raise UsageError(f"DST {args.dst} is a .npz: SRC must be TFRecord file(s) or a "
                                 f"folder of them, got {args.src}.")
            raise FileNotFoundError(f"convert: {args.src}: no such file or folder.")
        with progress_bar.bar(None, "records", args.quiet) as tick:
            arrays = tfrecords.read_columns(files, entries, None, args.limit, tick)
        tfrecords.write_npz(args.dst, arrays)
        if not args.quiet:
            shapes = ", ".join(f"{k} {a.dtype}{list(a.shape)}" for k, a in arrays.items())
            print(f"wrote {args.dst}: {shapes}")
        return 0

    from dataflowio.datasets.mnist import has_idx_files

    if record_files(args.src, args.split) is not None and not has_idx_files(args.src):
        raise UsageError(f"SRC {args.src} holds TFRecords: they convert to .npz only (give a DST "
                         "ending in .npz), or use `dataflowio inspect` to look inside.")
    csv_schema = None
    if entries is not None:
        if not args.src.lower().endswith(".csv"):
            raise UsageError("--schema applies to a CSV source or to reading TFRecords back to .npz.")
        csv_schema = {e.name: e.kind for e in entries}
    splits = sources.open_source(args.src, schema=csv_schema, limit=args.limit,
                                 shuffle_seed=args.shuffle_seed, verify_md5=not args.no_verify)
    total = sum(s.count for s in splits)
    with progress_bar.bar(total, "records", args.quiet) as tick:
        paths = tfrecords.write_splits(splits, args.dst, shards=args.shards,
                                       compression=compression, index=args.index, progress=tick)
    if not args.quiet:
        for s in splits:
            print(f"{s.name}: {s.count} records")
        for p in paths:
            print(f"wrote {p}" + (f" (+ {os.path.basename(p)}.index)" if args.index else ""))
    sys.stdout.flush()
    return 0
