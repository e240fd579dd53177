"""TensorFlow's error classes, each also a subclass of the matching Python builtin.

`dataflowio.errors` re-exports everything here, so `except ValueError` (TF1 code's habit) and
`except dataflowio.errors.InvalidArgumentError` both work.

>>> issubclass(InvalidArgumentError, ValueError), issubclass(DataLossError, OSError)
(True, True)
>>> str(NotFoundError("data.tfrecord: no such file"))
'data.tfrecord: no such file'
"""

from __future__ import annotations

# TensorFlow's canonical error codes (tensorflow/core/protobuf/error_codes.proto).
OK = 0
CANCELLED = 1
UNKNOWN = 2
INVALID_ARGUMENT = 3
DEADLINE_EXCEEDED = 4
NOT_FOUND = 5
ALREADY_EXISTS = 6
PERMISSION_DENIED = 7
RESOURCE_EXHAUSTED = 8
FAILED_PRECONDITION = 9
ABORTED = 10
OUT_OF_RANGE = 11
UNIMPLEMENTED = 12
INTERNAL = 13
UNAVAILABLE = 14
DATA_LOSS = 15
UNAUTHENTICATED = 16


class OpError(Exception):
    """Base of every dataflowio error, as `tf.errors.OpError` is in TensorFlow.

    `node_def` and `op` follow TensorFlow's positional order when three arguments are given
    (`OpError(node_def, op, message)`); the usual form is `OpError(message)`.
    """

    error_code = UNKNOWN

    def __init__(self, *args: object) -> None:
        if len(args) >= 3:
            node_def, op, message = args[0], args[1], args[2]
        else:
            node_def, op, message = None, None, (args[0] if args else "")
        self.node_def = node_def
        self.op = op
        super().__init__(str(message))

    @property
    def message(self) -> str:
        """The error message, without the class name."""
        return str(self.args[0]) if self.args else ""

    def __str__(self) -> str:
        return self.message


class CancelledError(OpError):
    error_code = CANCELLED


class UnknownError(OpError):
    error_code = UNKNOWN


class InvalidArgumentError(OpError, ValueError):
    error_code = INVALID_ARGUMENT


class DeadlineExceededError(OpError, TimeoutError):
    error_code = DEADLINE_EXCEEDED


class NotFoundError(OpError, FileNotFoundError):
    error_code = NOT_FOUND


class AlreadyExistsError(OpError, FileExistsError):
    error_code = ALREADY_EXISTS


class PermissionDeniedError(OpError, PermissionError):
    error_code = PERMISSION_DENIED


class UnauthenticatedError(OpError):
    error_code = UNAUTHENTICATED


class ResourceExhaustedError(OpError, MemoryError):
    error_code = RESOURCE_EXHAUSTED


class FailedPreconditionError(OpError, RuntimeError):
    error_code = FAILED_PRECONDITION


class AbortedError(OpError):
    error_code = ABORTED


class OutOfRangeError(OpError):
    """End of input: `sess.run` on an exhausted iterator's `get_next()` raises this."""

    error_code = OUT_OF_RANGE


class UnimplementedError(OpError, NotImplementedError):
    error_code = UNIMPLEMENTED


class InternalError(OpError, RuntimeError):
    error_code = INTERNAL


class UnavailableError(OpError):
    error_code = UNAVAILABLE


class DataLossError(OpError, OSError):
    """Corrupt or truncated data. `path` and `offset` say where the damaged record starts.

    >>> e = DataLossError("a.tfrecord: corrupted record at byte 12", path="a.tfrecord", offset=12)
    >>> (e.path, e.offset)
    ('a.tfrecord', 12)
    """

    error_code = DATA_LOSS

    def __init__(self, *args: object, path: str | None = None, offset: int | None = None) -> None:
        super().__init__(*args)
        self.path = path
        self.offset = offset


# STYLE.md's name for the same thing.
CorruptRecordError = DataLossError


class PrefetchError(OpError, RuntimeError):
    """A background worker failed; the worker's exception is chained as `__cause__`."""

    error_code = INTERNAL


class OptimizerError(OpError, RuntimeError):
    """The pipeline optimizer could not settle on a plan."""

    error_code = INTERNAL


_CODE_TO_CLASS = {
    cls.error_code: cls
    for cls in (
        CancelledError,
        UnknownError,
        InvalidArgumentError,
        DeadlineExceededError,
        NotFoundError,
        AlreadyExistsError,
        PermissionDeniedError,
        ResourceExhaustedError,
        FailedPreconditionError,
        AbortedError,
        OutOfRangeError,
        UnimplementedError,
        InternalError,
        UnavailableError,
        DataLossError,
        UnauthenticatedError,
    )
}


def exception_type_from_error_code(error_code: int) -> type[OpError]:
    """Returns the error class for a TensorFlow error code, as `tf.errors` does.

    >>> exception_type_from_error_code(11).__name__
    'OutOfRangeError'
    """
    return _CODE_TO_CLASS[error_code]
