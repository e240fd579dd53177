"""`dataflowio train-mnist` and the trainer behind it, on small subsets of the real MNIST files."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

from dataflowio.cli.main import main
from dataflowio.train.trainer import TrainConfig, train

ACCURACY = re.compile(r"^test accuracy: (0\.\d{4}|1\.0000)$")


def last_accuracy(out: str) -> float:
    last = out.strip().splitlines()[-1]
    assert ACCURACY.match(last), last
    return float(last.split(": ")[1])


@pytest.mark.timeout(120)
def test_softmax_on_a_subset_prints_test_accuracy_last(mnist_dir, capsys):
    assert main(["train-mnist", "--data", str(mnist_dir), "--model", "softmax", "--limit", "3000",
                 "--epochs", "2", "--no-download"]) == 0
    out = capsys.readouterr().out
    assert "epoch 1/2: loss" in out and "epoch 2/2: loss" in out
    assert last_accuracy(out) > 0.8


@pytest.mark.timeout(120)
def test_mlp_trains_from_converted_tfrecords(mnist_dir, tmp_path, capsys):
    assert main(["convert", str(mnist_dir), str(tmp_path / "rec"), "--limit", "1000", "--shards", "2",
                 "--index", "-q"]) == 0
    assert main(["train-mnist", "--data", str(tmp_path / "rec"), "--model", "mlp", "--epochs", "1",
                 "--batch-size", "32"]) == 0
    out = capsys.readouterr().out
    assert "mlp on 1000 tfrecord examples, 1 epochs x 32 steps of 32" in out
    assert last_accuracy(out) > 0.6


@pytest.mark.timeout(120)
@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_save_and_restore_resume_mid_epoch_exactly(mnist_dir, tmp_path, optimizer):
    common = {"data": str(mnist_dir), "model": "softmax", "limit": 600, "batch_size": 50, "epochs": 2,
             "optimizer": optimizer, "seed": 3, "quiet": True}
    reference = train(TrainConfig(**common))
    assert reference.global_step == 24
    first = train(TrainConfig(**common, steps=17, save=str(tmp_path / "ck")))
    assert first.global_step == 17
    assert sorted(os.listdir(tmp_path / "ck"))[:1] and "trainer.json" in os.listdir(tmp_path / "ck")
    resumed = train(TrainConfig(data=str(mnist_dir), restore=str(tmp_path / "ck"), quiet=True))
    assert resumed.global_step == 24
    for name, w in reference.weights.items():
        np.testing.assert_array_equal(resumed.weights[name], w, err_msg=name)
    assert resumed.accuracy == reference.accuracy


def test_restore_refuses_a_different_model(mnist_dir, tmp_path, capsys):
    assert main(["train-mnist", "--data", str(mnist_dir), "--model", "softmax", "--limit", "200",
                 "--steps", "2", "--save", str(tmp_path / "ck"), "-q"]) == 0
    capsys.readouterr()
    assert main(["train-mnist", "--restore", str(tmp_path / "ck"), "--model", "mlp"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("dataflowio: error: train-mnist: --model mlp differs from the checkpoint")
    assert main(["train-mnist", "--restore", str(tmp_path / "nothing")]) == 1
    assert "no checkpoint there" in capsys.readouterr().err


def test_missing_data_is_a_one_line_error(tmp_path, capsys):
    assert main(["train-mnist", "--data", str(tmp_path), "--no-download"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "train-images-idx3-ubyte.gz not found in" in err


def test_usage_errors_exit_2(capsys):
    assert main(["train-mnist", "--model", "resnet"]) == 2
    assert main(["train-mnist", "--epochs", "0"]) == 2
    assert main(["train-mnist", "--lr", "-1"]) == 2


def test_gpu_request_without_a_gpu_falls_back_with_a_message(mnist_dir, capsys):
    from dataflowio.train.trainer import gpu_available

    if gpu_available()[0]:
        pytest.skip("a GPU is present")
    assert main(["train-mnist", "--data", str(mnist_dir), "--model", "softmax", "--limit", "200",
                 "--steps", "3", "--device", "gpu", "-q"]) == 0
    cap = capsys.readouterr()
    assert "--device gpu:" in cap.err and "training on the CPU instead" in cap.err
    assert last_accuracy(cap.out) > 0.0


@pytest.mark.gpu
def test_gpu_training_matches_the_cpu_closely(mnist_dir):
    common = {"data": str(mnist_dir), "model": "softmax", "limit": 1000, "epochs": 1, "seed": 1, "quiet": True}
    cpu = train(TrainConfig(**common))
    gpu = train(TrainConfig(**common, device="gpu"))
    assert gpu.device == "gpu" and abs(gpu.accuracy - cpu.accuracy) < 0.02


@pytest.mark.timeout(120)
def test_console_script_runs_end_to_end(mnist_dir, tmp_path):
    exe = shutil.which("dataflowio", path=os.path.dirname(sys.executable))
    cmd = [exe] if exe else [sys.executable, "-m", "dataflowio.cli.main"]
    proc = subprocess.run(cmd + ["train-mnist", "--data", str(mnist_dir), "--model", "softmax",
                                 "--limit", "1000", "--epochs", "1", "--no-download"],
                          capture_output=True, text=True, timeout=110, cwd=tmp_path, check=False)
    assert proc.returncode == 0, proc.stderr
    assert last_accuracy(proc.stdout) > 0.7 and "Traceback" not in proc.stderr


@pytest.mark.timeout(120)
def test_ctrl_c_saves_at_a_step_boundary_and_the_run_resumes_exactly(mnist_dir, tmp_path, monkeypatch,
                                                                     capsys):
    import signal

    from dataflowio.train import trainer

    common = {"data": str(mnist_dir), "model": "softmax", "limit": 500, "batch_size": 50, "epochs": 2, "seed": 5,
                  "quiet": True}
    reference = train(TrainConfig(**common))
    real_feed, calls = trainer._GraphInput.feed, []

    def feed_then_interrupt(self):
        calls.append(1)
        if len(calls) == 7:
            os.kill(os.getpid(), signal.SIGINT)  # lands inside step 7; honoured after it
        return real_feed(self)

    monkeypatch.setattr(trainer._GraphInput, "feed", feed_then_interrupt)
    argv = ["train-mnist", "--data", str(mnist_dir), "--model", "softmax", "--limit", "500",
            "--batch-size", "50", "--epochs", "2", "--seed", "5", "-q", "--save", str(tmp_path / "ck")]
    assert main(argv) == 130
    assert "interrupted at step 7; checkpoint saved to" in capsys.readouterr().err
    monkeypatch.setattr(trainer._GraphInput, "feed", real_feed)
    resumed = train(TrainConfig(restore=str(tmp_path / "ck"), quiet=True))
    assert resumed.global_step == 20
    for name, w in reference.weights.items():
        np.testing.assert_array_equal(resumed.weights[name], w, err_msg=name)


def test_graph_bridge_and_feed_dict_train_identically(mnist_dir):
    common = {"data": str(mnist_dir), "model": "mlp", "limit": 300, "batch_size": 30, "epochs": 1, "seed": 2,
                  "quiet": True}
    a = train(TrainConfig(**common), bridge="graph")
    b = train(TrainConfig(**common), bridge="feed")
    for name, w in a.weights.items():
        np.testing.assert_array_equal(b.weights[name], w, err_msg=name)


def test_trains_from_gzip_tfrecords(mnist_dir, tmp_path, capsys):
    assert main(["convert", str(mnist_dir), str(tmp_path), "--limit", "500", "--compression", "GZIP",
                 "-q"]) == 0
    assert main(["train-mnist", "--data", str(tmp_path), "--model", "softmax", "--steps", "5"]) == 0
    out = capsys.readouterr().out
    assert "softmax on 500 tfrecord examples" in out and last_accuracy(out) > 0.3
