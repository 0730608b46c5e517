"""The worked example's interactive page, and a picture of it in a browser.

Writes examples/output/practice.html (the same page as `tinygrad-lite practice --html`), with
five epochs on the slider; with --screenshot it opens the page in headless Chromium (Debian's
chromium and chromium-driver, and selenium: the test extra), clicks θ12 and saves a PNG:
docs/images/practice-page.png is made this way.

Run:  python3 examples/practice_page.py [--lang ko] [--screenshot examples/output/page.png]
"""

import argparse
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from tinygrad_lite.cli import main as cli  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def screenshot(page, png):
    """Open ``page`` in headless Chromium, click θ12, save ``png``."""
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
    options = webdriver.ChromeOptions()
    profile = tempfile.mkdtemp(prefix="tinygrad-lite-chromium-")
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                     "--window-size=1500,860", f"--user-data-dir={profile}"):
        options.add_argument(argument)
    options.binary_location = chromium
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        driver.get("file://" + os.path.abspath(page))
        driver.find_element(By.CSS_SELECTOR, 'g.node[data-label="θ12"]').click()
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
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    page = os.path.join(args.out, "practice.html")
    code = cli(["practice", "--epochs", "5", "--html", page, "--lang", args.lang, "--grad", "L"])
    if code != 0:
        sys.exit(code)
    print(f"wrote {page} ({os.path.getsize(page) / 1024:.0f} KB); open it in any browser")
    if args.screenshot:
        screenshot(page, args.screenshot)
        print(f"wrote {args.screenshot}")


if __name__ == "__main__":
    main()
