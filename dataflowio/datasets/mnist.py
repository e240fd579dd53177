"""MNIST from its original IDX files (gzip or not), verified, as NumPy arrays like `keras.datasets.mnist`.

`load_data(path)` returns `((x_train, y_train), (x_test, y_test))`: images `uint8 (n, 28, 28)`, labels
`int64 (n,)` (keras returns uint8 labels; int64 is what `sparse_softmax_cross_entropy_with_logits`
and `tf.train.Example` int64 features want). Every file is checked: magic number, counts, image size,
file length and the published MD5, and any problem is an error naming the file, what is wrong, and
where the file should go.

The folder is `path`, else `$DATAFLOWIO_DATA`, else `~/.cache/dataflowio/mnist`. Missing files are
downloaded there from `MIRRORS` (or `$DATAFLOWIO_MNIST_MIRRORS`, comma-separated URL prefixes) when
`download=True`.

>>> (x, y), (xt, yt) = load_data("../shared/data/mnist")  # doctest: +SKIP
>>> x.shape, x.dtype.name, y[:5].tolist()  # doctest: +SKIP
((60000, 28, 28), 'uint8', [5, 0, 4, 1, 9])
>>> sorted(FILES)
['test_images', 'test_labels', 'train_images', 'train_labels']
"""

from __future__ import annotations

import gzip
import hashlib
import os
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dataflowio.errors import DataLossError, NotFoundError

MIRRORS: tuple[str, ...] = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)


@dataclass(frozen=True)
class IdxFile:
    """One of the four MNIST files: its name, checksums and expected header."""

    name: str  # the gzip name, as published
    md5_gz: str  # the published MD5 of the .gz file
    md5_raw: str  # MD5 of the uncompressed file (computed from the verified .gz files)
    magic: int
    shape: tuple[int, ...]

    @property
    def raw_name(self) -> str:
        return self.name[: -len(".gz")]


FILES: dict[str, IdxFile] = {
    "train_images": IdxFile("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873",
                            "6bbc9ace898e44ae57da46a324031adb", 2051, (60000, 28, 28)),
    "train_labels": IdxFile("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432",
                            "a25bea736e30d166cdddb491f175f624", 2049, (60000,)),
    "test_images": IdxFile("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3",
                           "2646ac647ad5339dbf082846283269ea", 2051, (10000, 28, 28)),
    "test_labels": IdxFile("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c",
                           "27ae3e4e09519cfbb04c329615203637", 2049, (10000,)),
}

_HINT = "  hint: get the four MNIST files (gzip or not) into {folder}, e.g. from {mirror}"


def default_data_dir() -> Path:
    """Returns `$DATAFLOWIO_DATA` if set, else `~/.cache/dataflowio/mnist`.

    >>> default_data_dir().name in ("mnist", os.path.basename(os.environ.get("DATAFLOWIO_DATA", "")))
    True
    """
    env = os.environ.get("DATAFLOWIO_DATA")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "dataflowio" / "mnist"


def mirrors() -> list[str]:
    """Returns the download mirrors: `$DATAFLOWIO_MNIST_MIRRORS` (comma-separated) or `MIRRORS`."""
    env = os.environ.get("DATAFLOWIO_MNIST_MIRRORS")
    return [m.strip() for m in env.split(",") if m.strip()] if env else list(MIRRORS)


def locate(folder: str | os.PathLike[str], key: str) -> Path | None:
    """Returns the path of file `key` in `folder` (gzip or uncompressed), or None if absent.

    >>> locate("/nonexistent", "train_images") is None
    True
    """
    spec = FILES[key]
    for name in (spec.name, spec.raw_name):
        p = Path(folder) / name
        if p.is_file():
            return p
    return None


def has_idx_files(folder: str | os.PathLike[str]) -> bool:
    """Returns whether all four MNIST files are present in `folder` (not checked)."""
    return all(locate(folder, k) is not None for k in FILES)


def read_idx(path: str | os.PathLike[str], spec: IdxFile | None = None,
             verify_md5: bool = True) -> np.ndarray:
    """Returns the array stored in an IDX file (gzip if the name ends in `.gz`), checked against `spec`.

    >>> import tempfile, struct
    >>> p = os.path.join(tempfile.mkdtemp(), "x-idx1-ubyte")
    >>> _ = open(p, "wb").write(struct.pack(">II", 2049, 3) + bytes([7, 8, 9]))
    >>> read_idx(p).tolist()
    [7, 8, 9]

    Raises:
      NotFoundError: the file does not exist.
      DataLossError: truncated, not IDX, wrong magic/count/size, or MD5 mismatch.
    """
    path = Path(path)
    folder = path.parent
    where = f"mnist: {path}"
    hint = _HINT.format(folder=folder, mirror=MIRRORS[0])
    try:
        blob = path.read_bytes()
    except FileNotFoundError:
        raise NotFoundError(f"{where}: file not found.\n{hint}") from None
    gz = path.name.endswith(".gz")
    if gz:
        try:
            data = gzip.decompress(blob)
        except (EOFError, OSError, zlib.error) as e:
            raise DataLossError(f"{where}: not a complete gzip file ({e}); the download was "
                                f"probably cut short.\n{hint}", path=str(path)) from None
    else:
        data = blob
    arr = _parse(data, where, hint, path)
    if spec is not None:
        if arr.ndim == 0 or (arr.ndim, arr.shape[1:]) != (len(spec.shape), spec.shape[1:]):
            raise DataLossError(f"{where}: expected an array of shape {spec.shape}, got "
                                f"{arr.shape}; is this the right file?\n{hint}", path=str(path))
        if verify_md5:
            if arr.shape != spec.shape:
                raise DataLossError(f"{where}: expected {spec.shape[0]} items, got {arr.shape[0]}."
                                    f"\n{hint}", path=str(path))
            want = spec.md5_gz if gz else spec.md5_raw
            got = hashlib.md5(blob).hexdigest()
            if got != want:
                raise DataLossError(
                    f"{where}: MD5 mismatch: expected {want}, got {got}; the file is damaged or "
                    f"not the original MNIST file.\n{hint}\n  (verify_md5=False / --no-verify reads "
                    f"other datasets in the same format, e.g. Fashion-MNIST)", path=str(path))
    return arr


def _parse(data: bytes, where: str, hint: str, path: Path) -> np.ndarray:
    """Decodes an IDX byte string (uint8 payload only, which is all MNIST uses)."""
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise DataLossError(f"{where}: not an IDX file (magic number bytes {data[:4].hex() or 'none'}"
                            f", expected 0000080N).\n{hint}", path=str(path))
    if data[2] != 0x08:
        raise DataLossError(f"{where}: IDX element type 0x{data[2]:02x} is not supported, "
                            "expected 0x08 (unsigned byte).", path=str(path))
    ndim = data[3]
    header = 4 + 4 * ndim
    if ndim == 0 or len(data) < header:
        raise DataLossError(f"{where}: truncated IDX header: {len(data)} bytes, expected at least "
                            f"{header}.\n{hint}", path=str(path))
    shape = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    need = header + int(np.prod(shape))
    if len(data) != need:
        what = "truncated" if len(data) < need else "has trailing bytes"
        raise DataLossError(f"{where}: {what}: header says shape {shape} = {need} bytes, the data "
                            f"has {len(data)}.\n{hint}", path=str(path))
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(shape)


def ensure_files(folder: str | os.PathLike[str], *, download: bool = True,
                 mirror_list: list[str] | None = None) -> dict[str, Path]:
    """Returns the paths of the four files in `folder`, downloading missing ones if `download`.

    Raises:
      NotFoundError: a file is missing and could not be downloaded; names the file and folder.
    """
    from dataflowio.datasets.download import fetch

    out: dict[str, Path] = {}
    for key, spec in FILES.items():
        p = locate(folder, key)
        if p is None and download:
            p = Path(fetch(spec.name, mirror_list or mirrors(), folder, md5=spec.md5_gz,
                           progress=_download_bar(spec.name)))
        if p is None:
            raise NotFoundError(
                f"mnist: {spec.name} not found in {folder} (looked for {spec.name} and "
                f"{spec.raw_name}).\n" + _HINT.format(folder=folder, mirror=MIRRORS[0]))
        out[key] = p
    return out


def _download_bar(name: str):
    """A progress callback drawing a tqdm bar on stderr when it is a terminal, else None."""
    import sys

    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    bar = tqdm(desc=f"downloading {name}", unit="B", unit_scale=True, file=sys.stderr, leave=False)

    def update(done: int, total: int | None) -> None:
        bar.total = total
        bar.update(done - bar.n)

    return update


def load_data(path: str | os.PathLike[str] | None = None, *, download: bool = True,
              mirror_list: list[str] | None = None, verify_md5: bool = True):
    """Returns `((x_train, y_train), (x_test, y_test))` as NumPy arrays (uint8 images, int64 labels).

    `path` is a folder with the IDX files, or a keras-style `mnist.npz`; None means
    `default_data_dir()`. Missing files are downloaded into the folder when `download` is true.

    >>> try:
    ...     load_data("/nonexistent-folder", download=False)
    ... except NotFoundError as e:
    ...     print(str(e).splitlines()[0])
    mnist: train-images-idx3-ubyte.gz not found in /nonexistent-folder (looked for ...).

    Raises:
      NotFoundError: a file is missing (and could not be downloaded).
      DataLossError: a file is truncated, damaged or not the original.
    """
    folder = Path(path) if path is not None else default_data_dir()
    if folder.suffix == ".npz" and folder.is_file():
        with np.load(folder) as z:
            return ((z["x_train"], z["y_train"].astype(np.int64)),
                    (z["x_test"], z["y_test"].astype(np.int64)))
    files = ensure_files(folder, download=download, mirror_list=mirror_list)
    arrays = {k: read_idx(p, FILES[k], verify_md5) for k, p in files.items()}
    for split in ("train", "test"):
        n_img, n_lab = len(arrays[f"{split}_images"]), len(arrays[f"{split}_labels"])
        if n_img != n_lab:
            raise DataLossError(f"mnist: {folder}: {split} has {n_img} images but {n_lab} labels; "
                                "the files do not belong together.")
    return ((arrays["train_images"], arrays["train_labels"].astype(np.int64)),
            (arrays["test_images"], arrays["test_labels"].astype(np.int64)))
