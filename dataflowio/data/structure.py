"""Nested element structures (tuples, namedtuples, dicts) and stacking them into batches.

An element is a leaf or a tuple / namedtuple / dict of elements. Lists are *values*, not structure
(as in tf.data, `from_tensor_slices([1, 2])` slices one tensor). Leaves are NumPy values: an
`np.ndarray`, a NumPy scalar, or `bytes` for a scalar string.

>>> flatten(({"a": 1, "b": (2, 3)}, 4))
[1, 2, 3, 4]
>>> pack_as(({"a": 0, "b": (0, 0)}, 0), [5, 6, 7, 8])
({'a': 5, 'b': (6, 7)}, 8)
>>> stack([(1, b"x"), (2, b"y")])[0].tolist()
[1, 2]
"""

from __future__ import annotations

from typing import Any, Callable, Iterator, NoReturn, Sequence

import numpy as np

from dataflowio.errors import InvalidArgumentError


def is_structure(x: Any) -> bool:
    """True for the containers tf.data treats as structure: tuple, namedtuple, dict."""
    return isinstance(x, (tuple, dict)) and not _is_leaf_tuple(x)


def _is_leaf_tuple(x: Any) -> bool:
    # SparseTensorValue is a namedtuple in TF1, but a single component of an element.
    return type(x).__name__ == "SparseTensorValue"


def _children(x: Any) -> list[Any]:
    if isinstance(x, dict):
        return [x[k] for k in sorted(x)]
    return list(x)


def flatten(x: Any) -> list[Any]:
    """The leaves of `x` in a fixed order (dict keys sorted, as tf.nest does)."""
    if not is_structure(x):
        return [x]
    out: list[Any] = []
    for c in _children(x):
        out.extend(flatten(c))
    return out


def flatten_with_paths(x: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """Leaves with a readable path, e.g. `[("[0]['image']", leaf), ...]`; a bare leaf has path ""."""
    if not is_structure(x):
        return [(prefix, x)]
    out: list[tuple[str, Any]] = []
    if isinstance(x, dict):
        for k in sorted(x):
            out.extend(flatten_with_paths(x[k], f"{prefix}[{k!r}]"))
    else:
        for i, c in enumerate(x):
            out.extend(flatten_with_paths(c, f"{prefix}[{i}]"))
    return out


def pack_as(structure: Any, flat: Sequence[Any]) -> Any:
    """Rebuilds `structure`'s shape with the leaves `flat` (the inverse of `flatten`)."""
    it = iter(flat)
    out = _pack(structure, it)
    leftover = sum(1 for _ in it)
    if leftover:
        raise InvalidArgumentError(f"pack_as: {leftover} leaves left over after packing.")
    return out


def _pack(structure: Any, it: Iterator[Any]) -> Any:
    if not is_structure(structure):
        return next(it)
    if isinstance(structure, dict):
        packed = {k: _pack(structure[k], it) for k in sorted(structure)}
        return type(structure)((k, packed[k]) for k in structure) if type(structure) is not dict \
            else {k: packed[k] for k in structure}
    values = [_pack(c, it) for c in structure]
    if hasattr(structure, "_fields"):  # namedtuple
        return type(structure)(*values)
    return type(structure)(values)


def map_structure(fn: Callable[..., Any], *structures: Any) -> Any:
    """Applies `fn` leaf-wise over structures of the same shape."""
    flats = [flatten(s) for s in structures]
    n = len(flats[0])
    for f in flats[1:]:
        if len(f) != n:
            raise InvalidArgumentError(f"map_structure: structures differ ({n} vs {len(f)} leaves).")
    return pack_as(structures[0], [fn(*leaves) for leaves in zip(*flats)])


def same_structure(a: Any, b: Any) -> bool:
    """True when `a` and `b` have the same nesting (types and dict keys), ignoring leaf values."""
    if is_structure(a) != is_structure(b):
        return False
    if not is_structure(a):
        return True
    if isinstance(a, dict) != isinstance(b, dict):
        return False
    if isinstance(a, dict):
        return sorted(a) == sorted(b) and all(same_structure(a[k], b[k]) for k in a)
    return len(a) == len(b) and all(same_structure(x, y) for x, y in zip(a, b))


def stack(elements: Sequence[Any], where: str = "batch") -> Any:
    """Stacks same-shaped elements along a new axis 0: the columnar form of a batch.

    String leaves stack to object arrays of `bytes`. Elements of different shapes raise
    `InvalidArgumentError` naming the component, both shapes and `where`.

    >>> stack([np.zeros(2), np.ones(3)], where="batch(2)")
    Traceback (most recent call last):
    ...
    record_format.errors.InvalidArgumentError: batch(2): cannot batch elements of different shapes: component 0 has shape (2,) in element 0 and (3,) in element 1.
      hint: resize in a map() before batching, or use padded_batch().
    """
    if not elements:
        raise InvalidArgumentError(f"{where}: cannot stack zero elements.")
    first = elements[0]
    # Fast paths (no per-element flatten): a bare leaf, or a plain tuple of leaves.
    if not is_structure(first):
        return stack_leaves(elements, where, "0")
    if type(first) is tuple and not any(is_structure(c) for c in first) \
            and all(type(e) is tuple and len(e) == len(first) for e in elements):
        return tuple(stack_leaves(col, where, f"[{j}]") for j, col in enumerate(zip(*elements)))
    if type(first) is dict and not any(is_structure(c) for c in first.values()) \
            and all(type(e) is dict and e.keys() == first.keys() for e in elements):
        return {k: stack_leaves([e[k] for e in elements], where, f"[{k!r}]") for k in first}
    flats = [flatten(e) for e in elements]
    paths = [p for p, _ in flatten_with_paths(first)]
    columns = []
    for j, path in enumerate(paths):
        leaves = [f[j] for f in flats]
        columns.append(stack_leaves(leaves, where, path or "0" if len(paths) == 1 else path))
    return pack_as(first, columns)


def stack_leaves(leaves: Sequence[Any], where: str, component: str) -> np.ndarray:
    """Stacks one component's leaves; see `stack`."""
    first = leaves[0]
    if isinstance(first, (bytes, str)) or (isinstance(first, np.ndarray) and first.dtype == object):
        out = np.empty((len(leaves),) + np.shape(first), dtype=object)
        for i, v in enumerate(leaves):
            if np.shape(v) != out.shape[1:]:
                _shape_error(where, component, leaves, out.shape[1:], i)
            out[i] = v
        return out
    try:
        return np.stack(leaves)
    except ValueError:
        pass
    shape0 = np.shape(first)
    bad = next((i for i, v in enumerate(leaves) if np.shape(v) != shape0), 0)
    _shape_error(where, component, leaves, shape0, bad)
    raise AssertionError("unreachable")


def _shape_error(where: str, component: str, leaves: Sequence[Any], shape0: tuple, bad: int) -> NoReturn:
    raise InvalidArgumentError(
        f"{where}: cannot batch elements of different shapes: component {component} has shape "
        f"{tuple(shape0)} in element 0 and {tuple(np.shape(leaves[bad]))} in element {bad}.\n"
        "  hint: resize in a map() before batching, or use padded_batch().")


def unstack(columns: Any, size: int) -> list[Any]:
    """The inverse of `stack`: `size` elements from columns whose leaves have leading dim `size`."""
    flat = flatten(columns)
    if all(type(c) is np.ndarray for c in flat):
        # Fast path: iterate each column once (NumPy yields scalars / row views / bytes).
        items = [list(c[:size]) if c.dtype != object else [to_element_leaf(v) for v in c[:size]]
                 for c in flat]
        if not is_structure(columns):
            return items[0]
        if type(columns) is tuple and len(flat) == len(columns):
            return list(zip(*items))
        if type(columns) is dict and len(flat) == len(columns):
            position = {k: i for i, k in enumerate(sorted(columns))}
            order = [(k, position[k]) for k in columns]
            return [{k: row[i] for k, i in order} for row in zip(*items)]
        return [pack_as(columns, row) for row in zip(*items)]
    return [pack_as(columns, [to_element_leaf(c[i]) for c in flat]) for i in range(size)]


def to_element_leaf(value: Any) -> Any:
    """Normalizes one leaf as elements hold it: 0-d arrays become NumPy scalars or `bytes`."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, np.bytes_):
        return bytes(value)
    return value
