"""`dataflowio.errors`: TensorFlow's error classes (defined in `record_format.errors`).

>>> import dataflowio as tf
>>> issubclass(tf.errors.NotFoundError, FileNotFoundError)
True
"""

from record_format.errors import *  # noqa: F401,F403
from record_format.errors import (  # noqa: F401
    AbortedError,
    AlreadyExistsError,
    CancelledError,
    CorruptRecordError,
    DataLossError,
    DeadlineExceededError,
    FailedPreconditionError,
    InternalError,
    InvalidArgumentError,
    NotFoundError,
    OpError,
    OptimizerError,
    OutOfRangeError,
    PermissionDeniedError,
    PrefetchError,
    ResourceExhaustedError,
    UnauthenticatedError,
    UnavailableError,
    UnimplementedError,
    UnknownError,
    exception_type_from_error_code,
)
