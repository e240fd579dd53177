"""Reading many TFRecord files in order, and TensorFlow's `tf_record_iterator`.

>>> import os, tempfile
>>> from record_format.tfrecord import TFRecordWriter
>>> d = tempfile.mkdtemp()
>>> for name, recs in (("a", [b"1", b"2"]), ("b", [b"3"])):
...     with TFRecordWriter(os.path.join(d, name)) as w:
...         for r in recs:
...             w.write(r)
>>> r = MultiRecordReader([os.path.join(d, "a"), os.path.join(d, "b")])
>>> r.read_batch(3), r.tell()
([b'1', b'2', b'3'], (1, 17))
"""

from __future__ import annotations

import os
from typing import Any, Iterator, Sequence

from record_format._closing import Closing
from record_format.errors import InvalidArgumentError
from record_format.reader import DEFAULT_BLOCK_SIZE, Corruption, RecordReader
from record_format.tfrecord import TFRecordOptions, compression_type_of


class MultiRecordReader(Closing):
    """Reads the records of several files one after another, with one file open at a time.

    `tell()` returns `(file_index, offset)`; `seek((file_index, offset))` goes back there.
    Other arguments are `RecordReader`'s.
    """

    def __init__(
        self,
        paths: Sequence[str | os.PathLike[str]] | str,
        compression_type: object = None,
        *,
        verify_crc: bool = True,
        skip_corrupt: bool = False,
        block_size: int = DEFAULT_BLOCK_SIZE,
    ) -> None:
        if isinstance(paths, (str, os.PathLike)):
            paths = [paths]
        self.paths = [os.fspath(p) for p in paths]
        self.compression_type = compression_type_of(compression_type, "MultiRecordReader")
        self._kw: dict[str, Any] = dict(
            verify_crc=verify_crc, skip_corrupt=skip_corrupt, block_size=block_size
        )
        self._index = 0
        self._reader: RecordReader | None = None
        self._past: list[Corruption] = []

    @property
    def corruptions(self) -> list[Corruption]:
        """Every damaged region skipped so far, across files."""
        return self._past + (self._reader.corruptions if self._reader is not None else [])

    def _current(self) -> RecordReader | None:
        if self._reader is None and self._index < len(self.paths):
            self._reader = RecordReader(self.paths[self._index], self.compression_type, **self._kw)
        return self._reader

    def read_batch(self, n: int) -> list[bytes]:
        """Returns up to `n` records, crossing file boundaries; [] at the end of the last file."""
        out: list[bytes] = []
        while len(out) < n:
            reader = self._current()
            if reader is None:
                break
            got = reader.read_batch(n - len(out))
            out.extend(got)
            if len(out) < n:
                self._next_file()
        return out

    def _next_file(self) -> None:
        if self._reader is not None:
            self._past.extend(self._reader.corruptions)
            self._reader.close()
            self._reader = None
        self._index += 1

    def tell(self) -> tuple[int, int]:
        """Returns `(file_index, offset)` of the next record."""
        reader = self._reader
        return (self._index, reader.tell() if reader is not None else 0)

    def seek(self, position: tuple[int, int]) -> None:
        """Continues at `(file_index, offset)`, a value from `tell()`."""
        index, offset = position
        if not 0 <= index <= len(self.paths):
            raise InvalidArgumentError(
                f"MultiRecordReader.seek: file index must be in "
                f"[0, {len(self.paths)}], got {index}."
            )
        if self._reader is not None and index == self._index:
            self._reader.seek(offset)
            return
        if self._reader is not None:
            self._past.extend(self._reader.corruptions)
            self._reader.close()
            self._reader = None
        self._index = index
        reader = self._current()
        if reader is not None and offset:
            reader.seek(offset)

    def __iter__(self) -> Iterator[bytes]:
        while True:
            batch = self.read_batch(256)
            if not batch:
                return
            yield from batch

    def close(self) -> None:
        """Closes the open file. Idempotent, never raises."""
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        self._index = len(self.paths)


def tf_record_iterator(
    path: str | os.PathLike[str], options: str | TFRecordOptions | None = None
) -> Iterator[bytes]:
    """Yields the records of one TFRecord file, as `tf.compat.v1.io.tf_record_iterator`.

    Damaged records raise `DataLossError`.

    >>> import os, tempfile
    >>> from record_format.tfrecord import TFRecordWriter
    >>> path = os.path.join(tempfile.mkdtemp(), "c.tfrecord.gz")
    >>> with TFRecordWriter(path, "GZIP") as w:
    ...     w.write(b"zipped")
    >>> list(tf_record_iterator(path, "GZIP"))
    [b'zipped']
    """
    with RecordReader(path, compression_type_of(options, "tf_record_iterator")) as reader:
        yield from reader.records()
