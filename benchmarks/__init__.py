"""W1–W7 through dataflowio and tf.data side by side (see README.md; `python -m benchmarks.run`)."""
