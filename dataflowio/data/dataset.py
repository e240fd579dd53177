"""`Dataset`: the public, immutable, lazy facade over the logical plan (tf.data's API).

Each method documents one transformation and builds one plan node (`dataflowio.data.ops`);
nothing runs until the dataset is iterated (`dataflowio.data.execute`).

>>> ds = Dataset.range(6).map(lambda x: x * 2).batch(4)
>>> [b.tolist() for b in ds]
[[0, 2, 4, 6], [8, 10]]
"""

from __future__ import annotations

import importlib
from typing import Any, Callable, Generic, Iterator, TypeVar

import numpy as np

from dataflowio import dtypes
from dataflowio.data import structure
from dataflowio.data.execute import DatasetIterator
from dataflowio.data.ops._common import as_int
from dataflowio.data.ops._fn import check_arity, is_graph_tensor, num_args_for
from dataflowio.data.ops.batch import Batch
from dataflowio.data.ops.from_tensor_slices import FromTensorSlices, slice_value
from dataflowio.data.ops.from_tensors import FromTensors, as_element
from dataflowio.data.ops.map import Map
from dataflowio.data.ops.range import Range
from dataflowio.data.ops.repeat import Repeat
from dataflowio.data.ops.take import Take
from dataflowio.data.options import Options
from dataflowio.data.plan import INFINITE, UNKNOWN, Node, walk
from dataflowio.errors import InvalidArgumentError

T = TypeVar("T")

AUTOTUNE = -1
INFINITE_CARDINALITY = INFINITE
UNKNOWN_CARDINALITY = UNKNOWN


class Dataset(Generic[T]):
    """A lazy, immutable pipeline of elements: a logical plan node plus its options.

    Build one with a static source (`range`, `from_tensor_slices`, ...) and transformations; iterate
    it with `for`, `iter()` or `as_numpy_iterator()`. Elements are NumPy values.

    >>> ds = Dataset.from_tensor_slices(([1, 2, 3], ["a", "b", "c"]))
    >>> [(int(x), s) for x, s in ds]
    [(1, b'a'), (2, b'b'), (3, b'c')]
    """

    def __init__(self, plan_node: Node, options: Options | None = None) -> None:
        if not isinstance(plan_node, Node):
            raise TypeError(f"Dataset: expected a plan Node, got {type(plan_node).__name__}.")
        self._plan = plan_node
        self._options = options

    @classmethod
    def _from_plan(cls, node: Node, options: Options | None = None) -> Dataset[Any]:
        return cls(node, options)

    def _then(self, node: Node) -> Dataset[Any]:
        return Dataset(node, self._options)

    # ---- sources ----------------------------------------------------------------------------

    @staticmethod
    def from_tensors(tensors: Any, name: str | None = None) -> Dataset[Any]:
        """Returns a dataset with a single element, `tensors` (nested tuples / dicts kept).

        >>> [x.tolist() for x in Dataset.from_tensors([1, 2, 3])]
        [[1, 2, 3]]
        >>> Dataset.from_tensors(1.5).element_spec
        TensorSpec(shape=(), dtype=tf.float32, name=None)
        """
        return Dataset(FromTensors(value=as_element(tensors), name=name))

    @staticmethod
    def from_tensor_slices(tensors: Any, name: str | None = None) -> Dataset[Any]:
        """Returns a dataset with one element per row (axis 0) of every component of `tensors`.

        Tuples give tuple elements, dicts give dicts; a list is one tensor (as in tf.data).
        Python ints become int32, floats float32, strings `bytes`.

        >>> [int(x) for x in Dataset.from_tensor_slices([1, 2, 3])]
        [1, 2, 3]
        >>> [(d["a"].item(), d["b"]) for d in Dataset.from_tensor_slices({"a": [1, 2], "b": ["x", "y"]})]
        [(1, b'x'), (2, b'y')]

        Raises:
          InvalidArgumentError: if the components differ in size along axis 0, or one is a scalar.
        """
        return Dataset(FromTensorSlices(value=slice_value(tensors), name=name))

    @staticmethod
    def range(*args: int, output_type: Any = dtypes.int64, name: str | None = None) -> Dataset[Any]:
        """Returns a dataset of `range(start, stop, step)` as int64 scalars (or `output_type`).

        >>> [int(x) for x in Dataset.range(5)], [int(x) for x in Dataset.range(2, 10, 3)]
        ([0, 1, 2, 3, 4], [2, 5, 8])

        Raises:
          InvalidArgumentError: for a zero `step` or non-integer bounds.
        """
        if not 1 <= len(args) <= 3:
            raise InvalidArgumentError(f"range: expected 1 to 3 arguments (start, stop, step), got {len(args)}.")
        start, stop, step = (0, args[0], 1) if len(args) == 1 else (args + (1,))[:3]
        return Dataset(Range(start=start, stop=stop, step=step, dtype=dtypes.as_dtype(output_type),
                             name=name))

    # ---- transformations --------------------------------------------------------------------

    def map(self, map_func: Callable[..., Any], num_parallel_calls: int | None = None,
            deterministic: bool | None = None, name: str | None = None) -> Dataset[Any]:
        """Returns a dataset of `map_func(element)` for every element.

        Tuple elements are passed as separate positional arguments; a dict as one argument.

        >>> [int(x) for x in Dataset.range(3).map(lambda x: x + 1)]
        [1, 2, 3]
        >>> [int(v) for v in Dataset.from_tensor_slices(([1, 2], [10, 20])).map(lambda a, b: a + b)]
        [11, 22]

        Raises:
          InvalidArgumentError (also a TypeError): `map_func` takes the wrong number of arguments.
        """
        check_arity(map_func, num_args_for(self.element_spec), "Dataset.map")
        return self._then(Map(inputs=(self._plan,), fn=map_func, num_parallel_calls=num_parallel_calls,
                              deterministic=deterministic, name=name))

    def batch(self, batch_size: int, drop_remainder: bool = False, num_parallel_calls: int | None = None,
              deterministic: bool | None = None, name: str | None = None) -> Dataset[Any]:
        """Returns a dataset of batches: `batch_size` consecutive elements stacked on a new axis 0.

        The last batch may be smaller unless `drop_remainder=True`; the batch dimension of
        `element_spec` is then unknown (None).

        >>> [b.tolist() for b in Dataset.range(5).batch(2)]
        [[0, 1], [2, 3], [4]]
        >>> Dataset.range(5).batch(2, drop_remainder=True).element_spec.shape
        TensorShape([2])

        Raises:
          InvalidArgumentError: if `batch_size` < 1; while iterating, if elements differ in shape.
        """
        return self._then(Batch(inputs=(self._plan,), batch_size=as_int(batch_size, "batch", "batch_size"),
                                drop_remainder=bool(drop_remainder),
                                num_parallel_calls=num_parallel_calls, deterministic=deterministic,
                                name=name))

    def take(self, count: int, name: str | None = None) -> Dataset[Any]:
        """Returns a dataset of at most the first `count` elements (all of them if -1).

        >>> [int(x) for x in Dataset.range(10).take(3)]
        [0, 1, 2]
        """
        return self._then(Take(inputs=(self._plan,), count=as_int(count, "take", "count"), name=name))

    def repeat(self, count: int | None = None, name: str | None = None) -> Dataset[Any]:
        """Returns a dataset that replays this one `count` times (forever if None or -1).

        >>> [int(x) for x in Dataset.range(3).repeat(2)]
        [0, 1, 2, 0, 1, 2]
        >>> list(Dataset.range(0).repeat())          # an empty input stays empty
        []

        Raises:
          InvalidArgumentError: if `count` is below -1 (raised here, not while iterating).
        """
        return self._then(Repeat(inputs=(self._plan,), count=count, name=name))

    def prefetch(self, buffer_size: int, name: str | None = None) -> Dataset[Any]:
        """Returns a dataset that produces up to `buffer_size` elements ahead on a background thread.

        >>> [int(x) for x in Dataset.range(3).prefetch(2)]
        [0, 1, 2]
        """
        size = as_int(buffer_size, "prefetch", "buffer_size")
        if size < -1:
            raise InvalidArgumentError(f"prefetch: `buffer_size` must be >= 0 or AUTOTUNE (-1), got {size}.")
        try:
            module = importlib.import_module("dataflowio.data.ops.prefetch")
        except ImportError:  # the runtime helper's module is not there yet: prefetching is an identity
            return self
        return self._then(module.Prefetch(inputs=(self._plan,), buffer_size=size, name=name))

    # ---- introspection and iteration --------------------------------------------------------

    @property
    def element_spec(self) -> Any:
        """The (nested) `TensorSpec` of one element: shapes (None = unknown) and dtypes.

        >>> Dataset.range(3).batch(2).element_spec
        TensorSpec(shape=(None,), dtype=tf.int64, name=None)
        """
        return self._plan.element_spec()

    def cardinality(self) -> int:
        """Returns the number of elements, or INFINITE_CARDINALITY (-1) / UNKNOWN_CARDINALITY (-2).

        >>> Dataset.range(10).batch(3).cardinality(), Dataset.range(3).repeat().cardinality()
        (4, -1)
        """
        return int(self._plan.cardinality())

    def __len__(self) -> int:
        """The number of elements; TypeError when infinite or unknown (as tf.data).

        >>> len(Dataset.range(7))
        7
        """
        n = self.cardinality()
        if n == INFINITE:
            raise TypeError("The dataset is infinite.")
        if n == UNKNOWN:
            raise TypeError("The dataset length is unknown.")
        return n

    def __bool__(self) -> bool:
        return True

    def __iter__(self) -> DatasetIterator:
        """Returns a new iterator over the elements (NumPy values), with save()/restore().

        >>> it = iter(Dataset.range(3)); int(next(it)), [int(x) for x in it]
        (0, [1, 2])
        """
        return DatasetIterator(self._plan, self.options())

    def as_numpy_iterator(self) -> Iterator[Any]:
        """Returns an iterator over the elements as NumPy values (the same as `iter(ds)`).

        >>> list(Dataset.from_tensor_slices(["a", "b"]).as_numpy_iterator())
        [b'a', b'b']
        """
        return iter(self)

    def _make_iterator(self, tensor_values: dict[Any, Any] | None = None) -> DatasetIterator:
        """An iterator whose graph-Tensor sources take their values from `tensor_values`."""
        return DatasetIterator(self._plan, self.options(), tensor_values=tensor_values)

    def _graph_tensors(self) -> list[Any]:
        """The graph Tensors that source nodes hold (to be fed when a graph iterator initializes)."""
        out: list[Any] = []
        for node in walk(self._plan):
            value = getattr(node, "value", None)
            if isinstance(node, FromTensors | FromTensorSlices):
                out.extend(v for v in structure.flatten(value) if is_graph_tensor(v) and v not in out)
        return out

    def options(self) -> Options:
        """Returns the options in force for this dataset (merged from every `with_options`).

        >>> Dataset.range(3).options().deterministic is None
        True
        """
        return self._options.merge(None) if self._options is not None else Options()

    def __repr__(self) -> str:
        return f"<Dataset {self._plan.op_name} element_spec={self.element_spec}>"

    # ---- transformations added by the other data helpers (H3b, H4, H5, graph) go below -----
    # Keep one short documented method per transformation, in the same style as above.


def _np_scalar(x: Any) -> Any:
    return np.asarray(x)[()]
