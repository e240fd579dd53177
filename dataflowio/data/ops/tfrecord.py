"""`TFRecordDataset`'s source: the records of TFRecord files, in order, as scalar `bytes`.

Built on `record_format.RecordReader`: both CRCs checked, big block reads, GZIP / ZLIB.
`next_chunk(n)` returns `n` records as a 1-D object column straight from the reader's batch read.
A damaged record raises `DataLossError` naming the file and the byte offset where it starts;
the good records before it are still yielded. Asked again (as `ignore_errors()` does), the
source steps over the damage to the next valid frame and keeps reading the same file.

>>> import os, tempfile
>>> from record_format.tfrecord import TFRecordWriter
>>> from dataflowio.data.plan import ExecContext
>>> from dataflowio.data.options import Options
>>> path = os.path.join(tempfile.mkdtemp(), "r.tfrecord")
>>> with TFRecordWriter(path) as w:
...     for r in (b"a", b"bb", b"ccc"):
...         w.write(r)
>>> it = TFRecordSource(filenames=(path,)).open((), ExecContext(Options()))
>>> next(it), it.next_chunk(5).columns().tolist()
(b'a', [b'bb', b'ccc'])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dataflowio.data.iterator import DataIterator, State
from dataflowio.data.ops._files import FileSource, FileSourceIterator
from dataflowio.data.plan import ExecContext
from dataflowio.errors import DataLossError
from record_format.reader import RecordReader
from record_format.tfrecord import FOOTER_SIZE, HEADER_SIZE


@dataclass(frozen=True, kw_only=True, eq=False)
class TFRecordSource(FileSource):
    """`TFRecordDataset`'s node: the records of `filenames` (or of the files its input names)."""

    op_name = "tfrecord"
    api_name = "TFRecordDataset"

    def open(self, inputs: tuple[DataIterator, ...], ctx: ExecContext) -> DataIterator:
        return TFRecordIterator(self, inputs[0] if inputs else None)


class _Reader:
    """A RecordReader that keeps the good records before a damaged one and resyncs when asked."""

    def __init__(self, path: str, compression: str, block: int, offset: int) -> None:
        self.r = RecordReader(path, compression, block_size=block, offset=offset)
        self.damaged = False  # the last read stopped at a damaged record
        self.pending: DataLossError | None = None
        self.broken = False  # a damaged compressed stream: nothing more can be read from this file
        self.block_start = offset  # stream offset of the first record the last read_block returned

    def tell(self) -> int:
        return self.r.tell()

    def read_block(self, n: int) -> list[bytes]:
        if self.pending is not None:
            e, self.pending = self.pending, None
            raise e
        if self.broken:
            return []
        if self.damaged:
            self.damaged = False
            self.r.skip_corrupt = True
            try:  # one record: a second damaged region must raise (and be counted) on its own
                recs = self.r.read_batch(1)
            finally:
                self.r.skip_corrupt = False
            # The block starts after the skipped region: where this record's frame begins.
            self.block_start = self.r.tell() - sum(HEADER_SIZE + len(r) + FOOTER_SIZE for r in recs)
            return recs
        start = self.block_start = self.r.tell()
        try:
            return self.r.read_batch(n)
        except DataLossError as e:
            if e.offset is None or e.offset < start or not _recoverable(e):
                self.broken = True
                raise
            good = self._good_before(start, e.offset)
            self.damaged = True
            if good:
                self.pending = e
                return good
            raise

    def _good_before(self, start: int, offset: int) -> list[bytes]:
        """Re-reads the valid records between `start` and the damaged one at `offset`."""
        self.r.seek(start)
        good: list[bytes] = []
        while self.r.tell() < offset:
            got = self.r.read_batch(1)
            if not got:
                break
            good.extend(got)
        return good

    def skip(self, n: int) -> None:
        while n > 0:
            got = self.r.read_batch(min(n, 4096))
            if not got:
                break
            n -= len(got)

    def close(self) -> None:
        self.r.close()


def _recoverable(e: DataLossError) -> bool:
    # A broken GZIP / ZLIB stream cannot be resynchronised: the rest of that file is lost.
    return "compressed byte" not in str(e)


class TFRecordIterator(FileSourceIterator):
    def open_reader(self, path: str, offset: int) -> _Reader:
        return _Reader(path, self._compression, self._bufsize, offset)

    def reader_state(self) -> dict[str, Any]:
        r = self._reader
        if r is None:
            return {"damaged": False, "broken": False}
        # A pending error (good records before it still being served) is found again by
        # re-reading after a restore; an error already raised is stepped over.
        return {"damaged": r.damaged and r.pending is None, "broken": r.broken}  # type: ignore[attr-defined]

    def restore_reader_state(self, state: State) -> None:
        r = self._reader
        if r is not None:
            r.damaged = bool(state.get("damaged"))  # type: ignore[attr-defined]
            r.broken = bool(state.get("broken"))  # type: ignore[attr-defined]
