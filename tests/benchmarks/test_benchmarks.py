"""The benchmark code runs on tiny inputs through every engine installed and reports well-formed
results. Nothing here asserts a speed: wall-clock numbers on a shared machine are not testable."""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest

from benchmarks import harness, inputs, measure, report, run
from benchmarks.targets import TARGETS

RECORD_KEYS = {"workload", "engine", "unit", "items_per_s", "peer", "peer_items_per_s", "ratio", "target",
               "peak_rss_mb", "peer_peak_rss_mb", "met", "rounds", "peer_rounds"}


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp("bench-cache"))


@pytest.fixture(scope="module")
def results(cache) -> list[dict]:
    """Every workload once, on tiny inputs, one process per engine (peers where installed)."""
    return run.run_workloads("all", rounds=1, tiny=True, cache=cache)


def _records(path: str) -> list[bytes]:
    """A plain reference TFRecord reader (no CRC check): the payloads in order."""
    with open(path, "rb") as f:
        data = f.read()
    out, pos = [], 0
    while pos < len(data):
        (n,) = struct.unpack_from("<Q", data, pos)
        out.append(data[pos + 12 : pos + 12 + n])
        pos += 16 + n
    return out


def test_every_workload_reports_a_well_formed_record(results):
    assert [r["workload"] for r in results] == list(inputs.WORKLOADS)
    for r in results:
        assert RECORD_KEYS <= set(r), r["workload"]
        assert r["engine"] == "dataflowio" and r["unit"] == TARGETS[r["workload"]].unit
        assert json.loads(json.dumps(r)) == r  # plain JSON data


HAVE_MNIST = (inputs.MNIST_DIR / "train-images-idx3-ubyte.gz").exists()


def _expected(results: list[dict]) -> list[dict]:
    """The records that must have run: all but W6 when the MNIST files are absent."""
    return [r for r in results if HAVE_MNIST or r["workload"] != "W6"]


def test_our_engine_runs_every_workload(results):
    errors = {r["workload"]: r.get("error") for r in _expected(results) if r.get("error")}
    assert not errors, errors
    for r in _expected(results):
        assert r["items_per_s"] > 0 and r["peak_rss_mb"] > 0, r["workload"]
        assert len(r["rounds"]) == 1


def test_peers_run_where_installed(results):
    available = harness.available_engines()
    for r in _expected(results):
        peer = "dataflowio-noopt" if r["workload"] == "W7" else "tf"
        if peer in available:
            assert r.get("peer_error") is None and r["peer_items_per_s"] > 0, r["workload"]
            assert r["ratio"] == pytest.approx(r["items_per_s"] / r["peer_items_per_s"], rel=1e-2)
            assert r["met"] in (True, False)
        if r["workload"] in ("W1", "W2") and "tfrecord" in available:
            assert r["tfrecord_items_per_s"] > 0 and r["tfrecord_target"] == 1.5


@pytest.mark.skipif(not HAVE_MNIST, reason="MNIST IDX files not found (set DATAFLOWIO_MNIST)")
def test_w6_reports_both_accuracies(results):
    (w6,) = [r for r in results if r["workload"] == "W6"]
    assert 0.0 <= w6["accuracy"] <= 1.0
    if "tf" in harness.available_engines():
        assert abs(w6["accuracy"] - w6["peer_accuracy"]) <= 0.02


def test_main_prints_json_lines_then_a_table_and_a_plot(cache, tmp_path, capsys):
    png, md = tmp_path / "ratios.png", tmp_path / "RESULTS.md"
    code = run.main(["W3", "--tiny", "--rounds", "1", "--no-peers", "--cache", cache, "--quiet", "--plot", str(png),
                     "--results", str(md)])
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    rec = json.loads(out[0])
    assert rec["workload"] == "W3" and rec["peer_items_per_s"] is None and rec["ratio"] is None
    assert any(line.startswith("W3 ") for line in out[1:])
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = md.read_text()
    assert "UTC" in text and "W3 " in text and '"workload": "W3"' in text


def test_unknown_workload_is_a_usage_error(capsys):
    assert run.main(["W9"]) == 2
    assert "W9" in capsys.readouterr().err
    assert run.main(["W1", "--rounds", "0"]) == 2
    with pytest.raises(ValueError, match="unknown workload"):
        run.parse_names("W0")


def test_inputs_are_deterministic_and_valid_examples(cache, tmp_path):
    a = inputs.ensure("W1", tiny=True, root=cache)
    b = inputs.ensure("W1", tiny=True, root=tmp_path)
    assert a.read_bytes() == b.read_bytes()
    recs = _records(str(a))
    assert len(recs) == inputs.sizes(tiny=True)["W1"]
    from record_format.crc32c import masked_crc32c

    raw = a.read_bytes()
    (n,) = struct.unpack_from("<Q", raw, 0)
    assert struct.unpack_from("<I", raw, 12 + n)[0] == masked_crc32c(recs[0])


def test_examples_parse_with_protobuf_like_tensorflow_would(cache):

    ex = inputs.encode_example({"image": np.array([0.5, 1.5], np.float32), "raw": b"ab", "label": [3, -1]})
    # hand-decode: Example.features (field 1) -> map entries (field 1) of key (1) / Feature (2)
    assert ex[0] == 0x0A
    assert b"image" in ex and b"raw" in ex and b"label" in ex
    assert struct.pack("<ff", 0.5, 1.5) in ex
    assert b"\x03" + b"\xff" * 9 + b"\x01" in ex  # int64 -1 is a 10-byte varint


@pytest.mark.tf
def test_generated_records_parse_identically_in_tensorflow(tf, cache):
    path = inputs.ensure("W2", tiny=True, root=cache)
    spec = {"image": tf.io.FixedLenFeature([784], tf.float32), "label": tf.io.FixedLenFeature([], tf.int64)}
    first = next(iter(tf.data.TFRecordDataset(str(path)).map(lambda r: tf.io.parse_single_example(r, spec))))
    assert first["image"].shape == (784,) and 0 <= int(first["label"]) < 10
    assert float(first["image"].numpy().max()) <= 1.0


def test_measure_counts_elements_after_warmup_and_reads_rss():
    batches = [(np.zeros((3, 2)), np.arange(3))] * 4
    items, seconds = measure.time_batches(iter(batches), warmup=1)
    assert items == 9 and seconds >= 0
    assert measure.time_batches(iter(batches[:1]), warmup=2) == (0, 0.0)
    assert measure.peak_rss_mb() >= measure.rss_mb() * 0.5 > 0


def test_summary_judges_targets_including_the_second_peer_and_accuracy():
    w1 = report.summarize("W1", {"dataflowio": {"items_per_s": 150.0, "peak_rss_mb": 1.0},
                                 "tf": {"items_per_s": 20.0, "peak_rss_mb": 2.0},
                                 "tfrecord": {"items_per_s": 110.0}})
    assert w1["ratio"] == 7.5 and w1["tfrecord_ratio"] == pytest.approx(1.364, abs=1e-3)
    assert w1["met"] is False  # beats tf.data 7.5x but not the tfrecord package by 1.5x
    w6 = report.summarize("W6", {"dataflowio": {"items_per_s": 6.0, "accuracy": 0.90},
                                 "tf": {"items_per_s": 1.0, "accuracy": 0.92}})
    assert w6["met"] is False  # fast enough, but accuracy differs by more than 0.01


@pytest.mark.parametrize("module", ["inputs", "measure", "harness", "report", "targets", "plot", "run"])
def test_module_doctests(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(f"benchmarks.{module}"), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_profile_reports_stage_stats(cache):
    from benchmarks import profile

    text = profile.profile_workload("W3", tiny=True, cache=cache, top=5)
    assert "items/s without the profiler" in text and '"bottleneck"' in text


@pytest.mark.skipif(not HAVE_MNIST, reason="MNIST IDX files not found (set DATAFLOWIO_MNIST)")
def test_profile_reports_the_w6_step_per_kernel(cache):
    from benchmarks import profile

    w6 = profile.profile_workload("W6", tiny=True, cache=cache, top=5)
    kernels = w6[w6.index("per kernel"):]
    assert "MatMul (MatMul)" in kernels and "SparseSoftmaxCrossEntropyWithLogits" in kernels
    assert "executor (sess.run" in kernels


def test_the_hand_fused_numpy_step_trains_as_our_graph_does():
    """The NumPy floor quoted for W6 computes the same SGD as the graph it is compared with."""
    import dataflowio as tf
    from benchmarks.graph_overhead import numpy_fused_sgd, softmax_model

    rng = np.random.default_rng(3)
    x = rng.random((300, 784), dtype=np.float32)
    y = rng.integers(0, 10, 300)
    with tf.Graph().as_default():
        W, b, train_op = softmax_model(tf, *tf.data.Dataset.from_tensor_slices((x, y)).batch(100)
                                       .make_one_shot_iterator().get_next())
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for _ in range(3):
                sess.run(train_op)
            ours = sess.run([W, b])
    for a, e in zip(ours, numpy_fused_sgd(x, y, 3)):
        np.testing.assert_allclose(a, e, rtol=1e-4, atol=1e-6)
