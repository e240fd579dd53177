"""`Session.run`: prune the graph to the fetches, order it, and run the kernels.

Each distinct (fetches, feed keys) pair is compiled once into a plan: the needed ops in
creation order (a topological order), with constants and kernel attributes bound in advance,
turned into one generated Python function of straight-line kernel calls. A training step is
then a tight sequence of NumPy (or CuPy) calls with no per-op dispatch.

>>> from dataflowio.graph.ops.core import placeholder
>>> with Graph().as_default():
...     x = placeholder("float32", [None])
...     with Session() as sess:
...         print(sess.run({"y": x * 2}, feed_dict={x: [1.0, 2.0]})["y"].tolist())
[2.0, 4.0]
"""

from __future__ import annotations

import functools
import threading
import traceback
from collections.abc import Callable
from typing import Any

import numpy as np

from dataflowio import dtypes
from dataflowio.dtypes import convert_to_numpy
from dataflowio.errors import InvalidArgumentError, OpError
from dataflowio.graph.backend import NUMPY, kernel_for, to_host
from dataflowio.graph.context import ExecContext
from dataflowio.graph.graph import Graph, Operation, get_default_graph
from dataflowio.graph.ops.core import to_leaf
from dataflowio.graph.placement import SHAPE_ONLY, ConfigProto, log_placement, place
from dataflowio.graph.tensor import GraphValue, Tensor


# ---- fetch structures ----------------------------------------------------------------------
def _flatten(fetches: Any, out: list[Any]) -> Callable[[list[Any]], Any]:
    """Appends the leaves of `fetches` to `out`; returns a function rebuilding the structure."""
    if isinstance(fetches, dict):
        keys = list(fetches)
        subs = [_flatten(fetches[k], out) for k in keys]
        kind = type(fetches)
        return lambda vals: kind(zip(keys, (s(vals) for s in subs))) if kind is not dict \
            else {k: s(vals) for k, s in zip(keys, subs)}
    if isinstance(fetches, (list, tuple)):
        subs = [_flatten(f, out) for f in fetches]
        if hasattr(fetches, "_fields"):
            kind = type(fetches)
            return lambda vals: kind(*[s(vals) for s in subs])
        kind = type(fetches) if isinstance(fetches, tuple) else list
        return lambda vals: kind(s(vals) for s in subs)
    i = len(out)
    out.append(fetches)
    return lambda vals: vals[i]


_LITERAL = object()  # a concrete (already computed) value among the fetches


def _writable(value: Any) -> Any:
    """A fetched value the caller may modify: read-only arrays (a dataset batch is a read-only
    view of its source; kernels may return views of it) are copied, as TensorFlow's are."""
    if type(value) is np.ndarray and not value.flags.writeable:
        return value.copy()
    return value


# ---- plans ---------------------------------------------------------------------------------
def _guard_test(guard: tuple, slot: dict[int, str]) -> str:
    """Generated code that is true where every `(pred, taken)` of a cond guard holds."""
    return " and ".join(("" if taken else "not ") + f"_truth({slot[id(p)]})" for p, taken in guard)


def _dead(name: str) -> Any:
    raise InvalidArgumentError(f"Retval does not have value: {name} is made inside a branch of a "
                               "cond that this run did not take; fetch the cond's result instead.")


def _forwardable(ops: list[Operation], targets: list[Any], fed: dict[int, int]) -> set[int]:
    """Ids of the ops whose `inplace` kernel may run: the input it writes into comes from a
    `fresh` op (a new array), is not fed or fetched, and no other op reads its values (reading
    only its shape is fine)."""
    reads: dict[int, int] = {}
    for op in ops:
        skip = op.opdef.shape_inputs + op.opdef.host_inputs
        for i, t in enumerate(op.inputs):
            if i not in skip and op.type not in SHAPE_ONLY:
                reads[id(t)] = reads.get(id(t), 0) + 1
    for t in targets:
        reads[id(t)] = reads.get(id(t), 0) + 2
    out = set()
    for op in ops:
        if op.opdef.inplace is not None and len(op.inputs) > op.opdef.inplace_input:
            t = op.inputs[op.opdef.inplace_input]
            if t.op.opdef.fresh and id(t) not in fed and reads.get(id(t)) == 1:
                out.add(id(op))
    return out


class _Plan:
    """The compiled form of one (fetch targets, feed keys) combination."""

    def __init__(self, session: Session, targets: list[Any], feeds: list[Tensor]) -> None:
        fed = {id(t): i for i, t in enumerate(feeds)}
        needed: dict[int, Operation] = {}
        stack: list[Operation] = []
        for t in targets:
            if isinstance(t, Operation):
                stack.append(t)
            elif isinstance(t, Tensor) and id(t) not in fed:
                stack.append(t.op)
        while stack:
            op = stack.pop()
            if id(op) in needed:
                continue
            needed[id(op)] = op
            stack.extend(t.op for t in op.inputs if id(t) not in fed)
            stack.extend(op.control_inputs)
            stack.extend(p.op for p, _ in op.guard if id(p) not in fed)  # a cond branch's preds
        ops = sorted(needed.values(), key=lambda o: o._id)
        self.ops = ops
        self.missing = [op for op in ops if op.type == "Placeholder"]

        ns: dict[str, Any] = {"_host": to_host, "_writable": _writable, "_truth": bool, "_dead": _dead}
        slot: dict[int, str] = {}
        where: dict[int, Any] = {}          # slot id -> backend that produced it
        for i, t in enumerate(feeds):
            slot[id(t)] = f"f{i}"
            where[id(t)] = NUMPY
        forward = _forwardable(ops, targets, fed)
        lines = ["def _run(feeds):"]
        if feeds:
            lines.append("    " + "".join(f"f{i}, " for i in range(len(feeds))) + "= feeds")
        self.line_ops: dict[int, Operation] = {}
        cfg = session._config
        consts: set[str] = set()
        for k, op in enumerate(ops):
            backend, device, note = place(op, cfg)
            if cfg.log_device_placement and id(op) not in session._logged:
                session._logged.add(id(op))
                log_placement(op, device, note)
            if op.type == "NoOp" and not op.inputs:  # only orders its control inputs, placed above
                continue
            if op.type == "Const":  # a host value; device copies are made once per plan below
                name = f"c{k}"
                ns[name] = op.attrs["value"]
                slot[id(op.outputs[0])] = name
                where[id(op.outputs[0])] = NUMPY
                consts.add(name)
                continue
            kern = kernel_for(op.opdef, backend)
            if id(op) in forward and kern is op.opdef.kernel and \
                    where[id(op.inputs[op.opdef.inplace_input])] is backend:  # same device
                kern = op.opdef.inplace
            if op.opdef.stateful:
                ns[f"k{k}"] = functools.partial(kern, backend.xp, ctx=session._ctx, node=op, **op.attrs)
            elif not op.opdef.joins_branches:  # (a CondSelect is emitted inline, below)
                ns[f"k{k}"] = functools.partial(kern, backend.xp, **op.attrs) if op.attrs else \
                    functools.partial(kern, backend.xp)
            args = []
            host = op.opdef.host_inputs
            for i, t in enumerate(op.inputs):
                s = slot[id(t)]
                src = where[id(t)]
                if i in host or op.type in SHAPE_ONLY:
                    if src is not NUMPY and op.type not in SHAPE_ONLY:
                        s = f"_host({s})"
                elif src is not backend and s in consts:
                    dname = f"{s}_{backend.name}"
                    if dname not in ns:
                        ns[dname] = backend.to_device(ns[s])
                    s = dname
                elif src is not backend:
                    cname = f"up{len(ns)}"
                    ns[cname] = backend.to_device
                    s = f"{cname}({s})"
                args.append(s)
            outs = [f"v{k}_{j}" for j in range(len(op.outputs))]
            for t, o in zip(op.outputs, outs):
                slot[id(t)] = o
                where[id(t)] = backend
            if op.opdef.joins_branches:  # evaluates the taken branch's value only
                call = f"{args[1]} if _truth({args[0]}) else {args[2]}"
            else:
                call = f"k{k}({', '.join(args)})"
            indent = "    "
            if op.guard:  # inside a cond branch: runs only when the branch is taken
                lines.append(f"    if {_guard_test(op.guard, slot)}:")
                indent = "        "
            if not outs:
                lines.append(f"{indent}{call}")
            elif len(outs) == 1:
                lines.append(f"{indent}{outs[0]} = {call}")
            else:
                lines.append(f"{indent}{', '.join(outs)}, = {call}")
            self.line_ops[len(lines)] = op
        rets = []
        self.literals: list[str] | None = None
        for t in targets:
            if isinstance(t, Operation):
                rets.append("None")
            elif isinstance(t, Tensor):
                s = slot[id(t)]
                s = f"_writable({s})" if where[id(t)] is NUMPY else f"_host({s})"
                if t.op.guard and id(t) not in fed:
                    s = f"({s} if {_guard_test(t.op.guard, slot)} else _dead({t.name!r}))"
                rets.append(s)
            else:
                self.literals = self.literals or []
                name = f"lit{len(self.literals)}"
                self.literals.append(name)
                ns[name] = t
                rets.append(name)
        self.ns = ns
        self.converters: list[Callable[[Any], Any]] = []
        lines.append(f"    return ({''.join(r + ', ' for r in rets)})")
        self.source = "\n".join(lines)
        code = compile(self.source, "<dataflowio plan>", "exec")
        exec(code, ns)  # noqa: S102 - generated from our own op list, no user strings
        self.run: Callable[[tuple], tuple] = ns["_run"]

    def set_literals(self, values: list[Any]) -> None:
        """Concrete fetches are returned as given (they are part of the key only by position)."""
        for name, v in zip(self.literals or [], values):
            self.ns[name] = v

    def missing_error(self) -> InvalidArgumentError:
        t = self.missing[0].outputs[0]
        shape = "" if t.shape.rank is None else \
            f" and shape [{','.join('-1' if d is None else str(d) for d in t.shape)}]"
        return InvalidArgumentError(
            f"You must feed a value for placeholder tensor '{t.op.name}' with dtype "
            f"{t.dtype.name}{shape}\n\t [[{{{{node {t.op.name}}}}}]]")

    def failing_op(self, exc: BaseException) -> Operation | None:
        """The op whose kernel raised `exc` (from the generated function's line number)."""
        found = None
        for frame, lineno in traceback.walk_tb(exc.__traceback__):
            if frame.f_code.co_filename == "<dataflowio plan>":
                found = self.line_ops.get(lineno)
        return found


# ---- sessions ------------------------------------------------------------------------------
class Session:
    """Runs graph fragments: `run(fetches, feed_dict)`; variables keep their values across runs.

    Usable as a context manager (which also makes it the default session).
    """

    def __init__(self, target: str = "", graph: Graph | None = None, config: ConfigProto | None = None) -> None:
        self.graph = graph if graph is not None else get_default_graph()
        self.target = target
        self._config = config if config is not None else ConfigProto()
        self._ctx = ExecContext()
        self._closed = False
        self._plans: dict[tuple, _Plan] = {}
        self._logged: set[int] = set()
        self._default_cm: Any = None
        self._lock = threading.Lock()

    @property
    def sess_str(self) -> str:
        return self.target

    # -- resolution ----------------------------------------------------------------------------
    def _target(self, f: Any) -> Any:
        if isinstance(f, (Tensor, Operation)):
            if f.graph is not self.graph:
                raise ValueError(f"Fetch argument {f!r} cannot be interpreted as a Tensor. "
                                 f"({'Tensor' if isinstance(f, Tensor) else 'Operation'} {f!r} is not an "
                                 "element of this graph.)")
            return f
        if isinstance(f, GraphValue) or hasattr(f, "_as_graph_element"):
            return self._target(f._as_graph_element())
        if isinstance(f, str):
            try:
                return self.graph.as_graph_element(f)
            except KeyError as e:
                raise ValueError(f"Fetch argument {f!r} cannot be interpreted as a Tensor. ({e.args[0]})") from None
        if f is None:
            raise TypeError("Fetch argument None has invalid type <class 'NoneType'>")
        if isinstance(f, (np.ndarray, np.generic, int, float, bytes)):
            return f  # a concrete value (an op called on concrete values already computed it)
        raise TypeError(f"Fetch argument {f!r} has invalid type {type(f)}, must be a string or Tensor. "
                        "(Can not convert a {type(f).__name__} into a Tensor or Operation.)")

    def _feed_key(self, key: Any) -> Tensor:
        if isinstance(key, str):
            t = self.graph.as_graph_element(key)
        elif isinstance(key, GraphValue):
            t = key if isinstance(key, Tensor) else key._as_graph_element()
        else:
            raise TypeError(f"The key of a feed_dict must be a Tensor or its name, got {type(key).__name__}.")
        if not isinstance(t, Tensor):
            raise TypeError(f"Cannot feed an Operation ({key!r}); feed one of its output tensors.")
        if t.graph is not self.graph:
            raise ValueError(f"Cannot feed {t!r}: the tensor is not an element of this graph.")
        return t

    # -- running -------------------------------------------------------------------------------
    def run(self, fetches: Any, feed_dict: dict | None = None, options: Any = None,
            run_metadata: Any = None) -> Any:
        """Returns the values of `fetches` (a Tensor, Operation, name, or a nested list / tuple /
        namedtuple / dict of them), computed with `feed_dict` overriding tensors."""
        if self._closed:
            raise RuntimeError("Attempted to use a closed Session.")
        kind = type(fetches)
        if kind is Tensor or kind is Operation:
            rebuild = None
            fkey: Any = fetches
        else:
            flat: list[Any] = []
            rebuild = _flatten(fetches, flat)
            fkey = tuple(f if isinstance(f, (GraphValue, Operation, str)) else _LITERAL for f in flat)
        key = (fkey, tuple(feed_dict) if feed_dict else ())
        plan = self._plans.get(key)
        if plan is None:
            plan = self._compile(fetches if rebuild is None else flat, feed_dict, rebuild is None)
            self._plans[key] = plan
        if plan.literals is not None and rebuild is not None:
            plan.set_literals([f for f in flat if not isinstance(f, (GraphValue, Operation, str))])
        if feed_dict:
            feeds = tuple([conv(v) for conv, v in zip(plan.converters, feed_dict.values())])
        else:
            feeds = ()
        if plan.missing:
            raise plan.missing_error()
        try:
            results = plan.run(feeds)
        except OpError:
            raise
        except (ValueError, TypeError, IndexError, ZeroDivisionError, FloatingPointError) as e:
            op = plan.failing_op(e)
            where = f"{op.name} ({op.type})" if op is not None else "Session.run"
            raise InvalidArgumentError(f"{where}: {e}") from e
        if rebuild is None:
            return to_leaf(results[0])
        return rebuild([to_leaf(r) for r in results])

    def _compile(self, fetches: Any, feed_dict: dict | None, single: bool) -> _Plan:
        flat = [fetches] if single else fetches
        targets = [self._target(f) for f in flat]
        feed_tensors = [self._feed_key(k) for k in (feed_dict or {})]
        plan = _Plan(self, targets, feed_tensors)
        plan.converters = [functools.partial(convert_feed, t) for t in feed_tensors]
        plan._keep = (targets, feed_tensors)
        return plan

    def make_callable(self, fetches: Any, feed_list: list | None = None, accept_options: bool = False) -> Callable:
        """Returns `f(*feed_values)` equivalent to `run(fetches, dict(zip(feed_list, feed_values)))`."""
        feed_list = list(feed_list or [])

        def call(*values: Any) -> Any:
            return self.run(fetches, dict(zip(feed_list, values)))

        return call

    # -- lifetime ------------------------------------------------------------------------------
    def close(self) -> None:
        """Releases the session's state (closing dataset iterators); later `run` calls fail."""
        if self._closed:
            return
        self._closed = True
        for r in list(self._ctx.resources.values()):
            close = getattr(r, "close", None)
            if close is not None:
                try:
                    close()
                except Exception:  # noqa: BLE001 - close() never raises
                    pass
        self._ctx.resources.clear()
        self._plans.clear()

    def __del__(self) -> None:
        # releases dataset iterators (and their threads) of sessions that were never closed
        try:
            if not self._closed:
                self.close()
        except Exception:  # noqa: BLE001,S110 - never raise from a finalizer
            pass

    def as_default(self) -> Any:
        """Returns a context manager making this the default session."""
        return _DefaultSession(self)

    def __enter__(self) -> Session:
        self._default_cm = _DefaultSession(self)
        self._default_cm.__enter__()
        self._graph_cm = self.graph.as_default()
        self._graph_cm.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._graph_cm.__exit__(*exc)
        self._default_cm.__exit__(*exc)
        self.close()

    def list_devices(self) -> list[str]:
        from dataflowio.graph.backend import gpu_count

        return ["/job:localhost/replica:0/task:0/device:CPU:0"] + [
            f"/job:localhost/replica:0/task:0/device:GPU:{i}" for i in range(gpu_count())]


class InteractiveSession(Session):
    """A Session that installs itself as the default session when created (for shells)."""

    def __init__(self, target: str = "", graph: Graph | None = None, config: ConfigProto | None = None) -> None:
        super().__init__(target, graph, config)
        _default_stack().append(self)

    def close(self) -> None:
        super().close()
        stack = _default_stack()
        if self in stack:
            stack.remove(self)


def convert_feed(t: Tensor, value: Any) -> Any:
    """Converts a fed value to `t`'s dtype and checks it against `t`'s static shape."""
    want = t.dtype
    if type(value) is np.ndarray and value.dtype == want.np:
        arr = value
        shp = t._shape
        if shp._unknown_rank:
            return arr
        got = arr.shape
        if len(got) == len(shp) and all(d is None or d == g for d, g in zip(shp, got)):
            return arr
    if isinstance(value, GraphValue):
        raise TypeError(f"The value of a feed cannot be a tf.Tensor object ({value!r}). Acceptable feed "
                        "values include Python scalars, strings, lists, numpy ndarrays.")
    if type(value) is np.ndarray and value.dtype == want.np:
        arr = value
    elif want is dtypes.string:
        try:
            arr = convert_to_numpy(value, dtypes.string)
        except OpError as e:
            raise InvalidArgumentError(f"Cannot feed value for Tensor '{t.name}' of dtype string: {e}") from None
    else:
        raw = np.asarray(value)
        if raw.dtype.kind in "SUO":
            raise InvalidArgumentError(f"Cannot feed a value of dtype {raw.dtype} (strings) for Tensor "
                                       f"'{t.name}', which has dtype {want.name}; shapes: value "
                                       f"{raw.shape}, tensor {t.shape}.")
        if raw.dtype.kind in "fc" and (want.is_integer or want.is_bool) and raw.size and \
                not np.all(raw == np.round(raw)):
            raise InvalidArgumentError(f"Cannot feed a non-integer {raw.dtype} value for Tensor '{t.name}', "
                                       f"which has dtype {want.name} (value shape {raw.shape}, tensor shape "
                                       f"{t.shape}).")
        arr = raw.astype(want.np, copy=False)
    shp = t._shape
    if shp._unknown_rank:
        return arr
    got = arr.shape
    if len(got) != len(shp) or any(d is not None and d != g for d, g in zip(shp, got)):
        raise InvalidArgumentError(
            f"Cannot feed value of shape {tuple(arr.shape)} for Tensor '{t.name}', which has shape "
            f"'{str(t.shape).replace('None', '?')}'")
    return arr


# ---- default session -----------------------------------------------------------------------
_local = threading.local()


def _default_stack() -> list[Session]:
    s = getattr(_local, "stack", None)
    if s is None:
        s = _local.stack = []
    return s


class _DefaultSession:
    def __init__(self, sess: Session) -> None:
        self.sess = sess

    def __enter__(self) -> Session:
        _default_stack().append(self.sess)
        return self.sess

    def __exit__(self, *exc: object) -> None:
        stack = _default_stack()
        if stack and stack[-1] is self.sess:
            stack.pop()
        elif self.sess in stack:
            stack.remove(self.sess)


def get_default_session() -> Session | None:
    """Returns the innermost default session (or None)."""
    s = _default_stack()
    return s[-1] if s else None


def _session_for(session: Session | None, graph: Graph, where: str) -> Session:
    sess = session if session is not None else get_default_session()
    if sess is None:
        raise ValueError(f"Cannot evaluate tensor using `{where}`: No default session is registered. "
                         "Use `with sess.as_default()` or pass an explicit session to `eval(session=sess)`")
    if sess.graph is not graph:
        raise ValueError(f"Cannot use the given session to evaluate tensor: the tensor's graph is "
                         f"different from the session's graph ({where}).")
    return sess


def _clear_default_session_for(graph: Graph) -> None:
    stack = _default_stack()
    stack[:] = [s for s in stack if s.graph is not graph or isinstance(s, InteractiveSession)]
