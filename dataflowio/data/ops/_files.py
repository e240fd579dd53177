"""What the file sources (`TextLineDataset`, `TFRecordDataset`) share: the list of files, the
source node (`FileSource`) and the iterator that reads the files one after another in blocks.

A source node reads either a fixed tuple of `filenames`, or the file names its input dataset
yields (`inputs=(names,)`). Readers hand out *blocks* of records (`bytes`); the iterator serves
them one at a time or as whole columns (`next_chunk(n)` returns a 1-D object array of `bytes`
with no per-record Python). Its state is the file (index, path, input state), the stream offset
where the current block starts and how many of the block's records were served, so a restore
re-reads at most one block.

>>> normalize_filenames(["a.txt", b"b.txt"], "TextLineDataset")
('a.txt', 'b.txt')
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

import numpy as np

from dataflowio import dtypes
from dataflowio.data.iterator import Chunk, DataIterator, State
from dataflowio.data.ops._common import as_int
from dataflowio.data.plan import UNKNOWN, Node
from dataflowio.errors import InvalidArgumentError
from dataflowio.tensor_shape import TensorSpec
from record_format.tfrecord import compression_type_of

DEFAULT_BUFFER = 256 * 1024
ELEMENT_BLOCK = 64  # records read at once when serving one element at a time


def normalize_filenames(filenames: Any, where: str) -> tuple[str, ...]:
    """A tuple of paths from a str / bytes / PathLike or a (nested) list / array of them."""
    if isinstance(filenames, (str, bytes, os.PathLike)):
        items = [filenames]
    else:
        arr = np.asarray(filenames, dtype=object)
        if arr.ndim > 1:
            raise InvalidArgumentError(f"{where}: `filenames` must be a scalar or a 1-D list of "
                                       f"strings, got shape {arr.shape}.")
        items = list(arr.reshape(-1))
    out = []
    for f in items:
        if isinstance(f, bytes):
            f = f.decode("utf-8")
        elif isinstance(f, os.PathLike):
            f = os.fspath(f)
        if not isinstance(f, str):
            raise TypeError(f"{where}: `filenames` must be strings, got {type(f).__name__}: {f!r:.60}.")
        out.append(f)
    return tuple(out)


def check_filenames_spec(spec: Any, where: str) -> None:
    """A dataset of file names must yield scalar strings."""
    if not isinstance(spec, TensorSpec) or spec.dtype.name != "string" or spec.shape.rank not in (0, None):
        raise TypeError(f"{where}: a `filenames` dataset must yield scalar strings, got {spec!r:.120}.")


def buffer_size_of(value: Any, where: str) -> int:
    if value is None:
        return DEFAULT_BUFFER
    v = as_int(value, where, "buffer_size")
    if v < 0:
        raise InvalidArgumentError(f"{where}: `buffer_size` must be >= 0, got {v}.")
    return max(v, 4096) if v else DEFAULT_BUFFER


@dataclass(frozen=True, kw_only=True, eq=False)
class FileSource(Node):
    """Reads `filenames`, or (with `inputs=(names,)`) the files a dataset of names yields.

    Subclasses set `op_name`, `api_name` (the Dataset named in errors) and `open`.
    """

    filenames: tuple[str, ...] | None = None
    compression_type: str | None = None
    buffer_size: int | None = None

    api_name: ClassVar[str] = "FileSource"

    def __post_init__(self) -> None:
        compression_type_of(self.compression_type, self.api_name)
        buffer_size_of(self.buffer_size, self.api_name)
        if self.inputs:
            check_filenames_spec(self.inputs[0].element_spec(), self.api_name)

    def _element_spec(self) -> Any:
        return TensorSpec((), dtypes.string)

    def _cardinality(self) -> int:
        return UNKNOWN

    def label(self) -> str:
        files = f"{len(self.filenames)} files" if self.filenames is not None else "files from input"
        return f"{self.op_name}({files}, compression={self.compression_type or 'none'})"


class BlockReader(Protocol):
    def tell(self) -> int: ...
    def read_block(self, n: int) -> list[bytes]: ...
    def skip(self, n: int) -> None: ...
    def close(self) -> None: ...


class FileSourceIterator(DataIterator):
    """Reads the files of `node` in order; subclasses say how to open one (`open_reader`)."""

    def __init__(self, node: FileSource, names: DataIterator | None) -> None:
        super().__init__(*([names] if names is not None else []), name=node.op_name)
        self._compression = compression_type_of(node.compression_type, node.api_name)
        self._bufsize = buffer_size_of(node.buffer_size, node.api_name)
        self._files = node.filenames
        self._names = names
        self._names_initial = names.get_state() if names is not None else None
        self._index = -1  # index of the current file
        self._path: str | None = None
        self._names_state: Any = None  # the names iterator's state after the current file's name
        self._reader: BlockReader | None = None
        self._block: list[bytes] = []
        self._block_start = 0  # stream offset of self._block[0]
        self._served = 0  # records of self._block handed out
        self._done = False
        self._deferred: Exception | None = None  # an error met after some records of a chunk

    # ---- subclass hooks -------------------------------------------------------------------------
    def open_reader(self, path: str, offset: int) -> BlockReader:
        raise NotImplementedError

    def reader_state(self) -> dict[str, Any]:
        return {}

    def restore_reader_state(self, state: State) -> None:
        pass

    # ---- files --------------------------------------------------------------------------------
    def _next_path(self) -> str | None:
        if self._files is not None:
            if self._index + 1 >= len(self._files):
                return None
            self._index += 1
            return self._files[self._index]
        try:
            name = next(self._names)  # type: ignore[arg-type]
        except StopIteration:
            return None
        self._index += 1
        self._names_state = self._names.get_state()  # type: ignore[union-attr]
        return name.decode("utf-8") if isinstance(name, bytes) else str(name)

    def _open(self, path: str, offset: int) -> None:
        self._close_reader()
        self._path = path
        self._reader = self.open_reader(path, offset)
        self._block, self._block_start, self._served = [], offset, 0

    def _close_reader(self) -> None:
        if self._reader is not None:
            self._reader.close()
        self._reader = None

    def _read(self, n: int) -> list[bytes]:
        """Up to `n` records from the current file onwards; [] at the very end."""
        while not self._done:
            if self._reader is None:
                path = self._next_path()
                if path is None:
                    self._done = True
                    break
                self._open(path, 0)
            start = self._reader.tell()  # type: ignore[union-attr]
            recs = self._reader.read_block(n)  # type: ignore[union-attr]
            # A reader that stepped over damaged bytes says where the records really start.
            start = getattr(self._reader, "block_start", start)
            if recs:
                self._block, self._block_start, self._served = recs, start, 0
                return recs
            self._close_reader()
        return []

    # ---- iteration ----------------------------------------------------------------------------
    def __next__(self) -> Any:
        if self._deferred is not None:
            e, self._deferred = self._deferred, None
            raise e
        if self._served >= len(self._block) and not self._read(ELEMENT_BLOCK):
            raise StopIteration
        self._served += 1
        return self._block[self._served - 1]

    def next_chunk(self, n: int) -> Chunk:
        if self._deferred is not None:
            e, self._deferred = self._deferred, None
            raise e
        parts: list[list[bytes]] = []
        need = n
        if self._served < len(self._block):
            part = self._block[self._served:self._served + need]
            self._served += len(part)
            parts.append(part)
            need -= len(part)
        while need > 0:
            try:
                recs = self._read(need)
            except Exception as e:
                if not parts:
                    raise
                self._deferred = e  # hand out the good records first; raise on the next call
                break
            if not recs:
                break
            self._served = len(recs)
            parts.append(recs)
            need -= len(recs)
        total = n - need
        if total == 0:
            raise StopIteration
        col = np.empty(total, dtype=object)
        i = 0
        for p in parts:
            col[i:i + len(p)] = p
            i += len(p)
        return Chunk.from_columns(col, total)

    # ---- checkpoints --------------------------------------------------------------------------
    def get_state(self) -> State:
        out = {"index": self._index, "path": self._path if self._reader is not None else None,
               "names": self._names_state, "block": self._block_start, "served": self._served,
               "done": self._done}
        out.update(self.reader_state())
        return out

    def set_state(self, state: State) -> None:
        self._close_reader()
        self._block, self._served, self._deferred = [], 0, None
        self._index, self._done = int(state["index"]), bool(state["done"])
        self._names_state = state["names"]
        if self._names is not None and self._names_state is not None:
            self._names.set_state(self._names_state)
        elif self._names is not None:
            self._names.set_state(self._names_initial)  # no file taken yet
        if state["path"] is not None:
            self._open(state["path"], int(state["block"]))
            if state["served"]:
                self._reader.skip(int(state["served"]))  # type: ignore[union-attr]
                self._block_start = self._reader.tell()  # type: ignore[union-attr]
        self.restore_reader_state(state)

    def children(self) -> tuple[DataIterator, ...]:
        return self.sources

    def close(self) -> None:
        if not self._closed:
            self._close_reader()
        super().close()
