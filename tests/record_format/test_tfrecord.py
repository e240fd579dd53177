"""TFRecord framing: known answers, round trips, corruption detection and resynchronisation."""

from __future__ import annotations

import os
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from record_format.crc32c import crc32c, mask, masked_crc32c, unmask
from record_format.errors import DataLossError, InvalidArgumentError, NotFoundError
from record_format.multi import MultiRecordReader, tf_record_iterator
from record_format.reader import RecordReader
from record_format.tfrecord import TFRecordOptions, TFRecordWriter, encode_frame

COMPRESSIONS = ["", "GZIP", "ZLIB"]


@pytest.fixture(params=["plain", "pipelined"])
def large_mode(request, monkeypatch):
    """Runs a test twice: as is, and with every spanning record on the CRC-worker pipeline."""
    if request.param == "pipelined":
        monkeypatch.setattr(RecordReader, "pipeline_min", 1)
    return request.param


def write(path, records, options=None):
    with TFRecordWriter(str(path), options) as w:
        for r in records:
            w.write(r)
    return str(path)


def read_all(path, **kw):
    with RecordReader(path, **kw) as r:
        return list(r.records(7))


def frame_offsets(records):
    offs, o = [], 0
    for r in records:
        offs.append(o)
        o += len(r) + 16
    return offs


def test_crc32c_known_answer():
    assert crc32c(b"123456789") == 0xE3069283
    assert unmask(mask(0xE3069283)) == 0xE3069283
    assert masked_crc32c(b"123456789") == mask(0xE3069283)


def test_frame_matches_golden_bytes_encoded_by_hand():
    # 3 as uint64 LE | masked crc32c of those 8 bytes | b"abc" | masked crc32c(b"abc")
    golden = bytes.fromhex("0300000000000000b099490e6162636e57f121")
    assert encode_frame(b"abc") == golden
    assert struct.unpack("<I", golden[8:12])[0] == mask(crc32c(golden[:8]))
    assert struct.unpack("<I", golden[15:])[0] == mask(crc32c(b"abc"))


def test_reader_reads_golden_bytes(tmp_path):
    p = tmp_path / "g.tfrecord"
    p.write_bytes(bytes.fromhex("0300000000000000b099490e6162636e57f121") * 2)
    assert read_all(str(p)) == [b"abc", b"abc"]


@pytest.mark.parametrize("compression", COMPRESSIONS)
@given(
    records=st.lists(st.binary(max_size=300), max_size=20),
    batch=st.integers(1, 9),
    block=st.sampled_from([64, 100, 4096]),
)
def test_write_then_read_round_trips(tmp_path_factory, compression, records, batch, block):
    path = write(tmp_path_factory.mktemp("rt") / "f", records, compression)
    with RecordReader(path, compression, block_size=block) as r:
        got = []
        while chunk := r.read_batch(batch):
            assert len(chunk) <= batch
            got.extend(chunk)
    assert got == records


@pytest.mark.parametrize("compression", COMPRESSIONS)
def test_options_object_and_iterator_forms(tmp_path, compression):
    recs = [b"x" * i for i in range(50)]
    path = write(tmp_path / "f", recs, TFRecordOptions(compression_type=compression))
    assert list(tf_record_iterator(path, TFRecordOptions(compression))) == recs
    assert list(RecordReader(path, compression)) == recs


def test_large_records_round_trip_with_small_blocks(tmp_path, large_mode):
    recs = [os.urandom(3000), b"", os.urandom(70_000), b"tail"]
    path = write(tmp_path / "big", recs)
    assert read_all(path, block_size=1024) == recs


def test_tell_and_seek_resume_exactly(tmp_path):
    recs = [bytes([i]) * i for i in range(30)]
    path = write(tmp_path / "f", recs)
    r = RecordReader(path, block_size=64)
    head = r.read_batch(11)
    pos = r.tell()
    assert pos == frame_offsets(recs)[11]
    r2 = RecordReader(path, offset=pos)
    assert head + r2.read_batch(100) == recs
    r.seek(0)
    assert r.read_batch(100) == recs


def test_seek_in_gzip_file_reinflates(tmp_path):
    recs = [bytes([i]) * i for i in range(30)]
    path = write(tmp_path / "f", recs, "GZIP")
    r = RecordReader(path, "GZIP")
    r.read_batch(20)
    r.seek(frame_offsets(recs)[5])
    assert r.read_batch(100) == recs[5:]
    r.seek(frame_offsets(recs)[25])
    assert r.read_batch(100) == recs[25:]


def test_multi_file_reader_crosses_files_and_seeks(tmp_path):
    a = write(tmp_path / "a", [b"1", b"2"])
    b = write(tmp_path / "b", [])
    c = write(tmp_path / "c", [b"3", b"4"])
    r = MultiRecordReader([a, b, c])
    assert r.read_batch(3) == [b"1", b"2", b"3"]
    pos = r.tell()
    assert r.read_batch(5) == [b"4"]
    r.seek(pos)
    assert list(r) == [b"4"]
    r.seek((0, 17))
    assert r.read_batch(10) == [b"2", b"3", b"4"]


def test_missing_file_is_not_found(tmp_path):
    with pytest.raises(NotFoundError, match=r"nope\.tfrecord: no such file"):
        RecordReader(str(tmp_path / "nope.tfrecord"))
    with pytest.raises(NotFoundError, match="no such directory"):
        TFRecordWriter(str(tmp_path / "no" / "dir" / "x"))


def test_bad_compression_type_is_rejected(tmp_path):
    with pytest.raises(InvalidArgumentError, match=r"compression type must be .*got 'BZ2'"):
        TFRecordWriter(str(tmp_path / "x"), "BZ2")


def test_data_crc_error_names_file_offset_and_both_crcs(tmp_path):
    recs = [b"a" * 10, b"b" * 10, b"c" * 10]
    path = write(tmp_path / "train.tfrecord", recs)
    raw = bytearray(open(path, "rb").read())
    raw[26 + 12 + 3] ^= 0x01  # a data byte of record 1 (starts at byte 26)
    open(path, "wb").write(raw)
    stored = struct.unpack_from("<I", raw, 26 + 12 + 10)[0]
    computed = masked_crc32c(bytes(raw[38:48]))
    msg = (
        rf"train\.tfrecord: corrupted record at byte 26 \(data CRC mismatch: stored "
        rf"0x{stored:08x}, computed 0x{computed:08x}\); use \.ignore_errors\(\) to skip"
    )
    r = RecordReader(path)
    assert r.read_batch(1) == [b"a" * 10]
    with pytest.raises(DataLossError, match=msg) as info:
        r.read_batch(100)
    assert (info.value.path, info.value.offset) == (path, 26)
    assert isinstance(info.value, OSError)


def test_length_crc_error_is_reported(tmp_path):
    path = write(tmp_path / "f", [b"abc"])
    raw = bytearray(open(path, "rb").read())
    raw[0] = 4
    open(path, "wb").write(raw)
    with pytest.raises(
        DataLossError, match=r"at byte 0 \(length CRC mismatch: stored 0x[0-9a-f]{8}"
    ):
        read_all(path)


def test_truncated_header_is_an_error_not_the_end(tmp_path):
    path = write(tmp_path / "f", [b"abc", b"def"])
    raw = open(path, "rb").read()
    open(path, "wb").write(raw[: 19 + 5])
    with pytest.raises(DataLossError, match=r"at byte 19 \(truncated record header: 5 of 12"):
        read_all(path)


SMALL = [b"", b"q", b"hello world", bytes(range(40))]


@pytest.mark.parametrize("batch", [1, 64])  # the per-frame and the vectorized CRC paths
def test_every_single_bit_flip_is_detected(tmp_path, batch, large_mode):
    path = write(tmp_path / "f", SMALL)
    raw = open(path, "rb").read()
    fd = os.open(path, os.O_WRONLY)
    try:
        for bit in range(len(raw) * 8):
            i = bit // 8
            os.pwrite(fd, bytes([raw[i] ^ (1 << (bit % 8))]), i)  # flip in place
            got = []
            with pytest.raises(DataLossError):
                with RecordReader(path, block_size=64) as r:
                    while chunk := r.read_batch(batch):
                        got.extend(chunk)
            # Only intact records before the damage are ever returned.
            assert got == SMALL[: len(got)]
            os.pwrite(fd, raw[i : i + 1], i)
    finally:
        os.close(fd)


@pytest.mark.parametrize("batch", [1, 64])
def test_every_truncation_is_detected(tmp_path, batch, large_mode):
    raw = open(write(tmp_path / "f", SMALL), "rb").read()
    boundaries = {o: i for i, o in enumerate(frame_offsets(SMALL))}
    cut = tmp_path / "cut"
    for n in range(len(raw)):
        cut.write_bytes(raw[:n])
        if n in boundaries:  # a cut between records is a shorter valid file
            assert read_all(str(cut)) == SMALL[: boundaries[n]]
            continue
        got = []
        with pytest.raises(DataLossError):
            with RecordReader(str(cut), block_size=64) as r:
                while chunk := r.read_batch(batch):
                    got.extend(chunk)
        assert got == SMALL[: len(got)]


@pytest.mark.parametrize("compression", ["GZIP", "ZLIB"])
def test_truncated_or_garbled_compressed_file_is_data_loss(tmp_path, compression):
    recs = [os.urandom(200) for _ in range(20)]
    raw = open(write(tmp_path / "f", recs, compression), "rb").read()
    bad = tmp_path / "bad"
    for cut in (5, len(raw) // 2, len(raw) - 3):
        bad.write_bytes(raw[:cut])
        with pytest.raises(DataLossError, match=f"corrupted {compression} stream|corrupted record"):
            read_all(str(bad), compression_type=compression)
    garbled = bytearray(raw)
    garbled[len(raw) // 2] ^= 0xFF
    bad.write_bytes(garbled)
    with pytest.raises(DataLossError):
        read_all(str(bad), compression_type=compression)


@given(
    records=st.lists(st.binary(min_size=1, max_size=200), min_size=1, max_size=12),
    data=st.data(),
    batch=st.sampled_from([1, 3, 50]),
)
def test_skip_mode_resyncs_and_loses_only_the_damaged_record(
    tmp_path_factory, records, data, batch
):
    path = write(tmp_path_factory.mktemp("skip") / "f", records)
    raw = bytearray(open(path, "rb").read())
    victim = data.draw(st.integers(0, len(records) - 1))
    start = frame_offsets(records)[victim]
    size = len(records[victim]) + 16
    lo = data.draw(st.integers(start, start + size - 1))
    hi = data.draw(st.integers(lo + 1, start + size))
    for i in range(lo, hi):
        raw[i] ^= 0xA5
    open(path, "wb").write(raw)
    with RecordReader(
        path, skip_corrupt=True, block_size=data.draw(st.sampled_from([64, 4096]))
    ) as r:
        got = list(r.records(batch))
        assert got == records[:victim] + records[victim + 1 :]
        assert r.skipped_records == 1
        assert r.corruptions[0].offset == start
        assert r.skipped_bytes == size


def test_skip_mode_counts_a_truncated_tail(tmp_path):
    recs = [b"a" * 30, b"b" * 30]
    raw = open(write(tmp_path / "f", recs), "rb").read()
    (tmp_path / "cut").write_bytes(raw[:-10])
    with RecordReader(str(tmp_path / "cut"), skip_corrupt=True) as r:
        assert list(r) == [b"a" * 30]
        assert [c.offset for c in r.corruptions] == [46]
        assert "truncated" in r.corruptions[0].reason
        assert r.skipped_bytes == 36


def test_skip_mode_over_garbage_between_records(tmp_path, large_mode):
    recs = [b"first", b"second", b"third"]
    raw = open(write(tmp_path / "f", recs), "rb").read()
    cut = frame_offsets(recs)[1]
    (tmp_path / "g").write_bytes(raw[:cut] + os.urandom(777) + raw[cut:])
    r = MultiRecordReader(
        [str(tmp_path / "g"), write(tmp_path / "h", [b"next file"])], skip_corrupt=True
    )
    assert list(r) == recs + [b"next file"]
    assert [(c.offset, c.skipped_bytes) for c in r.corruptions] == [(cut, 777)]


def test_verify_crc_false_skips_the_check(tmp_path):
    path = write(tmp_path / "f", [b"abc"])
    raw = bytearray(open(path, "rb").read())
    raw[-1] ^= 0xFF
    open(path, "wb").write(raw)
    assert read_all(path, verify_crc=False) == [b"abc"]


def test_writer_flush_makes_records_readable_and_close_is_idempotent(tmp_path):
    for compression in COMPRESSIONS:
        path = str(tmp_path / f"f{compression}")
        w = TFRecordWriter(path, compression)
        w.write(b"one")
        w.flush()
        if not compression:
            assert read_all(path) == [b"one"]
        w.write("two")
        w.close()
        w.close()
        assert read_all(path, compression_type=compression) == [b"one", b"two"]


def test_pipelined_large_records_report_damage_and_resync(tmp_path, monkeypatch):
    monkeypatch.setattr(RecordReader, "pipeline_min", 1000)
    recs = [bytes([i]) * (3000 + i) for i in range(6)]
    path = write(tmp_path / "big", recs)
    offsets = frame_offsets(recs)
    raw = bytearray(open(path, "rb").read())
    raw[offsets[2] + 100] ^= 1
    raw[offsets[4] + 20] ^= 1
    open(path, "wb").write(raw)
    r = RecordReader(path, block_size=1024)
    assert r.read_batch(2) == recs[:2]
    with pytest.raises(DataLossError, match=rf"at byte {offsets[2]} \(data CRC mismatch"):
        r.read_batch(1)
    with RecordReader(path, block_size=1024, skip_corrupt=True) as r:
        assert list(r.records(1)) == [recs[i] for i in (0, 1, 3, 5)]
        assert [c.offset for c in r.corruptions] == [offsets[2], offsets[4]]
    r = RecordReader(path, block_size=1024)
    assert r.read_batch(1) == recs[:1]
    r.seek(offsets[3])  # a record read ahead is dropped on seek
    assert r.read_batch(1) == [recs[3]]
    assert r.tell() == offsets[4]


@pytest.mark.parametrize("batch", [3, 50])
def test_data_loss_error_carries_the_intact_records_and_the_reader_stays_put(tmp_path, batch):
    recs = [bytes([i]) * 20 for i in range(10)]
    path = write(tmp_path / "f", recs)
    raw = bytearray(open(path, "rb").read())
    bad = frame_offsets(recs)[4]
    raw[bad + 15] ^= 1
    open(path, "wb").write(raw)
    r = RecordReader(path)
    got = r.read_batch(2)
    with pytest.raises(DataLossError) as info:
        while True:
            got += r.read_batch(batch)
    got += info.value.records
    assert got == recs[:4] and r.tell() == bad
    r.skip_corrupt = True
    assert r.read_batch(100) == recs[5:]


def test_writer_after_close_and_option_forms(tmp_path):
    from record_format.errors import FailedPreconditionError

    w = TFRecordWriter(str(tmp_path / "f"), TFRecordOptions(2))  # TF1's enum value: GZIP
    assert w.compression_type == "GZIP"
    w.close()
    with pytest.raises(FailedPreconditionError, match="writer is closed"):
        w.write(b"x")
    assert TFRecordOptions.get_compression_type_string("zlib") == "ZLIB"
    fast = TFRecordOptions("ZLIB", compression_level=1)
    path = write(tmp_path / "g", [b"abc" * 100] * 10, fast)
    assert read_all(path, compression_type="ZLIB") == [b"abc" * 100] * 10
