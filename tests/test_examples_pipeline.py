"""The runnable examples in examples/ (pipeline, GPU prefetch, checkpoint/resume) run as programs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run_example(name: str, *args: str) -> str:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run([sys.executable, str(ROOT / "examples" / name), *args], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, f"{name} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


@pytest.mark.timeout(150)
def test_tfdata_tfrecord_pipeline_example():
    out = run_example("tfdata_tfrecord_pipeline.py")
    assert "1000 examples from 4 shards, each exactly once, shuffled" in out


@pytest.mark.timeout(150)
def test_tfdata_tfrecord_pipeline_example_on_converted_mnist(mnist_dir, tmp_path):
    from dataflowio.cli.main import main

    assert main(["convert", str(mnist_dir), str(tmp_path), "--limit", "3000", "-q"]) == 0
    out = run_example("tfdata_tfrecord_pipeline.py", "--data", str(tmp_path))
    assert "3000 MNIST images in 12 batches" in out


@pytest.mark.timeout(150)
def test_gpu_prefetch_example():
    out = run_example("gpu_prefetch.py")
    assert "batches arrived on the" in out and "graph op on /gpu:0" in out


@pytest.mark.timeout(150)
def test_checkpoint_resume_example():
    out = run_example("checkpoint_resume.py")
    assert "interrupted after 21 of 48 steps" in out
    assert "resumed for the remaining 27 steps: same batches, same weights" in out
