"""Real Chromium (Debian's) through Playwright: the research pages on a phone, on paper and with
the mouse — no horizontal overflow at 360 px, print stylesheet, contrast, skip link, copying a
citation, clicking to compare, opening a feed, downloading an export.

The live server reads the session's committed seed data and writes nothing (see
tests/test_zz_browser.py for why it is not pytest-django's ``live_server``).
"""

from __future__ import annotations

import csv
import io
import struct
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from django.urls import reverse

from policies.models import Policy
from tests.browser import chromium_browser, live_site

pytestmark = pytest.mark.browser

WIDTHS = (360, 1280)


@pytest.fixture(scope="module")
def site(django_db_setup, django_db_blocker) -> Iterator[str]:
    with live_site(django_db_blocker) as url:
        yield url


@pytest.fixture(scope="module")
def seeds(django_db_setup, django_db_blocker) -> dict:
    """Read before Playwright starts (its event loop makes Django refuse database access)."""
    with django_db_blocker.unblock():
        data_industry = Policy.objects.get(doc_number="发改数据〔2024〕1836号")
        draft = Policy.objects.get(slug="nda-2023-data-elements-x-action-plan-draft")
        bodies = data_industry.ordered_bodies()
        return {
            "data_industry": data_industry.get_absolute_url(),
            "data_industry_slug": data_industry.slug,
            "draft": draft.get_absolute_url(),
            "draft_slug": draft.slug,
            "draft_title": draft.title,
            "body": bodies[0].get_absolute_url(),
            "policy_count": Policy.objects.real().count(),
            "stub": Policy.objects.filter(is_stub=True).first().get_absolute_url(),
        }


@pytest.fixture(scope="module")
def browser(site, seeds):
    with chromium_browser() as chromium:
        yield chromium


def new_page(browser, width: int, **kwargs):
    context = browser.new_context(
        viewport={"width": width, "height": 800}, locale="zh-CN", **kwargs
    )
    return context, context.new_page()


def pages(seeds: dict) -> list[str]:
    compare = (
        f"{reverse('policies:compare')}?p={seeds['data_industry_slug']}&p={seeds['draft_slug']}"
    )
    return [
        reverse("policies:home"),
        seeds["data_industry"],
        seeds["draft"],
        seeds["stub"],
        reverse("policies:body_list"),
        seeds["body"],
        reverse("policies:targets"),
        compare,
        reverse("policies:compare"),
        reverse("policies:term", args=["数据要素×"]),
        reverse("search:page") + "?q=" + quote("数据要素"),
        "/no-such-page/",
    ]


def png_width(data: bytes) -> int:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">I", data[16:20])[0]


@pytest.mark.parametrize("width", WIDTHS)
def test_no_horizontal_overflow(browser, site, seeds, width, tmp_path):
    """Every page fits the viewport: the document is no wider than the window, and a full-page
    screenshot (what a reader would see scrolled) is exactly the viewport's width."""
    context, page = new_page(browser, width)
    try:
        for path in pages(seeds):
            page.goto(site + path)
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            assert scroll_width <= width, (path, scroll_width)
            shot = page.screenshot(full_page=True, path=str(tmp_path / f"{width}.png"))
            assert png_width(shot) == width, path
            # Titles do not wrap every few characters: the h1 is at least 200 px wide.
            h1 = page.locator("h1").first.bounding_box()
            assert h1["width"] >= min(200, width - 60), (path, h1)
    finally:
        context.close()


def test_phone_and_desktop_layouts_differ_as_designed(browser, site, seeds):
    """The same list page at 360 and 1280 px: one card per policy on the phone, a table row
    on the desktop — compared from the screenshots' heights and the rows' geometry."""
    heights = {}
    for width in WIDTHS:
        context, page = new_page(browser, width)
        try:
            page.goto(site + reverse("policies:list"))
            rows = page.locator(".policy-table tbody tr")
            assert rows.count() == seeds["policy_count"]
            row = rows.first.bounding_box()
            title = rows.first.locator("td").first.bounding_box()
            # phone: the title takes the card's whole width; desktop: one column of six
            full_width = title["width"] >= row["width"] - 1
            assert full_width == (width == 360), (width, title, row)
            heights[width] = page.evaluate("document.documentElement.scrollHeight")
        finally:
            context.close()
    assert heights[360] > heights[1280]


def test_print_shows_text_metadata_and_clause_numbers_only(browser, site, seeds):
    context, page = new_page(browser, 1280)
    try:
        page.goto(site + seeds["data_industry"])
        page.emulate_media(media="print")
        hidden = [
            ".site-header", ".toc", ".permalink", ".clause-tools", ".breadcrumb", ".site-footer",
            ".actions", ".lineage", ".targets", ".tasks", ".goals", ".key-terms", ".related",
        ]  # fmt: skip
        for selector in hidden:
            assert page.locator(selector).count() > 0, selector
            assert not page.locator(selector).first.is_visible(), selector
        assert page.locator("table.meta").is_visible()
        heading = page.locator(".provision h3").first
        assert heading.is_visible()
        # innerText leaves out what print hides: the clause number and heading, no ¶
        assert heading.inner_text().startswith("一、"), heading.inner_text()
        assert page.locator("h1").is_visible()
        pdf = page.pdf()
        assert pdf[:4] == b"%PDF"
    finally:
        context.close()


CONTRAST = """selectors => selectors.map(selector => {
  const el = document.querySelector(selector);
  if (!el) return [selector, null];
  const rgb = s => s.match(/[\\d.]+/g).slice(0, 4).map(Number);
  const lum = ([r, g, b]) => {
    const f = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  let bg = null, node = el;
  while (node && node.nodeType === 1) {
    const c = rgb(getComputedStyle(node).backgroundColor);
    if (c.length < 4 || c[3] > 0) { bg = c; break; }
    node = node.parentElement;
  }
  bg = bg || [255, 255, 255];
  const fg = rgb(getComputedStyle(el).color);
  const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
  return [selector, (a + 0.05) / (b + 0.05)];
})"""


def test_text_contrast_meets_wcag_aa(browser, site, seeds):
    context, page = new_page(browser, 1280)
    try:
        page.goto(site + seeds["data_industry"])
        selectors = [
            ".permalink", ".muted", ".badge", ".site-nav a", ".site-name", "a.source",
            ".meta th", ".cite-button", ".cite-button.small", ".short-link", ".breadcrumb",
            ".provision .text p", ".site-footer", ".exports",
        ]  # fmt: skip
        ratios = dict(page.evaluate(CONTRAST, selectors))
        for selector, ratio in ratios.items():
            assert ratio is not None, f"{selector} not on the page"
            assert ratio >= 4.5, (selector, round(ratio, 2))
    finally:
        context.close()


def test_skip_link_is_first_and_moves_focus_to_main(browser, site, seeds):
    context, page = new_page(browser, 1280)
    try:
        page.goto(site + seeds["data_industry"])
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.textContent")
        assert focused == "跳到正文"
        assert page.locator(".skip-link").is_visible()
        page.keyboard.press("Enter")
        assert page.evaluate("location.hash") == "#main"
        assert page.evaluate("document.activeElement.id") == "main"
    finally:
        context.close()


def test_copy_a_clause_citation(browser, site, seeds):
    context, page = new_page(browser, 1280, permissions=["clipboard-read", "clipboard-write"])
    try:
        page.goto(site + seeds["data_industry"])
        button = page.locator(".provision .cite-button").nth(5)
        expected = button.get_attribute("data-citation")
        assert expected.startswith(
            "国家发展改革委等《国家发展改革委等部门关于促进数据产业高质量发展的指导意见》"
            "（发改数据〔2024〕1836号）"
        )
        button.click()
        page.wait_for_function("b => b.textContent === '已复制'", arg=button.element_handle())
        assert page.evaluate("navigator.clipboard.readText()") == expected
        page.locator(".actions .cite-button").first.click()
        page.wait_for_timeout(100)
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied.endswith("（发改数据〔2024〕1836号）")
    finally:
        context.close()


def test_click_from_a_policy_to_compare(browser, site, seeds):
    context, page = new_page(browser, 1280)
    try:
        page.goto(site + seeds["data_industry"])
        page.get_by_role("link", name="与其他文件比较").click()
        page.wait_for_url("**/compare/?p=*")
        page.locator("select[name=p]").nth(1).select_option(seeds["draft_slug"])
        page.get_by_role("button", name="比较").click()
        page.wait_for_selector("table.compare")
        headers = page.locator("table.compare").first.locator("thead th").all_inner_texts()
        assert headers[2] == seeds["draft_title"]
        assert page.locator("tr.differs").count() >= 2
    finally:
        context.close()


def test_open_a_feed_and_download_an_export(browser, site, seeds):
    context, page = new_page(browser, 1280, accept_downloads=True)
    try:
        page.goto(site + reverse("policies:list"))
        with page.expect_response(lambda r: r.url.endswith("/feeds/policies.atom")) as answer:
            page.get_by_role("link", name="全部新文件").click()
        response = answer.value
        assert response.status == 200
        assert response.headers["content-type"].startswith("application/atom+xml")
        assert response.text().count("<entry>") == seeds["policy_count"]

        page.goto(site + reverse("policies:targets"))
        with page.expect_download() as download_info:
            page.locator(".exports").get_by_role("link", name="CSV").click()
        download = download_info.value
        assert download.suggested_filename == "targets.csv"
        text = Path(download.path()).read_text(encoding="utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text)))
        shown = page.locator(".count strong").inner_text()
        assert len(rows) == int(shown) > 0
    finally:
        context.close()
