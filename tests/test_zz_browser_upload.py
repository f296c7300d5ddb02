"""Real Chromium through Playwright: a curator uploads a saved government page in the admin,
checks the preview and publishes it; the policy's public page then shows it.

Like tests/test_zz_browser.py, the live server reads the session's committed data (no flush
afterwards). This test writes a user, a source and a policy; its fixture deletes them again, and
the file name sorts after every other test file as a second line of defence.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse

from policies.models import Policy, SourceDocument
from tests.browser import chromium_browser, live_site
from tests.reader_documents import FIXTURES

pytestmark = pytest.mark.browser

SLUG = "browser-upload-binjiang"
NAME = "gov_page_gb2312.html"
TITLE = "滨江市数据资源管理局关于推进公共数据开放利用的通知"


@pytest.fixture(scope="module")
def site(django_db_setup, django_db_blocker) -> Iterator[str]:
    with live_site(django_db_blocker) as url:
        yield url


@pytest.fixture(scope="module")
def curator(django_db_setup, django_db_blocker) -> Iterator[tuple[str, str]]:
    """A staff user with the curator permission, committed so the live server sees it; the
    user and whatever the test published are deleted afterwards."""
    with django_db_blocker.unblock():
        user = User.objects.create_user("browser-curator", password="pw-curator", is_staff=True)
        user.user_permissions.add(
            *Permission.objects.filter(codename__in=["publish_policy", "view_sourcedocument"])
        )
        assert not SourceDocument.objects.filter(name=NAME).exists()
    try:
        yield "browser-curator", "pw-curator"
    finally:
        with django_db_blocker.unblock():
            Policy.objects.filter(source__name=NAME).delete()
            SourceDocument.objects.filter(name=NAME).delete()
            User.objects.filter(username="browser-curator").delete()


@pytest.fixture(scope="module")
def browser(site, curator):
    with chromium_browser() as chromium:
        yield chromium


def test_upload_preview_publish(site, curator, browser):
    username, password = curator
    upload_url = site + reverse("admin:policies_sourcedocument_upload")
    detail_url = site + reverse("policies:detail", args=[SLUG])
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(upload_url)  # the admin sends an anonymous visitor to its login first
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("input[type=submit]")
        page.wait_for_url(upload_url)

        page.set_input_files("#id_file", str(FIXTURES / NAME))
        page.fill("#id_doc_number", "滨数据〔2026〕17号")
        page.fill("#id_slug", SLUG)
        page.click("input[name=_preview]")
        page.wait_for_selector(".upload-preview")
        title_row = page.locator("tr.field", has_text="标题").first
        assert title_row.inner_text().split("\t") == ["标题", TITLE, "正文"]
        number_row = page.locator("tr.field", has_text="发文字号").first
        assert number_row.inner_text().split("\t") == ["发文字号", "滨数据〔2026〕17号", "人工指定"]
        assert "扩大开放范围" in page.locator(".preview-tree").inner_text()

        page.click("#publish")
        page.wait_for_selector("ul.messagelist li.success")
        assert f"已发布：{TITLE}" in page.locator("ul.messagelist").inner_text()

        page.goto(detail_url)
        assert page.locator("h1").first.inner_text().strip() == TITLE
        assert "到2027年底，全市开放公共数据集不少于800个" in page.content()
        assert "滨数据〔2026〕17号" in page.content()
    finally:
        context.close()
