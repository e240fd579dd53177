"""`dataflowio.compat`: `compat.v1` is the TF1 namespace (`tf.compat.v1.Session` and friends)."""

from dataflowio.compat import v1  # noqa: F401
