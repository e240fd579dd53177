"""`Dataset.list_files`'s matching: the files that match one or more glob patterns, as `bytes`.

Each pattern's matches are sorted (TensorFlow's `matching_files` order); the dataset is then a
`from_tensor_slices` of the names, shuffled by default.

>>> import os, tempfile
>>> d = tempfile.mkdtemp()
>>> for n in ("2.txt", "1.txt"):
...     open(os.path.join(d, n), "w").close()
>>> [os.path.basename(f) for f in matching_files(os.path.join(d, "*.txt"))]
[b'1.txt', b'2.txt']
"""

from __future__ import annotations

import glob
import os
from typing import Any

import numpy as np

from dataflowio.errors import NotFoundError


def matching_files(file_pattern: Any) -> list[bytes]:
    """The files matching `file_pattern` (a pattern or a list of them); NotFoundError if none."""
    if isinstance(file_pattern, (str, bytes, os.PathLike)):
        patterns = [file_pattern]
    else:
        patterns = list(np.asarray(file_pattern, dtype=object).reshape(-1))
    names = []
    for p in patterns:
        p = p.decode("utf-8") if isinstance(p, bytes) else os.fspath(p)
        names.extend(sorted(glob.glob(p)))
    if not names:
        shown = ", ".join(repr(os.fsdecode(p) if isinstance(p, bytes) else os.fspath(p)) for p in patterns)
        raise NotFoundError(f"Dataset.list_files: no files matched pattern {shown}.\n"
                            "  hint: check the directory and the glob (* ? [..]) in the pattern.")
    return [n.encode("utf-8") for n in names]
