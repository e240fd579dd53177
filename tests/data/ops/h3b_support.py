"""Helpers for the H3b op tests: comparing with tf.data element by element (dtypes, shapes and
structure included), spec summaries, and turning window elements into lists.

>>> from dataflowio.tensor_shape import TensorSpec
>>> spec_summary((TensorSpec((None, 2), "int64"), {"a": TensorSpec((), "string")}))
(([None, 2], 'int64'), {'a': ([], 'string')})
"""

from __future__ import annotations

from typing import Any

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
