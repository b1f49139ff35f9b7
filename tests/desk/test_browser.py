"""The service desk in a real browser: Debian's headless Chromium, driven by Selenium, against a real `alertdesk up`.

An operator's night, in order: sign in as the first admin `up` printed, post an alert and watch
the major incident appear on the board (htmx polling, no reload) under the red banner, open it,
acknowledge it, add a note, see both on the timeline with who and "web", switch to English; then
a viewer (made with `alertdesk users add`) opens the same incident and finds no button to press.
Skips, naming the Debian packages, where Chromium or its driver is missing (a failure in CI).
On the way it saves the screenshots of docs/screenshots/ (the board, an incident page), so the
pictures in the docs are always of the UI as it is.
"""
from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import sqlite_env  # noqa: F401 (the child pipeline's environment, a fixture)
from tests.e2e.harness import Pipeline, prometheus_alert
from tests.prerequisites import program, skip_missing

try:
    from selenium import webdriver
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.support import expected_conditions as seen
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:  # the test extra is not installed
    webdriver = None

pytestmark = pytest.mark.broker

CHROMIUM_PACKAGES = "Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)"
#: Correlation holds a new alert back a few seconds, and the board polls every 5 s.
APPEAR_TIMEOUT_S = 60
STEP_TIMEOUT_S = 20
VIEWER_PASSWORD = "viewer password 42"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def browser() -> Iterator[WebDriver]:
    """Headless Chromium in Chinese (the desk's home language), or a skip naming what to install."""
    if webdriver is None:
        skip_missing("pip install selenium (the project's test extra: pip install -e '.[test]')")
    chromium = program("chromium", install=CHROMIUM_PACKAGES)
    driver_path = program("chromedriver", install=CHROMIUM_PACKAGES)
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--lang=zh-CN",
                     "--window-size=1280,1000"):
        options.add_argument(argument)
    options.add_experimental_option("prefs", {"intl.accept_languages": "zh-CN"})
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=driver_path))
    driver.set_page_load_timeout(STEP_TIMEOUT_S)
    try:
        yield driver
    finally:
        driver.quit()


def sign_in(driver: WebDriver, username: str, password: str) -> None:
    """On the login page: sign in, and land on the board."""
    WebDriverWait(driver, STEP_TIMEOUT_S).until(seen.url_contains("/login"))
    driver.find_element(By.ID, "username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.ID, "login-submit").click()
    WebDriverWait(driver, STEP_TIMEOUT_S).until(seen.presence_of_element_located((By.ID, "board-live")))


def screenshot(driver: WebDriver, name: str) -> None:
    """Save what the browser shows as docs/screenshots/NAME.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    assert driver.save_screenshot(str(SCREENSHOTS / f"{name}.png")), f"could not save the {name} screenshot"


def cells(row) -> list[str]:
    """The texts of a table row's cells."""
    return [cell.text for cell in row.find_elements(By.TAG_NAME, "td")]


def add_viewer(pipeline: Pipeline, workdir: Path) -> None:
    """`alertdesk users add watcher --role viewer` against the running pipeline's database."""
    done = subprocess.run(
        [sys.executable, "-m", "alertdesk", "users", "add", "watcher", "--role", "viewer", "--password", VIEWER_PASSWORD],
        cwd=workdir, env={**os.environ, **pipeline.env}, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_an_operator_works_an_incident_in_the_browser_and_a_viewer_cannot(browser, tmp_path, sqlite_env):  # noqa: F811
    wait = WebDriverWait(browser, STEP_TIMEOUT_S)
    with Pipeline(tmp_path, sqlite_env) as pipeline:
        browser.get(pipeline.url + "/")  # sent to the login page
        sign_in(browser, "admin", pipeline.admin_password())
        assert browser.find_element(By.TAG_NAME, "h1").text == "事件看板"

        posted = pipeline.post("/api/v2/alerts", [prometheus_alert("UPSOnBattery", instance="ups-a")])
        assert posted.status_code == 200, posted.text
        row = WebDriverWait(browser, APPEAR_TIMEOUT_S).until(
            seen.presence_of_element_located((By.CSS_SELECTOR, "tr[data-incident]"))
        )  # swapped in by the 5 s poll: the page was not reloaded
        banner = wait.until(seen.presence_of_element_located((By.ID, "major-banner")))
        assert "重大事件进行中：1 个" in banner.text
        incident_id = row.get_attribute("data-incident")
        screenshot(browser, "board")

        row.find_element(By.CSS_SELECTOR, "td a").click()
        wait.until(seen.text_to_be_present_in_element((By.ID, "incident-status"), "已触发"))
        browser.find_element(By.ID, "do-acknowledge").click()
        wait.until(seen.text_to_be_present_in_element((By.ID, "incident-status"), "已确认"))
        browser.find_element(By.CSS_SELECTOR, "form.note textarea[name=text]").send_keys("发电机已启动")
        browser.find_element(By.ID, "do-note").click()
        note = wait.until(seen.presence_of_element_located((By.CSS_SELECTOR, "#timeline tr.note_added")))
        assert cells(note)[1:] == ["备注", "admin", "网页", "发电机已启动"]  # what, who, via, detail
        assert cells(browser.find_element(By.CSS_SELECTOR, "#timeline tr.acknowledged"))[1:4] == ["已确认", "admin", "网页"]
        screenshot(browser, "incident")

        browser.find_element(By.ID, "lang-en").click()
        wait.until(seen.text_to_be_present_in_element((By.TAG_NAME, "h1"), f"Incident #{incident_id}"))
        assert browser.find_element(By.ID, "incident-status").text == "acknowledged"
        assert cells(browser.find_element(By.CSS_SELECTOR, "#timeline tr.note_added"))[1:] == [
            "note", "admin", "web", "发电机已启动"]

        add_viewer(pipeline, tmp_path)
        browser.find_element(By.CSS_SELECTOR, "nav form[action='/logout'] button").click()
        sign_in(browser, "watcher", VIEWER_PASSWORD)
        browser.get(f"{pipeline.url}/incidents/{incident_id}")
        actions = wait.until(seen.presence_of_element_located((By.ID, "actions")))
        assert "you can look but not act" in actions.text  # the English cookie outlived the admin's sign-out
        assert browser.find_elements(By.CSS_SELECTOR, "#actions button") == []
