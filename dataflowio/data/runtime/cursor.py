"""The consumer's side of a threaded stage: its position in a buffered item, and buffered items
as checkpoint data.

A `Cursor` walks one `Item` (a chunk, possibly holding `Failed` markers for elements whose
computation raised); `encode_piece` / `decode_piece` turn not-yet-received chunks into JSON-able
data for `get_state()` (columns stay columns; CuPy arrays are saved from host copies and come
back on the GPU).

>>> import numpy as np
>>> from dataflowio.data.iterator import Chunk
>>> piece = encode_piece(Chunk.from_elements([np.int64(3), np.int64(4)]))
>>> [int(x) for x in decode_piece(piece).elements()]
[3, 4]
"""

from __future__ import annotations

from typing import Any

from dataflowio.data import structure
from dataflowio.data.iterator import Chunk
from dataflowio.data.ops._nested import decode_value, encode_value
from dataflowio.data.runtime.shared import Failed, Item


class Cursor:
    """The consumer's position inside the item it is reading."""

    __slots__ = ("_chunk", "_elements", "_fails", "item", "n", "pos")

    def __init__(self, item: Item) -> None:
        self.item = item
        if item.error is not None:
            self._chunk = Chunk.from_elements([Failed(item.error)])
        else:
            self._chunk = item.chunk
        self._fails = item.fails or item.error is not None
        self.n = self._chunk.size
        self.pos = 0
        self._elements: list[Any] | None = None

    def failed_at(self, pos: int) -> bool:
        return self._fails and isinstance(self._element_list()[pos], Failed)

    def _element_list(self) -> list[Any]:
        if self._elements is None:
            self._elements = self._chunk.elements()
        return self._elements

    def next_element(self) -> Any:
        e = self._element_list()[self.pos]
        self.pos += 1
        if self._fails and isinstance(e, Failed):
            self._element_list()[self.pos - 1] = None
            self.item.error = None
            err = e.error
            e.error = None  # NOTE: no reference from the iterator to the exception (no cycle via
            try:            # its traceback's frames), so dropping the exception frees everything
                raise err
            finally:
                err = e = None
        return e

    def take_chunk(self, m: int) -> Chunk:
        """Up to `m` elements from the cursor as a chunk, stopping before a failed element."""
        end = min(self.n, self.pos + m)
        if self._fails:
            els = self._element_list()
            end = next((i for i in range(self.pos, end) if isinstance(els[i], Failed)), end)
        if self.pos == 0 and end == self.n:
            out = self._chunk
        elif self._elements is not None or not self._chunk.has_columns:
            out = Chunk.from_elements(self._element_list()[self.pos:end])
        else:
            out = self._chunk.split(end)[0].split(self.pos)[1]
        self.pos = end
        return out

    def rest(self) -> Chunk:
        """The elements not read yet (failed ones left out), without moving the cursor."""
        if not self._fails and self._elements is None and self._chunk.has_columns:
            return self._chunk.split(self.pos)[1]
        return Chunk.from_elements([e for e in self._element_list()[self.pos:]
                                    if not isinstance(e, Failed) and e is not None])


def without_failures(item: Item) -> Chunk:
    if not item.fails:
        return item.chunk
    return Chunk.from_elements([e for e in item.chunk.elements() if not isinstance(e, Failed)])


def encode_piece(chunk: Chunk) -> Any:
    """A chunk as JSON-able data: its columns when it has them (one array per leaf), else elements."""
    if chunk.size == 0:
        return None
    if chunk.has_columns:
        return {"columns": _encode_element(chunk.columns()), "size": chunk.size}
    return {"elements": [_encode_element(e) for e in chunk.elements()]}


def decode_piece(piece: Any) -> Chunk:
    if "columns" in piece:
        return Chunk.from_columns(_decode_element(piece["columns"]), int(piece["size"]))
    return Chunk.from_elements([_decode_element(e) for e in piece["elements"]])


def _is_device_array(x: Any) -> bool:
    return type(x).__module__.startswith("cupy") and hasattr(x, "get")


def _encode_element(e: Any) -> Any:
    """`encode_value(e)`; CuPy leaves (after prefetch_to_device) are saved from host copies."""
    leaves = structure.flatten(e)
    on_device = [i for i, x in enumerate(leaves) if _is_device_array(x)]
    if not on_device:
        return encode_value(e)
    host = [x.get() if i in on_device else x for i, x in enumerate(leaves)]
    value = structure.pack_as(e, host) if structure.is_structure(e) else host[0]
    return {"device_leaves": on_device, "value": encode_value(value)}


def _decode_element(d: Any) -> Any:
    if "device_leaves" not in d:
        return decode_value(d)
    import cupy

    value = decode_value(d["value"])
    leaves = structure.flatten(value)
    leaves = [cupy.asarray(x) if i in d["device_leaves"] else x for i, x in enumerate(leaves)]
    return structure.pack_as(value, leaves) if structure.is_structure(value) else leaves[0]
