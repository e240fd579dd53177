"""Writing sources as sharded TFRecord files of `tf.train.Example`, and reading them back to NumPy.

Outputs are atomic: every shard (and its index) is written under a temporary name and all are
renamed together only when every one is complete; an error or Ctrl-C removes the temporaries.

>>> import os, tempfile
>>> from dataflowio.datasets.sources import Split
>>> d = tempfile.mkdtemp()
>>> split = Split("nums", 5, lambda: iter([{"x": i} for i in range(5)]))
>>> [os.path.basename(p) for p in write_splits([split], d, shards=2)]
['nums-00000-of-00002.tfrecord', 'nums-00001-of-00002.tfrecord']
>>> sorted(c["x"].tolist() for c in [read_columns(sorted(shard_paths(d, "nums")))])
[[0, 1, 2, 3, 4]]
"""

from __future__ import annotations

import glob
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np

from dataflowio.datasets import features
from dataflowio.datasets.atomic import AtomicGroup, atomic_path
from dataflowio.datasets.schema import Entry, SchemaStats, columns
from dataflowio.datasets.sources import Split
from dataflowio.errors import InvalidArgumentError

SUFFIX = {"": ".tfrecord", "GZIP": ".tfrecord.gz", "ZLIB": ".tfrecord.zz"}
RECORD_SUFFIXES = (".tfrecord", ".tfrecords", ".tfrec", ".tfr", ".tfrecord.gz", ".tfrecord.zz")

Progress = Callable[[int], None]


def compression_of(path: str | os.PathLike[str]) -> str:
    """Returns the compression a file's name implies: "GZIP" for `.gz`, "ZLIB" for `.zz`/`.zlib`.

    >>> compression_of("a.tfrecord.gz"), compression_of("a.tfrecord")
    ('GZIP', '')
    """
    name = os.fspath(path).lower()
    if name.endswith(".gz"):
        return "GZIP"
    if name.endswith((".zz", ".zlib")):
        return "ZLIB"
    return ""


def shard_name(split: str, k: int, n: int, compression: str = "") -> str:
    """Returns the file name of shard `k` of `n`.

    >>> shard_name("train", 0, 4)
    'train-00000-of-00004.tfrecord'
    """
    return f"{split}-{k:05d}-of-{n:05d}{SUFFIX[compression]}"


def shard_paths(folder: str | os.PathLike[str], split: str) -> list[str]:
    """Returns the shard files of `split` in `folder`, in shard order."""
    found = glob.glob(os.path.join(glob.escape(os.fspath(folder)), f"{split}-*-of-*.tfrecord*"))
    return sorted(p for p in found if p.lower().endswith(RECORD_SUFFIXES))


def write_splits(
    splits: Sequence[Split],
    dst: str | os.PathLike[str],
    *,
    shards: int = 1,
    compression: str = "",
    index: bool = False,
    progress: Progress | None = None,
) -> list[str]:
    """Writes every split as `shards` contiguous shards in folder `dst`; returns the file paths.

    When `dst` names a `.tfrecord*` file and there is a single split in one shard, that exact file
    is written instead. Shard k of a split with n records holds records [k*n//shards, (k+1)*n//shards).

    Raises:
      InvalidArgumentError: `shards` < 1, or a record has a value that no Example feature can hold.
    """
    from record_format.tfrecord import TFRecordWriter

    if shards < 1:
        raise InvalidArgumentError(f"convert: --shards must be >= 1, got {shards}.")
    compression = compression.upper() if compression else ""
    single_file = os.fspath(dst).lower().endswith(RECORD_SUFFIXES)
    if single_file and (len(splits) != 1 or shards != 1):
        raise InvalidArgumentError(
            f"convert: DST {dst} is a file name, but the source has {len(splits)} split(s) and "
            f"--shards is {shards}; give a folder as DST instead.")
    folder = Path(dst).parent if single_file else Path(dst)
    if not single_file:
        _refuse_other_shardings(folder, splits, shards, compression)
    created = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    try:
        with AtomicGroup() as group:
            for split in splits:
                it = iter(split.records())
                for k in range(shards):
                    final = Path(dst) if single_file else folder / shard_name(
                        split.name, k, shards, compression)
                    tmp = group.path(final)
                    want = (k + 1) * split.count // shards - k * split.count // shards
                    with TFRecordWriter(tmp, compression or None) as w:
                        for _ in range(want):
                            record = next(it, None)
                            if record is None:
                                break
                            w.write(features.encode_example(record, where=f"{split.name}"))
                            if progress is not None:
                                progress(1)
                    if index:
                        write_index(tmp, group.path(index_path(final)), compression)
            return [p for p in group.commit() if not p.endswith(INDEX_SUFFIX)]
    except BaseException:
        if created:
            try:
                folder.rmdir()  # only if we made it and nothing else is in it
            except OSError:
                pass
        raise


def _refuse_other_shardings(folder: Path, splits: Sequence[Split], shards: int,
                            compression: str) -> None:
    """Raises if `folder` already holds shards of a split under other names (another `--shards`
    or compression): readers globbing `split-*` would see both sets."""
    for split in splits:
        new = {shard_name(split.name, k, shards, compression) for k in range(shards)}
        stale = sorted(os.path.basename(p) for p in shard_paths(folder, split.name)
                       if os.path.basename(p) not in new)
        if stale:
            raise InvalidArgumentError(
                f"convert: {folder} already holds {len(stale)} {split.name} shard(s) of another "
                f"sharding or compression ({stale[0]}, ...); readers of {split.name}-* would mix "
                "both sets. Remove them or choose another DST.")


INDEX_SUFFIX = ".index"


def index_path(record_file: str | os.PathLike[str]) -> str:
    """Returns where the record index of `record_file` is written (beside it).

    >>> index_path("a/train-00000-of-00001.tfrecord")
    'a/train-00000-of-00001.tfrecord.index'
    """
    return os.fspath(record_file) + INDEX_SUFFIX


def write_index(record_file: str, out: str, compression: str = "") -> int:
    """Writes the record index of `record_file` to `out`; returns the number of records."""
    from record_format import index as rindex

    offsets = rindex.build_index(record_file, compression or None)
    rindex.write_index(out, offsets)
    return len(offsets)


def index_file(record_file: str, compression: str | None = None) -> tuple[str, int]:
    """Writes the index beside `record_file` atomically; returns (index path, record count)."""
    comp = compression_of(record_file) if compression is None else compression
    with atomic_path(index_path(record_file)) as tmp:
        n = write_index(record_file, tmp, comp)
    return index_path(record_file), n


def iter_records(paths: Iterable[str], compression: str | None = None) -> Iterable[bytes]:
    """Yields the serialized records of each file in order (compression from the name if None)."""
    from record_format.reader import RecordReader

    for p in paths:
        with RecordReader(p, compression_of(p) if compression is None else compression) as r:
            yield from r


def infer_schema(paths: Sequence[str], compression: str | None = None, *,
                 first_only: bool = True) -> list[Entry]:
    """Returns a fixed-length schema from the first record (or all records) of `paths`."""
    stats = SchemaStats()
    for rec in iter_records(paths, compression):
        stats.add(features.decode_example(rec))
        if first_only:
            break
    if stats.count == 0:
        raise InvalidArgumentError(f"schema: {', '.join(paths)}: no records to infer a schema from; "
                                   "give --schema.")
    return stats.to_schema()


def read_columns(paths: Sequence[str], schema: list[Entry] | None = None,
                 compression: str | None = None, limit: int | None = None,
                 progress: Progress | None = None) -> dict[str, np.ndarray]:
    """Returns the records of `paths` as one NumPy array per feature (schema inferred if None)."""
    if schema is None:
        schema = infer_schema(paths, compression)
    decoded = []
    wanted = {e.name for e in schema}
    for i, rec in enumerate(iter_records(paths, compression)):
        if limit is not None and i >= limit:
            break
        d = features.decode_example(rec)
        decoded.append({k: v for k, v in d.items() if k in wanted})
        if progress is not None:
            progress(1)
    return columns(decoded, schema, where=f"{paths[0] if len(paths) == 1 else 'records'}")


def write_npz(path: str | os.PathLike[str], arrays: dict[str, np.ndarray]) -> None:
    """Writes `arrays` to a `.npz` atomically (names with '/' are kept as they are)."""
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        np.savez(f, **arrays)
