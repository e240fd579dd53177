"""Example messages and parsing: round trips, the fast path against the protobuf path, errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from record_format.errors import InvalidArgumentError
from record_format.example import (
    BytesList,
    Example,
    Feature,
    FeatureList,
    FeatureLists,
    Features,
    FloatList,
    Int64List,
    SequenceExample,
)
from record_format.features import (
    FixedLenFeature,
    FixedLenSequenceFeature,
    SparseTensorValue,
    VarLenFeature,
)
from record_format.parse import parse_example, parse_example_proto, parse_single_example
from record_format.wire import WireError, example_pieces
from tests.record_format import wire_encode as enc

KEYS = ["a", "b", "c", "d"]
DTYPES = {1: "string", 2: "float32", 3: "int64"}
F32 = st.floats(width=32, allow_nan=False)
I64 = st.integers(-(2**63), 2**63 - 1)
SMALL_INT = st.integers(0, 127)


def values_for(kind, n):
    if kind == 1:
        return st.lists(st.binary(max_size=6), min_size=n, max_size=n)
    if kind == 2:
        return st.lists(F32, min_size=n, max_size=n)
    return st.lists(st.one_of(SMALL_INT, I64), min_size=n, max_size=n)


@st.composite
def examples(draw):
    feats = {}
    for k in draw(st.lists(st.sampled_from(KEYS), unique=True)):
        kind = draw(st.sampled_from([1, 2, 3]))
        feats[k] = (kind, draw(values_for(kind, draw(st.integers(0, 4)))))
    return feats


def to_message(feats):
    fmap = {}
    for k, (kind, vals) in feats.items():
        if kind == 1:
            fmap[k] = Feature(bytes_list=BytesList(value=vals))
        elif kind == 2:
            fmap[k] = Feature(float_list=FloatList(value=vals))
        else:
            fmap[k] = Feature(int64_list=Int64List(value=vals))
    return Example(features=Features(feature=fmap))


@given(examples())
def test_example_round_trips_through_bytes(feats):
    msg = to_message(feats)
    back = Example.FromString(msg.SerializeToString())
    assert back == msg
    for k, (kind, vals) in feats.items():
        got = getattr(
            back.features.feature[k], ["bytes_list", "float_list", "int64_list"][kind - 1]
        ).value
        if kind == 2:
            assert np.array_equal(np.float32(got), np.float32(vals))
        else:
            assert list(got) == vals


@given(examples(), st.booleans())
def test_hand_encoded_bytes_parse_like_the_message(feats, packed):
    raw = enc.example({k: (kind, vals, packed) for k, (kind, vals) in feats.items()})
    assert Example.FromString(raw) == to_message(feats)


def test_sequence_example_builds_and_round_trips():
    seq = SequenceExample(
        context=Features(feature={"len": Feature(int64_list=Int64List(value=[2]))}),
        feature_lists=FeatureLists(
            feature_list={
                "tok": FeatureList(
                    feature=[
                        Feature(bytes_list=BytesList(value=[b"a"])),
                        Feature(bytes_list=BytesList(value=[b"b"])),
                    ]
                )
            }
        ),
    )
    back = SequenceExample.FromString(seq.SerializeToString())
    assert [f.bytes_list.value[0] for f in back.feature_lists.feature_list["tok"].feature] == [
        b"a",
        b"b",
    ]


# ---- fast path == protobuf path -------------------------------------------------------------


@st.composite
def schemas(draw):
    spec = {}
    for k in draw(st.lists(st.sampled_from(KEYS), min_size=1, unique=True)):
        kind = draw(st.sampled_from([1, 2, 3]))
        dtype = DTYPES[kind]
        which = draw(st.sampled_from(["fixed", "fixed", "var", "seq"]))
        if which == "fixed":
            shape = draw(st.sampled_from([[], [1], [2], [2, 2]]))
            default = None
            if draw(st.booleans()):
                n = int(np.prod(shape))
                default = draw(values_for(kind, n))
                default = (
                    default[0]
                    if shape == []
                    else np.array(default, dtype=object if kind == 1 else None).reshape(shape)
                )
            spec[k] = FixedLenFeature(shape, dtype, default)
        elif which == "var":
            spec[k] = VarLenFeature(dtype)
        else:
            spec[k] = FixedLenSequenceFeature(draw(st.sampled_from([[], [2]])), dtype, True)
    return spec


@st.composite
def batches(draw):
    spec = draw(schemas())
    same_layout = draw(st.booleans())  # many records with one layout exercise the column path
    n = draw(st.integers(0, 40))
    records = []
    for _ in range(n):
        feats = {}
        packed = draw(st.booleans()) if not same_layout else True
        for k, s in spec.items():
            if draw(st.integers(0, 9)) == 0:
                continue  # missing
            kind = (
                3
                if draw(st.integers(0, 19)) == 0
                else next(kd for kd, name in DTYPES.items() if name == (s.dtype))
            )
            if isinstance(s, FixedLenFeature) and draw(st.integers(0, 9)):
                count = int(np.prod(s.shape))
            else:
                count = draw(st.integers(0, 4))
            vals = (
                draw(values_for(kind, count))
                if not same_layout or kind != 3
                else draw(st.lists(SMALL_INT, min_size=count, max_size=count))
            )
            feats[k] = (kind, vals, packed)
        records.append(enc.example(feats))
    return spec, records


def outputs_equal(a, b):
    assert a.keys() == b.keys()
    for k in a:
        x, y = a[k], b[k]
        if isinstance(x, SparseTensorValue):
            assert isinstance(y, SparseTensorValue)
            for u, v in zip(x, y):
                assert u.dtype == v.dtype and u.shape == v.shape
                assert np.array_equal(u, v, equal_nan=u.dtype.kind == "f")
        else:
            assert type(x) is type(y)
            assert np.shape(x) == np.shape(y) and np.asarray(x).dtype == np.asarray(y).dtype
            assert np.array_equal(x, y, equal_nan=np.asarray(x).dtype.kind == "f")


def run(fn, *args):
    try:
        return "ok", fn(*args)
    except InvalidArgumentError as e:
        return "error", str(e)


@given(batches())
def test_fast_parse_equals_protobuf_parse(batch):
    spec, records = batch
    fast, ref = run(parse_example, records, spec), run(parse_example_proto, records, spec)
    assert fast[0] == ref[0], (fast, ref)
    if fast[0] == "ok":
        outputs_equal(fast[1], ref[1])
    for r in records[:3]:
        one, ref_one = run(parse_single_example, r, spec), run(parse_example_proto, r, spec)
        assert one[0] == ref_one[0]
        if one[0] == "ok":
            outputs_equal(one[1], ref_one[1])


def test_column_path_handles_groups_mismatches_and_big_varints():
    spec = {
        "x": FixedLenFeature([2], "float32"),
        "y": FixedLenFeature([], "int64"),
        "s": FixedLenFeature([], "string"),
    }
    records = [
        enc.example(
            {
                "x": (2, [i, -i], True),
                "y": (3, [i * 1000 if i % 7 else 5], True),
                "s": (1, [b"r%02d" % i], True),
            }
        )
        for i in range(60)
    ]
    records[10] = enc.example(
        {"s": (1, [b"r10"], True), "x": (2, [10, -10], False), "y": (3, [10], False)}
    )
    got = parse_example(records, spec)
    outputs_equal(got, parse_example_proto(records, spec))
    assert got["x"][10].tolist() == [10.0, -10.0] and got["s"][59] == b"r59"


# ---- shapes, dtypes and errors ----------------------------------------------------------------

MNIST = enc.example(
    {
        "image_raw": (1, [bytes(range(10))], True),
        "label": (3, [7], True),
        "image": (2, [0.5] * 4, True),
    }
)


def test_single_example_shapes_and_element_leaves():
    out = parse_single_example(
        MNIST,
        {
            "image_raw": FixedLenFeature([], "string"),
            "label": FixedLenFeature([], np.int64),
            "image": FixedLenFeature([2, 2], "float32"),
            "v": VarLenFeature("int64"),
            "label_var": VarLenFeature("int64"),
        },
    )
    assert out["image_raw"] == bytes(range(10)) and type(out["image_raw"]) is bytes
    assert isinstance(out["label"], np.int64) and out["label"] == 7
    assert out["image"].dtype == np.float32 and out["image"].shape == (2, 2)
    assert out["v"].indices.shape == (0, 1) and out["v"].dense_shape.tolist() == [0]


def test_sequence_feature_pads_to_the_longest():
    recs = [
        enc.example({"s": (3, [1, 2, 3, 4], True)}),
        enc.example({}),
        enc.example({"s": (3, [5, 6], True)}),
    ]
    out = parse_example(recs, {"s": FixedLenSequenceFeature([2], "int64", allow_missing=True)})
    assert out["s"].tolist() == [[[1, 2], [3, 4]], [[0, 0], [0, 0]], [[5, 6], [0, 0]]]


def test_missing_required_feature_names_the_key():
    with pytest.raises(
        InvalidArgumentError, match=r"Feature: nope \(data type: float\) is required"
    ):
        parse_single_example(MNIST, {"nope": FixedLenFeature([], "float32")})


def test_wrong_dtype_and_wrong_size_name_key_and_sizes():
    with pytest.raises(
        InvalidArgumentError,
        match=r"Key: label, Index: 0\.  Data types don't match\. "
        r"Data type: int64 but expected type: float",
    ):
        parse_example([MNIST], {"label": FixedLenFeature([], "float32")})
    with pytest.raises(
        InvalidArgumentError,
        match=r"Key: image, Index: 0\.  Number of float values "
        r"!= expected\.  Values size: 4 but output shape: \[3\]",
    ):
        parse_example([MNIST], {"image": FixedLenFeature([3], "float32")})


def test_garbage_input_and_bad_specs_are_invalid_argument():
    with pytest.raises(InvalidArgumentError, match="Could not parse example input"):
        parse_single_example(b"\xff\xff", {"a": VarLenFeature("int64")})
    with pytest.raises(InvalidArgumentError, match="dtype must be float32, int64 or string"):
        parse_example([MNIST], {"a": FixedLenFeature([], "int32")})
    with pytest.raises(InvalidArgumentError, match="needs allow_missing=True"):
        parse_example([MNIST], {"a": FixedLenSequenceFeature([], "int64")})
    with pytest.raises(InvalidArgumentError, match="default_value has 1 values"):
        parse_example([MNIST], {"a": FixedLenFeature([3], "int64", default_value=0)})


@st.composite
def same_layout_batches(draw):
    """Many records sharing one layout (the column path), a few perturbed (the fallback)."""
    keys = draw(st.lists(st.sampled_from(KEYS), min_size=1, max_size=3, unique=True))
    plan = {
        k: (
            draw(st.sampled_from([1, 2, 3])),
            draw(st.sampled_from([[], [1], [3]])),
            draw(st.integers(0, 5)),
        )
        for k in keys
    }
    spec = {k: FixedLenFeature(shape, DTYPES[kind]) for k, (kind, shape, _) in plan.items()}
    records = []
    for _ in range(draw(st.integers(16, 48))):
        feats = {}
        for k, (kind, shape, width) in plan.items():
            n = int(np.prod(shape))
            if kind == 1:
                vals = [draw(st.binary(min_size=width, max_size=width)) for _ in range(n)]
            elif kind == 2:
                vals = draw(st.lists(F32, min_size=n, max_size=n))
            else:
                vals = draw(st.lists(st.integers(0, 2**7 - 1), min_size=n, max_size=n))
            feats[k] = (kind, vals, True)
        if draw(st.integers(0, 7)) == 0:  # perturb: unpacked, a big varint, or a missing key
            k = draw(st.sampled_from(keys))
            kind, vals, _ = feats[k]
            what = draw(st.sampled_from(["unpacked", "big", "missing"]))
            if what == "unpacked":
                feats[k] = (kind, vals, False)
            elif what == "big" and kind == 3 and vals:
                feats[k] = (kind, [2**40] + vals[1:], True)
            elif what == "missing":
                del feats[k]
        records.append(enc.example(feats))
    return spec, records


@given(same_layout_batches())
def test_column_path_equals_protobuf_parse(batch):
    spec, records = batch
    fast, ref = run(parse_example, records, spec), run(parse_example_proto, records, spec)
    assert fast[0] == ref[0], (fast, ref)
    if fast[0] == "ok":
        outputs_equal(fast[1], ref[1])


@given(same_layout_batches())
def test_cached_single_record_layouts_equal_protobuf_parse(batch):
    spec, records = batch
    for r in records:  # hits, misses and re-learned layouts, record after record
        one, ref = run(parse_single_example, r, spec), run(parse_example_proto, r, spec)
        assert one[0] == ref[0], (one, ref)
        if one[0] == "ok":
            outputs_equal(one[1], ref[1])


FUZZ_BASE = to_message({"a": (3, [1, 300, -5]), "b": (2, [1.5, 2.5]), "c": (1, [b"xy", b""])})


@given(
    st.lists(
        st.tuples(st.integers(0, 2), st.integers(0, 10**6), st.integers(0, 255)),
        min_size=1,
        max_size=4,
    )
)
def test_damaged_examples_parse_or_fail_exactly_like_protobuf(edits):
    raw = bytearray(FUZZ_BASE.SerializeToString())
    for kind, where, byte in edits:
        i = where % (len(raw) + 1)
        if kind == 0 and i < len(raw):
            raw[i] = byte
        elif kind == 1 and i < len(raw):
            del raw[i]
        else:
            raw.insert(i, byte)
    raw = bytes(raw)
    spec = {
        "a": VarLenFeature("int64"),
        "b": VarLenFeature("float32"),
        "c": VarLenFeature("string"),
    }
    fast, ref = run(parse_example, [raw], spec), run(parse_example_proto, [raw], spec)
    try:
        example_pieces(raw, {}, strict=True)
        strict_ok = True
    except WireError:
        strict_ok = False
    assert strict_ok == (ref[0] == "ok"), raw.hex()  # the strict walk rejects what protobuf does
    if fast[0] == "ok" and ref[0] == "error":
        return  # damage inside a feature nobody asked for: skipped unread, as TensorFlow does
    assert fast[0] == ref[0], (raw.hex(), fast, ref)
    if fast[0] == "ok":
        outputs_equal(fast[1], ref[1])
