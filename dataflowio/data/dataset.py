"""`Dataset`: the public, immutable, lazy facade over the logical plan (tf.data's API).

Each method documents one transformation and builds one plan node (`dataflowio.data.ops`);
nothing runs until the dataset is iterated (`dataflowio.data.execute`).

>>> ds = Dataset.range(6).map(lambda x: x * 2).batch(4)
>>> [b.tolist() for b in ds]
[[0, 2, 4, 6], [8, 10]]
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

import numpy as np

from dataflowio import dtypes
from dataflowio.data import structure
from dataflowio.data.execute import DatasetIterator
from dataflowio.data.ops._common import as_int
from dataflowio.data.ops._fn import (
    add_note,
    check_arity,
    fn_name,
    is_graph_tensor,
    normalize_element,
    num_args_for,
)
from dataflowio.data.ops.batch import Batch
from dataflowio.data.ops.cache import Cache
from dataflowio.data.ops.concatenate import Concatenate
from dataflowio.data.ops.enumerate import Enumerate
from dataflowio.data.ops.filter import Filter
from dataflowio.data.ops.from_generator import FromGenerator, signature_from
from dataflowio.data.ops.from_tensor_slices import FromTensorSlices, slice_value
from dataflowio.data.ops.from_tensors import FromTensors, as_element
from dataflowio.data.ops.map import Map
from dataflowio.data.ops.padded_batch import PaddedBatch
from dataflowio.data.ops.range import Range
from dataflowio.data.ops.repeat import Repeat
from dataflowio.data.ops.shard import Shard
from dataflowio.data.ops.shuffle import Shuffle
from dataflowio.data.ops.skip import Skip
from dataflowio.data.ops.take import Take
from dataflowio.data.ops.unbatch import Unbatch
from dataflowio.data.ops.zip import Zip
from dataflowio.data.options import Options
from dataflowio.data.plan import INFINITE, UNKNOWN, Node, walk
from dataflowio.errors import InvalidArgumentError
from dataflowio.tensor_shape import TensorSpec  # noqa: F401 - used by the doctests

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

    @staticmethod
    def from_generator(generator: Callable[..., Any], output_types: Any = None, output_shapes: Any = None,
                       args: Any = None, output_signature: Any = None,
                       name: str | None = None) -> Dataset[Any]:
        """Returns a dataset of the values `generator(*args)` yields, converted to the signature.

        `output_signature` is a (nested) `TensorSpec`; the older `output_types` / `output_shapes`
        also work. A yielded value of the wrong shape or structure raises InvalidArgumentError.

        >>> def gen():
        ...     yield from ([1, 2], [3])
        >>> ds = Dataset.from_generator(gen, output_signature=TensorSpec([None], "int32"))
        >>> [x.tolist() for x in ds]
        [[1, 2], [3]]

        Note:
          Checkpoints replay the generator and skip what was produced, so it must be deterministic.
        """
        signature = signature_from(output_types, output_shapes, output_signature)
        arg_tuple = () if args is None else tuple(args)
        return Dataset(FromGenerator(generator=generator, generator_args=arg_tuple, signature=signature, name=name))

    @staticmethod
    def zip(*datasets: Any, name: str | None = None, **kwargs: Any) -> Dataset[Any]:
        """Returns a dataset of elements of `datasets` side by side, nested as given.

        Accepts one (nested) tuple/dict of datasets or several datasets; ends with the shortest.

        >>> a, b = Dataset.range(3), Dataset.from_tensor_slices(["x", "y"])
        >>> [(int(i), s) for i, s in Dataset.zip(a, b)]
        [(0, b'x'), (1, b'y')]
        >>> [sorted(d) for d in Dataset.zip({"i": a, "j": a}).take(1)]
        [['i', 'j']]
        """
        if "datasets" in kwargs:  # tf.data's keyword form: Dataset.zip(datasets=(a, b))
            if datasets:
                raise TypeError("Dataset.zip: pass the datasets either positionally or as `datasets=`.")
            datasets = (kwargs.pop("datasets"),)
        if kwargs:
            raise TypeError(f"Dataset.zip: unexpected keyword arguments {sorted(kwargs)}.")
        if not datasets:
            raise TypeError("Dataset.zip: expected at least one dataset.")
        nested = datasets[0] if len(datasets) == 1 else tuple(datasets)
        if isinstance(nested, list):
            nested = tuple(nested)
        flat = structure.flatten(nested)
        for path, d in structure.flatten_with_paths(nested):
            if not isinstance(d, Dataset):
                raise TypeError(f"Dataset.zip: component {path or '0'} is a {type(d).__name__}; "
                                "expected a (nested) structure of Datasets.")
        positions = structure.pack_as(nested, list(range(len(flat)))) if structure.is_structure(nested) else 0
        options = _merged_options(flat)
        return Dataset(Zip(inputs=tuple(d._plan for d in flat), structure=positions, name=name), options)

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

    def filter(self, predicate: Callable[..., Any], name: str | None = None) -> Dataset[Any]:
        """Returns a dataset of the elements for which `predicate` returns True (a scalar bool).

        >>> [int(x) for x in Dataset.range(6).filter(lambda x: x % 3 == 0)]
        [0, 3]

        Raises:
          InvalidArgumentError (also a TypeError): `predicate` takes the wrong number of arguments.
        """
        check_arity(predicate, num_args_for(self.element_spec), "Dataset.filter")
        return self._then(Filter(inputs=(self._plan,), predicate=predicate, name=name))

    def padded_batch(self, batch_size: int, padded_shapes: Any = None, padding_values: Any = None,
                     drop_remainder: bool = False, name: str | None = None) -> Dataset[Any]:
        """Returns a dataset of batches whose components are padded to a common shape.

        Dimensions of `padded_shapes` that are None (or -1) pad to the longest in the batch;
        `padding_values` default to 0 (numbers) and b"" (strings).

        >>> ds = Dataset.range(1, 4).map(lambda n: np.arange(n))
        >>> [b.tolist() for b in ds.padded_batch(2, padding_values=np.int64(-1))]
        [[[0, -1], [0, 1]], [[0, 1, 2]]]

        Raises:
          InvalidArgumentError: `batch_size` < 1, or a padded shape smaller than a component.
        """
        node = PaddedBatch(inputs=(self._plan,), batch_size=as_int(batch_size, "padded_batch", "batch_size"),
                           padded_shapes=padded_shapes, padding_values=padding_values,
                           drop_remainder=bool(drop_remainder), name=name)
        node.element_spec()  # shapes and padding values are checked here, not while iterating
        return self._then(node)

    def unbatch(self, name: str | None = None) -> Dataset[Any]:
        """Returns a dataset of the rows (axis 0) of every element: the inverse of `batch`.

        >>> [int(x) for x in Dataset.range(5).batch(2).unbatch()]
        [0, 1, 2, 3, 4]

        Raises:
          InvalidArgumentError: if a component is a scalar.
        """
        node = Unbatch(inputs=(self._plan,), name=name)
        node.element_spec()  # scalar components fail here, as in tf.data
        return self._then(node)

    def skip(self, count: int, name: str | None = None) -> Dataset[Any]:
        """Returns a dataset without the first `count` elements (without any if -1).

        >>> [int(x) for x in Dataset.range(5).skip(3)], list(Dataset.range(5).skip(9))
        ([3, 4], [])
        """
        return self._then(Skip(inputs=(self._plan,), count=as_int(count, "skip", "count"), name=name))

    def shard(self, num_shards: int, index: int, name: str | None = None) -> Dataset[Any]:
        """Returns a dataset of every `num_shards`-th element, starting with element `index`.

        >>> [int(x) for x in Dataset.range(10).shard(3, 1)]
        [1, 4, 7]

        Raises:
          InvalidArgumentError: if `num_shards` < 1 or `index` is not in [0, num_shards).
        """
        return self._then(Shard(inputs=(self._plan,), num_shards=num_shards, index=index, name=name))

    def shuffle(self, buffer_size: int, seed: int | None = None, reshuffle_each_iteration: bool | None = None,
                name: str | None = None) -> Dataset[Any]:
        """Returns a dataset of the same elements, randomly shuffled through a buffer.

        The buffer holds `buffer_size` elements; each output is a uniformly random one of them,
        replaced by the next input element (tf.data's algorithm). With a `seed` (or a global seed,
        `dataflowio.random.set_seed`) the order is the same on every run and machine.

        >>> ds = Dataset.range(5).shuffle(5, seed=42)
        >>> sorted(int(x) for x in ds)
        [0, 1, 2, 3, 4]

        Note:
          `reshuffle_each_iteration=True` (default) gives a different order on every iteration
          (each `iter()` and each `repeat` pass), still reproducible from the seed. Shuffle before
          `repeat` to keep epochs apart; `buffer_size` >= the dataset size gives a uniform shuffle.

        Raises:
          InvalidArgumentError: if `buffer_size` < 1.
        """
        reshuffle = True if reshuffle_each_iteration is None else bool(reshuffle_each_iteration)
        return self._then(Shuffle(inputs=(self._plan,), buffer_size=as_int(buffer_size, "shuffle", "buffer_size"),
                                  seed=seed, reshuffle_each_iteration=reshuffle, name=name))

    def cache(self, filename: str = "", name: str | None = None) -> Dataset[Any]:
        """Returns a dataset that remembers this one's elements after the first complete pass.

        `filename=""` caches in memory; a path caches in `<filename>.dfcache`. A pass that stops
        early caches nothing.

        >>> ds = Dataset.range(6).shuffle(6).cache()        # the first pass's order is kept
        >>> first, second = [int(x) for x in ds], [int(x) for x in ds]
        >>> first == second, sorted(first)
        (True, [0, 1, 2, 3, 4, 5])
        """
        return self._then(Cache(inputs=(self._plan,), filename=filename, name=name))

    def concatenate(self, dataset: Dataset[Any], name: str | None = None) -> Dataset[Any]:
        """Returns a dataset of this dataset's elements followed by `dataset`'s.

        >>> [int(x) for x in Dataset.range(2).concatenate(Dataset.range(5, 7))]
        [0, 1, 5, 6]

        Raises:
          InvalidArgumentError: if the element structures or dtypes differ.
        """
        if not isinstance(dataset, Dataset):
            raise TypeError(f"concatenate: expected a Dataset, got {type(dataset).__name__}.")
        node = Concatenate(inputs=(self._plan, dataset._plan), name=name)
        node.element_spec()  # incompatible structures fail here
        return Dataset(node, _merged_options([self, dataset]))

    def enumerate(self, start: int = 0, name: str | None = None) -> Dataset[Any]:
        """Returns a dataset of `(index, element)` pairs; the index is int64 and counts from `start`.

        >>> [(int(i), s) for i, s in Dataset.from_tensor_slices(["a", "b"]).enumerate(5)]
        [(5, b'a'), (6, b'b')]
        """
        return self._then(Enumerate(inputs=(self._plan,), start=as_int(start, "enumerate", "start"), name=name))

    def apply(self, transformation_func: Callable[[Dataset[Any]], Dataset[Any]]) -> Dataset[Any]:
        """Returns `transformation_func(self)`, which must be a Dataset (for reusable pipelines).

        >>> [int(x) for x in Dataset.range(5).apply(lambda ds: ds.skip(3))]
        [3, 4]
        """
        out = transformation_func(self)
        if not isinstance(out, Dataset):
            raise TypeError(f"apply: `transformation_func` must return a Dataset, got {type(out).__name__}.")
        return out

    def with_options(self, options: Options, name: str | None = None) -> Dataset[Any]:
        """Returns this dataset with `options` merged over its current options (later wins).

        >>> o = Options(); o.deterministic = False
        >>> Dataset.range(3).with_options(o).options().deterministic
        False
        """
        if not isinstance(options, Options):
            raise TypeError(f"with_options: expected a dataflowio.data.Options, got {type(options).__name__}.")
        return Dataset(self._plan, self.options().merge(options))

    def reduce(self, initial_state: Any, reduce_func: Callable[[Any, Any], Any],
               name: str | None = None) -> Any:
        """Returns the result of folding every element into `initial_state` with `reduce_func`.

        `reduce_func(state, element)` gets the element as one argument and returns the new state.

        >>> int(Dataset.range(5).reduce(np.int64(0), lambda s, x: s + x))
        10
        """
        state = normalize_element(initial_state)
        for i, element in enumerate(self):
            try:
                state = normalize_element(reduce_func(state, element))
            except Exception as e:
                add_note(e, f"in Dataset.reduce({fn_name(reduce_func)}) at element {i}")
                raise
        return state

    def get_single_element(self, name: str | None = None) -> Any:
        """Returns the only element of this dataset.

        >>> Dataset.from_tensors(b"one").get_single_element()
        b'one'

        Raises:
          InvalidArgumentError: if the dataset has no element or more than one.
        """
        it = iter(self)
        try:
            try:
                first = next(it)
            except StopIteration:
                raise InvalidArgumentError("get_single_element: the dataset was empty; expected "
                                           "exactly one element.") from None
            try:
                next(it)
            except StopIteration:
                return first
            raise InvalidArgumentError("get_single_element: the dataset had more than one element; "
                                       "expected exactly one.")
        finally:
            it.close()

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

    def make_one_shot_iterator(self) -> Any:
        """Returns a TF1 graph iterator that starts by itself; `get_next()` gives graph tensors.

        >>> import dataflowio as tf
        >>> with tf.Graph().as_default():
        ...     nxt = Dataset.range(2).make_one_shot_iterator().get_next()
        ...     with tf.Session() as sess:
        ...         print(int(sess.run(nxt)), int(sess.run(nxt)))
        0 1
        """
        from dataflowio.graph.iterator_ops import make_one_shot_iterator

        return make_one_shot_iterator(self)

    def make_initializable_iterator(self, shared_name: str | None = None) -> Any:
        """Returns a TF1 graph iterator started by running its `initializer` (placeholders in the
        dataset are fed then).

        >>> import dataflowio as tf
        >>> with tf.Graph().as_default():
        ...     xs = tf.placeholder(tf.int64, [None])
        ...     it = Dataset.from_tensor_slices(xs).make_initializable_iterator()
        ...     with tf.Session() as sess:
        ...         sess.run(it.initializer, {xs: [7, 8]}); print(int(sess.run(it.get_next())))
        7
        """
        from dataflowio.graph.iterator_ops import make_initializable_iterator

        return make_initializable_iterator(self, shared_name)

    def explain(self, as_dict: bool = False) -> Any:
        """Returns the logical plan before and after optimization, and which rules fired, as text.

        The optimizer runs on every `iter()`; this shows what it makes of this dataset with its
        options (see `dataflowio.data.optimize`). `as_dict=True` returns the same as data:
        `{"before", "after", "fired", "enabled", "nodes_before", "nodes_after"}`.

        >>> print(Dataset.range(4).take(-1).map(lambda x: x * 2).explain())
        == logical plan (3 nodes) ==
        map(deterministic=None, fn=<lambda>, num_parallel_calls=None, vectorized=False, stateless=None)
          take(count=-1)
            range(start=0, stop=4, step=1, dtype=tf.int64)
        == optimized plan (3 nodes) ==
        prefetch(buffer_size=-1)
          vectorized_map(fn=<lambda>, stateless=True)
            range(start=0, stop=4, step=1, dtype=tf.int64)
        == rules fired ==
        inject_prefetch x1, noop_elimination x1, vectorized_map x1
        >>> Dataset.range(4).explain(as_dict=True)["fired"]
        {}
        """
        from dataflowio.data import optimize

        data = optimize.explain_data(self._plan, self.options())
        return data if as_dict else optimize.explain_text(data)

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

    # ---- H3b: interleave, windows, grouping, sampling, extra sources --------------------------

    def interleave(self, map_func: Callable[..., Any], cycle_length: int | None = None,
                   block_length: int | None = None, num_parallel_calls: int | None = None,
                   deterministic: bool | None = None, name: str | None = None) -> Dataset[Any]:
        """Returns a dataset that mixes the datasets `map_func` makes from each element, round-robin.

        `cycle_length` input elements are open at once (default: one per CPU core, as AUTOTUNE);
        `block_length` consecutive elements (default 1) come from each before moving on.

        >>> ds = Dataset.range(1, 4).interleave(lambda x: Dataset.from_tensors(x).repeat(3),
        ...                                     cycle_length=2, block_length=2)
        >>> [int(v) for v in ds]
        [1, 1, 2, 2, 1, 2, 3, 3, 3]

        Raises:
          InvalidArgumentError: `cycle_length` / `block_length` not positive, or `map_func` of the
            wrong arity. While iterating, a `map_func` that returns no Dataset raises TypeError.
        """
        from dataflowio.data.ops.interleave import Interleave

        return self._then(Interleave(inputs=(self._plan,), fn=map_func, cycle_length=cycle_length,
                                     block_length=block_length, num_parallel_calls=num_parallel_calls,
                                     deterministic=deterministic, name=name))

    def flat_map(self, map_func: Callable[..., Any], name: str | None = None) -> Dataset[Any]:
        """Returns a dataset of all elements of the datasets `map_func` makes, one after another.

        >>> [int(v) for v in Dataset.range(1, 4).flat_map(lambda x: Dataset.range(x))]
        [0, 0, 1, 0, 1, 2]
        """
        from dataflowio.data.ops.flat_map import FlatMap

        return self._then(FlatMap(inputs=(self._plan,), fn=map_func, name=name))

    def window(self, size: int, shift: int | None = None, stride: int = 1, drop_remainder: bool = False,
               name: str | None = None) -> Dataset[Any]:
        """Returns a dataset of windows, each a dataset (a tuple / dict of datasets for nested elements).

        Window `k` holds elements `k*shift + j*stride`, `j < size` (`shift` defaults to `size`).

        >>> [[int(v) for v in w] for w in Dataset.range(7).window(3, shift=2)]
        [[0, 1, 2], [2, 3, 4], [4, 5, 6], [6]]
        >>> [w.batch(3).get_single_element().tolist() for w in Dataset.range(7).window(3, drop_remainder=True)]
        [[0, 1, 2], [3, 4, 5]]

        Raises:
          InvalidArgumentError: `size`, `shift` or `stride` not positive.
        """
        from dataflowio.data.ops.window import Window

        return self._then(Window(inputs=(self._plan,), size=size, shift=shift, stride=stride,
                                 drop_remainder=bool(drop_remainder), name=name))

    def scan(self, initial_state: Any, scan_func: Callable[[Any, Any], Any],
             name: str | None = None) -> Dataset[Any]:
        """Returns a dataset of `scan_func`'s outputs as it carries a state through the elements.

        `scan_func(state, element)` returns `(new_state, output)`; the state keeps its dtypes.

        >>> [int(v) for v in Dataset.range(5).scan(np.int64(0), lambda s, x: (s + x, s + x))]
        [0, 1, 3, 6, 10]

        Raises:
          InvalidArgumentError (also a TypeError): `scan_func` does not take two arguments.
          TypeError: (while iterating) the new state changes structure or dtype.
        """
        from dataflowio.data.ops.scan import Scan

        return self._then(Scan(inputs=(self._plan,), initial_state=initial_state, scan_func=scan_func,
                               name=name))

    def take_while(self, predicate: Callable[..., Any], name: str | None = None) -> Dataset[Any]:
        """Returns a dataset of the elements before the first one `predicate` rejects.

        >>> [int(v) for v in Dataset.range(10).take_while(lambda x: x < 4)]
        [0, 1, 2, 3]
        """
        from dataflowio.data.ops.take_while import TakeWhile

        return self._then(TakeWhile(inputs=(self._plan,), predicate=predicate, name=name))

    def unique(self, name: str | None = None) -> Dataset[Any]:
        """Returns a dataset of the distinct elements, in order of first appearance.

        >>> [int(v) for v in Dataset.from_tensor_slices([1, 37, 2, 37, 2, 1]).unique()]
        [1, 37, 2]

        Raises:
          InvalidArgumentError: elements with several components. TypeError: a dtype other than
            int32, int64 or string.
        """
        from dataflowio.data.ops.unique import Unique

        return self._then(Unique(inputs=(self._plan,), name=name))

    def ignore_errors(self, log_warning: bool = False, name: str | None = None) -> Dataset[Any]:
        """Returns a dataset that drops the elements whose production raised an error.

        Corrupt TFRecord records are skipped and the reader resyncs on the next valid frame of the
        same file; `iter(ds).stats()` counts what was skipped.

        >>> ds = Dataset.from_tensor_slices([1.0, 0.0, 2.0]).map(lambda x: 1 / int(x)).ignore_errors()
        >>> [float(v) for v in ds]
        [1.0, 0.5]
        """
        from dataflowio.data.ops.ignore_errors import IgnoreErrors

        return self._then(IgnoreErrors(inputs=(self._plan,), log_warning=bool(log_warning), name=name))

    def rebatch(self, batch_size: Any, drop_remainder: bool = False, name: str | None = None) -> Dataset[Any]:
        """Returns this batched dataset re-sliced into batches of `batch_size` rows (or a list of sizes).

        >>> [b.tolist() for b in Dataset.range(10).batch(4).rebatch(3)]
        [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]

        Raises:
          InvalidArgumentError: a size < 1, or elements that are not batched (scalars).
        """
        from dataflowio.data.ops.rebatch import Rebatch

        return self._then(Rebatch(inputs=(self._plan,), batch_size=batch_size,
                                  drop_remainder=bool(drop_remainder), name=name))

    def group_by_window(self, key_func: Callable[..., Any], reduce_func: Callable[[Any, Any], Any],
                        window_size: int | None = None, window_size_func: Callable[[Any], Any] | None = None,
                        name: str | None = None) -> Dataset[Any]:
        """Returns a dataset that groups elements by `key_func` and reduces each window to a dataset.

        >>> ds = Dataset.range(10).group_by_window(lambda x: x % 2, lambda k, w: w.batch(5), window_size=5)
        >>> [b.tolist() for b in ds]
        [[0, 2, 4, 6, 8], [1, 3, 5, 7, 9]]

        Raises:
          InvalidArgumentError: not exactly one of `window_size` / `window_size_func`, or a window
            size < 1.
        """
        from dataflowio.data.ops.group_by_window import GroupByWindow

        return self._then(GroupByWindow(inputs=(self._plan,), key_func=key_func, reduce_func=reduce_func,
                                        window_size=window_size, window_size_func=window_size_func,
                                        name=name))

    def bucket_by_sequence_length(self, element_length_func: Callable[..., Any], bucket_boundaries: Any,
                                  bucket_batch_sizes: Any, padded_shapes: Any = None,
                                  padding_values: Any = None, pad_to_bucket_boundary: bool = False,
                                  no_padding: bool = False, drop_remainder: bool = False,
                                  name: str | None = None) -> Dataset[Any]:
        """Returns a dataset of padded batches of elements whose lengths fall in the same bucket.

        >>> ds = Dataset.range(1, 6).map(lambda n: np.arange(n))
        >>> [b.shape for b in ds.bucket_by_sequence_length(lambda x: len(x), [3], [2, 3])]
        [(2, 2), (3, 5)]

        Raises:
          InvalidArgumentError: `len(bucket_batch_sizes) != len(bucket_boundaries) + 1`, or
            boundaries that do not increase.
        """
        from dataflowio.data.ops.bucket_by_sequence_length import bucket_by_sequence_length

        return bucket_by_sequence_length(self, element_length_func, bucket_boundaries, bucket_batch_sizes,
                                         padded_shapes, padding_values, pad_to_bucket_boundary,
                                         no_padding, drop_remainder, name)

    @staticmethod
    def sample_from_datasets(datasets: list[Dataset[Any]], weights: Any = None, seed: int | None = None,
                             stop_on_empty_dataset: bool = False, name: str | None = None) -> Dataset[Any]:
        """Returns a dataset whose elements come from `datasets` chosen at random with `weights`.

        With a seed the choices are exactly tf.data's (the same Philox draws and multinomial).

        >>> ds = Dataset.sample_from_datasets([Dataset.range(3), Dataset.range(10, 13)], seed=1)
        >>> sorted(int(v) for v in ds)
        [0, 1, 2, 10, 11, 12]

        Raises:
          InvalidArgumentError: no datasets, or `weights` of the wrong length or negative.
          TypeError: datasets with different element structures or dtypes.
        """
        from dataflowio.data.ops.random import seed_pair
        from dataflowio.data.ops.sample_from_datasets import SampleFromDatasets, normalized_weights

        datasets = list(datasets)
        if not datasets:
            raise InvalidArgumentError("Dataset.sample_from_datasets: `datasets` must not be empty.")
        w = None if weights is None else normalized_weights(weights, len(datasets))
        if len(datasets) == 1:
            return datasets[0]  # as tf.data: nothing to choose
        a, b = seed_pair(seed)
        return Dataset(SampleFromDatasets(inputs=tuple(d._plan for d in datasets), weights=w, seed=a, seed2=b,
                                          stop_on_empty_dataset=bool(stop_on_empty_dataset), name=name),
                       _merged_options(datasets))

    @staticmethod
    def choose_from_datasets(datasets: list[Dataset[Any]], choice_dataset: Dataset[Any],
                             stop_on_empty_dataset: bool = True, name: str | None = None) -> Dataset[Any]:
        """Returns a dataset whose `i`-th element comes from `datasets[choice_dataset[i]]`.

        >>> choice = Dataset.range(3).repeat(2)
        >>> ds = Dataset.choose_from_datasets([Dataset.from_tensors(b"a").repeat(),
        ...                                    Dataset.from_tensors(b"b").repeat(),
        ...                                    Dataset.from_tensors(b"c").repeat()], choice)
        >>> list(ds)
        [b'a', b'b', b'c', b'a', b'b', b'c']

        Raises:
          TypeError: `choice_dataset` is not of scalar int64, or the datasets' elements differ.
        """
        from dataflowio.data.ops.choose_from_datasets import ChooseFromDatasets

        datasets = list(datasets)
        return Dataset(ChooseFromDatasets(inputs=(choice_dataset._plan,) + tuple(d._plan for d in datasets),
                                          stop_on_empty_dataset=bool(stop_on_empty_dataset), name=name),
                       _merged_options(datasets))

    @staticmethod
    def counter(start: Any = 0, step: Any = 1, dtype: Any = dtypes.int64, name: str | None = None) -> Dataset[Any]:
        """Returns an endless dataset `start, start + step, ...` (int64 by default).

        >>> [int(v) for v in Dataset.counter(10, 5).take(3)]
        [10, 15, 20]
        """
        from dataflowio.data.ops.counter import Counter

        return Dataset(Counter(start=start, step=step, dtype=dtypes.as_dtype(dtype), name=name))

    @staticmethod
    def random(seed: int | None = None, name: str | None = None) -> Dataset[Any]:
        """Returns an endless dataset of random int64 values in [0, 2**32): tf.data's exact values.

        The seed follows TensorFlow's rules (with `dataflowio.random.set_seed`, unseeded datasets
        are reproducible too); the values are the same Philox stream TensorFlow draws.

        >>> [int(v) for v in Dataset.random(seed=1).take(3)]
        [2870909127, 3455438759, 4052121393]
        """
        from dataflowio.data.ops.random import RandomSource, seed_pair

        a, b = seed_pair(seed)
        return Dataset(RandomSource(seed=a, seed2=b, name=name))

    @staticmethod
    def list_files(file_pattern: Any, shuffle: bool | None = None, seed: int | None = None,
                   name: str | None = None) -> Dataset[Any]:
        """Returns a dataset of the file names (bytes) matching the glob pattern(s), shuffled by default.

        >>> import os, tempfile
        >>> d = tempfile.mkdtemp()
        >>> for n in ("b.txt", "a.txt", "c.csv"):
        ...     open(os.path.join(d, n), "w").close()
        >>> [os.path.basename(f) for f in Dataset.list_files(os.path.join(d, "*.txt"), shuffle=False)]
        [b'a.txt', b'b.txt']

        Raises:
          NotFoundError: no file matches; the message names the pattern(s).
        """
        from dataflowio.data.ops.list_files import matching_files

        files = matching_files(file_pattern)
        ds = Dataset(FromTensorSlices(value=slice_value(np.array(files, dtype=object)), name=name))
        if shuffle is None or shuffle:
            ds = ds.shuffle(len(files), seed=seed)
        return ds


def _merged_options(datasets: list[Dataset[Any]]) -> Options | None:
    """The options of several input datasets merged in order (None when none has any)."""
    out: Options | None = None
    for d in datasets:
        if d._options is not None:
            out = d._options.merge(None) if out is None else out.merge(d._options)
    return out
