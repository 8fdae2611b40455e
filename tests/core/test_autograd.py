"""The backward engine: accumulation, order, graph lifetime, higher order, grad mode, errors."""

import gc
import re
import threading
import weakref
from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor


def f64(value, requires_grad=True, name=None):
    return Tensor(np.asarray(value, dtype=np.float64), requires_grad=requires_grad, name=name)


# ---- accumulation ---------------------------------------------------------------------------


def test_a_node_used_twice_gets_both_paths():
    a = f64(3.0)
    (a + a).backward()
    assert a.grad.item() == 2.0
    b = f64(3.0)
    (b * b).backward()  # d b^2 = 2b
    assert b.grad.item() == 6.0


def test_diamond_adds_up_both_branches():
    x = f64(2.0)
    shared = x * 3.0
    left, right = shared.exp(), shared * shared
    (left + right).backward()
    expected = 3.0 * np.exp(6.0) + 2 * 6.0 * 3.0
    assert np.isclose(x.grad.item(), expected)


def test_backward_accumulates_across_calls_until_grad_is_reset():
    w = f64([1.0, 2.0])
    (w * 3.0).sum().backward()
    (w * 3.0).sum().backward()
    assert np.array_equal(w.grad.numpy(), [6.0, 6.0])
    w.grad = None
    (w * 3.0).sum().backward()
    assert np.array_equal(w.grad.numpy(), [3.0, 3.0])


def test_leaf_gradients_never_share_memory():
    a, b = f64([1.0, 2.0]), f64([3.0, 4.0])
    (a + b).sum().backward()  # Add hands the same gradient array to both inputs
    a.grad.numpy()[0] = 100.0
    assert b.grad.numpy()[0] == 1.0
    assert a.grad.numpy().flags.writeable and b.grad.numpy().flags.writeable


def test_chain_of_100000_ops_needs_no_recursion():
    x = f64(1.0)
    y = x
    for _ in range(100_000):
        y = y * 1.0 + 0.0
    y.backward()
    assert x.grad.item() == 1.0


def test_wide_graph_of_10000_branches():
    x = f64(np.ones(3))
    total = x * 0.0
    for i in range(10_000):
        total = total + x * float(i % 3)
    total.sum().backward()
    assert np.array_equal(x.grad.numpy(), np.full(3, sum(i % 3 for i in range(10_000))))


def test_topological_order_puts_inputs_before_outputs():
    x = f64(1.0)
    a = x * 2.0
    b = a + x
    c = b * a
    order = tg.autograd.topological_order([c])
    position = {id(t): i for i, t in enumerate(order)}
    for t in order:
        if t._ctx is not None:
            for parent in t._ctx.inputs:
                if parent.requires_grad:
                    assert position[id(parent)] < position[id(t)]
    assert order[-1] is c and order[0] is x


def test_retain_grad_keeps_the_delta_of_an_intermediate_tensor():
    x = Tensor(np.array([[0.0, 1.0, 1.0]]))
    W = f64([[0.5], [-0.3], [0.8]])
    v = (x @ W).retain_grad()
    y = v.sigmoid().retain_grad()
    loss = 0.5 * ((1.0 - y) ** 2).sum()
    loss.backward()
    y_value = y.numpy()
    assert np.allclose(y.grad.numpy(), y_value - 1.0)  # d loss / d y = -(d - y)
    assert np.allclose(v.grad.numpy(), -(y_value * (1 - y_value) * (1.0 - y_value)))  # -delta
    with pytest.warns(UserWarning, match="non-leaf"):
        assert loss.grad is None  # not asked for
    with pytest.raises(RuntimeError, match="retain_grad\\(\\) on a tensor that does not require"):
        x.retain_grad()


# ---- what requires grad ---------------------------------------------------------------------


def test_only_tensors_that_require_grad_get_gradients():
    data = f64([1.0, 2.0], requires_grad=False)
    w = f64([3.0, 4.0])
    (data * w).sum().backward()
    assert data.grad is None
    assert np.array_equal(w.grad.numpy(), [1.0, 2.0])


def test_data_inputs_cost_no_backward_work():
    calls = []

    class Recorder(tg.Function):
        def forward(self, x):
            return x.copy()

        def backward(self, grad_output):
            calls.append(grad_output.shape)
            return grad_output

    data = Recorder.apply(f64(np.ones((4, 3)), requires_grad=False))
    w = f64(np.ones((3, 2)))
    (data @ w).sum().backward()
    assert calls == []  # the branch with no parameter is never visited
    assert not data.requires_grad


def test_matmul_skips_the_gradient_of_a_data_input(monkeypatch):
    x = f64(np.ones((5, 3)), requires_grad=False)
    w = f64(np.ones((3, 2)))
    y = x @ w
    assert y._ctx.needs_input_grad == (False, True)  # a tuple, as PyTorch's
    grads = y._ctx.backward(np.ones((5, 2)))
    assert grads[0] is None and grads[1].shape == (3, 2)


def test_integer_tensors_cannot_require_grad():
    with pytest.raises(TypeError, match="only float tensors can require grad, this one is int64"):
        Tensor([1, 2, 3], requires_grad=True)
    labels = Tensor([1, 2])
    with pytest.raises(TypeError, match="only float tensors can require grad"):
        labels.requires_grad = True


# ---- errors ---------------------------------------------------------------------------------


def test_backward_twice_is_a_clear_error():
    w = f64([1.0, 2.0])
    loss = (w.sigmoid() * w).sum()
    loss.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time.*"
                       "retain_graph=True"):
        loss.backward()


def test_retain_graph_allows_a_second_backward():
    w = f64([1.0, 2.0])
    loss = (w.sigmoid() * w).sum()
    loss.backward(retain_graph=True)
    first = w.grad.numpy().copy()
    loss.backward()
    assert np.allclose(w.grad.numpy(), 2 * first)


def test_backward_of_a_non_scalar_needs_grad_and_names_the_shape():
    w = f64(np.ones((3, 4)))
    y = w * 2.0
    with pytest.raises(RuntimeError, match=r"tensor of shape \(3, 4\) needs grad="):
        y.backward()
    y.backward(grad=np.full((3, 4), 0.5))
    assert np.allclose(w.grad.numpy(), 1.0)


def test_backward_grad_of_the_wrong_shape_is_an_error():
    y = f64(np.ones(3)) * 2.0
    with pytest.raises(ValueError, match=r"grad has shape \(2,\) but the output has shape \(3,\)"):
        y.backward(grad=np.ones(2))


def test_backward_on_a_tensor_without_grad_is_an_error():
    with pytest.raises(RuntimeError, match="does not require grad"):
        (f64([1.0], requires_grad=False) * 2.0).sum().backward()
    w = f64([1.0])
    with tg.no_grad():
        loss = (w * 2.0).sum()
    with pytest.raises(RuntimeError, match="tg.no_grad"):
        loss.backward()


def test_shape_mismatch_names_the_op_and_both_shapes():
    a, b = f64(np.ones((2, 3))), f64(np.ones((4,)))
    with pytest.raises(ValueError, match=r"add: shapes \(2, 3\) and \(4,\) cannot be broadcast"):
        a + b
    with pytest.raises(ValueError, match=r"mul: shapes \(2, 3\) and \(4,\)"):
        a * b
    w = f64(np.ones((4, 5)))
    with pytest.raises(ValueError, match=r"matmul: shapes \(2, 3\) and \(4, 5\) do not fit: the "
                       r"left's last axis has 3 elements but the right's second-to-last axis "
                       r"has 4"):
        a @ w
    with pytest.raises(ValueError, match=r"matmul: shapes \(\) and \(4, 5\)"):
        f64(2.0) @ w
    with pytest.raises(ValueError, match=r"reshape: cannot reshape a tensor of shape \(2, 3\) "
                       r"\(6 elements\) into \(4,\)"):
        a.reshape(4)
    with pytest.raises(ValueError, match=r"concatenate along axis 0: shapes \(2, 3\), \(4,\)"):
        tg.concatenate([a, b])
    with pytest.raises(ValueError, match=r"stack: all tensors need the same shape"):
        tg.stack([a, b])


def test_numpy_errors_in_an_op_name_the_op_and_the_shapes():
    with pytest.raises(ValueError, match=r"sum: axis 2 is out of bounds .* shapes: \(3,\)\)"):
        f64(np.ones(3)).sum(axis=2)

    class Picky(tg.Function):
        class Complaint(ValueError):
            def __init__(self, what, why):  # an exception that needs two arguments
                super().__init__(f"{what}: {why}")

        def forward(self, x):
            raise self.Complaint("x", "too big")

    with pytest.raises(ValueError, match=r"picky: x: too big \(input shapes: \(\)\)"):
        Picky.apply(f64(1.0))


def test_the_error_is_raised_where_the_mistake_is_made():
    a, b = f64(np.ones((2, 3))), f64(np.ones((4,)))
    with pytest.raises(ValueError) as info:
        a + b
    # The last frame of user code in the traceback is this test's line, not the engine's.
    # Frames are told apart by the package's own folder, not by a word that may also be in the
    # name of the folder the clone lives in.
    package = Path(tg.__file__).resolve().parent
    frames = [entry for entry in info.traceback
              if package not in Path(str(entry.path)).resolve().parents]
    assert frames[-1].path.name == "test_autograd.py"


def test_a_custom_function_returning_the_wrong_number_of_gradients():
    class Broken(tg.Function):
        def forward(self, a, b):
            return a + b

        def backward(self, grad_output):
            return grad_output

    with pytest.raises(RuntimeError, match="Broken.backward returned 1 gradient.* for 2 input"):
        Broken.apply(f64(1.0), f64(2.0)).backward()


def test_a_custom_function_without_forward():
    class BackwardOnly(tg.Function):
        def backward(self, grad_output):
            return grad_output

    with pytest.raises(NotImplementedError, match=r"BackwardOnly must define forward\(self"):
        BackwardOnly.apply(f64(1.0))


def test_matmul_batch_axes_that_do_not_broadcast():
    with pytest.raises(ValueError, match=r"matmul: shapes \(2, 3, 4\) and \(3, 4, 5\): batch "
                       r"axes cannot be broadcast together"):
        f64(np.ones((2, 3, 4))) @ f64(np.ones((3, 4, 5)))


def test_a_custom_function_without_backward():
    class ForwardOnly(tg.Function):
        def forward(self, x):
            return x * 2

    with pytest.raises(NotImplementedError, match="ForwardOnly must define backward"):
        ForwardOnly.apply(f64(1.0)).backward()


# ---- graph lifetime -------------------------------------------------------------------------


def test_saved_arrays_are_released_after_backward():
    w = f64(np.ones(3))
    hidden = w.sigmoid()
    loss = hidden.sum()
    assert hidden._ctx.saved != ()
    loss.backward()
    assert hidden._ctx.saved is None


def test_freed_values_say_so_instead_of_reading_as_nan():
    # Once: the stand-ins a released graph keeps read as NaN, so anything that
    # looked at them (a drawing) showed nan for values that had been finite.
    x = f64(np.array([1.0, 2.0, 3.0]), requires_grad=False)
    x.name = "x"
    w = f64(np.ones(3))
    loss = (x * w).sum()
    loss.backward()
    stand_in = loss._ctx.inputs[0]._ctx.inputs[0]
    assert stand_in.shape == (3,) and stand_in.dtype == np.float64 and stand_in.size == 3
    with pytest.raises(RuntimeError, match=re.escape(
            "the values of this tensor ('x', shape (3,), float64) were freed by backward(), "
            "which releases the graph's activations; to read them, call "
            "backward(retain_graph=True), or look at them (draw the graph) before backward()")):
        stand_in.numpy()
    assert repr(stand_in) == "Released('x', shape (3,), float64: values freed by backward())"
    assert x.data.tolist() == [1.0, 2.0, 3.0]  # the user's own tensor keeps its values


@pytest.mark.parametrize("join", [tg.concatenate, tg.stack])
def test_backward_of_one_op_with_many_inputs_takes_steps_linear_in_their_number(join, lines_run):
    # Once: every input's gradient was compared (`is`) with every earlier one's,
    # n * n steps: concatenate of 8,000 tensors took 0.9 s to torch.cat's 34 ms.
    def steps(n):
        leaves = [f64(np.full(2, float(i))) for i in range(n)]
        out = (join(leaves) * 2.0).sum()
        count = lines_run(out.backward, "autograd.py")
        assert all(np.array_equal(leaf.grad.numpy(), np.full(2, 2.0)) for leaf in leaves)
        return count

    small, large = steps(200), steps(800)
    assert large / small < 4.5, (small, large)  # linear: 4 (quadratic was about 12)


def test_one_array_given_to_many_inputs_is_copied_for_each():
    class Spread(tg.Function):  # hands the very same array to every input
        def forward(self, *arrays):
            return sum(arrays)

        def backward(self, gy):
            return (gy,) * len(self.inputs)

    leaves = [f64(np.ones(2)) for _ in range(5)]
    Spread.apply(*leaves).sum().backward()
    grads = [leaf.grad.numpy() for leaf in leaves]
    assert len({id(g) for g in grads}) == 5 and all(g.tolist() == [1.0, 1.0] for g in grads)
    grads[0][0] = 7.0  # each .grad owns its array
    assert [g[0] for g in grads[1:]] == [1.0] * 4


def test_a_graph_dies_by_reference_counting_alone():
    gc.collect()
    gc.disable()
    try:
        w = f64(np.ones((3, 3)))
        x = f64(np.ones((2, 3)), requires_grad=False)
        loss = ((x @ w).sigmoid() * 2.0).log_softmax().sum()
        probes = [weakref.ref(loss), weakref.ref(loss._ctx), weakref.ref(loss._ctx.inputs[0])]
        loss.backward()
        del loss
        assert all(probe() is None for probe in probes)

        y = (x @ w).tanh().sum()  # without backward too
        probe = weakref.ref(y._ctx)
        del y
        assert probe() is None
    finally:
        gc.enable()


def test_a_deep_graph_is_freed_without_recursion_limits():
    x = f64(1.0)
    y = x
    for _ in range(200_000):
        y = y + 1.0
    probe = weakref.ref(y._ctx)
    del y
    assert probe() is None


# ---- higher order ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "f, d1, d2",
    [
        (lambda x: x**3, lambda x: 3 * x**2, lambda x: 6 * x),
        (lambda x: x.sin(), np.cos, lambda x: -np.sin(x)),
        (lambda x: x.exp(), np.exp, np.exp),
        (lambda x: x.log(), lambda x: 1 / x, lambda x: -1 / x**2),
        (lambda x: x.tanh(), lambda x: 1 - np.tanh(x) ** 2,
         lambda x: -2 * np.tanh(x) * (1 - np.tanh(x) ** 2)),
        (lambda x: x.sigmoid(), lambda x: _sig(x) * (1 - _sig(x)),
         lambda x: _sig(x) * (1 - _sig(x)) * (1 - 2 * _sig(x))),
        (lambda x: 1.0 / x, lambda x: -1 / x**2, lambda x: 2 / x**3),
        (lambda x: x.sqrt(), lambda x: 0.5 / np.sqrt(x), lambda x: -0.25 * x**-1.5),
    ],
    ids=["cube", "sin", "exp", "log", "tanh", "sigmoid", "reciprocal", "sqrt"],
)
def test_second_derivatives_match_closed_forms(f, d1, d2):
    values = np.array([0.3, 1.2, 2.5])
    x = f64(values)
    (first,) = tg.grad(f(x).sum(), x, create_graph=True)
    assert np.allclose(first.numpy(), d1(values))
    (second,) = tg.grad(first.sum(), x)
    assert np.allclose(second.numpy(), d2(values))


def _sig(x):
    return 1 / (1 + np.exp(-x))


def test_third_derivative():
    x = f64(2.0)
    (d1,) = tg.grad(x**4, x, create_graph=True)
    (d2,) = tg.grad(d1, x, create_graph=True)
    (d3,) = tg.grad(d2, x)
    assert (d1.item(), d2.item(), d3.item()) == (32.0, 48.0, 48.0)


def test_backward_with_create_graph_fills_grad_with_a_differentiable_tensor():
    x = f64(3.0)
    (x**3).backward(create_graph=True)
    assert x.grad.item() == 27.0
    assert x.grad.requires_grad
    (second,) = tg.grad(x.grad, x)
    assert second.item() == 18.0


def test_mixed_partials_of_two_inputs():
    x, y = f64(1.5), f64(-0.5)
    (dx,) = tg.grad(x * x * y + y.exp(), x, create_graph=True)  # 2xy
    dxdy, = tg.grad(dx, y)  # 2x
    assert np.isclose(dxdy.item(), 3.0)


# ---- tg.grad --------------------------------------------------------------------------------


def test_grad_returns_gradients_without_touching_dot_grad():
    w, b = f64([1.0, 2.0]), f64(0.5)
    loss = ((w * 3.0).sum() + b) ** 2
    gw, gb = tg.grad(loss, [w, b])
    assert w.grad is None and b.grad is None
    assert np.allclose(gw.numpy(), 2 * 9.5 * 3.0) and np.isclose(gb.item(), 19.0)


def test_grad_of_an_intermediate_tensor():
    x = f64([1.0, 2.0])
    hidden = x * 2.0
    loss = (hidden**2).sum()
    (g_hidden,) = tg.grad(loss, hidden)
    assert np.allclose(g_hidden.numpy(), 2 * hidden.numpy())


def test_grad_with_grad_outputs_and_several_outputs():
    x = f64([1.0, 2.0])
    a, b = x * 2.0, x**2
    (g,) = tg.grad([a, b], x, grad_outputs=[np.ones(2), np.array([1.0, 10.0])])
    assert np.allclose(g.numpy(), [2 + 2 * 1, 2 + 10 * 4])


def test_grad_errors():
    x, unused = f64(1.0), f64(2.0)
    y = x * 2.0
    with pytest.raises(RuntimeError, match="input 1 .* was not used"):
        tg.grad(y, [x, unused], retain_graph=True)
    assert tg.grad(y, [x, unused], allow_unused=True, retain_graph=True)[1] is None
    with pytest.raises(RuntimeError, match="input 0 does not require grad"):
        tg.grad(y, f64(1.0, requires_grad=False))
    with pytest.raises(ValueError, match="2 grad_outputs for 1 outputs"):
        tg.grad(y, x, grad_outputs=[None, None])


# ---- grad mode ------------------------------------------------------------------------------


def test_no_grad_records_nothing_and_restores_the_mode():
    w = f64([1.0])
    with tg.no_grad():
        y = w * 2.0
        with tg.enable_grad():
            z = w * 2.0
        assert not tg.is_grad_enabled()
    assert tg.is_grad_enabled()
    assert not y.requires_grad and y._ctx is None
    assert z.requires_grad and z._ctx is not None


def test_no_grad_as_a_decorator_restores_the_mode_after_an_exception():
    @tg.no_grad()
    def evaluate(w):
        assert not tg.is_grad_enabled()
        raise KeyError("boom")

    with pytest.raises(KeyError):
        evaluate(f64(1.0))
    assert tg.is_grad_enabled()


def test_no_grad_decorator_without_parentheses():
    @tg.no_grad
    def evaluate(w):
        return w * 2.0, tg.is_grad_enabled()

    y, enabled = evaluate(f64(1.0))
    assert not enabled and not y.requires_grad and tg.is_grad_enabled()
    assert evaluate.__name__ == "evaluate"


def test_grad_mode_is_thread_local():
    seen = {}
    inside = threading.Event()
    done = threading.Event()

    def other_thread():
        seen["start"] = tg.is_grad_enabled()
        inside.wait()
        seen["while main is in no_grad"] = tg.is_grad_enabled()
        seen["requires_grad"] = (f64(1.0) * 2.0).requires_grad
        done.set()

    thread = threading.Thread(target=other_thread)
    thread.start()
    with tg.no_grad():
        inside.set()
        done.wait(5)
        assert not tg.is_grad_enabled()
    thread.join()
    assert seen == {"start": True, "while main is in no_grad": True, "requires_grad": True}


# ---- custom functions -----------------------------------------------------------------------


class UserSigmoid(tg.Function):
    def forward(self, x):
        y = 1.0 / (1.0 + np.exp(-x))
        self.save_for_backward(y)
        return y

    def backward(self, grad_output):
        (y,) = self.saved
        return grad_output * y * (1.0 - y)


def test_a_user_written_op_works_with_gradcheck_and_create_graph():
    x = f64([-1.0, 0.0, 2.0])
    assert tg.gradcheck(UserSigmoid.apply, x)
    (first,) = tg.grad(UserSigmoid.apply(x).sum(), x, create_graph=True)
    (second,) = tg.grad(first.sum(), x)
    s = _sig(x.numpy())
    assert np.allclose(second.numpy(), s * (1 - s) * (1 - 2 * s))


def test_a_user_written_op_matches_the_builtin():
    x = f64(np.linspace(-3, 3, 7))
    UserSigmoid.apply(x).sum().backward()
    mine = x.grad.numpy()
    x.grad = None
    x.sigmoid().sum().backward()
    assert np.allclose(mine, x.grad.numpy())


# ---- dtypes ---------------------------------------------------------------------------------


def test_float32_parameters_get_float32_gradients():
    w = Tensor(np.ones((3, 2), np.float32), requires_grad=True)
    x = Tensor(np.ones((4, 3)))  # float64 data
    labels = Tensor(np.array([0, 1, 1, 0]))
    loss = ((x @ w).sum(axis=1) * labels).sum()
    loss.backward()
    assert w.grad.dtype == np.float32


def test_integer_labels_never_promote_to_float64():
    logits = Tensor(np.ones((4, 3), np.float32), requires_grad=True)
    labels = Tensor(np.array([0, 2, 1, 0]))
    picked = logits.log_softmax()[np.arange(4), labels] * labels
    assert picked.dtype == np.float32
    picked.sum().backward()
    assert logits.grad.dtype == np.float32


def test_python_numbers_keep_the_tensor_dtype():
    x = Tensor(np.ones(3, np.float32), requires_grad=True)
    for y in [x * 2.0, 2.0 * x, x + 1, x / 3, 1.0 - x, x**2, 2.0**x]:
        assert y.dtype == np.float32
    for y in [x * np.float64(2.0), np.float64(2.0) * x, x - np.int64(1), np.float64(1) / x]:
        assert y.dtype == np.float32  # NumPy scalars are numbers too
    assert (Tensor(np.ones(2)) * np.float32(2.0)).dtype == np.float64
    labels = Tensor([1, 2])
    for y in [labels.exp(), labels.log(), labels.sqrt(), labels.sin(), labels.cos(),
              labels.sigmoid(), labels.tanh(), labels.softmax(), labels.log_softmax(),
              labels.mean(), Tensor([True, False]).mean()]:
        assert y.dtype == np.float32  # fractions from integers: the default float dtype
    assert (Tensor([1, 2]) + 1).dtype == np.int64
    assert (Tensor([1, 2]) * 0.5).dtype == np.float32
    assert (Tensor([1, 2]) / Tensor([2, 2])).dtype == np.float32


# ---- the engine never gives a silently wrong gradient --------------------------------------


class _ReturnsGiven(tg.Function):
    """A user op whose backward returns whatever the test hands it."""

    def __init__(self, gradient):
        self.gradient = gradient

    def forward(self, x):
        return x * 2.0

    def backward(self, grad_output):
        return self.gradient


@pytest.mark.parametrize("gradient, words", [
    (np.ones(2), r"a gradient of shape \(2,\) for input 0 \(shape \(3,\), named 'w'\)"),
    ([1.0, 1.0, 1.0], r"a list for input 0 \(shape \(3,\), named 'w'\)"),
    (1.0, r"a float for input 0 \(shape \(3,\), named 'w'\)"),
])
def test_a_custom_backward_returning_a_bad_gradient_is_named(gradient, words):
    w = f64([1.0, 2.0, 3.0], name="w")
    for create_graph in (False, True):
        loss = _ReturnsGiven.apply(w, gradient=gradient).sum()
        with pytest.raises(RuntimeError, match=r"_ReturnsGiven\.backward returned " + words):
            loss.backward(create_graph=create_graph)
    assert w.grad is None


def test_numpy_scalars_and_tensors_are_accepted_as_gradients():
    x = f64(2.0)
    _ReturnsGiven.apply(x, gradient=np.float64(3.0)).backward()
    assert x.grad.item() == 3.0 and isinstance(x.grad.numpy(), np.ndarray)
    w = f64([1.0, 2.0])
    _ReturnsGiven.apply(w, gradient=Tensor(np.array([4.0, 5.0]))).sum().backward()
    assert w.grad.tolist() == [4.0, 5.0] and isinstance(w.grad.numpy(), np.ndarray)


def test_version_counter_catches_a_parameter_changed_before_backward():
    w = f64([1.0, 2.0], name="W1")
    x = f64([3.0, 4.0], requires_grad=False)
    loss = (x * w).sum() + (w * w).sum()
    with tg.no_grad():
        w -= 0.1 * x  # changes the array that both Muls saved for backward
    # backward reaches the later op first (w * w, where W1 is input 0)
    with pytest.raises(RuntimeError, match=r"Mul saved input 0 \('W1', shape \(2,\)\) for "
                       r"backward, but it was changed in place .* since"):
        loss.backward()


@pytest.mark.parametrize("change", [
    lambda t: t.__isub__(1.0),
    lambda t: t.__iadd__(Tensor(np.ones(3))),
    lambda t: t.__imul__(2.0),
    lambda t: t.__itruediv__(2.0),
    lambda t: t.__setitem__(0, 5.0),
    lambda t: t.detach().__iadd__(1.0),  # a detached tensor shares the array and its version
])
def test_every_in_place_change_through_the_api_is_seen(change):
    w = f64(np.ones(3), name="w")
    loss = w.exp().sum() + (w * w).sum()  # Exp saves its output; Mul saves w itself
    with tg.no_grad():
        change(w)
    with pytest.raises(RuntimeError, match="changed in place"):
        loss.backward()


def test_an_optimizer_step_before_backward_is_an_error():
    w = f64([1.0, -2.0], name="w")
    opt = tg.optim.SGD([w], lr=0.1)
    (w * w).sum().backward()
    loss = (w * w).sum()
    opt.step()  # updates w.data in place, while `loss` still needs the old w
    with pytest.raises(RuntimeError, match=r"Mul saved input 0 \('w', shape \(2,\)\)"):
        loss.backward()


def test_loading_weights_between_forward_and_backward_is_an_error():
    layer = tg.nn.Linear(2, 1)
    x = Tensor(np.ones((3, 2), np.float32))
    loss = layer(x).sum()  # Affine saved the weight
    layer.load_state_dict({k: v * 2 for k, v in layer.state_dict().items()})
    with pytest.raises(RuntimeError, match=r"Affine saved input 1 \(shape \(2, 1\)\) for "
                       r"backward, but it was changed in place"):
        loss.backward()


def test_a_changed_output_that_was_saved_is_named():
    x = f64([0.0, 1.0])
    y = x.exp()  # Exp saves its output y
    loss = y.sum()
    with tg.no_grad():
        y *= 2.0
    with pytest.raises(RuntimeError, match=r"Exp saved its output \(shape \(2,\)\) for backward"):
        loss.backward()


def test_changes_that_backward_does_not_need_are_fine():
    w = f64([1.0, 2.0])
    loss = (w + 1.0).sum()  # Add saves no values
    with tg.no_grad():
        w += 1.0
    loss.backward()
    assert w.grad.tolist() == [1.0, 1.0]
    v = f64([1.0, 2.0])
    loss = (v * v).sum()
    loss.backward()  # the usual loop: backward, then the update
    with tg.no_grad():
        v -= 0.1 * v.grad
    assert np.allclose(v.numpy(), [0.8, 1.6])


def test_stamps_of_dead_arrays_are_forgotten_without_finalizers():
    from tinygrad_edu import versions

    # clip_grad_norm_ changes every step's new gradients in place: their stamps must not pile
    # up, and no weakref.finalize may be made (its Python callback would swallow a Ctrl-C).
    w = f64(np.ones(4), name="w")
    finalizers = len(weakref.finalize._registry)
    for _ in range(2000):
        w.grad = None
        (w * w).sum().backward()
        tg.nn.utils.clip_grad_norm_([w], 0.5)
    assert len(versions.changed_at) <= 2 * versions._prune_above
    assert len(weakref.finalize._registry) == finalizers
    # the newest gradient's stamp is kept, and a graph that saved it refuses to backward
    loss = (w * w.grad).sum()
    tg.nn.utils.clip_grad_norm_([w], 0.1)
    with pytest.raises(RuntimeError, match=r"Mul saved input 1 \(shape \(4,\)\) .* changed in "
                       r"place"):
        loss.backward()


def test_a_dead_arrays_stamp_is_not_taken_for_a_new_array_with_its_id():
    from tinygrad_edu import versions

    w = f64([1.0, 2.0])
    loss = (w * w).sum()
    dead = np.zeros(2)
    stale = (versions.clock + 1, weakref.ref(dead))
    del dead  # its stamp now refers to nothing; put it under w's id, as reuse of an id would
    versions.changed_at[id(w.data)] = stale
    try:
        loss.backward()  # w was not changed: no refusal
    finally:
        versions.changed_at.pop(id(w.data), None)
    assert w.grad.tolist() == [2.0, 4.0]


def test_no_grad_on_a_generator_covers_its_body():
    w = f64(1.0)
    for decorator in (tg.no_grad(), tg.no_grad):
        @decorator
        def batches():
            for i in range(3):
                yield w * float(i), tg.is_grad_enabled()

        seen = list(batches())
        assert tg.is_grad_enabled()
        assert [enabled for _, enabled in seen] == [False] * 3
        assert not any(y.requires_grad for y, _ in seen)

    @tg.no_grad()
    def outer():
        yield from inner()

    @tg.enable_grad()
    def inner():
        yield tg.is_grad_enabled()

    assert list(outer()) == [True]
    gen = batches()
    next(gen)
    assert tg.is_grad_enabled()  # between resumes the caller's mode is back
    gen.close()


def test_create_graph_gradient_keeps_the_input_dtype():
    x = Tensor(np.array([1.0, 2.0], np.float32), requires_grad=True)
    y = (x * Tensor(np.array([3.0, 4.0]))).sum()  # float32 * float64 data: float64 graph
    (plain,) = tg.grad(y, x, retain_graph=True)
    (recorded,) = tg.grad(y, x, create_graph=True)
    assert plain.dtype == np.float32 and recorded.dtype == np.float32
    assert np.allclose(recorded.numpy(), [3.0, 4.0])


def test_inputs_that_share_one_array_keep_their_own_roles():
    x = f64([1.0, 2.0, 3.0])
    for y in [(x.detach() * x).sum(), (x * x.detach()).sum()]:
        (first,) = tg.grad(y, x, create_graph=True)  # d (c x) / dx = c, a constant
        assert np.allclose(first.numpy(), x.numpy()) and not first.requires_grad
    y = (x.detach() * x).sum() + (x * x).sum()  # c x + x^2: second derivative 2, not 3 or 4
    (first,) = tg.grad(y, x, create_graph=True)
    (second,) = tg.grad(first.sum(), x)
    assert np.allclose(first.numpy(), 3 * x.numpy()) and np.allclose(second.numpy(), 2.0)


def _kept_losses_memory(keep_graph_probe=False):
    import tracemalloc

    tg.manual_seed(0)
    model = tg.nn.Sequential(tg.nn.Linear(100, 200), tg.nn.Sigmoid(), tg.nn.Linear(200, 10))
    opt = tg.optim.SGD(model.parameters(), lr=0.1)
    x = Tensor(np.random.default_rng(0).random((50, 100), dtype=np.float32))
    labels = Tensor(np.arange(50) % 10)
    losses = []
    tracemalloc.start()
    try:
        for step in range(41):
            if step == 1:
                start = tracemalloc.get_traced_memory()[0]
            loss = tg.nn.functional.cross_entropy(model(Tensor(x.numpy().copy())), labels)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss)
        held = (tracemalloc.get_traced_memory()[0] - start) / 40
    finally:
        tracemalloc.stop()
    return held, losses


def test_a_kept_loss_holds_no_activations():
    held, losses = _kept_losses_memory()
    # One step's hidden activation alone is 50x200 float32 (40 KB), its input batch 20 KB,
    # and before the fix a kept loss held about 157 KB: now only the graph's shape is kept.
    assert held < 10_000, f"{held:.0f} bytes held per kept loss"
    from tinygrad_edu import viz
    drawing = viz.draw_graph(losses[-1], show_grads=True)  # the structure is still drawable
    assert "Linear" not in drawing.source and "Affine" in drawing.source


def test_a_backward_that_edits_grad_output_cannot_corrupt_another_gradient():
    class BookRelu(tg.Function):  # the books' Relu.backward: dout[mask] = 0; dx = dout
        def forward(self, x):
            self.mask = x <= 0
            out = x.copy()
            out[self.mask] = 0
            return out

        def backward(self, dout):
            dout[self.mask] = 0
            return dout

    a = f64([1.0, 2.0, 3.0], name="a")
    b = f64([-1.0, 2.0, -3.0], name="b")
    ((a + BookRelu.apply(b)) * 1.0).sum().backward()  # Mul hands Add a writeable gradient
    assert a.grad.tolist() == [1.0, 1.0, 1.0] and b.grad.tolist() == [0.0, 1.0, 0.0]
    c = f64([-1.0, 2.0, -3.0])
    h = c * 1.0
    ((BookRelu.apply(h) + h) * 1.0).sum().backward()  # Add hands one array to two ops
    assert c.grad.tolist() == [1.0, 2.0, 1.0]
    d = f64([-1.0, 2.0])
    r = BookRelu.apply(d * 1.0).retain_grad()  # r keeps the gradient its own backward edits
    (r * 1.0).sum().backward()
    assert r.grad.tolist() == [1.0, 1.0] and d.grad.tolist() == [0.0, 1.0]


@pytest.mark.parametrize("update", ["-", "+"])
def test_an_update_outside_no_grad_says_what_went_wrong_and_shows_the_fix(update):
    # Once: `W = W - 0.1 * W.grad` outside no_grad warned "call .retain_grad()"
    # and then failed with TypeError: unsupported operand ... 'float' and 'NoneType'.
    W = Tensor(np.ones(3), requires_grad=True, name="W1")
    x = Tensor(np.array([1.0, 2.0, 3.0]))
    (x * W).sum().backward()
    W = W - 0.1 * W.grad if update == "-" else W + -0.1 * W.grad  # W is now made by an op
    (x * W).sum().backward()
    op = "Sub" if update == "-" else "Add"
    with pytest.raises(RuntimeError) as caught:
        W = W - 0.1 * W.grad
    assert str(caught.value) == (
        f"W1.grad is None: W1 is no longer the parameter that backward() fills and an "
        f"optimizer trains. It was made by `W1 {update} ...` ({op}) from that parameter outside "
        f"tg.no_grad(), as `W1 = W1 {update} lr * W1.grad` does: W1 became a new tensor "
        f"computed by an op, and the parameter stays behind it in the graph. Update the "
        f"parameter in place, without recording:\n"
        f"    with tg.no_grad():\n"
        f"        W1 -= lr * W1.grad\n"
        f"(To read the gradient of an intermediate tensor instead, call .retain_grad() on it "
        f"before backward().)"
    )


def test_the_fix_the_update_message_shows_trains_the_parameter():
    W = Tensor(np.ones(3), requires_grad=True)
    x = Tensor(np.array([1.0, 2.0, 3.0]))
    for _ in range(2):
        W.grad = None
        (x * W).sum().backward()
        with tg.no_grad():
            W -= 0.1 * W.grad
    assert W.is_leaf and np.allclose(W.numpy(), [0.8, 0.6, 0.4])


def test_reading_grad_of_a_non_leaf_warns():
    w = f64([1.0, 2.0])
    hidden = w * 2.0
    hidden.sum().backward()
    with pytest.warns(UserWarning, match=r"\.grad of a non-leaf tensor .*retain_grad\(\)"):
        assert hidden.grad is None
    kept = (w * 2.0).retain_grad()
    kept.sum().backward()
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert kept.grad.tolist() == [1.0, 1.0] and w.grad is not None


def test_detect_anomaly_names_the_op_and_the_line_that_made_it():
    x = f64([1.0, -1.0])
    with tg.detect_anomaly():
        with pytest.raises(RuntimeError, match=r"Log forward produced nan.*test_autograd\.py:\d+"
                           r".*x\.log\(\)"):
            y = x.log()
        y = (x * 0.0).sqrt()  # finite forward; backward 1 / (2 sqrt(0)) is inf
        with pytest.raises(RuntimeError, match=r"Sqrt backward produced inf .*input 0.*created "
                           r"at .*test_autograd\.py:\d+.*\(x \* 0\.0\)\.sqrt\(\)"):
            y.sum().backward()
    with np.errstate(invalid="ignore"):
        y = x.log()  # off again: NumPy's NaN, no error
    assert np.isnan(y.numpy()[1])
