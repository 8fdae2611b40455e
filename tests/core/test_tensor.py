"""Tensor: construction and dtype rules, attributes, operators, factories, NumPy interplay."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor

# ---- construction and dtypes ----------------------------------------------------------------


def test_numpy_arrays_keep_their_dtype_and_are_not_copied():
    for dtype in [np.float64, np.float32, np.float16, np.int32, np.uint8, np.bool_]:
        array = np.zeros(3, dtype)
        t = Tensor(array)
        assert t.dtype == dtype and t.data is array


def test_python_floats_get_the_default_dtype(float64_default):
    assert Tensor(1.5).dtype == np.float64
    tg.set_default_dtype(np.float32)
    assert Tensor(1.5).dtype == np.float32
    assert Tensor([[1.0, 2.0], [3.0, 4.0]]).dtype == np.float32
    assert Tensor([1, 2.5]).dtype == np.float32
    assert tg.get_default_dtype() == np.float32


def test_python_ints_stay_integer():
    assert Tensor(3).dtype == np.int64
    assert Tensor([[1, 2], [3, 4]]).dtype == np.int64
    assert Tensor([True, False]).dtype == np.bool_


def test_explicit_dtype_and_tensor_data():
    t = Tensor([1, 2], dtype=np.float64)
    assert t.dtype == np.float64 and t.tolist() == [1.0, 2.0]
    u = Tensor(t)
    assert u.data is t.data and not u.requires_grad


def test_bad_data_is_a_clear_type_error():
    with pytest.raises(TypeError, match="must be numbers"):
        Tensor("hello")
    with pytest.raises(TypeError, match="must be numbers"):
        Tensor([[1, 2], [3]])
    with pytest.raises(TypeError, match="a list of Tensors\\? use tg.stack"):
        Tensor([Tensor([1.0]), Tensor([1.0, 2.0])])
    with pytest.raises(TypeError, match="must be numbers \\(bool, int or float\\), got dtype <U"):
        Tensor(np.array(["a"]))
    with pytest.raises(TypeError, match="default dtype must be a float dtype"):
        tg.set_default_dtype(np.int32)


def test_attributes():
    w = Tensor(np.ones((3, 4), np.float32), requires_grad=True, name="W1")
    assert (w.shape, w.ndim, w.size, w.dtype, w.name) == ((3, 4), 2, 12, np.float32, "W1")
    assert w.is_leaf and w.requires_grad and w.grad is None
    assert w.T.shape == (4, 3)
    y = w * 2.0
    assert not y.is_leaf and y.requires_grad and y.name is None
    assert isinstance(w.numpy(), np.ndarray) and w.numpy() is w.data


def test_item_tolist_float_and_len():
    assert Tensor([[2.5]]).item() == 2.5 and isinstance(Tensor([[2.5]]).item(), float)
    assert Tensor([1, 2]).tolist() == [1, 2]
    assert float(Tensor(1.5)) == 1.5 and int(Tensor(3)) == 3
    assert len(Tensor(np.zeros((5, 2)))) == 5
    with pytest.raises(ValueError, match=r"one element; this one has shape \(2, 2\) \(4 el"):
        Tensor(np.zeros((2, 2))).item()
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d tensor"):
        len(Tensor(1.0))


def test_truth_value():
    assert bool(Tensor(1.0)) and not bool(Tensor([0.0]))
    with pytest.raises(ValueError, match="truth value of a tensor with 3 elements is ambiguous"):
        bool(Tensor([1.0, 2.0, 3.0]))


def test_iteration_gives_rows_in_the_graph():
    w = Tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
    rows = list(w)
    assert [r.tolist() for r in rows] == [[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]]
    rows[1].sum().backward()
    assert w.grad.tolist() == [[0, 0], [1, 1], [0, 0]]


def test_detach_shares_data_outside_the_graph():
    w = Tensor([1.0, 2.0], requires_grad=True)
    d = (w * 2.0).detach()
    assert not d.requires_grad and d.is_leaf and d.tolist() == [2.0, 4.0]


def test_requires_grad_cannot_be_switched_off_inside_the_graph():
    y = Tensor([1.0], requires_grad=True) * 2.0
    with pytest.raises(RuntimeError, match="only be switched off on a leaf"):
        y.requires_grad = False


def test_repr_shows_values_op_and_name():
    w = Tensor(np.array([1.0, 2.0], np.float32), requires_grad=True, name="W1")
    assert repr(w) == "Tensor([1., 2.], requires_grad=True, name='W1')"
    assert repr(w * 2.0) == "Tensor([2., 4.], op=Mul)"
    assert repr(Tensor(np.zeros(2))) == "Tensor([0., 0.], dtype=float64)"
    assert repr(Tensor([1, 2])) == "Tensor([1, 2])"


# ---- operators ------------------------------------------------------------------------------


def test_operators_match_numpy_with_broadcasting():
    a = np.random.default_rng(0).uniform(1, 2, (3, 4))
    b = np.random.default_rng(1).uniform(1, 2, (4,))
    ta, tb = Tensor(a), Tensor(b)
    assert np.allclose((ta + tb).data, a + b)
    assert np.allclose((ta - tb).data, a - b)
    assert np.allclose((ta * tb).data, a * b)
    assert np.allclose((ta / tb).data, a / b)
    assert np.allclose((ta**tb).data, a**b)
    assert np.allclose((ta @ tb).data, a @ b)
    assert np.allclose((-ta).data, -a)
    assert np.allclose((2.0 - ta).data, 2.0 - a)
    assert np.allclose((1.0 / ta).data, 1.0 / a)
    assert np.allclose((a @ Tensor(b)).data, a @ b)  # ndarray on the left
    assert np.allclose(([1.0, 2.0, 3.0, 4.0] * tb).data, np.array([1, 2, 3, 4]) * b)


def test_comparisons_return_boolean_tensors_outside_the_graph():
    w = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    for result, expected in [
        (w < 2, [True, False, False]),
        (w <= 2, [True, True, False]),
        (w > 2, [False, False, True]),
        (w >= 2, [False, True, True]),
        (w == 2, [False, True, False]),
        (w != 2, [True, False, True]),
        (2 < w, [False, False, True]),
    ]:
        assert result.dtype == np.bool_ and not result.requires_grad
        assert result.tolist() == expected
    assert (w == None) is False  # noqa: E711  (not comparable: falls back to identity)
    with pytest.raises(ValueError, match=r"less: shapes \(3,\) and \(2,\) cannot be broadcast"):
        _ = w < Tensor([1.0, 2.0])


def test_tensors_stay_hashable():
    a, b = Tensor([1.0]), Tensor([1.0])
    assert len({a, b}) == 2


def test_in_place_operators():
    t = Tensor([1.0, 2.0])
    alias = t
    with tg.no_grad():
        t += 1.0
        t *= Tensor([2.0, 3.0])
    assert alias is t and t.tolist() == [4.0, 9.0]

    w = Tensor([1.0, 2.0], requires_grad=True, name="W1")
    with pytest.raises(RuntimeError, match=r"(?s)in-place update \(-=\) of a tensor 'W1' that "
                       r"requires grad while recording.*tg.no_grad"):
        w -= 0.1
    with tg.no_grad():
        w -= Tensor([0.5, 0.5])
    assert w.tolist() == [0.5, 1.5] and w.requires_grad and w.dtype == np.float32

    data = Tensor([1.0, 2.0])
    before = data
    data += 1.0  # while recording, a non-parameter gets a new tensor (like a Python number)
    assert before.tolist() == [1.0, 2.0] and data.tolist() == [2.0, 3.0]


def test_item_assignment():
    t = Tensor([1.0, 2.0, 3.0])
    t[1] = 10.0
    t[Tensor([0])] = Tensor([5.0])
    assert t.tolist() == [5.0, 10.0, 3.0]
    with pytest.raises(RuntimeError, match=r"item assignment on a tensor that requires grad "
                       r"\(of shape \(1,\)\) while recording: it would change values"):
        Tensor([1.0], requires_grad=True)[0] = 2.0


def test_getitem_errors_are_clear():
    with pytest.raises(IndexError, match=r"indexing a tensor of shape \(2,\): index 5 is out"):
        Tensor([1.0, 2.0])[5]
    w = Tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(IndexError, match=r"indexing a tensor of shape \(2, 3\): boolean index"):
        w[np.array([True, False, True, True])]


def test_argmax_returns_plain_indices():
    t = Tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 1.0]])
    assert np.array_equal(t.argmax(axis=1), [1, 0]) and t.argmin() == 4


# ---- factories ------------------------------------------------------------------------------


def test_factories_shapes_dtypes_and_requires_grad():
    assert Tensor.zeros(2, 3).tolist() == [[0.0] * 3] * 2
    assert Tensor.ones((2,), dtype=np.float64).dtype == np.float64
    w = Tensor.randn(3, 4, requires_grad=True)
    assert w.shape == (3, 4) and w.dtype == np.float32 and w.requires_grad
    r = Tensor.rand(1000)
    assert 0 <= r.numpy().min() and r.numpy().max() < 1
    u = Tensor.uniform(1000, low=-2.0, high=-1.0)
    assert -2 <= u.numpy().min() and u.numpy().max() < -1
    assert Tensor.arange(4).tolist() == [0, 1, 2, 3] and Tensor.arange(4).dtype == np.int64
    assert Tensor.arange(0.0, 1.0, 0.5).tolist() == [0.0, 0.5]
    assert Tensor.arange(1, 7, 2).tolist() == [1, 3, 5]
    assert np.array_equal(Tensor.eye(3).numpy(), np.eye(3))
    assert Tensor.eye(2, 3).shape == (2, 3)


def test_manual_seed_makes_factories_repeat():
    tg.manual_seed(123)
    first = (Tensor.randn(5).numpy(), Tensor.rand(3).numpy(), Tensor.uniform(2).numpy())
    tg.manual_seed(123)
    second = (Tensor.randn(5).numpy(), Tensor.rand(3).numpy(), Tensor.uniform(2).numpy())
    assert all(np.array_equal(a, b) for a, b in zip(first, second))
    tg.manual_seed(124)
    assert not np.array_equal(Tensor.randn(5).numpy(), first[0])


# ---- NumPy functions on Tensors -------------------------------------------------------------


def test_the_notes_numpy_code_runs_on_tensors_and_stays_in_the_graph():
    def sigmoid(x):  # as the notes write it
        return 1 / (1 + np.exp(-x))

    def softmax(a):
        c = np.max(a)
        exp_a = np.exp(a - c)
        return exp_a / np.sum(exp_a)

    W = Tensor(np.array([[0.5, -0.2], [0.1, 0.4]]), requires_grad=True)
    x = np.array([0.6, 0.9])
    y = softmax(sigmoid(np.dot(x, W)))
    assert isinstance(y, Tensor)
    assert np.allclose(y.numpy(), (np.dot(x, W.numpy()) @ np.eye(2)).shape and y.numpy())
    assert tg.gradcheck(lambda W: softmax(sigmoid(np.dot(x, W))), W)


def test_numpy_functions_map_to_tensor_ops():
    t = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    cases = {
        "sum": (np.sum(t, axis=0), t.sum(axis=0)),
        "mean": (np.mean(t), t.mean()),
        "max": (np.max(t, axis=1, keepdims=True), t.max(axis=1, keepdims=True)),
        "min": (np.min(t), t.min()),
        "reshape": (np.reshape(t, (3, 2)), t.reshape(3, 2)),
        "transpose": (np.transpose(t), t.T),
        "concatenate": (np.concatenate([t, t]), tg.concatenate([t, t])),
        "stack": (np.stack([t, t], axis=1), tg.stack([t, t], axis=1)),
        "where": (np.where(t.data > 2, t, 0.0), tg.where(t.data > 2, t, 0.0)),
        "clip": (np.clip(t, 1, 4), t.clip(1, 4)),
        "square": (np.square(t), t * t),
        "log": (np.log(t + 1), (t + 1).log()),
        "sqrt": (np.sqrt(t), t.sqrt()),
        "tanh": (np.tanh(t), t.tanh()),
        "abs": (np.abs(t), t.abs()),
        "broadcast_to": (np.broadcast_to(t, (4, 2, 3)), tg.broadcast_to(t, (4, 2, 3))),
    }
    for name, (via_numpy, via_tensor) in cases.items():
        assert isinstance(via_numpy, Tensor) and via_numpy.requires_grad, name
        assert np.allclose(via_numpy.numpy(), via_tensor.numpy()), name
    assert np.argmax(t) == 5 and np.shape(t) == (2, 3) and np.ndim(t) == 2
    assert np.zeros_like(t).shape == (2, 3) and isinstance(np.zeros_like(t), np.ndarray)
    assert np.sign(Tensor([-2.0, 3.0])).tolist() == [-1.0, 1.0]
    assert np.asarray(t) is t.data


def test_numpy_functions_without_a_tensor_version_say_what_to_do():
    t = Tensor([1.0, 2.0])
    with pytest.raises(TypeError, match=r"np.cumsum does not work on Tensors.*t.numpy\(\)"):
        np.cumsum(t)
    with pytest.raises(TypeError, match="np.arctan does not work on Tensors .*; call it on t"):
        np.arctan(t)
    with pytest.raises(TypeError, match="np.exp.reduce does not work on Tensors|np.exp.at"):
        np.exp.at(t, [0])
    with pytest.raises(TypeError, match="np.add.at does not work on Tensors"):
        np.add.at(t, [0], 1.0)
    with pytest.raises(TypeError, match="np.exp on a Tensor does not take out"):
        np.exp(t, out=np.zeros(2))
    with pytest.raises(TypeError, match="np.sum on a Tensor does not take dtype"):
        np.sum(t, dtype=np.float64)
    with pytest.raises(TypeError, match="np.dot on Tensors of more than 2 dimensions"):
        np.dot(Tensor(np.ones((2, 2, 2))), t)


# ---- assignment, printing, the update a newcomer writes -------------------------------------


def test_assigning_a_tensor_that_requires_grad_is_an_error_not_a_lost_gradient():
    w = Tensor([1.0, 2.0], requires_grad=True, name="w")
    out = Tensor.zeros(3)
    with pytest.raises(RuntimeError, match=r"out\[index\] = value where value requires grad.*"
                       r"tg\.stack.*tg\.concatenate.*tg\.where.*\.detach\(\)"):
        out[0] = w[0]
    assert out.tolist() == [0.0, 0.0, 0.0] and not out.requires_grad
    out[0] = w[0].detach()  # a constant copy is asked for explicitly
    with tg.no_grad():
        out[1] = w[1]  # nothing is recorded inside no_grad: a plain copy
    assert out.tolist() == [1.0, 2.0, 0.0]
    with pytest.raises(RuntimeError, match="item assignment on a tensor that requires grad"):
        w[0] = 5.0
    hidden = w * 2.0
    with pytest.raises(RuntimeError, match="item assignment on a tensor that requires grad"):
        hidden[0] = 5.0
    with tg.no_grad():
        w[0] = 5.0  # updating a parameter by hand, like an optimizer
    assert w.tolist() == [5.0, 2.0]


def test_in_place_update_outside_no_grad_recommends_the_no_grad_update():
    W = Tensor([1.0, 2.0], requires_grad=True, name="W")
    (W * W).sum().backward()
    with pytest.raises(RuntimeError) as error:
        W -= 0.1 * W.grad
    message = str(error.value)
    assert "    with tg.no_grad():\n        W -= lr * W.grad\n" in message
    assert "W = W - lr * W.grad" in message and "not a leaf" in message
    assert "its .grad stays None" in message


def test_format_of_a_one_element_tensor_and_its_str():
    loss = Tensor(np.float32(2.302585))
    assert f"{loss:.4f}" == "2.3026" and f"{Tensor([[0.5]]):.2f}" == "0.50"
    assert f"{Tensor(3):d}" == "3" and f"{loss}" == str(loss)
    assert str(loss) == "2.302585" and str(Tensor([0.25])) == "0.25"
    assert str(Tensor(np.float64(0.1) + np.float64(0.2))) == str(0.1 + 0.2)
    with pytest.raises(TypeError, match=r"format spec '.4f' needs a one-element tensor; this "
                       r"one has shape \(2,\).*t\.item\(\).*t\.numpy\(\)"):
        f"{Tensor([1.0, 2.0]):.4f}"
    assert str(Tensor([1.0, 2.0])) == repr(Tensor([1.0, 2.0]))


def test_repr_of_a_large_tensor_shows_its_shape():
    big = Tensor(np.zeros((100, 784), np.float32), requires_grad=True)
    text = repr(big)
    assert "..." in text and "shape=(100, 784)" in text and "requires_grad=True" in text
    assert "shape=" not in repr(Tensor(np.zeros((2, 3))))
