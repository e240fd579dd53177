"""Record indexes: the offset and size of every record, built on the fly or kept beside the file.

The file format is the `tfrecord` PyPI package's (so its loaders can use ours and vice versa): text,
one line per record, `"<start offset> <frame size in bytes>"`, where the frame size counts the
12-byte header and 4-byte footer. For GZIP / ZLIB files the offsets count uncompressed bytes.

>>> import os, tempfile
>>> from record_format.tfrecord import TFRecordWriter
>>> path = os.path.join(tempfile.mkdtemp(), "i.tfrecord")
>>> with TFRecordWriter(path) as w:
...     for r in (b"a", b"bb", b"ccc"):
...         w.write(r)
>>> idx = build_index(path)
>>> idx.tolist(), idx.sizes.tolist()
([0, 17, 35], [17, 18, 19])
>>> IndexedReader(path, idx)[2]
b'ccc'
"""

from __future__ import annotations

import os
import struct
from typing import Any, Sequence

import numpy as np

from record_format._closing import Closing
from record_format.crc32c import masked_crc32c
from record_format.errors import DataLossError, InvalidArgumentError, NotFoundError
from record_format.reader import RecordReader
from record_format.tfrecord import FOOTER_SIZE, HEADER_SIZE, compression_type_of

_HDR = struct.Struct("<QI")


class RecordIndex(np.ndarray):
    """An int64 array of record start offsets with a `.sizes` array of frame sizes."""

    sizes: np.ndarray

    def __new__(cls, offsets: Any, sizes: Any) -> RecordIndex:
        obj = np.asarray(offsets, dtype=np.int64).reshape(-1).view(cls)
        obj.sizes = np.asarray(sizes, dtype=np.int64).reshape(-1)
        if len(obj.sizes) != len(obj):
            raise InvalidArgumentError(
                f"RecordIndex: {len(obj)} offsets but {len(obj.sizes)} sizes."
            )
        return obj

    def __array_finalize__(self, obj: Any) -> None:
        self.sizes = getattr(obj, "sizes", np.zeros(0, dtype=np.int64))

    def __reduce__(self) -> Any:
        return (RecordIndex, (np.asarray(self), self.sizes))


def build_index(
    path: str | os.PathLike[str], compression_type: object = None, *, verify_crc: bool = False
) -> RecordIndex:
    """Returns the offsets (and `.sizes`) of every record in one TFRecord file.

    Uncompressed files are walked header to header (only the length CRC is checked unless
    `verify_crc`); compressed files are inflated and read.
    """
    path = os.fspath(path)
    ctype = compression_type_of(compression_type, "build_index")
    offsets: list[int] = []
    sizes: list[int] = []
    if ctype or verify_crc:
        with RecordReader(path, ctype, verify_crc=True) as r:
            while True:
                at = r.tell()
                got = r.read_batch(1)
                if not got:
                    break
                offsets.append(at)
                sizes.append(len(got[0]) + HEADER_SIZE + FOOTER_SIZE)
        return RecordIndex(offsets, sizes)
    try:
        f = open(path, "rb")  # noqa: SIM115
    except FileNotFoundError:
        raise NotFoundError(f"build_index: {path}: no such file.") from None
    with f:
        end = os.fstat(f.fileno()).st_size
        pos = 0
        while pos < end:
            f.seek(pos)
            header = f.read(HEADER_SIZE)
            if len(header) < HEADER_SIZE:
                raise DataLossError(
                    f"{path}: corrupted record at byte {pos} (truncated record "
                    f"header: {len(header)} of {HEADER_SIZE} bytes before the end "
                    "of the file)",
                    path=path,
                    offset=pos,
                )
            length, stored = _HDR.unpack(header)
            if stored != masked_crc32c(header[:8]):
                raise DataLossError(
                    f"{path}: corrupted record at byte {pos} (length CRC mismatch: "
                    f"stored 0x{stored:08x}, computed "
                    f"0x{masked_crc32c(header[:8]):08x})",
                    path=path,
                    offset=pos,
                )
            size = HEADER_SIZE + length + FOOTER_SIZE
            if pos + size > end:
                raise DataLossError(
                    f"{path}: corrupted record at byte {pos} (truncated record: "
                    f"header says {length} bytes of data)",
                    path=path,
                    offset=pos,
                )
            offsets.append(pos)
            sizes.append(size)
            pos += size
    return RecordIndex(offsets, sizes)


def write_index(
    out: str | os.PathLike[str],
    index: Sequence[int] | np.ndarray,
    sizes: Sequence[int] | np.ndarray | None = None,
) -> None:
    """Writes `index` (a `RecordIndex`, or offsets + `sizes`) in the tfrecord package's format."""
    if sizes is None:
        sizes = getattr(index, "sizes", None)
        if sizes is None:
            raise InvalidArgumentError(
                "write_index: pass a RecordIndex (from build_index) or explicit `sizes`."
            )
    offs = np.asarray(index, dtype=np.int64)
    text = "".join(f"{o} {s}\n" for o, s in zip(offs.tolist(), np.asarray(sizes).tolist()))
    with open(out, "w") as f:
        f.write(text)


def read_index(path: str | os.PathLike[str]) -> RecordIndex:
    """Returns the `RecordIndex` stored in an index file (ours or the tfrecord package's)."""
    try:
        with open(path) as f:
            lines = [ln.split() for ln in f if ln.strip()]
    except FileNotFoundError:
        raise NotFoundError(f"read_index: {os.fspath(path)}: no such index file.") from None
    try:
        offsets = [int(p[0]) for p in lines]
        sizes = [int(p[1]) if len(p) > 1 else -1 for p in lines]
    except (ValueError, IndexError):
        raise DataLossError(
            f"{os.fspath(path)}: not a record index (expected lines '<offset> <size>').",
            path=os.fspath(path),
        ) from None
    return RecordIndex(offsets, sizes)


load_index = read_index


class IndexedReader(Closing):
    """Random access to the records of an uncompressed TFRecord file through its index.

    `reader[i]` reads record `i` (both CRCs checked); `read_many(indices)` reads several in the
    order given (for index-level shuffling and sharding).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        index: RecordIndex | None = None,
        verify_crc: bool = True,
    ) -> None:
        self.path = os.fspath(path)
        self.index = build_index(self.path) if index is None else index
        self.verify_crc = verify_crc
        try:
            self._fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            raise NotFoundError(f"IndexedReader: {self.path}: no such file.") from None

    def __len__(self) -> int:
        return len(self.index)

    def __getitem__(self, i: int) -> bytes:
        n = len(self.index)
        if not -n <= i < n:
            raise IndexError(f"IndexedReader({self.path!r}): record {i} out of range [0, {n}).")
        offset = int(self.index[i])
        frame = os.pread(
            self._fd, int(self.index.sizes[i]) if self.index.sizes[i] > 0 else HEADER_SIZE, offset
        )
        if len(frame) < HEADER_SIZE:
            raise DataLossError(
                f"{self.path}: corrupted record at byte {offset} (truncated record header)",
                path=self.path,
                offset=offset,
            )
        length, lcrc = _HDR.unpack_from(frame)
        if len(frame) != HEADER_SIZE + length + FOOTER_SIZE:
            frame = os.pread(self._fd, HEADER_SIZE + length + FOOTER_SIZE, offset)
        if len(frame) != HEADER_SIZE + length + FOOTER_SIZE:
            raise DataLossError(
                f"{self.path}: corrupted record at byte {offset} (truncated "
                f"record: header says {length} bytes of data)",
                path=self.path,
                offset=offset,
            )
        data = frame[HEADER_SIZE : HEADER_SIZE + length]
        if self.verify_crc:
            for what, stored, computed in (
                ("length", lcrc, masked_crc32c(frame[:8])),
                (
                    "data",
                    struct.unpack_from("<I", frame, HEADER_SIZE + length)[0],
                    masked_crc32c(data),
                ),
            ):
                if stored != computed:
                    raise DataLossError(
                        f"{self.path}: corrupted record at byte {offset} ({what} CRC mismatch: "
                        f"stored 0x{stored:08x}, computed 0x{computed:08x}); use .ignore_errors() "
                        "to skip",
                        path=self.path,
                        offset=offset,
                    )
        return data

    def read_many(self, indices: Sequence[int] | np.ndarray) -> list[bytes]:
        """Returns the records at `indices`, in that order."""
        return [self[int(i)] for i in indices]

    def close(self) -> None:
        """Closes the file. Idempotent."""
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __del__(self) -> None:
        try:
            self.close()
        except OSError:
            pass
