"""Browser journeys: Debian's Chromium driven by Playwright's sync API against ``live_server``.

Playwright's sync API keeps an asyncio loop "running" in the test's thread from start() to
stop(), so Django's ORM (still called synchronously from the tests and fixtures) has to be told
that this is fine with DJANGO_ALLOW_ASYNC_UNSAFE. It is set only while Playwright runs (the
module-scoped ``playwright_instance`` fixture), not at import: set at import it would leak into
every subprocess the rest of the suite starts, and ``manage.py check --deploy`` fails on it
(async.E001, see src/zhengcai/core/tests/test_errors_and_settings.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.utils import translation
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright
from pytest_django.live_server_helper import LiveServer

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SCREENSHOTS = ROOT / "var" / "screenshots"
ZH_MO = ROOT / "src" / "zhengcai" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.mo"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CJK = re.compile(r"[\u4e00-\u9fff]")

expect.set_options(timeout=10_000)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test in this folder is a browser journey (``-m "not e2e"`` leaves them out)."""
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.e2e)


def zh_translations_compiled() -> bool:
    return ZH_MO.exists()


def zh(message: str) -> str:
    """``message`` as the Chinese interface shows it (English until the .mo file is compiled)."""
    with translation.override("zh-hans"):
        return translation.gettext(message)


def en(message: str) -> str:
    with translation.override("en"):
        return translation.gettext(message)


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture(scope="module")
def playwright_instance() -> Iterator[Playwright]:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as pw:
            yield pw


@pytest.fixture(scope="module")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield browser
    browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def login(page: Page, live_server: LiveServer, username: str, password: str) -> None:
    """Log in through the form and wait until the back office is shown."""
    page.goto(f"{live_server.url}/office/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(f"{live_server.url}/office/")
    expect(page.locator(".userbar")).to_be_visible()


def logout(page: Page, live_server: LiveServer) -> None:
    page.locator(".userbar form[action='/office/logout/'] button").click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator(".userbar")).to_have_count(0)
