"""Atomic file results: write to `<name>.tmp-<pid>`, rename over the final name only on success.

An interrupted download, conversion or checkpoint therefore never leaves a half-written file under
a name that looks complete: either the old content (or nothing) is there, or the whole new one.

>>> import os, tempfile
>>> d = tempfile.mkdtemp()
>>> with atomic_path(os.path.join(d, "out.bin")) as tmp:
...     with open(tmp, "wb") as f:
...         _ = f.write(b"done")
>>> sorted(os.listdir(d))
['out.bin']
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path


def temp_name(path: str | os.PathLike[str]) -> str:
    """Returns the temporary name used while `path` is being written.

    >>> temp_name("/data/train.tfrecord").startswith("/data/train.tfrecord.tmp-")
    True
    """
    return f"{os.fspath(path)}.tmp-{os.getpid()}"


def is_temp_name(name: str) -> bool:
    """Returns whether `name` looks like a temporary left by `atomic_path`.

    >>> is_temp_name("a.tfrecord.tmp-123"), is_temp_name("a.tfrecord")
    (True, False)
    """
    head, sep, pid = name.rpartition(".tmp-")
    return bool(sep and head and pid.isdigit())


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[str]:
    """Yields a temporary path to write; renames it to `path` when the block ends without error.

    On any exception (including `KeyboardInterrupt`) the temporary is removed and the exception
    propagates; `path` is left as it was.

    >>> import tempfile
    >>> d = tempfile.mkdtemp()
    >>> try:
    ...     with atomic_path(os.path.join(d, "x")) as tmp:
    ...         open(tmp, "w").close()
    ...         raise KeyboardInterrupt
    ... except KeyboardInterrupt:
    ...     pass
    >>> os.listdir(d)
    []
    """
    tmp = temp_name(path)
    try:
        yield tmp
        if os.path.isdir(tmp):
            _replace_dir(tmp, os.fspath(path))
        else:
            os.replace(tmp, path)
    except BaseException:
        remove_quietly(tmp)
        raise


class AtomicGroup:
    """Several files that appear together: `path(name)` hands out temporaries, `commit()` renames.

    Used for sharded outputs: no shard appears under its final name before every shard is
    complete. `abort()` (or leaving the `with` block through an exception) removes them all.

    >>> import tempfile
    >>> d = tempfile.mkdtemp()
    >>> with AtomicGroup() as g:
    ...     for n in ("a", "b"):
    ...         open(g.path(os.path.join(d, n)), "w").close()
    >>> sorted(os.listdir(d))
    ['a', 'b']
    """

    def __init__(self) -> None:
        self._pairs: list[tuple[str, str]] = []
        self._done = False

    def path(self, final: str | os.PathLike[str]) -> str:
        """Returns the temporary name to write for the final name `final`."""
        tmp = temp_name(final)
        self._pairs.append((tmp, os.fspath(final)))
        return tmp

    def commit(self) -> list[str]:
        """Renames every temporary to its final name; returns the final names."""
        for tmp, final in self._pairs:
            os.replace(tmp, final)
        self._done = True
        return [final for _, final in self._pairs]

    def abort(self) -> None:
        """Removes every temporary (never raises)."""
        for tmp, _ in self._pairs:
            remove_quietly(tmp)
        self._done = True

    def __enter__(self) -> AtomicGroup:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.abort()
        elif not self._done:
            try:
                self.commit()
            except BaseException:
                self.abort()
                raise


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Writes `data` to `path` atomically (fsynced before the rename).

    >>> import tempfile
    >>> p = os.path.join(tempfile.mkdtemp(), "f")
    >>> write_bytes_atomic(p, b"abc"); open(p, "rb").read()
    b'abc'
    """
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def remove_quietly(path: str | os.PathLike[str]) -> None:
    """Removes a file or directory tree if it exists; never raises."""
    import shutil

    try:
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            os.unlink(path)
    except OSError:
        pass


def _replace_dir(tmp: str, final: str) -> None:
    """Moves directory `tmp` to `final`, replacing an existing directory there."""
    if os.path.isdir(final):
        old = f"{final}.old-{os.getpid()}"
        os.replace(final, old)
        os.replace(tmp, final)
        remove_quietly(old)
    else:
        os.replace(tmp, final)


def leftover_temporaries(folder: str | os.PathLike[str]) -> list[str]:
    """Returns the names of temporaries in `folder` (a test helper: should be empty)."""
    return sorted(p.name for p in Path(folder).iterdir() if is_temp_name(p.name))
