"""Deterministic benchmark inputs (W1–W7), generated once into a cache folder and loaded from it.

The folder is `$DATAFLOWIO_CACHE` or `~/.cache/dataflowio/bench` (`tiny/` below it for the tiny
sizes the test suite uses); it is never committed. Every file is generated from a fixed seed with
TensorFlow-free code: TFRecord framing (`uint64 length | masked crc | data | masked crc`) and
`tf.train.Example` protobuf encoding written by hand, so the bytes depend on nothing but NumPy,
Pillow (W5's JPEG encoder) and the parameters below.

>>> encode_example({"label": [3]})[:4].hex()          # Example.features -> map entry "label"
'0a100a0e'
>>> sizes(tiny=True)["W1"]
512
"""

from __future__ import annotations

import gzip
import io
import json
import os
import struct
from pathlib import Path
from typing import Any

import numpy as np

from record_format.crc32c import masked_crc32c

VERSION = 1  # bump when a generator changes, so stale caches are regenerated
MNIST_DIR = Path(os.environ.get("DATAFLOWIO_MNIST", Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"))
WORKLOADS = ("W1", "W2", "W3", "W4", "W5", "W6", "W7")

_FULL = {"W1": 60_000, "W2": 60_000, "W3": 60_000, "W4": 1_000_000, "W5": 10_000, "W6": 60_000, "W7": 60_000}
_TINY = {"W1": 512, "W2": 512, "W3": 512, "W4": 2_000, "W5": 64, "W6": 1_000, "W7": 512}


def sizes(tiny: bool = False) -> dict[str, int]:
    """Returns the number of input items per workload (records, rows, lines, images).

    >>> sizes()["W4"]
    1000000
    """
    return dict(_TINY if tiny else _FULL)


def cache_dir(tiny: bool = False, root: str | os.PathLike | None = None) -> Path:
    """Returns the cache folder for these sizes (created if missing).

    >>> cache_dir(tiny=True, root="/tmp/dfio-doc").as_posix()
    '/tmp/dfio-doc/tiny'
    """
    base = Path(root or os.environ.get("DATAFLOWIO_CACHE") or Path.home() / ".cache" / "dataflowio" / "bench")
    d = base / "tiny" if tiny else base
    d.mkdir(parents=True, exist_ok=True)
    return d


# ---------------------------------------------------------------- protobuf + TFRecord encoding
def _varint(n: int) -> bytes:
    n &= (1 << 64) - 1  # negative int64 values are 10-byte varints, as protobuf writes them
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _field(tag: int, payload: bytes) -> bytes:
    return bytes([tag << 3 | 2]) + _varint(len(payload)) + payload


def _feature(value: Any) -> bytes:
    """One `tf.train.Feature`: bytes -> BytesList, float32 array -> FloatList, ints -> Int64List."""
    if isinstance(value, bytes):
        return _field(1, _field(1, value))
    arr = np.asarray(value)
    if arr.dtype.kind == "f":
        return _field(2, _field(1, arr.astype("<f4").tobytes()))
    return _field(3, _field(1, b"".join(_varint(int(v)) for v in arr.ravel())))


def encode_example(features: dict[str, Any]) -> bytes:
    """Returns a serialized `tf.train.Example` for a dict of bytes / float arrays / int lists.

    >>> len(encode_example({"image_raw": bytes(784), "label": [7]}))
    826
    """
    entries = b"".join(_field(1, _field(1, k.encode()) + _field(2, _feature(v))) for k, v in features.items())
    return _field(1, entries)


def frame_record(data: bytes) -> bytes:
    """Returns `data` framed as one TFRecord record (length, masked CRCs).

    >>> frame_record(b"")[8:12].hex()               # masked CRC of the 8-byte length 0
    '29039807'
    """
    header = struct.pack("<Q", len(data))
    return header + struct.pack("<I", masked_crc32c(header)) + data + struct.pack("<I", masked_crc32c(data))


# ---------------------------------------------------------------------------- generators
def _gen_w1(path: Path, n: int) -> None:
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, size=(n, 784), dtype=np.uint8)
    labels = rng.integers(0, 10, size=n)
    with open(path, "wb") as f:
        f.writelines(frame_record(encode_example({"image_raw": img.tobytes(), "label": [int(lab)]})) for img, lab in zip(images, labels))


def _gen_w2(path: Path, n: int) -> None:
    rng = np.random.default_rng(2)
    images = (rng.integers(0, 256, size=(n, 784), dtype=np.uint8) / np.float32(255)).astype(np.float32)
    labels = rng.integers(0, 10, size=n)
    with open(path, "wb") as f:
        f.writelines(frame_record(encode_example({"image": img, "label": [int(lab)]})) for img, lab in zip(images, labels))


def _gen_w3(path: Path, n: int) -> None:
    rng = np.random.default_rng(3)
    np.savez(path, x=rng.integers(0, 256, size=(n, 784), dtype=np.uint8), y=rng.integers(0, 10, size=n).astype(np.int64))


def _gen_w4(path: Path, n: int) -> None:
    rng = np.random.default_rng(4)
    with open(path, "w") as f:
        step = 100_000
        for lo in range(0, n, step):
            vals = np.round(rng.normal(size=(min(step, n - lo), 8)), 4)
            labels = rng.integers(0, 10, size=len(vals))
            lines = [",".join(map(repr, row)) + f",{lab}" for row, lab in zip(vals.tolist(), labels.tolist())]
            f.write("\n".join(lines) + "\n")


def _gen_w5(path: Path, n: int) -> None:
    from PIL import Image

    rng = np.random.default_rng(5)
    yy, xx = np.mgrid[0:64, 0:64].astype(np.float32) / 64
    blobs, offsets = io.BytesIO(), [0]
    for _ in range(n):
        fx, fy, ph = rng.uniform(1, 6, size=3)
        base = np.stack([np.sin(fx * xx * 6.28 + ph), np.cos(fy * yy * 6.28), np.sin((xx + yy) * fx)], -1)
        img = np.clip((base + 1) * 110 + rng.normal(0, 12, size=base.shape), 0, 255).astype(np.uint8)
        buf = io.BytesIO()
        Image.fromarray(img, "RGB").save(buf, format="JPEG", quality=90)
        blobs.write(buf.getvalue())
        offsets.append(blobs.tell())
    np.savez(path, blob=np.frombuffer(blobs.getvalue(), np.uint8), offsets=np.array(offsets, np.int64))


_GENERATORS = {"W1": ("w1.tfrecord", _gen_w1), "W2": ("w2.tfrecord", _gen_w2), "W3": ("w3.npz", _gen_w3),
               "W4": ("w4.csv", _gen_w4), "W5": ("w5_jpeg.npz", _gen_w5)}


def ensure(workload: str, tiny: bool = False, root: str | os.PathLike | None = None) -> Path | None:
    """Returns the cached input file of `workload` (W7 shares W3's, W6 reads MNIST), generating it
    first if it is missing or stale."""
    key = {"W7": "W3"}.get(workload, workload)
    if key not in _GENERATORS:
        return None
    d = cache_dir(tiny, root)
    fname, gen = _GENERATORS[key]
    path, stamp = d / fname, d / (fname + ".json")
    want = {"version": VERSION, "n": sizes(tiny)[key]}
    if path.exists() and stamp.exists() and json.loads(stamp.read_text()) == want:
        return path
    tmp = d / (fname + f".tmp{os.getpid()}")
    gen(tmp, want["n"])
    if tmp.suffix != path.suffix and not tmp.exists():  # np.savez appends ".npz"
        tmp = tmp.with_name(tmp.name + ".npz")
    os.replace(tmp, path)
    stamp.write_text(json.dumps(want))
    return path


# ------------------------------------------------------------------------------- loaders
def _read_idx(path: Path) -> np.ndarray:
    with gzip.open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    shape = struct.unpack(">" + "I" * ndim, raw[4 : 4 + 4 * ndim])
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim).reshape(shape)


def load_mnist(tiny: bool = False) -> dict[str, np.ndarray]:
    """Returns MNIST as float32 [N, 784] images in [0, 1] and int64 labels (train and test)."""
    d = MNIST_DIR
    if not (d / "train-images-idx3-ubyte.gz").exists():
        raise FileNotFoundError(f"benchmarks W6: MNIST IDX files not found in {d}; set DATAFLOWIO_MNIST")
    out = {}
    for split, prefix in (("train", "train"), ("test", "t10k")):
        x = _read_idx(d / f"{prefix}-images-idx3-ubyte.gz").reshape(-1, 784).astype(np.float32) / 255
        y = _read_idx(d / f"{prefix}-labels-idx1-ubyte.gz").astype(np.int64)
        if tiny:
            x, y = x[: _TINY["W6"]], y[: _TINY["W6"]]
        out[f"x_{split}"], out[f"y_{split}"] = x, y
    return out


def load(workload: str, tiny: bool = False, root: str | os.PathLike | None = None) -> dict[str, Any]:
    """Returns what a pipeline needs for `workload`: a file path and count, or in-memory arrays."""
    path = ensure(workload, tiny, root)
    n = sizes(tiny)[workload]
    if workload in ("W1", "W2", "W4"):
        return {"path": str(path), "n": n}
    if workload in ("W3", "W7"):
        with np.load(path) as z:
            return {"x": z["x"], "y": z["y"], "n": n * (3 if workload == "W7" else 1)}
    if workload == "W5":
        with np.load(path) as z:
            blob, off = z["blob"].tobytes(), z["offsets"]
        images = np.empty(len(off) - 1, dtype=object)
        images[:] = [blob[a:b] for a, b in zip(off[:-1].tolist(), off[1:].tolist())]
        return {"images": images, "n": len(images)}
    if workload == "W6":
        data = load_mnist(tiny)
        return {**data, "n": len(data["x_train"])}
    raise ValueError(f"benchmarks: unknown workload {workload!r}; expected one of {WORKLOADS}")
