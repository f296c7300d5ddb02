"""Curator workflow in the admin: upload → preview → publish or discard; re-parse; refusals;
permissions. Each test asserts the status, the page and the database state."""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from policies.admin_upload import SESSION_KEY
from policies.models import Policy, Provision, SourceDocument
from tests.reader_documents import FIXTURES, build_docx, build_pdf

pytestmark = pytest.mark.django_db

UPLOAD = "admin:policies_sourcedocument_upload"
GOV_PAGE = "滨江数据开放通知.html"
GOV_TITLE = "滨江市数据资源管理局关于推进公共数据开放利用的通知"
DATA_INDUSTRY = "发改数据〔2024〕1836号"


def make_staff(username: str, *codenames: str) -> User:
    user = User.objects.create_user(username, password="pw", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


@pytest.fixture
def curator(client):
    client.force_login(make_staff("curator", "publish_policy", "view_sourcedocument"))
    return client


@pytest.fixture
def plain_staff(client):
    client.force_login(make_staff("editor", "view_sourcedocument", "change_policy"))
    return client


def gov_page() -> SimpleUploadedFile:
    return SimpleUploadedFile(GOV_PAGE, (FIXTURES / "gov_page_gb2312.html").read_bytes())


def counts() -> tuple[int, int, int]:
    return Policy.objects.count(), Provision.objects.count(), SourceDocument.objects.count()


def upload(client, file, **fields):
    return client.post(reverse(UPLOAD), {"file": file, **fields})


def text_of(response) -> str:
    """The page's visible text, tags removed, so assertions read like the page."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def field_row(response, label: str) -> str:
    """ "value source" of a row of the preview's field table, as rendered."""
    html = response.content.decode()
    match = re.search(
        rf'<tr class="field"><th>{label}</th><td>(.*?)</td><td class="source">(.*?)</td></tr>', html
    )
    assert match, label
    return f"{match.group(1)} {match.group(2)}".strip()


def test_upload_page_needs_the_curator_permission(client, curator):
    assert curator.get(reverse(UPLOAD)).status_code == 200
    changelist = curator.get(reverse("admin:policies_sourcedocument_changelist"))
    assert reverse(UPLOAD) in changelist.content.decode()


def test_staff_without_the_permission_cannot_upload_or_publish(plain_staff):
    before = counts()
    assert plain_staff.get(reverse(UPLOAD)).status_code == 403
    assert upload(plain_staff, gov_page()).status_code == 403
    publish = reverse("admin:policies_sourcedocument_publish", args=["anything"])
    assert plain_staff.post(publish).status_code == 403
    changelist = plain_staff.get(reverse("admin:policies_sourcedocument_changelist"))
    assert changelist.status_code == 200
    assert reverse(UPLOAD) not in changelist.content.decode()
    assert counts() == before


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse(UPLOAD))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_preview_shows_the_parse_and_writes_nothing(curator):
    before = counts()
    response = upload(curator, gov_page(), doc_number="滨数据〔2026〕17号", status="现行有效")
    assert response.status_code == 200
    page = text_of(response)
    assert "格式 html" in page
    # The title is printed over the text (as well as in the page's box): read from the text.
    assert field_row(response, "标题") == f"{GOV_TITLE} 正文"
    assert field_row(response, "发文字号") == "滨数据〔2026〕17号 人工指定"
    assert field_row(response, "状态") == "现行有效 人工指定"
    # The site's metadata box, as read from the page.
    assert "索引号 11330100MB0000000X/2026-00017" in page
    assert "主题分类 科技、教育" in page
    # The provision tree, with eIds.
    assert "一、 扩大开放范围 到2027年底，全市开放公共数据集不少于800个" in page
    assert "#chp_1" in page and "#chp_2" in page
    (policy,) = response.context["preview"].policies
    assert policy.targets == [
        "全市开放公共数据集 不少于 800个（2027年）",
        "重点领域数据开放率 以上 90%（2027年）",
    ]
    # A Chinese file name gives a digest slug.
    assert re.fullmatch(r"doc-[0-9a-f]{12} 文件名", field_row(response, "标识"))
    # Page chrome never reaches the preview's clauses.
    for chrome in ("ICP备", "分享到", "当前位置"):
        assert chrome not in page
    assert counts() == before
    assert not Policy.objects.filter(title=GOV_TITLE).exists()
    assert not SourceDocument.objects.filter(name=GOV_PAGE).exists()
    # The file waits in the session for publish.
    (token,) = curator.session[SESSION_KEY]
    assert response.context["token"] == token


def test_publish_writes_once_and_is_searchable_at_once(curator):
    before = counts()
    preview = upload(
        curator,
        gov_page(),
        doc_number="滨数据〔2026〕17号",
        bodies="国家数据局",
        issued_on="2026-03-09",
        slug="binjiang-open-data",
    )
    token = preview.context["token"]
    provisions = len(preview.context["preview"].policies[0].provisions)
    response = curator.post(reverse("admin:policies_sourcedocument_publish", args=[token]))
    source = SourceDocument.objects.get(name=GOV_PAGE)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:policies_sourcedocument_change", args=[source.pk])
    policy = Policy.objects.get(slug="binjiang-open-data")
    assert policy.title == GOV_TITLE
    assert policy.doc_number == "滨数据〔2026〕17号"
    assert (policy.doc_agency_code, policy.doc_year, policy.doc_serial) == ("滨数据", 2026, 17)
    assert str(policy.issued_on) == "2026-03-09"
    assert [b.name for b in policy.ordered_bodies()] == ["国家数据局"]
    assert policy.provisions.count() == provisions  # exactly what the preview showed
    assert counts() == (before[0] + 1, before[1] + provisions, before[2] + 1)
    assert bytes(source.original) == (FIXTURES / "gov_page_gb2312.html").read_bytes()
    assert source.format == "html"
    assert source.overrides == {
        "policy": {
            "doc_number": "滨数据〔2026〕17号",
            "slug": "binjiang-open-data",
            "issued_on": "2026-03-09",
            "bodies": ["国家数据局"],
        }
    }
    assert curator.session[SESSION_KEY] == {}
    hits = curator.get("/api/v1/search", {"q": "公共数据集", "limit": 5}).json()["items"]
    assert "binjiang-open-data" in [hit["policy"]["slug"] for hit in hits]
    followed = curator.get(response["Location"])
    assert f"已发布： {GOV_TITLE} （{provisions} 条条文）" in text_of(followed)


def test_discard_writes_nothing_and_forgets_the_file(curator):
    before = counts()
    token = upload(curator, gov_page()).context["token"]
    response = curator.post(reverse("admin:policies_sourcedocument_discard", args=[token]))
    assert response.status_code == 302
    assert curator.session[SESSION_KEY] == {}
    assert counts() == before
    again = curator.post(reverse("admin:policies_sourcedocument_publish", args=[token]))
    assert again.status_code == 302 and again["Location"] == reverse(UPLOAD)
    assert counts() == before
    assert "已放弃" in text_of(curator.get(reverse("admin:policies_sourcedocument_changelist")))


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("scan.png", b"\x89PNG\r\n\x1a\n" + bytes(200), "scan.png: this is a PNG image"),
        ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "save it as .docx"),
        ("blob.txt", bytes(range(256)) * 4, "blob.txt: looks like a binary file"),
        ("blank.txt", b" \n \n", "blank.txt: the file is empty"),
    ],
)
def test_a_bad_file_is_refused_with_the_reason(curator, name, data, message):
    before = counts()
    response = upload(curator, SimpleUploadedFile(name, data))
    assert response.status_code == 400
    assert message in text_of(response)
    assert counts() == before
    assert SESSION_KEY not in curator.session


def test_a_pdf_without_text_layer_is_refused(curator):
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    scan = canvas.Canvas(out)
    scan.rect(50, 50, 400, 600, fill=1)
    scan.showPage()
    scan.save()
    before = counts()
    response = upload(curator, SimpleUploadedFile("scan.pdf", out.getvalue()))
    assert response.status_code == 400
    assert "scan.pdf: the PDF has no text layer" in text_of(response)
    assert counts() == before


def test_a_file_over_the_size_limit_is_refused(curator, settings):
    settings.POLICY_UPLOAD_MAX_BYTES = 2**20
    before = counts()
    response = upload(curator, SimpleUploadedFile("big.txt", "政策".encode() * 200_000))
    assert response.status_code == 400
    assert "big.txt: 文件大小 1.1 MB 超过上限 1 MB" in text_of(response)
    assert counts() == before


def test_a_slug_taken_by_another_document_is_refused(curator):
    taken = Policy.objects.get(doc_number=DATA_INDUSTRY).slug
    before = counts()
    response = upload(curator, gov_page(), slug=taken)
    assert response.status_code == 400
    assert "标识（slug）已被另一个文件的政策使用" in text_of(response)
    assert counts() == before
    assert Policy.objects.get(slug=taken).doc_number == DATA_INDUSTRY


@pytest.mark.parametrize(
    ("name", "build", "title", "fmt", "source"),
    [
        (
            "授权运营通知.pdf",
            build_pdf,
            # filed under the 办法 the notice issues
            "公共数据授权运营管理办法",
            "pdf",
            "正文",
        ),
        # The Word file's title paragraph (its properties carry the same title).
        ("智慧农业方案.docx", build_docx, "滨江市智慧农业三年行动方案", "docx", "正文"),
    ],
)
def test_pdf_and_word_uploads_preview_and_publish(curator, name, build, title, fmt, source):
    preview = upload(curator, SimpleUploadedFile(name, build()))
    assert preview.status_code == 200
    assert f"格式 {fmt}" in text_of(preview)
    assert field_row(preview, "标题") == f"{title} {source}"
    token = preview.context["token"]
    assert (
        curator.post(reverse("admin:policies_sourcedocument_publish", args=[token])).status_code
        == 302
    )
    policy = Policy.objects.get(source__name=name)
    assert policy.title == title
    assert policy.provisions.exists()


def test_warnings_name_what_the_text_lacks(curator):
    response = upload(
        curator, SimpleUploadedFile("repost.html", (FIXTURES / "wechat_repost.html").read_bytes())
    )
    assert response.status_code == 200
    warnings = [str(w) for w in response.context["preview"].warnings]
    assert "重磅｜滨江市印发《智慧农业三年行动方案》：未找到发文字号" in warnings


def test_reparse_keeps_curated_overrides(curator):
    token = upload(
        curator, gov_page(), doc_number="滨数据〔2026〕17号", slug="binjiang-open-data"
    ).context["token"]
    curator.post(reverse("admin:policies_sourcedocument_publish", args=[token]))
    source = SourceDocument.objects.get(name=GOV_PAGE)
    policy = Policy.objects.get(slug="binjiang-open-data")
    expected = list(policy.provisions.order_by("order").values_list("eid", "text"))
    # What a stale parser left behind: a lost clause and a different title.
    policy.provisions.filter(eid="chp_2").delete()
    Policy.objects.filter(pk=policy.pk).update(title="旧解析器的标题", doc_number="")
    response = curator.post(reverse("admin:policies_sourcedocument_reparse", args=[source.pk]))
    assert response.status_code == 302
    policy = Policy.objects.get(slug="binjiang-open-data")
    assert policy.title == GOV_TITLE
    assert policy.doc_number == "滨数据〔2026〕17号"
    assert list(policy.provisions.order_by("order").values_list("eid", "text")) == expected
    source.refresh_from_db()
    assert source.overrides == {
        "policy": {"doc_number": "滨数据〔2026〕17号", "slug": "binjiang-open-data"}
    }
    assert "已重新解析 1 个源文件" in text_of(curator.get(response["Location"]))


def test_reparse_action_on_a_seed_gives_the_same_records(curator):
    policy = Policy.objects.get(doc_number=DATA_INDUSTRY)
    source = policy.source
    before = list(policy.provisions.order_by("order").values_list("eid", "num", "heading", "text"))
    response = curator.post(
        reverse("admin:policies_sourcedocument_changelist"),
        {"action": "reparse", "_selected_action": [source.pk]},
    )
    assert response.status_code == 302
    policy = Policy.objects.get(doc_number=DATA_INDUSTRY)
    assert (
        list(policy.provisions.order_by("order").values_list("eid", "num", "heading", "text"))
        == before
    )
    assert [b.name for b in policy.ordered_bodies()][:2] == ["国家发展改革委", "国家数据局"]


def test_staff_without_the_permission_cannot_reparse(plain_staff):
    source = Policy.objects.get(doc_number=DATA_INDUSTRY).source
    loaded_at = source.loaded_at
    response = plain_staff.post(reverse("admin:policies_sourcedocument_reparse", args=[source.pk]))
    assert response.status_code == 403
    source.refresh_from_db()
    assert source.loaded_at == loaded_at


def test_preview_of_a_new_version_says_what_it_replaces_and_keeps_it(curator):
    token = upload(curator, gov_page(), doc_number="滨数据〔2026〕17号", slug="binjiang-open-data")
    curator.post(reverse("admin:policies_sourcedocument_publish", args=[token.context["token"]]))
    before = counts()
    response = upload(
        curator, gov_page(), doc_number="滨数据〔2026〕18号", slug="binjiang-open-data"
    )
    assert response.status_code == 200
    assert f"发布将替换同名源文件已有的政策：{GOV_TITLE}" in text_of(response)
    assert field_row(response, "发文字号") == "滨数据〔2026〕18号 人工指定"
    # The preview deleted and re-created the records only inside its rolled-back transaction.
    assert counts() == before
    assert Policy.objects.get(slug="binjiang-open-data").doc_number == "滨数据〔2026〕17号"


def test_reparse_button_only_for_curators(client):
    source = Policy.objects.get(doc_number=DATA_INDUSTRY).source
    change = reverse("admin:policies_sourcedocument_change", args=[source.pk])
    button = reverse("admin:policies_sourcedocument_reparse", args=[source.pk])
    client.force_login(make_staff("curator", "publish_policy", "view_sourcedocument"))
    page = client.get(change)
    assert page.status_code == 200
    assert button in page.content.decode()
    assert "用当前解析器重新解析" in text_of(page)
    client.force_login(make_staff("viewer", "view_sourcedocument"))
    page = client.get(change)
    assert page.status_code == 200
    assert button not in page.content.decode()
