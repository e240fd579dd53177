"""Reading TFRecord files: both CRCs checked, big-block reads, resync past corruption.

`RecordReader` reads one file (any compression) and hands out `bytes` records one at a time or in
batches (`read_batch(n)`, the fast path the Dataset source uses). `tell()` / `seek()` give stream
offsets of record starts. Every damaged record (length CRC, data CRC, a file cut anywhere inside a
frame, a broken compressed stream) raises `DataLossError` naming the file, the byte offset where the
record starts and, for CRCs, stored vs computed values. With `skip_corrupt=True` the reader instead
scans forward to the next offset whose length CRC *and* data CRC both check out and keeps reading;
`corruptions` lists what it skipped.

>>> import os, tempfile
>>> from record_format.tfrecord import TFRecordWriter
>>> path = os.path.join(tempfile.mkdtemp(), "r.tfrecord")
>>> with TFRecordWriter(path) as w:
...     for r in (b"a", b"bb", b"ccc"):
...         w.write(r)
>>> with RecordReader(path) as r:
...     r.read_batch(2), r.tell(), r.read_batch(5)
([b'a', b'bb'], 35, [b'ccc'])
"""

from __future__ import annotations

import os
from typing import Iterator

from google_crc32c import cext as _crc

from record_format._closing import Closing
from record_format._frames import (
    _DELTA,
    _HDR,
    _LENGTH_CRCS,
    _M32,
    _Q,
    _U32,
    Corruption,
    _Ahead,
    _first_bad_data_crc,
    _masked,
)
from record_format._recovery import TRUNCATED, Recovery
from record_format._source import RawSource, ZlibSource, open_for_read
from record_format.errors import DataLossError, InvalidArgumentError
from record_format.tfrecord import FOOTER_SIZE, HEADER_SIZE, compression_type_of

__all__ = ["DEFAULT_BLOCK_SIZE", "Corruption", "RecordReader"]

DEFAULT_BLOCK_SIZE = 1 << 20
_FAST_MIN = 8  # below this batch size the vectorized CRC check costs more than it saves


class RecordReader(Recovery, Closing):
    """Reads the records of one TFRecord file.

    Args:
      path: the file.
      compression_type: `None`, `""`, `"GZIP"` or `"ZLIB"` (or `TFRecordOptions`).
      verify_crc: check both CRCs of every record (default True).
      skip_corrupt: step over damaged records instead of raising (see the module docstring).
      block_size: bytes read per system call.
      offset: start at this record offset (a value from `tell()` or an index).
    """

    pipeline_min = 1 << 20  # records this large get their CRC checked on a worker thread

    def __init__(
        self,
        path: str | os.PathLike[str],
        compression_type: object = None,
        *,
        verify_crc: bool = True,
        skip_corrupt: bool = False,
        block_size: int = DEFAULT_BLOCK_SIZE,
        offset: int = 0,
    ) -> None:
        self.path = os.fspath(path)
        self.compression_type = compression_type_of(compression_type, "RecordReader")
        if block_size < 64:
            raise InvalidArgumentError(
                f"RecordReader: `block_size` must be >= 64, got {block_size}."
            )
        self.verify_crc = verify_crc
        self.skip_corrupt = skip_corrupt
        self._block = block_size
        self.corruptions: list[Corruption] = []
        self._src = self._open()
        self._buf = b""
        self._pos = 0
        self._base = 0  # stream offset of self._buf[0]
        self._done = False
        self._large = False  # the last record was read around the block buffer
        self._ahead: _Ahead | None = None  # the next large record, read ahead
        if offset:
            self.seek(offset)

    def _open(self) -> RawSource | ZlibSource:
        fd = open_for_read(self.path, "RecordReader")
        if self.compression_type:
            return ZlibSource(self.path, fd, self.compression_type)
        return RawSource(self.path, fd)

    # ---- statistics -------------------------------------------------------------------------
    @property
    def skipped_records(self) -> int:
        """How many damaged records were skipped (one per damaged region)."""
        return len(self.corruptions)

    @property
    def skipped_bytes(self) -> int:
        """How many bytes were stepped over while resynchronising."""
        return sum(c.skipped_bytes for c in self.corruptions)

    # ---- positioning ------------------------------------------------------------------------
    def tell(self) -> int:
        """Returns the stream offset of the next record (uncompressed bytes for GZIP / ZLIB)."""
        return self._base + self._pos

    def seek(self, offset: int) -> None:
        """Continues reading at `offset`, which must be the start of a record.

        Uncompressed files seek directly; compressed ones re-inflate from the start (O(offset)).
        """
        if offset < 0:
            raise InvalidArgumentError(
                f"RecordReader({self.path!r}).seek: offset must be >= 0, got {offset}."
            )
        self._done = False
        self._ahead = None
        if isinstance(self._src, RawSource):
            self._src.seek(offset)
            self._buf, self._pos, self._base = b"", 0, offset
            return
        if offset < self.tell():
            self._src.close()
            self._src = self._open()
            self._buf, self._pos, self._base = b"", 0, 0
        while self.tell() < offset:
            want = offset - self.tell()
            if len(self._buf) - self._pos >= want:
                self._pos += want
                break
            self._base += len(self._buf)
            self._buf, self._pos = b"", 0
            if not self._refill(min(want, self._block)):
                self._base += len(self._buf)
                self._buf = b""
                break

    # ---- reading ----------------------------------------------------------------------------
    def _refill(self, need: int) -> bool:
        """Keeps the unread bytes and reads more; True when at least `need` are buffered."""
        avail = len(self._buf) - self._pos
        # After a large record, expect another: read just its header, not a whole block.
        block = HEADER_SIZE if self._large else self._block
        chunk = self._src.read(max(block, need - avail))
        self._base += self._pos
        self._buf = self._buf[self._pos :] + chunk if avail else chunk
        self._pos = 0
        return len(self._buf) >= need

    def read_batch(self, n: int) -> list[bytes]:
        """Returns up to `n` records (fewer only at the end of the file; [] once it is done).

        On damage it raises `DataLossError` whose `records` attribute holds the intact records
        read before it, and stays at the damaged record (`tell()` = its offset), so switching
        `skip_corrupt` on and reading again resynchronises past it.

        >>> import os, tempfile
        >>> from record_format.tfrecord import TFRecordWriter
        >>> path = os.path.join(tempfile.mkdtemp(), "b.tfrecord")
        >>> with TFRecordWriter(path) as w:
        ...     w.write(b"x")
        >>> RecordReader(path).read_batch(10)
        [b'x']
        """
        out: list[bytes] = []
        try:
            if n < _FAST_MIN:
                while len(out) < n and not self._done:
                    got = self._read_slow(1)
                    out.extend(got)
                    if not got:
                        break
                return out
            while len(out) < n and not self._done:
                self._read_fast(out, n - len(out))
                if len(out) < n:
                    out.extend(self._read_slow(1))
        except DataLossError as e:
            # The intact records read before the damage; the reader stays at the damaged record.
            e.records = out  # type: ignore[attr-defined]
            raise
        return out

    def _read_fast(self, out: list[bytes], n: int) -> None:
        """Appends up to `n` records lying wholly in the buffer, checking CRCs in one NumPy pass.

        Stops at the buffer's end or before the first damaged record, which `_read_slow` then
        reports (or skips) with its exact reason.
        """
        buf, pos = self._buf, self._pos
        end = len(buf) - FOOTER_SIZE
        first = len(out)
        append = out.append
        q = _Q.unpack_from
        offsets: list[int] = []
        if self.verify_crc:
            value = _crc.value
            hdr = _HDR.unpack_from
            # The length CRC is a function of the length alone: remember it per length.
            lengths = _LENGTH_CRCS
            crcs: list[int] = []
            keep, remember = offsets.append, crcs.append
            while n > 0 and pos + HEADER_SIZE <= end:
                length, stored = hdr(buf, pos)
                stop = pos + HEADER_SIZE + length
                if stop > end:
                    break
                expected = lengths.get(length)
                if expected is None:
                    if len(lengths) > 100_000:
                        lengths.clear()
                    expected = lengths[length] = _masked(buf[pos : pos + 8])
                if stored != expected:
                    break  # _read_slow reports it
                data = buf[pos + HEADER_SIZE : stop]
                keep(stop)
                remember(value(data))
                append(data)
                pos = stop + FOOTER_SIZE
                n -= 1
            if offsets:
                bad = _first_bad_data_crc(buf, offsets, crcs)
                if bad >= 0:
                    pos = offsets[bad] - len(out[first + bad]) - HEADER_SIZE
                    del out[first + bad :]
        else:
            while n > 0 and pos + HEADER_SIZE <= end:
                stop = pos + HEADER_SIZE + q(buf, pos)[0]
                if stop > end:
                    break
                append(buf[pos + HEADER_SIZE : stop])
                pos = stop + FOOTER_SIZE
                n -= 1
        self._pos = pos

    def _read_slow(self, n: int) -> list[bytes]:
        """Reads up to `n` records one frame at a time: refills, large records, damage."""
        out: list[bytes] = []
        if self._done:
            return out
        append = out.append
        verify = self.verify_crc
        value = _crc.value
        hdr = _HDR.unpack_from
        u32 = _U32.unpack_from
        buf, pos = self._buf, self._pos
        end = len(buf)
        count = 0
        while count < n:
            if pos + HEADER_SIZE > end:
                self._pos = pos
                if not self._refill(HEADER_SIZE):
                    if not self._at_end_of_stream():
                        continue_reading = self._truncated_header()
                        buf, pos, end = self._buf, self._pos, len(self._buf)
                        if continue_reading:
                            continue
                    break
                buf, pos, end = self._buf, 0, len(self._buf)
            length, lcrc = hdr(buf, pos)
            if verify:
                c = value(buf[pos : pos + 8])
                if lcrc != (((c >> 15) | (c << 17)) + _DELTA) & _M32:
                    self._pos = pos
                    self._damaged(
                        f"length CRC mismatch: stored 0x{lcrc:08x}, computed "
                        f"0x{_masked(buf[pos : pos + 8]):08x}"
                    )
                    buf, pos, end = self._buf, self._pos, len(self._buf)
                    if self._done:
                        break
                    continue
            start = pos + HEADER_SIZE
            stop = start + length
            if stop + FOOTER_SIZE > end:
                self._pos = pos
                record = self._read_spanning(length)
                buf, pos, end = self._buf, self._pos, len(self._buf)
                if record is None:
                    if self._done:
                        break
                    continue
                append(record)
                count += 1
                continue
            data = buf[start:stop]
            if verify:
                c = value(data)
                if u32(buf, stop)[0] != (((c >> 15) | (c << 17)) + _DELTA) & _M32:
                    self._pos = pos
                    self._damaged(
                        f"data CRC mismatch: stored 0x{u32(buf, stop)[0]:08x}, "
                        f"computed 0x{_masked(data):08x}"
                    )
                    buf, pos, end = self._buf, self._pos, len(self._buf)
                    if self._done:
                        break
                    continue
            append(data)
            count += 1
            pos = stop + FOOTER_SIZE
        self._buf, self._pos = buf, pos
        return out

    def _read_spanning(self, length: int) -> bytes | None:
        """Reads a record that does not fit in the buffer; None if it was damaged and skipped."""
        pos = self._pos
        record_offset = self._base + pos
        if isinstance(self._src, RawSource) and length >= self.pipeline_min and self.verify_crc:
            got = self._read_large_pipelined(record_offset, length)
            if got is not TRUNCATED:
                return got  # type: ignore[return-value]
            # a truncated frame: the plain path below reports it
        if isinstance(self._src, RawSource) and length >= self._block // 2:
            # A large record: read it straight into its own `bytes`, skipping the block buffer.
            data_offset = record_offset + HEADER_SIZE
            data = os.pread(self._src.fd, length, data_offset)
            footer = os.pread(self._src.fd, FOOTER_SIZE, data_offset + length)
            if len(data) == length and len(footer) == FOOTER_SIZE:
                if self.verify_crc and _U32.unpack(footer)[0] != _masked(data):
                    self._damaged(
                        f"data CRC mismatch: stored 0x{_U32.unpack(footer)[0]:08x}, "
                        f"computed 0x{_masked(data):08x}"
                    )
                    return None
                after = data_offset + length + FOOTER_SIZE
                self._large = True
                self._src.seek(after)
                self._buf, self._pos, self._base = b"", 0, after
                return data
        self._large = False
        if self._refill(HEADER_SIZE + length + FOOTER_SIZE):
            buf = self._buf
            data = buf[HEADER_SIZE : HEADER_SIZE + length]
            (stored,) = _U32.unpack_from(buf, HEADER_SIZE + length)
            if self.verify_crc and stored != _masked(data):
                self._damaged(
                    f"data CRC mismatch: stored 0x{stored:08x}, computed 0x{_masked(data):08x}"
                )
                return None
            self._pos = HEADER_SIZE + length + FOOTER_SIZE
            return data
        left = self._stream_size() - record_offset - HEADER_SIZE
        self._damaged(
            f"truncated record: header says {length} bytes of data, the file has "
            f"{max(left - FOOTER_SIZE, 0)} left before the data CRC"
        )
        return None

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        batch = self.read_batch(1)
        if not batch:
            raise StopIteration
        return batch[0]

    def records(self, batch_size: int = 256) -> Iterator[bytes]:
        """Yields every remaining record, reading `batch_size` at a time (faster than `next`)."""
        while True:
            batch = self.read_batch(batch_size)
            if not batch:
                return
            yield from batch

    def close(self) -> None:
        """Releases the file. Idempotent, never raises."""
        try:
            self._src.close()
        except OSError:
            pass
        self._done = True

    def __del__(self) -> None:
        src = getattr(self, "_src", None)
        if src is not None:
            try:
                src.close()
            except OSError:
                pass
