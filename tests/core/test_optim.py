"""optim: each update rule against its formula written out in NumPy (and against PyTorch
when installed), dtypes, state dicts and the error messages."""

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn as nn
import tinygrad_edu.nn.functional as F
from tinygrad_edu import Tensor, optim

STEPS = 5
rng = np.random.default_rng(0)
START = rng.standard_normal((3, 2))
GRADIENTS = [rng.standard_normal((3, 2)) for _ in range(STEPS)]


def run(make_optimizer, steps=STEPS):
    """Apply `steps` updates with the fixed gradients; return the parameter's values."""
    p = Tensor(START.copy(), requires_grad=True)
    opt = make_optimizer([p])
    for g in GRADIENTS[:steps]:
        p.grad = Tensor(g.copy())
        opt.step()
    return p.numpy()


# ---- the formulas, written out --------------------------------------------------------------


def sgd_reference(lr, momentum=0.0, nesterov=False, weight_decay=0.0):
    p, v = START.copy(), np.zeros_like(START)
    for g in GRADIENTS:
        g = g + weight_decay * p
        if momentum:
            v = momentum * v + g
            g = g + momentum * v if nesterov else v
        p = p - lr * g
    return p


def adagrad_reference(lr, eps, weight_decay=0.0):
    p, h = START.copy(), np.zeros_like(START)
    for g in GRADIENTS:
        g = g + weight_decay * p
        h = h + g * g
        p = p - lr * g / (np.sqrt(h) + eps)
    return p


def rmsprop_reference(lr, alpha, eps, momentum=0.0, weight_decay=0.0):
    p, v, b = START.copy(), np.zeros_like(START), np.zeros_like(START)
    for g in GRADIENTS:
        g = g + weight_decay * p
        v = alpha * v + (1 - alpha) * g * g
        step = g / (np.sqrt(v) + eps)
        if momentum:
            b = momentum * b + step
            step = b
        p = p - lr * step
    return p


def adam_reference(lr, beta1, beta2, eps, weight_decay=0.0):
    p, m, v = START.copy(), np.zeros_like(START), np.zeros_like(START)
    for t, g in enumerate(GRADIENTS, start=1):
        g = g + weight_decay * p
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
        p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
    return p


CASES = [
    ("SGD", dict(lr=0.1), sgd_reference(0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9), sgd_reference(0.1, 0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True), sgd_reference(0.1, 0.9, True)),
    ("SGD", dict(lr=0.05, momentum=0.5, weight_decay=0.1), sgd_reference(0.05, 0.5, False, 0.1)),
    ("Adagrad", dict(lr=0.1), adagrad_reference(0.1, 1e-10)),
    ("Adagrad", dict(lr=0.1, eps=0.1, weight_decay=0.2), adagrad_reference(0.1, 0.1, 0.2)),
    ("RMSprop", dict(lr=0.01), rmsprop_reference(0.01, 0.99, 1e-8)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, momentum=0.8, weight_decay=0.1),
     rmsprop_reference(0.01, 0.9, 1e-8, 0.8, 0.1)),
    ("Adam", dict(lr=0.01), adam_reference(0.01, 0.9, 0.999, 1e-8)),
    ("Adam", dict(lr=0.01, betas=(0.5, 0.9), eps=1e-3, weight_decay=0.1),
     adam_reference(0.01, 0.5, 0.9, 1e-3, 0.1)),
]
IDS = [f"{name}-{'-'.join(options)}" for name, options, _ in CASES]


@pytest.mark.parametrize("name, options, expected", CASES, ids=IDS)
def test_update_matches_the_formula(name, options, expected):
    result = run(lambda params: getattr(optim, name)(params, **options))
    np.testing.assert_allclose(result, expected, rtol=1e-12, atol=1e-14)
    assert not np.allclose(result, START)


@pytest.mark.parametrize("name, options, expected", CASES, ids=IDS)
def test_update_matches_pytorch(name, options, expected):
    torch = pytest.importorskip("torch")
    p = torch.tensor(START.copy(), requires_grad=True)
    opt = getattr(torch.optim, name)([p], **options)
    for g in GRADIENTS:
        p.grad = torch.tensor(g)
        opt.step()
    np.testing.assert_allclose(run(lambda params: getattr(optim, name)(params, **options)),
                               p.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_sgd_through_backward():
    w = Tensor(np.array([1.0, -2.0]), requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    (w * w).sum().backward()  # d/dw = 2w
    opt.step()
    np.testing.assert_allclose(w.numpy(), [0.8, -1.6])


def test_books_momentum_is_the_same_rule():
    # The books: v = mu v - lr g; p += v. PyTorch's form: v = mu v + g; p -= lr v.
    p, v = START.copy(), np.zeros_like(START)
    for g in GRADIENTS:
        v = 0.9 * v - 0.1 * g
        p = p + v
    np.testing.assert_allclose(run(lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9)), p)


OPTIMIZERS = [
    lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
    lambda ps: optim.Adagrad(ps, weight_decay=0.01),
    lambda ps: optim.RMSprop(ps, momentum=0.5, weight_decay=0.01),
    lambda ps: optim.Adam(ps, weight_decay=0.01),
]
NAMES = ["SGD", "Adagrad", "RMSprop", "Adam"]


@pytest.mark.parametrize("make", OPTIMIZERS, ids=NAMES)
def test_float32_model_stays_float32_after_a_step(make):
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))
    opt = make(model.parameters())
    before = [p.numpy().copy() for p in model.parameters()]
    x = np.random.default_rng(1).standard_normal((5, 3))  # float64 data on purpose
    loss = F.cross_entropy(model(x.astype(np.float32)), np.array([0, 1, 1, 0, 1], np.int64))
    assert loss.dtype == np.float32
    loss.backward()
    opt.step()
    loss = F.mse_loss(model(x), np.zeros((5, 2)))  # float64 input this time
    model.zero_grad()
    loss.backward()
    opt.step()
    for (name, p), old in zip(model.named_parameters(), before):
        assert p.dtype == np.float32, name
        assert p.grad.dtype == np.float32, name
        assert not np.array_equal(p.numpy(), old), name
    for s in opt.state:
        for key, value in s.items():
            assert key == "step" or value.dtype == np.float32


@pytest.mark.parametrize("make", OPTIMIZERS, ids=NAMES)
def test_parameters_without_grad_are_skipped(make):
    used = Tensor(np.ones(2), requires_grad=True)
    unused = Tensor(np.ones(2), requires_grad=True)
    opt = make([used, unused])
    (used * 3.0).sum().backward()
    opt.step()
    np.testing.assert_array_equal(unused.numpy(), [1.0, 1.0])
    assert not np.array_equal(used.numpy(), [1.0, 1.0])
    assert opt.state[1] == {}


def test_updates_are_in_place():
    p = Tensor(np.ones(3), requires_grad=True)
    array = p.data
    opt = optim.Adam([p])
    p.grad = Tensor(np.ones(3))
    opt.step()
    assert p.data is array


def test_zero_grad_sets_none():
    p = Tensor(np.ones(3), requires_grad=True)
    p.grad = Tensor(np.ones(3))
    opt = optim.SGD([p], lr=0.1)
    opt.zero_grad()
    assert p.grad is None


def test_params_may_be_a_generator_and_lr_can_change():
    model = nn.Linear(2, 2)
    opt = optim.SGD(iter(model.parameters()), lr=0.1)
    assert len(opt.params) == 2
    opt.lr = 0.01
    assert opt.lr == 0.01 and opt.hyperparameters["lr"] == 0.01
    assert opt.state_dict()["hyperparameters"]["lr"] == 0.01
    assert repr(opt) == ("SGD(lr=0.01, momentum=0.0, nesterov=False, weight_decay=0.0; "
                         "2 parameters)")


@pytest.mark.parametrize("make", OPTIMIZERS, ids=NAMES)
def test_state_dict_round_trip_continues_identically(make):
    a = Tensor(START.copy(), requires_grad=True)
    b = Tensor(START.copy(), requires_grad=True)
    first, second = make([a]), make([b])
    for g in GRADIENTS[:3]:
        a.grad = Tensor(g.copy())
        first.step()
    b.data[...] = a.data
    saved = first.state_dict()
    second.load_state_dict(saved)
    for g in GRADIENTS[3:]:
        a.grad, b.grad = Tensor(g.copy()), Tensor(g.copy())
        first.step()
        second.step()
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    # the state dict holds copies: stepping on does not change what was saved
    for key, value in saved["state"][0].items():
        assert value is not first.state[0][key]


def test_state_dict_arrays_are_plain_arrays():
    p = Tensor(np.ones(2), requires_grad=True)
    opt = optim.Adam([p], lr=0.1)
    p.grad = Tensor(np.ones(2))
    opt.step()
    state = opt.state_dict()
    assert state["hyperparameters"] == {"lr": 0.1, "betas": (0.9, 0.999), "eps": 1e-8,
                                        "weight_decay": 0.0}
    assert sorted(state["state"][0]) == ["exp_avg", "exp_avg_sq", "step"]
    assert all(isinstance(v, np.ndarray) for v in state["state"][0].values())
    assert int(state["state"][0]["step"]) == 1


def test_load_state_dict_errors():
    p = Tensor(np.ones(2), requires_grad=True)
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    good = opt.state_dict()
    with pytest.raises(ValueError, match=r"SGD: the state dict has state for 2 parameters, this "
                                         r"optimizer has 1"):
        opt.load_state_dict({**good, "state": [{}, {}]})
    with pytest.raises(ValueError, match=r"SGD: parameter 0: state 'momentum_buffer' has shape "
                                         r"\(3,\), the parameter has \(2,\)"):
        opt.load_state_dict({**good, "state": [{"momentum_buffer": np.zeros(3)}]})
    with pytest.raises(ValueError, match=r"SGD: parameter 0: unknown state \['exp_avg'\]"):
        opt.load_state_dict({**good, "state": [{"exp_avg": np.zeros(2)}]})
    with pytest.raises(ValueError, match=r"SGD: the state dict's hyper-parameters \['betas', "
                                         r"'eps', 'lr', 'weight_decay'\] are not this"):
        opt.load_state_dict(optim.Adam([p]).state_dict())
    with pytest.raises(ValueError, match=r"SGD: a state dict has the keys 'hyperparameters'"):
        opt.load_state_dict({"lr": 0.1})


@pytest.mark.parametrize("make, message", [
    (lambda ps: optim.SGD(ps, lr=-0.1), r"SGD: lr must be >= 0, got -0.1"),
    (lambda ps: optim.SGD(ps, lr=0.1, momentum=-0.5), r"SGD: momentum must be >= 0, got -0.5"),
    (lambda ps: optim.SGD(ps, lr=0.1, nesterov=True), r"SGD: nesterov=True needs a momentum > 0"),
    (lambda ps: optim.SGD(ps, lr=0.1, weight_decay=-1), r"SGD: weight_decay must be >= 0"),
    (lambda ps: optim.Adagrad(ps, lr=-1), r"Adagrad: lr must be >= 0, got -1"),
    (lambda ps: optim.Adagrad(ps, eps=-1e-3), r"Adagrad: eps must be >= 0, got -0.001"),
    (lambda ps: optim.RMSprop(ps, alpha=1.5), r"RMSprop: alpha must be in \[0, 1\], got 1.5"),
    (lambda ps: optim.RMSprop(ps, momentum=-0.1), r"RMSprop: momentum must be >= 0"),
    (lambda ps: optim.Adam(ps, lr=-0.001), r"Adam: lr must be >= 0, got -0.001"),
    (lambda ps: optim.Adam(ps, betas=(1.0, 0.999)),
     r"Adam: betas must each be in \[0, 1\), got \(1.0, 0.999\)"),
    (lambda ps: optim.Adam(ps, betas=(0.9, -0.1)), r"Adam: betas must each be in \[0, 1\)"),
])
def test_invalid_hyperparameters(make, message):
    with pytest.raises(ValueError, match=message):
        make([Tensor(np.ones(2), requires_grad=True)])


def test_invalid_params():
    w = Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(ValueError, match=r"SGD: got an empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match=r"Adam: got an empty parameter list"):
        optim.Adam(nn.ReLU().parameters())
    with pytest.raises(ValueError, match=r"SGD: params must be Tensors, item 1 is a ndarray"):
        optim.SGD([w, np.ones(2)], lr=0.1)
    with pytest.raises(ValueError, match=r"SGD: pass model.parameters\(\), not the model itself"):
        optim.SGD(nn.Linear(2, 2), lr=0.1)
    with pytest.raises(ValueError, match=r"SGD: item 1 appears twice in params"):
        optim.SGD([w, w], lr=0.1)
    with pytest.raises(ValueError, match=r"SGD: params must be leaf tensors .* item 0 is not"):
        optim.SGD([w * 2], lr=0.1)


def test_an_optimizer_trains_a_quadratic_to_its_minimum():
    target = np.array([3.0, -1.0])
    for make in [lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
                 lambda ps: optim.Adagrad(ps, lr=1.0),
                 lambda ps: optim.RMSprop(ps, lr=0.01, momentum=0.5),
                 lambda ps: optim.Adam(ps, lr=0.1)]:
        w = Tensor(np.zeros(2), requires_grad=True)
        opt = make([w])
        for _ in range(300):
            opt.zero_grad()
            F.mse_loss(w, target).backward()
            opt.step()
        np.testing.assert_allclose(w.numpy(), target, atol=2e-2)


def test_the_base_class_needs_an_update_rule():
    w = Tensor(np.ones(2), requires_grad=True)
    w.grad = Tensor(np.ones(2))
    with pytest.raises(NotImplementedError, match=r"Optimizer must define update\(p, g, state\)"):
        optim.Optimizer([w], {"lr": 0.1}).step()
