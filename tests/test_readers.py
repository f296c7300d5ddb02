"""Format readers: the exact blocks and page metadata each format yields, and the refusals.

The documents are our own (tests/fixtures/readers/, tests/reader_documents.py); the facts
asserted are read off them by eye.
"""

from __future__ import annotations

import io
import re
import zipfile

import pytest

from policies.ingest import IngestError
from policies.ingest.blocks import Block
from policies.ingest.readers import read_source, sniff_format
from tests.reader_documents import FIXTURES, build_docx, build_pdf


def shape(blocks: list[Block]) -> list[tuple]:
    """What a block says, in a form that compares in one assertion."""
    out = []
    for block in blocks:
        if block.kind == "table":
            out.append(("table", block.rows))
        elif block.kind == "heading":
            out.append(("heading", block.level, block.text))
        elif block.kind == "page_break":
            out.append(("page_break", block.page))
        else:
            out.append((block.align or "para", block.bold, block.text))
    return out


def test_government_page_content_and_metadata_box():
    data = (FIXTURES / "gov_page_gb2312.html").read_bytes()
    read = read_source("notice.html", data)
    assert read.format == "html"
    assert read.page_meta == {
        "title": "滨江市数据资源管理局关于推进公共数据开放利用的通知_滨江市人民政府门户网站",
        "url": "https://www.binjiang.example.gov.cn/zwgk/2026/0312/c17.html",
        "索引号": "11330100MB0000000X/2026-00017",
        "主题分类": "科技、教育",
        "发布机构": "滨江市数据资源管理局",
        "成文日期": "2026年03月09日",
        "标题": "滨江市数据资源管理局关于推进公共数据开放利用的通知",
        "文号": "滨数据〔2026〕17号",
        "发布日期": "2026年03月12日",
        "发布时间": "2026-03-12",
    }
    assert shape(read.blocks) == [
        ("heading", 1, "滨江市数据资源管理局关于推进公共数据开放利用的通知"),
        ("center", False, "滨数据〔2026〕17号"),
        ("para", False, "各区数据管理部门，市直各单位："),
        ("para", False, "为加快公共数据有序开放，释放数据要素价值，现就有关事项通知如下。"),
        ("para", True, "一、扩大开放范围"),
        (
            "para",
            False,
            "到2027年底，全市开放公共数据集不少于800个，重点领域数据开放率达到90%以上。",
        ),
        ("para", True, "二、健全工作机制"),
        ("para", False, "各单位要明确专人负责数据开放工作，每季度更新一次开放目录。"),
        ("para", False, "市数据资源管理局会同市财政局做好经费保障。"),
        (
            "table",
            [
                ["序号", "任务", "牵头单位", "配合单位"],
                ["1", "编制开放目录", "市数据资源管理局", "市发展改革委\n市财政局"],
                ["2", "建设开放平台", "市大数据中心", "各区数据管理部门"],
            ],
        ),
        ("right", False, "滨江市数据资源管理局"),
        ("right", False, "2026年3月9日"),
        ("para", False, "（此件公开发布）"),
    ]


def test_government_page_chrome_is_gone():
    read = read_source("notice.html", (FIXTURES / "gov_page_gb2312.html").read_bytes())
    text = "\n".join(b.text for b in read.blocks)
    for chrome in ("首页", "政务服务", "当前位置", "分享到", "打印", "ICP备", "网站标识码",
                   "脚本输出", "text-indent", "索引号", "滨江市人民政府"):  # fmt: skip
        assert chrome not in text, chrome


def test_wechat_repost():
    read = read_source("repost.html", (FIXTURES / "wechat_repost.html").read_bytes())
    assert read.page_meta == {
        "title": "重磅｜滨江市印发《智慧农业三年行动方案》",
        "url": "http://mp.weixin.qq.com/s?__biz=MzAAAAAAAA==&mid=1&idx=1",
        "来源": "滨江市农业农村局",
    }
    assert shape(read.blocks) == [
        ("heading", 1, "重磅｜滨江市印发《智慧农业三年行动方案》"),
        ("para", False, "近日，滨江市农业农村局印发《智慧农业三年行动方案》，全文如下。"),
        ("center", True, "智慧农业三年行动方案"),
        ("para", False, "一、主要目标"),
        ("para", False, "到2028年，建成数字农场50个，农产品线上销售额年均增长15%。"),
        ("para", False, "二、重点任务"),
        ("para", False, "推广智能灌溉设备，"),
        ("para", False, "建设农业数据平台。"),
        ("para", False, "来源：滨江市农业农村局"),
    ]


def test_html_saved_under_a_text_name_is_sniffed():
    data = (FIXTURES / "wechat_repost.html").read_bytes()
    assert sniff_format("repost.txt", data) == "html"
    assert read_source("repost.txt", data).format == "html"


def test_pdf_paragraphs_title_signature_and_table():
    read = read_source("notice.pdf", build_pdf())
    assert read.format == "pdf"
    assert shape(read.blocks) == [
        # The urgency mark stays (it is the document's); the red-head banner below it goes.
        ("para", False, "特急"),
        ("center", False, "滨数据〔2026〕21号"),
        ("heading", 1, "滨江市数据资源管理局关于印发公共数据授权运营管理办法的通知"),
        ("para", False, "各区数据管理部门，市直各单位："),
        (
            "para",
            False,
            "现将《公共数据授权运营管理办法》印发给你们，请结合实际认真贯彻落实。"
            "全市授权运营的数据产品力争达到120个。",
        ),
        (
            "para",
            False,
            "一、各单位要建立授权运营工作台账，按季度报送数据产品上架、调用和收益情况，"
            "并对数据安全负主体责任，定期开展风险评估。",
        ),
        ("para", False, "二、本办法自2026年5月1日起施行，有效期五年。"),
        ("right", False, "滨江市数据资源管理局"),
        ("right", False, "2026年4月2日"),
        ("page_break", 3),
        ("para", False, "附件：任务分工"),
        (
            "table",
            [
                ["序号", "任务", "牵头单位", "配合单位"],
                # A name wrapped in a narrow column is one name; two lines of names are two.
                ["1", "建设授权运营平台", "市数据资源管理局", "市财政局\n市科技局"],
                # The lead's cell spans both task rows.
                ["2", "制定收益分配办法", "市数据资源管理局", "市发展改革委"],
            ],
        ),
        # Two bodies on one line, set apart by a wide gap.
        ("right", False, "市财政局\u3000市科技局"),
    ]
    assert [b.page for b in read.blocks] == [1, 1, 1, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3]


def test_pdf_page_break_between_paragraphs_is_kept():
    pages = [
        [("title", ["一份两页的说明"]), ("para", ["第一页的段落到此结束。"])],
        [("para", ["第二页另起一段。"])],
    ]
    read = read_source("two.pdf", build_pdf(pages))
    assert shape(read.blocks) == [
        ("heading", 1, "一份两页的说明"),
        ("para", False, "第一页的段落到此结束。"),
        ("page_break", 2),
        ("para", False, "第二页另起一段。"),
    ]


def test_pdf_without_text_layer_is_refused():
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    scan = canvas.Canvas(out)
    scan.rect(50, 50, 400, 600, fill=1)  # a page of pixels and paths only, as a scan is
    scan.showPage()
    scan.save()
    with pytest.raises(IngestError, match=r"scan.pdf: the PDF has no text layer"):
        read_source("scan.pdf", out.getvalue())


def protected_pdf(user_password: str) -> bytes:
    """A one-page PDF locked with an owner password (printing and copying barred), as many
    offices publish them; with a user password it cannot be opened at all."""
    from reportlab.lib.pdfencrypt import StandardEncryption
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    out = io.BytesIO()
    pdf = canvas.Canvas(out, encrypt=StandardEncryption(user_password, "owner", canPrint=0))
    pdf.setFont("STSong-Light", 12)
    pdf.drawString(72, 700, "本文件仅供阅读，不得复制。")
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def test_pdf_with_owner_password_only_is_read():
    read = read_source("locked.pdf", protected_pdf(""))
    assert shape(read.blocks) == [("para", False, "本文件仅供阅读，不得复制。")]


def test_pdf_with_user_password_is_refused():
    with pytest.raises(IngestError, match=r"locked.pdf: the PDF is encrypted"):
        read_source("locked.pdf", protected_pdf("secret"))


def test_damaged_pdf_is_refused():
    with pytest.raises(IngestError, match=r"bad.pdf: a damaged PDF"):
        read_source("bad.pdf", b"%PDF-1.7\n" + b"garbage " * 50)


def test_docx_styles_alignment_bold_and_table():
    read = read_source("plan.docx", build_docx())
    assert read.format == "docx"
    assert read.page_meta == {"title": "滨江市智慧农业三年行动方案"}
    assert shape(read.blocks) == [
        ("heading", 1, "滨江市智慧农业三年行动方案"),
        ("heading", 2, "第一章 总体要求"),
        ("para", False, "到2028年，全市建成数字农场50个，农业生产数字化率达到45%。"),
        ("heading", 2, "第二章 重点任务"),
        ("heading", 3, "一、推广智能装备"),
        # Numbers generated by Word's list definition, not typed.
        ("para", False, "（一）建设数字农场"),
        ("para", False, "1.选定试点乡镇"),
        ("para", False, "2.制定建设指引"),
        ("para", False, "（二）培育农业数据人才"),
        ("para", False, "支持种植大户购置智能灌溉和植保设备。"),
        ("para", True, "附件：重点任务分工"),
        (
            "table",
            [
                ["序号", "任务", "牵头单位", "配合单位"],
                ["1", "推广智能装备", "市农业农村局", "市财政局\n市科技局"],
                ["2", "建设农业数据平台", "市数据资源管理局", "市农业农村局"],
            ],
        ),
        ("right", False, "滨江市农业农村局"),
        ("right", False, "2026年1月15日"),
    ]


def test_docx_renamed_doc_is_still_read():
    assert read_source("plan.doc", build_docx()).format == "docx"


def zip_with(*names: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in names:
            archive.writestr(name, "x")
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.txt", b"", "empty.txt: the file is empty"),
        ("blank.pdf", b"  \n\n ", "blank.pdf: the file is empty"),
        ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "old binary Office file"),
        ("scan.pdf", b"\x89PNG\r\n\x1a\n" + bytes(100), "a PNG image"),
        ("book.xlsx", zip_with("[Content_Types].xml", "xl/workbook.xml"), "an Excel workbook"),
        ("files.zip", zip_with("a.txt"), "a ZIP archive"),
        ("broken.docx", b"PK\x03\x04" + bytes(50), "a damaged ZIP/Office file"),
        ("blob.txt", bytes(range(256)) * 4, "blob.txt: looks like a binary file"),
    ],
)
def test_unreadable_files_are_refused_with_the_reason(name, data, message):
    with pytest.raises(IngestError, match=message.replace("(", r"\(").replace(".", r"\.")):
        read_source(name, data)


def test_plain_text_still_reads_as_lines():
    read = read_source("note.md", "# 标题\n正文。\n".encode("gb18030"))
    assert read.format == "md"
    assert [b.text for b in read.blocks] == ["# 标题", "正文。", ""]


@pytest.mark.parametrize(
    ("n", "fmt", "printed"),
    [
        (1, "chineseCounting", "一"),
        (10, "chineseCounting", "十"),
        (12, "chineseCountingThousand", "十二"),
        (20, "chineseCounting", "二十"),
        (35, "chineseCounting", "三十五"),
        (105, "chineseCounting", "一百零五"),
        (110, "chineseCounting", "一百一十"),
        (3, "decimalEnclosedCircle", "③"),
        (2, "ideographTraditional", "乙"),
        (28, "upperLetter", "AB"),
        (4, "lowerRoman", "iv"),
        (7, "decimalFullWidth", "７"),
        (7, "decimal", "7"),
    ],
)
def test_word_list_numbers(n, fmt, printed):
    from policies.ingest.readers.docx_numbering import format_number

    assert format_number(n, fmt) == printed


def test_old_layout_table_page():
    """A site laid out with tables, chrome named in pinyin and the headline in a div.tit."""
    read = read_source("apply.html", (FIXTURES / "layout_table_page.html").read_bytes())
    assert read.page_meta == {
        "title": "关于开展2026年度数字乡村试点申报工作的通知--滨江市农业农村局"
    }
    assert shape(read.blocks) == [
        ("heading", 1, "关于开展2026年度数字乡村试点申报工作的通知"),
        ("para", False, "各区农业农村局："),
        (
            "para",
            False,
            "为推进数字乡村建设，市农业农村局决定开展2026年度数字乡村试点申报工作。"
            "每个区推荐不超过3个乡镇，试点期两年，市级财政对每个试点给予不超过200万元的补助。",
        ),
        ("para", False, "一、申报条件"),
        (
            "para",
            False,
            "申报乡镇应具备较好的网络基础，行政村光纤通达率达到100%，并有专门的工作团队。",
        ),
        ("para", False, "二、时间安排"),
        ("para", False, "请于2026年6月30日前将申报材料报送市农业农村局科技教育处。"),
        ("right", False, "滨江市农业农村局"),
        ("right", False, "2026年5月8日"),
    ]


def test_docx_red_head_layout_table_and_content_control():
    from tests.reader_documents import build_docx_red_head

    read = read_source("notice.docx", build_docx_red_head())
    assert shape(read.blocks) == [
        ("para", False, "滨数据〔2026〕30号"),
        ("para", False, "签发人：王明"),
        ("center", False, "滨江市数据资源管理局关于公共数据目录编制的通知"),
        ("para", False, "各单位于2026年9月底前完成目录编制。"),
    ]


def test_pdf_full_line_that_ends_a_sentence_does_not_swallow_the_next_item():
    pages = [
        [
            ("title", ["公共数据授权运营试行办法"]),
            ("split", ["第一条 为规范公共数据授权运营，保障数据安全，根据有关规定，制定本办法。"]),
            ("cont", ["第二条 本办法由市数据资源管理局负责解释。"]),
            ("split", ["第三条 授权运营单位应当严格按照协议约定的范围、期限和用途使用公共数"]),
            ("cont", ["据。"]),
        ]
    ]
    read = read_source("rules.pdf", build_pdf(pages))
    assert shape(read.blocks) == [
        # Spaces next to Chinese text are not kept: justified lines space every character.
        ("heading", 1, "公共数据授权运营试行办法"),
        ("para", False, "第一条为规范公共数据授权运营，保障数据安全，根据有关规定，制定本办法。"),
        ("para", False, "第二条本办法由市数据资源管理局负责解释。"),
        ("para", False, "第三条授权运营单位应当严格按照协议约定的范围、期限和用途使用公共数据。"),
    ]


def test_html_table_spans_read_like_word_tables():
    page = """<html><body><div><p>附件：任务分工</p><table>
    <tr><th>序号</th><th>任务</th><th>牵头单位</th><th>配合单位</th></tr>
    <tr><td>1</td><td>编制开放目录</td><td rowspan="2">市数据资源管理局</td><td>市财政局</td></tr>
    <tr><td>2</td><td>建设开放平台</td><td>市科技局</td></tr>
    <tr><td colspan="2">3 完善考核办法</td><td>市政府办公室</td><td>各区</td></tr>
    </table></div></body></html>"""
    (table,) = [b for b in read_source("spans.html", page.encode()).blocks if b.kind == "table"]
    assert table.rows == [
        ["序号", "任务", "牵头单位", "配合单位"],
        ["1", "编制开放目录", "市数据资源管理局", "市财政局"],
        ["2", "建设开放平台", "市数据资源管理局", "市科技局"],
        ["3 完善考核办法", "市政府办公室", "各区"],
    ]


def test_docx_merged_cells():
    import docx

    document = docx.Document()
    table = document.add_table(rows=4, cols=3)
    for row, values in zip(
        table.rows,
        [
            ["任务", "牵头单位", "配合单位"],
            ["甲任务", "市数据局", "市财政局"],
            ["乙任务", "", "市科技局"],
            ["", "", ""],
        ],
        strict=True,
    ):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    table.cell(1, 1).merge(table.cell(2, 1))  # one lead for two tasks
    table.cell(3, 0).merge(table.cell(3, 2)).text = "各区按季度报送进展"  # a note across the row
    out = io.BytesIO()
    document.save(out)
    (block,) = read_source("merged.docx", out.getvalue()).blocks
    assert block.rows == [
        ["任务", "牵头单位", "配合单位"],
        ["甲任务", "市数据局", "市财政局"],
        ["乙任务", "市数据局", "市科技局"],
        ["各区按季度报送进展"],
    ]


def test_policy_words_that_look_like_a_footer_stay():
    page = """<html><body><div class="content">
    <p>网站开办者应当依法办理ICP备案，并在首页显著位置公示备案编号。</p>
    <p>作品的版权所有人可以许可他人使用。</p>
    <p>京ICP备12345678号　网站标识码：1100000000</p>
    </div></body></html>"""
    assert [b.text for b in read_source("law.html", page.encode()).blocks] == [
        "网站开办者应当依法办理ICP备案，并在首页显著位置公示备案编号。",
        "作品的版权所有人可以许可他人使用。",
    ]


def test_page_saved_as_a_single_file_mhtml():
    """Browsers save "webpage, single file" as MHTML: quoted-printable HTML inside a MIME
    message, CRLF line ends."""
    import email.policy
    from email import charset
    from email.mime.multipart import MIMEMultipart
    from email.mime.text import MIMEText

    utf8 = charset.Charset("utf-8")
    utf8.body_encoding = charset.QP
    archive = MIMEMultipart("related")
    archive["From"] = "<Saved by Blink>"
    archive["Snapshot-Content-Location"] = "https://mp.weixin.qq.com/s/abc"
    archive.attach(MIMEText((FIXTURES / "wechat_repost.html").read_text(), "html", utf8))
    data = archive.as_bytes(policy=email.policy.SMTP)
    assert b"=E9=87=8D" in data  # the HTML really is quoted-printable
    saved = read_source("repost.mhtml", data)
    direct = read_source("repost.html", (FIXTURES / "wechat_repost.html").read_bytes())
    assert saved.format == "html"
    assert saved.page_meta == direct.page_meta
    assert shape(saved.blocks) == shape(direct.blocks)


def test_docx_custom_style_with_an_outline_level_is_a_heading():
    import docx
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    document = docx.Document()
    style = document.styles.add_style("一级标题", WD_STYLE_TYPE.PARAGRAPH)
    style.element.get_or_add_pPr().append(parse_xml(f'<w:outlineLvl {nsdecls("w")} w:val="0"/>'))
    document.add_paragraph("一、总体要求", style="一级标题")
    document.add_paragraph("正文段落。")
    out = io.BytesIO()
    document.save(out)
    assert shape(read_source("styled.docx", out.getvalue()).blocks) == [
        ("heading", 1, "一、总体要求"),
        ("para", False, "正文段落。"),
    ]


def test_html_alignment_from_attributes_styles_and_class_names():
    page = """<html><body><div class="article">
    <p class="text-center">通知</p><p>正文第一段。</p>
    <div align="right"><p>滨江市人民政府</p></div>
    <p class="sign-right">2026年1月5日</p>
    <p style="TEXT-ALIGN: center">附件</p>
    </div></body></html>"""
    assert shape(read_source("align.html", page.encode()).blocks) == [
        ("center", False, "通知"),
        ("para", False, "正文第一段。"),
        ("right", False, "滨江市人民政府"),
        ("right", False, "2026年1月5日"),
        ("center", False, "附件"),
    ]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("doctype.html", b"<!DOCTYPE html>", "doctype.html: the web page has no text content"),
        ("scripts.html", b"<html><body><script>x()</script></body></html>", "no text content"),
        (
            "broken.docx",
            zip_with("[Content_Types].xml", "word/document.xml"),
            "broken.docx: a damaged docx file",
        ),
        ("cut.pdf", build_pdf()[:1500], "cut.pdf: a damaged PDF"),
    ],
)
def test_broken_files_are_refused_not_crashed_on(name, data, message):
    with pytest.raises(IngestError, match=re.escape(message)):
        read_source(name, data)
