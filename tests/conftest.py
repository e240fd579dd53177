"""Shared pytest setup: hypothesis profiles, GPU / TensorFlow gating, data locations, thread checks."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("dev", max_examples=30, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", max_examples=60, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

REPO = Path(__file__).resolve().parents[1]
MNIST_DIR = Path(os.environ.get("DATAFLOWIO_MNIST", REPO.parent / "shared" / "data" / "mnist"))


def gpu_available() -> bool:
    try:
        import cupy  # noqa: F401

        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # noqa: BLE001 - any failure means no usable GPU
        return False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not gpu_available():
        skip = pytest.mark.skip(reason="needs CuPy and a CUDA GPU; none found on this machine")
        for item in items:
            if "gpu" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def tf():
    """TensorFlow itself, as the reference; tests using it skip where it is not installed."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    return pytest.importorskip("tensorflow", reason="TensorFlow not installed (pip install -e '.[compat]')")


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    """The real MNIST IDX files from ../shared/data/mnist."""
    if not (MNIST_DIR / "train-images-idx3-ubyte.gz").exists():
        pytest.skip(f"MNIST files not found in {MNIST_DIR}; set DATAFLOWIO_MNIST to their folder")
    return MNIST_DIR


def dataflowio_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("dataflowio")]


def wait_for_no_dataflowio_threads(timeout: float = 5.0) -> list[threading.Thread]:
    """Waits until every `dataflowio-*` thread has ended; returns those still alive at the timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive = dataflowio_threads()
        if not alive:
            return []
        time.sleep(0.02)
    return dataflowio_threads()
