"""The TF1 graph/session executor: graphs of ops with one kernel over NumPy/CuPy, autodiff,
optimizers, Saver and device placement. The public names are gathered in `graph.api`."""
