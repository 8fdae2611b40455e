"""The explorer page in a real browser: headless Chromium driven by Selenium.

The page is opened from disk and walked with the keyboard and with the buttons; what the
panel shows must be the engine's own gradients to 4 significant digits. The page must load
nothing from the network and log no console error.

Needs Debian's `chromium` and `chromium-driver` (CI installs them: .ci/run) and `selenium`
(the test extra). The driver's path is given explicitly, so Selenium never downloads one;
without a browser these tests are skipped, saying what to install.
"""

from __future__ import annotations

import os
import re

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.viz
from tinygrad_edu import Tensor

CHROMIUM = os.environ.get("TINYGRAD_EDU_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("TINYGRAD_EDU_CHROMEDRIVER", "/usr/bin/chromedriver")
CHROMIUM_FLAGS = (
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--no-first-run", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--window-size=1400,1000",
)


def _why_no_browser():
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not os.path.isfile(path)]
    if missing:
        return (f"no headless browser: {' and '.join(missing)} missing (install Debian's "
                f"chromium and chromium-driver: apt-get install chromium chromium-driver)")
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    return None


pytestmark = pytest.mark.skipif(_why_no_browser() is not None, reason=str(_why_no_browser()))


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


# ---- the notes' XOR network (note 002), squared error ---------------------------------------

X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=np.float64)
T = np.array([[0], [1], [1], [0]], dtype=np.float64)


def xor_loss():
    rng = np.random.default_rng(1)
    W1 = Tensor(2 * rng.random((3, 4)) - 1, requires_grad=True, name="W1")
    W2 = Tensor(2 * rng.random((4, 1)) - 1, requires_grad=True, name="W2")
    y1 = (Tensor(X, name="X") @ W1).sigmoid()
    y = (y1 @ W2).sigmoid()
    loss = 0.5 * ((y - Tensor(T, name="t")) ** 2).sum()
    loss.name = "loss"
    return loss, W1, W2


NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?|nan|inf", re.IGNORECASE)


def numbers(text):
    return [float(n) for n in NUMBER.findall(text)]


def four_digits(array):
    return [float(f"{v:.4g}") for v in np.asarray(array, np.float64).ravel()]


def read_panel(driver):
    from selenium.webdriver.common.by import By

    sends = []
    for item in driver.find_elements(By.CSS_SELECTOR, "#sends li"):
        pre = item.find_elements(By.TAG_NAME, "pre")
        sends.append(numbers(pre[0].text) if pre else None)
    current = driver.find_elements(By.CSS_SELECTOR, "#graph g.node.current")
    return {
        "title": driver.find_element(By.ID, "step-title").text,
        "rule": driver.find_element(By.ID, "rule").text,
        "incoming": numbers(driver.find_element(By.ID, "incoming").text),
        "sends": sends,
        "current": [node.find_element(By.TAG_NAME, "text").text for node in current],
    }


def assert_panel_shows(panel, step, count):
    assert panel["title"] == f"Backward step {step.number} of {count}: {step.op}"
    assert panel["rule"] == step.rule
    assert panel["current"] == [step.op]  # exactly one op highlighted: this one
    assert panel["incoming"] == four_digits(step.grad_output)
    expected = [None if g is None else four_digits(g) for g in step.grads_sent]
    assert panel["sends"] == expected


def open_page(driver, path):
    driver.get(path.as_uri())
    driver.get_log("browser")  # start the page's own log empty


def assert_offline_and_quiet(driver, path):
    loaded = driver.execute_script(
        "return performance.getEntries()"
        ".filter(e => e.entryType === 'navigation' || e.entryType === 'resource')"
        ".map(e => e.name)"
    )
    assert loaded == [path.as_uri()]  # the file itself, nothing else
    errors = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
    assert errors == []


def test_walking_the_backward_pass_shows_the_engines_gradients(browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    loss, W1, W2 = xor_loss()
    page = tg.viz.save_html(loss, tmp_path / "xor_explorer.html")
    steps = tg.viz.explain_backward(loss)  # the engine's steps (save_html kept the graph)
    count = len(steps)
    assert count == 8

    open_page(browser, page)
    assert not browser.find_element(By.ID, "time-controls").is_displayed()  # no time steps
    body = browser.find_element(By.TAG_NAME, "body")
    for index, step in enumerate(steps):  # forwards with the keyboard
        if index:
            body.send_keys(Keys.ARROW_RIGHT)
        assert_panel_shows(read_panel(browser), step, count)
    body.send_keys(Keys.ARROW_RIGHT)  # past the last step: stays there
    assert_panel_shows(read_panel(browser), steps[-1], count)
    previous = browser.find_element(By.ID, "prev")
    for step in reversed(steps[:-1]):  # back with the buttons
        previous.click()
        assert_panel_shows(read_panel(browser), step, count)
    body.send_keys(Keys.ARROW_LEFT)  # before the first: stays there
    assert_panel_shows(read_panel(browser), steps[0], count)
    following = browser.find_element(By.ID, "next")
    for step in steps[1:]:
        following.click()
        assert_panel_shows(read_panel(browser), step, count)

    browser.save_screenshot(str(tmp_path / "explorer.png"))
    assert (tmp_path / "explorer.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert_offline_and_quiet(browser, page)


def test_hovering_a_tensor_shows_its_value_and_gradient(browser, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    loss, W1, W2 = xor_loss()
    page = tg.viz.save_html(loss, tmp_path / "xor_explorer.html")
    loss.backward()
    open_page(browser, page)
    for weight in (W1, W2):
        node = next(g for g in browser.find_elements(By.CSS_SELECTOR, "#graph g.node.tensor")
                    if g.find_element(By.TAG_NAME, "text").text == weight.name)
        ActionChains(browser).move_to_element(node).perform()
        assert browser.find_element(By.ID, "tensor-title").text.startswith(weight.name)
        shown = browser.find_element(By.ID, "tensor-value").text
        assert numbers(shown) == four_digits(weight.data)
        gradient = browser.find_element(By.ID, "tensor-grad").text
        assert numbers(gradient) == four_digits(weight.grad.data)
    assert_offline_and_quiet(browser, page)


def test_the_forward_walk_shows_values_as_they_are_computed(browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    loss, W1, W2 = xor_loss()
    y1 = (Tensor(X) @ W1).sigmoid().numpy()
    y = (Tensor(y1) @ W2).sigmoid().numpy()
    page = tg.viz.save_html(loss, tmp_path / "xor_explorer.html")
    open_page(browser, page)
    browser.find_element(By.ID, "mode-forward").click()
    body = browser.find_element(By.TAG_NAME, "body")
    seen = []
    for index in range(8):
        if index:
            body.send_keys(Keys.ARROW_RIGHT)
        title = browser.find_element(By.ID, "step-title").text
        assert title.startswith(f"Forward step {index + 1} of 8: ")
        value = browser.find_element(By.ID, "forward-value").text
        seen.append((title.split(": ")[1], numbers(value)))
    assert [name for name, _ in seen] == ["MatMul", "Sigmoid", "MatMul", "Sigmoid", "Sub", "Pow",
                                         "Sum", "Mul"]
    assert seen[1][1] == four_digits(y1)
    assert seen[3][1] == four_digits(y)
    assert seen[-1][1] == four_digits(loss.data)
    assert_offline_and_quiet(browser, page)


def test_a_large_graph_is_cut_with_a_note_and_still_walks(browser, tmp_path):
    from selenium.webdriver.common.by import By

    x = Tensor(np.linspace(0.1, 1.0, 3), requires_grad=True, name="x")
    y = x
    for _ in range(150):  # 302 nodes
        y = y * 1.001
    loss = y.sum()
    page = tg.viz.save_html(loss, tmp_path / "chain.html", max_nodes=60)
    open_page(browser, page)
    note = browser.find_element(By.ID, "cut-note").text
    assert "too large to show in full" in note
    title = browser.find_element(By.ID, "step-title").text
    drawn_ops = len(browser.find_elements(By.CSS_SELECTOR, "#graph g.node.op"))
    assert title == f"Backward step 1 of {drawn_ops}: Sum"
    for _ in range(drawn_ops + 2):
        browser.find_element(By.ID, "next").click()
    assert browser.find_element(By.ID, "step-title").text.startswith(
        f"Backward step {drawn_ops} of {drawn_ops}: ")
    assert_offline_and_quiet(browser, page)


def test_explore_works_inline_as_jupyter_shows_it(browser, tmp_path):
    from selenium.webdriver.common.by import By

    loss, W1, W2 = xor_loss()
    steps = tg.viz.explain_backward(loss, retain_graph=True)
    notebook = tmp_path / "notebook.html"  # a page holding the cell output, as Jupyter does
    notebook.write_text("<!DOCTYPE html><html><body><h1>cell output</h1>"
                        + tg.viz.explore(loss)._repr_html_() + "</body></html>")
    open_page(browser, notebook)
    browser.switch_to.frame(browser.find_element(By.TAG_NAME, "iframe"))
    try:
        browser.find_element(By.ID, "next").click()
        assert_panel_shows(read_panel(browser), steps[1], len(steps))
    finally:
        browser.switch_to.default_content()
    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert errors == []


HOSTILE_NAMES = [
    "<!--<script>",  # once blanked the page: the parser skipped past the script's real end
    "</script><script>document.title='owned'</script>",
    "a & b > c < d",
    "line\u2028sep\u2029para",
    "tab\tnewline\nescape\x1bnul\x00",
    42,  # not a string at all
]


def test_hostile_names_neither_break_the_page_nor_run(browser, tmp_path):
    # Once: only `</` was escaped in the page's inline JSON.
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    weights = [Tensor(np.full(2, i + 1.0), requires_grad=True, name=name)
               for i, name in enumerate(HOSTILE_NAMES)]
    loss = weights[0]
    for w in weights[1:]:
        loss = loss * w
    loss = loss.sum()
    page = tg.viz.save_html(loss, tmp_path / "hostile.html")
    open_page(browser, page)
    assert browser.title == "Backward pass of sum1"  # no injected script ran
    count = len(tg.viz.explain_backward(loss, retain_graph=True))
    assert browser.find_element(By.ID, "step-title").text == (
        f"Backward step 1 of {count}: Sum")
    shown = []
    for node in browser.find_elements(By.CSS_SELECTOR, "#graph g.node.parameter"):
        ActionChains(browser).move_to_element(node).perform()
        shown.append(browser.find_element(By.ID, "tensor-title").get_property("textContent"))
    expected = [tg.viz.drawing.printable(name) for name in HOSTILE_NAMES]
    assert sorted(title.split("  ")[0] for title in shown) == sorted(expected)
    assert_offline_and_quiet(browser, page)


# ---- stepping backward through time (an unrolled LSTM) --------------------------------------


def lstm_loss(steps=4):
    tg.manual_seed(3)
    lstm = tg.nn.LSTM(input_size=2, hidden_size=3)
    x = Tensor(np.random.default_rng(3).standard_normal((steps, 1, 2)), name="x")
    output, _ = lstm(x)
    loss = (output * output).sum()
    loss.name = "loss"
    return loss, lstm


def highlighted_ops(driver):
    from selenium.webdriver.common.by import By

    return sorted(node.find_element(By.TAG_NAME, "text").text for node in
                  driver.find_elements(By.CSS_SELECTOR, "#graph g.node.op.in-time-step"))


def test_the_time_step_control_jumps_backward_through_time(browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    loss, lstm = lstm_loss()
    page = tg.viz.save_html(loss, tmp_path / "lstm_explorer.html", model=lstm)
    steps = tg.viz.explain_backward(loss, retain_graph=True)
    times = tg.viz.time_steps(loss)
    time_of = [times.get(id(step.function)) for step in steps]
    first = {t: time_of.index(t) for t in range(4)}  # the first backward step of each
    assert sorted(first, key=first.get) == [3, 2, 1, 0]  # backward meets t = 3 first
    count = len(steps)

    def ops_of(t):
        return sorted(step.op for step, time in zip(steps, time_of) if time == t)

    def assert_at_time_step(t):
        assert_panel_shows(read_panel(browser), steps[first[t]], count)
        assert steps[first[t]].op == "LSTMStep"  # its output: h_t and c_t, stacked
        assert highlighted_ops(browser) == ops_of(t)
        assert Select(browser.find_element(By.ID, "time-step")).first_selected_option.text \
            == f"t = {t}"
        assert browser.find_element(By.ID, "time-label").text == (
            f"this op belongs to time step {t} (highlighted)")

    open_page(browser, page)
    controls = browser.find_element(By.ID, "time-controls")
    assert controls.is_displayed()
    select = Select(browser.find_element(By.ID, "time-step"))
    assert [o.text for o in select.options] == ["\u2014", "t = 3", "t = 2", "t = 1", "t = 0"]
    assert browser.find_element(By.ID, "time-label").text == (
        "this op belongs to no single time step")  # the loss's Sum
    assert highlighted_ops(browser) == []
    earlier = browser.find_element(By.ID, "time-next")  # next in the walk: back in time
    later = browser.find_element(By.ID, "time-prev")
    assert not later.is_enabled()
    for t in (3, 2, 1, 0):
        earlier.click()
        assert_at_time_step(t)
    assert not earlier.is_enabled()
    later.click()
    assert_at_time_step(1)
    select.select_by_visible_text("t = 3")
    assert_at_time_step(3)
    # the step itself (the layer carries h_3 and c_3 stacked, as LSTMStep gives them), and
    # x_3's projection (its slice of the projections of all steps, UnbindSlice)
    assert ops_of(3) == ["LSTMStep", "UnbindSlice"]
    # one op on: the step before (x_3's slice was cut, with all the others, before any step
    # ran, so backward meets it after every step)
    browser.find_element(By.ID, "next").click()
    assert browser.find_element(By.ID, "time-label").text == (
        "this op belongs to time step 2 (highlighted)")

    browser.find_element(By.ID, "mode-forward").click()  # forward: time runs 0 ... 3
    assert [o.text for o in select.options] == ["\u2014", "t = 0", "t = 1", "t = 2", "t = 3"]
    browser.find_element(By.ID, "time-next").click()
    assert browser.find_element(By.ID, "time-label").text == (
        "this op belongs to time step 0 (highlighted)")
    assert_offline_and_quiet(browser, page)
