"""Random ops: uniform, normal, truncated normal, integer uniform, shuffle, with TF1 seeding.

Seeds follow TF1: with neither a graph seed (`set_random_seed`) nor an op `seed` the values are
random; otherwise each op draws a reproducible sequence (the same in every new Session), and
successive `run` calls continue that sequence.

>>> from dataflowio.graph.graph import Graph
>>> from dataflowio.graph.session import Session
>>> with Graph().as_default() as g:
...     g.seed = 1
...     r = random_uniform([3])
...     a = Session().run(r); b = Session().run(r)
>>> a.tolist() == b.tolist(), a.dtype.name
(True, 'float32')
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dataflowio import dtypes
from dataflowio.dtypes import as_dtype
from dataflowio.errors import InvalidArgumentError
from dataflowio.graph.context import DEFAULT_GRAPH_SEED, EAGER
from dataflowio.graph.graph import get_default_graph
from dataflowio.graph.ops.core import build, constant_value, in_eager_mode, is_graph
from dataflowio.graph.ops.registry import OpDef, register
from dataflowio.tensor_shape import TensorShape


def get_seed(op_seed: int | None) -> tuple[int | None, int | None]:
    """TF1's seed rule: (graph seed, op seed) with defaults filled in as TensorFlow does."""
    g = get_default_graph()
    if g.seed is None and op_seed is None:
        return None, None
    if g.seed is None:
        return DEFAULT_GRAPH_SEED, int(op_seed)
    if op_seed is None:
        return int(g.seed), len(g._ops)
    return int(g.seed), int(op_seed)


def _shape_infer(ins: list, dtype: Any, seed: Any, **_: Any) -> list:
    val = constant_value(ins[0])
    if val is None:
        n = ins[0].shape[0] if ins[0].shape.rank == 1 else None
        return [(TensorShape(None if n is None else [None] * n), dtype)]
    return [(TensorShape([int(d) for d in np.atleast_1d(val)] if np.ndim(val) else []), dtype)]


def _dims(shape: Any) -> tuple[int, ...]:
    return tuple(int(d) for d in np.atleast_1d(shape)) if np.ndim(shape) else ()


def _gen(ctx: Any, node: Any, seed: Any) -> np.random.Generator:
    return ctx.rng(node if node is not None else ("eager", seed), seed) if (node is not None or seed[0]
                                                                             is not None) \
        else np.random.default_rng()


def _to(xp: Any, v: np.ndarray) -> Any:
    return v if xp is np else xp.asarray(v)


def _uniform(xp: Any, shape: Any, *, ctx: Any, node: Any, dtype: Any, seed: Any) -> Any:
    return _to(xp, _gen(ctx, node, seed).random(_dims(shape), dtype=np.float64).astype(dtype.np))


def _normal(xp: Any, shape: Any, *, ctx: Any, node: Any, dtype: Any, seed: Any) -> Any:
    return _to(xp, _gen(ctx, node, seed).standard_normal(_dims(shape)).astype(dtype.np))


def _truncated(xp: Any, shape: Any, *, ctx: Any, node: Any, dtype: Any, seed: Any) -> Any:
    gen = _gen(ctx, node, seed)
    out = gen.standard_normal(_dims(shape))
    bad = np.abs(out) > 2
    while bad.any():
        out[bad] = gen.standard_normal(int(bad.sum()))
        bad = np.abs(out) > 2
    return _to(xp, out.astype(dtype.np))


def _uniform_int(xp: Any, shape: Any, lo: Any, hi: Any, *, ctx: Any, node: Any, dtype: Any,
                 seed: Any) -> Any:
    if not lo < hi:
        raise InvalidArgumentError(f"RandomUniformInt: need minval < maxval, got {lo} >= {hi}.")
    return _to(xp, _gen(ctx, node, seed).integers(int(lo), int(hi), _dims(shape)).astype(dtype.np))


def _shuffle(xp: Any, x: Any, *, ctx: Any, node: Any, dtype: Any, seed: Any) -> Any:
    perm = _gen(ctx, node, seed).permutation(np.shape(x)[0]) if np.ndim(x) else None
    return x if perm is None else x[_to(xp, perm)]


RANDOM_UNIFORM = register(OpDef("RandomUniform", infer=_shape_infer, kernel=_uniform, stateful=True,
                                host_inputs=(0,)))
RANDOM_NORMAL = register(OpDef("RandomStandardNormal", infer=_shape_infer, kernel=_normal, stateful=True,
                               host_inputs=(0,)))
TRUNCATED_NORMAL = register(OpDef("TruncatedNormal", infer=_shape_infer, kernel=_truncated, stateful=True,
                                  host_inputs=(0,)))
RANDOM_UNIFORM_INT = register(OpDef("RandomUniformInt", infer=_shape_infer, kernel=_uniform_int,
                                    stateful=True, host_inputs=(0, 1, 2)))
RANDOM_SHUFFLE = register(OpDef("RandomShuffle", infer=lambda ins, dtype, seed: [(ins[0].shape, ins[0].dtype)],
                                kernel=_shuffle, stateful=True))


def _shape_arg(shape: Any) -> Any:
    if is_graph([shape]):
        return shape
    if isinstance(shape, (list, tuple)) and is_graph(list(shape)):
        from dataflowio.graph.ops.array import stack

        return stack([s if is_graph([s]) else np.int32(s) for s in shape])
    from dataflowio.graph.ops.array import _static_list

    return np.asarray(_static_list(shape), np.int32)


def _make(opdef: OpDef, shape: Any, dtype: Any, seed: Any, name: str | None, extra: list | None = None) -> Any:
    dt = as_dtype(dtype)
    shape = _shape_arg(shape)
    seeds = get_seed(seed)
    inputs = [shape] + (extra or [])
    if in_eager_mode() and not is_graph(inputs):
        args = [np.asarray(v) for v in inputs]
        return opdef.kernel(np, *args, ctx=EAGER, node=None, dtype=dt, seed=seeds)
    return build(opdef, inputs, {"dtype": dt, "seed": seeds}, name, graph=get_default_graph())


def random_uniform(shape: Any, minval: Any = 0, maxval: Any = None, dtype: Any = dtypes.float32,
                   seed: int | None = None, name: str | None = None) -> Any:
    """Returns uniform values in `[minval, maxval)` (`maxval` defaults to 1 for floats).

    >>> random_uniform([2, 3], seed=1).shape.as_list()
    [2, 3]
    """
    dt = as_dtype(dtype)
    if dt.is_integer:
        if maxval is None:
            raise InvalidArgumentError(f"random_uniform: must specify maxval for integer dtype {dt.name}.")
        return _make(RANDOM_UNIFORM_INT, shape, dt, seed, name or "random_uniform",
                     [np.asarray(minval, dt.np), np.asarray(maxval, dt.np)])
    if not dt.is_floating:
        raise InvalidArgumentError(f"random_uniform: dtype must be floating or integer, got {dt.name}.")
    u = _make(RANDOM_UNIFORM, shape, dt, seed, name or "random_uniform")
    maxval = 1 if maxval is None else maxval
    if _is_num(minval, 0) and _is_num(maxval, 1):
        return u
    return u * (maxval - minval) + minval


def _is_num(v: Any, target: float) -> bool:
    return not is_graph([v]) and np.ndim(v) == 0 and float(v) == target


def random_normal(shape: Any, mean: Any = 0.0, stddev: Any = 1.0, dtype: Any = dtypes.float32,
                  seed: int | None = None, name: str | None = None) -> Any:
    """Returns normal values with `mean` and `stddev`.

    >>> random_normal([4], seed=3).dtype.name
    'float32'
    """
    n = _make(RANDOM_NORMAL, shape, dtype, seed, name or "random_normal")
    if _is_num(mean, 0) and _is_num(stddev, 1):
        return n
    return n * stddev + mean


def truncated_normal(shape: Any, mean: Any = 0.0, stddev: Any = 1.0, dtype: Any = dtypes.float32,
                     seed: int | None = None, name: str | None = None) -> Any:
    """Returns normal values re-drawn until within two standard deviations of `mean`."""
    n = _make(TRUNCATED_NORMAL, shape, dtype, seed, name or "truncated_normal")
    if _is_num(mean, 0) and _is_num(stddev, 1):
        return n
    return n * stddev + mean


def random_shuffle(value: Any, seed: int | None = None, name: str | None = None) -> Any:
    """Returns `value` shuffled along its first axis."""
    return build(RANDOM_SHUFFLE, [value], {"dtype": None, "seed": get_seed(seed)}, name)


def set_random_seed(seed: int | None) -> None:
    """Sets the default graph's seed (TF1 `tf.set_random_seed`)."""
    get_default_graph().seed = seed
