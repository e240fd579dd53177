"""Byte sources under the TFRecord reader: a raw file, or a GZIP / ZLIB stream inflated on the fly.

Both hand out `bytes` blocks with `read(n)` (short only at the end) and report the stream
offset; only the raw source can `seek` and `pread` (used for large records, to skip a copy).
"""

from __future__ import annotations

import os
import zlib

from record_format.errors import DataLossError, NotFoundError, PermissionDeniedError


def open_for_read(path: str, where: str) -> int:
    """Opens `path` read-only and returns the file descriptor; missing files raise NotFoundError."""
    try:
        return os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        raise NotFoundError(f"{where}: {path}: no such file.") from None
    except IsADirectoryError:
        raise NotFoundError(f"{where}: {path}: is a directory, expected a TFRecord file.") from None
    except PermissionError:
        raise PermissionDeniedError(f"{where}: {path}: permission denied.") from None


class RawSource:
    """An uncompressed file read in big blocks."""

    seekable = True

    def __init__(self, path: str, fd: int) -> None:
        self.path = path
        self.fd = fd
        self.offset = 0  # offset of the next byte `read` returns

    def read(self, n: int) -> bytes:
        if n > 1 << 26:  # a damaged length field may ask for petabytes: never allocate past EOF
            n = max(0, min(n, self.size() - self.offset))
        data = os.read(self.fd, n)
        if len(data) < n and data:
            # os.read may return short on pipes / network filesystems; fill the rest.
            parts = [data]
            got = len(data)
            while got < n:
                more = os.read(self.fd, n - got)
                if not more:
                    break
                parts.append(more)
                got += len(more)
            data = b"".join(parts)
        self.offset += len(data)
        return data

    def seek(self, offset: int) -> None:
        os.lseek(self.fd, offset, os.SEEK_SET)
        self.offset = offset

    def size(self) -> int:
        return os.fstat(self.fd).st_size

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


class ZlibSource:
    """A GZIP or ZLIB file inflated in blocks; offsets count uncompressed bytes."""

    seekable = False
    _CHUNK = 1 << 18

    def __init__(self, path: str, fd: int, compression_type: str) -> None:
        self.path = path
        self.fd = fd
        self.compression_type = compression_type
        self._wbits = 31 if compression_type == "GZIP" else 15
        self._inflate = zlib.decompressobj(self._wbits)
        self._pending = b""  # compressed bytes read but not yet fed
        self._compressed_offset = 0
        self._file_eof = False
        self.offset = 0

    def _fail(self, what: str) -> DataLossError:
        return DataLossError(
            f"{self.path}: corrupted {self.compression_type} stream at compressed byte "
            f"{self._compressed_offset} (uncompressed byte {self.offset}): {what}; "
            "use .ignore_errors() to skip the rest of the file",
            path=self.path,
            offset=self.offset,
        )

    def read(self, n: int) -> bytes:
        parts: list[bytes] = []
        got = 0
        while got < n:
            if self._inflate.eof:  # a member ended: another may follow (`cat a.gz b.gz`)
                if not self._pending and not self._file_eof:
                    self._fill()
                if not self._pending:
                    break
                self._inflate = zlib.decompressobj(self._wbits)
            if not self._pending and not self._file_eof:
                self._fill()
                continue
            try:
                out = self._inflate.decompress(self._pending, n - got)
            except zlib.error as e:
                raise self._fail(str(e)) from None
            tail = self._inflate.unused_data if self._inflate.eof else self._inflate.unconsumed_tail
            self._compressed_offset += len(self._pending) - len(tail)
            self._pending = tail
            if out:
                parts.append(out)
                got += len(out)
            elif self._file_eof and not self._pending and not self._inflate.eof:
                if self._compressed_offset == 0:
                    break  # an empty file holds no records
                raise self._fail("unexpected end of compressed data (file truncated?)")
        data = b"".join(parts) if len(parts) != 1 else parts[0]
        self.offset += len(data)
        return data

    def _fill(self) -> None:
        self._pending = os.read(self.fd, self._CHUNK)
        if not self._pending:
            self._file_eof = True

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
