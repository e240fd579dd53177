"""`Dataset.cache`: remembers the input's elements after the first full pass.

`filename=""` keeps them in memory (shared by every iterator of the dataset); otherwise they are
written to `<filename>.dfcache`. Only a *complete* pass makes a cache: the file is written under a
temporary name and renamed at the end, so a partial pass never leaves a file that looks complete.
Later passes (and later iterators) read the cache instead of the input.

>>> from dataflowio.data import execute
>>> from dataflowio.data.ops.range import Range
>>> from dataflowio.data.plan import ExecContext
>>> from dataflowio.data.options import Options
>>> node = Cache(inputs=(Range(stop=3),))
>>> [int(x) for x in execute.lower(node, ExecContext(Options()))], node.store.complete
([0, 1, 2], True)
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from dataflowio.data.iterator import Chunk, DataIterator, State, concat_chunks
from dataflowio.data.plan import ExecContext, Node
from dataflowio.errors import DataLossError, InvalidArgumentError, NotFoundError

MAGIC = b"DATAFLOWIO-CACHE-1\n"
FLUSH = 1024  # elements per stored chunk on the element path


class CacheStore:
    """The memory cache of one `Cache` node: its chunks once a full pass has completed."""

    def __init__(self) -> None:
        self.chunks: list[Chunk] = []
        self.complete = False


@dataclass(frozen=True, kw_only=True, eq=False)
class Cache(Node):
    filename: str = ""
    store: CacheStore = field(default=None, repr=False)  # type: ignore[assignment]

    op_name = "cache"
    preserves_cardinality = True

    def __post_init__(self) -> None:
        if not isinstance(self.filename, str | os.PathLike):
            raise InvalidArgumentError(f"cache: `filename` must be a str, got {type(self.filename).__name__}.")
        if self.store is None:
            object.__setattr__(self, "store", CacheStore())

    @property
    def path(self) -> str:
        return f"{os.fspath(self.filename)}.dfcache"

    def open(self, inputs: tuple[DataIterator, ...], ctx: ExecContext) -> DataIterator:
        return CacheIterator(inputs[0], self)


def _read_file(path: str) -> Iterator[Chunk]:
    with open(path, "rb") as f:
        if f.read(len(MAGIC)) != MAGIC:
            raise DataLossError(f"cache: {path} is not a dataflowio cache file.\n"
                                "  hint: delete it; it will be rewritten on the next full pass.")
        while True:
            try:
                size, form, payload = pickle.load(f)
            except EOFError:
                return
            yield Chunk.from_columns(payload, size) if form == "c" else Chunk.from_elements(payload)


class CacheIterator(DataIterator):
    """Writes (pass-through) on a first pass, reads the cache afterwards. State: the mode and the
    number of elements served; a restored write pass no longer writes (its prefix is missing)."""

    def __init__(self, source: DataIterator, node: Cache) -> None:
        super().__init__(source, name="cache")
        self._node = node
        self._file = bool(node.filename)
        self._pos = 0
        self._pending: list[Any] = []
        self._tmp: Any = None
        self._reading = (os.path.exists(node.path) if self._file else node.store.complete)
        self._writable = not self._reading
        self._reader: Iterator[Chunk] | None = None
        self._buf: Chunk | None = None
        self._written: list[Chunk] = []

    # ---- reading ------------------------------------------------------------------------------
    def _chunks(self) -> Iterator[Chunk]:
        if self._file:
            return _read_file(self._node.path)
        return iter(self._node.store.chunks)

    def _read(self, n: int) -> Chunk:
        if self._reader is None:
            self._reader = self._chunks()
        parts, got = [], 0
        while got < n:
            if self._buf is None or self._buf.size == 0:
                self._buf = next(self._reader, None)
                if self._buf is None:
                    break
                continue
            head, self._buf = self._buf.split(n - got)
            parts.append(head)
            got += head.size
        if not parts:
            raise StopIteration
        self._pos += got
        return concat_chunks(parts)

    # ---- writing ------------------------------------------------------------------------------
    def _record(self, chunk: Chunk) -> None:
        if not self._writable:
            return
        if self._file:
            if self._tmp is None:
                self._tmp_path = f"{self._node.path}.tmp-{os.getpid()}-{id(self)}"
                try:
                    self._tmp = open(self._tmp_path, "wb")  # noqa: SIM115 - closed in _finish/_abandon
                except FileNotFoundError as e:
                    raise NotFoundError(
                        f"cache: cannot write the cache file {self._node.path}: its directory "
                        "does not exist.") from e
                self._tmp.write(MAGIC)
            form = "c" if chunk.has_columns else "e"
            pickle.dump((chunk.size, form, chunk.columns() if form == "c" else chunk.elements()),
                        self._tmp, protocol=pickle.HIGHEST_PROTOCOL)
        else:
            self._written.append(chunk)

    def _finish(self) -> None:
        if self._pending:
            self._record(Chunk.from_elements(self._pending))
            self._pending = []
        if not self._writable:
            return
        if self._file:
            if self._tmp is None:
                self._record(Chunk.from_elements([]))  # an empty cache is still a cache
            self._writable = False
            self._tmp.close()
            os.replace(self._tmp_path, self._node.path)
            self._tmp = None
        else:
            self._writable = False
            self._node.store.chunks = self._written
            self._node.store.complete = True

    def __next__(self) -> Any:
        if self._reading:
            return self._read(1).elements()[0]
        try:
            el = next(self.source)
        except StopIteration:
            self._finish()
            raise
        self._pos += 1
        if self._writable:
            self._pending.append(el)
            if len(self._pending) >= FLUSH:
                self._record(Chunk.from_elements(self._pending))
                self._pending = []
        return el

    def next_chunk(self, n: int) -> Chunk:
        if self._reading:
            return self._read(n)
        try:
            c = self.source.next_chunk(n)
        except StopIteration:
            self._finish()
            raise
        if self._pending:
            self._record(Chunk.from_elements(self._pending))
            self._pending = []
        self._record(c)
        self._pos += c.size
        return c

    def get_state(self) -> State:
        state: State = {"reading": self._reading, "pos": self._pos}
        if not self._reading:
            state["source"] = self.source.get_state()
        return state

    def set_state(self, state: State) -> None:
        self._abandon()
        self._pos = 0
        if state["reading"]:
            self._reading, self._reader, self._buf = True, None, None
            if not (os.path.exists(self._node.path) if self._file else self._node.store.complete):
                raise InvalidArgumentError(
                    "cache: the checkpoint was taken while reading a complete cache, but there is "
                    f"none {'at ' + self._node.path if self._file else 'in memory'} now.")
            skip = int(state["pos"])
            while skip > 0:
                skip -= self._read(min(skip, 4096)).size
            self._pos = int(state["pos"])
        else:
            self._reading = False
            self.source.set_state(state["source"])
            self._pos = int(state["pos"])

    def _abandon(self) -> None:
        """Drops a partial write (never leaves a file that looks complete)."""
        self._writable = False
        self._pending, self._written = [], []
        if self._tmp is not None:
            try:
                self._tmp.close()
                os.unlink(self._tmp_path)
            except OSError:
                pass
            self._tmp = None

    def close(self) -> None:
        if not self._closed:
            self._abandon()
        super().close()
