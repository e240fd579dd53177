"""TensorFlow's record formats without TensorFlow: TFRecord framing and `tf.train.Example`.

This package never imports `dataflowio`; `dataflowio.io` and `dataflowio.train` re-export it.

Modules: `crc32c` (masked CRC-32C), `tfrecord` (framing, writer, options), `reader` (+ `_frames`,
`_recovery`, `_source`: block reads, CRC checks, resync past damage, GZIP / ZLIB), `multi` (many
files, `tf_record_iterator`), `index` (record offsets, tfrecord-package format), `example`
(`tf.train.Example` messages), `wire` / `parse` / `fastparse` / `features` (Example -> NumPy),
`decode` / `csvdecode` (`decode_raw`, `decode_csv`), `image_codec` / `image_ops` (Pillow),
`bench` (`python -m record_format.bench`).

>>> import record_format
>>> spec = {"x": record_format.VarLenFeature("int64")}
>>> empty = record_format.Example().SerializeToString()
>>> record_format.parse_single_example(empty, spec)["x"].values.tolist()
[]
"""

from record_format import errors
from record_format.csvdecode import decode_csv
from record_format.decode import decode_raw
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
from record_format.index import (
    IndexedReader,
    RecordIndex,
    build_index,
    load_index,
    read_index,
    write_index,
)
from record_format.multi import MultiRecordReader, tf_record_iterator
from record_format.parse import parse_example, parse_example_proto, parse_single_example
from record_format.reader import Corruption, RecordReader
from record_format.tfrecord import TFRecordOptions, TFRecordWriter, encode_frame

__all__ = [
    "errors",
    "decode_csv",
    "decode_raw",
    "BytesList",
    "Example",
    "Feature",
    "FeatureList",
    "FeatureLists",
    "Features",
    "FloatList",
    "Int64List",
    "SequenceExample",
    "FixedLenFeature",
    "FixedLenSequenceFeature",
    "SparseTensorValue",
    "VarLenFeature",
    "IndexedReader",
    "RecordIndex",
    "build_index",
    "load_index",
    "read_index",
    "write_index",
    "MultiRecordReader",
    "tf_record_iterator",
    "parse_example",
    "parse_example_proto",
    "parse_single_example",
    "Corruption",
    "RecordReader",
    "TFRecordOptions",
    "TFRecordWriter",
    "encode_frame",
]
