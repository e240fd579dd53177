"""Examples and parse results against TensorFlow's own (`tf` fixture: skipped without TF)."""

from __future__ import annotations

import numpy as np
import pytest

from record_format import example as ours
from record_format.errors import InvalidArgumentError
from record_format.features import FixedLenFeature, FixedLenSequenceFeature, VarLenFeature
from record_format.parse import parse_example, parse_single_example


def tf_examples(tf):
    feats = [
        {"img": [b"\x00\x01\x02"], "label": [3], "x": [1.5, -2.0, 0.25], "tags": [b"a", b"b"]},
        {"img": [b""], "label": [-(2**63)], "x": [0.0, 1e30, -1e-30], "tags": []},
        {"img": [bytes(range(256))], "label": [2**63 - 1], "x": [7.0, 8.0, 9.0]},
    ]
    out = []
    for f in feats:
        fmap = {
            "img": tf.train.Feature(bytes_list=tf.train.BytesList(value=f["img"])),
            "label": tf.train.Feature(int64_list=tf.train.Int64List(value=f["label"])),
            "x": tf.train.Feature(float_list=tf.train.FloatList(value=f["x"])),
        }
        if "tags" in f:
            fmap["tags"] = tf.train.Feature(bytes_list=tf.train.BytesList(value=f["tags"]))
        out.append(tf.train.Example(features=tf.train.Features(feature=fmap)).SerializeToString())
    return out


def specs(tf, mine):
    lib = (
        (FixedLenFeature, VarLenFeature, FixedLenSequenceFeature)
        if mine
        else (tf.io.FixedLenFeature, tf.io.VarLenFeature, tf.io.FixedLenSequenceFeature)
    )
    fixed, var, seq = lib
    return {
        "img": fixed([], tf.string if not mine else "string"),
        "label": fixed([1], tf.int64 if not mine else "int64"),
        "x": fixed([3], tf.float32 if not mine else "float32"),
        "tags": var(tf.string if not mine else "string"),
        "xs": seq([], tf.float32 if not mine else "float32", allow_missing=True),
        "opt": fixed([2], tf.int64 if not mine else "int64", default_value=[4, 5]),
    }


def assert_same(tf, got, want):
    assert got.keys() == want.keys()
    for k in want:
        w = want[k]
        if isinstance(w, tf.SparseTensor):
            g = got[k]
            for a, b in (
                (g.indices, w.indices),
                (g.values, w.values),
                (g.dense_shape, w.dense_shape),
            ):
                b = b.numpy()
                assert a.shape == b.shape and np.array_equal(
                    a, b.astype(a.dtype) if b.dtype.kind == "O" else b
                )
                assert a.dtype == b.dtype or (a.dtype == object and b.dtype == object)
        else:
            w = np.asarray(w.numpy(), dtype=object if w.dtype == tf.string else None)
            g = np.asarray(got[k], dtype=object if isinstance(got[k], bytes) else None)
            assert g.shape == w.shape and (g.dtype == w.dtype or w.dtype == object), k
            assert np.array_equal(g, w), k


def test_messages_are_wire_compatible_both_ways(tf):
    for raw in tf_examples(tf):
        mine = ours.Example.FromString(raw)
        assert mine.SerializeToString(deterministic=True) == tf.train.Example.FromString(
            raw
        ).SerializeToString(deterministic=True)
        assert tf.train.Example.FromString(mine.SerializeToString()) == tf.train.Example.FromString(
            raw
        )


def test_parse_example_matches_tensorflow(tf):
    raws = tf_examples(tf) * 7  # 21 records: the column path runs too
    want = tf.io.parse_example(tf.constant(raws), specs(tf, mine=False))
    assert_same(tf, parse_example(raws, specs(tf, mine=True)), want)


def test_parse_single_example_matches_tensorflow(tf):
    for raw in tf_examples(tf):
        want = tf.io.parse_single_example(raw, specs(tf, mine=False))
        assert_same(tf, parse_single_example(raw, specs(tf, mine=True)), want)


@pytest.mark.parametrize("single", [True, False])
@pytest.mark.parametrize(
    "key, shape, dtype",
    [
        ("label", [1], "float32"),  # dtype mismatch
        ("x", [4], "float32"),  # size mismatch (TF words the scalar case differently)
        ("x", [2, 2], "float32"),
        ("missing", [], "int64"),  # required and absent
    ],
)
def test_errors_match_tensorflow_class_and_text(tf, key, shape, dtype, single):
    raw = tf_examples(tf)[0]
    theirs_fn = tf.io.parse_single_example if single else tf.io.parse_example
    mine_fn = parse_single_example if single else parse_example
    arg = raw if single else [raw, raw]
    with pytest.raises(tf.errors.InvalidArgumentError) as theirs:
        theirs_fn(arg, {key: tf.io.FixedLenFeature(shape, getattr(tf, dtype))})
    with pytest.raises(InvalidArgumentError, match=key) as mine:
        mine_fn(arg, {key: FixedLenFeature(shape, dtype)})
    if not (single and key == "x"):
        assert str(mine.value) in theirs.value.message


def test_empty_feature_counts_as_missing_like_tensorflow(tf):
    raw = tf.train.Example(
        features=tf.train.Features(feature={"x": tf.train.Feature()})
    ).SerializeToString()
    for spec in (FixedLenFeature([], "float32"), FixedLenFeature([0], "float32")):
        with pytest.raises(InvalidArgumentError, match="is required but could not be found"):
            parse_single_example(raw, {"x": spec})
    got = parse_single_example(
        raw, {"x": FixedLenFeature([2], "int64", default_value=[1, 2]), "v": VarLenFeature("int64")}
    )
    want = tf.io.parse_single_example(
        raw,
        {
            "x": tf.io.FixedLenFeature([2], tf.int64, default_value=[1, 2]),
            "v": tf.io.VarLenFeature(tf.int64),
        },
    )
    assert_same(tf, got, want)
