"""Real Chromium (Debian's) through Playwright: the table of contents and the header search box.

The server reads the seed documents that tests/conftest.py commits once per session. It is
started here rather than through pytest-django's ``live_server``, because that fixture forces
a transactional test, whose flush afterwards would empty the tables for every later test. The
tests themselves write nothing, so no flush is needed and the order of test files is irrelevant
(the file name still sorts last, as a second line of defence).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.urls import reverse

from policies.models import Policy
from tests.browser import chromium_browser, live_site

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(django_db_setup, django_db_blocker) -> Iterator[str]:
    with live_site(django_db_blocker) as url:
        yield url


@pytest.fixture(scope="module")
def data_industry(django_db_setup, django_db_blocker) -> dict:
    """Read before Playwright starts: its sync API runs an event loop in this thread, and Django
    refuses database access from a thread with a running loop."""
    with django_db_blocker.unblock():
        policy = Policy.objects.get(doc_number="发改数据〔2024〕1836号")
        return {
            "url": policy.get_absolute_url(),
            "eids": list(policy.provisions.order_by("order").values_list("eid", flat=True)),
        }


@pytest.fixture(scope="module")
def browser(site, data_industry):
    with chromium_browser() as chromium:
        yield chromium


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


def in_viewport(page, element_id: str) -> bool:
    return page.evaluate(
        """id => {
            const box = document.getElementById(id).getBoundingClientRect();
            return box.bottom > 0 && box.top < window.innerHeight;
        }""",
        element_id,
    )


def test_toc_entry_jumps_to_its_provision(site, data_industry, page):
    page.goto(site + data_industry["url"])
    entries = page.locator("nav.toc a")
    assert entries.count() > 3
    # A late entry, so the jump has to scroll.
    entry = entries.nth(entries.count() - 2)
    eid = entry.get_attribute("href").removeprefix("#")
    assert eid in data_industry["eids"]
    assert not in_viewport(page, eid)

    entry.click()
    page.wait_for_function("eid => location.hash === '#' + eid", arg=eid)
    assert page.evaluate("location.hash") == f"#{eid}"
    assert in_viewport(page, eid)


def test_header_search_submits_to_search_page(site, page):
    search_path = reverse("search:page")
    page.goto(site + reverse("policies:list"))
    box = page.get_by_role("search").locator('input[name="q"]')
    box.fill("数据产业")
    box.press("Enter")
    page.wait_for_url(f"**{search_path}?q=*")
    assert page.evaluate("location.pathname") == search_path
    assert page.evaluate("new URLSearchParams(location.search).get('q')") == "数据产业"
