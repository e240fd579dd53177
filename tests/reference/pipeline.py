"""The meaning of every transformation over plain Python lists: the living definition.

Each function takes a list of elements (NumPy values nested in tuples / dicts, as the engine
yields them) plus the transformation's arguments, and returns the list the engine must produce.
Nothing here imports the engine's ops; only `call` / `normalize` mirror tf.data's calling rules.
H3b adds the extra transformations at the end of this file.

>>> batch([np.int64(i) for i in range(5)], 2)[2].tolist()
[4]
>>> [int(x) for x in shard(list(map(np.int64, range(7))), 3, 1)]
[1, 4]
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

# ---- calling rules ------------------------------------------------------------------------------


def call(fn: Callable[..., Any], element: Any) -> Any:
    """tf.data's rule: a plain tuple element is unpacked into positional arguments."""
    return fn(*element) if type(element) is tuple else fn(element)


def leaf(v: Any) -> Any:
    """One value as elements hold it: NumPy scalars / arrays / bytes; literals get TF dtypes."""
    if isinstance(v, str):
        return v.encode()
    if isinstance(v, bytes):
        return v
    if isinstance(v, bool):
        return np.bool_(v)
    if isinstance(v, int):
        return np.int32(v)
    if isinstance(v, float):
        return np.float32(v)
    arr = np.asarray(v)
    if isinstance(v, list):  # Python literals: TF's dtypes (int32, float32)
        if arr.dtype == np.int64:
            arr = arr.astype(np.int32)
        elif arr.dtype == np.float64 or arr.dtype == object and arr.size == 0:
            arr = arr.astype(np.float32)
    if arr.dtype.kind in "SU":
        arr = arr.astype(object)
        arr = np.vectorize(lambda s: s.encode() if isinstance(s, str) else bytes(s), otypes=[object])(arr) \
            if arr.size else arr
    if arr.ndim == 0:
        item = arr[()]
        return bytes(item) if isinstance(item, np.bytes_) else item
    return arr


def is_structure(x: Any) -> bool:
    return isinstance(x, (tuple, dict))


def nest_map(fn: Callable[..., Any], x: Any) -> Any:
    """Applies `fn` to every leaf of `x`, keeping tuples / namedtuples / dicts."""
    if isinstance(x, dict):
        return type(x)((k, nest_map(fn, v)) for k, v in x.items())
    if isinstance(x, tuple):
        items = [nest_map(fn, v) for v in x]
        return type(x)(*items) if hasattr(x, "_fields") else tuple(items)
    return fn(x)


def leaves(x: Any) -> list[Any]:
    if isinstance(x, dict):
        return [v for k in sorted(x) for v in leaves(x[k])]
    if isinstance(x, tuple):
        return [v for c in x for v in leaves(c)]
    return [x]


def rebuild(like: Any, flat: Iterable[Any]) -> Any:
    it = iter(flat)

    def go(s: Any) -> Any:
        if isinstance(s, dict):
            vals = {k: go(s[k]) for k in sorted(s)}
            return type(s)((k, vals[k]) for k in s)
        if isinstance(s, tuple):
            items = [go(c) for c in s]
            return type(s)(*items) if hasattr(s, "_fields") else tuple(items)
        return next(it)

    return go(like)


def normalize(x: Any) -> Any:
    if type(x) is list:
        x = tuple(x)
    return nest_map(leaf, x)


# ---- sources ------------------------------------------------------------------------------------


def range_(*args: int) -> list[Any]:
    return [np.int64(i) for i in range(*args)]


def from_tensors(value: Any) -> list[Any]:
    return [normalize(value)]


def from_tensor_slices(value: Any) -> list[Any]:
    arrays = nest_map(lambda v: leaf(v) if not isinstance(v, np.ndarray) else v, value) \
        if is_structure(value) else (leaf(value) if not isinstance(value, np.ndarray) else value)
    flat = leaves(arrays)
    n = len(flat[0])
    return [rebuild(arrays, [leaf(np.array(a[i], copy=True)) for a in flat]) for i in range(n)]


def from_generator(gen: Callable[[], Iterable[Any]]) -> list[Any]:
    return [normalize(v) for v in gen()]


# ---- transformations ----------------------------------------------------------------------------


def map_(xs: list[Any], fn: Callable[..., Any]) -> list[Any]:
    return [normalize(call(fn, x)) for x in xs]


def filter_(xs: list[Any], pred: Callable[..., Any]) -> list[Any]:
    return [x for x in xs if bool(call(pred, x))]


def _stack(group: list[Any]) -> Any:
    flats = [leaves(e) for e in group]
    cols = []
    for j in range(len(flats[0])):
        vals = [f[j] for f in flats]
        if isinstance(vals[0], bytes) or (isinstance(vals[0], np.ndarray) and vals[0].dtype == object):
            out = np.empty((len(vals),) + np.shape(vals[0]), dtype=object)
            for i, v in enumerate(vals):
                out[i] = v
            cols.append(out)
        else:
            cols.append(np.stack([np.asarray(v) for v in vals]))
    return rebuild(group[0], cols)


def batch(xs: list[Any], n: int, drop_remainder: bool = False) -> list[Any]:
    groups = [xs[i:i + n] for i in range(0, len(xs), n)]
    if drop_remainder:
        groups = [g for g in groups if len(g) == n]
    return [_stack(g) for g in groups]


def padded_batch(xs: list[Any], n: int, drop_remainder: bool = False) -> list[Any]:
    """Pads every component to the largest shape in its batch with 0 / b""."""
    out = []
    for g in [xs[i:i + n] for i in range(0, len(xs), n)]:
        if drop_remainder and len(g) < n:
            continue
        flats = [leaves(e) for e in g]
        cols = []
        for j in range(len(flats[0])):
            is_str = isinstance(flats[0][j], bytes) or np.asarray(flats[0][j]).dtype == object
            vals = [np.asarray(f[j], dtype=object if is_str else None) for f in flats]
            shape = tuple(max(v.shape[d] for v in vals) for d in range(vals[0].ndim))
            col = np.full((len(vals),) + shape, b"" if is_str else 0, dtype=object if is_str else vals[0].dtype)
            for i, v in enumerate(vals):
                col[(i,) + tuple(slice(0, k) for k in v.shape)] = v if v.ndim else v[()]
            cols.append(col)
        out.append(rebuild(g[0], cols))
    return out


def unbatch(xs: list[Any]) -> list[Any]:
    out = []
    for x in xs:
        flat = leaves(x)
        for i in range(len(flat[0])):
            out.append(rebuild(x, [leaf(np.array(c[i], copy=True)) if np.ndim(c) > 1 else leaf(c[i]) for c in flat]))
    return out


def repeat(xs: list[Any], count: int | None = None) -> Iterable[Any]:
    if count is None or count == -1:
        return itertools.chain.from_iterable(itertools.repeat(xs)) if xs else iter([])
    return [x for _ in range(count) for x in xs]


def take(xs: Iterable[Any], n: int) -> list[Any]:
    return list(xs) if n == -1 else list(itertools.islice(xs, n))


def skip(xs: list[Any], n: int) -> list[Any]:
    return [] if n == -1 else list(xs)[n:]


def shard(xs: list[Any], num_shards: int, index: int) -> list[Any]:
    return list(xs)[index::num_shards]


def shuffle(xs: list[Any], buffer_size: int, draw: Callable[[int], int]) -> list[Any]:
    """tf.data's buffer: fill to `buffer_size`; each output is a uniformly random slot
    (`draw(n)` in [0, n)), replaced by the next input; once the input has ended, the emptied slot
    takes the last one (the buffer drains randomly)."""
    src = iter(xs)
    buf = list(itertools.islice(src, buffer_size))
    out = []
    while buf:
        i = draw(len(buf))
        out.append(buf[i])
        nxt = next(src, _END)
        if nxt is not _END:
            buf[i] = nxt
        else:
            last = buf.pop()
            if i < len(buf):
                buf[i] = last
    return out


_END = object()


def cache(xs: list[Any]) -> list[Any]:
    return list(xs)


def concatenate(a: list[Any], b: list[Any]) -> list[Any]:
    return list(a) + list(b)


def zip_(*lists: list[Any]) -> list[Any]:
    return [tuple(t) for t in zip(*lists)]


def enumerate_(xs: list[Any], start: int = 0) -> list[Any]:
    return [(np.int64(start + i), x) for i, x in enumerate(xs)]


def prefetch(xs: list[Any], buffer_size: int = 0) -> list[Any]:
    return list(xs)


def reduce(xs: list[Any], initial: Any, fn: Callable[[Any, Any], Any]) -> Any:
    state = normalize(initial)
    for x in xs:
        state = normalize(fn(state, x))
    return state


# ---- comparing ----------------------------------------------------------------------------------


def canonical(x: Any) -> Any:
    """A comparable form of an element: structure kept, every leaf as (dtype, shape, values)."""
    if isinstance(x, dict):
        return ("dict", type(x).__name__, tuple((k, canonical(x[k])) for k in x))
    if isinstance(x, tuple):
        return ("tuple", type(x).__name__, tuple(canonical(v) for v in x))
    if isinstance(x, bytes):
        return ("bytes", x)
    if isinstance(x, np.generic):
        return ("scalar", x.dtype.name, x.item())
    if isinstance(x, np.ndarray):
        return ("array", "object" if x.dtype == object else x.dtype.name, x.shape, x.tolist())
    return ("python", type(x).__name__, x)


# ---- H3b's transformations go below -------------------------------------------------------------


def interleave(xs: list[Any], fn: Callable[..., list[Any]], cycle_length: int, block_length: int = 1) -> list[Any]:
    """tf.data's interleave over lists: `fn(x)` gives a list; an exhausted slot is noticed (and
    skipped) on its turn and refilled from the input on its next turn."""
    src = list(xs)
    slots: list[list[Any] | None] = [None] * cycle_length
    out: list[Any] = []
    pos = 0  # next input element
    i = taken = 0
    while pos < len(src) or any(s is not None for s in slots):
        if slots[i] is None:
            if pos < len(src):
                slots[i] = list(call(fn, src[pos]))
                pos += 1
                continue
            i, taken = (i + 1) % cycle_length, 0
            continue
        if not slots[i]:
            slots[i] = None
            i, taken = (i + 1) % cycle_length, 0
            continue
        out.append(slots[i].pop(0))  # type: ignore[union-attr]
        taken += 1
        if taken == block_length:
            i, taken = (i + 1) % cycle_length, 0
    return out


def flat_map(xs: list[Any], fn: Callable[..., list[Any]]) -> list[Any]:
    return [y for x in xs for y in call(fn, x)]


def window(xs: list[Any], size: int, shift: int | None = None, stride: int = 1,
           drop_remainder: bool = False) -> list[list[Any]]:
    """Each window as the list of its elements."""
    shift = size if shift is None else shift
    out = []
    for start in range(0, len(xs), shift):
        w = list(xs[start:start + (size - 1) * stride + 1:stride])
        if w and (len(w) == size or not drop_remainder):
            out.append(w)
    return out


def scan(xs: list[Any], initial: Any, fn: Callable[[Any, Any], Any]) -> list[Any]:
    state, out = normalize(initial), []
    for x in xs:
        state, y = fn(state, x)
        state = normalize(state)
        out.append(normalize(y))
    return out


def take_while(xs: list[Any], pred: Callable[..., Any]) -> list[Any]:
    return list(itertools.takewhile(lambda x: bool(call(pred, x)), xs))


def unique(xs: list[Any]) -> list[Any]:
    seen, out = set(), []
    for x in xs:
        k = repr(canonical(x))
        if k not in seen:
            seen.add(k)
            out.append(x)
    return out


def rebatch(xs: list[Any], sizes: list[int], drop_remainder: bool = False) -> list[Any]:
    rows = unbatch(xs)
    out, pos, k = [], 0, 0
    while pos < len(rows):
        n = sizes[k % len(sizes)]
        group = rows[pos:pos + n]
        if len(group) < n and drop_remainder:
            break
        out.append(_stack(group))
        pos, k = pos + n, k + 1
    return out


def group_by_window(xs: list[Any], key: Callable[..., Any], reduce_fn: Callable[[int, list[Any]], list[Any]],
                    size: Callable[[int], int]) -> list[Any]:
    """Windows per key, reduced when full; the rest reduced at the end in ascending key order."""
    groups: dict[int, list[Any]] = {}
    out: list[Any] = []
    for x in xs:
        k = int(call(key, x))
        groups.setdefault(k, []).append(x)
        if len(groups[k]) == size(k):
            out.extend(reduce_fn(k, groups.pop(k)))
    for k in sorted(groups):
        out.extend(reduce_fn(k, groups[k]))
    return out


def choose_from_datasets(lists: list[list[Any]], choices: list[int], stop_on_empty: bool = True) -> list[Any]:
    its = [list(x) for x in lists]
    alive = [True] * len(its)
    out = []
    for c in choices:
        if not alive[c]:
            continue
        if its[c]:
            out.append(its[c].pop(0))
            continue
        if stop_on_empty:
            break
        alive[c] = False
        if not any(alive):
            break
    return out


def counter(start: int, step: int, n: int) -> list[Any]:
    return [np.int64(start + i * step) for i in range(n)]


def ignore_errors(make: Callable[[], Iterable[Any]]) -> list[Any]:
    """The elements of a generator-like producer, skipping the ones whose production raised."""
    return [x for x in make() if not isinstance(x, Exception)]
