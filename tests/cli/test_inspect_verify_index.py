"""`dataflowio inspect`, `verify` and `index` on converted MNIST records."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dataflowio.cli.main import main
from dataflowio.datasets.tfrecords import shard_paths
from tests.cli.conftest import SUBSET


def record_offsets(path) -> list[int]:
    """Reference: the start offset of every record, by walking the framing with RecordReader."""
    from record_format.reader import RecordReader

    out = []
    with RecordReader(path) as r:
        while True:
            pos = r.tell()
            if not r.read_batch(1):
                return out
            out.append(pos)


def test_inspect_shows_count_schema_and_first_records(subset_records, capsys):
    path = shard_paths(subset_records, "train")[0]
    assert main(["inspect", path, "--records", "1"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"{path}: {SUBSET // 2} records"
    assert out[1].split() == ["feature", "kind", "values", "per", "record"]
    rows = {line.split()[0]: line.split()[1:] for line in out[2:7]}
    assert rows == {"depth": ["int64", "1"], "height": ["int64", "1"],
                    "image_raw": ["bytes", "1", "(784", "bytes)"],
                    "label": ["int64", "1"], "width": ["int64", "1"]}
    assert out[7] == "record 0:"
    assert "  label      int64  [5]" in out and any("(784 bytes)" in line for line in out)
    assert "record 1:" not in out


def test_inspect_reports_varying_lengths(tmp_path, capsys):
    (tmp_path / "v.csv").write_text("a,b\n1,x\n,y\n")
    assert main(["convert", str(tmp_path / "v.csv"), str(tmp_path / "v.tfrecord"), "-q"]) == 0
    assert main(["inspect", str(tmp_path / "v.tfrecord"), "-n", "0"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith(": 2 records") and lines[2].split() == ["a", "int64", "0-1"]


def test_verify_passes_intact_files(subset_records, capsys):
    files = shard_paths(subset_records, "train") + shard_paths(subset_records, "test")
    assert main(["verify", *files]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [f"{f}: OK, {SUBSET // 2} records" for f in files]


def test_verify_reports_every_corrupt_record_with_its_offset(subset_records, tmp_path, capsys):
    src = shard_paths(subset_records, "train")[0]
    bad = tmp_path / "bad.tfrecord"
    shutil.copy(src, bad)
    offsets = record_offsets(bad)
    blob = bytearray(bad.read_bytes())
    blob[offsets[10] + 40] ^= 0x01  # inside record 10's data: data CRC mismatch
    blob[offsets[500] + 3] ^= 0x80  # inside record 500's length: length CRC mismatch
    bad.write_bytes(bytes(blob))
    assert main(["verify", str(bad), src]) == 1
    out = capsys.readouterr().out
    assert f"{bad}: corrupt record at byte {offsets[10]}: data CRC mismatch" in out
    assert f"{bad}: corrupt record at byte {offsets[500]}: length CRC mismatch" in out
    assert f"{bad}: CORRUPT: 2 damaged region(s), {SUBSET // 2 - 2} intact records" in out
    assert f"{src}: OK, {SUBSET // 2} records" in out and "1 of 2 files have problems" in out


def test_verify_truncated_and_missing_files_fail(subset_records, tmp_path, capsys):
    src = shard_paths(subset_records, "test")[1]
    cut = tmp_path / "cut.tfrecord"
    data = Path(src).read_bytes()
    cut.write_bytes(data[: len(data) - 100])
    assert main(["verify", str(cut)]) == 1
    assert "truncated record" in capsys.readouterr().out
    assert main(["verify", str(tmp_path / "nope.tfrecord")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("dataflowio: error: ") and "nope.tfrecord" in err


def test_index_matches_record_offsets(subset_records, tmp_path, capsys):
    from record_format import index as rindex

    src = shard_paths(subset_records, "test")[0]
    copy = tmp_path / "c.tfrecord"
    shutil.copy(src, copy)
    assert main(["index", str(copy)]) == 0
    assert capsys.readouterr().out.strip() == f"{copy}.index: {SUBSET // 2} records"
    assert list(rindex.read_index(f"{copy}.index")) == record_offsets(copy)
    assert list(rindex.read_index(f"{copy}.index")) == list(rindex.build_index(str(copy)))


def test_convert_index_option_writes_the_same_index(mnist_dir, tmp_path):
    from record_format import index as rindex

    assert main(["convert", str(mnist_dir), str(tmp_path), "--limit", "100", "--index", "-q"]) == 0
    for f in shard_paths(tmp_path, "train") + shard_paths(tmp_path, "test"):
        if f.endswith(".index"):
            continue
        assert list(rindex.read_index(f + ".index")) == record_offsets(f)


@pytest.mark.parametrize("command", ["convert", "inspect", "verify", "index", "train-mnist", "bench"])
def test_every_command_has_help_with_examples(command, capsys):
    assert main([command, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: dataflowio {command}") and "examples:\n  dataflowio" in out


def test_top_level_help_and_usage_errors(capsys):
    assert main(["--help"]) == 0
    assert "train-mnist" in capsys.readouterr().out
    assert main([]) == 2
    assert main(["frobnicate"]) == 2
    assert "invalid choice" in capsys.readouterr().err
    assert main(["inspect", "x", "--records", "-1"]) == 2
