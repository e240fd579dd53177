"""`dataflowio.io`: TensorFlow's `tf.io` on concrete values — TFRecord files, Examples, decoders.

Everything here comes from `record_format` (which needs no TensorFlow); the functions take and
return NumPy values / `bytes`, so they work inside `Dataset.map`.

>>> import os, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), "x.tfrecord")
>>> ex = Example(features=Features(feature={"v": Feature(int64_list=Int64List(value=[4, 2]))}))
>>> with TFRecordWriter(path) as w:
...     w.write(ex.SerializeToString())
>>> [parse_single_example(r, {"v": FixedLenFeature([2], "int64")})["v"].tolist()
...  for r in tf_record_iterator(path)]
[[4, 2]]
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import Any

import numpy as np

from record_format import image_codec as _codec
from record_format.csvdecode import decode_csv
from record_format.decode import decode_raw
from record_format.errors import NotFoundError
from record_format.example import (
    BytesList,
    Example,
    Feature,
    FeatureList,
    FeatureLists,
    Features,
    FloatList,
    Int64List,
    SequenceExample,
)
from record_format.features import (
    FixedLenFeature,
    FixedLenSequenceFeature,
    SparseTensorValue,
    VarLenFeature,
)
from record_format.image_codec import decode_gif, encode_jpeg, encode_png
from record_format.multi import tf_record_iterator
from record_format.parse import parse_example
from record_format.parse import parse_single_example as _parse_single_example
from record_format.tfrecord import TFRecordOptions, TFRecordWriter


class TFRecordCompressionType:
    """TF1's `tf.io.TFRecordCompressionType` constants."""

    NONE = 0
    ZLIB = 1
    GZIP = 2


def parse_single_example(
    serialized: Any, features: Any, name: str | None = None, example_names: Any = None
) -> Any:
    """Returns `{key: value}` for one serialized Example, as `tf.io.parse_single_example`.

    Batch-aware hook (see `dataflowio.data.vectorize`): inside a vectorized map's batched call a
    1-D vector of records is parsed at once by `parse_example` (each record parsed on its own:
    the row-wise batch form); the map's trial checks that this equals parsing record by record
    before it is used. Everywhere else it is `record_format.parse.parse_single_example`.

    >>> ex = Example(features=Features(feature={"v": Feature(int64_list=Int64List(value=[7]))}))
    >>> parse_single_example(ex.SerializeToString(), {"v": FixedLenFeature([], "int64")})["v"]
    np.int64(7)
    """
    if _strings_of_a_batched_call(serialized):
        return parse_example(serialized, features, name=name, example_names=example_names)
    return _parse_single_example(serialized, features, name=name, example_names=example_names)


def _strings_of_a_batched_call(value: Any) -> bool:
    """True when `value` is a non-empty 1-D vector of strings handed to a function inside a
    vectorized map's batched call (`dataflowio.data.vectorize.in_batch_call`)."""
    vec = sys.modules.get("dataflowio.data.vectorize")
    return (vec is not None and vec.in_batch_call() and isinstance(value, np.ndarray)
            and value.ndim == 1 and value.dtype == object and len(value) > 0)


def _one_by_one_in_batched_call(decode: Callable[..., np.ndarray]) -> Callable[..., np.ndarray]:
    """Returns the image decoder `decode` made batch-aware (see `dataflowio.data.vectorize`):
    inside a vectorized map's batched call, a vector of encoded images is decoded one by one
    and stacked (an error, e.g. images of different sizes, makes the map run per element);
    everywhere else it is `decode`, which takes one scalar string as TensorFlow's does. The
    decode itself releases the GIL, so the rest of the map (resize, cast) runs once per batch."""

    @functools.wraps(decode)
    def decoder(contents: Any, *args: Any, **kwargs: Any) -> np.ndarray:
        if _strings_of_a_batched_call(contents):
            return np.stack([decode(c, *args, **kwargs) for c in contents])
        return decode(contents, *args, **kwargs)

    return decoder


decode_image = _one_by_one_in_batched_call(_codec.decode_image)
decode_jpeg = _one_by_one_in_batched_call(_codec.decode_jpeg)
decode_png = _one_by_one_in_batched_call(_codec.decode_png)
decode_bmp = _one_by_one_in_batched_call(_codec.decode_bmp)


def read_file(filename: str | bytes | os.PathLike[str], name: str | None = None) -> bytes:
    """Returns the whole contents of `filename`, as `tf.io.read_file`."""
    del name
    path = os.fsdecode(filename)
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        raise NotFoundError(f"read_file: {path}: no such file.") from None


def write_file(
    filename: str | bytes | os.PathLike[str], contents: bytes, name: str | None = None
) -> None:
    """Writes `contents` to `filename`, as `tf.io.write_file`."""
    del name
    with open(os.fsdecode(filename), "wb") as f:
        f.write(contents if isinstance(contents, bytes) else bytes(contents))


__all__ = [
    "BytesList",
    "Example",
    "Feature",
    "FeatureList",
    "FeatureLists",
    "Features",
    "FixedLenFeature",
    "FixedLenSequenceFeature",
    "FloatList",
    "Int64List",
    "SequenceExample",
    "SparseTensorValue",
    "TFRecordCompressionType",
    "TFRecordOptions",
    "TFRecordWriter",
    "VarLenFeature",
    "decode_bmp",
    "decode_csv",
    "decode_gif",
    "decode_image",
    "decode_jpeg",
    "decode_png",
    "decode_raw",
    "encode_jpeg",
    "encode_png",
    "parse_example",
    "parse_single_example",
    "read_file",
    "tf_record_iterator",
    "write_file",
]


# Graph-mode halves (graph/session helper): with a graph Tensor argument these functions add a
# PyFunc node instead of computing; with concrete values they are unchanged.
from dataflowio.graph.lifted import lift_module as _lift_module  # noqa: E402

_lift_module(globals(), __name__)
