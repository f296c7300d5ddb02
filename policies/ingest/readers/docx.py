"""Word (.docx) files → blocks: paragraphs with their heading level, alignment and bold, and
tables with their rows, in the order the document prints them.

python-docx reads the paragraphs and tables; the heading level comes from the paragraph's style
(Title, Heading N / 标题 N) or its outline level; numbers Word generates from its list
definitions are rendered in front of the text (docx_numbering.py). Page headers and footers live in separate parts
of the file and are never read, so running heads and page numbers do not arrive at all.
"""

from __future__ import annotations

import io
import re
import zipfile

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph

from policies.ingest import IngestError
from policies.ingest.blocks import Block, SourceRead
from policies.ingest.readers.docx_numbering import Numbering, with_label
from policies.ingest.readers.pdf import RED_HEAD

HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*(\d)$", re.I)
TITLE_STYLES = frozenset(("title", "标题"))
ALIGNMENTS = {WD_ALIGN_PARAGRAPH.CENTER: "center", WD_ALIGN_PARAGRAPH.RIGHT: "right"}


def read_docx(name: str, data: bytes) -> SourceRead:
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise IngestError(f"{name}: a damaged Word file that cannot be read ({exc})") from exc
    body = document.element.body
    # Word documents either title with the Title style and number chapters from Heading 1, or
    # put the title in Heading 1: levels count from the document title as 1 either way.
    titled = any(_style_name(p).lower() in TITLE_STYLES for p in document.paragraphs)
    numbering = Numbering(document)
    blocks: list[Block] = []
    for child in _body_elements(body):
        if child.tag == qn("w:p"):
            paragraph = Paragraph(child, document)
            blocks.extend(_paragraph(paragraph, numbering.label(paragraph), titled))
        elif child.tag == qn("w:tbl"):
            rows = _rows(Table(child, document))
            if len(rows) >= 2 and max(map(len, rows)) >= 2:
                blocks.append(Block(kind="table", rows=rows))
            else:
                # One row or one column lays out lines (the 发文字号 beside 签发人, a banner).
                blocks.extend(
                    Block(line) for row in rows for cell in row for line in cell.split("\n")
                )
    first = next((i for i, b in enumerate(blocks) if b.text), None)
    if first is not None and RED_HEAD.match(re.sub(r"\s", "", blocks[first].text)):
        del blocks[first]  # the red-head banner names the issuer, not the document
    if not any(block.text or block.rows for block in blocks):
        raise IngestError(f"{name}: the Word file has no text")
    meta = {}
    title = (document.core_properties.title or "").strip()
    if title:
        meta["title"] = title
    return SourceRead(name, "docx", blocks, meta)


def _body_elements(parent):
    """Paragraphs and tables in reading order, also those inside content controls (w:sdt)."""
    for child in parent.iterchildren():
        if child.tag in (qn("w:p"), qn("w:tbl")):
            yield child
        elif child.tag == qn("w:sdt"):
            content = child.find(qn("w:sdtContent"))
            if content is not None:
                yield from _body_elements(content)


def _style_name(paragraph: Paragraph) -> str:
    style = paragraph.style
    return style.name if style is not None and style.name else ""


def _paragraph(paragraph: Paragraph, label: str, titled: bool) -> list[Block]:
    text = paragraph.text.strip(" \u3000\t")
    text = with_label(label, text) if text else text
    blocks = []
    if text:
        level = _level(paragraph, titled)
        blocks.append(
            Block(
                text,
                kind="heading" if level else "para",
                level=level,
                bold=_bold(paragraph),
                align=_alignment(paragraph),
            )
        )
    if paragraph._p.xpath(".//w:br[@w:type='page']"):
        blocks.append(Block(kind="page_break"))
    return blocks


def _level(paragraph: Paragraph, titled: bool) -> int:
    name = _style_name(paragraph)
    if name.lower() in TITLE_STYLES:
        return 1
    match = HEADING_STYLE.match(name)
    if match is None:
        # An outline level (w:outlineLvl 0-8, 9 = body text) on the paragraph or its style
        # chain marks a heading without a heading style's name (custom styles, WPS).
        levels = paragraph._p.xpath("./w:pPr/w:outlineLvl/@w:val")
        style = paragraph.style
        while not levels and style is not None:
            levels = style.element.xpath("./w:pPr/w:outlineLvl/@w:val")
            style = style.base_style
        if not levels or not levels[0].isdigit() or int(levels[0]) > 8:
            return 0
        number = int(levels[0]) + 1
    else:
        number = int(match.group(1))
    return number + 1 if titled else number


def _alignment(paragraph: Paragraph) -> str:
    """The paragraph's own alignment, else the one its style (or the style's base) sets."""
    alignment = paragraph.paragraph_format.alignment
    style = paragraph.style
    while alignment is None and style is not None:
        alignment = style.paragraph_format.alignment
        style = style.base_style
    return ALIGNMENTS.get(alignment, "")


def _bold(paragraph: Paragraph) -> bool:
    """Every run with text is bold, directly or through its character or paragraph style."""
    runs = [run for run in paragraph.runs if run.text.strip()]
    if not runs:
        return False
    for run in runs:
        bold = run.bold
        if bold is None and run.style is not None:
            bold = run.style.font.bold
        para_style = paragraph.style
        while bold is None and para_style is not None:
            bold = para_style.font.bold
            para_style = para_style.base_style
        if not bold:
            return False
    return True


def _rows(table: Table) -> list[list[str]]:
    """Cells as text, paragraphs in a cell kept as lines. A cell merged across columns is read
    once; one merged down rows is repeated on each row (a lead body shared by several tasks)."""
    rows = []
    for row in table.rows:
        cells, seen = [], None
        for cell in row.cells:
            if cell._tc is seen:
                continue
            seen = cell._tc
            lines = [p.text.strip(" \u3000") for p in cell.paragraphs]
            cells.append("\n".join(line for line in lines if line))
        if any(cells):
            rows.append(cells)
    return rows
