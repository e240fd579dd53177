"""The TF1 seed programs in examples/ run unchanged (apart from the import line) as subprocesses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run_example(name: str, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    full_env = dict(os.environ, **(env or {}))
    full_env["PYTHONPATH"] = str(ROOT) + os.pathsep + full_env.get("PYTHONPATH", "")
    proc = subprocess.run([sys.executable, str(ROOT / "examples" / name), *args], check=False, env=full_env,
                          capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, f"{name} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


def test_relu_layer_example():
    out = run_example("relu_layer.py").stdout
    assert "h: (100, 100) float32 min 0.0" in out


def test_multiply_feeds_example():
    out = run_example("multiply_feeds.py").stdout
    assert "2.000000 should equal 2.0" in out and "9.000000 should equal 9.0" in out


def test_device_placement_example_logs_each_op():
    proc = run_example("device_placement.py")
    assert "[[22. 28.]\n [49. 64.]]" in proc.stdout
    assert "MatMul: (MatMul): /job:localhost/replica:0/task:0/device:" in proc.stderr


def test_get_variable_cpu_example():
    proc = run_example("get_variable_cpu.py")
    assert "foo/v:0 [1.]" in proc.stdout and "after assign_add: [3.]" in proc.stdout
    assert "foo/v: (VariableV2): /job:localhost/replica:0/task:0/device:CPU:0" in proc.stderr


@pytest.mark.timeout(300)
def test_mnist_softmax_example_reaches_90_percent(mnist_dir):
    out = run_example("mnist_softmax.py", "--data_dir", str(mnist_dir)).stdout
    acc = float(out.strip().split()[-1])
    assert acc >= 0.90, out
