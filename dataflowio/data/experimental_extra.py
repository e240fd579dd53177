"""tf.data.experimental's functions for the H3b transformations, as TF1 programs call them:
`ds.apply(tf.data.experimental.ignore_errors())`, `tf.data.experimental.sample_from_datasets(...)`.

Each `Dataset.apply` helper returns a function of a dataset that calls the `Dataset` method of the
same name; the sources are thin aliases with tf.data.experimental's defaults.

>>> from dataflowio.data import Dataset
>>> [int(v) for v in Dataset.from_tensor_slices([1, 1, 2]).apply(unique())]
[1, 2]
>>> [int(v) for v in Counter(3).take(2)]
[3, 4]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dataflowio import dtypes


def _dataset() -> Any:
    from dataflowio.data.dataset import Dataset

    return Dataset


def ignore_errors(log_warning: bool = False) -> Callable[[Any], Any]:
    """`Dataset.apply` form of `Dataset.ignore_errors` (tf.data.experimental.ignore_errors)."""
    return lambda ds: ds.ignore_errors(log_warning=log_warning)


def unique() -> Callable[[Any], Any]:
    """`Dataset.apply` form of `Dataset.unique`."""
    return lambda ds: ds.unique()


def scan(initial_state: Any, scan_func: Callable[..., Any]) -> Callable[[Any], Any]:
    """`Dataset.apply` form of `Dataset.scan`.

    >>> import numpy as np
    >>> from dataflowio.data import Dataset
    >>> [int(v) for v in Dataset.range(4).apply(scan(np.int64(0), lambda s, x: (s + x, s + x)))]
    [0, 1, 3, 6]
    """
    return lambda ds: ds.scan(initial_state, scan_func)


def take_while(predicate: Callable[..., Any]) -> Callable[[Any], Any]:
    """`Dataset.apply` form of `Dataset.take_while`."""
    return lambda ds: ds.take_while(predicate)


def group_by_window(key_func: Callable[..., Any], reduce_func: Callable[..., Any],
                    window_size: int | None = None,
                    window_size_func: Callable[..., Any] | None = None) -> Callable[[Any], Any]:
    """`Dataset.apply` form of `Dataset.group_by_window`."""
    return lambda ds: ds.group_by_window(key_func, reduce_func, window_size, window_size_func)


def bucket_by_sequence_length(element_length_func: Callable[..., Any], bucket_boundaries: Any,
                              bucket_batch_sizes: Any, padded_shapes: Any = None,
                              padding_values: Any = None, pad_to_bucket_boundary: bool = False,
                              no_padding: bool = False, drop_remainder: bool = False) -> Callable[[Any], Any]:
    """`Dataset.apply` form of `Dataset.bucket_by_sequence_length`."""
    return lambda ds: ds.bucket_by_sequence_length(
        element_length_func, bucket_boundaries, bucket_batch_sizes, padded_shapes, padding_values,
        pad_to_bucket_boundary, no_padding, drop_remainder)


def parallel_interleave(map_func: Callable[..., Any], cycle_length: int, block_length: int = 1,
                        sloppy: bool = False, buffer_output_elements: int | None = None,
                        prefetch_input_elements: int | None = None) -> Callable[[Any], Any]:
    """`Dataset.apply` form of a parallel `interleave` (`sloppy=True` allows any order).

    >>> from dataflowio.data import Dataset
    >>> ds = Dataset.range(1, 4).apply(parallel_interleave(lambda x: Dataset.range(x), cycle_length=2))
    >>> [int(v) for v in ds]
    [0, 0, 1, 0, 1, 2]
    """
    return lambda ds: ds.interleave(map_func, cycle_length=cycle_length, block_length=block_length,
                                    num_parallel_calls=cycle_length, deterministic=not sloppy)


def sample_from_datasets(datasets: list[Any], weights: Any = None, seed: int | None = None,
                         stop_on_empty_dataset: bool = False) -> Any:
    """`Dataset.sample_from_datasets` (tf.data.experimental's name)."""
    return _dataset().sample_from_datasets(datasets, weights, seed, stop_on_empty_dataset)


def choose_from_datasets(datasets: list[Any], choice_dataset: Any, stop_on_empty_dataset: bool = False) -> Any:
    """`Dataset.choose_from_datasets`; note tf.data.experimental's default `stop_on_empty_dataset=False`."""
    return _dataset().choose_from_datasets(datasets, choice_dataset, stop_on_empty_dataset)


def Counter(start: Any = 0, step: Any = 1, dtype: Any = dtypes.int64) -> Any:
    """`Dataset.counter` (tf.data.experimental.Counter)."""
    return _dataset().counter(start, step, dtype)


def RandomDataset(seed: int | None = None) -> Any:
    """`Dataset.random` (tf.data.experimental.RandomDataset)."""
    return _dataset().random(seed)


__all__ = ["Counter", "RandomDataset", "bucket_by_sequence_length", "choose_from_datasets",
           "group_by_window", "ignore_errors", "parallel_interleave", "sample_from_datasets", "scan",
           "take_while", "unique"]
