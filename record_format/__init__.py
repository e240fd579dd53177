"""TensorFlow's record formats without TensorFlow: TFRecord framing and `tf.train.Example`.

This package never imports `dataflowio`; `dataflowio.io` and `dataflowio.train` re-export it.
"""

from record_format import errors

__all__ = ["errors"]
