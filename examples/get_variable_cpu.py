"""A TF1-era seed program: `get_variable` with `constant_initializer`, pinned to the CPU."""

import dataflowio as tf

with tf.device("/cpu:0"):
    with tf.variable_scope("foo"):
        v = tf.get_variable("v", [1], initializer=tf.constant_initializer(1.0))
    with tf.variable_scope("foo", reuse=True):
        v1 = tf.get_variable("v")
    assert v1 is v
    inc = tf.assign_add(v, [2.0])

init = tf.global_variables_initializer()
with tf.Session(config=tf.ConfigProto(log_device_placement=True)) as sess:
    sess.run(init)
    print(v.name, sess.run(v))
    sess.run(inc)
    print(v.name, "after assign_add:", sess.run(v))
