"""TF1 optimizers: `GradientDescentOptimizer`, `MomentumOptimizer`, `AdamOptimizer`.

`minimize(loss)` = `compute_gradients` (graph gradients for the trainable variables) +
`apply_gradients` (one fused update op per variable, as TF's `ApplyAdam` etc.). Slot variables
(`W/Momentum`, `W/Adam`, `W/Adam_1`, `beta1_power`) are global variables, so run the variables
initializer after building the train op.

>>> from dataflowio.graph.api import Variable, Session, global_variables_initializer, Graph, square
>>> with Graph().as_default():
...     w = Variable(3.0)
...     step = GradientDescentOptimizer(0.25).minimize(square(w))
...     with Session() as s:
...         s.run(global_variables_initializer()); s.run(step)
...         print(s.run(w).item())
1.5
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dataflowio import dtypes
from dataflowio.graph.autodiff import gradients
from dataflowio.graph.graph import Operation, get_default_graph
from dataflowio.graph.ops import state
from dataflowio.graph.ops.core import as_tensor, build, convert_to_tensor, group
from dataflowio.graph.tensor import GraphValue
from dataflowio.graph.variables import GraphKeys, Variable, trainable_variables


class Optimizer:
    """Base class: subclasses define `_create_slots`, `_apply_dense` and optionally `_finish`."""

    def __init__(self, use_locking: bool = False, name: str = "Optimizer") -> None:
        self._name = name
        self._slots: dict[str, dict[str, Variable]] = {}
        self._non_slot: dict[str, Variable] = {}

    def get_name(self) -> str:
        return self._name

    # -- gradients -----------------------------------------------------------------------------
    def compute_gradients(self, loss: Any, var_list: list[Any] | None = None, gate_gradients: int = 1,
                          aggregation_method: Any = None, colocate_gradients_with_ops: bool = False,
                          grad_loss: Any = None) -> list[tuple[Any, Variable]]:
        """Returns `[(gradient, variable), ...]` for `var_list` (default: trainable variables)."""
        loss_t = as_tensor(loss)
        if var_list is None:
            with loss_t.graph.as_default():
                var_list = trainable_variables()
        var_list = list(var_list)
        if not var_list:
            raise ValueError("No variables to optimize.")
        grads = gradients(loss_t, var_list, grad_ys=grad_loss)
        return list(zip(grads, var_list))

    def apply_gradients(self, grads_and_vars: Any, global_step: Variable | None = None,
                        name: str | None = None) -> Operation:
        """Returns an op applying the gradients (and incrementing `global_step` if given)."""
        pairs = [(g, v) for g, v in grads_and_vars]
        if not pairs:
            raise ValueError("No variables provided.")
        kept = [(g, v) for g, v in pairs if g is not None]
        if not kept:
            raise ValueError(f"No gradients provided for any variable, check your graph for ops that do "
                             f"not support gradients, between variables {[v.name for _, v in pairs]} and loss.")
        graph = kept[0][1].graph
        with graph.as_default():
            with graph.name_scope(None):
                self._create_slots([v for _, v in kept])
            with graph.name_scope(name or self._name):
                self._prepare()
                updates = []
                for g, v in kept:
                    if not isinstance(v, Variable):
                        raise TypeError(f"apply_gradients: {v!r} is not a Variable.")
                    with graph.name_scope(f"update_{v.op.name}"):
                        updates.append(self._apply_dense(as_tensor(g), v))
                finish = self._finish(updates)
                if global_step is None:
                    return finish
                with graph.control_dependencies([finish]):
                    return global_step.assign_add(np.ones((), global_step.dtype.np), name=name or self._name).op

    def minimize(self, loss: Any, global_step: Variable | None = None, var_list: list[Any] | None = None,
                 gate_gradients: int = 1, aggregation_method: Any = None,
                 colocate_gradients_with_ops: bool = False, name: str | None = None,
                 grad_loss: Any = None) -> Operation:
        """Returns the op that takes one step down the gradient of `loss`."""
        gv = self.compute_gradients(loss, var_list, grad_loss=grad_loss)
        return self.apply_gradients(gv, global_step=global_step, name=name)

    # -- slots ---------------------------------------------------------------------------------
    def _zeros_slot(self, v: Variable, slot: str, op_name: str) -> Variable:
        table = self._slots.setdefault(slot, {})
        if v._key not in table:
            with v.graph.name_scope(None):
                table[v._key] = Variable(np.zeros(v.shape.as_list(), v.dtype.np), trainable=False,
                                         name=f"{v.op.name}/{op_name}")
        return table[v._key]

    def _non_slot_var(self, name: str, value: float, dtype: Any) -> Variable:
        if name not in self._non_slot:
            with get_default_graph().name_scope(None):
                self._non_slot[name] = Variable(np.asarray(value, dtype.np), trainable=False, name=name)
        return self._non_slot[name]

    def get_slot(self, var: Variable, name: str) -> Variable | None:
        return self._slots.get(name, {}).get(var._key)

    def get_slot_names(self) -> list[str]:
        return sorted(self._slots)

    def variables(self) -> list[Variable]:
        out = list(self._non_slot.values())
        for table in self._slots.values():
            out.extend(table.values())
        return out

    def _create_slots(self, var_list: list[Variable]) -> None:
        pass

    def _prepare(self) -> None:
        pass

    def _finish(self, updates: list[Any]) -> Operation:
        return group(*updates, name=self._name)

    def _apply_dense(self, grad: Any, var: Variable) -> Any:
        raise NotImplementedError

    @staticmethod
    def _hyper(value: Any, var: Variable, name: str) -> Any:
        if isinstance(value, GraphValue):
            t = as_tensor(value)
            if t.dtype != var.dtype:
                from dataflowio.graph.ops.elementwise import cast

                t = cast(t, var.dtype)
            return t
        return convert_to_tensor(np.asarray(value() if callable(value) else value, var.dtype.np), name=name)


class GradientDescentOptimizer(Optimizer):
    """`var -= learning_rate * grad`."""

    def __init__(self, learning_rate: Any, use_locking: bool = False, name: str = "GradientDescent") -> None:
        super().__init__(use_locking, name)
        self._lr = learning_rate

    def _apply_dense(self, grad: Any, var: Variable) -> Any:
        lr = self._hyper(self._lr, var, "learning_rate")
        return build(state.APPLY_GD, [lr, grad], {"key": var._key, "var_shape": var.shape},
                     "ApplyGradientDescent")


class MomentumOptimizer(Optimizer):
    """`accum = momentum * accum + grad; var -= lr * accum` (Nesterov: `var -= lr * (grad + momentum * accum)`)."""

    def __init__(self, learning_rate: Any, momentum: Any, use_locking: bool = False, name: str = "Momentum",
                 use_nesterov: bool = False) -> None:
        super().__init__(use_locking, name)
        self._lr, self._momentum, self._nesterov = learning_rate, momentum, use_nesterov

    def _create_slots(self, var_list: list[Variable]) -> None:
        for v in var_list:
            self._zeros_slot(v, "momentum", self._name)

    def _apply_dense(self, grad: Any, var: Variable) -> Any:
        acc = self.get_slot(var, "momentum")
        assert acc is not None
        return build(state.APPLY_MOMENTUM,
                     [self._hyper(self._lr, var, "learning_rate"), grad,
                      self._hyper(self._momentum, var, "momentum")],
                     {"key": var._key, "accum": acc._key, "use_nesterov": bool(self._nesterov),
                      "var_shape": var.shape}, "ApplyMomentum")


class AdamOptimizer(Optimizer):
    """Adam (Kingma & Ba) with TF1's bias correction folded into the step size."""

    def __init__(self, learning_rate: Any = 0.001, beta1: float = 0.9, beta2: float = 0.999,
                 epsilon: float = 1e-8, use_locking: bool = False, name: str = "Adam") -> None:
        super().__init__(use_locking, name)
        self._lr, self._b1, self._b2, self._eps = learning_rate, beta1, beta2, epsilon

    def _create_slots(self, var_list: list[Variable]) -> None:
        dt = var_list[0].dtype
        self._b1p = self._non_slot_var("beta1_power", self._b1, dt)
        self._b2p = self._non_slot_var("beta2_power", self._b2, dt)
        for v in var_list:
            self._zeros_slot(v, "m", self._name)
            self._zeros_slot(v, "v", self._name + "_1")

    def _apply_dense(self, grad: Any, var: Variable) -> Any:
        m, v = self.get_slot(var, "m"), self.get_slot(var, "v")
        assert m is not None and v is not None
        h = [self._hyper(x, var, n) for x, n in [(self._lr, "learning_rate"), (self._b1, "beta1"),
                                                 (self._b2, "beta2"), (self._eps, "epsilon")]]
        b1p, b2p = as_tensor(self._b1p), as_tensor(self._b2p)
        if b1p.dtype != var.dtype:
            from dataflowio.graph.ops.elementwise import cast

            b1p, b2p = cast(b1p, var.dtype), cast(b2p, var.dtype)
        return build(state.APPLY_ADAM, [b1p, b2p, *h, grad],
                     {"key": var._key, "m": m._key, "v": v._key, "var_shape": var.shape}, "ApplyAdam")

    def _finish(self, updates: list[Any]) -> Operation:
        graph = self._b1p.graph
        with graph.control_dependencies(updates):
            u1 = self._b1p.assign(self._b1p.value() * np.asarray(self._b1, self._b1p.dtype.np))
            u2 = self._b2p.assign(self._b2p.value() * np.asarray(self._b2, self._b2p.dtype.np))
        return group(*updates, u1, u2, name=self._name)


# ---- global step ---------------------------------------------------------------------------
def get_global_step(graph: Any = None) -> Variable | None:
    """Returns the global step variable of `graph` (default graph), or None."""
    graph = graph or get_default_graph()
    found = graph.get_collection(GraphKeys.GLOBAL_STEP)
    if found:
        return found[0]
    for v in graph.get_collection(GraphKeys.GLOBAL_VARIABLES):
        if v.op.name == "global_step":
            return v
    return None


def create_global_step(graph: Any = None) -> Variable:
    """Creates the int64 `global_step` variable (ValueError if one exists)."""
    graph = graph or get_default_graph()
    if get_global_step(graph) is not None:
        raise ValueError("global_step already exists.")
    with graph.as_default(), graph.name_scope(None):
        return Variable(np.int64(0), trainable=False, name="global_step",
                        collections=[GraphKeys.GLOBAL_VARIABLES, GraphKeys.GLOBAL_STEP])


def get_or_create_global_step(graph: Any = None) -> Variable:
    """Returns the global step variable, creating it if needed.

    >>> from dataflowio.graph.api import Graph
    >>> with Graph().as_default():
    ...     get_or_create_global_step() is get_or_create_global_step()
    True
    """
    found = get_global_step(graph)
    return found if found is not None else create_global_step(graph)


def global_step(sess: Any, global_step_tensor: Any) -> int:
    """Returns the integer value of the global step in `sess`."""
    return int(sess.run(global_step_tensor))


_ = dtypes
