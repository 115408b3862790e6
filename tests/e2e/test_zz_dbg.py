from typing import Any
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer


def test_dbg(page: Page, live_server: LiveServer, heze: dict[str, Any]) -> None:
    page.goto(f"{live_server.url}/")
    print(page.locator("#lang-select").inner_html())
    page.locator("#lang-select").select_option(label="English")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    print(page.locator("#lang-select").inner_html())
