"""A TF1-era seed program: z = x * y with values fed at run time."""

import dataflowio as tf

a = tf.placeholder("float")
b = tf.placeholder("float")
y = tf.multiply(a, b)

with tf.Session() as sess:
    print("%f should equal 2.0" % sess.run(y, feed_dict={a: 1, b: 2}))  # noqa: UP031 - as the TF1 program wrote it
    print("%f should equal 9.0" % sess.run(y, feed_dict={a: 3, b: 3}))  # noqa: UP031 - as the TF1 program wrote it
