"""`tf.train.Example` and friends as real protobuf messages, wire-compatible with TensorFlow's.

The descriptors are built here at import (same package `tensorflow`, same message names and field
numbers as `tensorflow/core/example/{feature,example}.proto`), in a private descriptor pool so that
importing TensorFlow in the same process never clashes with them.

>>> ex = Example(features=Features(feature={
...     "label": Feature(int64_list=Int64List(value=[7])),
...     "image": Feature(bytes_list=BytesList(value=[b"\\x00\\x01"]))}))
>>> Example.FromString(ex.SerializeToString()).features.feature["label"].int64_list.value[0]
7
>>> Example.DESCRIPTOR.full_name
'tensorflow.Example'
"""

from __future__ import annotations

from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

_F = descriptor_pb2.FieldDescriptorProto


def _field(
    msg: descriptor_pb2.DescriptorProto,
    name: str,
    number: int,
    ftype: int,
    label: int = _F.LABEL_OPTIONAL,
    type_name: str | None = None,
    oneof_index: int | None = None,
    packed: bool | None = None,
) -> None:
    f = msg.field.add(name=name, number=number, type=ftype, label=label)
    if type_name:
        f.type_name = type_name
    if oneof_index is not None:
        f.oneof_index = oneof_index
    if packed is not None:
        f.options.packed = packed
    f.json_name = "".join(p if i == 0 else p.capitalize() for i, p in enumerate(name.split("_")))


def _map_field(msg: descriptor_pb2.DescriptorProto, name: str, entry: str, value_type: str) -> None:
    nested = msg.nested_type.add(name=entry)
    nested.options.map_entry = True
    _field(nested, "key", 1, _F.TYPE_STRING)
    _field(nested, "value", 2, _F.TYPE_MESSAGE, type_name=value_type)
    _field(msg, name, 1, _F.TYPE_MESSAGE, _F.LABEL_REPEATED, f".tensorflow.{msg.name}.{entry}")


def _feature_file() -> descriptor_pb2.FileDescriptorProto:
    fp = descriptor_pb2.FileDescriptorProto(
        name="tensorflow/core/example/feature.proto", package="tensorflow", syntax="proto3"
    )
    rep = _F.LABEL_REPEATED
    _field(fp.message_type.add(name="BytesList"), "value", 1, _F.TYPE_BYTES, rep)
    _field(fp.message_type.add(name="FloatList"), "value", 1, _F.TYPE_FLOAT, rep, packed=True)
    _field(fp.message_type.add(name="Int64List"), "value", 1, _F.TYPE_INT64, rep, packed=True)
    feature = fp.message_type.add(name="Feature")
    feature.oneof_decl.add(name="kind")
    for i, (name, t) in enumerate(
        (("bytes_list", "BytesList"), ("float_list", "FloatList"), ("int64_list", "Int64List"))
    ):
        _field(feature, name, i + 1, _F.TYPE_MESSAGE, type_name=f".tensorflow.{t}", oneof_index=0)
    _map_field(
        fp.message_type.add(name="Features"), "feature", "FeatureEntry", ".tensorflow.Feature"
    )
    _field(
        fp.message_type.add(name="FeatureList"),
        "feature",
        1,
        _F.TYPE_MESSAGE,
        rep,
        ".tensorflow.Feature",
    )
    _map_field(
        fp.message_type.add(name="FeatureLists"),
        "feature_list",
        "FeatureListEntry",
        ".tensorflow.FeatureList",
    )
    return fp


def _example_file() -> descriptor_pb2.FileDescriptorProto:
    fp = descriptor_pb2.FileDescriptorProto(
        name="tensorflow/core/example/example.proto",
        package="tensorflow",
        syntax="proto3",
        dependency=["tensorflow/core/example/feature.proto"],
    )
    _field(
        fp.message_type.add(name="Example"),
        "features",
        1,
        _F.TYPE_MESSAGE,
        type_name=".tensorflow.Features",
    )
    seq = fp.message_type.add(name="SequenceExample")
    _field(seq, "context", 1, _F.TYPE_MESSAGE, type_name=".tensorflow.Features")
    _field(seq, "feature_lists", 2, _F.TYPE_MESSAGE, type_name=".tensorflow.FeatureLists")
    return fp


POOL = descriptor_pool.DescriptorPool()
POOL.Add(_feature_file())
POOL.Add(_example_file())


def _cls(name: str) -> Any:
    return message_factory.GetMessageClass(POOL.FindMessageTypeByName(f"tensorflow.{name}"))


BytesList = _cls("BytesList")
FloatList = _cls("FloatList")
Int64List = _cls("Int64List")
Feature = _cls("Feature")
Features = _cls("Features")
FeatureList = _cls("FeatureList")
FeatureLists = _cls("FeatureLists")
Example = _cls("Example")
SequenceExample = _cls("SequenceExample")

__all__ = [
    "BytesList",
    "FloatList",
    "Int64List",
    "Feature",
    "Features",
    "FeatureList",
    "FeatureLists",
    "Example",
    "SequenceExample",
]
