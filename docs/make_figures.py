"""Regenerate the pictures in docs/images/ that docs/visualization.md, docs/demos.md and
docs/tutorial.md show.

    .venv/bin/python docs/make_figures.py            # writes docs/images/*.svg, *.png

Every picture is drawn from code here, never by hand: change the drawing code, run this, and
the docs follow. Weights come from a seeded generator and node ids are stable, so running it
twice writes the same SVG files. The explorer's screenshot (xor_explorer.png) is taken in
headless Chromium (Debian's `chromium` and `chromium-driver`, and `selenium` from the test
extra); where those are missing it is skipped with a message and the old picture is kept.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu.viz import save_graph, save_html

CHROMIUM = os.environ.get("TINYGRAD_EDU_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("TINYGRAD_EDU_CHROMEDRIVER", "/usr/bin/chromedriver")

IMAGES = Path(__file__).resolve().parent / "images"
DEMOS = Path(__file__).resolve().parents[1] / "demos"


def xor_network():
    """The notes' XOR network: 3 inputs (x1, x2 and a bias column of ones), 4 hidden, 1 out."""
    rng = np.random.default_rng(0)
    X = tg.Tensor(np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], np.float32), name="X")
    t = tg.Tensor(np.array([[0], [1], [1], [0]], np.float32), name="t")
    W1 = tg.Tensor(rng.standard_normal((3, 4)).astype(np.float32), requires_grad=True, name="W1")
    W2 = tg.Tensor(rng.standard_normal((4, 1)).astype(np.float32), requires_grad=True, name="W2")
    y = ((X @ W1).sigmoid() @ W2).sigmoid()
    y.name = "y"
    loss = -(t * y.log() + (1 - t) * (1 - y).log()).mean()  # binary cross-entropy
    loss.name = "loss"
    return loss


def xor_deltas():
    """Note 002's network and loss, with the layers' deltas kept on the pre-activations.

    layer_1 = sigmoid(X @ synapse_0), layer_2 = sigmoid(layer_1 @ synapse_1), squared error
    0.5 * sum((layer_2 - y)^2). The gradient of z2 = layer_1 @ synapse_1 is the note's
    layer_2_delta = (layer_2 - y) * layer_2 * (1 - layer_2); that of z1 = X @ synapse_0 is
    layer_1_delta = layer_2_delta @ synapse_1.T * layer_1 * (1 - layer_1). retain_grad()
    keeps both, so the drawing shows them.
    """
    np.random.seed(1)  # the note's seed and initialisation
    synapse_0 = tg.Tensor(2 * np.random.random((3, 4)) - 1, requires_grad=True,
                          name="synapse_0")
    synapse_1 = tg.Tensor(2 * np.random.random((4, 1)) - 1, requires_grad=True,
                          name="synapse_1")
    X = tg.Tensor(np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], np.float64), name="X")
    y = tg.Tensor(np.array([[0], [1], [1], [0]], np.float64), name="y")
    z1 = X @ synapse_0
    layer_1 = z1.sigmoid()
    z2 = layer_1 @ synapse_1
    layer_2 = z2.sigmoid()
    for tensor, name in ((z1, "z1"), (layer_1, "layer_1"), (z2, "z2"), (layer_2, "layer_2")):
        tensor.name = name
    z1.retain_grad()
    z2.retain_grad()
    loss = 0.5 * ((layer_2 - y) ** 2).sum()
    loss.name = "loss"
    return loss


def explorer_screenshot(path, step=7):
    """The explorer page of xor_deltas() at backward step `step` (the hidden layer's sigmoid,
    which sends layer_1_delta), as a PNG. Returns None, saying why, without a browser."""
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not os.path.isfile(p)]
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        from selenium.webdriver.common.action_chains import ActionChains
        from selenium.webdriver.common.by import By
        from selenium.webdriver.common.keys import Keys
    except ImportError:
        missing.append("selenium")
    if missing:
        print(f"skipped {path.name}: {', '.join(missing)} missing (apt-get install chromium "
              f"chromium-driver; pip install selenium)")
        return None
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    with tempfile.TemporaryDirectory() as folder:
        for flag in ("--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", "--window-size=1200,860", "--hide-scrollbars",
                     f"--user-data-dir={folder}/profile"):
            options.add_argument(flag)
        page = save_html(xor_deltas(), Path(folder) / "xor_explorer.html")
        driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
        try:
            driver.get(page.as_uri())
            body = driver.find_element(By.TAG_NAME, "body")
            for _ in range(step - 1):
                body.send_keys(Keys.ARROW_RIGHT)
            for node in driver.find_elements(By.CSS_SELECTOR, "#graph g.node.tensor"):
                if node.find_element(By.TAG_NAME, "text").text == "z1":  # layer_1_delta
                    ActionChains(driver).move_to_element(node).perform()
            driver.save_screenshot(str(path))
        finally:
            driver.quit()
    return path


def anatomy():
    """One node of every kind, for the legend."""
    x = tg.Tensor(np.array([[1.0, 2.0]], np.float32), name="x")
    W = tg.Tensor(np.array([[0.5], [-0.5]], np.float32), requires_grad=True, name="W")
    out = (x @ W + 1.0).sigmoid()
    out.name = "out"
    return out


def second_order():
    """d/dx x^3 = 3x^2, recorded with create_graph=True so it is a graph of its own."""
    x = tg.Tensor(np.array(2.0, np.float32), requires_grad=True, name="x")
    (dy_dx,) = tg.grad(x**3, x, create_graph=True)
    dy_dx.name = "dy/dx"
    return dy_dx


def long_chain(steps=1000):
    """A graph far too long to draw: 1 + 3 * steps nodes."""
    x = tg.Tensor(np.array(0.0, np.float32), requires_grad=True, name="x")
    for _ in range(steps):
        x = x * 0.5 + 1.0
    return x


def load_demo(name):
    """Import demos/<name>.py as a module (the demos folder is not a package)."""
    spec = importlib.util.spec_from_file_location(f"demo_{name}", DEMOS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def xor_demo_graph(path):
    """The drawing demos/xor.py makes, with the demo's own code and default settings."""
    xor = load_demo("xor")
    model, _ = xor.train(steps=2000, lr=2.0, seed=0)
    return xor.draw(model, path)


def im2col_picture(path, size=4, kernel=3):
    """im2col drawn from F.im2col's own output: each window of a 4x4 image becomes one row."""
    import tinygrad_edu.nn.functional as F

    image = np.arange(size * size, dtype=np.float32).reshape(1, 1, size, size)
    rows = F.im2col(image, kernel).numpy().astype(int)  # (windows, kernel * kernel)
    out = size - kernel + 1
    colours = ["#e6550d", "#3182bd", "#31a354", "#756bb1"]
    cell, gap = 38, 130
    left, top = 20, 60
    matrix_left = left + size * cell + gap
    width = max(matrix_left + rows.shape[1] * cell + 20, 780)
    height = top + max(size, rows.shape[0]) * cell + 70
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="sans-serif" font-size="14">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{left}" y="24">image x (1 channel, {size}x{size}), windows {kernel}x{kernel}'
        f'</text>',
        f'<text x="{matrix_left}" y="24">im2col(x, {kernel}): one row per window, '
        f'shape {rows.shape}</text>',
    ]
    for i in range(size):  # the image, pixel numbers in reading order
        for j in range(size):
            x, y = left + j * cell, top + i * cell
            parts.append(f'<rect x="{x}" y="{y}" width="{cell}" height="{cell}" fill="#f7f7f7" '
                         f'stroke="#999"/>')
            parts.append(f'<text x="{x + cell / 2}" y="{y + cell / 2 + 5}" '
                         f'text-anchor="middle">{int(image[0, 0, i, j])}</text>')
    for w, colour in enumerate(colours[:out * out]):  # each window outlined in its colour
        i, j = divmod(w, out)
        inset = 2 + 3 * w
        parts.append(
            f'<rect x="{left + j * cell + inset}" y="{top + i * cell + inset}" '
            f'width="{kernel * cell - 2 * inset}" height="{kernel * cell - 2 * inset}" '
            f'fill="none" stroke="{colour}" stroke-width="3"/>')
    for r, row in enumerate(rows):  # the column matrix, each row in its window's colour
        y = top + r * cell
        for c, value in enumerate(row):
            x = matrix_left + c * cell
            parts.append(f'<rect x="{x}" y="{y}" width="{cell}" height="{cell}" '
                         f'fill="{colours[r]}" fill-opacity="0.18" stroke="{colours[r]}"/>')
            parts.append(f'<text x="{x + cell / 2}" y="{y + cell / 2 + 5}" '
                         f'text-anchor="middle">{value}</text>')
    arrow_y = top + size * cell / 2
    parts.append(f'<line x1="{left + size * cell + 8}" y1="{arrow_y}" x2="{matrix_left - 10}" '
                 f'y2="{arrow_y}" stroke="black" stroke-width="2"/>')
    parts.append(f'<polygon points="{matrix_left - 10},{arrow_y - 6} {matrix_left - 2},'
                 f'{arrow_y} {matrix_left - 10},{arrow_y + 6}"/>')
    note_y = top + max(size, rows.shape[0]) * cell + 30
    parts.append(f'<text x="{left}" y="{note_y}">conv2d = im2col(x) @ W.reshape(FN, -1).T: '
                 f'each row times each filter gives one output pixel.</text>')
    parts.append(f'<text x="{left}" y="{note_y + 22}">Backward (col2im) adds each row\'s '
                 f'gradient back into its window: pixels in several windows add up.</text>')
    parts.append("</svg>")
    path.write_text("\n".join(parts) + "\n", encoding="utf-8")
    return path


def main(images=IMAGES):
    images.mkdir(parents=True, exist_ok=True)
    written = [
        save_graph(anatomy(), images / "anatomy.svg", rankdir="LR"),
        save_graph(xor_network(), images / "xor_forward.svg"),
    ]
    loss = xor_deltas()
    loss.backward()
    written.append(save_graph(loss, images / "xor_grads.svg", show_values=True,
                              show_grads=True))
    written.append(save_graph(second_order(), images / "second_order.svg", show_values=True))
    written.append(save_graph(long_chain(), images / "long_chain.svg", max_nodes=25))
    written.append(xor_demo_graph(images / "xor_demo_graph.svg"))
    written.append(im2col_picture(images / "im2col.svg"))
    written.append(explorer_screenshot(images / "xor_explorer.png"))
    for path in written:
        if path is not None:
            print(path)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else IMAGES)
