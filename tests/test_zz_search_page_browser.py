"""The search page in real Chromium (Debian's): sidebar facets, selected filters, grouped hits,
the empty-query page, and the phone width (360 px) where the filters fold away.

Like tests/test_zz_browser.py, the server reads the session's committed seed data and the tests
write nothing. Under CI=true a missing Chromium fails the tests instead of skipping them.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse

from tests.browser import chromium_browser, live_site

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}


@pytest.fixture(scope="module")
def site(django_db_setup, django_db_blocker) -> Iterator[str]:
    with live_site(django_db_blocker) as url:
        yield url + reverse("search:page")


@pytest.fixture(scope="module")
def browser(site):
    with chromium_browser() as chromium:
        yield chromium


def new_page(browser, viewport: dict):
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    return context, context.new_page()


@pytest.fixture
def page(browser):
    context, page = new_page(browser, {"width": 1280, "height": 800})
    yield page
    context.close()


@pytest.fixture
def phone(browser):
    context, page = new_page(browser, PHONE)
    yield page
    context.close()


def box(page, selector: str) -> dict:
    return page.locator(selector).first.bounding_box()


def query(page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def test_facets_sit_beside_the_results_and_the_first_hit_is_near_the_top(site, page):
    page.goto(site + "?q=数据")
    facets, results = box(page, "details.facets"), box(page, "section.search-results")
    assert facets["x"] + facets["width"] <= results["x"]  # a sidebar, not a block above
    first = box(page, "li.hit")
    assert first["y"] < 800  # visible without scrolling
    assert page.locator('input[name="q"]').first.input_value() == "数据"  # the query echoed
    assert "条条款" in page.locator("p.summary").inner_text()


def test_a_chosen_facet_is_marked_and_can_be_removed(site, page):
    page.goto(site + "?q=数据")
    page.locator(".facet-group", has_text="类型").locator("a", has_text="规划").click()
    page.wait_for_url("**type=*")
    assert query(page)["type"] == ["规划"]
    active = page.locator(".facet-group li.active")
    assert active.count() == 1 and "规划" in active.inner_text()
    assert active.locator("a").get_attribute("aria-current") == "true"
    chip = page.locator("ul.selected a", has_text="类型：规划")
    chip.click()
    page.wait_for_function("() => !new URLSearchParams(location.search).has('type')")
    assert page.locator(".facet-group li.active").count() == 0


def test_more_in_this_document_expands(site, page):
    page.goto(site + "?q=数据")
    more = page.locator("details.more").first
    assert more.is_visible()
    hidden = more.locator("li.hit").first
    assert not hidden.is_visible()
    more.locator("summary").click()
    assert hidden.is_visible()
    link = more.locator("a.all-in-document")
    link.click()
    page.wait_for_url("**policy=*")
    slugs = {a.get_attribute("href") for a in page.locator("a.group-title").element_handles()}
    assert len(slugs) == 1  # one document's clauses only


def test_empty_query_page_offers_examples(site, page):
    page.goto(site)
    examples = page.locator("ul.examples a")
    assert examples.count() >= 4
    text = examples.first.inner_text()
    examples.first.click()
    page.wait_for_url("**q=*")
    assert page.locator('input[name="q"]').first.input_value() == text
    assert page.locator("p.summary").is_visible()


def test_phone_width_folds_the_filters_and_shows_results_first(site, phone):
    phone.goto(site + "?q=数据")
    facets = phone.locator("details.facets")
    assert facets.get_attribute("open") is None  # folded on a phone
    assert not phone.locator(".facet-group").first.is_visible()
    # The first result (a document or a clause) is on the first screen.
    assert box(phone, ".document-hit, li.hit")["y"] < PHONE["height"] / 2
    # Nothing wider than the screen.
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    facets.locator("summary").click()
    assert phone.locator(".facet-group").first.is_visible()
    phone.locator(".facet-group", has_text="年份").locator("a").first.click()
    phone.wait_for_url("**year_from=*")
    assert phone.locator("ul.selected a", has_text="年份").is_visible()
