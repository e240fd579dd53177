"""Variables, get_variable / variable_scope, initializers, collections and the Saver."""

from __future__ import annotations

import os

import numpy as np
import pytest

import dataflowio as tf


@pytest.fixture(autouse=True)
def fresh_graph():
    with tf.Graph().as_default() as g:
        yield g


def test_variable_properties_and_updates():
    v = tf.Variable([1.0, 2.0], name="v")
    assert (v.name, v.op.name, v.dtype, v.shape.as_list(), v.trainable) == ("v:0", "v", tf.float32, [2], True)
    assert v.initializer.type == "Assign" and v.initial_value.dtype == tf.float32
    with tf.Session() as sess:
        sess.run(v.initializer)
        assert sess.run(v.assign([3.0, 4.0])).tolist() == [3.0, 4.0]
        assert sess.run(v.assign_add([1.0, 1.0])).tolist() == [4.0, 5.0]
        assert sess.run(v.assign_sub([4.0, 4.0])).tolist() == [0.0, 1.0]
        assert sess.run(v.read_value()).tolist() == [0.0, 1.0]
        v.load([7.0, 8.0], sess)
        assert v.eval(sess).tolist() == [7.0, 8.0]


def test_variable_from_callable_and_dtype():
    v = tf.Variable(lambda: tf.ones([2, 2]), dtype=tf.float32, trainable=False)
    w = tf.Variable(3, dtype=tf.float64)
    assert v not in tf.trainable_variables() and v in tf.global_variables()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run(v).tolist() == [[1, 1], [1, 1]] and sess.run(w).dtype == np.float64


def test_assign_shape_mismatch_fails_at_build_time():
    v = tf.Variable(tf.zeros([2, 3]))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"lhs shape= \[2, 3\] rhs shape= \[3\]"):
        v.assign(tf.zeros([3]))


def test_initializers_fill_as_tensorflow_does():
    tf.set_random_seed(3)
    with tf.variable_scope("init"):
        c = tf.get_variable("c", [2, 2], initializer=tf.constant_initializer([1, 2, 3, 4]))
        z = tf.get_variable("z", [3], initializer=tf.zeros_initializer())
        o = tf.get_variable("o", [3], initializer=tf.ones_initializer())
        n = tf.get_variable("n", [2000], initializer=tf.random_normal_initializer(1.0, 2.0))
        t = tf.get_variable("t", [2000], initializer=tf.truncated_normal_initializer(0.0, 1.0))
        g = tf.get_variable("g", [30, 50])
        i = tf.get_variable("i", [2], dtype=tf.int32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        cv, zv, ov, nv, tv, gv, iv = sess.run([c, z, o, n, t, g, i])
    assert cv.tolist() == [[1, 2], [3, 4]] and zv.tolist() == [0, 0, 0] and ov.tolist() == [1, 1, 1]
    assert abs(nv.mean() - 1.0) < 0.2 and abs(nv.std() - 2.0) < 0.2
    assert np.abs(tv).max() <= 2.0
    limit = np.sqrt(6 / 80)
    assert np.abs(gv).max() <= limit and np.abs(gv).max() > limit * 0.9
    assert iv.dtype == np.int32 and iv.tolist() == [0, 0]


def test_variable_scope_reuse_rules():
    with tf.variable_scope("layer"):
        w = tf.get_variable("w", [2])
        with pytest.raises(ValueError, match="Variable layer/w already exists, disallowed"):
            tf.get_variable("w", [2])
    with tf.variable_scope("layer", reuse=True):
        assert tf.get_variable("w") is w
        with pytest.raises(ValueError, match="Variable layer/u does not exist"):
            tf.get_variable("u", [1])
    with tf.variable_scope("layer", reuse=tf.AUTO_REUSE):
        assert tf.get_variable("w", [2]) is w
        assert tf.get_variable("u", [1]).name == "layer/u:0"
    with tf.variable_scope("outer"), tf.variable_scope("inner") as scope:
        assert tf.get_variable("b", [1]).name == "outer/inner/b:0"
        scope.reuse_variables()
        assert tf.get_variable("b").name == "outer/inner/b:0"
    with pytest.raises(ValueError, match="shape of a new variable"):
        tf.get_variable("noshape")


def test_collections_and_initializers():
    a = tf.Variable(1.0)
    b = tf.Variable(2.0, trainable=False)
    assert tf.global_variables() == [a, b] and tf.trainable_variables() == [a]
    with tf.Session() as sess:
        sess.run(tf.variables_initializer([a]))
        assert sess.run(tf.report_uninitialized_variables()).tolist() == [b"Variable_1"]
        sess.run(tf.initialize_all_variables())
        sess.run(tf.local_variables_initializer())
        assert sess.run(tf.is_variable_initialized(b))


def test_saver_round_trip_and_latest_checkpoint(tmp_path):
    w = tf.Variable(np.arange(6, dtype=np.float32).reshape(2, 3), name="w")
    step = tf.train.get_or_create_global_step()
    saver = tf.train.Saver(max_to_keep=2)
    prefix = str(tmp_path / "model.ckpt")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        paths = []
        for k in range(3):
            sess.run(w.assign_add(tf.ones([2, 3])))
            sess.run(step.assign(k))
            paths.append(saver.save(sess, prefix, global_step=step))
    assert paths[-1] == prefix + "-2" and tf.train.latest_checkpoint(str(tmp_path)) == prefix + "-2"
    assert not os.path.exists(paths[0] + ".index") and saver.last_checkpoints == paths[1:]
    with tf.Session() as sess:
        saver.restore(sess, paths[1])
        assert sess.run(w)[0].tolist() == [2.0, 3.0, 4.0] and sess.run(step) == 1
    with tf.Session() as sess:
        with pytest.raises(tf.errors.NotFoundError, match="not a valid checkpoint"):
            saver.restore(sess, str(tmp_path / "missing"))
    assert tf.train.latest_checkpoint(str(tmp_path / "nowhere")) is None


def test_saver_with_a_name_map_and_missing_keys(tmp_path):
    a = tf.Variable(1.0, name="a")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        path = tf.train.Saver({"renamed": a}).save(sess, str(tmp_path / "m"))
        with pytest.raises(tf.errors.NotFoundError, match="Key a not found in checkpoint"):
            tf.train.Saver([a]).restore(sess, path)
        sess.run(a.assign(5.0))
        tf.train.Saver({"renamed": a}).restore(sess, path)
        assert sess.run(a) == 1.0
