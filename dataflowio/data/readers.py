"""`TextLineDataset` and `TFRecordDataset`: datasets that read files (classes, as in tf.data).

`filenames` is a path, a list of paths, or a dataset of scalar strings. Files are read one after
another; `num_parallel_reads=k` instead interleaves `k` files record by record (tf.data's
deterministic order; AUTOTUNE = one file per CPU core), in parallel when the runtime provides a
parallel interleave.

>>> import os, tempfile
>>> d = tempfile.mkdtemp(); p = os.path.join(d, "a.txt")
>>> with open(p, "w") as f:
...     _ = f.write("x\\ny\\n")
>>> list(TextLineDataset(p))
[b'x', b'y']
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dataflowio.data.dataset import Dataset
from dataflowio.data.ops._files import normalize_filenames
from dataflowio.data.ops._fn import is_graph_tensor
from dataflowio.data.ops.from_tensor_slices import FromTensorSlices, slice_value
from dataflowio.data.ops.from_tensors import FromTensors
from dataflowio.data.ops.interleave import AUTOTUNE, Interleave
from dataflowio.data.ops.text_line import TextLineSource
from dataflowio.data.ops.tfrecord import TFRecordSource
from dataflowio.data.plan import Node
from dataflowio.errors import InvalidArgumentError


def _reader_plan(source: type, where: str, filenames: Any, compression_type: Any, buffer_size: Any,
                 num_parallel_reads: Any, name: str | None) -> Node:
    names: Node | None = filenames._plan if isinstance(filenames, Dataset) else None
    if is_graph_tensor(filenames):  # TF1: a placeholder fed when the iterator is initialized
        rank = getattr(filenames.shape, "rank", None)
        names = FromTensors(value=filenames) if rank == 0 else FromTensorSlices(value=filenames)
    files = None if names is not None else normalize_filenames(filenames, where)
    bad = num_parallel_reads is not None and (
        isinstance(num_parallel_reads, bool) or not isinstance(num_parallel_reads, int | np.integer)
        or (num_parallel_reads < 1 and num_parallel_reads != AUTOTUNE))
    if bad:
        raise InvalidArgumentError(f"{where}: `num_parallel_reads` must be None, AUTOTUNE (-1) or "
                                   f">= 1, got {num_parallel_reads!r}.")
    if num_parallel_reads is None:
        if names is not None:
            return source(inputs=(names,), compression_type=compression_type, buffer_size=buffer_size,
                          name=name)
        return source(filenames=files, compression_type=compression_type, buffer_size=buffer_size,
                      name=name)
    source(filenames=(), compression_type=compression_type, buffer_size=buffer_size)  # validates
    if names is None:
        names = FromTensorSlices(value=slice_value(np.array(list(files), dtype=object)))

    def one_file(path: bytes) -> Node:
        return source(filenames=normalize_filenames(path, where), compression_type=compression_type,
                      buffer_size=buffer_size)

    n = int(num_parallel_reads)
    return Interleave(inputs=(names,), fn=one_file, cycle_length=None if n == AUTOTUNE else n,
                      block_length=1, num_parallel_calls=n, name=name)


class TFRecordDataset(Dataset):
    """A dataset of the records (scalar `bytes`) of one or more TFRecord files.

    >>> import os, tempfile
    >>> from record_format.tfrecord import TFRecordWriter
    >>> p = os.path.join(tempfile.mkdtemp(), "r.tfrecord")
    >>> with TFRecordWriter(p, "GZIP") as w:
    ...     w.write(b"a"); w.write(b"b")
    >>> list(TFRecordDataset([p], compression_type="GZIP"))
    [b'a', b'b']

    Args:
      filenames: a path, a list of paths, or a dataset of scalar strings.
      compression_type: None or "" (none), "GZIP" or "ZLIB".
      buffer_size: bytes read per system call (default 256 KiB).
      num_parallel_reads: read this many files at once, interleaving their records.

    Raises:
      NotFoundError: (while iterating) a file does not exist; the message names it.
      DataLossError: (while iterating) a damaged record; the message names the file and the byte
        offset. `ignore_errors()` skips it and keeps reading the file.
    """

    def __init__(self, filenames: Any, compression_type: str | None = None, buffer_size: int | None = None,
                 num_parallel_reads: int | None = None, name: str | None = None) -> None:
        super().__init__(_reader_plan(TFRecordSource, "TFRecordDataset", filenames, compression_type,
                                      buffer_size, num_parallel_reads, name))


class TextLineDataset(Dataset):
    """A dataset of the lines (scalar `bytes`, without `\\n` / `\\r\\n`) of one or more text files.

    >>> import os, tempfile, gzip
    >>> p = os.path.join(tempfile.mkdtemp(), "a.txt.gz")
    >>> with gzip.open(p, "wb") as f:
    ...     _ = f.write(b"1,2\\r\\n3,4\\n")
    >>> list(TextLineDataset(p, compression_type="GZIP"))
    [b'1,2', b'3,4']

    Args:
      filenames: a path, a list of paths, or a dataset of scalar strings.
      compression_type: None or "" (none), "GZIP" or "ZLIB".
      buffer_size: bytes read per system call (default 256 KiB).
      num_parallel_reads: read this many files at once, interleaving their lines.

    Raises:
      NotFoundError: (while iterating) a file does not exist; the message names it.
    """

    def __init__(self, filenames: Any, compression_type: str | None = None, buffer_size: int | None = None,
                 num_parallel_reads: int | None = None, name: str | None = None) -> None:
        super().__init__(_reader_plan(TextLineSource, "TextLineDataset", filenames, compression_type,
                                      buffer_size, num_parallel_reads, name))
