"""What every Chromium test shares: a live server on the committed session data, Debian's Chromium.

The server is started here rather than through pytest-django's ``live_server``, because that
fixture forces a transactional test, whose flush afterwards would empty the tables for every
later test.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from pytest_django.live_server_helper import LiveServer

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@contextmanager
def live_site(django_db_blocker) -> Iterator[str]:
    """The base URL of a live server on the session's committed data (nothing flushed)."""
    with django_db_blocker.unblock():
        server = LiveServer("localhost")
        server._live_server_modified_settings.enable()
        try:
            yield server.url
        finally:
            server._live_server_modified_settings.disable()
            server.stop()


@contextmanager
def chromium_browser():
    """Debian's Chromium through Playwright. Missing Chromium fails under CI (the tests must run
    there) and skips elsewhere."""
    if not CHROMIUM.exists():
        message = f"Debian chromium is not installed at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()
