"""A TF1-era seed program: a matmul pinned to the GPU, with the device placement log.

Without a GPU, soft placement (the default) runs it on the CPU and the log says so.
"""

import dataflowio as tf

with tf.device("/gpu:0"):
    a = tf.constant([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], shape=[2, 3], name="a")
    b = tf.constant([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], shape=[3, 2], name="b")
    c = tf.matmul(a, b)

sess = tf.Session(config=tf.ConfigProto(log_device_placement=True))
print(sess.run(c))
