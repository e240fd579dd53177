"""`Dataset.bucket_by_sequence_length`: batches elements of similar length together.

A composition, exactly as tf.data builds it: `group_by_window` keyed by the bucket of
`element_length_func(element)` (bucket `i` holds lengths in `[boundaries[i-1], boundaries[i])`),
each window of `bucket_batch_sizes[i]` elements reduced with `padded_batch` (or `batch` with
`no_padding=True`). With `pad_to_bucket_boundary=True` unknown dimensions pad to the bucket's
boundary minus one instead of the longest element.

>>> from dataflowio.data import Dataset
>>> ds = Dataset.from_tensor_slices([1, 3, 2, 5, 4]).map(lambda n: np.arange(n))
>>> [b.tolist() for b in bucket_by_sequence_length(ds, lambda x: len(x), [3], [2, 2])]
[[[0, 0], [0, 1]], [[0, 1, 2, 0, 0], [0, 1, 2, 3, 4]], [[0, 1, 2, 3]]]
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from dataflowio.data import structure
from dataflowio.data.ops._fn import add_note, call_fn
from dataflowio.errors import InvalidArgumentError

_INT32_MIN, _INT32_MAX = int(np.iinfo(np.int32).min), int(np.iinfo(np.int32).max)


def bucket_by_sequence_length(ds: Any, element_length_func: Callable[..., Any],
                              bucket_boundaries: Sequence[int], bucket_batch_sizes: Sequence[int],
                              padded_shapes: Any = None, padding_values: Any = None,
                              pad_to_bucket_boundary: bool = False, no_padding: bool = False,
                              drop_remainder: bool = False, name: str | None = None) -> Any:
    """Returns `ds` bucketed and batched (see the module docstring)."""
    where = "Dataset.bucket_by_sequence_length"
    boundaries = [int(b) for b in bucket_boundaries]
    sizes = [int(b) for b in bucket_batch_sizes]
    if len(sizes) != len(boundaries) + 1:
        raise InvalidArgumentError(
            f"{where}: `len(bucket_batch_sizes)` must equal `len(bucket_boundaries) + 1`, got "
            f"{len(sizes)} batch sizes and {len(boundaries)} boundaries.")
    if any(b >= c for b, c in itertools.pairwise(boundaries)):
        raise InvalidArgumentError(f"{where}: `bucket_boundaries` must be strictly increasing, got "
                                   f"{boundaries}.")
    if any(s < 1 for s in sizes):
        raise InvalidArgumentError(f"{where}: every bucket batch size must be >= 1, got {sizes}.")
    lows = [_INT32_MIN] + boundaries
    highs = boundaries + [_INT32_MAX]

    def bucket_of(*args: Any) -> np.int64:
        element = args if len(args) != 1 else args[0]
        try:
            n = int(np.asarray(call_fn(element_length_func, element)))
        except Exception as e:
            add_note(e, f"in {where} (element_length_func)")
            raise
        for i, (lo, hi) in enumerate(zip(lows, highs)):
            if lo <= n < hi:
                return np.int64(i)
        raise InvalidArgumentError(f"{where}: element length {n} is outside every bucket.")

    def window_size(bucket: Any) -> np.int64:
        return np.int64(sizes[int(bucket)])

    def batching(bucket: Any, window: Any) -> Any:
        b = int(bucket)
        if no_padding:
            return window.batch(sizes[b], drop_remainder=drop_remainder)
        filler = None
        if pad_to_bucket_boundary:
            if b >= len(boundaries):
                raise InvalidArgumentError(
                    f"{where}: with pad_to_bucket_boundary=True, elements must have length < "
                    f"max(bucket_boundaries) = {boundaries[-1] if boundaries else None}.")
            filler = boundaries[b] - 1
        if padded_shapes is not None:
            shapes = _padded_shapes(window.element_spec, padded_shapes, filler)
        else:
            shapes = _shapes_from_spec(window.element_spec, filler)
        return window.padded_batch(sizes[b], shapes, padding_values, drop_remainder=drop_remainder)

    from dataflowio.data.ops.group_by_window import GroupByWindow

    node = GroupByWindow(inputs=(ds._plan,), key_func=bucket_of, reduce_func=batching,
                         window_size_func=window_size, name=name,
                         spec=_bucketed_spec(ds.element_spec, padded_shapes, no_padding))
    return ds._then(node)


def _bucketed_spec(spec: Any, padded_shapes: Any, no_padding: bool) -> Any:
    """tf.data's static spec: the batch dim is unknown (the size depends on the bucket); padded
    dims are the given `padded_shapes` (or the input's), unknown where those are."""
    from dataflowio.tensor_shape import TensorShape, TensorSpec

    def one(s: Any, dims: Any) -> Any:
        dims = [None if (d is None or d == -1) else int(d) for d in dims]
        return TensorSpec(TensorShape([None] + dims), s.dtype)

    if no_padding or padded_shapes is None:
        return structure.map_structure(lambda s: one(s, list(s.shape)), spec) \
            if structure.is_structure(spec) else one(spec, list(spec.shape))
    shapes = _padded_shapes(spec, padded_shapes, None)
    flat_specs = structure.flatten(spec)
    flat_shapes = _flatten_shapes(spec, shapes)
    out = [one(s, d) for s, d in zip(flat_specs, flat_shapes)]
    return structure.pack_as(spec, out) if structure.is_structure(spec) else out[0]


def _flatten_shapes(spec: Any, shapes: Any) -> list[Any]:
    if not structure.is_structure(spec):
        return [shapes]
    if isinstance(spec, dict):
        return [d for k in sorted(spec) for d in _flatten_shapes(spec[k], shapes[k])]
    return [d for s, v in zip(spec, shapes) for d in _flatten_shapes(s, v)]


def _padded_shapes(spec: Any, shapes: Any, filler: int | None) -> Any:
    """The given shapes (nested like the element `spec`) with unknown dims (None / -1) = `filler`."""
    if not structure.is_structure(spec):
        return [filler if (d is None or d == -1) else int(d) for d in shapes]
    if isinstance(spec, dict):
        return {k: _padded_shapes(spec[k], shapes[k], filler) for k in spec}
    return tuple(_padded_shapes(s, v, filler) for s, v in zip(spec, shapes))


def _shapes_from_spec(spec: Any, filler: int | None) -> Any:
    """Padded shapes from the element spec: unknown dims pad to `filler` (or the batch's longest);
    known dims pad to the batch's longest too, which equals them when the spec is right (specs
    inferred from one element may be too specific, so they are not trusted as padding targets)."""
    def one(s: Any) -> list[int | None]:
        return [filler if d is None else None for d in s.shape]

    return structure.map_structure(one, spec) if structure.is_structure(spec) else one(spec)
