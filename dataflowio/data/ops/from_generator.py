"""`Dataset.from_generator`: elements from a Python generator, checked against a signature.

Every iterator calls `generator(*args)` afresh. Each yielded value is converted to the signature's
dtypes and checked against its shapes. A checkpoint records how many elements were produced;
restoring replays the generator and skips them (the generator must be deterministic).

>>> from dataflowio.tensor_shape import TensorSpec
>>> from dataflowio.data.plan import ExecContext
>>> from dataflowio.data.options import Options
>>> node = FromGenerator(generator=lambda: iter([[1, 2], [3]]), signature=TensorSpec([None], "int64"))
>>> [x.tolist() for x in node.open((), ExecContext(Options()))]
[[1, 2], [3]]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dataflowio import dtypes
from dataflowio.data import structure
from dataflowio.data.iterator import DataIterator, State
from dataflowio.data.ops._fn import add_note, fn_name
from dataflowio.data.plan import ExecContext, Node
from dataflowio.errors import InvalidArgumentError


@dataclass(frozen=True, kw_only=True, eq=False)
class FromGenerator(Node):
    generator: Callable[..., Any] = None  # type: ignore[assignment]
    # NOTE: nodes.md calls this `args`, but that name is `Node.args()` (pretty/fingerprint).
    generator_args: tuple[Any, ...] = ()
    signature: Any = None

    op_name = "from_generator"
    stateful_fn = True
    deterministic = True

    def __post_init__(self) -> None:
        if not callable(self.generator):
            raise TypeError(f"from_generator: `generator` must be a Python callable, got "
                            f"{type(self.generator).__name__}.")

    def where(self) -> str:
        return f"Dataset.from_generator({fn_name(self.generator)})"

    def open(self, inputs: tuple[DataIterator, ...], ctx: ExecContext) -> DataIterator:
        return GeneratorIterator(self)

    def _element_spec(self) -> Any:
        return self.signature


def conform(value: Any, spec: Any, where: str, path: str = "") -> Any:
    """`value` converted to `spec`'s structure and dtypes, its shapes checked."""
    if isinstance(spec, dict):
        if not isinstance(value, dict) or set(value) != set(spec):
            raise InvalidArgumentError(
                f"{where}: the generator yielded {value!r:.60} where a dict with keys {sorted(spec)} "
                "was expected.")
        return {k: conform(value[k], spec[k], where, f"{path}[{k!r}]") for k in spec}
    if isinstance(spec, tuple):
        if not isinstance(value, tuple | list) or len(value) != len(spec):
            raise InvalidArgumentError(
                f"{where}: the generator yielded an element that did not match the expected "
                f"structure: expected {len(spec)} components, got {value!r:.60}.")
        out = [conform(v, s, where, f"{path}[{i}]") for i, (v, s) in enumerate(zip(value, spec))]
        return type(spec)(*out) if hasattr(spec, "_fields") else tuple(out)
    try:
        arr = dtypes.convert_to_numpy(value, spec.dtype)
    except (InvalidArgumentError, ValueError, TypeError) as e:
        raise InvalidArgumentError(
            f"{where}: component {path or '0'}: the generator yielded {value!r:.60} which cannot be "
            f"converted to {spec.dtype.name}.") from e
    if not spec.shape.is_compatible_with(arr.shape):
        raise InvalidArgumentError(
            f"{where}: component {path or '0'}: the generator yielded an element of shape "
            f"{tuple(arr.shape)} where an element of shape {spec.shape} was expected.")
    return structure.to_element_leaf(arr)


class GeneratorIterator(DataIterator):
    def __init__(self, node: FromGenerator) -> None:
        super().__init__(name="from_generator")
        self._node = node
        self._where = node.where()
        self._args = tuple(structure.to_element_leaf(dtypes.convert_to_numpy(a)) for a in node.generator_args)
        self._gen: Any = None
        self._count = 0

    def _start(self) -> None:
        try:
            self._gen = iter(self._node.generator(*self._args))
        except Exception as e:
            add_note(e, f"in {self._where} (calling the generator)")
            raise

    def __next__(self) -> Any:
        if self._gen is None:
            self._start()
        try:
            value = next(self._gen)
        except StopIteration:
            raise
        except Exception as e:
            add_note(e, f"in {self._where} at element {self._count}")
            raise
        self._count += 1
        return conform(value, self._node.signature, self._where)

    def get_state(self) -> State:
        return {"count": self._count}

    def set_state(self, state: State) -> None:
        self._start()
        n = int(state["count"])
        for i in range(n):
            try:
                next(self._gen)
            except StopIteration:
                break
        self._count = n

    def close(self) -> None:
        gen, self._gen = self._gen, None
        if gen is not None and hasattr(gen, "close"):
            try:
                gen.close()
            except Exception:  # noqa: BLE001, S110 - close() never raises
                pass
        super().close()


def signature_from(output_types: Any, output_shapes: Any, output_signature: Any) -> Any:
    """The nested TensorSpec for `from_generator`'s arguments (tf.data's rules)."""
    from dataflowio.tensor_shape import TensorShape, TensorSpec

    if output_signature is not None:
        if output_types is not None or output_shapes is not None:
            raise TypeError("from_generator: pass either `output_signature` or `output_types` "
                            "(with `output_shapes`), not both.")
        for leaf in structure.flatten(output_signature):
            if not isinstance(leaf, TensorSpec):
                raise TypeError(f"from_generator: every leaf of `output_signature` must be a "
                                f"TensorSpec, got {type(leaf).__name__}.")
        return output_signature
    if output_types is None:
        raise TypeError("from_generator: `output_signature` (or the deprecated `output_types`) "
                        "must be given.")

    def is_type_leaf(t: Any) -> bool:
        return not structure.is_structure(t)

    types_flat = structure.flatten(output_types)
    if output_shapes is None:
        shapes_flat = [TensorShape(None)] * len(types_flat)
    elif not structure.is_structure(output_types):
        shapes_flat = [TensorShape(output_shapes)]
    else:
        shapes_flat = []

        def walk(t: Any, s: Any) -> None:
            if is_type_leaf(t):
                shapes_flat.append(TensorShape(s))
            elif isinstance(t, dict):
                for k in sorted(t):
                    walk(t[k], s[k])
            else:
                if len(s) != len(t):
                    raise InvalidArgumentError("from_generator: `output_shapes` must match the "
                                               "structure of `output_types`.")
                for a, b in zip(t, s):
                    walk(a, b)

        walk(output_types, output_shapes)
    leaves = [TensorSpec(s, dtypes.as_dtype(t)) for t, s in zip(types_flat, shapes_flat)]
    return structure.pack_as(output_types, leaves) if structure.is_structure(output_types) else leaves[0]


