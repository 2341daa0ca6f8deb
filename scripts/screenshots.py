"""Screenshots of the staff web pages for the README, taken with headless Chromium at 1400×900.

    .venv/bin/python scripts/screenshots.py --base-url http://127.0.0.1:8000 \\
        --clerk-key hmt_... --analyst-key hmt_... [--letter-id 17] [--out docs/screenshots]

Writes ``queue.png`` (the clerk's triage queue), ``letter.png`` (one letter as the clerk sees it: the
first letter of the queue unless ``--letter-id``) and ``trends.png`` (the analyst's dashboard). Needs
Debian's ``chromium`` and ``chromium-driver`` (``.ci/chromium.sh`` installs them) and ``selenium``
(the dev extra). Keys can also come from ``HOMTHU_CLERK_KEY`` and ``HOMTHU_ANALYST_KEY``.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

REPO = Path(__file__).resolve().parent.parent
WIDTH, HEIGHT = 1400, 900


def browser(chromium: str, chromedriver: str) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--lang=vi-VN",
                "--hide-scrollbars", "--force-device-scale-factor=1", f"--window-size={WIDTH},{HEIGHT}"):
        options.add_argument(arg)
    options.add_experimental_option("prefs", {"intl.accept_languages": "vi-VN,vi"})
    # Chromium on Linux takes its UI locale (date fields as dd/mm/yyyy) from LANGUAGE, given chromium-l10n
    service = Service(chromedriver, env={**os.environ, "LANGUAGE": "vi"})
    driver = webdriver.Chrome(service=service, options=options)
    # --window-size sets the outer window: make the page's own viewport exactly WIDTH×HEIGHT
    metrics = {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False}
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    return driver


def log_in(driver: webdriver.Chrome, base_url: str, key: str) -> None:
    driver.get(base_url + "/ui/login")
    driver.execute_script("sessionStorage.clear()")  # log out whoever was logged in
    driver.refresh()
    wait = WebDriverWait(driver, 30)
    field = wait.until(ec.element_to_be_clickable((By.ID, "api-key")))
    field.send_keys(key)
    driver.find_element(By.ID, "login-submit").click()
    wait.until(ec.visibility_of_element_located((By.ID, "who")))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--clerk-key", default=os.environ.get("HOMTHU_CLERK_KEY"))
    parser.add_argument("--analyst-key", default=os.environ.get("HOMTHU_ANALYST_KEY"))
    parser.add_argument("--letter-id", type=int, help="the letter for letter.png (default: the queue's first)")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    parser.add_argument("--chromium", default=os.environ.get("HOMTHU_CHROMIUM", "/usr/bin/chromium"))
    parser.add_argument("--chromedriver", default=os.environ.get("HOMTHU_CHROMEDRIVER", "/usr/bin/chromedriver"))
    args = parser.parse_args(argv)
    if not args.clerk_key or not args.analyst_key:
        parser.error("give --clerk-key and --analyst-key (or HOMTHU_CLERK_KEY and HOMTHU_ANALYST_KEY)")
    base = args.base_url.rstrip("/")
    args.out.mkdir(parents=True, exist_ok=True)
    driver = browser(args.chromium, args.chromedriver)
    try:
        wait = WebDriverWait(driver, 60)
        log_in(driver, base, args.clerk_key)
        driver.get(base + "/ui/queue")
        wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#queue-table[data-loaded='true']")))
        driver.save_screenshot(str(args.out / "queue.png"))
        letter_id = args.letter_id
        if letter_id is None:
            first = driver.find_elements(By.CSS_SELECTOR, "#queue-rows tr[data-letter-id]")
            if not first:
                print("the review queue is empty: give --letter-id", file=sys.stderr)
                return 1
            letter_id = int(first[0].get_attribute("data-letter-id"))
        driver.get(f"{base}/ui/letters/{letter_id}")
        wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#letter-content[data-loaded='true']")))
        driver.save_screenshot(str(args.out / "letter.png"))

        log_in(driver, base, args.analyst_key)
        driver.get(base + "/ui/trends")
        wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#page-body[data-loaded='true']")))
        wait.until(lambda d: d.find_element(By.ID, "keywords-status").text != "Đang tải…")
        driver.save_screenshot(str(args.out / "trends.png"))
    finally:
        driver.quit()
    for name in ("queue", "letter", "trends"):
        print(args.out / f"{name}.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
