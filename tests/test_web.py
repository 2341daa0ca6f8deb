"""The staff web pages, driven in headless Chromium (Selenium) against a real uvicorn process.

Needs Debian's ``chromium`` and ``chromium-driver`` (``.ci/chromium.sh`` installs them; ``make test``
runs it). Without them these tests skip, except under ``CI`` where they fail.
"""

from __future__ import annotations

import os
import re
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from conftest import CORPUS, server_key, small_sample, start_server  # tests/ is on sys.path (rootdir conftest)

from training.corpus import read_letters

CHROMIUM = os.environ.get("HOMTHU_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("HOMTHU_CHROMEDRIVER", "/usr/bin/chromedriver")
WAIT_S = 30
PHONE = "0912345678"


def _browser_or_skip():
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not (Path(p).exists() or shutil.which(p))]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("the selenium package (pip install -e '.[dev]')")
    if not missing:
        return
    message = f"no browser for the web page tests: {', '.join(missing)} missing (run .ci/chromium.sh)"
    if os.environ.get("CI"):
        pytest.fail(message + " — in CI the browser tests must run")
    pytest.skip(message)


# -- a server of our own, with letters in it ----------------------------------------------------


@pytest.fixture(scope="module")
def web_server(model_dir, tmp_path_factory):
    """A uvicorn process with its own database (other tests' letters do not reach its queue)."""
    srv = start_server(model_dir, tmp_path_factory, "web-")
    yield srv
    srv.stop()


def unseen_letters(per_topic: int) -> list[dict]:
    """Corpus letters the small test model was not trained on (it is unsure of many of them)."""
    trained = {r["id"] for r in small_sample()}
    by_topic: dict[str, list[dict]] = {}
    for row in sorted(read_letters(CORPUS), key=lambda r: r["id"]):
        if row["id"] not in trained and len(by_topic.setdefault(row["topic"], [])) < per_topic:
            by_topic[row["topic"]].append(row)
    return [r for rows in zip(*by_topic.values(), strict=False) for r in rows]


@pytest.fixture(scope="module")
def seeded(web_server):
    """Keys per role and 24 corpus letters received in the last weeks, a third of them with a writer."""
    keys = {role: server_key(web_server, f"web-{role}", role) for role in ("clerk", "analyst", "admin")}
    now = datetime.now(UTC)
    letters = []
    for i, row in enumerate(unseen_letters(per_topic=2)[:24]):
        received = (now - timedelta(days=2 * i + 1)).isoformat()
        letter = {"text": row["text"], "received_at": received, "channel": "portal"}
        if i % 3 == 0:
            letter["text"] += f" Liên hệ: {PHONE}."
            letter["writer"] = {"name": "Trần Thị Hoa", "phone": PHONE}
        letters.append(letter)
    r = httpx.post(
        web_server.url + "/v1/letters/batch",
        json={"letters": letters},
        headers={"X-API-Key": keys["clerk"]},
        timeout=120,
    )
    assert r.status_code == 200 and r.json()["created"] == len(letters), r.text
    return keys


def api_get(server, key: str, path: str, **params) -> dict:
    r = httpx.get(server.url + path, params=params, headers={"X-API-Key": key}, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


# -- the browser ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def downloads(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(downloads):
    _browser_or_skip()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1400,900"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "SEVERE"})
    options.add_experimental_option(
        "prefs", {"download.default_directory": str(downloads), "download.prompt_for_download": False}
    )
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(WAIT_S)
    yield driver
    driver.quit()


def wait(driver):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, WAIT_S)


def css(driver, selector: str):
    from selenium.webdriver.common.by import By

    return driver.find_elements(By.CSS_SELECTOR, selector)


def wait_css(driver, selector: str):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    return wait(driver).until(ec.presence_of_element_located((By.CSS_SELECTOR, selector)))


def log_in(driver, server, key: str, lands_on: str) -> None:
    driver.get(server.url + "/ui/login")
    driver.execute_script("sessionStorage.clear()")
    driver.refresh()
    field = wait_css(driver, "#api-key")
    field.send_keys(key)
    css(driver, "#login-submit")[0].click()
    wait(driver).until(lambda d: d.current_url.endswith(lands_on))
    wait_css(driver, "#who:not([hidden])")


def script_errors(driver) -> list[str]:
    """Errors the pages logged (scripts, CSP violations), less the 401 of the wrong-key login."""
    return [e["message"] for e in driver.get_log("browser") if "status of 401" not in e["message"]]


def nav_links(driver) -> set[str]:
    return {a.get_attribute("data-nav") for a in css(driver, "#nav a")}


# -- tests ------------------------------------------------------------------------------------------


def test_me_names_the_key_role_and_permissions(api):
    assert api.get("/v1/me").status_code == 401
    assert api.get("/v1/me", headers={"X-API-Key": "hmt_nonsense"}).status_code == 401
    clerk = api.get("/v1/me", headers=api.as_("clerk")).json()
    assert clerk["name"] == "clerk" and clerk["role"] == "clerk"
    assert "letters:update" in clerk["permissions"] and "trends:read" not in clerk["permissions"]
    analyst = api.get("/v1/me", headers=api.as_("analyst")).json()
    assert analyst["role"] == "analyst" and "writer:read" not in analyst["permissions"]
    assert "keys" in api.get("/v1/me", headers=api.as_("admin")).json()["permissions"]


def test_web_pages_are_served_from_the_package_and_load_nothing_from_elsewhere(web_server):
    r = httpx.get(web_server.url + "/", follow_redirects=False)
    assert r.status_code == 307 and r.headers["location"] == "/ui/"
    for path in ("/ui/", "/ui/login", "/ui/queue", "/ui/trends", "/ui/letters/1"):
        page = httpx.get(web_server.url + path)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html"), path
        assert "default-src 'self'" in page.headers["content-security-policy"]
        assert '<html lang="vi">' in page.text
        assets = re.findall(r'(?:src|href)="([^"#]+)"', page.text)
        assert assets and all(a.startswith("/ui/") for a in assets), assets
        for asset in assets:
            assert httpx.get(web_server.url + asset).status_code == 200, asset
    assert httpx.get(web_server.url + "/ui/letters/abc").status_code == 404
    static = Path(__file__).resolve().parent.parent / "service" / "web" / "static"
    for path in static.rglob("*"):
        if path.is_file() and path.suffix in (".js", ".css"):
            text = path.read_text(encoding="utf-8")
            assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", text), path
            # every module a page imports ships beside it
            for module in re.findall(r'from "\./([^"]+)"', text):
                assert (path.parent / module).exists(), (path, module)
    # the pages are not part of the API's schema
    assert not [p for p in httpx.get(web_server.url + "/openapi.json").json()["paths"] if p.startswith("/ui")]


def test_clerk_corrects_a_letter_in_the_queue_and_the_analyst_sees_it_counted(browser, web_server, seeded, downloads):
    from selenium.webdriver.support.ui import Select

    driver = browser
    queue = api_get(web_server, seeded["clerk"], "/v1/letters", needs_review="true", sort="queue", limit=25)
    assert len(queue["letters"]) >= 3, "the small model should be unsure of several letters"
    driver.get_log("browser")  # start afresh

    driver.get(web_server.url + "/ui/login")
    driver.execute_script("sessionStorage.clear()")
    driver.refresh()
    wait_css(driver, "#api-key").send_keys("hmt_wrong")
    css(driver, "#login-submit")[0].click()
    error = wait_css(driver, "#login-error:not([hidden])")
    assert "Khóa API không đúng" in error.text

    log_in(driver, web_server, seeded["clerk"], "/ui/queue")
    wait_css(driver, "#queue-table[data-loaded='true']")
    assert nav_links(driver) == {"queue"}
    rows = css(driver, "#queue-rows tr[data-letter-id]")
    assert [int(r.get_attribute("data-letter-id")) for r in rows] == [x["id"] for x in queue["letters"]]
    first_api = queue["letters"][0]
    first = rows[0]
    terms = [li.get_attribute("data-term") for li in first.find_elements("css selector", "li[data-term]")]
    assert terms == [e["term"] for e in first_api["prediction"]["explanation"]] and terms
    assert css(driver, "#queue-rows mark.term"), "the words that drove the decision are highlighted"
    shown_topics = [li.get_attribute("data-topic") for li in first.find_elements("css selector", "ul.topics li")]
    assert shown_topics == [t["id"] for t in first_api["prediction"]["topics"]]

    # one correction: another topic, a note, one click; the letter leaves the queue
    letter_id, old_topic = first_api["id"], first_api["topic"]
    taxonomy = httpx.get(web_server.url + "/v1/taxonomy").json()
    new_topic = next(t["id"] for t in taxonomy["topics"] if t["id"] != old_topic)
    before = {s["key"]: s["total"] for s in api_get(web_server, seeded["analyst"], "/v1/trends", by="topic")["series"]}
    form = css(driver, f"form[data-correct='{letter_id}']")[0]
    Select(form.find_element("css selector", "select[name=topic]")).select_by_value(new_topic)
    form.find_element("css selector", "input[name=note]").send_keys("đúng ra là lĩnh vực khác")
    form.find_element("css selector", "button[data-action=save]").click()
    wait(driver).until(lambda d: not css(d, f"#queue-rows tr[data-letter-id='{letter_id}']"))
    assert "Đã lưu đơn số" in css(driver, "#queue-status")[0].text
    stored = api_get(web_server, seeded["admin"], f"/v1/letters/{letter_id}")
    assert stored["topic"] == new_topic and not stored["needs_review"]
    assert stored["history"][-1]["note"] == "đúng ra là lĩnh vực khác"

    # the letter page shows the correction in its history
    driver.get(f"{web_server.url}/ui/letters/{letter_id}")
    wait_css(driver, "#letter-content[data-loaded='true']")
    assert [r.get_attribute("data-action") for r in css(driver, "#letter-history tbody tr")] == [
        "received",
        "corrected",
    ]
    assert "đúng ra là lĩnh vực khác" in css(driver, "#letter-history")[0].text

    # a clerk has no dashboard: no link, and the page says so in Vietnamese
    driver.get(web_server.url + "/ui/trends")
    forbidden = wait_css(driver, "#forbidden:not([hidden])")
    assert "không được phép xem trang này" in forbidden.text
    assert not css(driver, "#page-body") and not css(driver, "#topic-totals")

    # the analyst's dashboard counts the corrected letter under its new topic
    css(driver, "#logout")[0].click()
    wait_css(driver, "#login-form")
    log_in(driver, web_server, seeded["analyst"], "/ui/trends")
    wait_css(driver, "#page-body[data-loaded='true']")
    assert nav_links(driver) == {"trends"}
    cell = wait_css(driver, f"#topic-totals tr[data-key='{new_topic}'] td[data-total]")
    assert int(cell.get_attribute("data-total")) == before.get(new_topic, 0) + 1
    total_old = css(driver, f"#topic-totals tr[data-key='{old_topic}'] td[data-total]")
    assert (int(total_old[0].get_attribute("data-total")) if total_old else 0) == before[old_topic] - 1
    assert css(driver, "#topic-chart svg g[data-series] circle") and css(driver, "#ward-chart svg, #ward-chart p")
    # the CSV download: fetched with the key, saved from a Blob
    css(driver, "#download-csv")[0].click()
    wait(driver).until(lambda d: [p for p in downloads.glob("*.csv") if p.stat().st_size])
    saved = next(downloads.glob("*.csv")).read_text(encoding="utf-8-sig")
    assert saved.splitlines()[0] == "period,topic,letters" and new_topic in saved

    driver.get(web_server.url + "/ui/queue")
    assert "không được phép" in wait_css(driver, "#forbidden:not([hidden])").text
    assert not script_errors(driver)


def test_analyst_does_not_see_writer_phone_numbers_on_the_letter_page(browser, web_server, seeded):
    driver = browser
    with_writer = [
        x
        for x in api_get(web_server, seeded["clerk"], "/v1/letters", limit=500)["letters"]
        if x["writer"] and x["writer"]["phone"] == PHONE
    ]
    assert with_writer, "a letter whose writer the clerk may see"
    letter_id = with_writer[0]["id"]

    log_in(driver, web_server, seeded["clerk"], "/ui/queue")
    driver.get(f"{web_server.url}/ui/letters/{letter_id}")
    wait_css(driver, "#letter-content[data-loaded='true']")
    assert css(driver, "[data-field='writer-phone']")[0].text == PHONE

    css(driver, "#logout")[0].click()
    wait_css(driver, "#login-form")
    log_in(driver, web_server, seeded["analyst"], "/ui/trends")
    driver.get(f"{web_server.url}/ui/letters/{letter_id}")
    wait_css(driver, "#letter-content[data-loaded='true']")
    page = css(driver, "body")[0].text
    assert PHONE not in page and PHONE not in driver.page_source
    assert "không được xem thông tin người viết" in css(driver, "#writer-hidden")[0].text
    assert not css(driver, "form[data-correct]"), "analysts read letters, they do not correct them"
    assert css(driver, "#letter-masked:not([hidden])")
    assert not script_errors(driver)
