"""Vectorized map: run a map function once on a whole chunk when that provably equals per element.

A map function `f` is *vectorizable* when `f(stack(rows)) == stack([f(r) for r in rows])`: its
result on columns (leading axis = elements) equals stacking its per-element results. Then a chunk
of 128 elements costs one Python call instead of 128. Safety is established in one of two ways:

1. **Declared**: `@dataflowio.data.experimental.vectorized` on the function (or `Map(vectorized=
   True)`). The user promises the property; it is trusted.
2. **Checked trial** (`Trial`), decided once per iterator at run time on the first chunk of >= 2
   elements. The chunk is computed per element as usual (these are the results handed out), then
   `f` is called once on the stacked columns and must give *bitwise* the same result: same
   structure, dtype, shape and bytes for every component. Three guards make a chance agreement on
   one chunk unlikely to hide a function that is not row-wise:
   - the columns are passed as `RowProbe` arrays (an `ndarray` subclass). Any operation that mixes
     rows or sees the batch axis (reductions such as `sum`/`max`/`mean`, reshapes, transposes,
     indexing, `len`, iteration, `bool()`/`int()`/`item()`/`tolist()`, array functions not on an
     element-wise allowlist, gufuncs like matmul, in-place updates, broadcasting against an array
     of higher rank than one element) marks the trial failed;
   - one synthetic row is appended: row 0 halved (`x // 2` for integers, `x * 0.5` for floats).
     A function that normalizes by a statistic of its input (`x / x.max()`) disagrees on it even
     when every real row shares that statistic (MNIST images almost all have max 255);
   - at least two rows must differ, else the decision waits for a later chunk (3 at most).
   A mismatch or any exception in the batched call decides "per element" for good. Later chunks
   whose batched call raises or returns a wrong leading dimension are recomputed per element, so
   a real error surfaces exactly as it would per element.

What the trial cannot see: a function that hides a cross-row statistic behind a conversion the
probe does not survive (`np.asarray(x)` inside a library call) *and* agrees on both the real rows
and the synthetic row. Switch the trial off with
`Options().experimental_optimization.vectorized_map = False`, or declare `Map(stateless=False)`.
The trial calls `f` a second time on the first chunk, so it is only used for functions that do not
rely on per-call Python side effects (tf.data itself traces a map function once and never runs its
Python side effects per element).

>>> import numpy as np
>>> from dataflowio.data.iterator import Chunk
>>> t = Trial(lambda x: x * 2 + 1)
>>> chunk = Chunk.from_columns(np.arange(4, dtype=np.int64), 4)
>>> per_element = lambda c: Chunk.from_elements([e * 2 + 1 for e in c.elements()])
>>> t.apply(chunk, per_element).columns().tolist(), t.decision
([1, 3, 5, 7], True)
>>> t2 = Trial(lambda x: x / x.max())        # row-wise? no: it reduces over the whole batch
>>> _ = t2.apply(Chunk.from_columns(np.arange(1.0, 5.0), 4),
...              lambda c: Chunk.from_elements([e / e.max() for e in c.elements()]))
>>> t2.decision, t2.reason
(False, 'the function used maximum.reduce, which mixes rows')
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from dataflowio.data import structure
from dataflowio.data.iterator import Chunk
from dataflowio.data.ops._fn import call_fn, normalize_element

_ATTR = "__dataflowio_vectorized__"
_MAX_UNDECIDED = 3


_BATCH = threading.local()


def in_batch_call() -> bool:
    """True while a map function runs on a whole chunk's columns (the batched call).

    The batch-aware hook for library functions: `dataflowio.io.parse_single_example` given a
    vector of records parses them at once (`parse_example`, the row-wise batch form) inside a
    batched call, and raises as TensorFlow does outside one. The trial still checks the result.
    """
    return getattr(_BATCH, "on", False)


@contextmanager
def batch_call() -> Iterator[None]:
    """Marks the code inside as a batched call (see `in_batch_call`)."""
    before = getattr(_BATCH, "on", False)
    _BATCH.on = True
    try:
        yield
    finally:
        _BATCH.on = before


def _call_batched(fn: Callable[..., Any], cols: Any) -> Any:
    with batch_call():
        return call_fn(fn, cols)


def vectorized(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Returns `fn` marked as safe to apply to a whole batch at once (its leading axis).

    `map(f)` then runs `f` once per chunk of elements. The promise: `f` on stacked rows equals
    stacking `f` on each row (element-wise arithmetic, casts, `decode_raw` of a vector of bytes).

    >>> import numpy as np
    >>> @vectorized
    ... def scale(x):
    ...     return x.astype(np.float32) / 255
    >>> is_declared_vectorized(scale), is_declared_vectorized(len)
    (True, False)
    """
    try:
        setattr(fn, _ATTR, True)
        return fn
    except (AttributeError, TypeError):
        def wrapper(*args: Any) -> Any:
            return fn(*args)

        wrapper.__qualname__ = getattr(fn, "__qualname__", "vectorized")
        setattr(wrapper, _ATTR, True)
        return wrapper


def is_declared_vectorized(fn: Any) -> bool:
    """True when `fn` was marked with `vectorized` (a batch-aware function)."""
    return getattr(fn, _ATTR, False) is True


class Trial:
    """The per-iterator vectorization decision for one function (see the module docstring).

    `decision` is None (not yet decided), True (vectorized) or False (per element); `reason`
    says why it is False.
    """

    def __init__(self, fn: Callable[..., Any], declared: bool = False) -> None:
        self.fn = fn
        self.decision: bool | None = True if declared else None
        self.reason = ""
        self._undecided = 0
        self._lock = threading.Lock()  # parallel maps: one worker runs the trial

    def apply(self, chunk: Chunk, per_element: Callable[[Chunk], Chunk],
              trusted: Callable[[], bool] | None = None) -> Chunk:
        """`chunk` mapped: by one batched call when proven equal, else by `per_element(chunk)`.

        `trusted()`, asked after the per-element results of a trial chunk, may veto deciding on
        them (a parallel map's chunk holding a failed element)."""
        if self.decision is False or chunk.size == 0:
            return per_element(chunk)
        if self.decision is None:
            with self._lock:
                if self.decision is None:
                    return self._trial(chunk, per_element, trusted)
            return self.apply(chunk, per_element, trusted)
        try:
            out = normalize_element(_call_batched(self.fn, chunk.columns()))
        except Exception:  # noqa: BLE001 - recompute per element: the real error surfaces there
            out = None     # (outside this handler: the element's error must not chain onto it)
        if out is None or not _leading_dim_is(out, chunk.size):
            return per_element(chunk)
        return Chunk.from_columns(out, chunk.size)

    def _trial(self, chunk: Chunk, per_element: Callable[[Chunk], Chunk],
               trusted: Callable[[], bool] | None = None) -> Chunk:
        result = per_element(chunk)  # the real results, errors included
        if chunk.size < 2 or (trusted is not None and not trusted()):
            return result
        try:
            return self._compare(chunk, result)
        except Exception as e:  # noqa: BLE001 - a guard failed: never vectorize on doubt
            return self._decide(False, f"the trial failed ({type(e).__name__}: {e})", result)

    def _compare(self, chunk: Chunk, result: Chunk) -> Chunk:
        try:
            cols = chunk.columns()
            expected = result.columns()
        except Exception:  # noqa: BLE001 - ragged inputs or outputs: cannot vectorize
            return self._decide(False, "elements do not stack (different shapes)", result)
        if not _rows_differ(cols, chunk.size):
            self._undecided += 1
            if self._undecided >= _MAX_UNDECIDED:
                return self._decide(False, "every trial chunk had identical rows", result)
            return result
        synthetic = _synthetic_row(cols)
        extra = None
        if synthetic is not None:
            try:
                extra = normalize_element(call_fn(self.fn, synthetic))
                cols = structure.map_structure(_append_row, cols, synthetic) \
                    if structure.is_structure(cols) else _append_row(cols, synthetic)
                expected = structure.stack(list(result.elements()) + [extra])
            except Exception:  # noqa: BLE001 - the function rejects the synthetic row: skip it
                extra = None
                cols, expected = chunk.columns(), result.columns()
        log = _ProbeLog()
        try:
            got = _call_batched(self.fn, _wrap(cols, log))
            got = normalize_element(_unwrap(got))
        except Exception as e:  # noqa: BLE001 - not batch-safe: stay per element
            return self._decide(False, log.reason or f"the batched call raised {type(e).__name__}",
                                result)
        if log.reason:
            return self._decide(False, log.reason, result)
        why = _difference(expected, got)
        return self._decide(why is None, why or "", result)

    def _decide(self, ok: bool, reason: str, result: Chunk) -> Chunk:
        self.decision, self.reason = ok, reason
        return result


# ---- comparing results --------------------------------------------------------------------


def _difference(expected: Any, got: Any) -> str | None:
    """None when `got` is bitwise `expected` (structure, dtype, shape, bytes), else why not."""
    if not structure.same_structure(expected, got):
        return "the batched result has a different structure"
    for (path, e), g in zip(structure.flatten_with_paths(expected), structure.flatten(got)):
        if not isinstance(g, np.ndarray):
            return f"component {path or 0} of the batched result is not an array"
        if e.dtype != g.dtype or e.shape != g.shape:
            return (f"component {path or 0}: batched {g.dtype}{list(g.shape)} vs per element "
                    f"{e.dtype}{list(e.shape)}")
        if e.dtype == object:
            if not all(type(a) is type(b) and a == b for a, b in zip(e.ravel(), g.ravel())):
                return f"component {path or 0}: values differ"
        elif np.ascontiguousarray(e).tobytes() != np.ascontiguousarray(g).tobytes():
            return f"component {path or 0}: values differ"
    return None


def _leading_dim_is(out: Any, n: int) -> bool:
    return all(isinstance(v, np.ndarray) and v.ndim >= 1 and len(v) == n
               for v in structure.flatten(out))


def _rows_differ(cols: Any, n: int) -> bool:
    for c in structure.flatten(cols):
        c = np.asarray(c)
        if c.dtype == object:
            if any(c[i] != c[0] if c.ndim == 1 else not np.array_equal(c[i], c[0])
                   for i in range(1, n)):
                return True
        elif not (c == c[:1]).all():
            return True
    return False


def _append_row(column: Any, row: Any) -> np.ndarray:
    column = np.asarray(column)
    out = np.empty((len(column) + 1,) + column.shape[1:], dtype=column.dtype)
    out[:-1] = column
    if column.dtype == object and column.ndim == 1:
        out[-1] = row
    else:
        out[-1] = np.asarray(row)
    return out


def _synthetic_row(cols: Any) -> Any:
    """Row 0 halved, per numeric component (None when no component is numeric)."""
    numeric = False

    def leaf(c: Any) -> Any:
        nonlocal numeric
        col = np.asarray(c)
        r = np.asarray(col[0], dtype=col.dtype)
        if col.dtype.kind in "iu":
            numeric = True
            return structure.to_element_leaf(np.asarray(r // 2, dtype=col.dtype))
        if col.dtype.kind in "fc":
            numeric = True
            return structure.to_element_leaf(np.asarray(r * 0.5, dtype=col.dtype))
        return structure.to_element_leaf(col[0])

    row = structure.map_structure(leaf, cols) if structure.is_structure(cols) else leaf(cols)
    return row if numeric else None


# ---- the probe ----------------------------------------------------------------------------

# Array functions (np.*) that act element by element and keep the leading axis.
_ROWWISE_FUNCTIONS = {np.clip, np.where, np.around, np.round, np.nan_to_num, np.copy,
                      np.asanyarray, np.real, np.imag, np.isclose, np.zeros_like, np.ones_like,
                      np.full_like, np.empty_like, np.result_type, np.can_cast, np.shape, np.ndim}


class _ProbeLog:
    """Why the probed call is not row-wise (empty while nothing suspicious happened)."""

    def __init__(self) -> None:
        self.reason = ""

    def flag(self, what: str) -> None:
        if not self.reason:
            self.reason = f"the function used {what}, which mixes rows"


class RowProbe(np.ndarray):
    """Columns handed to the function during the trial; flags every row-mixing operation."""

    _log: _ProbeLog | None = None

    def __array_finalize__(self, obj: Any) -> None:
        self._log = getattr(obj, "_log", None)

    def _flag(self, what: str) -> None:
        if self._log is not None:
            self._log.flag(what)

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        probes = [x for x in inputs if isinstance(x, RowProbe)]
        if method != "__call__":
            self._flag(f"{ufunc.__name__}.{method}")
        elif ufunc.signature is not None:
            self._flag(f"the generalized ufunc {ufunc.__name__}")
        elif "out" in kwargs:
            self._flag(f"{ufunc.__name__}(out=...)")
        else:
            rank = probes[0].ndim
            if any(p.ndim != rank for p in probes):
                self._flag(f"{ufunc.__name__} on columns of different ranks")
            elif any(np.ndim(x) > rank - 1 for x in inputs if not isinstance(x, RowProbe)):
                self._flag(f"{ufunc.__name__} broadcasting against a larger array")
        raw = [np.ndarray.view(x, np.ndarray) if isinstance(x, RowProbe) else x for x in inputs]
        if "out" in kwargs:
            kwargs["out"] = tuple(np.ndarray.view(o, np.ndarray) if isinstance(o, RowProbe) else o
                                  for o in kwargs["out"])
        return _rewrap(getattr(ufunc, method)(*raw, **kwargs), self._log)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        if func not in _ROWWISE_FUNCTIONS:
            self._flag(f"np.{getattr(func, '__name__', func)}")
        return _rewrap(func(*_unwrap(list(args)), **_unwrap(dict(kwargs))), self._log)

    def __getitem__(self, key: Any) -> Any:
        self._flag("indexing")
        return super().__getitem__(key)

    def __setitem__(self, key: Any, value: Any) -> None:
        self._flag("item assignment")
        super().__setitem__(key, value)

    def __len__(self) -> int:
        self._flag("len()")
        return super().__len__()

    def __iter__(self) -> Any:
        self._flag("iteration")
        return super().__iter__()

    def __bool__(self) -> bool:
        self._flag("bool()")
        return super().__bool__()

    def __int__(self) -> int:
        self._flag("int()")
        return int(np.ndarray.view(self, np.ndarray).ravel()[0])

    def __float__(self) -> float:
        self._flag("float()")
        return float(np.ndarray.view(self, np.ndarray).ravel()[0])

    def __index__(self) -> int:
        self._flag("an index conversion")
        return int(np.ndarray.view(self, np.ndarray).ravel()[0])


def _mixing_method(name: str) -> Callable[..., Any]:
    def method(self: RowProbe, *args: Any, **kwargs: Any) -> Any:
        self._flag(f".{name}()")
        return getattr(np.ndarray, name)(np.ndarray.view(self, np.ndarray), *args, **kwargs)

    return method


for _name in ("reshape", "transpose", "swapaxes", "ravel", "flatten", "squeeze", "item", "tolist",
              "tobytes", "argmax", "argmin", "argsort", "sort", "dot", "take", "repeat", "cumsum",
              "cumprod", "nonzero", "diagonal", "trace", "compress", "choose", "partition",
              "searchsorted", "resize", "fill", "put"):
    setattr(RowProbe, _name, _mixing_method(_name))
RowProbe.T = property(lambda self: (self._flag(".T"), np.ndarray.view(self, np.ndarray).T)[1])  # type: ignore[attr-defined]


def _wrap(cols: Any, log: _ProbeLog) -> Any:
    def leaf(c: Any) -> Any:
        c = np.asarray(c)
        if c.dtype == object:
            return c  # strings: functions on them go through library code the probe cannot follow
        p = np.ndarray.view(c, RowProbe)
        p._log = log
        return p

    return structure.map_structure(leaf, cols) if structure.is_structure(cols) else leaf(cols)


def _rewrap(value: Any, log: _ProbeLog | None) -> Any:
    if isinstance(value, np.ndarray) and not isinstance(value, RowProbe) and value.ndim > 0:
        p = np.ndarray.view(value, RowProbe)
        p._log = log
        return p
    if isinstance(value, tuple):
        return tuple(_rewrap(v, log) for v in value)
    return value


def _unwrap(value: Any) -> Any:
    if isinstance(value, RowProbe):
        return np.ndarray.view(value, np.ndarray)
    if isinstance(value, list):
        return [_unwrap(v) for v in value]
    if type(value) is tuple:
        return tuple(_unwrap(v) for v in value)
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return type(value)(*(_unwrap(v) for v in value))
    if isinstance(value, dict):
        return {k: _unwrap(v) for k, v in value.items()}
    return value
