"""``load_policies FILE`` on a web page, a PDF and a Word file: the same code path as the admin
upload, from the format readers' blocks to saved records.

These assert what the readers guarantee whatever the structure rules make of it: the title, the
text joined across lines and pages, and no page chrome in any clause.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command

from policies.models import Policy, SourceDocument
from tests.reader_documents import FIXTURES, build_docx, build_pdf

pytestmark = pytest.mark.django_db

CHROME = ("首页", "当前位置", "分享到", "打印", "ICP备", "网站标识码", "- 1 -", "- 2 -",
          "滨江市数据资源管理局文件", "行政规范性文件", "<p", "pageId", "text-indent")  # fmt: skip


def load(tmp_path, name: str, data: bytes) -> Policy:
    path = tmp_path / name
    path.write_bytes(data)
    call_command("load_policies", str(path), verbosity=0)
    source = SourceDocument.objects.get(name=name)
    assert bytes(source.original) == data
    (policy,) = source.policies.all()
    return policy


def clauses(policy: Policy) -> str:
    return "\n".join(f"{p.num} {p.heading} {p.text}" for p in policy.provisions.order_by("order"))


def test_government_page(tmp_path):
    policy = load(
        tmp_path, "公共数据开放通知.html", (FIXTURES / "gov_page_gb2312.html").read_bytes()
    )
    assert policy.source.format == "html"
    assert policy.title == "滨江市数据资源管理局关于推进公共数据开放利用的通知"
    text = clauses(policy)
    assert "到2027年底，全市开放公共数据集不少于800个，重点领域数据开放率达到90%以上。" in text
    assert "为加快公共数据有序开放，释放数据要素价值，现就有关事项通知如下。" in text
    for chrome in CHROME:
        assert chrome not in text, chrome


def test_wechat_repost(tmp_path):
    policy = load(tmp_path, "repost.html", (FIXTURES / "wechat_repost.html").read_bytes())
    assert policy.title == "重磅｜滨江市印发《智慧农业三年行动方案》"
    text = clauses(policy)
    assert "到2028年，建成数字农场50个，农产品线上销售额年均增长15%。" in text
    for chrome in ("阅读原文", "在看", "微信扫一扫", "visibility", "msg_title"):
        assert chrome not in text, chrome


def test_text_layer_pdf(tmp_path):
    policy = load(tmp_path, "授权运营通知.pdf", build_pdf())
    assert policy.source.format == "pdf"
    # A 印发 notice is filed under the document it issues, with the notice's 发文字号.
    assert policy.title == "公共数据授权运营管理办法"
    assert policy.notice_title == "滨江市数据资源管理局关于印发公共数据授权运营管理办法的通知"
    assert policy.doc_number == "滨数据〔2026〕21号"
    # The notice's own paragraphs are kept with the notice; the annex table stays a clause.
    text = policy.notice_text + clauses(policy)
    # Joined across a line break inside a number and across the page break.
    assert "全市授权运营的数据产品力争达到120个。" in text
    assert "并对数据安全负主体责任，定期开展风险评估。" in text
    for chrome in CHROME:
        assert chrome not in text, chrome


def test_word_file(tmp_path):
    policy = load(tmp_path, "智慧农业方案.docx", build_docx())
    assert policy.source.format == "docx"
    assert policy.title == "滨江市智慧农业三年行动方案"
    text = clauses(policy)
    assert "到2028年，全市建成数字农场50个，农业生产数字化率达到45%。" in text
    assert "建设数字农场" in text and "培育农业数据人才" in text


def test_a_changed_file_reloads_with_its_new_bytes(tmp_path):
    text = "关于推进鹦鹉螺数据服务的通知\n一、推进鹦鹉螺数据服务。\n二、到2027年，培育鹦鹉螺企业{n}家。\n"
    first = load(tmp_path, "parrot.txt", text.format(n=20).encode())
    second = load(tmp_path, "parrot.txt", text.format(n=30).encode("gb18030"))
    assert first.source_id == second.source_id
    assert [float(t.value) for t in second.targets.all()] == [30.0]
