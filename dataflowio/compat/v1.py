"""`tf.compat.v1`: the TF1 API. Every top-level `dataflowio` name is reachable here, plus the
TF2 -> TF1 switches, which are no-ops because dataflowio always runs TF1 graphs.

>>> import dataflowio as tf
>>> tf.compat.v1.disable_eager_execution()
>>> tf.compat.v1.Session is tf.Session, tf.compat.v1.executing_eagerly()
(True, False)
"""

from __future__ import annotations

from typing import Any


def disable_eager_execution() -> None:
    """No-op: dataflowio graphs are always built and run with a Session."""


def disable_v2_behavior() -> None:
    """No-op (see `disable_eager_execution`)."""


def enable_resource_variables() -> None:
    """No-op: variables are stored per Session either way."""


def disable_resource_variables() -> None:
    """No-op."""


def executing_eagerly() -> bool:
    """Returns False: ops on graph tensors build graphs (ops on NumPy values compute at once)."""
    return False


def __getattr__(name: str) -> Any:
    import dataflowio

    try:
        return getattr(dataflowio, name)
    except AttributeError:
        raise AttributeError(f"module 'dataflowio.compat.v1' has no attribute {name!r} (dataflowio "
                             "implements the TF1 API listed in API.md §3).") from None


def __dir__() -> list[str]:
    import dataflowio

    return sorted(set(globals()) | set(dir(dataflowio)))
