"""`python -m record_format.bench`: records/s for reading, CRC-checking and parsing W1 / W2 files.

Generates (seeded, once) BENCHMARKS.md's W1 file (60,000 Examples: `image_raw` 784 bytes + `label`
int64) and W2 file (`image` FloatList of 784 + `label`) in `$DATAFLOWIO_CACHE` (default
`~/.cache/dataflowio`), then prints one line per measurement, best of `--rounds`.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy as np

from record_format.example import BytesList, Example, Feature, Features, FloatList, Int64List
from record_format.features import FixedLenFeature
from record_format.parse import parse_example, parse_example_proto
from record_format.reader import RecordReader
from record_format.tfrecord import TFRecordWriter

N = 60_000
W1_FEATURES = {"image_raw": FixedLenFeature([], "string"), "label": FixedLenFeature([], "int64")}
W2_FEATURES = {"image": FixedLenFeature([784], "float32"), "label": FixedLenFeature([], "int64")}


def cache_dir() -> Path:
    """Returns the benchmark cache folder, created if needed."""
    d = Path(os.environ.get("DATAFLOWIO_CACHE", Path.home() / ".cache" / "dataflowio"))
    d.mkdir(parents=True, exist_ok=True)
    return d


def _images(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (N, 784), dtype=np.uint8), rng.integers(0, 10, N)


def _write_once(path: Path, records: Callable[[], Iterable[bytes]]) -> str:
    """Returns `str(path)`, first writing `records()` there (via a .tmp file) if it is missing."""
    if not path.exists():
        tmp = str(path) + ".tmp"
        with TFRecordWriter(tmp) as w:
            for rec in records():
                w.write(rec)
        os.replace(tmp, path)
    return str(path)


def w1_file() -> str:
    """Returns the path of W1's file (`image_raw` bytes + `label`), generating it once."""

    def records() -> Iterator[bytes]:
        x, y = _images(1)
        for img, label in zip(x, y):
            yield Example(
                features=Features(
                    feature={
                        "image_raw": Feature(bytes_list=BytesList(value=[img.tobytes()])),
                        "label": Feature(int64_list=Int64List(value=[int(label)])),
                    }
                )
            ).SerializeToString()

    return _write_once(cache_dir() / "w1_mnist_bytes.tfrecord", records)


def w2_file() -> str:
    """Returns the path of W2's file (`image` 784 floats + `label`), generating it once."""

    def records() -> Iterator[bytes]:
        x, y = _images(2)
        for img, label in zip(x, y):
            yield Example(
                features=Features(
                    feature={
                        "image": Feature(float_list=FloatList(value=(img / 255.0).tolist())),
                        "label": Feature(int64_list=Int64List(value=[int(label)])),
                    }
                )
            ).SerializeToString()

    return _write_once(cache_dir() / "w2_mnist_floats.tfrecord", records)


def large_file(record_mb: int = 4, total_mb: int = 512) -> str:
    """Returns the path of a file of `total_mb` of `record_mb`-MB random records."""

    def records() -> Iterator[bytes]:
        rng = np.random.default_rng(3)
        for _ in range(total_mb // record_mb):
            yield rng.integers(0, 256, record_mb << 20, dtype=np.uint8).tobytes()

    return _write_once(
        cache_dir() / f"large_{record_mb}mb_x{total_mb // record_mb}.tfrecord", records
    )


CLOCK: Callable[[], float] = time.perf_counter


def best_of(rounds: int, fn: Callable[[], int]) -> tuple[float, int]:
    """Returns (best seconds, items) over `rounds` calls of `fn` (which returns an item count)."""
    best, items = float("inf"), 0
    for _ in range(rounds):
        t = CLOCK()
        items = fn()
        best = min(best, CLOCK() - t)
    return best, items


def read_all(path: str, batch: int = 1024) -> int:
    """Reads every record with both CRCs checked; returns the count."""
    n = 0
    with RecordReader(path) as r:
        while chunk := r.read_batch(batch):
            n += len(chunk)
    return n


def plain_read(path: str, block: int = 1 << 22) -> int:
    """Reads the file into one reused buffer (the page-cache bandwidth baseline); returns bytes."""
    buf = bytearray(block)
    n = 0
    with open(path, "rb", buffering=0) as f:
        while got := f.readinto(buf):
            n += got
    return n


def main(argv: list[str] | None = None) -> int:
    """Runs the benchmarks and prints records/s (and MB/s for large records)."""
    ap = argparse.ArgumentParser(prog="python -m record_format.bench", description=__doc__)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--batch", type=int, default=1024, help="records per read_batch / parse call")
    ap.add_argument("--skip-large", action="store_true", help="skip the large-record bandwidth run")
    ap.add_argument(
        "--clock",
        choices=["wall", "cpu"],
        default="wall",
        help="cpu: this process's CPU time (steadier on a busy shared machine; "
        "not for the large-record run, which overlaps two threads)",
    )
    args = ap.parse_args(argv)
    global CLOCK
    CLOCK = time.process_time if args.clock == "cpu" else time.perf_counter
    for name, path, feats in (("W1", w1_file(), W1_FEATURES), ("W2", w2_file(), W2_FEATURES)):
        t, n = best_of(args.rounds, lambda: read_all(path, args.batch))
        print(f"{name} read + both CRCs:        {n / t:12,.0f} records/s")
        with RecordReader(path) as r:
            batches = [b for b in iter(lambda: r.read_batch(args.batch), [])]
        t, n = best_of(
            args.rounds, lambda: sum(len(parse_example(b, feats)["label"]) for b in batches)
        )
        print(f"{name} parse_example fast path:  {n / t:12,.0f} records/s")
        t, n = best_of(1, lambda: sum(len(parse_example_proto(b, feats)["label"]) for b in batches))
        print(f"{name} protobuf-object path:     {n / t:12,.0f} records/s")

        def read_and_parse() -> int:
            count = 0
            with RecordReader(path) as r:
                while chunk := r.read_batch(args.batch):
                    count += len(parse_example(chunk, feats)["label"])
            return count

        t, n = best_of(args.rounds, read_and_parse)
        print(f"{name} read + CRCs + parse:      {n / t:12,.0f} records/s")
    if not args.skip_large:
        CLOCK = time.perf_counter
        path = large_file()
        t_plain, nbytes = best_of(args.rounds, lambda: plain_read(path))
        t_ours, _ = best_of(args.rounds, lambda: read_all(path, 1))
        print(
            f"large records (4 MB) read + CRCs: {nbytes / t_ours / 1e9:6.2f} GB/s; plain read "
            f"{nbytes / t_plain / 1e9:6.2f} GB/s; ratio {t_plain / t_ours:.0%}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
