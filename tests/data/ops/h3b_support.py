"""Helpers for the H3b op tests: comparing with tf.data element by element (dtypes, shapes and
structure included), spec summaries, and turning window elements into lists.

>>> from dataflowio.tensor_shape import TensorSpec
>>> spec_summary((TensorSpec((None, 2), "int64"), {"a": TensorSpec((), "string")}))
(([None, 2], 'int64'), {'a': ([], 'string')})
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dataflowio.data import Dataset
from tests.harness import assert_same_elements


def spec_summary(spec: Any) -> Any:
    """A comparable nested form of an element spec (ours or TensorFlow's)."""
    if isinstance(spec, dict):
        return {k: spec_summary(v) for k, v in spec.items()}
    if isinstance(spec, tuple):
        return tuple(spec_summary(v) for v in spec)
    if hasattr(spec, "element_spec") and not hasattr(spec, "dtype"):  # DatasetSpec
        return ("dataset", spec_summary(spec.element_spec))
    shape = spec.shape
    dims = None if shape.rank is None else [None if d is None else int(d) for d in shape]
    return (dims, spec.dtype.name)


def tf_list(tf_ds: Any, limit: int | None = None) -> list[Any]:
    it = tf_ds.as_numpy_iterator()
    out = []
    for x in it:
        out.append(x)
        if limit is not None and len(out) >= limit:
            break
    return out


def assert_same_as_tf(ours: Dataset[Any], theirs: Any, limit: int | None = None,
                      check_cardinality: bool = True) -> list[Any]:
    """Same elements (dtype, shape, structure, values), same element_spec, same cardinality."""
    assert spec_summary(ours.element_spec) == spec_summary(theirs.element_spec)
    if check_cardinality:
        assert ours.cardinality() == int(theirs.cardinality().numpy())
    it = iter(ours)
    got = []
    for x in it:
        got.append(x)
        if limit is not None and len(got) >= limit:
            break
    it.close()
    assert_same_elements(got, tf_list(theirs, limit), f"{ours!r} vs tf.data")
    return got


def window_elements(w: Any) -> list[Any]:
    """A window (a dataset, or a tuple / dict of datasets) as the list of its elements."""
    if isinstance(w, dict):
        cols = {k: list(v) for k, v in w.items()}
        n = len(next(iter(cols.values()))) if cols else 0
        return [{k: cols[k][i] for k in w} for i in range(n)]
    if isinstance(w, tuple):
        cols = [list(v) for v in w]
        return [tuple(c[i] for c in cols) for i in range(len(cols[0]))]
    return list(w)


def tf_window_elements(w: Any) -> list[Any]:
    """The same for a tf.data window."""
    if isinstance(w, dict):
        cols = {k: list(v.as_numpy_iterator()) for k, v in w.items()}
        n = len(next(iter(cols.values()))) if cols else 0
        return [{k: cols[k][i] for k in w} for i in range(n)]
    if isinstance(w, tuple):
        cols = [list(v.as_numpy_iterator()) for v in w]
        return [tuple(c[i] for c in cols) for i in range(len(cols[0]))]
    return list(w.as_numpy_iterator())


# ---- H3b transformations for `tests.strategies.pipelines()` ----------------------------------

H3B_OPS = ("flat_map", "interleave", "take_while", "scan", "ignore_errors", "rebatch")


def _twice(spec: Any) -> Any:
    if type(spec) is tuple:
        return lambda *xs: Dataset.from_tensors(tuple(xs)).repeat(2)
    return lambda x: Dataset.from_tensors(x).repeat(2)


def _ref_twice(*xs: Any) -> list[Any]:
    x = xs if len(xs) != 1 else xs[0]
    return [x, x]


def h3b_options(p: Any, small: bool) -> list[str]:
    """The H3b transformations that apply to pipeline `p` (rebatch needs batched, regular elements;
    flat_map / interleave double the element count, so only `small` pipelines get them)."""
    out = ["take_while", "scan", "ignore_errors"] + (["flat_map", "interleave"] if small else [])
    leaves = [s for s in _flat(p.ds.element_spec)]
    if all(s.shape.rank is not None and s.shape.rank >= 1 and None not in list(s.shape)[1:] for s in leaves):
        out.append("rebatch")
    return out


def _flat(spec: Any) -> list[Any]:
    if isinstance(spec, dict):
        return [v for k in sorted(spec) for v in _flat(spec[k])]
    if isinstance(spec, tuple):
        return [v for c in spec for v in _flat(c)]
    return [spec]


def h3b_transform(draw: Any, p: Any, op: str) -> Any:
    """`p` with one H3b transformation applied (engine and reference alike)."""
    from hypothesis import strategies as st

    from tests.reference import pipeline as ref
    from tests.strategies import Pipeline, pred_for

    ds, xs, spec = p.ds, p.expected, p.ds.element_spec
    if op == "flat_map":
        return Pipeline(ds.flat_map(_twice(spec)), ref.flat_map(xs, _ref_twice), p.steps + ["flat_map(twice)"])
    if op == "interleave":
        c, b = draw(st.integers(1, 3)), draw(st.integers(1, 2))
        return Pipeline(ds.interleave(_twice(spec), cycle_length=c, block_length=b),
                        ref.interleave(xs, _ref_twice, c, b), p.steps + [f"interleave(twice, {c}, {b})"])
    if op == "take_while":
        mod = draw(st.integers(2, 5))
        pred = pred_for(spec, mod)
        return Pipeline(ds.take_while(pred), ref.take_while(xs, pred), p.steps + [f"take_while(key % {mod} != 0)"])
    if op == "scan":
        def count(s: Any, e: Any) -> Any:
            return s + 1, (s, e)

        return Pipeline(ds.scan(np.int64(0), count), ref.scan(xs, np.int64(0), count), p.steps + ["scan(count)"])
    if op == "ignore_errors":
        return Pipeline(ds.ignore_errors(), list(xs), p.steps + ["ignore_errors()"])
    n, drop = draw(st.integers(1, 4)), draw(st.booleans())
    return Pipeline(ds.rebatch(n, drop), ref.rebatch(xs, [n], drop), p.steps + [f"rebatch({n}, {drop})"])
