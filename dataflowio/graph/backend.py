"""Array backends: NumPy for the CPU and CuPy (imported lazily) for a GPU.

Kernels are written once against `xp`; a backend may override a kernel where a device-specific
version pays off (`kernel_for`). Importing this module never imports CuPy.

>>> import dataflowio.graph.api
>>> NUMPY.name, kernel_for(lookup("Neg"), NUMPY)(NUMPY.xp, NUMPY.xp.array([1, -2])).tolist()
('cpu', [-1, 2])
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import numpy

from dataflowio.graph.ops.registry import Kernel, OpDef, lookup  # noqa: F401


@dataclass(eq=False)
class Backend:
    """A device kind: its array module `xp` and per-op kernel overrides."""

    name: str
    xp: Any
    overrides: dict[str, Kernel] = field(default_factory=dict)

    def to_device(self, value: Any) -> Any:
        """Moves a host value onto this backend (a no-op for NumPy)."""
        if self.xp is numpy:
            return to_host(value)
        if isinstance(value, numpy.ndarray) and value.dtype == object:
            return value  # strings stay on the host
        return self.xp.asarray(value)


NUMPY = Backend("cpu", numpy)


def to_host(value: Any) -> Any:
    """Returns `value` as a NumPy value (CuPy arrays are copied back)."""
    get = getattr(value, "get", None)
    if get is not None and type(value).__module__.startswith("cupy"):
        return get()
    return value


@functools.lru_cache(maxsize=1)
def gpu_count() -> int:
    """Number of CUDA devices CuPy can see (0 without CuPy or a GPU)."""
    try:
        import cupy

        return int(cupy.cuda.runtime.getDeviceCount())
    except Exception:  # noqa: BLE001 - any failure means no usable GPU
        return 0


@functools.lru_cache(maxsize=1)
def cupy_backend() -> Backend:
    """The CuPy backend (call only when `gpu_count() > 0`)."""
    import cupy

    return Backend("gpu", cupy, overrides={"GatherGrad": _cupy_gather_grad})


def _cupy_gather_grad(xp: Any, g: Any, p: Any, i: Any, axis: int) -> Any:
    """Scatter-add of the gathered rows' gradients (`np.add.at` has no CuPy twin; cupyx does)."""
    import cupyx

    out = xp.zeros(p.shape, dtype=g.dtype)
    moved = xp.moveaxis(out, axis, 0)
    gm = xp.moveaxis(g, tuple(range(axis, axis + i.ndim)), tuple(range(i.ndim)))
    cupyx.scatter_add(moved, i.reshape(-1), gm.reshape((-1,) + moved.shape[1:]))
    return out


@functools.lru_cache(maxsize=64)
def _host_ones(n: int, dtype: Any) -> Any:
    out = numpy.ones(n, dtype=dtype)
    out.flags.writeable = False
    return out


@functools.lru_cache(maxsize=64)
def _host_row_starts(rows: int, width: int) -> Any:
    out = numpy.arange(0, rows * width, width)
    out.flags.writeable = False
    return out


def ones_vector(xp: Any, n: int, dtype: Any) -> Any:
    """A vector of `n` ones (read-only and cached on the host: kernels use it in products)."""
    return _host_ones(n, numpy.dtype(dtype)) if xp is numpy else xp.ones(n, dtype=dtype)


def row_starts(xp: Any, rows: int, width: int) -> Any:
    """`arange(0, rows * width, width)`: flat offsets of each row (cached on the host)."""
    return _host_row_starts(rows, width) if xp is numpy else xp.arange(0, rows * width, width)


def kernel_for(op: OpDef, backend: Backend) -> Kernel:
    """Returns the kernel `backend` runs for `op`: its override, else the shared `xp` kernel."""
    return backend.overrides.get(op.name, op.kernel)
