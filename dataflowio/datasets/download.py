"""Downloads a file from a list of mirrors, checks its MD5 and writes it atomically.

Only `urllib` is used, so `file://` URLs and any local HTTP server work the same way as the real
mirrors (the tests never touch the network).

>>> import hashlib, os, tempfile, pathlib
>>> src = pathlib.Path(tempfile.mkdtemp()); (src / "a.bin").write_bytes(b"hello")
5
>>> dst = tempfile.mkdtemp()
>>> p = fetch("a.bin", [src.as_uri() + "/"], dst, md5=hashlib.md5(b"hello").hexdigest())
>>> open(p, "rb").read()
b'hello'
"""

from __future__ import annotations

import hashlib
import os
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence

from dataflowio.datasets.atomic import atomic_path
from dataflowio.errors import DataLossError, NotFoundError

_CHUNK = 1 << 20


def md5_of_file(path: str | os.PathLike[str]) -> str:
    """Returns the hex MD5 of a file's bytes."""
    h = hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(_CHUNK), b""):
            h.update(block)
    return h.hexdigest()


def fetch(
    name: str,
    mirrors: Sequence[str],
    folder: str | os.PathLike[str],
    *,
    md5: str | None = None,
    timeout: float = 30.0,
    progress: Callable[[int, int | None], None] | None = None,
) -> str:
    """Returns the local path of `name` in `folder`, downloading it from the first mirror that works.

    Each mirror is a URL prefix (`https://host/mnist/`, `file:///dir/`); `name` is appended. A
    download whose MD5 differs from `md5` is discarded and the next mirror tried. The file appears
    under its final name only when complete and verified.

    Raises:
      NotFoundError: if no mirror delivered the file; the message lists every mirror's failure.
    """
    os.makedirs(folder, exist_ok=True)
    final = os.path.join(os.fspath(folder), name)
    failures: list[str] = []
    for prefix in mirrors:
        url = prefix if prefix.endswith(name) else prefix.rstrip("/") + "/" + name
        try:
            with atomic_path(final) as tmp:
                got = _download(url, tmp, timeout, progress)
                if md5 is not None and got != md5:
                    raise DataLossError(f"MD5 mismatch: expected {md5}, got {got}")
            return final
        except (OSError, urllib.error.URLError, ValueError) as e:
            failures.append(f"{url}: {e}")
    tried = "\n".join(f"    {f}" for f in failures) or "    (no mirrors configured)"
    raise NotFoundError(
        f"download: could not fetch {name} into {folder}; tried:\n{tried}\n"
        f"  hint: download {name} by hand and put it in {folder}."
    )


def _download(url: str, dest: str, timeout: float, progress) -> str:
    """Streams `url` into `dest`; returns the MD5 of what was written."""
    h = hashlib.md5()
    req = urllib.request.Request(url, headers={"User-Agent": "dataflowio"})
    with urllib.request.urlopen(req, timeout=timeout) as resp, open(dest, "wb") as out:
        total = resp.headers.get("Content-Length")
        total_n = int(total) if total and total.isdigit() else None
        done = 0
        for block in iter(lambda: resp.read(_CHUNK), b""):
            out.write(block)
            h.update(block)
            done += len(block)
            if progress is not None:
                progress(done, total_n)
        if total_n is not None and done != total_n:
            raise DataLossError(f"connection closed after {done} of {total_n} bytes")
        out.flush()
        os.fsync(out.fileno())
    return h.hexdigest()
