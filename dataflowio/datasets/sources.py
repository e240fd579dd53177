"""What `dataflowio convert` reads: each source is a list of splits of feature dicts.

A record is a `dict` from feature name to a value `features.to_feature` understands: `bytes`/`str`
(one bytes value), an `int`/`float`, or a NumPy array (flattened into an int64 or float list). Every
source knows its record count up front, so shards can be contiguous (reading the shards in order
gives the records in source order) and the progress bar has a total.

| source | detected by | splits | features |
| --- | --- | --- | --- |
| MNIST IDX | a folder with the 4 IDX files | train, test | height, width, depth, label, image_raw |
| image folder | a folder of class sub-folders | stem of the folder | image/encoded, image/format, image/class/label, image/class/text, image/height, image/width, image/filename |
| CSV | `.csv` | stem | one per column (int64 / float / bytes, inferred or `--schema`) |
| text lines | `.txt` or any other file | stem | text |
| NumPy | `.npz` | stem | one per array (first axis = records) |

>>> import os, tempfile
>>> p = os.path.join(tempfile.mkdtemp(), "t.txt")
>>> _ = open(p, "w").write("a\\nbb\\n")
>>> [s.name for s in open_source(p)], [r["text"] for r in open_source(p)[0].records()]
(['t'], [b'a', b'bb'])
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from dataflowio.errors import InvalidArgumentError, NotFoundError

IMAGE_SUFFIXES = {".jpg": b"jpeg", ".jpeg": b"jpeg", ".png": b"png"}
Record = dict[str, Any]


@dataclass
class Split:
    """One output group (e.g. "train"): a record count and a way to iterate the records."""

    name: str
    count: int
    records: Callable[[], Iterator[Record]]


def open_source(src: str | os.PathLike[str], *, schema: dict[str, str] | None = None,
                limit: int | None = None, shuffle_seed: int | None = None,
                verify_md5: bool = True) -> list[Split]:
    """Returns the splits of `src`, detecting its kind (see the module docstring).

    Raises:
      NotFoundError: `src` does not exist.
      InvalidArgumentError: `src` is a folder that is neither MNIST nor an image folder.
    """
    from dataflowio.datasets import mnist

    path = Path(src)
    if not path.exists():
        raise NotFoundError(f"convert: {src}: no such file or folder.")
    if path.is_dir():
        if mnist.has_idx_files(path):
            splits = mnist_splits(path, verify_md5)
        else:
            splits = [image_folder_split(path, shuffle_seed)]
    elif path.suffix.lower() == ".npz":
        splits = [npz_split(path)]
    elif path.suffix.lower() == ".csv":
        splits = [csv_split(path, schema)]
    else:
        splits = [text_split(path)]
    if limit is not None:
        splits = [_limited(s, limit) for s in splits]
    return splits


def _limited(split: Split, limit: int) -> Split:
    def records() -> Iterator[Record]:
        for i, r in enumerate(split.records()):
            if i >= limit:
                return
            yield r

    return Split(split.name, min(split.count, limit), records)


def mnist_splits(folder: Path, verify_md5: bool = True) -> list[Split]:
    """Returns the train and test splits of an MNIST IDX folder, in TensorFlow's
    `convert_to_records.py` layout (height, width, depth, label, image_raw)."""
    from dataflowio.datasets import mnist

    (x, y), (xt, yt) = mnist.load_data(folder, download=False, verify_md5=verify_md5)

    def split(name: str, images: np.ndarray, labels: np.ndarray) -> Split:
        rows, cols = images.shape[1:]

        def records() -> Iterator[Record]:
            for img, lab in zip(images, labels.tolist()):
                yield {"height": rows, "width": cols, "depth": 1, "label": lab,
                       "image_raw": img.tobytes()}

        return Split(name, len(images), records)

    return [split("train", x, y), split("test", xt, yt)]


def image_folder_split(folder: Path, shuffle_seed: int | None = None) -> Split:
    """Returns one split of every JPEG/PNG in `folder/<class>/`, labels = class index by sorted name."""
    classes = sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    files = [(f, i, c) for i, c in enumerate(classes)
             for f in sorted((folder / c).iterdir()) if f.suffix.lower() in IMAGE_SUFFIXES]
    if not files:
        raise InvalidArgumentError(
            f"convert: {folder}: a folder must hold the 4 MNIST IDX files or one sub-folder per "
            f"class with .jpg/.jpeg/.png images; found neither (classes: {classes[:5]}).")
    if shuffle_seed is not None:
        order = np.random.default_rng(shuffle_seed).permutation(len(files))
        files = [files[i] for i in order]

    def records() -> Iterator[Record]:
        from PIL import Image

        for f, label, cls in files:
            blob = f.read_bytes()
            try:
                with Image.open(f) as im:
                    width, height = im.size
                    im.verify()
            except Exception as e:  # noqa: BLE001 - Pillow raises many types for bad files
                raise InvalidArgumentError(f"convert: {f}: not a readable image ({e}).") from None
            yield {"image/encoded": blob, "image/format": IMAGE_SUFFIXES[f.suffix.lower()],
                   "image/class/label": label, "image/class/text": cls.encode(),
                   "image/height": height, "image/width": width, "image/filename": f.name.encode()}

    return Split(folder.name, len(files), records)


def npz_split(path: Path) -> Split:
    """Returns one split of a `.npz`: record i holds `array[i]` of every array.

    Per-record uint8/int8 arrays of rank >= 1 become raw bytes (as images are stored), other
    integers int64 lists, floats float lists, strings bytes.
    """
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    if not arrays:
        raise InvalidArgumentError(f"convert: {path}: the .npz holds no arrays.")
    counts = {k: (a.shape[0] if a.ndim else None) for k, a in arrays.items()}
    if None in counts.values() or len(set(counts.values())) != 1:
        raise InvalidArgumentError(f"convert: {path}: every array needs the same first dimension "
                                   f"(the record count); got {counts}.")
    n = next(iter(counts.values()))

    def value(a: np.ndarray, i: int) -> Any:
        v = a[i]
        if a.dtype.kind in "SU":
            return v.tobytes() if a.dtype.kind == "S" else str(v).encode()
        if a.dtype in (np.uint8, np.int8) and a.ndim >= 2:
            return np.ascontiguousarray(v).tobytes()
        return v

    def records() -> Iterator[Record]:
        for i in range(n):
            yield {k: value(a, i) for k, a in arrays.items()}

    return Split(path.stem, n, records)


def _parse_cell(text: str, kind: str, where: str) -> Any:
    if text == "":
        return np.zeros((0,), np.int64 if kind == "int64" else np.float32) if kind != "bytes" else []
    try:
        return int(text) if kind == "int64" else float(text) if kind == "float" else text.encode()
    except ValueError:
        raise InvalidArgumentError(f"convert: {where}: {text!r} is not a valid {kind}.") from None


def infer_kind(values: list[str]) -> str:
    """Returns "int64", "float" or "bytes": the narrowest kind every non-empty value parses as.

    >>> infer_kind(["1", "2"]), infer_kind(["1", "2.5"]), infer_kind(["1", "x"]), infer_kind([""])
    ('int64', 'float', 'bytes', 'bytes')
    """
    kind = "int64"
    seen = False
    for v in values:
        if v == "":
            continue
        seen = True
        if kind == "int64":
            try:
                int(v)
                continue
            except ValueError:
                kind = "float"
        if kind == "float":
            try:
                float(v)
                continue
            except ValueError:
                return "bytes"
    return kind if seen else "bytes"


def csv_split(path: Path, schema: dict[str, str] | None = None) -> Split:
    """Returns one split of a CSV with a header row: one feature per column, empty cell = no value.

    Column kinds come from `schema` (name -> "int64" | "float" | "bytes") where given, else are
    inferred from every value of the column.
    """
    schema = dict(schema or {})
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if not header:
            raise InvalidArgumentError(f"convert: {path}: empty CSV; a header row is required.")
        columns: list[list[str]] = [[] for _ in header]
        n = 0
        for row in reader:
            n += 1
            if len(row) != len(header):
                raise InvalidArgumentError(f"convert: {path}: line {n + 1} has {len(row)} fields, "
                                           f"the header has {len(header)}.")
            for col, cell, h in zip(columns, row, header):
                if h not in schema:
                    col.append(cell)
    unknown = sorted(set(schema) - set(header))
    if unknown:
        raise InvalidArgumentError(f"convert: --schema names {unknown} which are not columns of "
                                   f"{path} (columns: {header}).")
    kinds = [schema[h] if h in schema else infer_kind(c) for h, c in zip(header, columns)]
    del columns

    def records() -> Iterator[Record]:
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            next(reader)
            for line, row in enumerate(reader, start=2):
                yield {h: _parse_cell(c, k, f"{path}:{line}:{h}")
                       for h, c, k in zip(header, row, kinds)}

    return Split(path.stem, n, records)


def text_split(path: Path) -> Split:
    """Returns one split with one record per line (newline stripped), feature `text`."""
    with open(path, "rb") as f:
        n = sum(1 for _ in f)

    def records() -> Iterator[Record]:
        with open(path, "rb") as f:
            for line in f:
                yield {"text": line.rstrip(b"\r\n")}

    return Split(path.stem, n, records)
