"""The static statelessness proof: what it accepts and, above all, what it refuses."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pytest

import dataflowio
from dataflowio.data.optimize.purity import proven_stateless

SCALE = 255
TABLE = (1, 2, 3)
COUNTER = [0]


def helper(x: Any) -> Any:
    return np.float32(x) / SCALE


def calls_helper(x: Any) -> Any:
    return helper(x) + 1


def bumps_counter(x: Any) -> Any:
    COUNTER[0] += 1
    return x


def calls_bumper(x: Any) -> Any:
    return bumps_counter(x)


def make_counter() -> Any:
    n = 0

    def f(x: Any) -> Any:
        nonlocal n
        n += 1
        return x + n

    return f


def make_pure_closure() -> Any:
    k = 3

    def f(x: Any) -> Any:
        return [v * k for v in (x, x)]

    return f


class Scaler:
    def __call__(self, x: Any) -> Any:
        return x * 2


@pytest.mark.parametrize("fn", [
    lambda x: x + 1,
    lambda x, y: (x.astype(np.float32) / 255, y),
    lambda x: np.where(x > 0, x, 0),
    lambda x: TABLE[0] * x,                      # a tuple constant
    lambda x: dataflowio.dtypes.as_dtype("float32") and x,
    helper, calls_helper, make_pure_closure(),
    functools.partial(lambda a, x: a * x, 3),
    np.sqrt, len, abs,
    lambda x: {k: v for k, v in x.items()},
    lambda b: dataflowio.cast(dataflowio.image.resize(dataflowio.io.decode_jpeg(b), [32, 32]),
                              dataflowio.float32),
])
def test_stateless_functions_are_proven(fn: Any) -> None:
    assert proven_stateless(fn)


@pytest.mark.parametrize("fn", [
    bumps_counter, calls_bumper, make_counter(),
    lambda x: COUNTER.append(x) or x,                   # mutates a global list
    lambda x: x + COUNTER[0],                           # reads a mutable global
    lambda x: x + np.random.rand(),                     # random numbers
    lambda x: x + np.random.default_rng().random(),
    lambda x: print(x) or x,                            # I/O
    lambda x: x.sort() or x,                            # sorts its input in place
    Scaler(),                                           # callable objects: not analyzed
    functools.partial(lambda a, x: a.append(x), []),
    np.random.rand, print,
    lambda x: [y for y in iter(x)],
])
def test_functions_with_state_or_effects_are_not_proven(fn: Any) -> None:
    assert not proven_stateless(fn)


def test_a_function_writing_an_attribute_is_not_proven() -> None:
    class Box:
        v = 0

    box = Box()

    def f(x: Any) -> Any:
        box.v = x
        return x

    assert not proven_stateless(f)


def test_a_generator_function_is_not_proven() -> None:
    def gen(x: Any) -> Any:
        yield x

    assert not proven_stateless(gen)


FEATURES = {"image_raw": dataflowio.io.FixedLenFeature([], dataflowio.string),
            "label": dataflowio.io.FixedLenFeature([784], dataflowio.int64)}


def test_a_dict_of_feature_specs_is_read_as_a_constant() -> None:
    assert proven_stateless(lambda r: dataflowio.io.parse_single_example(r, FEATURES))
    local = {"x": dataflowio.io.VarLenFeature(dataflowio.float32)}
    assert proven_stateless(lambda r: dataflowio.io.parse_single_example(r, local))
