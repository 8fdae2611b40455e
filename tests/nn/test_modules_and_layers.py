"""nn: Parameter, Module registration and state, saving and loading, layers, init, and an
end-to-end XOR training run."""

import os
import pickle
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn as nn
import tinygrad_edu.nn.functional as F
from tinygrad_edu import Tensor, optim

ROOT = Path(__file__).resolve().parents[2]


def check_gradients(module, array):
    """tg.gradcheck for the input; central differences for every parameter, in place."""
    x = Tensor(np.asarray(array, np.float64), requires_grad=True)
    assert tg.gradcheck(module, (x,))
    weights = np.random.default_rng(1).standard_normal(module(x).shape)

    def loss(_):
        return float((module(x).numpy() * weights).sum())

    module.zero_grad()
    (module(x) * weights).sum().backward()
    for name, parameter in module.named_parameters():
        numeric = tg.numerical_gradient(loss, parameter, eps=1e-6)
        np.testing.assert_allclose(parameter.grad.numpy(), numeric, rtol=1e-6, atol=1e-8,
                                   err_msg=name)
    return True


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 4)
        self.norm = nn.BatchNorm1d(4)
        self.drop = nn.Dropout(0.5)
        self.fc2 = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc2(self.drop(self.norm(self.fc1(x)).relu()))


# ---- Parameter --------------------------------------------------------------------------------


def test_parameter_is_a_tensor_that_requires_grad():
    p = nn.Parameter(np.zeros((2, 3), np.float32))
    assert isinstance(p, Tensor) and p.requires_grad and p.is_leaf
    assert p.dtype == np.float32
    assert nn.Parameter([1.0, 2.0]).dtype == tg.get_default_dtype()
    assert repr(nn.Parameter(np.array([1.0]))).startswith("Parameter containing:\nTensor([1.]")


def test_parameter_of_integers_is_the_engines_type_error():
    with pytest.raises(TypeError, match=r"only float tensors can require grad"):
        nn.Parameter(np.array([1, 2]))


def test_results_of_ops_on_parameters_are_plain_tensors():
    p = nn.Parameter(np.ones(2))
    assert type(p * 2) is Tensor


# ---- registration ---------------------------------------------------------------------------


def test_registration_in_definition_order_with_dotted_names():
    net = Net()
    assert [n for n, _ in net.named_parameters()] == [
        "fc1.weight", "fc1.bias", "norm.weight", "norm.bias", "fc2.weight", "fc2.bias"]
    assert net.parameters()[0] is net.fc1.weight
    assert net.children() == [net.fc1, net.norm, net.drop, net.fc2]
    assert [n for n, _ in net.named_children()] == ["fc1", "norm", "drop", "fc2"]
    assert net.modules() == [net, net.fc1, net.norm, net.drop, net.fc2]
    assert [n for n, _ in net.named_buffers()] == ["norm.running_mean", "norm.running_var"]


def test_module_list_registers_its_modules():
    class Deep(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList([nn.Linear(2, 3), nn.Linear(3, 1)])
            self.layers.append(nn.Linear(1, 1))

    deep = Deep()
    assert [n for n, _ in deep.named_parameters()] == [
        "layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias",
        "layers.2.weight", "layers.2.bias"]
    assert len(deep.layers) == 3 and deep.layers[-1] is list(deep.layers)[2]
    assert len(deep.layers[:2]) == 2
    with pytest.raises(NotImplementedError, match=r"ModuleList is only a container"):
        deep.layers(np.zeros(2))
    with pytest.raises(TypeError, match=r"ModuleList holds Modules, got int at position 3"):
        deep.layers.append(3)


def test_registration_order_does_not_depend_on_pythonhashseed():
    script = textwrap.dedent("""
        import tinygrad_edu.nn as nn
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.zeta = nn.Linear(2, 3)
                self.alpha = nn.BatchNorm1d(3)
                self.mid = nn.ModuleList([nn.Linear(3, 3) for _ in range(3)])
                self.b = nn.Parameter([1.0])
        print(",".join(Net().state_dict()))
    """)
    outputs = set()
    for seed in ["0", "1", "4242", "random"]:
        env = {**os.environ, "PYTHONHASHSEED": seed,
               "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
        result = subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT,
                                capture_output=True, text=True, check=True)
        outputs.add(result.stdout.strip())
    assert outputs == {"zeta.weight,zeta.bias,alpha.weight,alpha.bias,alpha.running_mean,"
                       "alpha.running_var,mid.0.weight,mid.0.bias,mid.1.weight,mid.1.bias,"
                       "mid.2.weight,mid.2.bias,b"}


def test_reassigning_and_deleting_attributes_updates_the_registry():
    net = Net()
    net.fc1 = nn.Linear(3, 4, bias=False)
    assert [n for n, _ in net.named_parameters()][:2] == ["fc1.weight", "norm.weight"]
    net.fc2 = None
    assert "fc2.weight" not in net.state_dict()
    del net.norm
    assert [n for n, _ in net.named_parameters()] == ["fc1.weight"]
    assert net.named_buffers() == []


def test_shared_parameters_and_modules_are_listed_once():
    layer = nn.Linear(2, 2)
    net = nn.Sequential(layer, nn.ReLU(), layer)
    assert len(net.parameters()) == 2
    assert [n for n, _ in net.named_parameters()] == ["0.weight", "0.bias"]


def test_buffers_are_saved_but_not_trained():
    bn = nn.BatchNorm1d(3)
    assert len(bn.parameters()) == 2
    assert list(bn.state_dict()) == ["weight", "bias", "running_mean", "running_var"]
    bn.running_mean = np.full(3, 2.0, np.float32)  # still a buffer after reassignment
    np.testing.assert_array_equal(bn.state_dict()["running_mean"], [2.0, 2.0, 2.0])
    with pytest.raises(TypeError, match=r"buffer 'running_var' must be a NumPy array, got str"):
        bn.running_var = "ones"


def test_mistakes_in_defining_a_module_are_clear_errors():
    class NoInit(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(2, 2)

    with pytest.raises(AttributeError, match=r"cannot assign 'fc' before Module.__init__\(\) "
                                             r"ran: call super\(\).__init__\(\) at the top of "
                                             r"NoInit.__init__"):
        NoInit()

    class PlainList(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = [nn.Linear(2, 2), nn.Linear(2, 2)]

    with pytest.raises(TypeError, match=r"PlainList.layers is a list of layers or Parameters, "
                                        r"which would not be registered .* nn.ModuleList"):
        PlainList()

    layer = nn.Linear(2, 2)
    with pytest.raises(TypeError, match=r"cannot assign a plain Tensor to the Parameter "
                                        r"Linear.weight: update it in place without "
                                        r"recording.*`with tg.no_grad\(\): layer.weight -= "
                                        r"lr \* layer.weight.grad`"):
        layer.weight = layer.weight - 0.1 * Tensor(np.ones((2, 2), np.float32))
    with pytest.raises(NotImplementedError, match=r"Module must define forward"):
        nn.Module()(1)

    class EarlyBuffer(nn.Module):
        def __init__(self):
            self.register_buffer("count", np.zeros(1))

    with pytest.raises(AttributeError, match=r"register_buffer\('count'\) before "
                                             r"Module.__init__\(\) ran"):
        EarlyBuffer()


def test_in_place_update_of_a_parameter_keeps_it_registered():
    layer = nn.Linear(2, 2)
    weight = layer.weight
    with tg.no_grad():
        layer.weight -= 1.0
    assert layer.weight is weight and layer.parameters()[0] is weight


def test_zero_grad_train_and_eval():
    net = Net()
    F.mse_loss(net(np.ones((4, 3), np.float32)), np.zeros((4, 2))).backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())


def test_repr_is_nested():
    class Outer(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Linear(3, 4), nn.Dropout(0.25))
            self.head = nn.Softmax()

    assert repr(Outer()) == textwrap.dedent("""\
        Outer(
          (body): Sequential(
            (0): Linear(in_features=3, out_features=4, bias=True)
            (1): Dropout(p=0.25)
          )
          (head): Softmax(axis=-1)
        )""")
    assert repr(nn.BatchNorm1d(4)) == "BatchNorm1d(4, eps=1e-05, momentum=0.1)"
    assert repr(nn.ReLU()) == "ReLU()"


# ---- state dict -------------------------------------------------------------------------------


def test_state_dict_is_an_ordered_dict_of_copies():
    net = Net()
    state = net.state_dict()
    assert list(state) == ["fc1.weight", "fc1.bias", "norm.weight", "norm.bias",
                           "norm.running_mean", "norm.running_var", "fc2.weight", "fc2.bias"]
    assert all(isinstance(v, np.ndarray) for v in state.values())
    state["fc1.weight"][...] = 7.0
    assert not (net.fc1.weight.numpy() == 7.0).any()


def test_load_state_dict_copies_in_place_and_keeps_the_modules_dtype():
    tg.manual_seed(0)
    source, target = Net(), Net()
    weight = target.fc1.weight.data
    state = {k: v.astype(np.float64) for k, v in source.state_dict().items()}
    result = target.load_state_dict(state)
    assert result == nn.LoadResult([], [])
    assert target.fc1.weight.data is weight and weight.dtype == np.float32
    for (name, a), b in zip(source.state_dict().items(), target.state_dict().values()):
        np.testing.assert_array_equal(a, b, err_msg=name)


def test_load_state_dict_names_missing_and_unexpected_keys():
    net = Net()
    state = net.state_dict()
    del state["fc2.bias"]
    state["fc3.weight"] = np.zeros((2, 2))
    with pytest.raises(ValueError, match=r"cannot load the state dict into Net: missing keys "
                                         r"\(in the model, not in the state dict\): "
                                         r"\['fc2.bias'\]; unexpected keys \(in the state dict, "
                                         r"not in the model\): \['fc3.weight'\] \(strict=False"):
        net.load_state_dict(state)
    result = net.load_state_dict(state, strict=False)
    assert result.missing_keys == ["fc2.bias"] and result.unexpected_keys == ["fc3.weight"]


def test_load_state_dict_rejects_values_that_are_not_numbers():
    layer = nn.Linear(1, 2)
    with pytest.raises(ValueError, match=r"'bias': the value has dtype <U1, not numbers"):
        layer.load_state_dict({"weight": np.zeros((1, 2)), "bias": np.array(["a", "b"])})


def test_load_state_dict_wrong_shape_is_an_error_even_when_not_strict():
    net = Net()
    before = net.state_dict()
    state = net.state_dict()
    state["fc1.bias"] = np.zeros(4)
    state["fc2.weight"] = np.zeros((2, 4))  # the PyTorch layout: transposed
    message = (r"wrong shapes: 'fc2.weight': the state dict has shape \(2, 4\), the model has "
               r"\(4, 2\)")
    for strict in (True, False):
        with pytest.raises(ValueError, match=message):
            net.load_state_dict(state, strict=strict)
    # nothing was copied: fc1.bias (which fitted) is untouched too
    for name, value in net.state_dict().items():
        np.testing.assert_array_equal(value, before[name])


# ---- save and load ----------------------------------------------------------------------------


def test_save_then_load_round_trips_exactly(tmp_path):
    tg.manual_seed(0)
    net = Net()
    net(np.random.default_rng(0).standard_normal((8, 3)).astype(np.float32))  # running stats
    path = tmp_path / "net.npz"
    net.save(path)
    other = Net()
    assert other.load(path) == nn.LoadResult([], [])
    for (name, a), b in zip(net.state_dict().items(), other.state_dict().values()):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b, err_msg=name)
    with np.load(path, allow_pickle=False) as archive:  # a plain .npz file
        assert archive.files == list(net.state_dict())
    assert os.listdir(tmp_path) == ["net.npz"]


def test_save_adds_the_npz_suffix_and_load_follows_the_same_rule(tmp_path):
    tg.manual_seed(0)
    layer = nn.Linear(2, 2)
    written = layer.save(str(tmp_path / "m"))
    assert written == tmp_path / "m.npz" and os.listdir(tmp_path) == ["m.npz"]
    assert layer.save(tmp_path / "weights.bin") == tmp_path / "weights.bin.npz"  # as np.savez
    for name in ("m", "m.npz", "weights.bin"):
        copy = nn.Linear(2, 2)
        copy.load(tmp_path / name)
        np.testing.assert_array_equal(copy.weight.numpy(), layer.weight.numpy())
    with pytest.raises(FileNotFoundError, match=r"other\.npz"):
        layer.load(tmp_path / "other")


def test_save_gives_a_new_file_ordinary_permissions(tmp_path):
    nn.Linear(2, 2).save(str(tmp_path / "weights.npz"))
    assert os.listdir(tmp_path) == ["weights.npz"]
    (tmp_path / "ordinary").write_bytes(b"")
    assert (tmp_path / "weights.npz").stat().st_mode == (tmp_path / "ordinary").stat().st_mode


def _old_file(tmp_path):
    tg.manual_seed(0)
    layer = nn.Linear(3, 2)
    path = tmp_path / "model.npz"
    layer.save(path)
    return layer, path, path.read_bytes()


def test_a_failing_save_leaves_the_old_file_intact(tmp_path, monkeypatch):
    layer, path, old = _old_file(tmp_path)
    calls = []

    def write_half_then_fail(file, array, **kwargs):
        calls.append(1)
        file.write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(np.lib.format, "write_array", write_half_then_fail)
    with pytest.raises(OSError, match="disk full"):
        nn.Linear(3, 2).save(path)
    assert calls
    assert path.read_bytes() == old and os.listdir(tmp_path) == ["model.npz"]
    monkeypatch.undo()
    fresh = nn.Linear(3, 2)
    fresh.load(path)
    np.testing.assert_array_equal(fresh.weight.numpy(), layer.weight.numpy())


def test_a_failing_replace_leaves_the_old_file_intact(tmp_path, monkeypatch):
    _, path, old = _old_file(tmp_path)

    def fail(source, destination):
        raise OSError("interrupted")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="interrupted"):
        nn.Linear(3, 2).save(path)
    assert path.read_bytes() == old and os.listdir(tmp_path) == ["model.npz"]


def test_load_errors(tmp_path):
    layer = nn.Linear(3, 2)
    text = tmp_path / "notes.txt"
    text.write_text("W1 = 0.5\n")
    with pytest.raises(ValueError, match=r"cannot load '.*notes.txt': it is not an .npz file "
                                         r"written by Module.save"):
        layer.load(text)
    single = tmp_path / "array.npy"
    np.save(single, np.zeros(3))
    with pytest.raises(ValueError, match=r"array.npy': it is not an .npz file .*one array"):
        layer.load(single)
    with pytest.raises(FileNotFoundError, match=r"missing.npz"):
        layer.load(tmp_path / "missing.npz")
    wrong = tmp_path / "wrong.npz"
    nn.Linear(3, 5).save(wrong)
    with pytest.raises(ValueError, match=r"'weight': the state dict has shape \(3, 5\), the "
                                         r"model has \(3, 2\)"):
        layer.load(wrong)


def test_load_never_unpickles(tmp_path):
    marker = tmp_path / "unpickled"
    pickled = tmp_path / "pickled.npz"
    with open(pickled, "wb") as file:
        pickle.dump(_Trap(str(marker)), file)
    objects = tmp_path / "objects.npz"
    np.savez(objects, weight=np.array([_Trap(str(marker))], dtype=object))
    for path in (pickled, objects):
        with pytest.raises(ValueError, match=r"it is not an .npz file written by Module.save"):
            nn.Linear(1, 1).load(path)
    assert not marker.exists()


class _Trap:
    """Creates a file when unpickled: proof that something was unpickled."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


# ---- Linear -----------------------------------------------------------------------------------


def test_linear_layout_and_default_init():
    tg.manual_seed(0)
    layer = nn.Linear(400, 30)
    assert layer.weight.shape == (400, 30) and layer.bias.shape == (30,)
    assert layer.weight.dtype == np.float32 == layer.bias.dtype
    bound = 1 / np.sqrt(400)
    w = layer.weight.numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert abs(w.std() - bound / np.sqrt(3)) < 0.05 * bound  # uniform's std
    np.testing.assert_array_equal(layer.bias.numpy(), 0.0)
    x = np.random.default_rng(0).standard_normal((5, 400)).astype(np.float32)
    np.testing.assert_allclose(layer(x).numpy(), x @ w, rtol=1e-5, atol=1e-6)
    tg.manual_seed(0)
    np.testing.assert_array_equal(nn.Linear(400, 30).weight.numpy(), w)  # seeded


def test_linear_without_bias():
    layer = nn.Linear(3, 2, bias=False)
    assert layer.bias is None and len(layer.parameters()) == 1
    assert repr(layer) == "Linear(in_features=3, out_features=2, bias=False)"


def test_linear_gradients(float64_default):
    layer = nn.Linear(3, 4)
    layer.bias.data[...] = np.arange(4.0)
    assert check_gradients(layer, np.random.default_rng(2).standard_normal((5, 3)))


def test_linear_wrong_input_width_names_the_layer_and_both_shapes():
    with pytest.raises(ValueError, match=r"Linear\(in_features=3, out_features=4, bias=True\): "
                                         r"input of shape \(2, 5\) does not fit the weight of "
                                         r"shape \(3, 4\)"):
        nn.Linear(3, 4)(np.zeros((2, 5), np.float32))


# ---- Sequential and the activation layers -----------------------------------------------------


def test_sequential_gradients(float64_default):
    tg.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 2), nn.Softmax())
    assert check_gradients(net, np.random.default_rng(9).standard_normal((4, 3)))


def test_sequential_chains_and_indexes():
    tg.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2), nn.Softmax())
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    expected = F.softmax(net[2](net[0](x).tanh()))
    np.testing.assert_allclose(net(x).numpy(), expected.numpy())
    assert len(net) == 4 and isinstance(net[1], nn.Tanh)
    head = net[:2]
    assert isinstance(head, nn.Sequential) and len(head) == 2 and head[0] is net[0]
    assert [n for n, _ in net.named_parameters()] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    with pytest.raises(TypeError, match=r"write nn.Sequential\(\*layers\)"):
        nn.Sequential([nn.ReLU()])


@pytest.mark.parametrize("layer, function", [
    (nn.Sigmoid(), F.sigmoid), (nn.ReLU(), F.relu), (nn.Tanh(), F.tanh),
    (nn.Softmax(axis=0), lambda x: F.softmax(x, axis=0)),
])
def test_activation_layers(layer, function, float64_default):
    x = np.random.default_rng(3).standard_normal((4, 3)) + 0.01
    np.testing.assert_array_equal(layer(x).numpy(), function(x).numpy())
    assert check_gradients(layer, x)


def test_flatten_keeps_the_batch_axis(float64_default):
    x = np.random.default_rng(4).standard_normal((2, 1, 3, 4))
    assert nn.Flatten()(x).shape == (2, 12)
    assert check_gradients(nn.Flatten(), x)


# ---- Dropout ----------------------------------------------------------------------------------


def test_dropout_layer_in_training_and_eval():
    tg.manual_seed(0)
    layer = nn.Dropout(0.5)
    x = Tensor(np.ones((50, 40), np.float32))
    y = layer(x).numpy()
    assert set(np.unique(y)) == {0.0, 2.0} and y.dtype == np.float32
    assert layer.eval()(x) is x


def test_dropout_layer_gradients(float64_default):
    class Seeded(nn.Dropout):
        def forward(self, x):
            tg.manual_seed(5)
            return super().forward(x)

    assert check_gradients(Seeded(0.4), np.random.default_rng(5).standard_normal((3, 4)))


@pytest.mark.parametrize("p", [1.0, -0.2])
def test_dropout_layer_rejects_bad_p(p):
    with pytest.raises(ValueError, match=r"Dropout probability must be in \[0, 1\), got p="):
        nn.Dropout(p)


# ---- BatchNorm1d ------------------------------------------------------------------------------


def test_batchnorm_training_and_running_stats_against_numpy():
    rng = np.random.default_rng(6)
    bn = nn.BatchNorm1d(3, momentum=0.2)
    bn.weight.data[...] = [1.0, 2.0, 0.5]
    bn.bias.data[...] = [0.0, -1.0, 1.0]
    running_mean, running_var = np.zeros(3), np.ones(3)
    for _ in range(3):
        x = (rng.standard_normal((10, 3)) * [1, 3, 0.5] + [0, 5, -2]).astype(np.float32)
        y = bn(x)
        mean, var = x.mean(0), x.var(0)
        expected = (x - mean) / np.sqrt(var + 1e-5) * [1.0, 2.0, 0.5] + [0.0, -1.0, 1.0]
        np.testing.assert_allclose(y.numpy(), expected, rtol=1e-4, atol=1e-5)
        running_mean = 0.8 * running_mean + 0.2 * mean
        running_var = 0.8 * running_var + 0.2 * x.var(0, ddof=1)
    np.testing.assert_allclose(bn.running_mean, running_mean, rtol=1e-5)
    np.testing.assert_allclose(bn.running_var, running_var, rtol=1e-5)
    assert bn.running_mean.dtype == np.float32 and y.dtype == np.float32

    bn.eval()
    x = rng.standard_normal((4, 3)).astype(np.float32)
    expected = (x - running_mean) / np.sqrt(running_var + 1e-5) * [1.0, 2.0, 0.5] + [0, -1, 1]
    np.testing.assert_allclose(bn(x).numpy(), expected, rtol=1e-4, atol=1e-5)
    bn(x)
    np.testing.assert_allclose(bn.running_mean, running_mean, rtol=1e-5)  # eval: no update


def test_batchnorm_gradients_in_training_and_eval(float64_default):
    bn = nn.BatchNorm1d(3)
    bn.weight.data[...] = [1.5, -0.5, 2.0]
    x = np.random.default_rng(7).standard_normal((6, 3))
    assert check_gradients(bn, x)
    bn.running_var[...] = [0.5, 2.0, 1.0]
    assert check_gradients(bn.eval(), x)


def test_batchnorm_matches_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(8)
    ours, theirs = nn.BatchNorm1d(4), torch.nn.BatchNorm1d(4)
    for _ in range(2):
        x = rng.standard_normal((5, 4)).astype(np.float32)
        np.testing.assert_allclose(ours(x).numpy(), theirs(torch.tensor(x)).detach().numpy(),
                                   rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(ours.running_var, theirs.running_var.numpy(), rtol=1e-5)
    ours.eval(), theirs.eval()
    np.testing.assert_allclose(ours(x).numpy(), theirs(torch.tensor(x)).detach().numpy(),
                               rtol=1e-4, atol=1e-5)


def test_batchnorm_errors():
    bn = nn.BatchNorm1d(3)
    with pytest.raises(ValueError, match=r"BatchNorm1d\(3, eps=1e-05, momentum=0.1\): expected "
                                         r"input of shape \(N, 3\), got \(4, 2\)"):
        bn(np.zeros((4, 2), np.float32))
    with pytest.raises(ValueError, match=r"more than one sample"):
        bn(np.zeros((1, 3), np.float32))
    bn.eval()(np.zeros((1, 3), np.float32))  # one sample is fine in eval mode
    with pytest.raises(ValueError, match=r"BatchNorm1d momentum must be in \[0, 1\], got 2"):
        nn.BatchNorm1d(3, momentum=2)


# ---- init -------------------------------------------------------------------------------------


@pytest.mark.parametrize("initialiser, std", [
    (lambda t: nn.init.normal_(t, std=0.01), 0.01),
    (nn.init.normal_, 0.01),
    (nn.init.xavier_, 1 / np.sqrt(500)),
    (nn.init.he_, np.sqrt(2 / 500)),
])
def test_gaussian_initialisers_fill_in_place_with_their_std(initialiser, std):
    tg.manual_seed(0)
    weight = nn.Parameter(np.ones((500, 200), np.float32))
    array = weight.data
    assert initialiser(weight) is weight
    assert weight.data is array and array.dtype == np.float32
    assert abs(array.std() - std) < 0.02 * std and abs(array.mean()) < 0.02 * std
    tg.manual_seed(0)
    np.testing.assert_array_equal(initialiser(nn.Parameter(np.ones((500, 200), np.float32))),
                                  array)


def test_uniform_and_zeros():
    tg.manual_seed(0)
    w = nn.init.uniform_(Tensor(np.zeros(1000)), -2.0, 3.0).numpy()
    assert w.min() >= -2.0 and w.max() < 3.0 and w.min() < -1.9 and w.max() > 2.9
    assert (nn.init.uniform_(Tensor(np.zeros(100))).numpy() >= 0).all()
    np.testing.assert_array_equal(nn.init.zeros_(Tensor(np.ones(3))).numpy(), 0.0)


def test_init_errors():
    with pytest.raises(ValueError, match=r"xavier_ needs a weight of shape \(in_features, "
                                         r"out_features\), got shape \(4,\)"):
        nn.init.xavier_(Tensor(np.zeros(4)))
    with pytest.raises(TypeError, match=r"he_ fills a float Tensor \(such as layer.weight\), "
                                        r"got ndarray"):
        nn.init.he_(np.zeros((2, 2)))
    with pytest.raises(TypeError, match=r"zeros_ fills a float Tensor .*got a int64 Tensor"):
        nn.init.zeros_(Tensor(np.zeros(2, np.int64)))
    with pytest.raises(ValueError, match=r"uniform_ needs low <= high, got low=1, high=0"):
        nn.init.uniform_(Tensor(np.zeros(2)), 1, 0)


# ---- end to end -------------------------------------------------------------------------------


def test_xor_trains_to_full_accuracy_quickly():
    start = time.perf_counter()
    tg.manual_seed(0)
    X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]])  # the notes' data
    t = np.array([0, 1, 1, 0])
    model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 2))
    opt = optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    for _ in range(200):
        loss = F.cross_entropy(model(X), t)
        opt.zero_grad()
        loss.backward()
        opt.step()
    with tg.no_grad():
        predictions = model(X).numpy().argmax(axis=1)
    assert (predictions == t).all()
    assert loss.item() < 0.01 and loss.dtype == np.float32
    assert time.perf_counter() - start < 2.0
