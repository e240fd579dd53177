"""Iterator checkpoints as files: `save_iterator(it, path)` / `restore_iterator(it, path)`.

The file holds `it.save()` (the state plus the optimized plan's fingerprint) as JSON. It is
written atomically (a temporary file in the same folder, fsync, then `os.replace`), so a crash
mid-save leaves the previous checkpoint intact. States are plain JSON data; `bytes` and NumPy
values that an op may keep are stored with a type tag and come back as they were.

>>> import tempfile, os
>>> from dataflowio.data import Dataset
>>> path = os.path.join(tempfile.mkdtemp(), "ckpt.json")
>>> it = iter(Dataset.range(5)); _ = next(it), next(it)
>>> save_iterator(it, path)
>>> it2 = iter(Dataset.range(5)); restore_iterator(it2, path); [int(v) for v in it2]
[2, 3, 4]
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
from typing import Any

import numpy as np

from dataflowio.errors import DataLossError, NotFoundError


def _encode(x: Any) -> Any:
    if isinstance(x, dict):
        return {str(k): _encode(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_encode(v) for v in x]
    if isinstance(x, bytes):
        return {"__bytes__": base64.b64encode(x).decode()}
    if isinstance(x, np.ndarray):
        if x.dtype == object:
            return {"__objarray__": [_encode(v) for v in x.ravel().tolist()], "shape": list(x.shape)}
        return {"__ndarray__": base64.b64encode(np.ascontiguousarray(x).tobytes()).decode(),
                "dtype": x.dtype.str, "shape": list(x.shape)}
    if isinstance(x, np.generic):
        return x.item()
    return x


def _decode(x: Any) -> Any:
    if isinstance(x, dict):
        if "__bytes__" in x:
            return base64.b64decode(x["__bytes__"])
        if "__ndarray__" in x:
            raw = base64.b64decode(x["__ndarray__"])
            return np.frombuffer(raw, dtype=np.dtype(x["dtype"])).reshape(x["shape"]).copy()
        if "__objarray__" in x:
            out = np.empty(len(x["__objarray__"]), dtype=object)
            out[:] = [_decode(v) for v in x["__objarray__"]]
            return out.reshape(x["shape"])
        return {k: _decode(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_decode(v) for v in x]
    return x


def save_iterator(iterator: Any, path: str | os.PathLike[str]) -> None:
    """Writes `iterator.save()` to `path` atomically (JSON)."""
    path = os.fspath(path)
    text = json.dumps(_encode(iterator.save()))
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".ckpt-", dir=folder)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def restore_iterator(iterator: Any, path: str | os.PathLike[str]) -> None:
    """Restores `iterator` from a file written by `save_iterator`.

    Raises:
      NotFoundError: no file at `path`.
      DataLossError: the file is not a checkpoint (truncated or not JSON).
    """
    path = os.fspath(path)
    try:
        with open(path) as f:
            text = f.read()
    except FileNotFoundError as e:
        raise NotFoundError(None, None, f"restore_iterator: no checkpoint file at {path!r}.") from e
    try:
        state = _decode(json.loads(text))
    except ValueError as e:
        raise DataLossError(None, None, f"restore_iterator: {path!r} is not a checkpoint written "
                            f"by save_iterator ({e}).") from e
    iterator.restore(state)
