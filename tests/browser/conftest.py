"""Browser tests: Playwright drives Debian's chromium (headless) against pytest-django's live
server. Nothing is mocked: the pages, the database and the capture pipeline are the real ones."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = os.environ.get("BANNETTE_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="module")
def browser(django_db_setup) -> Iterator[Browser]:
    """One chromium per module, started after the test database exists and stopped with the
    module, so that no other test runs beside Playwright's event loop."""
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: ./dev installs Debian's chromium package")
    # Playwright's sync API keeps an event loop in this thread for as long as it runs; Django
    # refuses ORM calls from such a thread unless told they are deliberate (set-up, asserts,
    # the flush between transactional tests).
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM,
                headless=True,
                # Without these, chromium keeps calling home and floods the closed network.
                args=[
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--no-first-run",
                ],
            )
            yield browser
            browser.close()
    finally:
        if previous is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def open_as(browser: Browser, live_server) -> Iterator[Callable[..., Page]]:
    """A logged-in page for a persona, each in its own browser context (its own cookies).
    Every page must run without a Content-Security-Policy violation (an inline style or script
    the policy refuses would break it silently in the browser)."""
    contexts = []
    violations: list[str] = []

    def login(username: str, width: int = 1280, height: int = 900) -> Page:
        context = browser.new_context(locale="fr-FR", viewport={"width": width, "height": height})
        contexts.append(context)
        page = context.new_page()
        page.on(
            "console",
            lambda message: (
                violations.append(message.text)
                if "Content Security Policy" in message.text
                else None
            ),
        )
        page.set_default_timeout(15_000)
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", "pw")
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        return page

    yield login
    for context in contexts:
        context.close()
    assert violations == []
