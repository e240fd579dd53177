"""The TF1 MNIST softmax-regression tutorial, as written for TensorFlow 1.x, on dataflowio.

Usage: python examples/mnist_softmax.py [--data_dir DIR] [--steps 1000]
(DIR defaults to $DATAFLOWIO_MNIST or ../shared/data/mnist: the four IDX .gz files).
"""

import argparse
import gzip
import os
import sys

import numpy as np

import dataflowio as tf

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DIR = os.environ.get("DATAFLOWIO_MNIST", os.path.join(HERE, "..", "..", "shared", "data", "mnist"))


def read_idx(path):
    """A small IDX reader: returns the array stored in a (gzipped) IDX file."""
    with (gzip.open if path.endswith(".gz") else open)(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(dims)


class DataSet:
    """The tutorial's `mnist.train` / `mnist.test`: flat float images in [0, 1], one-hot labels."""

    def __init__(self, images, labels, seed=0):
        self.images = images.reshape(len(images), 784).astype(np.float32) / 255.0
        self.labels = np.eye(10, dtype=np.float32)[labels]
        self._rng = np.random.default_rng(seed)
        self._order = self._rng.permutation(len(images))
        self._pos = 0

    def next_batch(self, batch_size):
        if self._pos + batch_size > len(self._order):
            self._order, self._pos = self._rng.permutation(len(self._order)), 0
        idx = self._order[self._pos:self._pos + batch_size]
        self._pos += batch_size
        return self.images[idx], self.labels[idx]


def read_data_sets(data_dir):
    def load(prefix):
        return DataSet(read_idx(os.path.join(data_dir, f"{prefix}-images-idx3-ubyte.gz")),
                       read_idx(os.path.join(data_dir, f"{prefix}-labels-idx1-ubyte.gz")))

    return argparse.Namespace(train=load("train"), test=load("t10k"))


def main(args):
    mnist = read_data_sets(args.data_dir)

    # Create the model
    x = tf.placeholder(tf.float32, [None, 784])
    W = tf.Variable(tf.zeros([784, 10]))
    b = tf.Variable(tf.zeros([10]))
    y = tf.matmul(x, W) + b

    # Define loss and optimizer
    y_ = tf.placeholder(tf.float32, [None, 10])
    cross_entropy = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y_, logits=y))
    train_step = tf.train.GradientDescentOptimizer(0.5).minimize(cross_entropy)

    sess = tf.InteractiveSession()
    tf.global_variables_initializer().run()
    # Train
    for _ in range(args.steps):
        batch_xs, batch_ys = mnist.train.next_batch(100)
        sess.run(train_step, feed_dict={x: batch_xs, y_: batch_ys})

    # Test trained model
    correct_prediction = tf.equal(tf.argmax(y, 1), tf.argmax(y_, 1))
    accuracy = tf.reduce_mean(tf.cast(correct_prediction, tf.float32))
    print("test accuracy %.4f" % sess.run(accuracy, feed_dict={x: mnist.test.images, y_: mnist.test.labels}))  # noqa: UP031 - as the TF1 program wrote it
    sess.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--data_dir", default=DEFAULT_DIR, help="folder with the MNIST IDX .gz files")
    parser.add_argument("--steps", type=int, default=1000)
    main(parser.parse_args(sys.argv[1:]))
