"""A TF1-era seed program: one ReLU layer, y = relu(Wx + b), run on random input.

Runs as written with `import dataflowio as tf` in place of `import tensorflow as tf`.
"""

import numpy as np

import dataflowio as tf

b = tf.Variable(tf.zeros((100,)))
W = tf.Variable(tf.random_uniform((784, 100), -1, 1))
x = tf.placeholder(tf.float32, (100, 784))
h = tf.nn.relu(tf.matmul(x, W) + b)

sess = tf.Session()
sess.run(tf.initialize_all_variables())
out = sess.run(h, {x: np.random.random((100, 784))})
print("h:", out.shape, out.dtype, "min", float(out.min()), "fraction positive", float((out > 0).mean()))
sess.close()
