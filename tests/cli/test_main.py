"""`dataflowio.cli.main`: no work at import, errors formatted as one line, the module entry point."""

from __future__ import annotations

import subprocess
import sys

from dataflowio.cli.main import main, one_line
from tests.cli.conftest import subprocess_env


def test_importing_main_loads_no_subcommand():
    code = ("import sys, dataflowio.cli.main; "
            "print(sorted(m for m in sys.modules if m.startswith(('dataflowio.cli.', 'dataflowio.datasets', "
            "'dataflowio.train.'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=subprocess_env(),
                         timeout=60, check=True).stdout
    assert out.strip() == "['dataflowio.cli.main']"


def test_one_line_folds_hints():
    assert one_line("x: bad.\n  hint: fix it\n") == "x: bad. hint: fix it"


def test_version_and_module_entry_point():
    proc = subprocess.run([sys.executable, "-m", "dataflowio.cli.main", "verify", "/nonexistent.tfrecord"],
                          capture_output=True, text=True, env=subprocess_env(), timeout=60, check=False)
    assert proc.returncode == 1 and proc.stderr.startswith("dataflowio: error: ")
    assert "Traceback" not in proc.stderr and "/nonexistent.tfrecord" in proc.stderr


def test_train_mnist_downloads_missing_files_from_a_mirror(mnist_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATAFLOWIO_MNIST_MIRRORS", mnist_dir.as_uri() + "/")
    cache = tmp_path / "cache"
    assert main(["train-mnist", "--data", str(cache), "--model", "softmax", "--steps", "3", "-q"]) == 0
    assert capsys.readouterr().out.startswith("test accuracy: ")
    assert sorted(p.name for p in cache.iterdir()) == sorted(p.name for p in mnist_dir.glob("*.gz"))
