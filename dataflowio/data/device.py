"""Moving batches to a GPU ahead of time: `prefetch_to_device` and `copy_to_device`.

`ToDevice` is a plan node. With a GPU and CuPy, its iterator is a one-worker `ThreadedStage` whose
thread copies every numeric array of each element into page-locked (pinned) host memory, starts
an asynchronous host-to-device copy on the thread's own non-blocking CUDA stream, and synchronizes
that stream before the CuPy array enters the buffer, so the consumer never sees a half-copied
array while the next copy overlaps its compute. String (object) arrays stay on the host.

Without CuPy or a CUDA device, import never fails. With soft placement (the default,
`strict=False`) the dataset runs on the CPU (a host-side prefetch) and warns once, naming the
missing piece; with `strict=True` iteration raises `FailedPreconditionError` naming it
("`cupy` is not installed" or "no CUDA device").

Stats (`it.stats()`) report for this stage `copy_s` (time spent copying), `exposed_s` (time the
consumer waited for a copy) and `hidden_s` (copy time overlapped with the consumer's work).

>>> parse_device("/device:GPU:1"), parse_device("/cpu:0"), parse_device("gpu")
(('gpu', 1), ('cpu', 0), ('gpu', 0))
"""

from __future__ import annotations

import re
import threading
import time
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from dataflowio.data import structure
from dataflowio.data.iterator import Chunk, DataIterator, State
from dataflowio.data.plan import ExecContext, Node
from dataflowio.data.runtime.autotune import AUTOTUNE
from dataflowio.data.runtime.stage import ThreadedStage
from dataflowio.errors import FailedPreconditionError, InvalidArgumentError

_warned: set[str] = set()
_SLAB_BYTES = 4 << 20


def parse_device(spec: str) -> tuple[str, int]:
    """`("gpu" | "cpu", index)` from a TF device string such as "/gpu:0" or "/device:GPU:1"."""
    m = re.search(r"(?:device:)?(gpu|cpu)(?::(\d+))?\s*$", str(spec).strip(), re.IGNORECASE)
    if not m:
        raise InvalidArgumentError(
            f"prefetch_to_device: cannot parse device {spec!r}; expected '/cpu:0', '/gpu:0' or "
            "'/device:GPU:<index>'.")
    return m.group(1).lower(), int(m.group(2) or 0)


def gpu_problem(index: int = 0) -> str | None:
    """Why GPU `index` cannot be used (a sentence), or None when it can."""
    try:
        import cupy
    except Exception:  # noqa: BLE001 - any import failure means no CuPy
        return "`cupy` is not installed (pip install cupy-cuda12x)"
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as e:  # noqa: BLE001
        return f"no CUDA device ({type(e).__name__}: {e})"
    if count <= index:
        return f"no CUDA device {index} (found {count})"
    return None


@dataclass(frozen=True, kw_only=True, eq=False)
class ToDevice(Node):
    device: str = "/gpu:0"
    source_device: str = "/cpu:0"
    buffer_size: int | None = None
    strict: bool = False

    op_name = "to_device"
    preserves_cardinality = True

    def __post_init__(self) -> None:
        parse_device(self.device)
        parse_device(self.source_device)
        b = self.buffer_size
        if b is not None and (isinstance(b, bool) or int(b) < AUTOTUNE):
            raise InvalidArgumentError(
                f"prefetch_to_device: `buffer_size` must be None, AUTOTUNE (-1) or >= 0, got {b!r}.")

    def open(self, inputs: tuple[DataIterator, ...], ctx: ExecContext | None) -> DataIterator:
        kind, index = parse_device(self.device)
        buffer = AUTOTUNE if self.buffer_size is None else int(self.buffer_size)
        copier: Any
        if kind == "cpu":
            copier = _to_host
        else:
            problem = gpu_problem(index)
            if problem is not None:
                if self.strict:
                    raise FailedPreconditionError(
                        f"{self.label()}: cannot place on {self.device}: {problem}.\n  hint: pass "
                        "strict=False to fall back to the CPU (a host-side prefetch).")
                if problem not in _warned:
                    _warned.add(problem)
                    warnings.warn(f"{self.label()}: {self.device} unavailable ({problem}); "
                                  "running on CPU:0 (host-side prefetch).", RuntimeWarning, stacklevel=2)
                copier = None
            else:
                copier = _GpuCopier(index)
        if buffer == 0:
            return _CopyIterator(inputs[0], copier) if copier is not None else inputs[0]
        return DeviceStage(inputs[0], copier=copier, capacity=buffer, label=self.label(), ctx=ctx,
                           name=self.name or "")


def _to_host(element: Any) -> Any:
    def leaf(x: Any) -> Any:
        return x.get() if hasattr(x, "get") and type(x).__module__.startswith("cupy") else x

    return structure.map_structure(leaf, element) if structure.is_structure(element) else leaf(element)


class _GpuCopier:
    """Copies elements to GPU `index` through pinned buffers on a per-thread non-blocking stream."""

    def __init__(self, index: int) -> None:
        self.index = index
        self._local = threading.local()
        self.copy_s = 0.0
        self.bytes = 0

    def _state(self) -> Any:
        st = self._local
        if not hasattr(st, "stream"):
            import cupy

            cupy.cuda.Device(self.index).use()
            st.stream = cupy.cuda.Stream(non_blocking=True)
            st.pinned = {}
        return st

    def __call__(self, element: Any) -> Any:
        import cupy
        import cupyx

        st = self._state()
        out_leaves, pending = [], []
        t0 = time.perf_counter()
        for i, x in enumerate(structure.flatten(element)):
            arr = np.asarray(x) if isinstance(x, (np.ndarray, np.generic)) else None
            if arr is None or arr.dtype == object or arr.dtype.kind in "SU":
                out_leaves.append(x)
                continue
            key = (i, arr.size, arr.dtype.str)
            pin = st.pinned.get(key)
            if pin is None:
                pin = st.pinned[key] = cupyx.empty_pinned((arr.size,), arr.dtype)
            src = np.ascontiguousarray(arr).reshape(-1)
            with cupy.cuda.Device(self.index):
                dev = cupy.empty((arr.size,), arr.dtype)
                # Slabs: the async copy of slab j (pinned memory lets it run on the stream)
                # overlaps the host memcpy of slab j + 1 into the pinned buffer.
                step = max(1, _SLAB_BYTES // max(1, arr.itemsize))
                for a in range(0, arr.size, step):
                    b = min(arr.size, a + step)
                    np.copyto(pin[a:b], src[a:b])
                    dev[a:b].set(pin[a:b], stream=st.stream)
            out_leaves.append(dev.reshape(arr.shape))
            pending.append(arr.nbytes)
        st.stream.synchronize()  # NOTE: the array is complete before anyone can see it
        self.copy_s += time.perf_counter() - t0
        self.bytes += sum(pending)
        # NOTE: pinned buffers are reused per (leaf, shape) only after the synchronize above.
        return structure.pack_as(element, out_leaves) if structure.is_structure(element) else out_leaves[0]


class _CopyIterator(DataIterator):
    """`copy_to_device` without a buffer: copies each element on the consumer's thread."""

    def __init__(self, source: DataIterator, copier: Any) -> None:
        super().__init__(source, name="copy_to_device")
        self._copy = copier

    def __next__(self) -> Any:
        return self._copy(next(self.source))

    def stage_stats(self) -> dict[str, Any]:
        """Copy time (all of it exposed: the consumer waits for every copy)."""
        copy_s = getattr(self._copy, "copy_s", 0.0)
        return {"copy_s": copy_s, "exposed_s": copy_s, "hidden_s": 0.0}

    def get_state(self) -> State:
        return self.source.get_state()

    def set_state(self, state: State) -> None:
        self.source.set_state(state)


class DeviceStage(ThreadedStage):
    """A prefetch whose worker thread also copies each element to the device."""

    def __init__(self, source: DataIterator, *, copier: Any, capacity: int, label: str, ctx: Any,
                 name: str = "") -> None:
        self._copier = copier

        def transform(chunk: Chunk, position: int) -> tuple[Chunk, bool]:
            return Chunk.from_elements([copier(e) for e in chunk.elements()]), False

        super().__init__(source, label=label, kind="device", transform=None if copier is None else transform,
                         capacity=capacity, workers=1, ctx=ctx, name=name,
                         chunk_size=1 if copier is not None else None)  # one batch per copy

    def stage_stats(self) -> dict[str, Any]:
        out = super().stage_stats()
        copy_s = getattr(self._copier, "copy_s", 0.0)
        out["copy_s"] = copy_s
        out["exposed_s"] = min(out["consumer_wait_s"], copy_s)
        out["hidden_s"] = max(0.0, copy_s - out["exposed_s"])
        out["device"] = "cpu" if self._copier is None else f"gpu:{getattr(self._copier, 'index', 0)}"
        return out
