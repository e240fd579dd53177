"""Device scopes, ConfigProto, the placement log and soft placement."""

from __future__ import annotations

import pytest

import dataflowio as tf
from dataflowio.graph.backend import gpu_count
from dataflowio.graph.placement import canonical_device

NO_GPU = gpu_count() == 0


@pytest.mark.parametrize("spec,want", [("/cpu:0", "/device:CPU:0"), ("/gpu:0", "/device:GPU:0"),
                                       ("/device:GPU:0", "/device:GPU:0"), ("gpu:1", "/device:GPU:1"),
                                       ("/job:localhost/replica:0/task:0/device:CPU:0", "/device:CPU:0"),
                                       ("", ""), (None, "")])
def test_device_strings_are_canonicalized(spec, want):
    assert canonical_device(spec) == want


def test_bad_device_string_is_invalid_argument():
    with pytest.raises(tf.errors.InvalidArgumentError, match="cannot parse device specification 'tpu0'"):
        canonical_device("tpu0")


def test_device_scopes_nest_and_reach_ops():
    with tf.Graph().as_default():
        with tf.device("/gpu:0"):
            a = tf.constant(1.0)
            with tf.device("/cpu:0"):
                b = tf.constant(2.0)
            with tf.device(None):
                c = tf.constant(3.0)
        assert (a.device, b.device, c.device) == ("/device:GPU:0", "/device:CPU:0", "")
        assert a.op.device == "/device:GPU:0"


def test_placement_log_looks_like_tensorflows(capfd):
    with tf.Graph().as_default():
        with tf.device("/cpu:0"):
            c = tf.matmul(tf.ones([2, 2]), tf.ones([2, 2]))
        with tf.Session(config=tf.ConfigProto(log_device_placement=True)) as sess:
            sess.run(c)
            sess.run(c)
    err = capfd.readouterr().err
    assert "MatMul: (MatMul): /job:localhost/replica:0/task:0/device:CPU:0" in err
    assert err.count("MatMul: (MatMul)") == 1


@pytest.mark.skipif(not NO_GPU, reason="checks the no-GPU fallback")
def test_gpu_ops_fall_back_to_the_cpu_and_say_so(capfd):
    with tf.Graph().as_default():
        with tf.device("/device:GPU:0"):
            c = tf.matmul(tf.ones([2, 3]), tf.ones([3, 2]))
        sess = tf.Session(config=tf.ConfigProto(log_device_placement=True, allow_soft_placement=True,
                                                gpu_options=tf.GPUOptions(allow_growth=True)))
        assert sess.run(c).tolist() == [[3.0, 3.0], [3.0, 3.0]]
    err = capfd.readouterr().err
    assert "MatMul: (MatMul): /job:localhost/replica:0/task:0/device:CPU:0" in err
    assert "GPU:0 unavailable, placed on CPU:0" in err


@pytest.mark.skipif(not NO_GPU, reason="checks the no-GPU error")
def test_hard_placement_without_a_gpu_is_invalid_argument():
    with tf.Graph().as_default():
        with tf.device("/gpu:0"):
            c = tf.constant(1.0) + 1.0
        sess = tf.Session(config=tf.ConfigProto(allow_soft_placement=False))
        with pytest.raises(tf.errors.InvalidArgumentError, match="Cannot assign a device for operation"):
            sess.run(c)


def test_soft_placement_is_the_default():
    assert tf.ConfigProto().allow_soft_placement is True
    assert tf.Session().list_devices()[0].endswith("CPU:0")
