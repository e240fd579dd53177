"""dataflowio: tf.data-style input pipelines and TF1 graphs on NumPy/CuPy, no TensorFlow needed.

`import dataflowio as tf` runs TF1 programs that use the supported API (see README.md).
"""

from dataflowio import dtypes, errors
from dataflowio import data  # noqa: F401  (the Dataset algebra)
from dataflowio.dtypes import (  # noqa: F401
    DType,
    as_dtype,
    bool,
    complex64,
    complex128,
    double,
    float16,
    float32,
    float64,
    half,
    int8,
    int16,
    int32,
    int64,
    string,
    uint8,
    uint16,
    uint32,
    uint64,
)
from dataflowio.tensor_shape import TensorShape, TensorSpec  # noqa: F401
from dataflowio.graph.api import *  # noqa: F401,F403  (TF1 graph/session API, API.md §3)
from dataflowio import nn, train, compat, losses, math  # noqa: F401,E402  (tf.nn, tf.train, tf.compat.v1, ...)
from dataflowio import image, io  # noqa: F401,E402  (tf.image, tf.io: record_format on NumPy)
from dataflowio import io as python_io  # noqa: F401,E402  (TF1's tf.python_io.TFRecordWriter)
from dataflowio.io import (  # noqa: F401,E402  (TF1 top-level aliases, API.md §5)
    FixedLenFeature, FixedLenSequenceFeature, SparseTensorValue, VarLenFeature, decode_csv,
    decode_raw, parse_example, parse_single_example, read_file, write_file,
)

__version__ = "0.1.0"
