"""Session.run semantics: nested fetches, feeds, pruning, plan caching, lifetime, and errors."""

from __future__ import annotations

import collections

import numpy as np
import pytest

import dataflowio as tf


@pytest.fixture(autouse=True)
def fresh_graph():
    with tf.Graph().as_default() as g:
        yield g


def test_nested_fetches_keep_their_structure():
    a, b = tf.constant(1.0), tf.constant([2, 3])
    Pair = collections.namedtuple("Pair", "x y")
    with tf.Session() as sess:
        out = sess.run({"a": a, "pair": Pair(a, [b, (a,)]), "op": tf.no_op()})
    assert out["a"] == 1.0 and isinstance(out["pair"], Pair)
    assert out["pair"].y[0].tolist() == [2, 3] and out["pair"].y[1] == (1.0,) and out["op"] is None


def test_fetch_by_name_and_scalars_are_numpy_scalars():
    c = tf.add(tf.constant(2), 3, name="total")
    with tf.Session() as sess:
        assert sess.run("total:0") == 5 and isinstance(sess.run(c), np.int32)
        assert sess.run("total") is None
        assert sess.run(tf.constant(b"xy")) == b"xy"


def test_only_the_needed_subgraph_runs():
    calls = []
    x = tf.placeholder(tf.float32, [])
    side = tf.py_func(lambda v: calls.append(v) or v, [x], tf.float32)
    y = x * 2.0
    with tf.Session() as sess:
        assert sess.run(y, {x: 3.0}) == 6.0
        assert calls == []
        sess.run([y, side], {x: 1.0})
        assert calls == [1.0]


def test_feeding_a_non_placeholder_tensor_replaces_its_value():
    a = tf.constant(2.0)
    b = a * 10.0
    c = b + 1.0
    with tf.Session() as sess:
        assert sess.run(c) == 21.0
        assert sess.run(c, {b: 5.0}) == 6.0
        assert sess.run(c, {a: 0.0}) == 1.0


def test_variables_keep_state_across_runs_and_sessions_are_independent():
    v = tf.Variable(0, name="counter")
    inc = tf.assign_add(v, 1)
    s1, s2 = tf.Session(), tf.Session()
    s1.run(v.initializer)
    s2.run(v.initializer)
    for _ in range(3):
        s1.run(inc)
    assert s1.run(v) == 3 and s2.run(v) == 0


def test_control_dependencies_order_side_effects():
    v = tf.Variable(1.0)
    assign = v.assign(5.0)
    with tf.control_dependencies([assign]):
        read = tf.identity(v) * 1.0
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run(read) == 5.0


def test_closed_session_raises_runtime_error():
    sess = tf.Session()
    sess.close()
    with pytest.raises(RuntimeError, match="closed Session"):
        sess.run(tf.constant(1))
    sess.close()  # closing twice is fine


def test_context_manager_sets_the_default_session_for_eval_and_run():
    x = tf.placeholder(tf.float32, [2])
    y = x + 1.0
    with tf.Session():
        assert y.eval({x: [1.0, 2.0]}).tolist() == [2.0, 3.0]
        tf.global_variables_initializer().run()
    with pytest.raises(ValueError, match="No default session is registered"):
        y.eval({x: [1.0, 2.0]})


def test_interactive_session_installs_itself():
    sess = tf.InteractiveSession()
    try:
        assert tf.get_default_session() is sess
        assert tf.constant(4).eval() == 4
    finally:
        sess.close()
    assert tf.get_default_session() is None


def test_wrong_feed_shape_names_the_placeholder_and_both_shapes():
    x = tf.placeholder(tf.float32, [None, 784], name="images")
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"Cannot feed value of shape \(2, 3\) for Tensor 'images:0', which has shape '\(\?, 784\)'"):
            sess.run(x, {x: np.zeros((2, 3))})
        with pytest.raises(ValueError):  # InvalidArgumentError is a ValueError, as TF1 code expects
            sess.run(x, {x: np.zeros(784)})


def test_wrong_feed_dtype_is_invalid_argument():
    x = tf.placeholder(tf.int32, [2], name="ids")
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"'ids:0'.*int32"):
            sess.run(x, {x: ["a", "b"]})
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"non-integer float64 value for Tensor 'ids:0'"):
            sess.run(x, {x: [1.5, 2.0]})
        assert sess.run(x, {x: np.array([1.0, 2.0])}).dtype == np.int32


def test_unfed_placeholder_is_invalid_argument_naming_it():
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"You must feed a value for placeholder tensor 'x' with dtype float32 and shape \[-1,3\]"):
            sess.run(x * 2.0)


def test_uninitialized_variable_is_failed_precondition_naming_it():
    w = tf.Variable(tf.zeros([2]), name="weights")
    with tf.Session() as sess:
        with pytest.raises(tf.errors.FailedPreconditionError, match="Attempting to use uninitialized value weights"):
            sess.run(w * 2.0)


def test_fetching_from_another_graph_is_a_clear_value_error():
    other = tf.Graph()
    with other.as_default():
        c = tf.constant(1.0)
    with tf.Session() as sess:
        with pytest.raises(ValueError, match="is not an element of this graph"):
            sess.run(c)
        with pytest.raises(ValueError, match="not an element of this graph"):
            sess.run(tf.constant(2.0), {c: 3.0})


def test_runtime_kernel_errors_name_the_op():
    x = tf.placeholder(tf.float32, [None, None])
    y = tf.placeholder(tf.float32, [None, None])
    z = tf.matmul(x, y, name="product")
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"product \(MatMul\)"):
            sess.run(z, {x: np.ones((2, 3)), y: np.ones((4, 5))})


def test_static_shape_errors_fail_at_graph_build_time():
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"MatMul.*\[2, 3\], \[4, 5\]"):
        tf.matmul(tf.zeros([2, 3]), tf.zeros([4, 5]))
    with pytest.raises(ValueError, match=r"Incompatible shapes: \[2, 3\] vs. \[4\]"):
        tf.zeros([2, 3]) + tf.zeros([4])
    with pytest.raises(tf.errors.InvalidArgumentError, match="Cannot reshape a tensor with 6 elements"):
        tf.reshape(tf.zeros([2, 3]), [4, 2])
    with pytest.raises(TypeError, match="does not match type float32"):
        tf.zeros([2]) + tf.constant([1, 2])


def test_plans_are_cached_per_fetch_and_feed_keys():
    x = tf.placeholder(tf.float32, [])
    y = x + 1.0
    with tf.Session() as sess:
        for v in range(5):
            assert sess.run(y, {x: v}) == v + 1
        sess.run([y, y], {x: 1.0})
        assert len(sess._plans) == 2


def test_make_callable_and_run_options_are_accepted():
    x = tf.placeholder(tf.float32, [])
    with tf.Session() as sess:
        f = sess.make_callable(x * 3.0, [x])
        assert f(2.0) == 6.0
        assert sess.run(x, {x: 1.0}, options=tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE),
                        run_metadata=tf.RunMetadata()) == 1.0


def test_graph_names_scopes_and_lookup(fresh_graph):
    with tf.name_scope("layer") as scope:
        a = tf.constant(1.0, name="a")
        b = tf.constant(1.0, name="a")
    with tf.name_scope("layer"):
        c = tf.add(a, b)
    assert scope == "layer/" and (a.name, b.name, c.name) == ("layer/a:0", "layer/a_1:0", "layer_1/Add:0")
    assert fresh_graph.get_tensor_by_name("layer/a:0") is a
    assert fresh_graph.get_operation_by_name("layer_1/Add") is c.op
    assert c.op.inputs == (a, b) and c.op.type == "AddV2" and c.graph is fresh_graph
    assert [op.name for op in fresh_graph.get_operations()] == ["layer/a", "layer/a_1", "layer_1/Add"]
    assert isinstance(c.shape, tf.TensorShape) and c.get_shape().as_list() == [] and c.dtype is tf.float32


def test_reset_default_graph():
    with pytest.raises(AssertionError):
        tf.reset_default_graph()  # inside a `with graph.as_default()` block


def test_tensors_are_not_python_bools_or_iterable():
    t = tf.constant([1, 2])
    with pytest.raises(TypeError, match="as a Python `bool`"):
        bool(t)
    with pytest.raises(TypeError, match="only iterable"):
        list(t)
    assert {t: 1}[t] == 1 and t != tf.constant([1, 2])


def test_python_operators_on_tensors():
    x = tf.constant([1.0, -2.0, 4.0])
    i = tf.constant([7, 8])
    with tf.Session() as sess:
        out = sess.run([x + 1, 1 - x, 2 * x, x / 2, 8 / x, x // 2, x % 3, x ** 2, -x, abs(x), x[1:],
                        x < 0, x >= 1, i // 2, (x > 0) & (x < 3), ~(x > 0), np.float32(2) * x])
    assert out[0].tolist() == [2, -1, 5] and out[1].tolist() == [0, 3, -3] and out[4].tolist() == [8, -4, 2]
    assert out[5].tolist() == [0, -1, 2] and out[6].tolist() == [1, 1, 1] and out[7].tolist() == [1, 4, 16]
    assert out[10].tolist() == [-2, 4] and out[11].tolist() == [False, True, False]
    assert out[13].tolist() == [3, 4] and out[14].tolist() == [True, False, False]
    assert out[15].tolist() == [False, True, False] and out[16].tolist() == [2, -4, 8]
    assert tf.matmul(tf.ones([2, 3]), tf.ones([3, 1])).shape.as_list() == [2, 1]
    assert (tf.ones([2, 3]) @ tf.ones([3, 4])).shape.as_list() == [2, 4]


def test_numpy_operands_defer_to_graph_operators_and_tensors_refuse_numpy_conversion():
    x = tf.placeholder(tf.float32, [2])
    y = np.ones(2, np.float32) + x
    assert isinstance(y, tf.Tensor)
    with tf.Session() as sess:
        assert sess.run(y, {x: [1.0, 2.0]}).tolist() == [2.0, 3.0]
    with pytest.raises(TypeError, match="Cannot convert a symbolic tf.Tensor"):
        np.asarray(x)


def test_cond_selects_a_branch_in_both_worlds():
    p = tf.placeholder(tf.bool, [])
    x = tf.placeholder(tf.float32, [2])
    out = tf.cond(p, lambda: (x * 2, x), lambda: (x - 1, -x))
    with tf.Session() as sess:
        assert [v.tolist() for v in sess.run(out, {p: True, x: [1.0, 2.0]})] == [[2, 4], [1, 2]]
        assert [v.tolist() for v in sess.run(out, {p: False, x: [1.0, 2.0]})] == [[0, 1], [-1, -2]]
    assert tf.cond(False, lambda: 1 / 0, lambda: 3) == 3  # concrete: only the chosen branch runs
