"""The MNIST models of `dataflowio train-mnist`, written with the TF1 graph API.

Each model is a `Model`: `params` (the variables, created once) and `logits(x)` that builds the
forward graph for any input tensor of shape `(batch, 784)` float32 in [0, 1] — so the training
input (an iterator's `get_next()`) and the evaluation input share the same variables.

| model | layers | default optimizer |
| --- | --- | --- |
| softmax | 784 -> 10 (multinomial logistic regression) | sgd, lr 0.5 |
| mlp | 784 -> 256 relu -> 10 | adam, lr 0.001 |
| cnn | conv5x5x16 relu, maxpool 2 -> conv5x5x32 relu, maxpool 2 -> 128 relu -> 10 | adam, lr 0.001 |

>>> sorted(MODELS)
['cnn', 'mlp', 'softmax']
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

PIXELS = 28 * 28
CLASSES = 10


@dataclass
class Model:
    """A model's variables and its forward function."""

    name: str
    params: dict[str, Any]
    forward: Callable[[dict[str, Any], Any], Any]

    def logits(self, x: Any) -> Any:
        """Returns the `(batch, 10)` logits for images `x` of shape `(batch, 784)`."""
        return self.forward(self.params, x)


@dataclass(frozen=True)
class Defaults:
    """Per-model hyper-parameters used when the command line does not set them."""

    optimizer: str
    lr: float
    epochs: int
    batch_size: int


DEFAULTS = {
    "softmax": Defaults("sgd", 0.5, 10, 100),
    "mlp": Defaults("adam", 0.001, 10, 64),
    "cnn": Defaults("adam", 0.001, 3, 64),
}


def _weights(tf: Any, shape: tuple[int, ...], fan_in: int, rng: np.random.Generator, name: str):
    """A variable initialised from a seeded He/Glorot-style normal (NumPy RNG: reproducible)."""
    std = np.sqrt(2.0 / fan_in)
    init = (rng.standard_normal(shape) * std).astype(np.float32)
    return tf.Variable(init, name=name)


def _zeros(tf: Any, n: int, name: str, value: float = 0.0):
    return tf.Variable(np.full((n,), value, np.float32), name=name)


def softmax(tf: Any, rng: np.random.Generator) -> Model:
    """Returns the softmax-regression model (weights start at zero, as in the TF tutorial)."""
    params = {"W": tf.Variable(np.zeros((PIXELS, CLASSES), np.float32), name="softmax/W"),
              "b": _zeros(tf, CLASSES, "softmax/b")}
    return Model("softmax", params, lambda p, x: tf.matmul(x, p["W"]) + p["b"])


def mlp(tf: Any, rng: np.random.Generator, hidden: int = 256) -> Model:
    """Returns a one-hidden-layer ReLU network."""
    params = {"W1": _weights(tf, (PIXELS, hidden), PIXELS, rng, "mlp/W1"),
              "b1": _zeros(tf, hidden, "mlp/b1"),
              "W2": _weights(tf, (hidden, CLASSES), hidden, rng, "mlp/W2"),
              "b2": _zeros(tf, CLASSES, "mlp/b2")}

    def forward(p: dict[str, Any], x: Any) -> Any:
        h = tf.nn.relu(tf.matmul(x, p["W1"]) + p["b1"])
        return tf.matmul(h, p["W2"]) + p["b2"]

    return Model("mlp", params, forward)


def cnn(tf: Any, rng: np.random.Generator) -> Model:
    """Returns a small two-convolution network (NHWC, SAME padding)."""
    params = {"C1": _weights(tf, (5, 5, 1, 16), 25, rng, "cnn/C1"), "c1": _zeros(tf, 16, "cnn/c1"),
              "C2": _weights(tf, (5, 5, 16, 32), 400, rng, "cnn/C2"), "c2": _zeros(tf, 32, "cnn/c2"),
              "W3": _weights(tf, (7 * 7 * 32, 128), 7 * 7 * 32, rng, "cnn/W3"),
              "b3": _zeros(tf, 128, "cnn/b3"),
              "W4": _weights(tf, (128, CLASSES), 128, rng, "cnn/W4"), "b4": _zeros(tf, CLASSES, "cnn/b4")}

    def forward(p: dict[str, Any], x: Any) -> Any:
        img = tf.reshape(x, [-1, 28, 28, 1])
        h = tf.nn.relu(tf.nn.conv2d(img, p["C1"], strides=[1, 1, 1, 1], padding="SAME") + p["c1"])
        h = tf.nn.max_pool(h, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="SAME")
        h = tf.nn.relu(tf.nn.conv2d(h, p["C2"], strides=[1, 1, 1, 1], padding="SAME") + p["c2"])
        h = tf.nn.max_pool(h, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="SAME")
        h = tf.nn.relu(tf.matmul(tf.reshape(h, [-1, 7 * 7 * 32]), p["W3"]) + p["b3"])
        return tf.matmul(h, p["W4"]) + p["b4"]

    return Model("cnn", params, forward)


MODELS: dict[str, Callable[[Any, np.random.Generator], Model]] = {
    "softmax": softmax, "mlp": mlp, "cnn": cnn}


def build(name: str, tf: Any, seed: int) -> Model:
    """Returns model `name` with its variables created in the default graph from `seed`."""
    return MODELS[name](tf, np.random.default_rng(seed))


def make_optimizer(tf: Any, name: str, lr: float):
    """Returns the TF1 optimizer `name` ("sgd" | "momentum" | "adam") with learning rate `lr`."""
    if name == "sgd":
        return tf.train.GradientDescentOptimizer(lr)
    if name == "momentum":
        return tf.train.MomentumOptimizer(lr, momentum=0.9)
    if name == "adam":
        return tf.train.AdamOptimizer(lr)
    raise ValueError(f"train-mnist: --optimizer must be sgd, momentum or adam, got {name!r}.")
