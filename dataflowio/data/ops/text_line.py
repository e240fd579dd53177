"""`TextLineDataset`'s source: the lines of text files, in order, as scalar `bytes`.

Files are read in big blocks (GZIP / ZLIB inflated on the fly) and split with `bytes.split`; a
line loses its `\\n` and a `\\r` before it (and a final `\\r` at the end of the file), and a last
line without a newline is kept unless it is empty, exactly as TensorFlow's reader does.
`next_chunk(n)` returns `n` lines as one object column. A missing file raises `NotFoundError`
naming it.

>>> import os, tempfile
>>> from dataflowio.data.plan import ExecContext
>>> from dataflowio.data.options import Options
>>> path = os.path.join(tempfile.mkdtemp(), "t.txt")
>>> with open(path, "wb") as f:
...     _ = f.write(b"one\\r\\ntwo\\n\\nthree")
>>> it = TextLineSource(filenames=(path,)).open((), ExecContext(Options()))
>>> it.next_chunk(10).columns().tolist()
[b'one', b'two', b'', b'three']
"""

from __future__ import annotations

from dataclasses import dataclass

from dataflowio.data.iterator import DataIterator
from dataflowio.data.ops._files import FileSource, FileSourceIterator
from dataflowio.data.plan import ExecContext
from record_format._source import RawSource, ZlibSource, open_for_read


@dataclass(frozen=True, kw_only=True, eq=False)
class TextLineSource(FileSource):
    """`TextLineDataset`'s node: the lines of `filenames` (or of the files its input names)."""

    op_name = "text_line"
    api_name = "TextLineDataset"

    def open(self, inputs: tuple[DataIterator, ...], ctx: ExecContext) -> DataIterator:
        return TextLineIterator(self, inputs[0] if inputs else None)


class LineReader:
    """Lines of one file in blocks; `tell()` is the stream offset of the next unread line."""

    def __init__(self, path: str, compression: str, block: int, offset: int) -> None:
        fd = open_for_read(path, "TextLineDataset")
        self._src: RawSource | ZlibSource = ZlibSource(path, fd, compression) if compression \
            else RawSource(path, fd)
        self._block = block
        self._buf = b""
        self._pos = 0
        self._base = 0  # stream offset of self._buf[0]
        self._eof = False
        # Lines already split off the buffer at self._pos (each ended by a newline there), handed
        # out over later calls: a block is split once, not once per chunk of n lines.
        self._pending: list[bytes] = []
        self._pending_at = 0
        self._pending_cr = False
        if offset:
            if isinstance(self._src, RawSource):
                self._src.seek(offset)
                self._base = offset
            else:
                while self._base < offset:
                    got = self._src.read(min(self._block, offset - self._base))
                    if not got:
                        break
                    self._base += len(got)

    def tell(self) -> int:
        return self._base + self._pos

    def _fill(self) -> bool:
        """Appends one more block; False at the end of the file."""
        if self._eof:
            return False
        data = self._src.read(self._block)
        if not data:
            self._eof = True
            return False
        self._base += self._pos
        self._buf = self._buf[self._pos:] + data
        self._pos = 0
        return True

    def read_block(self, n: int) -> list[bytes]:
        """Up to `n` lines: every whole line already buffered (reading more only when none is)."""
        if self._pending_at < len(self._pending):
            lines = self._pending[self._pending_at:self._pending_at + n]
            self._pending_at += len(lines)
            self._pos += sum(map(len, lines)) + len(lines)
            if self._pending_at >= len(self._pending):
                self._pending, self._pending_at = [], 0
            if self._pending_cr:
                lines = [ln[:-1] if ln.endswith(b"\r") else ln for ln in lines]
            return lines
        while True:
            buf, pos = self._buf, self._pos
            end = buf.rfind(b"\n", pos)
            if end >= 0:
                cut = end
                if n < 256:  # few lines wanted: find the n-th newline rather than split the block
                    cut = pos - 1
                    for _ in range(n):
                        nxt = buf.find(b"\n", cut + 1, end + 1)
                        if nxt < 0:
                            break
                        cut = nxt
                region = buf[pos:cut]
                lines = region.split(b"\n")
                if len(lines) > n:
                    self._pending, self._pending_at = lines, n
                    self._pending_cr = b"\r" in region
                    lines = lines[:n]
                    self._pos = pos + sum(map(len, lines)) + n
                else:
                    self._pos = cut + 1
                if b"\r" in region:
                    lines = [ln[:-1] if ln.endswith(b"\r") else ln for ln in lines]
                return lines
            if not self._fill():
                rest = self._buf[self._pos:]
                self._pos = len(self._buf)
                if rest.endswith(b"\r"):
                    rest = rest[:-1]
                return [rest] if rest else []

    def skip(self, n: int) -> None:
        while n > 0:
            got = self.read_block(n)
            if not got:
                break
            n -= len(got)

    def close(self) -> None:
        try:
            self._src.close()
        except OSError:
            pass


class TextLineIterator(FileSourceIterator):
    def open_reader(self, path: str, offset: int) -> LineReader:
        return LineReader(path, self._compression, self._bufsize, offset)
