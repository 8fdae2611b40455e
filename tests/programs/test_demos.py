"""Every demo runs, in a quick mode, and prints what it promises."""

import importlib
import re
import signal
import socket
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_demo(name, *args, expect_code=0, timeout=240):
    done = subprocess.run(
        [sys.executable, str(ROOT / "demos" / name), *map(str, args)],
        capture_output=True, text=True, cwd=ROOT, timeout=timeout,
    )
    assert done.returncode == expect_code, done.stdout + done.stderr
    return done.stdout, done.stderr


def test_xor_prints_a_correct_truth_table_and_draws_the_graph(tmp_path):
    graph = tmp_path / "xor_graph.svg"
    out, _ = run_demo("xor.py", "--graph", graph)
    rows = re.findall(r"^ (\d)  (\d) \|   (\d)    \| ([0-9.]+)  -> (\d)  (\w+)$", out, re.M)
    assert [(r[0], r[1], r[2]) for r in rows] == [
        ("0", "0", "0"), ("0", "1", "1"), ("1", "0", "1"), ("1", "1", "0")
    ]
    assert all(r[2] == r[4] and r[5] == "ok" for r in rows)
    svg = ET.parse(graph).getroot()
    texts = " ".join(t.text or "" for t in svg.iter("{http://www.w3.org/2000/svg}text"))
    for label in ["hidden.weight", "output.weight", "loss", "grad:", "data:"]:
        assert label in texts
    # Once: drawn after backward(), it showed 24 `nan` for finite values.
    assert "nan" not in texts and "freed" not in texts
    squeezed = " ".join(texts.replace("\xa0", " ").split())
    assert "X (with bias column) (4, 3) float32 data: [[0 0 1] [0 1 1] [1 0 1] [1 1 1]]" in squeezed
    explorer = tmp_path / "xor_explorer.html"  # next to the graph
    assert f"(open in a browser): {explorer}" in out
    page = explorer.read_text(encoding="utf-8")
    assert page.count("<svg") == 1 and "hidden.weight" in page and "Backward pass" in page


def test_xor_default_graph_goes_to_the_ignored_output_folder():
    out, _ = run_demo("xor.py", "--steps", "10")
    assert "demos/output/xor_graph.svg" in out.replace("\\", "/")
    ignored = subprocess.run(["git", "check-ignore", "demos/output/xor_graph.svg"], cwd=ROOT,
                             capture_output=True, text=True)
    assert ignored.returncode == 0


def test_mnist_quick_run_learns_saves_and_plots(tmp_path):
    weights, curves = tmp_path / "mlp.npz", tmp_path / "curves.png"
    out, _ = run_demo("mnist.py", "--limit", 3000, "--epochs", 2, "--hidden", 64, "--quiet",
                      "--save", weights, "--plot", curves)
    epochs = re.findall(r"^epoch (\d): loss ([0-9.]+), train acc ([0-9.]+), test acc ([0-9.]+)$",
                        out, re.M)
    assert [e[0] for e in epochs] == ["1", "2"]
    assert float(epochs[1][1]) < float(epochs[0][1])  # the loss goes down
    assert float(epochs[-1][3]) > 0.8  # far above chance (0.1) after a short run
    assert re.search(r"trained in [0-9.]+ s: test accuracy", out)
    with np.load(weights, allow_pickle=False) as saved:
        assert saved["fc1.weight"].shape == (784, 64) and saved["fc2.bias"].shape == (10,)
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert "no plot: matplotlib is not installed" in out
    else:
        assert curves.read_bytes()[:4] == b"\x89PNG"


def test_mnist_progress_bar_stays_off_a_log_file():
    # Output to a pipe or a file is not a terminal: no bar redraws piling up into one long line.
    done = subprocess.run(  # bytes, not text: text mode would turn each "\r" into a newline
        [sys.executable, str(ROOT / "demos" / "mnist.py"), "--limit", "1000", "--epochs", "1",
         "--hidden", "16"], capture_output=True, cwd=ROOT, timeout=240,
    )
    assert done.returncode == 0, done.stderr
    assert b"epoch 1: loss" in done.stdout
    assert b"\r" not in done.stdout + done.stderr


def test_mnist_stops_on_a_nan_loss_and_names_the_step():
    _, err = run_demo("mnist.py", "--limit", 1000, "--epochs", 1, "--quiet",
                      "--optimizer", "sgd", "--lr", "1e30", expect_code=1)
    assert re.search(r"the loss became (nan|inf) at step \d+ \(epoch 1\); training stopped", err)
    assert "run again with --detect-anomaly" in err


@pytest.mark.parametrize("demo, optimizer", [("mnist.py", ["--optimizer", "sgd"]),
                                             ("cnn_mnist.py", [])])
def test_detect_anomaly_names_the_op_and_the_line(demo, optimizer, tmp_path):
    _, err = run_demo(demo, "--limit", 300, "--epochs", 1, "--quiet", *optimizer, "--lr", "1e30",
                      "--detect-anomaly", "--save", tmp_path / "w.npz", expect_code=1)
    assert re.search(r"\w+ (forward|backward) produced (nan|inf).* created at .*\.py:\d+: ", err)
    assert "Traceback" not in err


def demo_module(name):
    sys.path.insert(0, str(ROOT / "demos"))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(ROOT / "demos"))


SHARED_FLAGS = {"--dataset", "--data-dir", "--epochs", "--batch-size", "--lr", "--seed",
                "--save", "--plot", "--limit", "--quick", "--quiet", "--detect-anomaly"}


def test_both_mnist_demos_spell_their_shared_flags_the_same_way(capsys):
    common = demo_module("common")
    for name in ("mnist", "cnn_mnist"):
        module = demo_module(name)
        with pytest.raises(SystemExit):
            module.parse_args(["--help"])
        usage = capsys.readouterr().out
        for flag in SHARED_FLAGS:
            assert flag in usage, f"demos/{name}.py has no {flag}"
        args = module.parse_args(["--dataset", "fashion", "--quick", "--limit", "300"])
        assert (args.dataset, args.limit, args.epochs) == ("fashion", 300, 1)
        assert module.parse_args(["--quick"]).limit == common.QUICK_LIMIT
        assert module.__doc__.count("common.py") >= 1  # the docstring says where they live


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process is POSIX")
def test_mnist_ctrl_c_stops_cleanly_and_keeps_the_saved_weights(tmp_path):
    weights = tmp_path / "mlp.npz"
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "demos" / "mnist.py"), "--limit", "2000", "--epochs", "100000",
         "--hidden", "32", "--quiet", "--save", str(weights)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        # A suite started in the background (`make test &`, some CI runners) ignores SIGINT,
        # and so would the child: Python turns Ctrl-C into KeyboardInterrupt only when it
        # starts with the default handler.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        first_line = process.stdout.readline()  # epoch 1 finished and saved
        assert first_line.startswith("epoch 1:")
        # Right after an epoch's line is where a per-epoch progress bar's __del__ used to run,
        # and Python drops a KeyboardInterrupt that lands in a finalizer: one press must do.
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 130
    assert "interrupted after" in err and str(weights) in err
    assert "Traceback" not in err
    with np.load(weights, allow_pickle=False) as saved:
        assert saved["fc1.weight"].shape == (784, 32)


def test_one_progress_bar_serves_every_epoch(monkeypatch):
    # A bar per epoch would be finalized (Python code in __del__) as the next one replaces
    # it, and a Ctrl-C landing there is dropped: the epoch loops share one bar per run.
    import tinygrad_edu as tg

    common = demo_module("common")
    made, resets = [], []

    class CountedBar(common.tqdm):
        def __init__(self, *args, **kwargs):
            made.append(self)
            super().__init__(*args, **kwargs)

        def reset(self, total=None):
            resets.append(total)
            super().reset(total)

    monkeypatch.setattr(common, "tqdm", CountedBar)
    args = common.parser("test", epochs=3, batch_size=8, lr=0.1, lr_help="").parse_args(
        ["--quiet"])
    tg.manual_seed(0)
    model = tg.nn.Linear(2, 2)
    x, t = np.random.default_rng(0).normal(size=(32, 2)), np.arange(32) % 2
    loader = tg.data.DataLoader((x.astype(np.float32), t), batch_size=8)
    history = common.train_epochs(args, model, tg.optim.SGD(model.parameters(), lr=0.1), loader,
                                  evaluate=lambda model: {}, on_epoch=lambda record: False)
    assert [record["epoch"] for record in history] == [1, 2, 3]
    assert len(made) == 1 and resets == [len(loader)] * 3  # one bar, reset at each epoch
    for name in ("mnist", "cnn_mnist", "char_lm", "seq2seq"):
        assert "tqdm(" not in (ROOT / "demos" / f"{name}.py").read_text()


def test_mnist_demo_on_fashion_mnist(fashion_root):
    out, _ = run_demo("mnist.py", "--dataset", "fashion", "--data-dir", fashion_root,
                      "--limit", 3000, "--epochs", 1, "--quiet")
    accuracy = float(re.search(r"test acc ([0-9.]+)", out).group(1))
    assert accuracy > 0.5


@pytest.mark.parametrize("demo", ["mnist", "cnn_mnist"])
def test_missing_data_says_where_to_put_it(demo, tmp_path, monkeypatch, capsys):
    import tinygrad_edu as tg

    module = demo_module(demo)
    with socket.socket() as probe:  # a local port with nobody listening: no internet
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}/"
    monkeypatch.setitem(tg.datasets.MIRRORS, "fashion", [closed])
    empty = tmp_path / "nodata"
    assert module.main(["--dataset", "fashion", "--data-dir", str(empty), "--quiet",
                        "--save", str(tmp_path / "w.npz")]) == 2
    err = capsys.readouterr().err
    assert "Fashion-MNIST data files are missing from" in err and "cannot connect" in err
    assert not empty.exists()  # no empty folder left behind


def test_cnn_quick_run_learns_saves_and_draws_without_bars_in_a_log(tmp_path):
    weights, graph, filters = tmp_path / "cnn.npz", tmp_path / "cnn.svg", tmp_path / "f.png"
    done = subprocess.run(  # bytes: a progress bar's "\r" must not reach a pipe (no --quiet)
        [sys.executable, str(ROOT / "demos" / "cnn_mnist.py"), "--quick", "--save", str(weights),
         "--graph", str(graph), "--filters", str(filters)],
        capture_output=True, cwd=ROOT, timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert b"\r" not in done.stdout + done.stderr
    out = done.stdout.decode()
    accuracy = float(re.search(r"^epoch 1: loss [0-9.]+, test acc ([0-9.]+)$", out, re.M)[1])
    assert accuracy > 0.5  # far above chance (0.1) after 40 steps on 2,000 images
    assert re.search(r"trained in [0-9.]+ s: test accuracy [0-9.]+ \((reached|below) the "
                     r"0\.99 target\)", out)
    with np.load(weights, allow_pickle=False) as saved:
        assert saved["conv1.weight"].shape == (8, 1, 5, 5)
        assert saved["conv2.weight"].shape == (16, 8, 5, 5)
        assert saved["fc1.weight"].shape == (16 * 7 * 7, 128)
        assert saved["fc2.bias"].shape == (10,)
    svg = ET.parse(graph).getroot()
    texts = " ".join(t.text or "" for t in svg.iter("{http://www.w3.org/2000/svg}text"))
    for label in ["conv1.weight", "conv2.bias", "Im2Col", "FirstMax", "fc2.weight"]:
        assert label in texts
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert "no filter picture: matplotlib is not installed" in out
    else:
        assert filters.read_bytes()[:4] == b"\x89PNG"


def test_cnn_demo_on_fashion_mnist(tmp_path, fashion_root):
    out, _ = run_demo("cnn_mnist.py", "--dataset", "fashion", "--data-dir", fashion_root, "--quick",
                      "--quiet", "--save", tmp_path / "f.npz", "--graph", tmp_path / "f.svg",
                      "--filters", tmp_path / "f.png", timeout=300)
    assert float(re.search(r"test acc ([0-9.]+)", out)[1]) > 0.4
    assert "the 0.9 target" in out


def test_perceptron_gates():
    out, _ = run_demo("perceptron.py")
    tables = dict(re.findall(r"^(\w+):\n((?:  .*\n){4})", out, re.M))
    outputs = {name: re.findall(r"-> (\d)", rows) for name, rows in tables.items()}
    assert outputs == {
        "AND": ["0", "0", "0", "1"], "OR": ["0", "1", "1", "1"],
        "NAND": ["1", "1", "1", "0"], "XOR": ["0", "1", "1", "0"],
    }


def test_delta_rule_learns_the_first_column_but_not_xor():
    out, _ = run_demo("delta_rule.py", "--epochs", 500)
    assert "largest difference 0.0e+00" in out or re.search(r"difference \d\.\de-1[5-9]", out)
    verdicts = re.findall(r"^  (learned|NOT learned);", out, re.M)
    assert verdicts == ["learned", "NOT learned"]


def test_learning_rates_print_the_notes_errors():
    out, _ = run_demo("learning_rates.py", "--iterations", 10_001, "--alphas", "0.1", "1")
    errors = [float(e) for e in re.findall(r"iterations: ([0-9.e-]+)", out)]
    notes = [0.49641003190272537, 0.042888017000115755, 0.49641003190272537,
             0.008584525653247159]
    assert np.allclose(errors, notes, rtol=1e-9)


def test_gradient_descent_shows_both_gradients():
    out, _ = run_demo("gradient_descent.py")
    assert "[-6.11110793e-10  8.14814391e-10]" in out
    assert "numerical gradient (the note's):  [-2.58983747e+13 -1.29524862e+12]" in out
    assert "[-2.99999994  3.99999992]" in out
    assert "e+128" in out


def test_numerical_vs_autodiff_agree_and_autodiff_is_faster():
    out, _ = run_demo("numerical_vs_autodiff.py", "--batch", 20, "--sample", 10)
    differences = [float(d) for d in re.findall(r"largest difference ([0-9.e+-]+)", out)]
    assert len(differences) == 4 and max(differences) < 1e-7
    speedup = float(re.search(r"autodiff is ([0-9,]+) times faster", out).group(1).replace(",", ""))
    assert speedup > 100
