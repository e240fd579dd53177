"""Graph-mode halves for the concrete record / image functions of `dataflowio.io` and
`dataflowio.image`: called with a graph Tensor they add a PyFunc node (with static dtypes and
shapes from a spec rule below); called with concrete values they are the original function.

`lift_module(globals(), "dataflowio.io")` at the end of a module replaces the functions it knows.

>>> import dataflowio as tf
>>> with tf.Graph().as_default():
...     raw = tf.placeholder(tf.string, [])
...     pixels = tf.io.decode_raw(raw, tf.uint8)
...     print(pixels.shape, tf.Session().run(pixels, {raw: b"\\x01\\x02"}).tolist())
(None,) [1, 2]
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from dataflowio import dtypes
from dataflowio.dtypes import as_dtype, convert_to_numpy
from dataflowio.graph.ops.core import as_tensor, constant_value
from dataflowio.graph.tensor import GraphValue
from dataflowio.tensor_shape import TensorShape, TensorSpec


def _shape(v: Any) -> TensorShape:
    return as_tensor(v).shape if isinstance(v, GraphValue) else TensorShape(np.shape(convert_to_numpy(v)))


def _decode_raw_spec(input_bytes: Any = None, out_type: Any = None, little_endian: bool = True,
                     fixed_length: Any = None, name: Any = None, bytes: Any = None) -> Any:
    s = _shape(input_bytes if input_bytes is not None else bytes)
    return TensorSpec(s.concatenate([None]), out_type)


def _feature_specs(features: dict, batch: bool) -> dict:
    from record_format.features import SparseTensorValue

    out: dict[str, Any] = {}
    for key, f in features.items():
        kind = type(f).__name__
        dt = as_dtype(f.dtype)
        if kind == "VarLenFeature":
            out[key] = SparseTensorValue(TensorSpec([None, 2 if batch else 1], dtypes.int64),
                                         TensorSpec([None], dt), TensorSpec([2 if batch else 1], dtypes.int64))
        elif kind == "FixedLenSequenceFeature":
            out[key] = TensorSpec(([None] if batch else []) + [None] + list(f.shape), dt)
        else:
            out[key] = TensorSpec(([None] if batch else []) + list(f.shape), dt)
    return out


def _parse_single_spec(serialized: Any, features: dict, name: Any = None, example_names: Any = None) -> Any:
    return _feature_specs(features, batch=False)


def _parse_example_spec(serialized: Any, features: dict, name: Any = None, example_names: Any = None) -> Any:
    return _feature_specs(features, batch=True)


def _decode_csv_spec(records: Any, record_defaults: Any, *args: Any, **kwargs: Any) -> Any:
    shape = _shape(records)
    specs = []
    for d in record_defaults:
        if isinstance(d, (dtypes.DType, type, np.dtype)):
            dt = as_dtype(d)
        elif isinstance(d, GraphValue):
            dt = as_tensor(d).dtype
        else:
            arr = convert_to_numpy(d)
            dt = as_dtype(arr.dtype)
        specs.append(TensorSpec(shape, dt))
    cols = kwargs.get("select_cols")
    if cols is not None:
        specs = [specs[i] for i in range(len(specs))][: len(cols)]
    return specs


def _image_spec(contents: Any, channels: Any = None, *args: Any, dtype: Any = None,
                expand_animations: bool = True, **kwargs: Any) -> Any:
    dt = as_dtype(dtype) if dtype is not None else dtypes.uint8
    return TensorSpec([None, None, channels or None], dt)


def _decode_image_spec(contents: Any, channels: Any = None, dtype: Any = None, name: Any = None,
                       expand_animations: bool = True) -> Any:
    dt = as_dtype(dtype) if dtype is not None else dtypes.uint8
    if expand_animations:
        return TensorSpec(None, dt)
    return TensorSpec([None, None, channels or None], dt)


def _resize_spec(images: Any, size: Any, method: str = "bilinear", preserve_aspect_ratio: bool = False,
                 antialias: bool = False, name: Any = None) -> Any:
    s = _shape(images)
    dt = as_tensor(images).dtype if isinstance(images, GraphValue) else as_dtype(convert_to_numpy(images).dtype)
    out_dt = dt if str(method).lower() in ("nearest", "nearest_neighbor") else dtypes.float32
    val = constant_value(size) if isinstance(size, GraphValue) else np.asarray(size)
    hw = [None, None] if val is None or preserve_aspect_ratio else [int(v) for v in val]
    if s.rank is None:
        return TensorSpec(None, out_dt)
    return TensorSpec(list(s[:-3]) + hw + [s[-1]], out_dt)


# name -> (spec rule, parameters that may hold graph tensors, result is a list)
RULES: dict[str, tuple[Callable[..., Any], tuple[str, ...], bool]] = {
    "decode_raw": (_decode_raw_spec, ("input_bytes", "bytes"), False),
    "parse_single_example": (_parse_single_spec, ("serialized",), False),
    "parse_example": (_parse_example_spec, ("serialized",), False),
    "decode_csv": (_decode_csv_spec, ("records",), True),
    "decode_jpeg": (_image_spec, ("contents",), False),
    "decode_png": (_image_spec, ("contents",), False),
    "decode_bmp": (_image_spec, ("contents",), False),
    "decode_image": (_decode_image_spec, ("contents",), False),
    "resize": (_resize_spec, ("images",), False),
    "resize_images": (_resize_spec, ("images",), False),
}


def lift(fn: Callable, module: str) -> Callable:
    """Returns `fn` with a graph-mode half (see the module docstring); `module` is where it lives."""
    rule = RULES[fn.__name__]
    spec_fn, params, as_list = rule
    names = list(inspect.signature(fn).parameters)
    where = [(names.index(p), p) for p in params if p in names]

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        for i, p in where:
            v = args[i] if i < len(args) else kwargs.get(p)
            if isinstance(v, GraphValue):
                return _graph_call(fn, spec_fn, args, kwargs, as_list)
        return fn(*args, **kwargs)

    wrapper.__module__ = module  # the module attribute *is* this wrapper (purity checks rely on it)
    wrapper.__wrapped_concrete__ = fn  # type: ignore[attr-defined]
    return wrapper


def lift_module(namespace: dict[str, Any], module: str) -> None:
    """Replaces every function of `namespace` named in RULES by its lifted version."""
    for name in RULES:
        fn = namespace.get(name)
        if callable(fn) and not hasattr(fn, "__wrapped_concrete__"):
            namespace[name] = lift(fn, module)


def _graph_call(fn: Callable, spec_fn: Callable, args: tuple, kwargs: dict, as_list: bool) -> Any:
    from dataflowio.graph.py_func import _lifted

    out = _lifted(fn, spec_fn, args, kwargs)
    return list(out) if as_list else out
