"""PDFs with a text layer → blocks, one per paragraph or table, with the page each starts on.

pdfplumber (on pdfminer.six) gives each printed line with its box and the tables drawn with
ruling lines. Layout decides what text alone cannot: page numbers and running heads are lines in
the top/bottom margin band (a number, a line repeated on other pages, or a smaller type); the
red-head ``…文件`` banner is the first line of the first page; a line continues the one before
when that one runs to the right margin and it starts at the left margin without the paragraph
indent (so sentences, numbers and page breaks are rejoined); short lines pushed to the right are
signatures and dates; centred lines in a larger type are the title.
"""

from __future__ import annotations

import io
import re
import statistics
from dataclasses import dataclass, field

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfparser import PDFSyntaxError
from pdfminer.psexceptions import PSException
from pdfplumber.utils.exceptions import PdfminerException

from policies.ingest import IngestError
from policies.ingest.blocks import Block, SourceRead

# Share of the page height at the top and bottom where running heads and page numbers sit.
MARGIN_BAND = 0.1
# Page numbers as Chinese documents print them: 3, - 3 -, —3—, 第3页, 第3页 共8页, 3/8.
PAGE_NUMBER = re.compile(
    r"^[-—–－\s]*\d{1,4}[-—–－\s]*$|^第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?$|^\d+\s*/\s*\d+$"
)
# The red-head banner: an issuer's name followed by 文件 (国家发展和改革委员会文件).
RED_HEAD = re.compile(r"^\S{2,40}文件$")
# A line that opens a numbered item: never the tail of the sentence before, which ended.
NEW_ITEM = re.compile(
    r"^(?:第[一二三四五六七八九十百零〇\d]+[编章节条款]|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[）)]|\d+[.．、]\D)"
)
SENTENCE_END = "。！？；!?;"
RED_HEAD_WITHIN = 4
# A larger type than the body's by this factor marks the title (公文 titles are 二号 on 三号 text).
TITLE_SIZE_RATIO = 1.2
# A text layer that yields less than this many characters per page is a scan.
MIN_CHARS_PER_PAGE = 5
CID_GLYPH = re.compile(r"\(cid:\d+\)")
CJK = "\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef"
SPACED_CJK = re.compile(rf"(?<=[{CJK}])[ \t]+|[ \t]+(?=[{CJK}])")
# A gap this many type sizes wide on one line separates items (two bodies of a signature line);
# justified text stretches gaps far less.
WIDE_GAP = 0.9


@dataclass
class Line:
    text: str
    x0: float
    x1: float
    top: float  # distance from the top of the page
    size: float  # font size of its characters
    page: int
    bold: bool
    rows: list[list[str]] | None = field(default=None)  # a table drawn at this place instead


def read_pdf(name: str, data: bytes) -> SourceRead:
    pages, width, meta = _pages(name, data)
    chars = sum(len(line.text) for lines, _ in pages for line in lines)
    chars += sum(
        len("".join(map("".join, line.rows))) for lines, _ in pages for line in lines if line.rows
    )
    if chars < MIN_CHARS_PER_PAGE * max(1, len(pages)):
        raise IngestError(
            f"{name}: the PDF has no text layer (a scan?); run OCR on it or upload the text"
        )
    if _garbled(pages, chars):
        # pdfminer cannot map some fonts (seen in owner-password PDFs); PDFium often can.
        pages = _pdfium_pages(data)
    if _garbled(pages, chars):
        raise IngestError(
            f"{name}: the PDF's fonts carry no Unicode map, so its text cannot be read; "
            "upload the Word or web version"
        )
    lines = _drop_margins(pages)
    return SourceRead(name, "pdf", _paragraphs(lines, width), meta)


def _pages(name: str, data: bytes) -> tuple[list[tuple[list[Line], float]], float, dict]:
    """Each page's lines and tables top to bottom, the widest page, the title metadata."""
    pages = []
    width = 0.0
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            meta = _title(pdf.metadata)
            for number, page in enumerate(pdf.pages, 1):
                tables = [t for t in page.find_tables() if len(t.rows) >= 2]
                items = [
                    Line("", t.bbox[0], t.bbox[2], t.bbox[1], 0.0, number, False, _cells(page, t))
                    for t in tables
                ]
                for line in page.extract_text_lines(return_chars=True):
                    if not any(_inside(line, t.bbox) for t in tables) and line["text"].strip():
                        items.append(_line(line, number))
                items.sort(key=lambda item: (round(item.top), item.x0))
                pages.append((items, float(page.height)))
                width = max(width, float(page.width))
    except PdfminerException as exc:
        cause = exc.args[0] if exc.args else exc
        if isinstance(cause, PDFPasswordIncorrect | PDFEncryptionError):
            raise IngestError(f"{name}: the PDF is encrypted; upload an unprotected copy") from exc
        raise IngestError(f"{name}: a damaged PDF that cannot be read ({cause})") from exc
    except (PDFSyntaxError, PSException, ValueError, KeyError, TypeError) as exc:
        raise IngestError(f"{name}: a damaged PDF that cannot be read ({exc})") from exc
    if not pages:
        raise IngestError(f"{name}: the PDF has no pages")
    return pages, width, meta


def _garbled(pages: list[tuple[list[Line], float]], chars: int) -> bool:
    """Most of the text came out as (cid:N) glyph numbers: the fonts carry no Unicode map."""
    glyphs = sum(
        len(m) for lines, _ in pages for line in lines for m in CID_GLYPH.findall(line.text)
    )
    return glyphs > chars / 4


def _pdfium_pages(data: bytes) -> list[tuple[list[Line], float]]:
    """Each page's lines as PDFium reads them, in the same form (no tables)."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    pages = []
    document = pdfium.PdfDocument(data)
    try:
        for number, page in enumerate(document, 1):
            height = page.get_size()[1]
            textpage = page.get_textpage()
            lines, chars = [], []
            for index in range(textpage.count_chars() + 1):
                char = textpage.get_text_range(index, 1) if index < textpage.count_chars() else "\n"
                if char in "\r\n":
                    visible = [c for c in chars if c["text"].strip()]
                    if visible:
                        size = statistics.median(c["size"] for c in visible)
                        lines.append(
                            Line(
                                _text(visible, size),
                                min(c["x0"] for c in visible),
                                max(c["x1"] for c in visible),
                                min(c["top"] for c in visible),
                                size,
                                number,
                                False,
                            )
                        )
                    chars = []
                    continue
                left, _bottom, right, top = textpage.get_charbox(index, loose=True)
                size = pdfium_c.FPDFText_GetFontSize(textpage.raw, index)
                chars.append(
                    {"text": char, "x0": left, "x1": right, "top": height - top, "size": size}
                )
            lines.sort(key=lambda line: (round(line.top), line.x0))
            pages.append((lines, float(height)))
    finally:
        document.close()
    return pages


def _inside(line: dict, bbox: tuple[float, float, float, float]) -> bool:
    x0, top, x1, bottom = bbox
    middle = (line["top"] + line["bottom"]) / 2
    return x0 - 1 <= line["x0"] and line["x1"] <= x1 + 1 and top <= middle <= bottom


def _line(line: dict, page: int) -> Line:
    chars = [c for c in line["chars"] if c["text"].strip()]
    size = statistics.median(c["size"] for c in chars) if chars else line["bottom"] - line["top"]
    bold = bool(chars) and all(re.search(r"bold|black|heavy", c["fontname"], re.I) for c in chars)
    return Line(_text(chars, size), line["x0"], line["x1"], line["top"], size, page, bold)


def _text(chars: list[dict], size: float) -> str:
    """The characters of one line; a wide gap is an ideographic space, a narrower one between
    Latin letters a space, and none inside Chinese text (justified lines space it out)."""
    out = ""
    previous = None
    for char in chars:
        if previous is not None:
            gap = char["x0"] - previous["x1"]
            if gap > WIDE_GAP * size:
                out += "\u3000"
            elif gap > 0.2 * size:
                out += " "
        out += char["text"]
        previous = char
    return SPACED_CJK.sub("", out).strip()


def _cells(page, table) -> list[list[str]]:
    """Cells as text, as the Word reader gives them: a cell spanning columns once, a cell
    spanning rows repeated on each (a lead body shared by several tasks). In a cell, a line
    that fills the cell's width is joined to the next (a long name wrapped in a narrow column);
    other lines stay apart (several bodies in one cell)."""
    texts: dict[tuple, str] = {}
    rows = []
    columns = sorted({bbox[0] for bbox in table.cells})
    for row in table.rows:
        top = row.bbox[1]
        cells = []
        for column, bbox in zip(columns, row.cells, strict=True):
            if bbox is None:
                # Covered from above (repeat it) or from the left (read once already).
                above = [
                    cell
                    for cell in texts
                    if abs(cell[0] - column) < 1 and cell[1] < top - 1 and cell[3] > top + 1
                ]
                cells.extend(texts[cell] for cell in above[:1])
                continue
            texts[bbox] = _cell_text(page, bbox)
            cells.append(texts[bbox])
        if any(cells):
            rows.append(cells)
    return rows


def _cell_text(page, bbox: tuple[float, float, float, float]) -> str:
    lines = page.crop(bbox).extract_text_lines()
    text = ""
    for index, line in enumerate(lines):
        piece = SPACED_CJK.sub("", re.sub(r"\s+", " ", line["text"]).strip())
        size = line["bottom"] - line["top"]
        full = index > 0 and lines[index - 1]["x1"] >= bbox[2] - 1.5 * size - 2
        text += piece if full or not text else "\n" + piece
    return text


def _drop_margins(pages: list[tuple[list[Line], float]]) -> list[Line]:
    """Drop page numbers, running heads and the red-head banner. In the top and bottom bands
    of a page, a page number, a line repeated on other pages, or a line in a smaller type than
    the body is page furniture; the body's own lines never reach those bands."""
    body_size = _body_size([line for lines, _ in pages for line in lines if line.rows is None])

    def in_band(line: Line, height: float) -> bool:
        return line.top < MARGIN_BAND * height or line.top > (1 - MARGIN_BAND) * height

    def key(line: Line) -> str:
        return re.sub(r"[\d\s]", "", line.text)

    banded: dict[str, set[int]] = {}
    for lines, height in pages:
        for line in lines:
            if in_band(line, height) and line.rows is None:
                banded.setdefault(key(line), set()).add(line.page)
    kept = []
    for lines, height in pages:
        for index, line in enumerate(lines):
            if line.rows is not None:
                kept.append(line)
                continue
            if in_band(line, height) and (
                PAGE_NUMBER.match(line.text)
                or len(banded[key(line)]) > 1
                or line.size < body_size - 0.5
            ):
                continue
            # The banner opens the first page, in a type larger than the body's; only the
            # copy number, secrecy and urgency marks (份号, 密级, 特急) may stand above it.
            if (
                line.page == 1
                and index < RED_HEAD_WITHIN
                and line.size > body_size + 0.5
                and RED_HEAD.match(re.sub(r"\s", "", line.text))
            ):
                continue
            kept.append(line)
    return kept


def _body_size(lines: list[Line]) -> float:
    """The type size most characters are printed in."""
    weight: dict[float, int] = {}
    for line in lines:
        weight[round(line.size, 1)] = weight.get(round(line.size, 1), 0) + len(line.text)
    return max(weight, key=weight.__getitem__)


@dataclass
class Frame:
    """The body text's column: where lines start and end, and the body type size."""

    left: float
    right: float
    size: float


def _frame(lines: list[Line], page_width: float) -> Frame:
    """The left margin is where the leftmost body line starts. The right one is where the
    longest ends, but no further left than the left margin mirrored: a short document whose
    lines are all indented or short says little about the column's width."""
    size = _body_size([line for line in lines if line.rows is None])
    body = [line for line in lines if line.rows is None and abs(line.size - size) < 0.5]
    left = min(line.x0 for line in body)
    return Frame(left=left, right=max(page_width - left, *(line.x1 for line in body)), size=size)


def _paragraphs(lines: list[Line], page_width: float) -> list[Block]:
    frame = _frame(lines, page_width)
    blocks: list[Block] = []
    previous: Line | None = None
    for line in lines:
        if line.rows is not None:
            blocks.append(Block(kind="table", rows=line.rows, page=line.page))
            previous = None
            continue
        title = line.size >= TITLE_SIZE_RATIO * frame.size and _align(line, frame) == "center"
        if previous is not None and blocks and _continues(previous, line, frame, title):
            blocks[-1].text = _join(blocks[-1].text, line.text)
            blocks[-1].bold = blocks[-1].bold and line.bold
        else:
            if previous is not None and line.page != previous.page:
                blocks.append(Block(kind="page_break", page=line.page))
            if title:
                level = 1 if not any(b.kind == "heading" for b in blocks) else 2
                blocks.append(Block(line.text, kind="heading", level=level, page=line.page))
            else:
                blocks.append(
                    Block(line.text, bold=line.bold, align=_align(line, frame), page=line.page)
                )
        previous = line
    return blocks


def _continues(previous: Line, line: Line, frame: Frame, title: bool) -> bool:
    if title:
        # A title wrapped over lines: the same larger type, centred, right below.
        return (
            abs(previous.size - line.size) < 0.5
            and previous.page == line.page
            and line.top - previous.top < 2.2 * line.size
            and previous.size >= TITLE_SIZE_RATIO * frame.size
        )
    reaches_right = previous.x1 >= frame.right - 1.5 * frame.size
    starts_left = line.x0 <= frame.left + 0.5 * frame.size
    same_type = abs(previous.size - line.size) < 0.5
    ended = previous.text.endswith(tuple(SENTENCE_END)) and NEW_ITEM.match(line.text)
    return (
        reaches_right and starts_left and same_type and not ended and _align(previous, frame) == ""
    )


def _align(line: Line, frame: Frame) -> str:
    left_gap = line.x0 - frame.left
    right_gap = frame.right - line.x1
    if left_gap > 2 * frame.size and abs(left_gap - right_gap) < 2 * frame.size:
        return "center"
    if left_gap > right_gap + 4 * frame.size:
        return "right"
    return ""


def _join(text: str, more: str) -> str:
    """Latin words wrapped at a line end keep their space; Chinese text and split numbers don't."""
    if text[-1:].isascii() and text[-1:].isalpha() and more[:1].isascii() and more[:1].isalpha():
        return f"{text} {more}"
    return text + more


def _title(metadata: dict) -> dict[str, str]:
    """The document information's title, when one was set by hand."""
    title = metadata.get("Title")
    text = title.strip() if isinstance(title, str) else ""
    # Printers put file names there ("Microsoft Word - 通知.doc", "untitled").
    if text and not re.search(r"\.(docx?|wps|pdf)$|^untitled$|Microsoft Word", text, re.I):
        return {"title": text}
    return {}
