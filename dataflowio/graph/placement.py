"""Device strings, `ConfigProto` / `GPUOptions`, and choosing a backend for each op.

>>> canonical_device("/gpu:0"), canonical_device("/cpu:0"), canonical_device("/device:GPU:1")
('/device:GPU:0', '/device:CPU:0', '/device:GPU:1')
"""

from __future__ import annotations

import re
import sys
from typing import Any

from dataflowio.errors import InvalidArgumentError
from dataflowio.graph.backend import NUMPY, Backend, cupy_backend, gpu_count

_DEV = re.compile(r"^(?:/job:[^/]+)?(?:/replica:\d+)?(?:/task:\d+)?"
                  r"(?:/(?:device:)?(?P<kind>cpu|gpu|CPU|GPU|XLA_CPU|XLA_GPU):(?P<idx>\d+|\*))?$")

PREFIX = "/job:localhost/replica:0/task:0/device:"
SHAPE_ONLY = {"Shape", "Size", "Rank"}  # read only the shape: inputs stay where they are
HOST_ONLY = {"Placeholder", "IteratorGetNext", "IteratorInit", "PyFunc", "Const", "Shape", "Size",
             "Rank", "IsVariableInitialized"}


def canonical_device(spec: Any) -> str:
    """Normalizes "/gpu:0", "/device:GPU:0", "gpu:0", "/job:localhost/.../device:CPU:0" and the like."""
    if spec is None or spec == "":
        return ""
    if callable(spec):
        raise InvalidArgumentError("device: device functions are not supported; pass a device string.")
    s = str(spec).strip()
    if not s.startswith("/"):
        s = "/" + s
    m = _DEV.match(s)
    if m is None:
        raise InvalidArgumentError(f"device: cannot parse device specification {spec!r}; expected e.g. "
                                   "'/cpu:0', '/gpu:0' or '/device:GPU:0'.")
    if m.group("kind") is None:
        return ""
    kind = m.group("kind").upper().replace("XLA_", "")
    idx = m.group("idx")
    return f"/device:{kind}:{0 if idx == '*' else int(idx)}"


class GPUOptions:
    """Accepted for compatibility (memory options do not apply to NumPy/CuPy here)."""

    def __init__(self, allow_growth: bool = False, per_process_gpu_memory_fraction: float = 1.0,
                 visible_device_list: str = "", **kwargs: Any) -> None:
        self.allow_growth = allow_growth
        self.per_process_gpu_memory_fraction = per_process_gpu_memory_fraction
        self.visible_device_list = visible_device_list
        self.__dict__.update(kwargs)


class ConfigProto:
    """Session options: `log_device_placement`, `allow_soft_placement` (default True here), ...

    >>> ConfigProto(log_device_placement=True).allow_soft_placement
    True
    """

    def __init__(self, log_device_placement: bool = False, allow_soft_placement: bool = True,
                 gpu_options: GPUOptions | None = None, device_count: dict | None = None,
                 inter_op_parallelism_threads: int = 0, intra_op_parallelism_threads: int = 0,
                 **kwargs: Any) -> None:
        self.log_device_placement = log_device_placement
        self.allow_soft_placement = allow_soft_placement
        self.gpu_options = gpu_options or GPUOptions()
        self.device_count = dict(device_count or {})
        self.inter_op_parallelism_threads = inter_op_parallelism_threads
        self.intra_op_parallelism_threads = intra_op_parallelism_threads
        self.__dict__.update(kwargs)


class RunOptions:
    """Accepted for compatibility; tracing options are ignored."""

    FULL_TRACE, SOFTWARE_TRACE, HARDWARE_TRACE, NO_TRACE = 3, 1, 2, 0

    def __init__(self, trace_level: int = 0, **kwargs: Any) -> None:
        self.trace_level = trace_level
        self.__dict__.update(kwargs)


class RunMetadata:
    """Accepted for compatibility; `step_stats` stays empty."""

    def __init__(self) -> None:
        self.step_stats: list[Any] = []


def place(op: Any, config: ConfigProto) -> tuple[Backend, str, str]:
    """Returns (backend, full device name, log note) for `op` under `config`."""
    dev = op.device
    gpus = gpu_count() if config.device_count.get("GPU", 1) else 0
    if dev.startswith("/device:GPU"):
        idx = int(dev.rsplit(":", 1)[1])
        host_only = op.type in HOST_ONLY or any(t.dtype.name == "string" for t in op.outputs)
        if idx < gpus and not host_only:
            return cupy_backend(), f"{PREFIX}GPU:{idx}", ""
        if not config.allow_soft_placement:
            raise InvalidArgumentError(
                f"Cannot assign a device for operation {op.name}: Could not satisfy explicit device "
                f"specification '{dev}' because no supported kernel for GPU devices is available "
                f"({'no GPU found' if not gpus else 'host-only op'}).\n  hint: allow_soft_placement=True "
                "(the default) runs it on the CPU.")
        why = f"GPU:{idx} unavailable" if idx >= gpus else f"{op.type} has no GPU kernel"
        return NUMPY, f"{PREFIX}CPU:0", f"{why}, placed on CPU:0"
    return NUMPY, f"{PREFIX}CPU:0", ""


def log_placement(op: Any, device: str, note: str) -> None:
    """Prints one placement line the way TensorFlow's placer does."""
    line = f"{op.name}: ({op.type}): {device}"
    if note:
        line += f" (requested {op.device}; {note})"
    print(line, file=sys.stderr, flush=True)
