"""Stateful variable ops: read, assign, assign_add/sub, and the fused optimizer updates.

Variables live in the session's `ctx.vars` (name -> array). Updates never modify an array in
place, so a value read earlier in the same `run` (or fetched by the user) stays valid.

>>> from dataflowio.graph.context import ExecContext
>>> ctx = ExecContext(); ctx.vars["w"] = np.array([1.0])
>>> APPLY_GD.kernel(np, np.float32(0.5), np.array([2.0]), ctx=ctx, node=None, key="w").tolist()
[0.0]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dataflowio.errors import FailedPreconditionError, InvalidArgumentError
from dataflowio.graph.ops.registry import OpDef, register
from dataflowio.tensor_shape import TensorShape


def read(ctx: Any, key: str, xp: Any = np) -> Any:
    """The value of variable `key` on `xp`'s device; FailedPreconditionError if never initialized."""
    v = ctx.vars.get(key)
    if v is not None:
        if xp is np:
            if type(v) is not np.ndarray and type(v).__module__.startswith("cupy"):
                v = ctx.vars[key] = v.get()
        elif type(v) is np.ndarray:
            v = ctx.vars[key] = xp.asarray(v)
        return v
    if v is None:
        raise FailedPreconditionError(
            f"Attempting to use uninitialized value {key}\n\t [[{{{{node {key}}}}}]]\n"
            "  hint: run tf.global_variables_initializer() (or the variable's initializer) first.")
    return v


def _var_kernel(xp: Any, *, ctx: Any, node: Any, key: str, dtype: Any, shape: Any) -> Any:
    v = ctx.vars.get(key)
    return v if xp is np and type(v) is np.ndarray else read(ctx, key, xp)


def _assign_infer(ins: list, key: str, var_shape: TensorShape, validate_shape: bool) -> list:
    v = ins[0]
    if validate_shape and not var_shape.is_compatible_with(v.shape):
        raise InvalidArgumentError(f"Assign requires shapes of both tensors to match. lhs shape= "
                                   f"{list(var_shape)} rhs shape= {list(v.shape)}")
    return [(var_shape if validate_shape else v.shape, v.dtype)]


def _assign_kernel(xp: Any, value: Any, *, ctx: Any, node: Any, key: str, var_shape: TensorShape,
                   validate_shape: bool) -> Any:
    if validate_shape and not var_shape.is_compatible_with(np.shape(value)):
        raise InvalidArgumentError(f"Assign to {key}: requires shapes of both tensors to match. "
                                   f"lhs shape= {list(var_shape)} rhs shape= {list(np.shape(value))}")
    value = xp.array(value, copy=True) if hasattr(value, "shape") else xp.asarray(value)
    ctx.vars[key] = value
    return value


def _update_infer(ins: list, key: str, var_shape: TensorShape, **_: Any) -> list:
    return [(var_shape, ins[0].dtype)]


def _assign_add(xp: Any, delta: Any, *, ctx: Any, node: Any, key: str, var_shape: Any) -> Any:
    ctx.vars[key] = out = read(ctx, key, xp) + delta
    return out


def _assign_sub(xp: Any, delta: Any, *, ctx: Any, node: Any, key: str, var_shape: Any) -> Any:
    ctx.vars[key] = out = read(ctx, key, xp) - delta
    return out


def _apply_gd(xp: Any, lr: Any, grad: Any, *, ctx: Any, node: Any, key: str, var_shape: Any = None) -> Any:
    old = read(ctx, key, xp)
    step = lr * grad
    if step.dtype != old.dtype:
        step = step.astype(old.dtype)
    # the new value goes into the step's own (fresh) buffer: one array per update, not two
    fresh = type(step) is xp.ndarray and step.shape == old.shape  # (0-d products are scalars)
    ctx.vars[key] = out = xp.subtract(old, step, out=step) if fresh else old - step
    return out


def _apply_gd_into_grad(xp: Any, lr: Any, grad: Any, *, ctx: Any, node: Any, key: str,
                        var_shape: Any = None) -> Any:
    """`_apply_gd` writing the new value into `grad`'s buffer, handed over by the plan."""
    old = read(ctx, key, xp)
    if type(grad) is not type(old) or grad.shape != old.shape or grad.dtype != old.dtype:
        return _apply_gd(xp, lr, grad, ctx=ctx, node=node, key=key)
    xp.multiply(grad, lr, out=grad)
    ctx.vars[key] = out = xp.subtract(old, grad, out=grad)
    return out


def _apply_momentum(xp: Any, lr: Any, grad: Any, momentum: Any, *, ctx: Any, node: Any, key: str,
                    accum: str, use_nesterov: bool, var_shape: Any = None) -> Any:
    old, acc = read(ctx, key, xp), read(ctx, accum, xp)
    acc = acc * momentum + grad
    ctx.vars[accum] = acc
    step = grad * lr + acc * (momentum * lr) if use_nesterov else acc * lr
    ctx.vars[key] = out = old - step.astype(old.dtype, copy=False)
    return out


def _apply_adam(xp: Any, b1p: Any, b2p: Any, lr: Any, b1: Any, b2: Any, eps: Any, grad: Any, *,
                ctx: Any, node: Any, key: str, m: str, v: str, var_shape: Any = None) -> Any:
    old, mv, vv = read(ctx, key, xp), read(ctx, m, xp), read(ctx, v, xp)
    lr_t = lr * np.sqrt(1 - b2p) / (1 - b1p)
    mv = mv + (grad - mv) * (1 - b1)
    vv = vv + (grad * grad - vv) * (1 - b2)
    ctx.vars[m], ctx.vars[v] = mv, vv
    ctx.vars[key] = out = old - (mv * lr_t / (xp.sqrt(vv) + eps)).astype(old.dtype, copy=False)
    return out


READ_VARIABLE = register(OpDef("ReadVariableOp", infer=lambda ins, key, dtype, shape: [(shape, dtype)],
                               kernel=_var_kernel, stateful=True))
VARIABLE = register(OpDef("VariableV2", infer=lambda ins, key, dtype, shape: [(shape, dtype)],
                          kernel=_var_kernel, stateful=True))
ASSIGN = register(OpDef("Assign", infer=_assign_infer, kernel=_assign_kernel, stateful=True))
ASSIGN_ADD = register(OpDef("AssignAdd", infer=_update_infer, kernel=_assign_add, stateful=True))
ASSIGN_SUB = register(OpDef("AssignSub", infer=_update_infer, kernel=_assign_sub, stateful=True))
APPLY_GD = register(OpDef("ApplyGradientDescent", infer=lambda ins, key, var_shape: [(var_shape, ins[1].dtype)],
                          kernel=_apply_gd, stateful=True, inplace=_apply_gd_into_grad, inplace_input=1))
APPLY_MOMENTUM = register(OpDef("ApplyMomentum",
                                infer=lambda ins, key, var_shape, **a: [(var_shape, ins[1].dtype)],
                                kernel=_apply_momentum, stateful=True))
APPLY_ADAM = register(OpDef("ApplyAdam", infer=lambda ins, key, var_shape, **a: [(var_shape, ins[6].dtype)],
                            kernel=_apply_adam, stateful=True))


def _is_init_kernel(xp: Any, *, ctx: Any, node: Any, keys: tuple) -> Any:
    return np.array([k in ctx.vars for k in keys], dtype=bool)


IS_INITIALIZED = register(OpDef("IsVariableInitialized",
                                infer=lambda ins, keys: [(TensorShape([len(keys)]), _bool())],
                                kernel=_is_init_kernel, stateful=True))


def _bool() -> Any:
    from dataflowio import dtypes

    return dtypes.bool
