"""`dataflowio.data.experimental`: tf.data.experimental's constants and helpers.

>>> from dataflowio.data import Dataset
>>> cardinality(Dataset.range(4).repeat()) == INFINITE_CARDINALITY
True
"""

from __future__ import annotations

from typing import Any

from dataflowio.data.plan import INFINITE, UNKNOWN

AUTOTUNE = -1
INFINITE_CARDINALITY = INFINITE
UNKNOWN_CARDINALITY = UNKNOWN


def cardinality(dataset: Any) -> int:
    """Returns `dataset.cardinality()` (tf.data.experimental.cardinality).

    >>> from dataflowio.data import Dataset
    >>> cardinality(Dataset.range(4))
    4
    """
    return dataset.cardinality()


# ---- added by the runtime helper (prefetch_to_device, copy_to_device) and H3b go below ------

# -- H3b: apply-style helpers and source aliases (ignore_errors(), sample_from_datasets, ...) --
from dataflowio.data.experimental_extra import *

# -- runtime: per-element seeds, iterator checkpoint files, device prefetch -------------------
from dataflowio.data.runtime.checkpoint import restore_iterator, save_iterator  # noqa: F401
from dataflowio.data.runtime.seed import element_rng, element_seed  # noqa: F401
from dataflowio.data.runtime.seed import set_base_seed as set_element_base_seed  # noqa: F401


def prefetch_to_device(device: str, buffer_size: int | None = None, *,
                       strict: bool = False) -> Any:
    """Returns a `Dataset.apply` transformation that moves elements to `device` ahead of time.

    A background thread copies each element's numeric arrays from pinned host memory to CuPy
    arrays on its own non-blocking CUDA stream (synchronized before the array is handed out),
    overlapping the copy with the consumer's compute. `buffer_size` elements are kept ready
    (None = AUTOTUNE). Without CuPy or a CUDA device: with `strict=False` (soft placement, the
    default) the dataset stays on the CPU (a host prefetch) and a warning names the missing
    piece once; with `strict=True` iterating raises `FailedPreconditionError` naming it.

    >>> from dataflowio.data import Dataset
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     ds = Dataset.range(3).apply(prefetch_to_device("/gpu:0", 2))
    ...     [int(x) for x in ds]     # on a GPU machine these would be CuPy arrays
    [0, 1, 2]
    """
    from dataflowio.data.device import ToDevice

    def _apply(dataset: Any) -> Any:
        return dataset._then(ToDevice(inputs=(dataset._plan,), device=device,
                                      buffer_size=buffer_size, strict=strict))

    return _apply


def copy_to_device(target_device: str, source_device: str = "/cpu:0", *,
                   strict: bool = False) -> Any:
    """Returns a `Dataset.apply` transformation that copies each element to `target_device`.

    Like `prefetch_to_device` without a buffer: the copy runs on the consumer's thread.
    `target_device="/cpu:0"` brings CuPy arrays back to NumPy.

    >>> from dataflowio.data import Dataset
    >>> [int(x) for x in Dataset.range(2).apply(copy_to_device("/cpu:0"))]
    [0, 1]
    """
    from dataflowio.data.device import ToDevice

    def _apply(dataset: Any) -> Any:
        return dataset._then(ToDevice(inputs=(dataset._plan,), device=target_device,
                                      source_device=source_device, buffer_size=0, strict=strict))

    return _apply


# ---- added by the optimizer helper (H5) ------------------------------------------------------
from dataflowio.data.vectorize import vectorized  # noqa: E402,F401  (batch-aware map functions)
