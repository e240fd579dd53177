"""A static proof that a map function is stateless: same input, same output, no side effects.

The optimizer may parallelize a stateless function (`map_parallelization`) and move it past a
shuffle (`shuffle_by_index`, so the shuffle can gather rows by index). A function is *proven*
stateless only when all of this holds; anything else is "not proven" and the map stays as it is:

- it is a plain Python function (lambda or def), a `functools.partial` of one with constant
  arguments, or a function of numpy / dataflowio itself (not one of their random generators);
- its code (and the code of every lambda or comprehension inside it) writes no global, no outer
  variable, no attribute and no item (`x[i] = v` could be an input array), and does not yield;
- every global, closure cell and default argument it reads is a module (numpy, math, dataflowio,
  record_format), a whitelisted builtin (`len`, `int`, `min`, ...), a constant (numbers, strings,
  bytes, None, tuples of those, dtypes, NumPy arrays, value objects of numpy / dataflowio such as
  `FixedLenFeature` specs but no variable, iterator, generator, session or writer), a dict of
  those (read as a constant, as tf.data's tracing would capture it; a list or set read directly
  is refused, being the usual accumulator, a list inside a spec or dict is data), or itself a
  proven-stateless function;
- none of the names it uses is one of a blocklist of stateful names (`random`, `print`,
  `append`, `numpy_function`, `assign`, `sort`, ...), whatever object they are looked up on.

`Map(stateless=True)` declares the property (trusted); `stateless=False` declares the opposite.

>>> import numpy as np
>>> proven_stateless(lambda x, y: (np.float32(x) / 255, y))
True
>>> seen = []
>>> proven_stateless(lambda x: seen.append(x) or x)          # mutates outer state
False
>>> proven_stateless(lambda x: x + np.random.rand())           # draws random numbers
False
"""

from __future__ import annotations

import builtins
import dis
import functools
import sys
import types
from collections.abc import Callable
from typing import Any

import numpy as np

_WRITES = {"STORE_GLOBAL", "DELETE_GLOBAL", "STORE_ATTR", "DELETE_ATTR", "STORE_SUBSCR",
           "DELETE_SUBSCR", "STORE_SLICE", "YIELD_VALUE", "RETURN_GENERATOR", "IMPORT_NAME"}
_STATEFUL_NAMES = {
    "random", "rand", "randn", "randint", "shuffle", "permutation", "seed", "default_rng",
    "random_uniform", "random_normal", "truncated_normal", "multinomial", "uniform", "normal",
    "print", "open", "write", "writelines", "input", "exec", "eval", "globals", "locals", "vars",
    "setattr", "delattr", "__setitem__", "__delitem__", "__setattr__", "__import__",
    "append", "extend", "insert", "pop", "popitem", "remove", "clear", "update", "setdefault",
    "add", "discard", "put", "put_nowait", "get_nowait", "send", "throw", "next", "iter",
    "sort", "fill", "itemset", "setflags", "put_along_axis", "place", "putmask",
    "copyto", "assign", "assign_add", "assign_sub", "Variable", "get_variable", "py_func",
    "py_function", "numpy_function", "time", "perf_counter", "monotonic", "sleep", "id",
    "dropout", "out", "element_seed", "element_rng", "set_position",
}
_PURE_BUILTINS = {
    "len", "int", "float", "bool", "str", "bytes", "abs", "min", "max", "sum", "round", "divmod",
    "pow", "tuple", "list", "dict", "set", "frozenset", "zip", "range", "enumerate", "reversed",
    "sorted", "map", "filter", "any", "all", "isinstance", "slice", "type", "repr", "ord", "chr",
    "hash", "complex", "hex", "bin", "oct", "format", "object", "ValueError", "TypeError",
    "IndexError", "KeyError", "None", "True", "False", "NotImplemented", "Ellipsis",
}
_PURE_MODULE_ROOTS = ("numpy", "math", "dataflowio", "record_format", "operator")
_CONSTANT_TYPES = (int, float, complex, str, bytes, bool, type(None), np.generic, np.dtype,
                   np.ndarray, type(Ellipsis), range, slice)


def proven_stateless(fn: Callable[..., Any], _depth: int = 0) -> bool:
    """True when `fn` is proven free of state and side effects (see the module docstring)."""
    try:
        return _pure_value(fn, _depth, set())
    except Exception:  # noqa: BLE001 - an object we cannot inspect is simply not proven
        return False


def _pure_value(v: Any, depth: int, seen: set[int], nested: bool = False) -> bool:
    if isinstance(v, types.ModuleType):
        return _pure_module(v.__name__)
    if isinstance(v, _CONSTANT_TYPES):
        return True
    if isinstance(v, (tuple, frozenset)):
        return all(_pure_value(x, depth, seen, True) for x in v)
    if isinstance(v, list) and nested:  # a list inside a spec (`FixedLenFeature([784], ...)`)
        return len(v) <= 10_000 and all(_pure_value(x, depth, seen, True) for x in v)
    if isinstance(v, dict):
        # A dict of specs (the `features` of parse_single_example) is read as a constant: the
        # function's own code was checked not to mutate anything, and tf.data captures such a
        # value when it traces the function. Lists and sets are refused: they are the usual
        # accumulators (`seen = []`), mutated by other code.
        return len(v) <= 10_000 and all(_pure_value(x, depth, seen, True) for x in v.items())
    if isinstance(v, type):
        return v.__module__ in ("builtins",) or _pure_module(v.__module__) or issubclass(v, np.generic)
    if isinstance(v, functools.partial):
        return (_pure_value(v.func, depth, seen) and all(_pure_value(a, depth, seen) for a in v.args)
                and all(_pure_value(a, depth, seen) for a in v.keywords.values()))
    if isinstance(v, types.FunctionType):
        if _library_function(v):
            return not _blocked_name(v.__name__)
        return _pure_function(v, depth, seen)
    if not callable(v) and _pure_module(type(v).__module__) and not _blocked_type(type(v)):
        return True  # a value object of numpy / dataflowio (a DType, a FixedLenFeature spec)
    if isinstance(v, (types.BuiltinFunctionType, np.ufunc)):
        module = getattr(v, "__module__", None) or "numpy"
        return (module == "builtins" and v.__name__ in _PURE_BUILTINS) or \
            (_pure_module(module) and not _blocked_name(v.__name__))
    return False


def _library_function(fn: types.FunctionType) -> bool:
    """A top-level function of numpy / dataflowio itself (user code there is still analyzed)."""
    module = getattr(fn, "__module__", None) or ""
    if not _pure_module(module) or "<" in fn.__qualname__:
        return False
    owner = sys.modules.get(module)
    return owner is not None and getattr(owner, fn.__name__, None) is fn


def _blocked_type(t: type) -> bool:
    """Library objects whose value changes while a pipeline runs (variables, iterators, RNGs)."""
    return any(word in c.__name__ for c in t.__mro__
               for word in ("Variable", "Iterator", "Generator", "Random", "Session", "Graph",
                            "Dataset", "Writer", "Reader", "Queue"))


def _pure_module(name: str | None) -> bool:
    if not isinstance(name, str):
        return False
    root = name.split(".")[0]
    return root in _PURE_MODULE_ROOTS and "random" not in name.split(".")


def _blocked_name(name: str) -> bool:
    return name in _STATEFUL_NAMES or "random" in name


def _pure_function(fn: types.FunctionType, depth: int, seen: set[int]) -> bool:
    if id(fn) in seen:
        return True  # recursion: the other frames decide
    if depth > 4:
        return False
    seen.add(id(fn))
    code = fn.__code__
    if not _pure_code(code, set(code.co_freevars)):
        return False
    glb = fn.__globals__
    for name in _global_names(code):
        if name in glb:
            if not _pure_value(glb[name], depth + 1, seen):
                return False
        elif name not in _PURE_BUILTINS or not hasattr(builtins, name):
            return False
    for cell in fn.__closure__ or ():
        try:
            value = cell.cell_contents
        except ValueError:  # an empty cell (defined later): cannot tell
            return False
        if not _pure_value(value, depth + 1, seen):
            return False
    defaults = list(fn.__defaults__ or ()) + list((fn.__kwdefaults__ or {}).values())
    return all(_pure_value(d, depth + 1, seen) for d in defaults)


def _pure_code(code: types.CodeType, outer_cells: set[str]) -> bool:
    for ins in dis.get_instructions(code):
        if ins.opname in _WRITES:
            return False
        if ins.opname in ("STORE_DEREF", "DELETE_DEREF") and ins.argval in outer_cells:
            return False
    if any(_blocked_name(n) for n in code.co_names):
        return False
    # A nested lambda/comprehension: writing to *our* free variables is also outer state.
    return all(_pure_code(const, outer_cells | (set(const.co_freevars) - set(code.co_cellvars)))
               for const in code.co_consts if isinstance(const, types.CodeType))


def _global_names(code: types.CodeType) -> set[str]:
    out = {ins.argval for ins in dis.get_instructions(code) if ins.opname == "LOAD_GLOBAL"}
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            out |= _global_names(const)
    return {n[0] if isinstance(n, tuple) else n for n in out}

