"""TFRecord framing and the writer, byte-identical to TensorFlow's for all three compressions.

A file is a sequence of frames: `uint64 length | uint32 masked_crc32c(length) | data |
uint32 masked_crc32c(data)`, little-endian. GZIP and ZLIB files are that byte stream deflated with
TensorFlow's zlib settings (default level, 15 window bits, memLevel 9), so the bytes match too.

>>> frame = encode_frame(b"abc")
>>> len(frame), frame[:8] == (3).to_bytes(8, "little")
(19, True)
"""

from __future__ import annotations

import struct
import zlib
from typing import BinaryIO

from record_format._closing import Closing
from record_format.crc32c import masked_crc32c
from record_format.errors import (
    FailedPreconditionError,
    InvalidArgumentError,
    NotFoundError,
    PermissionDeniedError,
)

HEADER_SIZE = 12  # uint64 length + uint32 masked CRC of the length
FOOTER_SIZE = 4  # uint32 masked CRC of the data
_LEN = struct.Struct("<Q")
_CRC = struct.Struct("<I")

# TensorFlow's ZlibCompressionOptions: level Z_DEFAULT_COMPRESSION, memLevel 9, 15 window bits.
_ZLIB_MEM_LEVEL = 9
_WBITS = {"ZLIB": 15, "GZIP": 31}


def encode_frame(data: bytes) -> bytes:
    """Returns one TFRecord frame holding `data` (header, data, footer).

    >>> encode_frame(b"").hex()
    '000000000000000029039807d8ea82a2'
    """
    header = _LEN.pack(len(data))
    return header + _CRC.pack(masked_crc32c(header)) + data + _CRC.pack(masked_crc32c(data))


def compression_type_of(options: object, where: str = "TFRecordWriter") -> str:
    """Returns "", "GZIP" or "ZLIB" for `None`, a string, or a `TFRecordOptions`.

    >>> compression_type_of(None), compression_type_of("gzip"), compression_type_of("ZLIB")
    ('', 'GZIP', 'ZLIB')
    """
    if options is None:
        return ""
    if isinstance(options, TFRecordOptions):
        return options.compression_type
    if isinstance(options, str):
        upper = options.upper()
        if upper in ("", "NONE"):
            return ""
        if upper in _WBITS:
            return upper
    raise InvalidArgumentError(
        f'{where}: compression type must be None, "", "GZIP", "ZLIB" or '
        f"TFRecordOptions, got {options!r}."
    )


class TFRecordOptions:
    """Options for writing and reading TFRecord files, as `tf.io.TFRecordOptions`.

    Only `compression_type` changes the bytes written; `compression_level` (0-9, default -1)
    is honoured too, the remaining zlib knobs are accepted for compatibility.

    >>> TFRecordOptions(compression_type="GZIP").compression_type
    'GZIP'
    """

    compression_type_map = {0: "", 1: "ZLIB", 2: "GZIP"}

    def __init__(
        self,
        compression_type: str | int | None = None,
        flush_mode: int | None = None,
        input_buffer_size: int | None = None,
        output_buffer_size: int | None = None,
        window_bits: int | None = None,
        compression_level: int | None = None,
        compression_method: int | None = None,
        mem_level: int | None = None,
        compression_strategy: int | None = None,
    ) -> None:
        if isinstance(compression_type, int):
            compression_type = self.compression_type_map.get(
                compression_type, str(compression_type)
            )
        self.compression_type = compression_type_of(compression_type, "TFRecordOptions")
        self.flush_mode = flush_mode
        self.input_buffer_size = input_buffer_size
        self.output_buffer_size = output_buffer_size
        self.window_bits = window_bits
        self.compression_level = compression_level
        self.compression_method = compression_method
        self.mem_level = mem_level
        self.compression_strategy = compression_strategy

    @classmethod
    def get_compression_type_string(cls, options: object) -> str:
        """Returns the compression type string of `options` (None, a string or options)."""
        return compression_type_of(options, "TFRecordOptions")

    def __repr__(self) -> str:
        return f"TFRecordOptions(compression_type={self.compression_type!r})"


def open_for_write(path: str, where: str) -> BinaryIO:
    """Opens `path` for binary writing, mapping OS errors to TensorFlow's error classes."""
    try:
        return open(path, "wb")  # noqa: SIM115 - closed by the writer
    except FileNotFoundError:
        raise NotFoundError(f"{where}: {path}: no such directory to create the file in.") from None
    except PermissionError:
        raise PermissionDeniedError(f"{where}: {path}: permission denied.") from None


class TFRecordWriter(Closing):
    """Writes records to a TFRecord file, as `tf.io.TFRecordWriter`.

    Args:
      path: the file to create (truncated if it exists).
      options: `None`, `""`, `"GZIP"`, `"ZLIB"` or `TFRecordOptions`.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "a.tfrecord")
    >>> with TFRecordWriter(path) as w:
    ...     w.write(b"hello")
    >>> os.path.getsize(path)
    21
    """

    def __init__(self, path: str, options: str | TFRecordOptions | None = None) -> None:
        self.path = str(path)
        self.compression_type = compression_type_of(options)
        level = -1
        if isinstance(options, TFRecordOptions) and options.compression_level is not None:
            level = options.compression_level
        self._file: BinaryIO | None = open_for_write(self.path, "TFRecordWriter")
        self._deflate = None
        if self.compression_type:
            self._deflate = zlib.compressobj(
                level, zlib.DEFLATED, _WBITS[self.compression_type], _ZLIB_MEM_LEVEL
            )

    def _check_open(self) -> BinaryIO:
        if self._file is None:
            raise FailedPreconditionError(f"TFRecordWriter({self.path!r}): writer is closed.")
        return self._file

    def write(self, record: bytes) -> None:
        """Appends one record (`bytes`; `str` is encoded as UTF-8, as TensorFlow does)."""
        f = self._check_open()
        if isinstance(record, str):
            record = record.encode("utf-8")
        elif not isinstance(record, bytes):
            record = bytes(record)
        frame = encode_frame(record)
        f.write(self._deflate.compress(frame) if self._deflate is not None else frame)

    def flush(self) -> None:
        """Pushes buffered records to the OS; a compressed stream is sync-flushed (readable)."""
        f = self._check_open()
        if self._deflate is not None:
            f.write(self._deflate.flush(zlib.Z_SYNC_FLUSH))
        f.flush()

    def close(self) -> None:
        """Finishes the file. Idempotent."""
        if self._file is None:
            return
        f, self._file = self._file, None
        try:
            if self._deflate is not None:
                f.write(self._deflate.flush(zlib.Z_FINISH))
        finally:
            f.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - never raise from a finalizer
            pass
