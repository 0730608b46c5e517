"""The worked example's interactive page, and a picture of it in a browser.

Writes examples/output/practice.html (the same page as `tinygrad-lite practice --html`), with
five epochs on the slider; with --screenshot it opens the page in headless Chromium (Debian's
chromium and chromium-driver, and selenium: the test extra), clicks θ12 and saves a PNG:
docs/images/page-*.png are made this way.

Run:  python3 examples/practice_page.py [--lang ko] [--screenshot FILE.png [--size phone]]
(docs/images/page-{desktop,phone}-{en,ko}.png are made this way.)
"""

import argparse
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from tinygrad_lite.cli import main as cli  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


SIZES = {"desktop": (1500, 860, False), "phone": (390, 844, True)}


def screenshot(page, png, size="desktop"):
    """Open ``page`` in headless Chromium at ``size`` (a phone with touch, or a desktop),
    click θ12, step into the update phase on the phone, and save ``png``."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        from selenium.webdriver.common.by import By
    except ImportError:
        sys.exit("--screenshot needs selenium: pip install -e '.[test]'")
    chromium, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if not chromium or not driver_path:
        sys.exit("--screenshot needs Chromium and its driver: apt-get install chromium "
                 "chromium-driver")
    os.environ["SE_OFFLINE"] = "true"
    width, height, touch = SIZES[size]
    options = webdriver.ChromeOptions()
    profile = tempfile.mkdtemp(prefix="tinygrad-lite-chromium-")
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                     f"--window-size={width},{height}", f"--user-data-dir={profile}"):
        options.add_argument(argument)
    if touch:
        options.add_experimental_option("mobileEmulation", {"deviceMetrics": {
            "width": width, "height": height, "pixelRatio": 2, "touch": True}})
    options.binary_location = chromium
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        driver.get("file://" + os.path.abspath(page))
        driver.find_element(By.CSS_SELECTOR, 'g.node[data-label="θ12"]').click()
        if touch:
            driver.find_element(By.ID, "phase-update").click()
        driver.save_screenshot(png)
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=os.path.join(HERE, "output"),
                        help="the folder for the page (default examples/output)")
    parser.add_argument("--lang", choices=("en", "ko"), default="en")
    parser.add_argument("--screenshot", metavar="FILE.png", help="also take a picture of it")
    parser.add_argument("--size", choices=sorted(SIZES), default="desktop",
                        help="the screen of the picture: a desktop or a phone (with touch)")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    page = os.path.join(args.out, "practice.html")
    code = cli(["practice", "--epochs", "5", "--html", page, "--lang", args.lang, "--grad", "L"])
    if code != 0:
        sys.exit(code)
    print(f"wrote {page} ({os.path.getsize(page) / 1024:.0f} KB); open it in any browser")
    if args.screenshot:
        screenshot(page, args.screenshot, args.size)
        print(f"wrote {args.screenshot}")


if __name__ == "__main__":
    main()
