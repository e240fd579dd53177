"""decode_raw and decode_csv: shapes, dtypes, errors, the vectorized path == the per-line path."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from record_format.csvdecode import decode_csv, parse_decimal
from record_format.decode import decode_raw
from record_format.errors import InvalidArgumentError


def test_decode_raw_scalar_vector_endianness_and_fixed_length():
    assert decode_raw(b"\x01\x00\x00\x00\x02\x00\x00\x00", "int32").tolist() == [1, 2]
    assert decode_raw(np.array([b"ab", b"cd"], dtype=object), np.uint8).shape == (2, 2)
    assert decode_raw(b"\x00\x01", "uint16", little_endian=False).tolist() == [1]
    assert decode_raw([b"\x01", b"\x02\x03\x04"], "uint8", fixed_length=2).tolist() == [
        [1, 0],
        [2, 3],
    ]
    out = decode_raw(b"\x00" * 8, "float64")
    out[0] = 1.0  # writable, like a fresh tensor
    assert out.dtype == np.float64


def test_decode_raw_errors_say_sizes():
    with pytest.raises(InvalidArgumentError, match="length 3 that is not a multiple of 4"):
        decode_raw(b"abc", "float32")
    with pytest.raises(InvalidArgumentError, match="element 1 has size 3 != 2"):
        decode_raw([b"ab", b"abc"], "uint8")


DEFAULTS = [[0.0], [0], [""], np.float64(1.5), np.int64(7)]


@st.composite
def csv_lines(draw):
    n = draw(st.integers(2, 30))
    lines = []
    for _ in range(n):
        f = draw(
            st.one_of(
                st.floats(-1e6, 1e6, allow_nan=False).map(
                    lambda v: f"{v:.{draw(st.integers(0, 8))}f}"
                ),
                st.just(""),
                st.integers(-(10**6), 10**6).map(str),
            )
        )
        i = draw(st.one_of(st.integers(-(2**31), 2**31 - 1).map(str), st.just("")))
        s = draw(st.one_of(st.text("abc xyz", max_size=4), st.just('"q,uo""te"')))
        d = draw(st.one_of(st.floats(-1e3, 1e3, allow_nan=False).map(repr), st.just("")))
        j = draw(st.one_of(st.integers(-(2**62), 2**62).map(str), st.just("")))
        lines.append(",".join([f, i, s, d, j]).encode())
    return lines


@given(csv_lines())
@example([b",0,,0.0,0", b",,,,"])  # a numeric column empty in every line
def test_vector_form_equals_line_by_line(lines):
    batch = decode_csv(lines, DEFAULTS)
    for r, line in enumerate(lines):
        one = decode_csv(line, DEFAULTS)
        for col, v in zip(batch, one):
            assert col[r] == v and col.dtype == np.asarray(v, dtype=col.dtype).dtype
    assert [c.dtype for c in batch] == [np.float32, np.int32, object, np.float64, np.int64]


@given(
    st.lists(
        st.decimals(-(10**9), 10**9, places=6, allow_nan=False, allow_infinity=False), min_size=1
    )
)
def test_vectorized_decimals_equal_python_float(values):
    strs = np.array([str(v).encode() for v in values])
    for dtype in (np.float32, np.float64):
        got = parse_decimal(strs, np.dtype(dtype))
        if got is not None:
            assert np.array_equal(got, np.array([float(s) for s in strs], dtype=dtype))


def test_quotes_select_cols_na_value_and_scalar_leaves():
    out = decode_csv('1,"a,""b",NA', [[0], [""], [2.5]], na_value="NA")
    assert out[0] == 1 and isinstance(out[0], np.int32)
    assert out[1] == b'a,"b' and out[2] == np.float32(2.5)
    assert [
        c.tolist() for c in decode_csv([b"1,x,3", b"4,y,6"], [[0], [0]], select_cols=[0, 2])
    ] == [[1, 4], [3, 6]]
    assert decode_csv(b"1;2", [[0], [0]], field_delim=";")[1] == 2


def test_csv_errors_match_tensorflow_wording():
    with pytest.raises(InvalidArgumentError, match="Expect 3 fields but have 2 in record 1"):
        decode_csv([b"1,2,3", b"1,2"], [[0]] * 3)
    with pytest.raises(InvalidArgumentError, match="Field 1 in record 0 is not a valid float: x"):
        decode_csv([b"1,x", b"2,3"], [[0.0]] * 2)
    with pytest.raises(InvalidArgumentError, match="Field 0 in record 0 is not a valid int32: 1.5"):
        decode_csv(b"1.5", [[0]])
    with pytest.raises(InvalidArgumentError, match="Field 1 is required but missing in record 1!"):
        decode_csv([b"1,2", b"1,"], [[0], np.float32])
    with pytest.raises(InvalidArgumentError, match="Quoted field has to end with quote"):
        decode_csv(b'"ab"c,1', [[""], [0]])


def test_decode_csv_matches_tensorflow(tf):
    lines = [b"1.5,2,abc,-0.25", b",7,,3", b'0.1,-3,"x,y",1e3', b"-1e-3,2147483647,z,.5"]
    defaults = [[9.0], [0], ["d"], [0.0]]
    want = tf.io.decode_csv(
        lines,
        [
            tf.constant(d, dtype=dt)
            for d, dt in zip(defaults, [tf.float32, tf.int32, tf.string, tf.float32])
        ],
    )
    got = decode_csv(lines, defaults)
    for g, w in zip(got, want):
        w = w.numpy()
        assert g.dtype == w.dtype or w.dtype == object
        assert g.tolist() == w.tolist()


def test_decode_raw_matches_tensorflow(tf):
    data = [bytes(range(i, i + 8)) for i in range(3)]
    for dtype in ("uint8", "int16", "float32", "int64", "float64"):
        want = tf.io.decode_raw(data, getattr(tf, dtype)).numpy()
        got = decode_raw(data, dtype)
        assert got.dtype == want.dtype and np.array_equal(got, want, equal_nan=True)
        want = tf.io.decode_raw(data[0], getattr(tf, dtype), little_endian=False).numpy()
        assert np.array_equal(decode_raw(data[0], dtype, little_endian=False), want, equal_nan=True)
