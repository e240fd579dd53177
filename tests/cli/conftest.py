"""Fixtures for the command-line tests: a converted MNIST subset shared by the tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dataflowio.cli.main import main

SUBSET = 2000


@pytest.fixture(scope="session")
def mnist_arrays(mnist_dir):
    from dataflowio.datasets import mnist

    return mnist.load_data(mnist_dir, download=False)


@pytest.fixture(scope="session")
def subset_records(mnist_dir, tmp_path_factory) -> Path:
    """`dataflowio convert MNIST out --shards 2 --limit 2000` (train and test splits)."""
    out = tmp_path_factory.mktemp("records") / "mnist"
    argv = ["convert", str(mnist_dir), str(out), "--shards", "2", "--limit", str(SUBSET), "-q"]
    assert main(argv) == 0
    return out


def subprocess_env() -> dict[str, str]:
    """Environment for subprocesses: the repo on the path, no progress bars, no debug."""
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("DATAFLOWIO_PROGRESS", None)
    env.pop("DATAFLOWIO_DEBUG", None)
    return env
