"""Damage handling of the TFRecord reader: reporting, resynchronising, large-record pipelining.

A mixin of `RecordReader` (it works on the reader's block buffer: `_buf`, `_pos`, `_base`).
"""

from __future__ import annotations

import os

from record_format._frames import _HDR, _U32, Corruption, _Ahead, _crc_pool, _masked
from record_format._source import RawSource, ZlibSource
from record_format.errors import DataLossError
from record_format.tfrecord import FOOTER_SIZE, HEADER_SIZE

TRUNCATED = object()  # `_read_large_pipelined`: the frame runs past the end of the file


class Recovery:
    """The reader state these methods share with `RecordReader`."""

    path: str
    skip_corrupt: bool
    pipeline_min: int
    corruptions: list[Corruption]
    _src: RawSource | ZlibSource
    _buf: bytes
    _pos: int
    _base: int
    _done: bool
    _large: bool
    _ahead: _Ahead | None

    def _refill(self, need: int) -> bool:
        raise NotImplementedError  # RecordReader's

    def _at_end_of_stream(self) -> bool:
        """True (and marks the reader done) when no bytes are left at a record boundary."""
        if len(self._buf) - self._pos == 0:
            self._done = True
            return True
        return False

    def _truncated_header(self) -> bool:
        left = len(self._buf) - self._pos
        return self._damaged(
            f"truncated record header: {left} of {HEADER_SIZE} bytes before the end of the file",
            resync=False,
        )

    def _fetch_large(self, offset: int, length: int) -> _Ahead | None:
        """Reads a large frame's data and footer and starts its CRC on the worker thread."""
        fd = self._src.fd
        data = os.pread(fd, length, offset + HEADER_SIZE)
        footer = os.pread(fd, FOOTER_SIZE, offset + HEADER_SIZE + length)
        if len(data) != length or len(footer) != FOOTER_SIZE:
            return None
        return _Ahead(
            offset,
            data,
            _U32.unpack(footer)[0],
            _crc_pool().submit(_masked, data),
            offset + HEADER_SIZE + length + FOOTER_SIZE,
        )

    def _read_large_pipelined(self, offset: int, length: int) -> bytes | object | None:
        """Returns a large record whose CRC ran on a worker while the next one was read.

        Both the read (os.pread) and google-crc32c release the GIL, so on two cores reading
        record i+1 overlaps checking record i. Returns None when the record was damaged and
        skipped, `TRUNCATED` (touching nothing) when the frame runs past the end of the file.
        """
        cur = self._ahead if self._ahead is not None and self._ahead.offset == offset else None
        self._ahead = None
        if cur is None:
            cur = self._fetch_large(offset, length)
            if cur is None:
                return TRUNCATED
        header = os.pread(self._src.fd, HEADER_SIZE, cur.after)
        if len(header) == HEADER_SIZE:
            nxt, lcrc = _HDR.unpack(header)
            if nxt >= self.pipeline_min and lcrc == _masked(header[:8]):
                self._ahead = self._fetch_large(cur.after, nxt)
        computed = cur.crc.result()
        if computed != cur.stored:
            self._ahead = None
            self._src.seek(offset)  # type: ignore[union-attr]
            self._base, self._buf, self._pos = offset, b"", 0
            self._refill(HEADER_SIZE)
            self._damaged(
                f"data CRC mismatch: stored 0x{cur.stored:08x}, computed 0x{computed:08x}"
            )
            return None
        self._src.seek(cur.after)  # type: ignore[union-attr]
        self._base, self._buf, self._pos = cur.after, b"", 0
        self._large = True
        return cur.data

    def _stream_size(self) -> int:
        if isinstance(self._src, RawSource):
            return self._src.size()
        while self._src.read(1 << 20):  # inflate the rest: only on the error path
            pass
        return self._src.offset

    def _damaged(self, reason: str, resync: bool = True) -> bool:
        """Raises DataLossError for the record at `self._pos`, or skips it in skip mode."""
        offset = self._base + self._pos
        if not self.skip_corrupt:
            raise DataLossError(
                f"{self.path}: corrupted record at byte {offset} ({reason}); "
                "use .ignore_errors() to skip",
                path=self.path,
                offset=offset,
            )
        if resync:
            skipped = self._resync()
        else:
            skipped = len(self._buf) - self._pos
            self._base += len(self._buf)
            self._buf, self._pos, self._done = b"", 0, True
        self.corruptions.append(Corruption(self.path, offset, reason, skipped))
        return not self._done

    def _resync(self) -> int:
        """Moves to the next offset where a whole valid frame starts; returns bytes skipped."""
        start = self._base + self._pos
        p = self._pos + 1
        while True:
            buf = self._buf
            if p + HEADER_SIZE > len(buf):
                self._pos = p
                if not self._refill(HEADER_SIZE):
                    skipped = self._base + len(self._buf) - start
                    self._base += len(self._buf)
                    self._buf, self._pos, self._done = b"", 0, True
                    return skipped
                p = 0
                buf = self._buf
            length, lcrc = _HDR.unpack_from(buf, p)
            if lcrc == _masked(buf[p : p + 8]):
                need = p + HEADER_SIZE + length + FOOTER_SIZE
                if need > len(buf):
                    self._pos = p
                    ok = self._refill(HEADER_SIZE + length + FOOTER_SIZE)
                    p, buf = 0, self._buf
                    need = HEADER_SIZE + length + FOOTER_SIZE
                    if not ok:
                        p += 1
                        continue
                data = buf[p + HEADER_SIZE : p + HEADER_SIZE + length]
                if _U32.unpack_from(buf, p + HEADER_SIZE + length)[0] == _masked(data):
                    self._pos = p
                    return self._base + p - start
            p += 1
