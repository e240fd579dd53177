"""W1 and W2 through the `tfrecord` PyPI package (the second peer): its loader + NumPy batching.

`tfrecord.reader.tfrecord_loader` yields one dict of NumPy values per record (it parses each
Example with protobuf); batching stacks 128 of them, as a user of that package would. It runs in
its own subprocess: the package cannot share a process with TensorFlow.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np
from tfrecord.reader import tfrecord_loader


def _batches(records: Iterator[dict], batch_size: int, fn) -> Iterator[tuple]:
    buf: list[dict] = []
    for rec in records:
        buf.append(rec)
        if len(buf) == batch_size:
            yield fn(buf)
            buf = []
    if buf:
        yield fn(buf)


def w1(inp: dict[str, Any]) -> Iterable:
    def to_batch(recs: list[dict]) -> tuple:
        images = np.stack([np.frombuffer(r["image_raw"], np.uint8) for r in recs]).astype(np.float32) / np.float32(255)
        return images, np.concatenate([r["label"] for r in recs])

    loader = tfrecord_loader(inp["path"], None, {"image_raw": "byte", "label": "int"})
    return _batches(loader, 128, to_batch)


def w2(inp: dict[str, Any]) -> Iterable:
    def to_batch(recs: list[dict]) -> tuple:
        return np.stack([r["image"] for r in recs]), np.concatenate([r["label"] for r in recs])

    loader = tfrecord_loader(inp["path"], None, {"image": "float", "label": "int"})
    return _batches(loader, 128, to_batch)


PIPELINES = {"W1": w1, "W2": w2}
