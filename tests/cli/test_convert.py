"""`dataflowio convert`: every source kind, shards, compression, the reverse, atomicity."""

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dataflowio.cli.main import main
from dataflowio.datasets import features
from dataflowio.datasets.atomic import leftover_temporaries
from dataflowio.datasets.schema import parse_schema
from dataflowio.datasets.tfrecords import iter_records, shard_paths
from tests.cli.conftest import SUBSET, subprocess_env

MNIST_SCHEMA = parse_schema("image_raw:uint8[28,28],label:int64,height:int64,width:int64,depth:int64")


def decoded(path):
    return [features.decode_example(r) for r in iter_records([str(path)])]


def read_back_with_dataset(files, compression=None):
    """Reads MNIST records with TFRecordDataset + batched parse_example + decode_raw."""
    import dataflowio as tf

    spec = {"image_raw": tf.io.FixedLenFeature([], tf.string),
            "label": tf.io.FixedLenFeature([], tf.int64)}

    def parse(serialized):
        f = tf.io.parse_example(serialized, spec)
        return tf.reshape(tf.io.decode_raw(f["image_raw"], tf.uint8), [-1, 28, 28]), f["label"]

    ds = tf.data.TFRecordDataset(files, compression_type=compression).batch(5000).map(parse)
    xs, ys = zip(*ds.as_numpy_iterator())
    return np.concatenate(xs), np.concatenate(ys)


def test_mnist_subset_reads_back_equal_through_tfrecord_dataset(subset_records, mnist_arrays):
    (x, y), (xt, yt) = mnist_arrays
    train = shard_paths(subset_records, "train")
    assert [os.path.basename(p) for p in train] == ["train-00000-of-00002.tfrecord",
                                                     "train-00001-of-00002.tfrecord"]
    got_x, got_y = read_back_with_dataset(train)
    assert np.array_equal(got_x, x[:SUBSET]) and np.array_equal(got_y, y[:SUBSET])
    got_xt, got_yt = read_back_with_dataset(shard_paths(subset_records, "test"))
    assert np.array_equal(got_xt, xt[:SUBSET]) and np.array_equal(got_yt, yt[:SUBSET])


def test_first_record_has_tensorflow_convert_to_records_layout(subset_records, mnist_arrays):
    first = decoded(shard_paths(subset_records, "train")[0])[0]
    assert first["height"] == ("int64", [28]) and first["width"] == ("int64", [28])
    assert first["depth"] == ("int64", [1]) and first["label"] == ("int64", [5])
    assert first["image_raw"] == ("bytes", [mnist_arrays[0][0][0].tobytes()])


def test_tensorflow_reads_the_converted_records(subset_records, mnist_arrays, mnist_dir, tmp_path, tf):
    spec = {"image_raw": tf.io.FixedLenFeature([], tf.string),
            "label": tf.io.FixedLenFeature([], tf.int64)}

    def parse(serialized):
        f = tf.io.parse_example(serialized, spec)
        return tf.reshape(tf.io.decode_raw(f["image_raw"], tf.uint8), [-1, 28, 28]), f["label"]

    files = shard_paths(subset_records, "train")
    ds = tf.data.TFRecordDataset(files).batch(1000).map(parse)
    xs, ys = zip(*ds.as_numpy_iterator())
    (x, y), _ = mnist_arrays
    assert np.array_equal(np.concatenate(xs), x[:SUBSET]) and np.array_equal(np.concatenate(ys), y[:SUBSET])
    for compression in ("GZIP", "ZLIB"):
        out = tmp_path / compression
        assert main(["convert", str(mnist_dir), str(out), "--limit", "300", "--shards", "2",
                     "--compression", compression, "-q"]) == 0
        ds = tf.data.TFRecordDataset(shard_paths(out, "test"), compression_type=compression)
        xs, ys = zip(*ds.batch(100).map(parse).as_numpy_iterator())
        assert np.array_equal(np.concatenate(ys), mnist_arrays[1][1][:300])


@pytest.mark.timeout(60)
def test_full_mnist_round_trip_under_30_seconds(mnist_dir, tmp_path, mnist_arrays):
    t0 = time.perf_counter()
    assert main(["convert", str(mnist_dir), str(tmp_path / "full"), "--shards", "4", "-q"]) == 0
    (x, y), (xt, yt) = mnist_arrays
    got_x, got_y = read_back_with_dataset(shard_paths(tmp_path / "full", "train"))
    got_xt, got_yt = read_back_with_dataset(shard_paths(tmp_path / "full", "test"))
    elapsed = time.perf_counter() - t0
    assert np.array_equal(got_x, x) and np.array_equal(got_y, y)
    assert np.array_equal(got_xt, xt) and np.array_equal(got_yt, yt)
    assert elapsed < 30, f"full MNIST convert + read back took {elapsed:.1f} s"


@pytest.mark.parametrize("compression,suffix", [("GZIP", ".tfrecord.gz"), ("ZLIB", ".tfrecord.zz")])
def test_compressed_shards_read_back(mnist_dir, tmp_path, mnist_arrays, compression, suffix):
    assert main(["convert", str(mnist_dir), str(tmp_path), "--limit", "300", "--shards", "3",
                 "--compression", compression.lower(), "-q"]) == 0
    files = shard_paths(tmp_path, "train")
    assert len(files) == 3 and all(f.endswith(suffix) for f in files)
    got_x, got_y = read_back_with_dataset(files, compression)
    assert np.array_equal(got_y, mnist_arrays[0][1][:300]) and got_x.shape == (300, 28, 28)


def test_shards_are_contiguous_and_balanced(mnist_dir, tmp_path):
    assert main(["convert", str(mnist_dir), str(tmp_path), "--limit", "10", "--shards", "4", "-q"]) == 0
    counts = [len(decoded(p)) for p in shard_paths(tmp_path, "test")]
    assert counts == [2, 3, 2, 3]


def test_reverse_to_npz_with_schema_and_inferred(subset_records, tmp_path, mnist_arrays, capsys):
    out = tmp_path / "test.npz"
    assert main(["convert", str(subset_records), str(out), "--split", "test",
                 "--schema", "image_raw:uint8[28,28],label:int64"]) == 0
    assert "wrote" in capsys.readouterr().out
    with np.load(out) as z:
        assert sorted(z.files) == ["image_raw", "label"]
        assert np.array_equal(z["image_raw"], mnist_arrays[1][0][:SUBSET])
        assert np.array_equal(z["label"], mnist_arrays[1][1][:SUBSET])
    first = shard_paths(subset_records, "train")[0]
    assert main(["convert", first, str(tmp_path / "inferred.npz"), "-q"]) == 0
    with np.load(tmp_path / "inferred.npz") as z:
        assert z["image_raw"].dtype == np.dtype("S784") and z["label"].dtype == np.int64
        assert z["image_raw"][:1].view(np.uint8).tolist() == mnist_arrays[0][0][0].reshape(-1).tolist()


@settings(max_examples=15, deadline=None)
@given(n=st.integers(0, 6), width=st.integers(1, 4), seed=st.integers(0, 2**16))
def test_npz_round_trip_matches_the_arrays(tmp_path_factory, n, width, seed):
    rng = np.random.default_rng(seed)
    arrays = {"i": rng.integers(-2**40, 2**40, (n, width)), "f": rng.standard_normal((n,)).astype(np.float32),
              "img": rng.integers(0, 256, (n, 2, width), dtype=np.uint8),
              "s": np.array([b"x" * int(k + 1) for k in range(n)], dtype="S8").reshape(n)}
    d = tmp_path_factory.mktemp("npz")
    np.savez(d / "a.npz", **arrays)
    assert main(["convert", str(d / "a.npz"), str(d / "a.tfrecord"), "-q"]) == 0
    recs = decoded(d / "a.tfrecord")
    assert len(recs) == n
    if n == 0:
        return
    assert main(["convert", str(d / "a.tfrecord"), str(d / "b.npz"), "-q", "--schema",
                 f"i:int64[{width}],f:float32,img:uint8[2,{width}],s:bytes"]) == 0
    with np.load(d / "b.npz") as z:
        assert np.array_equal(z["i"], arrays["i"]) and np.array_equal(z["f"], arrays["f"])
        assert np.array_equal(z["img"], arrays["img"]) and z["s"].tolist() == arrays["s"].tolist()


def test_image_folder_labels_follow_sorted_class_names(tmp_path):
    from PIL import Image

    src = tmp_path / "photos"
    for cls, color, fmt in (("zebra", (0, 0, 0), "PNG"), ("ant", (255, 0, 0), "JPEG"),
                            ("mole", (0, 255, 0), "PNG")):
        (src / cls).mkdir(parents=True)
        for i in range(2):
            Image.new("RGB", (4 + i, 3), color).save(src / cls / f"{i}.{'png' if fmt == 'PNG' else 'jpg'}", fmt)
    (src / "ant" / "notes.txt").write_text("not an image")
    assert main(["convert", str(src), str(tmp_path / "out"), "-q"]) == 0
    recs = decoded(tmp_path / "out" / "photos-00000-of-00001.tfrecord")
    got = [(r["image/class/text"][1][0], r["image/class/label"][1][0], r["image/format"][1][0],
            r["image/width"][1][0]) for r in recs]
    assert got == [(b"ant", 0, b"jpeg", 4), (b"ant", 0, b"jpeg", 5), (b"mole", 1, b"png", 4),
                   (b"mole", 1, b"png", 5), (b"zebra", 2, b"png", 4), (b"zebra", 2, b"png", 5)]
    assert recs[2]["image/encoded"][1][0] == (src / "mole" / "0.png").read_bytes()


def test_csv_types_are_inferred_or_given(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("id,price,name,code\n1,2.5,apple,7\n2,,pear,8\n3,4,,09\n")
    assert main(["convert", str(p), str(tmp_path / "a.tfrecord"), "-q"]) == 0
    recs = decoded(tmp_path / "a.tfrecord")
    assert recs[0] == {"id": ("int64", [1]), "price": ("float", [2.5]), "name": ("bytes", [b"apple"]),
                       "code": ("int64", [7])}
    assert recs[1]["price"] in (("float", []), ("none", []))
    assert main(["convert", str(p), str(tmp_path / "b.tfrecord"), "-q", "--schema", "code:bytes"]) == 0
    assert decoded(tmp_path / "b.tfrecord")[2]["code"] == ("bytes", [b"09"])


def test_text_lines_become_text_features(tmp_path):
    p = tmp_path / "lines.txt"
    p.write_bytes(b"first\r\nsecond\n\nlast")
    assert main(["convert", str(p), str(tmp_path / "o"), "-q"]) == 0
    recs = decoded(tmp_path / "o" / "lines-00000-of-00001.tfrecord")
    assert [r["text"][1][0] for r in recs] == [b"first", b"second", b"", b"last"]


def test_an_error_midway_leaves_no_output(mnist_dir, tmp_path, monkeypatch, capsys):
    from record_format import tfrecord

    real_write, calls = tfrecord.TFRecordWriter.write, []

    def failing_write(self, record):
        calls.append(1)
        if len(calls) == 1500:
            raise KeyboardInterrupt
        real_write(self, record)

    monkeypatch.setattr(tfrecord.TFRecordWriter, "write", failing_write)
    out = tmp_path / "out"
    assert main(["convert", str(mnist_dir), str(out), "--limit", "1000", "--shards", "3", "-q"]) == 130
    assert not out.exists()
    assert "interrupted" in capsys.readouterr().err
    (tmp_path / "keep").mkdir()
    calls.clear()
    assert main(["convert", str(mnist_dir), str(tmp_path / "keep"), "--limit", "1000", "-q"]) == 130
    assert os.listdir(tmp_path / "keep") == []


@pytest.mark.timeout(60)
def test_sigint_to_a_running_conversion_leaves_no_partial_file(mnist_dir, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    proc = subprocess.Popen([sys.executable, "-m", "dataflowio.cli.main", "convert", str(mnist_dir),
                             str(out), "--shards", "2", "-q"], env=subprocess_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and proc.poll() is None:
        tmps = leftover_temporaries(out)
        if tmps and os.path.getsize(out / tmps[0]) > 100_000:
            break
        time.sleep(0.01)
    assert proc.poll() is None, "the conversion finished before it could be interrupted"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert os.listdir(out) == [], os.listdir(out)
    assert b"dataflowio: interrupted" in err and b"Traceback" not in err


def test_usage_and_data_errors_exit_2_and_1(tmp_path, capsys):
    assert main(["convert"]) == 2
    assert main(["convert", "a", "b", "--shards", "0"]) == 2
    assert main(["convert", "a", "b", "--bogus"]) == 2
    capsys.readouterr()
    assert main(["convert", str(tmp_path / "missing.csv"), str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("dataflowio: error: ") and "missing.csv" in err and "\n" not in err
    (tmp_path / "x.csv").write_text("a\n1\n")
    assert main(["convert", str(tmp_path / "x.csv"), str(tmp_path / "o.npz")]) == 2
    assert main(["convert", str(tmp_path / "x.csv"), str(tmp_path / "o"), "--schema", "a:complex"]) == 2
    assert "unknown type 'complex'" in capsys.readouterr().err
    (tmp_path / "bad.csv").write_text("a,b\n1,2\n3\n")
    assert main(["convert", str(tmp_path / "bad.csv"), str(tmp_path / "o")]) == 1
    assert "line 3 has 1 fields, the header has 2" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_progress_bar_goes_to_stderr_only_when_asked(mnist_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATAFLOWIO_PROGRESS", "1")
    assert main(["convert", str(mnist_dir), str(tmp_path / "p"), "--limit", "50"]) == 0
    cap = capsys.readouterr()
    assert "records" in cap.err and "it/s" not in cap.out and "wrote" in cap.out
    monkeypatch.setenv("DATAFLOWIO_PROGRESS", "0")
    assert main(["convert", str(mnist_dir), str(tmp_path / "q"), "--limit", "50"]) == 0
    assert capsys.readouterr().err == ""


def test_csv_module_reference_agrees_on_quoted_fields(tmp_path):
    rows = [["q", "n"], ['a,"b"', "1"], ["line\nbreak", "2"]]
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    (tmp_path / "q.csv").write_text(buf.getvalue())
    assert main(["convert", str(tmp_path / "q.csv"), str(tmp_path / "q.tfrecord"), "-q"]) == 0
    got = [(r["q"][1][0].decode(), r["n"][1][0]) for r in decoded(tmp_path / "q.tfrecord")]
    assert got == [('a,"b"', 1), ("line\nbreak", 2)]


def test_tfrecord_source_needs_an_npz_destination(subset_records, tmp_path, capsys):
    src = shard_paths(subset_records, "test")[0]
    assert main(["convert", src, str(tmp_path / "again")]) == 2
    assert "holds TFRecords: they convert to .npz only" in capsys.readouterr().err
    assert main(["convert", str(subset_records), str(tmp_path / "again")]) == 2


def test_image_folder_shuffle_is_seeded_and_sharded(tmp_path):
    from PIL import Image

    src = tmp_path / "imgs"
    for cls in ("a", "b"):
        (src / cls).mkdir(parents=True)
        for i in range(5):
            Image.new("L", (2, 2), i * 20).save(src / cls / f"{i}.png")
    names = []
    for run in ("r1", "r2"):
        assert main(["convert", str(src), str(tmp_path / run), "--shards", "2", "--shuffle-seed", "7",
                     "-q"]) == 0
        recs = [r for p in shard_paths(tmp_path / run, "imgs") for r in decoded(p)]
        names.append([(r["image/class/text"][1][0], r["image/filename"][1][0]) for r in recs])
    assert names[0] == names[1] and len(names[0]) == 10
    assert names[0] != sorted(names[0]) and sorted(names[0]) == sorted(set(names[0]))


def test_npz_with_mismatched_record_counts_is_an_error(tmp_path, capsys):
    np.savez(tmp_path / "bad.npz", a=np.zeros(3), b=np.zeros(4))
    assert main(["convert", str(tmp_path / "bad.npz"), str(tmp_path / "o")]) == 1
    assert "every array needs the same first dimension" in capsys.readouterr().err


def test_converting_again_with_other_shards_is_refused(mnist_dir, tmp_path, capsys):
    argv = ["convert", str(mnist_dir), str(tmp_path), "--limit", "20", "-q"]
    assert main([*argv, "--shards", "2"]) == 0
    assert main([*argv, "--shards", "2"]) == 0  # same names: replaced atomically
    assert main([*argv, "--shards", "3"]) == 1
    err = capsys.readouterr().err
    assert "already holds 2 train shard(s) of another sharding or compression" in err
    assert len(shard_paths(tmp_path, "train")) == 2
