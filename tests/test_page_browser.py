"""The interactive page in a real browser: headless Chromium driven by Selenium.

Every number on the page must come from one state and agree with the library: each state of a
run, each backward step, the update, and the page's own recomputation after random edits.
Needs Debian's chromium and chromium-driver (.ci/run installs them) and the selenium package
(the test extra); without them these tests are skipped, with the reason shown."""

import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")

try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
except ImportError:                                  # pragma: no cover - depends on the machine
    webdriver = None

pytestmark = pytest.mark.skipif(
    webdriver is None or CHROMIUM is None or CHROMEDRIVER is None,
    reason="the browser tests need selenium (pip install -e '.[test]') and Chromium with its "
           "driver (apt-get install chromium chromium-driver)")


def start(width=1600, height=1000, touch=False):
    os.environ["SE_OFFLINE"] = "true"               # use /usr/bin/chromedriver, download nothing
    options = webdriver.ChromeOptions()
    profile = tempfile.mkdtemp(prefix="tinygrad-lite-chromium-")
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                     f"--window-size={width},{height}", f"--user-data-dir={profile}"):
        options.add_argument(argument)
    if touch:
        options.add_experimental_option("mobileEmulation", {"deviceMetrics": {
            "width": width, "height": height, "pixelRatio": 2, "touch": True}})
    options.binary_location = CHROMIUM
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.profile_dir = profile
    return driver


def stop(driver):
    driver.quit()
    shutil.rmtree(driver.profile_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def browser():
    driver = start()
    yield driver
    stop(driver)


def cli(*argv):
    done = subprocess.run([sys.executable, "-m", "tinygrad_lite", *argv], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def open_page(browser, path):
    browser.get_log("browser")                      # forget earlier pages' messages
    browser.get_log("performance")
    browser.get(path.as_uri())
    assert browser.find_element(By.ID, "graph")
    return browser


BROWSER_OWN = ("chrome:", "chrome-untrusted:", "chrome-extension:", "devtools:")


def problems(browser, page):
    """Console errors, and every request the page makes that is not the page itself (the
    browser's own pages, chrome://new-tab-page and its icons as a fresh browser starts, are
    not the page's)."""
    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    requests = []
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            params = message["params"]
            url = params["request"]["url"]
            if url.startswith(BROWSER_OWN) or \
                    params.get("documentURL", "").startswith(BROWSER_OWN):
                continue
            if url != page.as_uri() and not url.startswith("data:"):
                requests.append(url)
    return errors, requests


@pytest.fixture(scope="module")
def practice_page(tmp_path_factory):
    page = tmp_path_factory.mktemp("page") / "practice.html"
    cli("practice", "--epochs", "5", "--html", str(page))
    return page


@pytest.fixture(scope="module")
def one_epoch_page(tmp_path_factory):
    page = tmp_path_factory.mktemp("page") / "one.html"
    cli("practice", "--html", str(page))
    return page


def node(browser, label):
    return browser.find_element(By.CSS_SELECTOR, f'g.node[data-label="{label}"]')


def numbers(browser):
    """{label: (value, gradient)} of every box, in full precision, as the page holds them."""
    return browser.execute_script("""
        var out = {};
        document.querySelectorAll("g.node").forEach(function (g) {
          out[g.getAttribute("data-label")] = [JSON.parse(g.getAttribute("data-value")),
                                               JSON.parse(g.getAttribute("data-grad"))];
        });
        return out;""")


def close(a, b, rel=1e-12):
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-15)


def library_nodes(config):
    """Every named node's (value, ∂L/∂·) from the library at this configuration."""
    from tinygrad_lite.lab.practice import run_practice
    return run_practice(dict(config, epochs=0))["nodes"]


def tutorial_config(params):
    """The tutorial's configuration with these parameters (the names of the report)."""
    return {"theta": [[params[f"θ{i}{j}"] for j in (1, 2, 3)] for i in (1, 2, 3, 4)],
            "b": [params[f"b{i}"] for i in (1, 2, 3, 4)],
            "delta": [params[f"δ1{i}"] for i in (1, 2, 3, 4)], "d1": params["d1"]}


# ---- loading, and the numbers at load ---------------------------------------------------------

def test_the_page_loads_with_no_console_error_and_no_request(browser, practice_page):
    open_page(browser, practice_page)
    errors, requests = problems(browser, practice_page)
    assert errors == [] and requests == []


def test_the_numbers_in_the_page_are_the_json_numbers(browser, practice_page):
    document = json.loads(cli("practice", "--epochs", "5", "--json"))
    open_page(browser, practice_page)
    shown = numbers(browser)
    checked = 0
    for name, entry in document["nodes"].items():
        assert shown[name] == [entry["value"], entry["grad"]], name
        checked += 1
    assert checked >= 40
    assert node(browser, "θ12").find_element(By.CSS_SELECTOR, ".g").text == "-0.30525"


def test_clicking_a_node_shows_its_gradient_and_path_sum(browser, practice_page):
    open_page(browser, practice_page)
    node(browser, "θ12").click()
    assert browser.find_element(By.ID, "panel-title").text.startswith("θ12")
    assert "∂L/∂θ12 = -0.30525" in browser.find_element(By.ID, "panel-grad").text
    paths = browser.find_element(By.ID, "panel-paths").text
    assert "sum over 2 paths from θ12 to L" in paths
    assert "total = -0.30525; reverse mode gives -0.30525 (agrees)" in paths
    box = node(browser, "b2")
    browser.execute_script("arguments[0].focus()", box)
    box.send_keys(Keys.ENTER)
    assert browser.find_element(By.ID, "panel-title").text.startswith("b2")


def test_no_internal_id_is_shown(browser, practice_page):
    open_page(browser, practice_page)
    labels = [g.get_attribute("data-label") for g in
              browser.find_elements(By.CSS_SELECTOR, "g.node")]
    assert not [label for label in labels if "#" in label or label.startswith("t")]
    assert "y1 − q11" in labels and "(y1 − q11)²" in labels


# ---- the stepper: reached, in view, final -----------------------------------------------------

def inside(browser, element):
    """Whether ``element`` lies within the graph's visible area."""
    return browser.execute_script("""
        var r = arguments[0].getBoundingClientRect(), s = document.getElementById("graph")
          .getBoundingClientRect();
        return r.width > 0 && r.left >= s.left - 1 && r.right <= s.right + 1 &&
               r.top >= s.top - 1 && r.bottom <= s.bottom + 1 && r.bottom <= window.innerHeight;""",
        element)


def test_the_stepper_reaches_each_node_in_backwards_order_and_keeps_it_in_view(browser,
                                                                                practice_page):
    from tinygrad_lite.lab.practice import DEFAULT_CONFIG, Practice, PracticeNetwork
    from tinygrad_lite.page import graph_view
    p = Practice(PracticeNetwork(DEFAULT_CONFIG), DEFAULT_CONFIG["X"], DEFAULT_CONFIG["y"])
    p.L.backward()
    view = graph_view(p.L)
    state = view["states"][0]
    expected = [view["nodes"][s["node"]]["label"] for s in state["steps"]]
    browser.set_window_size(1280, 800)
    try:
        open_page(browser, practice_page)
        browser.find_element(By.ID, "phase-forward").click()
        # forward: every value, no gradient yet, and no box tinted by a gradient
        assert node(browser, "θ12").find_element(By.CSS_SELECTOR, ".g").text == "not yet"
        fills = {g.find_element(By.TAG_NAME, "rect").get_attribute("fill")
                 for g in browser.find_elements(By.CSS_SELECTOR, "g.node")}
        assert fills == {"#eeeeee"}
        browser.find_element(By.ID, "next").click()        # backward 0: only ∂L/∂L = 1
        visited = []
        for k, label in enumerate(expected[:-1]):
            browser.find_element(By.ID, "next").click()
            current = browser.find_element(By.CSS_SELECTOR, "g.node.current")
            visited.append(current.get_attribute("data-label"))
            assert inside(browser, current), (k, label)
            # a node backward has not reached yet shows no number and no colour
            if "θ12" not in visited and k < len(expected) // 2:
                theta = node(browser, "θ12")
                assert theta.find_element(By.CSS_SELECTOR, ".g").text == "not yet"
        assert visited == expected[:-1]
        browser.find_element(By.ID, "next").click()        # the last step: every gradient
        assert node(browser, "θ12").find_element(By.CSS_SELECTOR, ".g").text == "-0.30525"
    finally:
        browser.set_window_size(1600, 1000)


# ---- every state of a run against the library ----------------------------------------------------

def test_every_state_of_a_five_epoch_page_is_the_librarys(browser, practice_page):
    from tinygrad_lite.lab.practice import run_practice
    document = json.loads(cli("practice", "--epochs", "5", "--json"))
    open_page(browser, practice_page)
    # stepping backward and then moving the slider must not leave a mixture of epochs
    browser.find_element(By.ID, "phase-forward").click()
    browser.find_element(By.ID, "state-next").click()
    browser.find_element(By.ID, "state-prev").click()
    for epoch in range(1, 6):
        if epoch > 1:
            browser.find_element(By.ID, "state-next").click()
        params = run_practice({"epochs": epoch - 1})["updated"] if epoch > 1 else \
            run_practice({"epochs": 0})["params"]
        expected = library_nodes(tutorial_config(params))
        shown = numbers(browser)
        for name, (value, grad) in expected.items():
            assert close(shown[name][0], value) and close(shown[name][1], grad), (epoch, name)
        assert close(shown["L"][0], document["losses"][epoch - 1])
        status = browser.find_element(By.ID, "status").text
        assert status.startswith(f"epoch {epoch} (update step {epoch} of 5)")
        assert f"L = {document['losses'][epoch - 1]:.6g}" in status
        mark = browser.find_element(By.ID, "loss-mark")
        assert float(mark.get_attribute("cx")) > 0


def test_every_state_of_a_mini_batch_page_says_its_batch(browser, mini_batch_config, tmp_path):
    config, page = mini_batch_config, tmp_path / "c.html"
    cli("practice", "--config", str(config), "--html", str(page))
    steps = json.loads(cli("practice", "--config", str(config), "--json"))["steps"]
    open_page(browser, page)
    assert problems(browser, page) == ([], [])
    for k, step in enumerate(steps):
        if k:
            browser.find_element(By.ID, "state-next").click()
        status = browser.find_element(By.ID, "status").text
        assert f"data points {', '.join(map(str, step['points']))}" in status
        assert f"L = {step['loss']:.6g}" in status
        assert close(numbers(browser)["L"][0], step["loss"])
        for point in (1, 2, 3):
            text = node(browser, f"X1{point}").find_element(By.CSS_SELECTOR, ".g").text
            assert (text == "not in this batch") == (point not in step["points"])


# ---- the update --------------------------------------------------------------------------------

def test_the_update_is_a_phase_with_the_new_values_and_the_loss_after(browser, one_epoch_page):
    open_page(browser, one_epoch_page)
    browser.find_element(By.ID, "phase-update").click()
    assert node(browser, "θ11").find_element(By.CSS_SELECTOR, ".v").text == "0.1 → 0.07165"
    rows = {r.find_elements(By.TAG_NAME, "td")[0].text: r.find_elements(By.TAG_NAME, "td")[-1].text
            for r in browser.find_elements(By.CSS_SELECTOR, "#update-table tr[data-node]")}
    assert rows["θ11"] == "0.07165" and rows["d1"] == "0.03"
    assert browser.find_element(By.ID, "loss-after").text == "L after the update = 0.261239"
    assert "L after the update = 0.261239" in browser.find_element(By.ID, "status").text
    browser.find_element(By.ID, "phase-backward").click()
    assert node(browser, "θ11").find_element(By.CSS_SELECTOR, ".v").text == "0.1"


# ---- live editing, cross-checked with the library -------------------------------------------------

def type_into(browser, element_id, value):
    field = browser.find_element(By.ID, element_id)
    field.clear()
    field.send_keys(repr(value) + Keys.ENTER)


def test_random_edits_recompute_everything_as_the_library_does(browser, one_epoch_page):
    from tinygrad_lite.lab.practice import DEFAULT_CONFIG, run_practice
    rng = random.Random(7)
    config = json.loads(json.dumps({k: DEFAULT_CONFIG[k] for k in
                                    ("X", "y", "theta", "b", "delta", "d1", "lr")}))
    open_page(browser, one_epoch_page)
    for trial in range(6):
        which = rng.choice(["theta", "b", "delta", "d1", "X", "y", "lr"])
        value = round(rng.uniform(-2, 2), 6)
        if which == "lr":
            browser.find_element(By.ID, "phase-update").click()
            type_into(browser, "edit-lr", value)
            config["lr"] = value
        else:
            if which == "theta":
                i, j = rng.randrange(4), rng.randrange(3)
                label, where = f"θ{i + 1}{j + 1}", (config["theta"][i], j)
            elif which == "delta":
                i = rng.randrange(4)
                label, where = f"δ1{i + 1}", (config["delta"], i)
            elif which == "b":
                i = rng.randrange(4)
                label, where = f"b{i + 1}", (config["b"], i)
            elif which == "X":
                j, k = rng.randrange(3), rng.randrange(2)
                label, where = f"X{j + 1}{k + 1}", (config["X"][j], k)
            elif which == "y":
                k = rng.randrange(2)
                label, where = f"y{k + 1}", (config["y"], k)
            else:
                label, where = "d1", None
            node(browser, label).click()
            type_into(browser, "edit-value", value)
            if where is None:
                config["d1"] = value
            else:
                where[0][where[1]] = value
        browser.find_element(By.ID, "phase-backward").click()
        expected = library_nodes(config)
        shown = numbers(browser)
        for name, (v, g) in expected.items():
            assert close(shown[name][0], v) and close(shown[name][1], g), (trial, which, name)
        browser.find_element(By.ID, "phase-update").click()
        after = run_practice(dict(config, epochs=1))
        rows = browser.execute_script("""
            return Array.prototype.map.call(document.querySelectorAll(
              "#update-table tr[data-node]"), function (tr) {
                var n = Number(tr.getAttribute("data-node"));
                return [tr.firstChild.textContent,
                        window.tinygradPage.model.edited.update.rows.filter(
                          function (r) { return r[0] === n; })[0][3]]; });""")
        for name, new in rows:
            assert close(new, after["updated"][name]), (trial, name)
        loss_after = browser.execute_script("return window.tinygradPage.model.edited.loss_after")
        assert close(loss_after, after["final_loss"])
    # undo: the recorded state again, to the bit
    browser.find_element(By.ID, "reset-edits").click()
    assert numbers(browser)["θ12"][1] == -0.30525 or close(numbers(browser)["θ12"][1], -0.30525)


def test_an_edit_that_is_not_a_number_is_refused_with_a_message(browser, one_epoch_page):
    open_page(browser, one_epoch_page)
    node(browser, "θ11").click()
    type_into(browser, "edit-value", "abc")
    assert "not a number" in browser.find_element(By.ID, "edit-error").text
    assert numbers(browser)["θ11"][0] == 0.1


# ---- any screen ------------------------------------------------------------------------------------

@pytest.mark.parametrize("width, height, touch", [(390, 844, True), (768, 1024, False),
                                                  (1280, 800, False), (1920, 1080, False)])
def test_the_graph_fits_any_screen_with_l_in_view(width, height, touch, practice_page):
    driver = start(width, height, touch)
    try:
        open_page(driver, practice_page)
        assert problems(driver, practice_page)[0] == []
        graph = driver.find_element(By.ID, "graph").rect
        assert graph["width"] > 0.9 * min(width, 900) * (0.5 if width >= 900 else 1)
        assert graph["height"] >= 200
        assert inside(driver, node(driver, "L"))                # the output is on screen
        for control in ("prev", "next", "phase-forward", "phase-backward", "phase-update",
                        "zoom-in", "zoom-out", "zoom-fit", "state-next"):
            button = driver.find_element(By.ID, control)
            assert button.tag_name == "button" and button.rect["width"] >= 30, control
        before = driver.execute_script("return window.tinygradPage.viewBox().w")
        driver.find_element(By.ID, "zoom-in").click()
        assert driver.execute_script("return window.tinygradPage.viewBox().w") < before
        if touch:                                                # a pinch zooms out again
            centre = graph["x"] + graph["width"] / 2, graph["y"] + graph["height"] / 2
            w0 = driver.execute_script("return window.tinygradPage.viewBox().w")
            for spread in (60, 40, 20):
                points = [{"x": centre[0] - spread, "y": centre[1], "id": 1},
                          {"x": centre[0] + spread, "y": centre[1], "id": 2}]
                kind = "touchStart" if spread == 60 else "touchMove"
                driver.execute_cdp_cmd("Input.dispatchTouchEvent",
                                       {"type": kind, "touchPoints": points})
            driver.execute_cdp_cmd("Input.dispatchTouchEvent",
                                   {"type": "touchEnd", "touchPoints": []})
            assert driver.execute_script("return window.tinygradPage.viewBox().w") > w0
        else:                                                    # a drag pans
            x0 = driver.execute_script("return window.tinygradPage.viewBox().x")
            canvas = driver.find_element(By.ID, "graph")
            ActionChains(driver).move_to_element_with_offset(canvas, 5, 5).click_and_hold() \
                .move_by_offset(80, 0).release().perform()
            assert driver.execute_script("return window.tinygradPage.viewBox().x") < x0
    finally:
        stop(driver)


def test_korean_breaks_lines_between_words(browser, tmp_path):
    page = tmp_path / "ko.html"
    cli("practice", "--lang", "ko", "--html", str(page))
    open_page(browser, page)
    assert problems(browser, page) == ([], [])
    for selector in ("header p", "#status", "button"):
        element = browser.find_element(By.CSS_SELECTOR, selector)
        assert browser.execute_script(
            "return getComputedStyle(arguments[0]).wordBreak", element) == "keep-all", selector
    assert browser.find_element(By.ID, "next").text == "다음 ▶"


# ---- text stays text ---------------------------------------------------------------------------

def test_injection_payloads_run_no_script(browser, tmp_path):
    from tinygrad_lite import Value
    from tinygrad_lite.page import to_html
    payloads = ['</script><script>window.x=9</script>', '<img src=x onerror="window.x=9">',
                '"><svg onload="window.x=9">', "<!--", "';window.x=9;'"]
    x = Value(1.5, name=payloads[0])
    y = Value(-0.5, name=payloads[1])
    z = (x * y + Value(2.0, name=payloads[2])).tanh()
    z.name = payloads[3] + payloads[4]
    z.backward()
    page = tmp_path / "payload.html"
    to_html(z, page, title=payloads[0], subtitle=payloads)
    open_page(browser, page)
    node(browser, payloads[0]).click()
    assert browser.execute_script("return window.x === undefined")
    assert browser.find_element(By.ID, "panel-title").text.startswith(payloads[0])
    assert problems(browser, page) == ([], [])


def test_a_configured_network_and_an_expression_load_cleanly_in_korean(browser, tmp_path):
    config = tmp_path / "c.json"
    config.write_text(json.dumps({"layers": [3, 1], "activation": ["tanh", "identity"],
                                  "loss": "mse", "X": [[1, 2], [0.5, -1]], "y": [1, -0.5],
                                  "epochs": 3}), encoding="utf-8")
    for argv, page in ((["practice", "--config", str(config)], tmp_path / "c.html"),
                       (["grad", "(x + y)*z", "--at", "x=-2,y=5,z=-4"], tmp_path / "g.html")):
        cli(*argv, "--lang", "ko", "--html", str(page))
        open_page(browser, page)
        assert problems(browser, page) == ([], [])
        assert browser.find_element(By.ID, "next").text == "다음 ▶"
    node(browser, "x").click()
    assert "∂f/∂x = -4" in browser.find_element(By.ID, "panel-grad").text


def test_a_screenshot_of_the_practice_page(browser, practice_page, tmp_path):
    open_page(browser, practice_page)
    node(browser, "θ12").click()
    shot = tmp_path / "practice-page.png"
    assert browser.save_screenshot(str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000


def test_the_path_sum_follows_an_edit(browser, one_epoch_page):
    from tinygrad_lite.lab.practice import DEFAULT_CONFIG
    open_page(browser, one_epoch_page)
    node(browser, "δ11").click()
    type_into(browser, "edit-value", 0.7)
    node(browser, "θ12").click()
    paths = browser.find_element(By.ID, "panel-paths").text
    # by hand: ∂L/∂θ12 = Σ_k (q_1k − y_k)·δ11·X2k with δ11 = 0.7: two paths
    config = json.loads(json.dumps({k: DEFAULT_CONFIG[k] for k in
                                    ("X", "y", "theta", "b", "delta", "d1")}))
    config["delta"][0] = 0.7
    expected = library_nodes(config)["θ12"][1]
    assert "the sum over 2 paths" in paths and f"= {expected:.6g}" in paths
    assert "the path with the largest |product|: θ12 → p1" in paths
