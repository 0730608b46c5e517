"""The interactive page in a real browser: headless Chromium driven by Selenium.

Needs Debian's chromium and chromium-driver (.ci/run installs them) and the selenium package
(the test extra); without them these tests are skipped, with the reason shown."""

import json
import os
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
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
except ImportError:                                  # pragma: no cover - depends on the machine
    webdriver = None

pytestmark = pytest.mark.skipif(
    webdriver is None or CHROMIUM is None or CHROMEDRIVER is None,
    reason="the browser tests need selenium (pip install -e '.[test]') and Chromium with its "
           "driver (apt-get install chromium chromium-driver)")


@pytest.fixture(scope="module")
def browser():
    os.environ["SE_OFFLINE"] = "true"               # use /usr/bin/chromedriver, download nothing
    options = webdriver.ChromeOptions()
    profile = tempfile.mkdtemp(prefix="tinygrad-lite-chromium-")
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                     "--window-size=1600,1000", f"--user-data-dir={profile}"):
        options.add_argument(argument)
    options.binary_location = CHROMIUM
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


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


def problems(browser, page):
    """Console errors, and every request that is not the page itself."""
    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    requests = []
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            url = message["params"]["request"]["url"]
            if url != page.as_uri() and not url.startswith("data:"):
                requests.append(url)
    return errors, requests


@pytest.fixture(scope="module")
def practice_page(tmp_path_factory):
    page = tmp_path_factory.mktemp("page") / "practice.html"
    cli("practice", "--epochs", "5", "--html", str(page))
    return page


def node(browser, label):
    return browser.find_element(By.CSS_SELECTOR, f'g.node[data-label="{label}"]')


def test_the_page_loads_with_no_console_error_and_no_request(browser, practice_page):
    open_page(browser, practice_page)
    errors, requests = problems(browser, practice_page)
    assert errors == [] and requests == []


def test_the_numbers_in_the_page_are_the_json_numbers(browser, practice_page):
    document = json.loads(cli("practice", "--epochs", "5", "--json"))
    open_page(browser, practice_page)
    checked = 0
    for name, entry in document["nodes"].items():
        box = node(browser, name)
        assert json.loads(box.get_attribute("data-value")) == entry["value"], name
        assert json.loads(box.get_attribute("data-grad")) == entry["grad"], name
        checked += 1
    assert checked >= 40
    # and what the box says, rounded for people
    assert node(browser, "θ12").find_element(By.CSS_SELECTOR, ".g").text == "-0.30525"


def test_clicking_a_node_shows_its_gradient_and_path_sum(browser, practice_page):
    open_page(browser, practice_page)
    node(browser, "θ12").click()
    assert browser.find_element(By.ID, "panel-title").text.startswith("θ12")
    assert "∂L/∂θ12 = -0.30525" in browser.find_element(By.ID, "panel-grad").text
    paths = browser.find_element(By.ID, "panel-paths").text
    assert "sum over 2 paths from θ12 to L" in paths
    assert "total = -0.30525; reverse mode gives -0.30525 (agrees)" in paths
    assert "∂L/∂θ12 = -(y1 - q11)·δ11·X21 - (y2 - q12)·δ11·X22" in paths
    # the keyboard does the same: Tab to a node, Enter
    box = node(browser, "b2")
    browser.execute_script("arguments[0].focus()", box)
    box.send_keys(Keys.ENTER)
    assert browser.find_element(By.ID, "panel-title").text.startswith("b2")


def test_the_stepper_visits_the_nodes_in_backwards_order(browser, practice_page):
    from tinygrad_lite.page import graph_view
    from tinygrad_lite.lab.practice import DEFAULT_CONFIG, Practice, PracticeNetwork
    p = Practice(PracticeNetwork(DEFAULT_CONFIG), DEFAULT_CONFIG["X"], DEFAULT_CONFIG["y"])
    p.L.backward()
    view = graph_view(p.L)
    expected = [view["nodes"][s["node"]]["label"] for s in view["steps"]]
    open_page(browser, practice_page)
    body = browser.find_element(By.TAG_NAME, "body")
    visited = []
    for _ in expected:
        body.send_keys(Keys.ARROW_RIGHT)
        visited.append(browser.find_element(By.CSS_SELECTOR, "g.node.current")
                       .get_attribute("data-label"))
    assert visited == expected and visited[:3] == ["L", "add#1", "pow#2"]
    # at the end every node shows its gradient, as backward() left it
    assert node(browser, "θ12").find_element(By.CSS_SELECTOR, ".g").text == "-0.30525"
    browser.find_element(By.ID, "prev").click()
    assert "Step" in browser.find_element(By.ID, "step-text").text


def test_the_epoch_slider_shows_each_epochs_parameters_and_loss(browser, practice_page):
    document = json.loads(cli("practice", "--epochs", "5", "--json"))
    open_page(browser, practice_page)
    slider = browser.find_element(By.ID, "epoch")
    slider.send_keys(Keys.ARROW_RIGHT)
    assert browser.find_element(By.ID, "epoch-out").text == "2"
    assert browser.find_element(By.ID, "epoch-loss").text == f"loss = {document['losses'][1]:.6g}"
    # θ11 after the first epoch's update: 0.1 − 0.1·0.2835 (the tutorial's numbers)
    assert node(browser, "θ11").find_element(By.CSS_SELECTOR, ".v").text == "0.07165"
    mark = browser.find_element(By.ID, "loss-mark")
    assert float(mark.get_attribute("cx")) > 0


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
