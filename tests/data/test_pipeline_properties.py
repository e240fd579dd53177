"""Whole-pipeline properties over random chains of 2–6 transformations (tests/strategies.py).

1. the engine yields exactly what the reference model says;
2. the optimizer preserves meaning (default options vs every rule switched off);
3. element_spec describes every element, cardinality (when known) counts them;
4. a checkpoint taken at any position restores exactly the remaining suffix.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dataflowio.data import Options
from dataflowio.data.ops._fn import spec_of_element
from dataflowio.data.structure import flatten
from tests.harness import (
    assert_checkpoint_roundtrip,
    assert_matches_reference,
    assert_same_elements,
    take_list,
)
from tests.strategies import pipelines


@given(pipelines())
def test_random_pipelines_match_the_reference(p):
    assert_matches_reference(p.ds, p.expected)


@given(pipelines())
def test_the_optimizer_preserves_meaning(p):
    off = Options()
    off.experimental_optimization.apply_default_optimizations = False
    plain = take_list(iter(p.ds.with_options(off)))
    optimized = take_list(iter(p.ds))
    assert_same_elements(optimized, plain, repr(p))


@given(pipelines())
def test_element_spec_and_cardinality_describe_the_elements(p):
    spec = p.ds.element_spec
    for el in p.expected:
        for s, v in zip(flatten(spec), flatten(spec_of_element(el)), strict=True):
            assert s.dtype == v.dtype and s.shape.is_compatible_with(v.shape), (repr(p), s, v)
    n = p.ds.cardinality()
    assert n == -2 or n == len(p.expected), (repr(p), n, len(p.expected))


@given(pipelines(), st.data())
def test_checkpoint_restores_exactly_the_remaining_suffix(p, data):
    at = data.draw(st.integers(0, len(p.expected)), label="at")
    assert_checkpoint_roundtrip(p.ds, at=at)
