"""The second book's demos run in their quick modes and print what they promise: the
character-level language model (perplexity going down, sampled text) and seq2seq with and
without attention (held-out exact match, plots, the attention heat map); their exit codes are
demos/common.py's."""

import re

import pytest
from test_demos import ROOT, demo_module, run_demo


def test_char_lm_quick_run_lowers_the_perplexity_and_writes_text(tmp_path):
    plot = tmp_path / "lm.png"
    out, _ = run_demo("char_lm.py", "--quick", "--quiet", "--plot", plot, timeout=300)
    epochs = re.findall(r"^epoch (\d): perplexity ([0-9.]+) \(training text\), ([0-9.]+) "
                        r"\(held-out text\)$", out, re.M)
    assert [e[0] for e in epochs] == ["1", "2"]
    assert float(epochs[1][1]) < float(epochs[0][1])
    assert float(epochs[1][2]) < float(epochs[0][2]) < 60  # the vocabulary has 60 characters
    assert out.count("And God said") == 2  # a sample after each epoch
    assert re.search(r"trained in [0-9.]+ s: perplexity [0-9.]+ -> [0-9.]+ on the held-out",
                     out)
    assert plot.exists() or "matplotlib is not installed" in out


def test_seq2seq_quick_runs_with_and_without_attention(tmp_path):
    for flag in ("--attention", "--no-attention"):
        plot, heatmap = tmp_path / f"acc{flag}.png", tmp_path / f"weights{flag}.png"
        out, _ = run_demo("seq2seq.py", "--quick", "--quiet", flag, "--plot", plot,
                          "--heatmap", heatmap, timeout=300)
        assert re.search(r"^epoch 1: loss [0-9.]+, held-out exact match [0-9.]+$", out, re.M)
        examples = re.findall(r"^ +(\d+)\+(\d+) = (\S*) +(ok|WRONG)$", out, re.M)
        assert len(examples) == 5
        for left, right, answer, verdict in examples:  # the verdict is honest
            assert (verdict == "ok") == (answer == str(int(left) + int(right)))
        if "matplotlib is not installed" not in out:
            assert plot.exists()
            assert heatmap.exists() == (flag == "--attention")


def test_seq2seq_on_dates_quick():
    out, _ = run_demo("seq2seq.py", "--quick", "--quiet", "--task", "date", "--no-attention",
                      timeout=300)
    assert re.search(r"held-out exact match [0-9.]+", out)
    assert len(re.findall(r" = \S+ +(ok|WRONG)$", out, re.M)) == 5


@pytest.mark.parametrize("name", ["char_lm", "seq2seq"])
def test_the_exit_codes_come_from_common_run(name, tmp_path, monkeypatch, capsys):
    # Both demos hand their training to demos/common.py's run: Ctrl-C gives 130, a loss
    # that became nan gives 1, each with a message on stderr and no traceback.
    module = demo_module(name)
    common = demo_module("common")
    plots = ["--plot", str(tmp_path / "p.png")] + (
        ["--heatmap", str(tmp_path / "h.png")] if name == "seq2seq" else [])
    for error, code, message in (
        (KeyboardInterrupt(), 130, r"^\ninterrupted after [0-9.]+ s\n$"),
        (common.NonFiniteLoss("the loss became nan at step 3"), 1,
         r"^the loss became nan at step 3\n$"),
    ):
        def train(args, error=error):
            raise error

        monkeypatch.setattr(module, "train", train)
        assert module.main(["--quick", "--quiet", *plots]) == code
        captured = capsys.readouterr()
        assert re.match(message, captured.err), captured.err
        assert "trained in" not in captured.out
    source = (ROOT / "demos" / f"{name}.py").read_text()
    assert "except KeyboardInterrupt" not in source  # one exit ladder, in common.py


def test_the_sequence_demos_step_clips_and_stops_on_nan():
    import numpy as np

    import tinygrad_edu as tg

    common = demo_module("common")
    assert [common.cosine(0.5, step, 4) for step in (0, 2, 4)] == pytest.approx([0.5, 0.25, 0.0])
    tg.manual_seed(0)
    model = tg.nn.Linear(3, 4)
    optimizer = tg.optim.SGD(model.parameters(), lr=1.0)
    before = [p.numpy().copy() for p in model.parameters()]
    x = tg.Tensor(np.full((2, 5, 3), 100.0, np.float32))  # a huge gradient, clipped to 0.5
    loss = common.clipped_step(model, optimizer, model(x), np.zeros((2, 5), np.int64), 1, 0.5)
    assert np.isfinite(loss)
    moved = [p.numpy() - b for p, b in zip(model.parameters(), before)]
    norm = np.sqrt(sum(float((m.astype(np.float64) ** 2).sum()) for m in moved))
    assert norm == pytest.approx(0.5, rel=1e-4)  # lr 1: the step is the clipped gradient
    x = tg.Tensor(np.full((2, 5, 3), np.nan, np.float32))
    with pytest.raises(common.NonFiniteLoss, match=r"^the loss became nan at step 7$"):
        common.clipped_step(model, optimizer, model(x), np.zeros((2, 5), np.int64), 7, 0.5)
