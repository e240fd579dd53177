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
