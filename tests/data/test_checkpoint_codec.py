"""The state codec (dataflowio.data.checkpoint): any element survives encode -> JSON -> decode."""

from __future__ import annotations

import collections
import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dataflowio import errors
from dataflowio.data import checkpoint
from tests.harness import assert_same_elements

Pair = collections.namedtuple("Pair", "a b")

numeric = hnp.arrays(st.sampled_from([np.uint8, np.int32, np.int64, np.float32, np.float64, np.bool_]),
                     hnp.array_shapes(min_dims=0, max_dims=3, max_side=4))
def _no_nan(a):
    a = np.nan_to_num(a) if a.dtype.kind == "f" else a  # NaN != NaN would fail the comparison
    return a[()] if a.ndim == 0 else a


leaves = st.one_of(
    numeric.map(_no_nan),
    st.binary(max_size=8),
    st.lists(st.binary(max_size=4), max_size=4).map(lambda bs: np.array(bs + [b""], dtype=object)[:len(bs)]),
)
elements = st.recursive(
    leaves,
    lambda kids: st.one_of(st.tuples(kids, kids), st.dictionaries(st.sampled_from("xyz"), kids, max_size=3),
                           st.builds(Pair, kids, kids)),
    max_leaves=6,
)


@given(elements)
def test_encode_decode_roundtrip_through_json(el):
    back = checkpoint.decode(json.loads(json.dumps(checkpoint.encode(el))))
    assert_same_elements([back], [el])


def test_unknown_objects_are_refused_with_a_clear_message():
    with pytest.raises(errors.InvalidArgumentError, match="cannot encode a object in an iterator state"):
        checkpoint.encode(object())
