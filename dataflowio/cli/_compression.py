"""The `--compression` option the per-file commands (`inspect`, `verify`, `index`) share.

>>> import argparse
>>> p = argparse.ArgumentParser()
>>> add_compression_arg(p)
>>> [compression_arg(p.parse_args(a)) for a in ([], ["--compression", "none"], ["--compression", "gzip"])]
[None, '', 'GZIP']
"""

from __future__ import annotations

import argparse


def add_compression_arg(p: argparse.ArgumentParser) -> None:
    """Adds `--compression {GZIP,ZLIB,NONE}` (case-insensitive; default: from the file name)."""
    p.add_argument("--compression", type=str.upper, choices=["GZIP", "ZLIB", "NONE"],
                   help="compression of the files (default: from the name, .gz = GZIP, .zz = ZLIB)")


def compression_arg(args: argparse.Namespace) -> str | None:
    """Returns None (guess from each file's name), "" (none), "GZIP" or "ZLIB" from the option."""
    return None if args.compression is None else ("" if args.compression == "NONE" else args.compression)
