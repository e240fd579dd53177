"""Checkpoint a training run mid-epoch and resume it exactly.

The model's variables (optimizer slots included) go through `tf.train.Saver`; the input pipeline's
position goes through the iterator's `save()` (written to a file with
`tf.data.experimental.save_iterator`). The resumed run sees exactly the batches the interrupted
one had not consumed — same shuffle order, mid-epoch — and ends with the same weights as a run
that was never interrupted.

    python examples/checkpoint_resume.py
"""

from __future__ import annotations

import os
import tempfile

import numpy as np

import dataflowio as tf

STEPS_PER_EPOCH, EPOCHS, STOP_AT = 16, 3, 21  # stop in the middle of the second epoch


def make_data():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((512, 4)).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0], [0.5], [3.0]], np.float32) + 0.1).astype(np.float32)
    return x, y


def pipeline(x, y):
    return (tf.data.Dataset.from_tensor_slices((x, y))
            .shuffle(512, seed=1).batch(32).repeat(EPOCHS).prefetch(2))


def build():
    """A linear model trained by momentum SGD, fed one batch at a time."""
    xb = tf.placeholder(tf.float32, [None, 4])
    yb = tf.placeholder(tf.float32, [None, 1])
    w = tf.Variable(np.zeros((4, 1), np.float32), name="w")
    b = tf.Variable(np.zeros((1,), np.float32), name="b")
    loss = tf.reduce_mean(tf.square(tf.matmul(xb, w) + b - yb))
    train_op = tf.train.MomentumOptimizer(0.05, momentum=0.9).minimize(loss)
    return xb, yb, w, train_op, tf.train.Saver(), tf.global_variables_initializer()


def train(x, y, *, stop_at=None, save_to=None, resume_from=None):
    """Trains to the end of the input (or `stop_at` steps); returns (weights, batches seen)."""
    graph = tf.Graph()
    with graph.as_default():
        xb, yb, w, train_op, saver, init = build()
        it = iter(pipeline(x, y))
        with tf.Session(graph=graph) as sess:
            sess.run(init)
            step = 0
            if resume_from:
                saver.restore(sess, os.path.join(resume_from, "model.ckpt"))
                tf.data.experimental.restore_iterator(it, os.path.join(resume_from, "input.json"))
                step = STOP_AT
            seen = []
            for bx, by in it:
                sess.run(train_op, feed_dict={xb: bx, yb: by})
                seen.append(bx[0, 0].item())
                step += 1
                if step == stop_at:
                    saver.save(sess, os.path.join(save_to, "model.ckpt"))
                    tf.data.experimental.save_iterator(it, os.path.join(save_to, "input.json"))
                    break
            weights = sess.run(w)
        it.close()
    return weights, seen


def main() -> None:
    x, y = make_data()
    reference, ref_seen = train(x, y)
    with tempfile.TemporaryDirectory() as ckpt:
        _, first = train(x, y, stop_at=STOP_AT, save_to=ckpt)
        print(f"interrupted after {len(first)} of {STEPS_PER_EPOCH * EPOCHS} steps "
              f"(epoch 2, batch {STOP_AT - STEPS_PER_EPOCH}); checkpoint: {sorted(os.listdir(ckpt))}")
        resumed, rest = train(x, y, resume_from=ckpt)
    assert first + rest == ref_seen, "the resumed run must see exactly the remaining batches"
    assert np.array_equal(resumed, reference), (resumed, reference)
    print(f"resumed for the remaining {len(rest)} steps: same batches, same weights "
          f"{np.round(resumed.ravel().astype(float), 4).tolist()}")


if __name__ == "__main__":
    main()
