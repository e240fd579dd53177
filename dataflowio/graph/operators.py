"""Binds Python operators (`+ - * / // % ** @ < <= > >= & | ^ ~ -x abs() x[...]`) on graph values.

>>> from dataflowio.graph.ops.core import constant
>>> from dataflowio.graph.session import Session
>>> with Graph().as_default():
...     x = constant([1.0, 2.0, 3.0])
...     print(Session().run((2 * x + 1)[1:] ** 2 / 5).tolist())
[5.0, 9.8]
"""

from __future__ import annotations

from typing import Any

from dataflowio.graph.graph import Graph  # noqa: F401 - used by the doctest
from dataflowio.graph.ops import array, linalg
from dataflowio.graph.ops import elementwise as ew
from dataflowio.graph.tensor import GraphValue


def _rev(fn: Any) -> Any:
    return lambda a, b: fn(b, a)


def _logical(fn_bool: Any) -> Any:
    return fn_bool


_BINARY = {
    "add": ew.add, "sub": ew.subtract, "mul": ew.multiply, "truediv": ew.divide,
    "floordiv": ew.floordiv, "mod": ew.mod, "pow": ew.pow, "matmul": linalg.matmul,
    "and": ew.logical_and, "or": ew.logical_or, "xor": ew.logical_xor,
}

for _name, _fn in _BINARY.items():
    _op_name = {"and": "LogicalAnd", "or": "LogicalOr", "xor": "LogicalXor", "matmul": "MatMul"}.get(_name, _name)
    setattr(GraphValue, f"__{_name}__", (lambda f, n: lambda a, b: f(a, b, name=n))(_fn, _op_name))
    setattr(GraphValue, f"__r{_name}__", (lambda f, n: lambda a, b: f(b, a, name=n))(_fn, _op_name))

GraphValue.__lt__ = lambda a, b: ew.less(a, b)  # type: ignore[method-assign,assignment]
GraphValue.__le__ = lambda a, b: ew.less_equal(a, b)  # type: ignore[method-assign,assignment]
GraphValue.__gt__ = lambda a, b: ew.greater(a, b)  # type: ignore[method-assign,assignment]
GraphValue.__ge__ = lambda a, b: ew.greater_equal(a, b)  # type: ignore[method-assign,assignment]
GraphValue.__neg__ = lambda a: ew.negative(a)  # type: ignore[attr-defined]
GraphValue.__pos__ = lambda a: a  # type: ignore[attr-defined]
GraphValue.__abs__ = lambda a: ew.abs(a)  # type: ignore[attr-defined]
GraphValue.__invert__ = lambda a: ew.logical_not(a)  # type: ignore[attr-defined]
GraphValue.__getitem__ = lambda a, key: array.getitem(a, key)  # type: ignore[attr-defined]
