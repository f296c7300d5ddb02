"""Small documents of our own in the formats curators send, built in test set-up.

The PDF is laid out the way 公文 are printed: a red-head banner, the 发文字号, a title over two
lines in a larger type, paragraphs with a two-character first-line indent whose full lines are
justified to the right margin, a running head and a page number on every page, and a paragraph
(and a number) broken across lines and across a page break. The Word file uses the Title and
Heading styles, a right-aligned signature and a division-of-labour table.
"""

from __future__ import annotations

import io
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures" / "readers"

PAGE_WIDTH, PAGE_HEIGHT = 595.0, 842.0
LEFT, RIGHT = 72.0, 523.0
BODY, TITLE = 12.0, 18.0
FONT = "STSong-Light"

# (kind, lines as printed) per page; kinds: mark (urgency, top left), banner, number, title, para (first line indented),
# split (a paragraph the page break cuts: its last line is full too), cont (the rest of it on the
# next page: no indent), sign (right-aligned), table (rows of "|"-separated cells, "/" breaks a
# line inside a cell: the first such cell is a name wrapped in a narrow column, so its first line
# fills the cell; the second holds two bodies on lines of their own; "^" merges a cell into the
# one above).
PDF_PAGES: list[list[tuple[str, list[str]]]] = [
    [
        ("mark", ["特急"]),
        ("banner", ["滨江市数据资源管理局文件"]),
        ("number", ["滨数据〔2026〕21号"]),
        ("title", ["滨江市数据资源管理局关于印发公共数据", "授权运营管理办法的通知"]),
        ("para", ["各区数据管理部门，市直各单位："]),
        (
            "para",
            [
                "现将《公共数据授权运营管理办法》印发给你们，请结合",
                "实际认真贯彻落实。全市授权运营的数据产品力争达到1",
                "20个。",
            ],
        ),
        (
            "split",
            [
                "一、各单位要建立授权运营工作台账，按季度报送数据产",
                "品上架、调用和收益情况，并对数据安全负主体责任，定期",
            ],
        ),
    ],
    [
        ("cont", ["开展风险评估。"]),
        ("para", ["二、本办法自2026年5月1日起施行，有效期五年。"]),
        ("sign", ["滨江市数据资源管理局", "2026年4月2日"]),
    ],
    [
        ("para", ["附件：任务分工"]),
        (
            "table",
            [
                "序号|任务|牵头单位|配合单位",
                "1|建设授权运营平台|市数据资源/管理局|市财政局/市科技局",
                "2|制定收益分配办法|^|市发展改革委",
            ],
        ),
        ("sign", ["市财政局　　市科技局"]),
    ],
]
PDF_RUNNING_HEAD = "滨江市数据资源管理局行政规范性文件"


def build_pdf(pages: list[list[tuple[str, list[str]]]] = PDF_PAGES) -> bytes:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=(PAGE_WIDTH, PAGE_HEIGHT))
    for number, page in enumerate(pages, 1):
        y = PAGE_HEIGHT - 90
        if number > 1:
            pdf.setFont(FONT, 10)
            pdf.drawCentredString(PAGE_WIDTH / 2, PAGE_HEIGHT - 40, PDF_RUNNING_HEAD)
        for kind, lines in page:
            size = {"banner": 26.0, "title": TITLE}.get(kind, BODY)
            pdf.setFont(FONT, size)
            for index, line in enumerate(lines):
                last = index == len(lines) - 1
                if kind == "table":
                    y = _table(pdf, lines, y)
                    break
                if kind == "mark":
                    pdf.drawString(LEFT, y + 2 * BODY, line)
                    continue
                if kind in ("banner", "number", "title"):
                    pdf.drawCentredString(PAGE_WIDTH / 2, y, line)
                elif kind == "sign":
                    pdf.drawRightString(RIGHT - 4 * BODY, y, line)
                else:
                    x = LEFT + (2 * BODY if kind in ("para", "split") and index == 0 else 0)
                    _justified(pdf, line, x, y, size, stretch=kind == "split" or not last)
                y -= size * 1.8
            y -= 6
        pdf.setFont(FONT, BODY)
        pdf.drawCentredString(PAGE_WIDTH / 2, 40, f"- {number} -")
        pdf.showPage()
    pdf.save()
    return out.getvalue()


# Column widths of the annex table; the third fits five characters, so 市数据资源 fills it.
TABLE_COLUMNS = (36.0, 180.0, 5 * BODY + 8, 120.0)


def _table(pdf, rows: list[str], y: float) -> float:
    """A table drawn with ruling lines, cells padded by 4pt; a cell "^" is merged into the one
    above (no line between them). Returns the y below the table."""
    grid = [row.split("|") for row in rows]
    xs = [LEFT]
    for width in TABLE_COLUMNS:
        xs.append(xs[-1] + width)
    heights = [max(len(cell.split("/")) for cell in row) * BODY * 1.5 + 8 for row in grid]
    ys = [y + BODY]
    for height in heights:
        ys.append(ys[-1] - height)
    for x in xs:
        pdf.line(x, ys[0], x, ys[-1])
    for index, line_y in enumerate(ys):
        for column in range(len(TABLE_COLUMNS)):
            below = grid[index][column] if index < len(grid) else ""
            if below != "^" or index == 0:
                pdf.line(xs[column], line_y, xs[column + 1], line_y)
    pdf.setFont(FONT, BODY)
    for row, top in zip(grid, ys, strict=False):
        for cell, x in zip(row, xs, strict=False):
            if cell == "^":
                continue
            for index, line in enumerate(cell.split("/")):
                pdf.drawString(x + 4, top - 4 - BODY - index * BODY * 1.5, line)
    return ys[-1] - 2 * BODY


def _justified(pdf, line: str, x: float, y: float, size: float, *, stretch: bool) -> None:
    """Full lines run to the right margin, as justified text in a printed document does."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    text = pdf.beginText(x, y)
    text.setFont(FONT, size)
    # Character spacing is graphics state that outlives the text object: set it on every line.
    spacing = 0.0
    if stretch and len(line) > 1:
        spacing = (RIGHT - x - stringWidth(line, FONT, size)) / (len(line) - 1)
    text.setCharSpace(spacing)
    text.textLine(line)
    pdf.drawText(text)


def build_docx() -> bytes:
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    document = docx.Document()
    document.core_properties.title = "滨江市智慧农业三年行动方案"
    document.add_paragraph("滨江市智慧农业三年行动方案", style="Title")
    document.add_heading("第一章 总体要求", level=1)
    document.add_paragraph("到2028年，全市建成数字农场50个，农业生产数字化率达到45%。")
    document.add_heading("第二章 重点任务", level=1)
    document.add_heading("一、推广智能装备", level=2)
    # Word's own multilevel list: the numbers are generated, not typed.
    chinese = _chinese_list(document)
    for level, text in [
        (0, "建设数字农场"),
        (1, "选定试点乡镇"),
        (1, "制定建设指引"),
        (0, "培育农业数据人才"),
    ]:
        item = document.add_paragraph(text)
        num_pr = item._p.get_or_add_pPr().get_or_add_numPr()
        num_pr.get_or_add_ilvl().val = level
        num_pr.get_or_add_numId().val = chinese
    paragraph = document.add_paragraph()
    paragraph.add_run("支持种植大户").bold = True
    paragraph.add_run("购置智能灌溉和植保设备。")
    bold = document.add_paragraph()
    bold.add_run("附件：重点任务分工").bold = True
    table = document.add_table(rows=3, cols=4)
    cells = [
        ["序号", "任务", "牵头单位", "配合单位"],
        ["1", "推广智能装备", "市农业农村局", "市财政局\n市科技局"],
        ["2", "建设农业数据平台", "市数据资源管理局", "市农业农村局"],
    ]
    for row, values in zip(table.rows, cells, strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            first, *more = value.split("\n")
            cell.text = first
            for line in more:
                cell.add_paragraph(line)
    for line in ("滨江市农业农村局", "2026年1月15日"):
        document.add_paragraph(line).alignment = WD_ALIGN_PARAGRAPH.RIGHT
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _chinese_list(document) -> int:
    """A list definition as Chinese Word writes one: level 0 "（一）", level 1 "1."."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    numbering = document.part.numbering_part.element
    abstract = parse_xml(
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="90">'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/>'
        '<w:lvlText w:val="（%1）"/></w:lvl>'
        '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/>'
        '<w:lvlText w:val="%2."/></w:lvl></w:abstractNum>'
    )
    numbering.findall(abstract.tag.replace("abstractNum", "num"))[0].addprevious(abstract)
    num = parse_xml(f'<w:num {nsdecls("w")} w:numId="90"><w:abstractNumId w:val="90"/></w:num>')
    numbering.append(num)
    return 90


def build_docx_red_head() -> bytes:
    """A red-head notice as offices draft it: the banner, the 发文字号 and 签发人 side by side
    in a one-row table, and the body inside a content control."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    document = docx.Document()
    banner = document.add_paragraph("滨 江 市 数 据 资 源 管 理 局 文 件")
    banner.alignment = WD_ALIGN_PARAGRAPH.CENTER
    row = document.add_table(rows=1, cols=2).rows[0]
    row.cells[0].text = "滨数据〔2026〕30号"
    row.cells[1].text = "签发人：王明"
    document.add_paragraph(
        "滨江市数据资源管理局关于公共数据目录编制的通知"
    ).alignment = WD_ALIGN_PARAGRAPH.CENTER
    control = parse_xml(
        f"<w:sdt {nsdecls('w')}><w:sdtContent><w:p><w:r>"
        "<w:t>各单位于2026年9月底前完成目录编制。</w:t></w:r></w:p></w:sdtContent></w:sdt>"
    )
    document.element.body.insert(len(document.element.body) - 1, control)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
