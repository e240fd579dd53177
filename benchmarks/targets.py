"""The targets of ../shared/BENCHMARKS.md (ours / peer) and each workload's unit and peer names.

>>> TARGETS["W1"].ratio, TARGETS["W1"].second_ratio
(5.0, 1.5)
>>> TARGETS["W7"].peer
'dataflowio (optimizations off)'
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    unit: str
    ratio: float
    peer: str = "tf.data"
    second_ratio: float | None = None  # vs the `tfrecord` package (W1, W2)
    accuracy_tol: float | None = None  # W6: |ours - tf.data| test accuracy
    pipeline: str = ""


TARGETS = {
    "W1": Target("records/s", 5.0, second_ratio=1.5,
                 pipeline="TFRecord bytes -> parse_single_example -> decode_raw/cast -> batch(128)"),
    "W2": Target("records/s", 3.0, second_ratio=1.5,
                 pipeline="TFRecord FloatList[784] -> parse_single_example -> batch(128)"),
    "W3": Target("elements/s", 10.0, pipeline="slices -> map(cast/255) -> shuffle(10k) -> batch(128) -> prefetch"),
    "W4": Target("lines/s", 5.0, pipeline="TextLineDataset -> map(decode_csv) -> batch(256)"),
    "W5": Target("images/s", 0.9, pipeline="JPEG bytes -> map(decode_jpeg, resize 32x32) parallel -> batch(32)"),
    "W6": Target("steps/s", 5.0, accuracy_tol=0.01,
                 pipeline="MNIST softmax regression, one-shot iterator -> sess.run(train_op)"),
    "W7": Target("elements/s", 3.0, peer="dataflowio (optimizations off)",
                 pipeline="W3 + repeat(3), default optimizations on vs off"),
}
